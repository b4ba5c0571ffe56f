"""National scale, simulated: a year of England's careers ledger on PostgreSQL.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/national.py [--scale 1.0] [--volunteers 100000] [--runs 5] [--keep]

Builds a throw-away database `<name>_national` on the server (dropped afterwards unless
`--keep`), migrated by Alembic, holding at `--scale 1`:
  4,500 schools in 150 hubs of 30, 3.7 million pupils (Y7-Y13), and one school year
  (2025-26) of about 830,000 encounters attended by 25 million pupil rows (an average of
  30 pupils an encounter, about seven encounters a pupil): written by `COPY`, with a
  progress bar; `--volunteers` volunteers for ranking (bench/directory_search.py's).
Then times, each the median and worst of `--runs` after two warm-ups:
  school   services.benchmarks.school_report for the largest school, as its staff
  hub      services.benchmarks.hub_report for a 30-school hub, as its coordinator
  ranking  services.matching.ranked_for: 50 candidates for a need from the held pool
  booking  POST /api/v1/bookings through the app (token, slot, seats, booking, audit,
           outbox), one seat each on a slot with room
Budgets (issue 20): at national size the school report <= 500 ms and the hub report
<= 3 s; ranking and booking as at small size (bench/matching.py, bench/api_requests.py).
"""

import argparse
import io
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookings import SECRETS  # noqa: E402  (the app's, so the booking tokens verify)
from bookings import build as build_bookings  # noqa: E402
from directory_search import build as build_volunteers  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from harness import postgres_url  # noqa: E402
from matching import a_need  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tqdm import tqdm  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from models.needs import Need  # noqa: E402
from models.organisations import Hub, Organisation, OrganisationKind, School  # noqa: E402
from models.users import Role  # noqa: E402
from services import benchmarks, matching  # noqa: E402
from services.callers import Caller  # noqa: E402

SCHOOLS, HUB_SIZE = 4_500, 30
PUPILS = 3_700_000
ATTENDANCE = 25_000_000
GROUP = 30  # pupils per encounter
YEAR, LABEL = 2025, "2025-26"
ACTIVITY = {5: "careers_talk", 6: "workplace_visit", 7: "provider_talk", 8: "guidance_interview"}
CHUNK = 50_000  # rows per COPY write
PUPIL_COLUMNS = (
    "id, school_id, reference, year_group, roll_year, disadvantaged, send, "
    "considering_higher_education, created_at, updated_at"
)
ENCOUNTER_COLUMNS = (
    "id, school_id, source, title, activity_type, benchmark, occurred_on, mode, "
    "provider_access, year_groups, head_counts, work_experience_days, checklist_version, "
    "meaningful, created_at, updated_at"
)


def national_url(base: str) -> str:
    return (
        make_url(base)
        .set(database=f"{make_url(base).database}_national")
        .render_as_string(hide_password=False)
    )


def recreate(url: str, *, drop_only: bool = False) -> None:
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


