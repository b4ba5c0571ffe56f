"""A reference-data directory like the shipped one, with a small real postcode sample."""

import shutil
from pathlib import Path

import pytest

from services import reference_data

POSTCODE_FILE = "postcodes_england.csv.gz"
# 1,202 real rows (including SW1A 1AA, LS1 4DY and M1 1AE): the full table has 1.5 million.
POSTCODE_SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / POSTCODE_FILE


def copy_reference_data(target: Path) -> Path:
    """Copies, not links, so a test may edit a file without touching the shipped data."""
    target.mkdir()
    for source in reference_data.DATA_DIR.iterdir():
        if source.suffix in {".csv", ".gz"} and source.name != POSTCODE_FILE:
            shutil.copy(source, target / source.name)
    shutil.copy(POSTCODE_SAMPLE, target / POSTCODE_FILE)
    return target


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return copy_reference_data(tmp_path / "data")


@pytest.fixture
def loaded_session(session, data_dir):
    """A session on a database holding all the reference data (postcodes: the sample)."""
    reference_data.load_all(session, data_dir)
    session.commit()
    return session
