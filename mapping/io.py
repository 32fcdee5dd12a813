"""Writing files safely: never a partial output after a failure.

Every output is written to a temporary file beside its target and renamed
into place, so an interruption (Ctrl-C, SIGTERM), a full disk or a file-size
limit leaves the previous file as it was and no half-written one. A symlink
is written through: its target is replaced and the link stays a link.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic", "output_target", "write_error"]

#: What to tell the user for the errors a write commonly meets.
_WRITE_ERRORS = {
    errno.EFBIG: "the file is larger than the file-size limit (ulimit -f) allows",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def output_target(path) -> Path:
    """The file that writing ``path`` replaces: ``path``, or the final target of a symlink.

    Raises :class:`~mapping.errors.OutputError` when the target is a folder
    or its folder does not exist, naming ``path`` as the user gave it.

    >>> output_target("map.html")
    PosixPath('map.html')
    >>> output_target("/no/such/folder/map.html")
    Traceback (most recent call last):
    ...
    mapping.errors.OutputError: cannot write '/no/such/folder/map.html': folder '/no/such/folder' does not exist
    """
    from .errors import OutputError

    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    via = f" (a symlink to {str(target)!r})" if target != path else ""
    if target.is_dir():
        raise OutputError(f"cannot write {str(path)!r}{via}: it is a folder, expected a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {str(path)!r}{via}: folder {str(parent)!r} does not exist")
    return target


def write_error(path, err: OSError):
    """An :class:`OSError` met while writing ``path`` as an :class:`~mapping.errors.OutputError` naming
    ``path`` (not the temporary file) and the likely cause.

    >>> write_error("m.html", OSError(27, "File too large"))
    OutputError("cannot write 'm.html': the file is larger than the file-size limit (ulimit -f) allows (File too large); nothing was written")
    """
    from .errors import OutputError

    reason = _WRITE_ERRORS.get(err.errno)
    detail = err.strerror or str(err)
    text = f"{reason} ({detail})" if reason else detail
    return OutputError(f"cannot write {str(path)!r}: {text}; nothing was written")


def write_atomic(path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    ``'-'`` writes to standard output. A symlink is written through (its
    target is replaced); an existing file keeps its contents until the new
    ones are complete.
    """
    if str(path) == "-":
        import sys

        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        sys.stdout.flush()
        return Path("-")
    target = output_target(path)
    mode = "wb" if isinstance(data, bytes) else "w"
    parent = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as err:
        raise write_error(path, err) from err
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": "\n"})) as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the user's usual mode
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(path, err) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(path)
