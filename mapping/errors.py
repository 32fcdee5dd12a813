"""The exceptions situation-map raises.

Every error is a :class:`MappingError`; most also subclass the builtin that
fits, so ``except ValueError`` keeps working for callers who do not know us.
Messages say what was expected, what came, and how to fix it.
"""

__all__ = [
    "MappingError",
    "ReportError",
    "GazetteerError",
    "UnknownFormatError",
    "OutputError",
    "RenderError",
    "CacheError",
    "DataFileError",
    "MappingWarning",
]


class MappingError(Exception):
    """Root of every error raised by situation-map."""


class ReportError(MappingError, ValueError):
    """The report text or its metadata cannot be used (empty, undecodable, bad date)."""


class GazetteerError(MappingError, ValueError):
    """A gazetteer pack is malformed; the message names the file, record and field."""


class UnknownFormatError(MappingError, ValueError):
    """An output format was asked for that no exporter handles."""


class OutputError(MappingError, ValueError):
    """An output cannot be written where asked: its suffix names another format, it is the input, a folder."""


class RenderError(MappingError, RuntimeError):
    """The map could not be rendered (a missing optional asset or package)."""


class CacheError(MappingError, OSError):
    """The cache directory (``$SITUATION_MAP_CACHE``) cannot hold imported places: not a folder, read-only, full."""


class DataFileError(MappingError, ValueError):
    """A data file shipped inside the package is missing or malformed; the message names it."""


class MappingWarning(UserWarning):
    """Something was done to the input that the user should know (e.g. invalid bytes replaced)."""
