"""The README documents what the command line and the API do (the contracts users read first)."""

from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module")
def readme():
    if not README.is_file():
        pytest.skip("README.md is not installed with the package")
    return README.read_text(encoding="utf-8")


def test_readme_shows_the_crs_users_need(readme):
    assert "GeoDataFrame.from_features(situation, crs=4326)" in readme
    assert "from_features(situation)`" not in readme


def test_readme_documents_exit_codes_headers_and_outputs(readme):
    for fragment in ("`130` interrupted", "`143` terminated", "`141` when the reader of standard output",
                     "`Published:`", "`Updated:` counts only when there is none", "written through",
                     "did you mean --geojson?", "CDN", "israel_points"):
        assert fragment in readme, fragment


def test_readme_robustness_table_covers_each_hostile_case(readme):
    section = readme.split("### Robustness", 1)[1]
    table = section[section.index("| input"):].split("\n\n", 1)[0]
    for case in ("/dev/zero", "/dev/urandom", "9999-12-31", "5 MB", "SIGINT", "SIGTERM", "ulimit -f",
                 "the input path", "symlink", "cache"):
        assert case in table, case
