import datetime as dt

import pytest

from mapping import ReportError, read_report
from mapping.language.report import read_report_file


def test_date_header_sets_publication_date_and_keeps_offsets():
    report = read_report(" date 2025-11-18 Troops entered Quneitra.")
    assert report.published == dt.date(2025, 11, 18)
    assert report.text.startswith(" date")  # offsets index the text as read
    assert report.text[report.body_start:] == "Troops entered Quneitra."


def test_explicit_date_wins_over_header():
    assert read_report("date 2025-11-18\nText.", published="2025-01-02").published == dt.date(2025, 1, 2)


def test_no_header_no_date():
    report = read_report("Updated 2025: nothing.")
    assert report.published is None and report.body_start == 0


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_empty_report_is_a_clear_error(text):
    with pytest.raises(ReportError, match="empty"):
        read_report(text)


def test_bad_published_date_is_a_clear_error():
    with pytest.raises(ReportError, match="YYYY-MM-DD"):
        read_report("Text.", published="18/11/2025")


def test_invalid_utf8_file_names_the_byte(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(b"Damascus \xff\xfe here")
    with pytest.raises(ReportError, match="not valid UTF-8 \\(byte 9"):
        read_report_file(path)


def test_bom_is_not_mapped(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes("\ufeffdate 2025-11-18 Text in Damascus.".encode())
    report = read_report_file(path)
    assert report.published == dt.date(2025, 11, 18)
    assert report.text[report.body_start:] == "Text in Damascus."
