import doctest
import importlib
import pkgutil

import pytest

import mapping

MODULES = sorted(m.name for m in pkgutil.iter_modules(mapping.__path__, "mapping.") if m.name != "mapping.__main__")


@pytest.mark.parametrize("name", ["mapping", *MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
