"""Benchmark reports at size: one big school, and a 40-school hub.

    .venv/bin/python bench/benchmarks_report.py [--pupils 1500] [--attendance 100000]
        [--hub-schools 40] [--hub-pupils 1000] [--hub-attendance 20000] [--runs 10]

Builds a temporary SQLite database (and, when TEST_DATABASE_URL or DATABASE_URL names a
PostgreSQL server, a throw-away schema there, dropped afterwards), migrated by Alembic:
a school with `--pupils` pupils (Y7-Y13 evenly) and seven school years of encounters
(2019-20 to 2025-26, every benchmark, some not meaningful) attended by about
`--attendance` pupil rows; then `--hub-schools` more schools of `--hub-pupils` pupils and
`--hub-attendance` rows each, in one hub. Times, for 2025-26:
  school   services.benchmarks.school_report as the school's staff (with the pupils
           not yet meeting each benchmark)
  hub      services.benchmarks.hub_report as the hub's coordinator (every school)
  and each again over HTTP (`GET /api/v1/schools/{id}/benchmarks`, `GET /api/v1/hubs/{id}/
  report`, JSON), which adds the token check, the audit of every pupil listed and the
  serialisation: the time a careers leader or coordinator waits.
Targets (issue 7): a 1,500-pupil school with ~100,000 rows <= 200 ms; a 40-school hub
<= 2 s.
"""

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from harness import on_each_database  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from api.security import issue_user_tokens  # noqa: E402
from models.encounters import Attendance, Encounter, EncounterActivity  # noqa: E402
from models.organisations import EmployerSize, Hub, ProviderType, School  # noqa: E402
from models.pupils import Pupil  # noqa: E402
from models.users import Role, User  # noqa: E402
from models.volunteers import Mode  # noqa: E402
from services import benchmarks  # noqa: E402
from services.callers import Caller  # noqa: E402

YEAR = 2025
YEARS = range(YEAR - 6, YEAR + 1)
GROUP = 30  # pupils per encounter
BATCH = 20_000
SECRETS = {"SECRET_KEY": "b" * 48, "JWT_SECRET_KEY": "c" * 48}
ACTIVITY = {
    5: EncounterActivity.CAREERS_TALK,
    6: EncounterActivity.WORKPLACE_VISIT,
    7: EncounterActivity.PROVIDER_TALK,
    8: EncounterActivity.GUIDANCE_INTERVIEW,
}


def add_school(session, rng, hub_id, urn: int, pupils: int, attendance: int) -> uuid.UUID:
    school = School(
        name=f"Bench school {urn}",
        urn=urn,
        phase="Secondary",
        establishment_type="Academy",
        local_authority="Leeds",
        region="Yorkshire and the Humber",
        hub_id=hub_id,
        percentage_fsm=25.0,
    )
    session.add(school)
    session.flush()
    rows = [
        {
            "id": uuid.uuid4(),
            "school_id": school.id,
            "reference": f"{urn}-{i:05d}",
            "year_group": 7 + i % 7,
            "roll_year": YEAR,
            "disadvantaged": rng.random() < 0.25,
            "send": rng.random() < 0.12,
            "considering_higher_education": rng.random() < 0.5,
        }
        for i in range(pupils)
    ]
    session.execute(insert(Pupil), rows)
    by_group: dict[tuple[int, int], list[uuid.UUID]] = {}
    for row in rows:
        for start in YEARS:
            year_group = row["year_group"] - (YEAR - start)
            if 7 <= year_group <= 13:
                by_group.setdefault((start, year_group), []).append(row["id"])
    keys = sorted(by_group)
    encounters, attended = [], []
    while len(attended) < attendance:
        start, year_group = rng.choice(keys)
        benchmark = rng.choice((5, 5, 6, 7, 7, 8))
        encounter_id = uuid.uuid4()
        encounters.append(
            {
                "id": encounter_id,
                "school_id": school.id,
                "title": "Bench encounter",
                "activity_type": ACTIVITY[benchmark],
                "benchmark": benchmark,
                "occurred_on": date(start, 9, 10) + timedelta(days=rng.randrange(320)),
                "mode": Mode.IN_PERSON,
                "employer_size": rng.choice(list(EmployerSize)) if benchmark in (5, 6) else None,
                "employer_sector": rng.choice("ABCFGJKMPQ") if benchmark in (5, 6) else None,
                "provider_type": rng.choice(list(ProviderType)) if benchmark == 7 else None,
                "provider_access": benchmark == 7 and rng.random() < 0.4,
                "year_groups": [year_group],
                "head_counts": {},
                "work_experience_days": rng.choice((0, 5)) if benchmark == 6 else 0,
                "checklist_version": 2,
                "meaningful": rng.random() < 0.85,
            }
        )
        group = by_group[(start, year_group)]
        for pupil_id in rng.sample(group, min(GROUP, len(group))):
            attended.append(
                {
                    "id": uuid.uuid4(),
                    "encounter_id": encounter_id,
                    "pupil_id": pupil_id,
                    "year_group": year_group,
                }
            )
    session.execute(insert(Encounter), encounters)
    for first in range(0, len(attended), BATCH):
        session.execute(insert(Attendance), attended[first : first + BATCH])
    session.commit()
    return school.id


