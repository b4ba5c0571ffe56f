"""Distance search over 100,000 volunteers: p50/p95 latency of one 25 km `near=` page.

    .venv/bin/python bench/directory_search.py [--volunteers 100000] [--runs 60]

Builds a temporary SQLite database (and, when TEST_DATABASE_URL or DATABASE_URL names a
PostgreSQL server, a throw-away schema there, dropped afterwards), migrated by Alembic,
with volunteers spread over England plus a denser cluster around Leeds, then times:
  service  services.volunteers.list_ (bounding box on the indexed coordinates, numpy's
           distances for every candidate choosing the page, the exact great-circle distance
           for the rows that could be on it, one page of 50 read as rows)
  http     GET /api/v1/volunteers?near=LS1 4DY&within_km=25&page_size=50 through the app
           (JWT, access policy, marshmallow), as a coordinator.
"""

import argparse
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from harness import on_each_database, percentiles  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from api.security import issue_user_tokens  # noqa: E402
from models.organisations import Employer, Hub  # noqa: E402
from models.reference import Postcode  # noqa: E402
from models.users import Role, User  # noqa: E402
from models.volunteers import Volunteer  # noqa: E402
from services import volunteers  # noqa: E402
from services.callers import Caller  # noqa: E402
from services.search import origin  # noqa: E402

LEEDS = (53.7951, -1.5467)  # LS1 4DY
ENGLAND = ((50.6, 55.4), (-3.6, 1.6))
BATCH = 10_000
SECRETS = {"SECRET_KEY": "b" * 48, "JWT_SECRET_KEY": "c" * 48}


def build(app, count: int, rng: random.Random) -> User:
    """Insert `count` volunteers (12% within 30 km of Leeds) and return a coordinator."""
    with app.app_context():
        session = db.session
        hub = Hub(name="Bench hub", area="Leeds")
        employers = [Employer(name=f"Employer {i}", sector_code=None) for i in range(100)]
        session.add_all([hub, *employers])
        session.add(Postcode(postcode="LS1 4DY", latitude=LEEDS[0], longitude=LEEDS[1]))
        session.flush()
        coordinator = User(
            email="coordinator@bench.example",
            name="Coordinator",
            password_hash="!",
            role=Role.COORDINATOR,
            organisation_id=hub.id,
        )
        session.add(coordinator)
        session.commit()
        employer_ids = [e.id for e in employers]
        for start in range(0, count, BATCH):
            users, profiles = [], []
            for i in range(start, min(count, start + BATCH)):
                user_id, employer_id = uuid.uuid4(), rng.choice(employer_ids)
                if rng.random() < 0.12:
                    latitude = LEEDS[0] + rng.uniform(-0.27, 0.27)
                    longitude = LEEDS[1] + rng.uniform(-0.45, 0.45)
                else:
                    latitude = rng.uniform(*ENGLAND[0])
                    longitude = rng.uniform(*ENGLAND[1])
                users.append(
                    {
                        "id": user_id,
                        "email": f"v{i}@bench.example",
                        "name": f"Volunteer {i:06d}",
                        "password_hash": "!",
                        "role": Role.VOLUNTEER,
                        "organisation_id": employer_id,
                        "is_org_admin": False,
                        "is_active": True,
                        "token_version": 0,
                    }
                )
                profiles.append(
                    {
                        "id": uuid.uuid4(),
                        "user_id": user_id,
                        "employer_id": employer_id,
                        "job_title": rng.choice(["Engineer", "Nurse", "Chef", "Analyst"]),
                        "sectors": 1 << rng.randrange(21),
                        "topics": [],
                        "activity_types": rng.randrange(1, 1 << 9),
                        "modes": rng.randrange(1, 4),
                        "year_groups": rng.randrange(1, 1 << 7),
                        "latitude": latitude,
                        "longitude": longitude,
                        "travel_radius_km": rng.choice([5, 10, 20, 30]),
                        "weekly_availability": [],
                        "unavailable_dates": [],
                        "languages": ["English"],
                        "role_model_attributes": [],
                        "dbs_enhanced": False,
                        "dbs_barred_list": False,
                        "dbs_update_service": False,
                    }
                )
            session.execute(insert(User), users)
            session.execute(insert(Volunteer), profiles)
            session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does in production: statistics, and a visibility map so the
            # covering index answers without visiting the table.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE volunteers"))
        return session.get(User, coordinator.id)


def measure(app, coordinator: User, runs: int) -> dict[str, tuple]:
    caller = Caller(role=Role.COORDINATOR, organisation_id=coordinator.organisation_id)
    results = {}
    with app.app_context():
        near = origin(db.session, "LS1 4DY", 25)
        page = volunteers.list_(db.session, caller, page=1, page_size=50, near=near)
        hits = page.total
        timings = []
        for _ in range(runs + 5):
            db.session.expunge_all()
            started = time.perf_counter()
            volunteers.list_(db.session, caller, page=1, page_size=50, near=near)
            timings.append(time.perf_counter() - started)
        results["service"] = (*percentiles(timings[5:]), hits)
        token = issue_user_tokens(coordinator)["access_token"]
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = "/api/v1/volunteers?near=LS1%204DY&within_km=25&page_size=50"
    timings = []
    for _ in range(runs + 5):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
    results["http"] = (*percentiles(timings[5:]), hits)
    return results


def run(label: str, url: str, count: int, runs: int) -> list[tuple]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            **SECRETS,
        }
    )
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    coordinator = build(app, count, random.Random(42))
    print(f"{label}: built {count:,} volunteers in {time.perf_counter() - started:.1f} s")
    freeze_startup_heap()  # as wsgi.py does before serving
    return [(label, kind, *figures) for kind, figures in measure(app, coordinator, runs).items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    rows = on_each_database(lambda label, url: run(label, url, args.volunteers, args.runs))
    print()
    print(f"25 km search around LS1 4DY, page of 50, {args.runs} runs each")
    print(f"{'database':<11} {'path':<8} {'p50 ms':>8} {'p95 ms':>8} {'matches':>8}")
    for label, kind, p50, p95, hits in rows:
        print(f"{label:<11} {kind:<8} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} {hits:>8,}")


if __name__ == "__main__":
    main()