def add_schools(session, rng: random.Random, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """`count` schools in hubs of HUB_SIZE; returns (school id, hub id) pairs."""
    hubs = [
        {"id": uuid.uuid4(), "kind": OrganisationKind.HUB, "name": f"Hub {h}"}
        for h in range(-(-count // HUB_SIZE))
    ]
    schools = [
        {"id": uuid.uuid4(), "kind": OrganisationKind.SCHOOL, "name": f"School {i:04d}"}
        for i in range(count)
    ]
    session.execute(insert(Organisation), hubs + schools)
    session.execute(insert(Hub.__table__), [{"id": h["id"], "area": h["name"]} for h in hubs])
    rows = [
        {
            "id": s["id"],
            "urn": 100_000 + i,
            "phase": "Secondary",
            "establishment_type": "Academy",
            "local_authority": "Leeds",
            "region": "Yorkshire and the Humber",
            "hub_id": hubs[i // HUB_SIZE]["id"],
            "percentage_fsm": round(rng.uniform(5, 50), 1),
        }
        for i, s in enumerate(schools)
    ]
    session.execute(insert(School.__table__), rows)
    session.commit()
    return [(row["id"], row["hub_id"]) for row in rows]


def copy_text(cursor, table: str, columns: str, lines) -> int:
    """COPY tab-separated lines into `table`; returns how many."""
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for count, line in enumerate(lines, 1):
            buffer.write(line)
            if count % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def counted(lines, bar):
    for line in lines:
        bar.update()
        yield line


def pupil_rows(schools, per_school: int, rng: random.Random, groups: dict):
    now = "2025-09-01 00:00:00+00"
    for school_id, _ in schools:
        for i in range(per_school):
            pupil_id = uuid.uuid4().hex
            year_group = 7 + i % 7
            groups.setdefault((school_id, year_group), []).append(pupil_id)
            flags = (rng.random() < 0.25, rng.random() < 0.12, rng.random() < 0.5)
            yield (
                f"{pupil_id}\t{school_id.hex}\t{i:06d}\t{year_group}\t{YEAR}\t"
                + "\t".join("t" if f else "f" for f in flags)
                + f"\t{now}\t{now}\n"
            )


def school_ledger(school_id, encounters: int, rng: random.Random, groups: dict):
    """One school's year: its encounters' and their attendance rows' text."""
    now = "2026-06-01 00:00:00+00"
    made, attended = [], []
    for _ in range(encounters):
        year_group = rng.randrange(7, 14)
        benchmark = rng.choice((5, 5, 6, 7, 7, 8))
        encounter_id = uuid.uuid4().hex
        day = date(YEAR, 9, 10) + timedelta(days=rng.randrange(300))
        meaningful = "t" if rng.random() < 0.85 else "f"
        access = "t" if benchmark == 7 and rng.random() < 0.4 else "f"
        made.append(
            f"{encounter_id}\t{school_id.hex}\trecorded\tBench encounter\t"
            f"{ACTIVITY[benchmark]}\t{benchmark}\t{day}\tin_person\t{access}\t"
            f"[{year_group}]\t{{}}\t0\t2\t{meaningful}\t{now}\t{now}\n"
        )
        group = groups[(school_id, year_group)]
        attended += [
            f"{uuid.uuid4().hex}\t{encounter_id}\t{pupil_id}\t{year_group}\n"
            for pupil_id in rng.sample(group, min(GROUP, len(group)))
        ]
    return made, attended


BULK_TABLES = ("pupils", "encounters", "attendances")


def drop_keys(cursor) -> list[str]:
    """Drop the bulk tables' keys, indexes and foreign keys (and those referring to them),
    as a bulk load does: building each index once, sorted, at the end is many times
    faster than keeping it row by row. Returns the statements that recreate them all."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype"
        " FROM pg_constraint WHERE (conrelid::regclass::text = ANY(%s)"
        " AND contype IN ('p', 'u', 'f'))"
        " OR (confrelid::regclass::text = ANY(%s) AND contype = 'f')",
        (list(BULK_TABLES), list(BULK_TABLES)),
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        (list(BULK_TABLES),),
    )
    indexes = cursor.fetchall()
    for table, name, _, _ in sorted(constraints, key=lambda c: c[3] != "f"):  # FKs first
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _, name, _ in indexes:
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    keys = [
        f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, kind in constraints if kind != "f"
    ]
    keys += [definition for _, _, definition in indexes]
    keys += [
        f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, kind in constraints if kind == "f"
    ]
    return keys


def restore_keys(cursor, keys: list[str]) -> None:
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for statement in tqdm(keys, desc="indexes and constraints", unit=" keys"):
        cursor.execute(statement)


def build_ledger(url: str, args) -> list[tuple[uuid.UUID, uuid.UUID]]:
    rng = random.Random(20)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **SECRETS})
    with app.app_context():
        upgrade()
        schools = add_schools(db.session, rng, max(HUB_SIZE, round(SCHOOLS * args.scale)))
        db.engine.dispose()
    per_school = round(PUPILS * args.scale / len(schools))
    groups: dict = {}
    engine = create_engine(url)
    raw = engine.raw_connection()
    with raw.cursor() as cursor:
        keys = drop_keys(cursor)
        pupils = pupil_rows(schools, per_school, rng, groups)
        with tqdm(total=per_school * len(schools), desc="pupils", unit_scale=True) as bar:
            copy_text(cursor, "pupils", PUPIL_COLUMNS, counted(pupils, bar))
        encounters = max(1, round(ATTENDANCE * args.scale / len(schools) / GROUP))
        with tqdm(total=len(schools), desc="encounters and attendance", unit=" schools") as bar:
            for school_id, _ in schools:
                made, attended = school_ledger(school_id, encounters, rng, groups)
                copy_text(cursor, "encounters", ENCOUNTER_COLUMNS, made)
                copy_text(cursor, "attendances", "id, encounter_id, pupil_id, year_group", attended)
                bar.update()
        restore_keys(cursor, keys)
    raw.commit()
    raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return schools


def timed(function, runs: int) -> tuple[float, float]:
    timings = []
    for _ in range(runs + 2):
        db.session.expunge_all()
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    ordered = sorted(timings[2:])
    return statistics.median(ordered), ordered[-1]


def measure(url: str, schools, args) -> list[tuple[str, float, float]]:
    coordinator = None
    if args.volunteers:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, **SECRETS})
        coordinator = build_volunteers(app, args.volunteers, random.Random(42))
    slot_ids, tokens = build_bookings(url, clients=1, slots=args.runs + 2, seats=10_000)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, **SECRETS})
    freeze_startup_heap()
    school_id, hub_id = schools[0]
    rows = []
    with app.app_context():
        session = db.session
        staff = Caller(role=Role.SCHOOL_STAFF, organisation_id=school_id)
        lead = Caller(role=Role.COORDINATOR, organisation_id=hub_id)
        report = lambda: benchmarks.school_report(session, staff, school_id, academic_year=LABEL)  # noqa: E731
        rows.append(("school report", *timed(report, args.runs)))
        hub = lambda: benchmarks.hub_report(session, lead, hub_id, academic_year=LABEL)  # noqa: E731
        rows.append(("hub report", *timed(hub, args.runs)))
        if coordinator is not None:
            need = a_need(session.get(School, school_id))
            session.add(need)
            matching.stamp_pool_generation(session)
            session.commit()
            need_id = need.id
            ranked = lambda: matching.ranked_for(  # noqa: E731
                session, session.get(Need, need_id), page=1, page_size=50
            )
            rows.append(("ranking", *timed(ranked, args.runs)))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens[0]}"}
    slots = iter(slot_ids)

    def book():
        body = {"slot_id": next(slots), "seats": 1, "year_group": 10, "staff_lead_name": "Lead"}
        assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 201

    with app.app_context():
        rows.append(("booking", *timed(book, args.runs)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    base = postgres_url()
    if base is None:
        sys.exit("Set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server.")
    url = national_url(base)
    recreate(url)
    try:
        started = time.perf_counter()
        schools = build_ledger(url, args)
        print(
            f"built {len(schools)} schools at scale {args.scale} in "
            f"{time.perf_counter() - started:.0f} s"
        )
        rows = measure(url, schools, args)
    finally:
        if not args.keep:
            recreate(url, drop_only=True)
    budgets = {"school report": 0.5, "hub report": 3.0}
    print(f"\n{'what':<14} {'median':>10} {'worst':>10} {'budget':>8}")
    for label, median, worst in rows:
        budget = f"{budgets[label] * 1000:.0f} ms" if label in budgets else "-"
        print(f"{label:<14} {median * 1000:>7.1f} ms {worst * 1000:>7.1f} ms {budget:>8}")


if __name__ == "__main__":
    main()