def build(app, args) -> tuple[uuid.UUID, uuid.UUID]:
    rng = random.Random(7)
    with app.app_context():
        session = db.session
        hub = Hub(name="Bench hub", area="Leeds")
        session.add(hub)
        session.commit()
        big = add_school(session, rng, hub.id, 900000, args.pupils, args.attendance)
        for i in range(args.hub_schools - 1):
            add_school(session, rng, hub.id, 900001 + i, args.hub_pupils, args.hub_attendance)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        return big, hub.id


def timed(function, runs: int, session=None) -> tuple[float, float]:
    """Median and worst of `runs` calls after two warm-ups; `session` starts each empty."""
    timings = []
    for _ in range(runs + 2):
        if session is not None:
            session.expunge_all()
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    ordered = sorted(timings[2:])
    return statistics.median(ordered), ordered[-1]


def token_for(session, caller: Caller) -> str:
    user = User(
        email=f"{caller.role}@bench.test",
        name="Bench user",
        password_hash="not used",
        role=caller.role,
        organisation_id=caller.organisation_id,
    )
    session.add(user)
    session.commit()
    return issue_user_tokens(user)["access_token"]


def run(label: str, url: str, args) -> list[tuple]:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"}
        | SECRETS
    )
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    school_id, hub_id = build(app, args)
    print(f"{label}: built in {time.perf_counter() - started:.1f} s")
    freeze_startup_heap()  # as wsgi.py does before serving
    staff = Caller(role=Role.SCHOOL_STAFF, organisation_id=school_id)
    coordinator = Caller(role=Role.COORDINATOR, organisation_id=hub_id)
    year = "2025-26"
    with app.app_context():
        session = db.session
        rows = session.scalar(text("SELECT count(*) FROM attendances"))
        big_rows = session.scalar(
            text(
                "SELECT count(*) FROM attendances a JOIN encounters e ON e.id = a.encounter_id "
                "WHERE e.school_id = :s"
            ),
            {"s": school_id.hex if db.engine.dialect.name == "sqlite" else school_id},
        )
        report = benchmarks.school_report(session, staff, school_id, academic_year=year)
        assert report["pupils"] == args.pupils
        school = timed(
            lambda: benchmarks.school_report(session, staff, school_id, academic_year=year),
            args.runs,
            session,
        )
        hub = timed(
            lambda: benchmarks.hub_report(session, coordinator, hub_id, academic_year=year),
            args.runs,
            session,
        )
        tokens = {caller.role: token_for(session, caller) for caller in (staff, coordinator)}
    client = app.test_client()

    def get(path: str, caller: Caller):
        headers = {"Authorization": f"Bearer {tokens[caller.role]}"}
        response = client.get(f"/api/v1/{path}?academic_year={year}", headers=headers)
        assert response.status_code == 200, response.get_json()

    school_http = timed(lambda: get(f"schools/{school_id}/benchmarks", staff), args.runs)
    hub_http = timed(lambda: get(f"hubs/{hub_id}/report", coordinator), args.runs)
    hub_pupils = args.pupils + (args.hub_schools - 1) * args.hub_pupils
    return [
        (label, "school", "service", 1, args.pupils, big_rows, *school),
        (label, "school", "http", 1, args.pupils, big_rows, *school_http),
        (label, "hub", "service", args.hub_schools, hub_pupils, rows, *hub),
        (label, "hub", "http", args.hub_schools, hub_pupils, rows, *hub_http),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--attendance", type=int, default=100_000)
    parser.add_argument("--hub-schools", type=int, default=40)
    parser.add_argument("--hub-pupils", type=int, default=1000)
    parser.add_argument("--hub-attendance", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    rows = on_each_database(lambda label, url: run(label, url, args))
    print()
    print(f"Benchmark 5-8 report for 2025-26, {args.runs} runs each")
    print(
        f"{'database':<11} {'report':<7} {'path':<8} {'schools':>7} {'pupils':>8}"
        f" {'attendance':>11} {'p50 ms':>8} {'max ms':>8}"
    )
    for label, kind, path, schools, pupils, rows_, p50, worst in rows:
        print(
            f"{label:<11} {kind:<7} {path:<8} {schools:>7} {pupils:>8,} {rows_:>11,}"
            f" {p50 * 1000:>8.1f} {worst * 1000:>8.1f}"
        )


if __name__ == "__main__":
    main()
