"""The package's own data files: a broken one is named, with the line, not a bare JSONDecodeError."""

import pytest

from mapping import datafiles
from mapping.errors import DataFileError, MappingError


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    (tmp_path / "data" / "models").mkdir(parents=True)

    class Files:  # importlib.resources.files("mapping"), pointed at a folder of the test's
        def joinpath(self, *parts):
            return tmp_path.joinpath(*parts)

    monkeypatch.setattr(datafiles.resources, "files", lambda package: Files())
    return tmp_path / "data"


def test_malformed_json_names_the_file_and_line(data_root):
    (data_root / "actors.json").write_text('{"actors": [\n  {"id": "x",}\n]}', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"^mapping/data/actors.json: line 2, column 14: expected JSON") as err:
        datafiles.package_json("actors.json")
    assert isinstance(err.value, MappingError)


def test_text_that_is_not_utf8_is_named(data_root):
    (data_root / "common_words.txt").write_bytes(b"# words\nabout\n\xff\n")
    with pytest.raises(DataFileError, match=r"common_words.txt: expected UTF-8 text, byte 14"):
        datafiles.package_lines("common_words.txt")


def test_lines_drop_comments_and_blanks(data_root):
    (data_root / "common_words.txt").write_text("# a comment\n\nabout\nabove\n", encoding="utf-8")
    assert datafiles.package_lines("common_words.txt") == ["about", "above"]


def test_a_model_not_fitted_yet_is_the_neutral_one_and_a_broken_one_is_an_error(data_root):
    neutral = {"bias": 0.0}
    assert datafiles.learned_model("ranker.json", neutral) is neutral
    (data_root / "models" / "ranker.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataFileError, match="models/ranker.json"):
        datafiles.learned_model("ranker.json", neutral)


def test_shipped_models_load():
    assert "weights" in datafiles.learned_model("toponyms.json", {})
    assert "full" in datafiles.learned_model("ranker.json", {})
