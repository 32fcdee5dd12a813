import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SITUATION_MAP_SHARED", HERE.parent.parent / "shared"))
SEED = SHARED / "fixtures" / "seed-report.txt"
EXAMPLE = HERE.parent / "data" / "examples" / "southern-syria-briefing.txt"


@pytest.fixture(scope="session")
def seed_text():
    if not SEED.is_file():
        pytest.skip(f"seed report not found at {SEED} (../shared is absent)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_situation(seed_text):
    import mapping

    return mapping.map_report(seed_text, source="seed", title="Seed report")


@pytest.fixture(scope="session")
def example_text():
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def gazetteer():
    from mapping import default_gazetteer

    return default_gazetteer()
