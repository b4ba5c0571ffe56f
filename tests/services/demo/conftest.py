"""One demo world per database for the whole run: seeding it costs many seconds, so the
demo's tests share it and only read it.

The world is a database of its own beside the workers' (a SQLite file in the run's shared
temporary folder; `<TEST_DATABASE_URL's database>_demo` on PostgreSQL): the reference data
(postcodes: the sample) with the demo seeded twice. The first xdist worker to need it
builds it under a file lock; the others wait and then read it. What each test compares
across the two seedings is taken after the first, in `Seeded.first`.
"""

import fcntl
import pickle
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from models.encounters import Attendance, Encounter
from models.journeys import Journey
from models.matches import Match
from models.offer_requests import OfferRequest
from models.organisations import Hub, School
from models.pupils import Pupil
from models.volunteers import Volunteer
from services import demo, reference_data
from services.demo.base import DEMO_CENTRE, DEMO_HUB_ID, DEMO_HUB_SIZE, nearest_schools
from tests.conftest import POSTGRES_URL, migrate_afresh
from tests.services.conftest import copy_reference_data


@dataclass(frozen=True)
class Seeded:
    session: Session
    hub: Hub
    schools: list[School]  # the hub's, nearest the centre first, as `demo.seed` returns them
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


@contextmanager
def exclusive(lock: Path):
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def seed_twice(url: str, data_dir: Path) -> dict[str, list]:
    engine = create_engine(migrate_afresh(url))
    with Session(engine) as session:
        reference_data.load_all(session, data_dir)
        demo.seed(session)
        session.commit()
        first = snapshots(session)
        demo.seed(session)
        session.commit()
    engine.dispose()
    return first


@pytest.fixture(scope="session")
def seeded(database_url, tmp_path_factory, worker_id):
    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if worker_id != "master" else shared  # the run's, not the worker's
    kind = make_url(database_url).get_backend_name()
    if kind == "sqlite":
        url = f"sqlite:///{shared / 'demo.db'}"
    else:
        base = make_url(POSTGRES_URL)
        url = base.set(database=f"{base.database}_demo").render_as_string(hide_password=False)
    built = shared / f"demo-{kind}.pickle"
    with exclusive(shared / f"demo-{kind}.lock"):
        if not built.exists():
            data_dir = copy_reference_data(tmp_path_factory.mktemp("demo") / "data")
            built.write_bytes(pickle.dumps(seed_twice(url, data_dir)))
    first = pickle.loads(built.read_bytes())
    engine = create_engine(url)
    with Session(engine) as session:
        hub = session.get(Hub, DEMO_HUB_ID)
        schools = nearest_schools(session, *DEMO_CENTRE, limit=DEMO_HUB_SIZE)
        yield Seeded(session, hub, schools, first)
    engine.dispose()
