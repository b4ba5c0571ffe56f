"""The directory schools search: 20,000 published encounter offers, 4,500 schools.

    .venv/bin/python bench/offers_search.py [--offers 20000] [--schools 4500] [--runs 60]

Builds a temporary SQLite database (and, when TEST_DATABASE_URL or DATABASE_URL names a
PostgreSQL server, a throw-away schema there, dropped afterwards), migrated by Alembic,
with schools and offers spread over England (a denser cluster of both around Leeds),
then times one page of 20 of the directory ranked for a school, rotating over 30 schools:
  service  services.offer_directory.search (the process's held copy of the published
           offers filtered, and those reachable only online scored, ordered and counted,
           with NumPy; those in a box of their own radius ranked in Python with the exact
           distance; one page explained and loaded)
  reload   services.offer_directory.pool.load: what the first search after an offer write
           pays in each process, to read every published offer's columns again
  http     GET /api/v1/offers/directory?year_group=10&page_size=20 through the app (JWT,
           access policy, marshmallow), as each school's staff.
Budget (DESIGN.md): HTTP p95 <= 50 ms.
"""

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from harness import on_each_database, percentiles  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from api.security import issue_user_tokens  # noqa: E402
from models.base import london_today  # noqa: E402
from models.offers import ENCOUNTER_KINDS, Offer, OfferStatus  # noqa: E402
from models.organisations import Employer, Organisation, OrganisationKind, School  # noqa: E402
from models.users import Role, User  # noqa: E402
from services import offer_directory  # noqa: E402
from services.callers import Caller  # noqa: E402

LEEDS = (53.7951, -1.5467)
ENGLAND = ((50.6, 55.4), (-3.6, 1.6))
SECRETS = {"SECRET_KEY": "b" * 48, "JWT_SECRET_KEY": "c" * 48}
SAMPLED_SCHOOLS = 30


def place(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.12:
        return LEEDS[0] + rng.uniform(-0.27, 0.27), LEEDS[1] + rng.uniform(-0.45, 0.45)
    return rng.uniform(*ENGLAND[0]), rng.uniform(*ENGLAND[1])


def build(app, offers: int, schools: int, rng: random.Random) -> list[User]:
    """Insert the schools and published offers; return staff of 30 sampled schools."""
    today = london_today()
    with app.app_context():
        session = db.session
        employers = [Employer(name=f"Employer {i}", sector_code=None) for i in range(200)]
        session.add_all(employers)
        session.flush()
        school_rows = []
        for i in range(schools):
            latitude, longitude = place(rng)
            school_rows.append(
                {
                    "id": uuid.uuid4(),
                    "name": f"School {i:05d}",
                    "urn": 100000 + i,
                    "phase": "Secondary",
                    "establishment_type": "Academy converter",
                    "local_authority": "Somewhere",
                    "region": "England",
                    "latitude": latitude,
                    "longitude": longitude,
                }
            )
        session.execute(
            insert(Organisation),
            [
                {"id": r["id"], "kind": OrganisationKind.SCHOOL, "name": r["name"]}
                for r in school_rows
            ],
        )
        session.execute(
            insert(School.__table__),
            [{k: v for k, v in r.items() if k != "name"} for r in school_rows],
        )
        offer_rows = []
        for i in range(offers):
            latitude, longitude = place(rng)
            start = today + timedelta(days=rng.randrange(0, 60))
            offer_rows.append(
                {
                    "id": uuid.uuid4(),
                    "employer_id": rng.choice(employers).id,
                    "kind": rng.choice(ENCOUNTER_KINDS),
                    "title": f"Offer {i:05d}",
                    "postcode": "LS1 4DY",
                    "latitude": latitude,
                    "longitude": longitude,
                    "sectors": 1 << rng.randrange(21),
                    "year_groups": rng.randrange(1, 1 << 7),
                    "modes": rng.choice([1, 1, 2, 3, 3]),
                    "max_group": rng.choice([30, 60, 120, 240]),
                    "send_suitable": rng.random() < 0.3,
                    "available_from": start,
                    "available_to": start + timedelta(days=rng.choice([30, 90, 180])),
                    "available_weekdays": [],
                    "available_dates": [],
                    "travel_radius_km": rng.choice([10, 20, 30, 50]),
                    "notice_days": rng.choice([0, 7, 14, 21]),
                    "risk_assessment_done": False,
                    "liability_insurance": False,
                    "status": OfferStatus.PUBLISHED,
                }
            )
        for begin in range(0, len(offer_rows), 5000):
            session.execute(insert(Offer), offer_rows[begin : begin + 5000])
        offer_directory.pool.stamp_generation(session)  # a bulk write outside the ORM
        sampled = rng.sample(school_rows, SAMPLED_SCHOOLS)
        staff = [
            User(
                email=f"staff{i}@bench.example",
                name=f"Staff {i}",
                password_hash="!",
                role=Role.SCHOOL_STAFF,
                organisation_id=row["id"],
            )
            for i, row in enumerate(sampled)
        ]
        session.add_all(staff)
        session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE offers"))
                conn.execute(text("VACUUM ANALYZE schools"))
        return [session.get(User, user.id) for user in staff]


def measure(app, staff: list[User], runs: int) -> dict[str, tuple]:
    results = {}
    filters = offer_directory.Filters(year_group=10)
    with app.app_context():
        callers = [Caller(role=Role.SCHOOL_STAFF, organisation_id=u.organisation_id) for u in staff]
        hits, timings = [], []
        for i in range(runs + 5):
            db.session.expunge_all()
            caller = callers[i % len(callers)]
            started = time.perf_counter()
            page = offer_directory.search(db.session, caller, page=1, page_size=20, filters=filters)
            timings.append(time.perf_counter() - started)
            hits.append(page.total)
        results["service"] = (*percentiles(timings[5:]), statistics.median(hits))
        reloads = []
        for _ in range(5):
            started = time.perf_counter()
            held = offer_directory.pool.load(db.session)
            reloads.append(time.perf_counter() - started)
        results["reload"] = (*percentiles(reloads), len(held.ids))
        tokens = [issue_user_tokens(u)["access_token"] for u in staff]
        db.session.remove()
    client = app.test_client()
    url = "/api/v1/offers/directory?year_group=10&page_size=20"
    timings = []
    for i in range(runs + 5):
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
    results["http"] = (*percentiles(timings[5:]), results["service"][2])
    return results


def run(label: str, url: str, offers: int, schools: int, runs: int) -> list[tuple]:
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
    staff = build(app, offers, schools, random.Random(42))
    took = time.perf_counter() - started
    print(f"{label}: built {offers:,} offers and {schools:,} schools in {took:.1f} s")
    freeze_startup_heap()  # as wsgi.py does before serving
    return [(label, kind, *figures) for kind, figures in measure(app, staff, runs).items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--schools", type=int, default=4_500)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    rows = on_each_database(
        lambda label, url: run(label, url, args.offers, args.schools, args.runs)
    )
    print()
    print(
        f"Directory for a school (Y10), page of 20, {args.runs} runs over {SAMPLED_SCHOOLS} schools"
    )
    print(f"{'database':<11} {'path':<8} {'p50 ms':>8} {'p95 ms':>8} {'count':>8}")
    for label, kind, p50, p95, hits in rows:
        print(f"{label:<11} {kind:<8} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} {hits:>8,.0f}")
    print("count: offers found for the school (service, http); published offers read (reload)")


if __name__ == "__main__":
    main()
