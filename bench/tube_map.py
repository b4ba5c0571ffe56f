"""Benchmark the Careers Tube Map: the construction map from 10,000 shared journeys.

    .venv/bin/python bench/tube_map.py [--journeys 10000] [--runs 10]

Builds a temporary SQLite database migrated by Alembic (and, when TEST_DATABASE_URL names
a PostgreSQL server, a throw-away schema there, dropped afterwards) holding `--journeys`
shared construction journeys drawn from the demo's templates (services/demo/journeys.py),
then times, for `sector=F`:
  data   services.tube_map.build: read the shared journeys, group the stations, count
         the lines (what `GET /api/v1/tube-map` serves before serialising)
  svg    services.tube_map.build and then services.tube_map_svg.render (what
         `GET /api/v1/tube-map.svg` serves)
  http   GET /api/v1/tube-map and GET /api/v1/tube-map.svg as the employer's staff
Targets (issue 18): data <= 200 ms, SVG <= 500 ms.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from api.app import create_app  # noqa: E402
from api.extensions import db  # noqa: E402
from api.security import issue_user_tokens  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.journeys import Journey  # noqa: E402
from models.organisations import Employer, OrganisationKind  # noqa: E402
from models.users import Role, User  # noqa: E402
from models.volunteers import Volunteer  # noqa: E402
from services import demo, tube_map, tube_map_svg  # noqa: E402
from services.journeys import summary  # noqa: E402

SECRETS = {"SECRET_KEY": "b" * 48, "JWT_SECRET_KEY": "c" * 48}
FILTERS = tube_map.Filters(sector="F")


def populate(journeys: int) -> User:
    """An employer with `journeys` volunteers, each with a shared construction journey."""
    now = utcnow()
    employer = Employer(name="Bench Builders", kind=OrganisationKind.EMPLOYER)
    db.session.add(employer)
    db.session.flush()
    staff = User(
        email="staff@bench.example",
        name="Staff",
        password_hash="!",
        role=Role.EMPLOYER_STAFF,
        organisation_id=employer.id,
    )
    db.session.add(staff)
    rng = random.Random(18)
    users, volunteers, rows = [], [], []
    for i in range(journeys):
        user_id, volunteer_id = uuid.uuid4(), uuid.uuid4()
        users.append(
            {
                "id": user_id,
                "email": f"v{i}@bench.example",
                "name": f"V {i}",
                "password_hash": "!",
                "role": Role.VOLUNTEER,
                "organisation_id": employer.id,
                "is_org_admin": False,
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        volunteers.append(
            {
                "id": volunteer_id,
                "user_id": user_id,
                "employer_id": employer.id,
                "job_title": "Builder",
                "created_at": now,
                "updated_at": now,
            }
        )
        steps = demo.journeys.sample(rng, this_year=2026, sector="F")
        rows.append(
            {
                "id": uuid.uuid4(),
                "volunteer_id": volunteer_id,
                "steps": steps,
                "shared": True,
                "named": False,
                "region": "North West",
                "created_at": now,
                "updated_at": now,
                **summary(steps),
            }
        )
    for model, batch in ((User, users), (Volunteer, volunteers), (Journey, rows)):
        db.session.execute(insert(model), batch)
    db.session.commit()
    return staff


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(database_url: str, label: str, journeys: int, runs: int) -> list[tuple]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **SECRETS})
    with app.app_context():
        upgrade()
        staff = populate(journeys)
        token = issue_user_tokens(staff)["access_token"]
        graph = tube_map.build(db.session, filters=FILTERS)
        shape = f"{len(graph.stations)} stations, {len(graph.lines)} lines"
        data = timed(lambda: tube_map.build(db.session, filters=FILTERS), runs)
        svg = timed(lambda: tube_map_svg.render(tube_map.build(db.session, filters=FILTERS)), runs)
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    http = {
        path: timed(
            lambda path=path: client.get(path, headers=headers, query_string={"sector": "F"}),
            runs,
        )
        for path in ("/api/v1/tube-map", "/api/v1/tube-map.svg")
    }
    return [
        (label, "data (build)", data, 200, shape),
        (label, "svg (build + render)", svg, 500, shape),
        *((label, f"http {path}", times, None, "") for path, times in http.items()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += run(f"sqlite:///{folder}/bench.db", "sqlite", args.journeys, args.runs)
    postgres = os.environ.get("TEST_DATABASE_URL")
    if postgres:
        engine = create_engine(postgres)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        rows += run(postgres, "postgresql", args.journeys, args.runs)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    print(f"Careers Tube Map, sector F, {args.journeys:,} shared journeys, {args.runs} runs")
    print(f"{'db':<11}{'what':<28}{'median ms':>10}{'max ms':>9}{'budget':>8}  shape")
    for label, what, times, budget, shape in rows:
        verdict = (
            "" if budget is None else f"{budget:>5} {'ok' if max(times) <= budget else 'OVER'}"
        )
        print(
            f"{label:<11}{what:<28}{statistics.median(times):>10.1f}{max(times):>9.1f}"
            f"{verdict:>8}  {shape}"
        )


if __name__ == "__main__":
    main()
