"""One demo world per database for this whole package: seeding it costs seconds, so its
tests share it and only read it.

The world is the reference data (postcodes: the sample) with the demo seeded twice. What
each test compares across the two seedings is taken after the first, in `Seeded.first`.
The package's tests run on one xdist worker in a row (`pytestmark` puts them in one
`xdist_group`), so the world
is built once per database, and the tables are emptied when the package is done.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.extensions import db
from models.encounters import Attendance, Encounter
from models.journeys import Journey
from models.matches import Match
from models.offer_requests import OfferRequest
from models.pupils import Pupil
from models.volunteers import Volunteer
from services import demo, reference_data
from tests.conftest import empty_tables
from tests.services.conftest import copy_reference_data


@dataclass(frozen=True)
class Seeded:
    session: Session
    summary: demo.DemoSummary
    first: dict[str, list]


def snapshots(session: Session) -> dict[str, list]:
    """What seeding again must leave as it is."""
    session.expire_all()
    return {
        "volunteers": sorted(
            (str(v.id), v.job_title, v.base_postcode, v.updated_at)
            for v in session.scalars(select(Volunteer))
        ),
        "records": [
            session.scalar(select(func.count()).select_from(model))
            for model in (Pupil, Encounter, Attendance)
        ],
        "matches": sorted((str(m.id), m.status.value) for m in session.scalars(select(Match))),
        "requests": sorted(
            (str(r.id), r.status.value) for r in session.scalars(select(OfferRequest))
        ),
        "journeys": sorted(
            (str(j.id), j.steps, j.shared, j.updated_at) for j in session.scalars(select(Journey))
        ),
    }


@pytest.fixture(scope="package")
def seeded(shared_app, tmp_path_factory):
    data_dir = copy_reference_data(tmp_path_factory.mktemp("demo") / "data")
    with shared_app.app_context():
        engine = db.engine
    with Session(engine) as session:
        reference_data.load_all(session, data_dir)
        summary = demo.seed(session)
        session.commit()
        first = snapshots(session)
        demo.seed(session)
        session.commit()
        session.expire_all()
        yield Seeded(session, summary, first)
    empty_tables(shared_app)
