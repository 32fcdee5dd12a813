import doctest
import importlib
import pkgutil

import pytest

import mapping

# Every module of every stage subpackage (gazetteer, language, resolution, output) too.
MODULES = sorted(m.name for m in pkgutil.walk_packages(mapping.__path__, "mapping.") if m.name != "mapping.__main__")


@pytest.mark.parametrize("name", ["mapping", *MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
