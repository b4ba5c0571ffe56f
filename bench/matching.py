"""The matching engine's speed: ranking 100,000 volunteers for one need, and a national
4,000 × 5,000 Enterprise Adviser pairings.

    .venv/bin/python bench/matching.py [--volunteers 100000] [--runs 60] [--no-http]
    .venv/bin/python bench/matching.py --pairing-only

  rank      services.matching.engine.rank over a Pool of N volunteers held as NumPy columns (the
            whole country, no box), best 50 ordered: the in-process budget is p95 ≤ 10 ms
  rank-box  the same over the volunteers inside the 50 km box around Leeds
  service   services.matching.ranked_for: the process's held pool (loaded by the warm-up
            runs), the generation read, recent loads, ranked, one page of 50 volunteers
            loaded (SQLite; PostgreSQL too when TEST_DATABASE_URL or DATABASE_URL names one)
  http      GET /api/v1/needs/{id}/candidates?page_size=50 as the school's coordinator
  http+edits the same for 10 s while volunteers are edited at 10 writes a second (each
            refreshes one volunteer in the held pool); the last column counts the edits the
            next ranking saw (it should equal the edits printed above the table)
  pairing   candidate pairs, fits and the exact solver for 4,000 advisers × 5,000 schools
            (time; peak of NumPy/Python allocations and the process's maximum RSS, which
            also counts the solver's C++ memory: the pairing's own with --pairing-only),
            against greedy
"""

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from directory_search import LEEDS, build  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from harness import postgres_url  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from api.security import issue_user_tokens  # noqa: E402
from models.needs import Frequency, Need, NeedMode  # noqa: E402
from models.organisations import Hub, School  # noqa: E402
from models.users import User  # noqa: E402
from models.volunteers import ActivityType, Volunteer  # noqa: E402
from services import matching, pairing_solver, pairings  # noqa: E402
from services.matching import encoding, engine  # noqa: E402
from services.matching import pool as held_pool  # noqa: E402
from services.search import bounding_box  # noqa: E402

ENGLAND = ((50.6, 55.4), (-3.6, 1.6))
SECRETS = {"SECRET_KEY": "b" * 48, "JWT_SECRET_KEY": "c" * 48}


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def a_need(school: School) -> Need:
    starts = date.today() + timedelta(days=7)
    return Need(
        id=uuid.uuid4(),
        school=school,
        school_id=school.id,
        title="Careers talk",
        activity_type=ActivityType.CAREERS_TALK,
        benchmark=5,
        year_groups=[9, 10],
        pupils=60,
        sectors=["F"],
        topics=["STEM"],
        mode=NeedMode.IN_PERSON,
        starts_on=starts,
        ends_on=starts + timedelta(days=28),
        preferred_days=[],
        supervised=True,
        frequency=Frequency.ONE_OFF,
        overnight=False,
    )


def synthetic_pool(n: int, rng: np.random.Generator) -> engine.Pool:
    leeds = rng.random(n) < 0.12
    latitude = np.where(leeds, LEEDS[0] + rng.uniform(-0.27, 0.27, n), rng.uniform(*ENGLAND[0], n))
    longitude = np.where(leeds, LEEDS[1] + rng.uniform(-0.45, 0.45, n), rng.uniform(*ENGLAND[1], n))
    days = rng.integers(0, 5, n)
    hours = rng.integers(0, 9, n)
    availability = np.where(
        rng.random(n) < 0.8, (np.uint64(7) << (days * 12 + hours).astype(np.uint64)), 0
    ).astype(np.uint64)
    return engine.Pool(
        ids=[uuid.UUID(int=i + 1) for i in range(n)],
        latitude=latitude,
        longitude=longitude,
        radius=rng.choice([5.0, 10.0, 20.0, 30.0], n),
        activities=rng.integers(1, 1 << 9, n),
        modes=rng.integers(1, 4, n),
        years=rng.integers(1, 1 << 7, n),
        sectors=np.left_shift(1, rng.integers(0, 21, n)),
        topics=rng.integers(0, 1 << 62, n, dtype=np.int64).astype(np.uint64)
        & rng.integers(0, 1 << 62, n, dtype=np.int64).astype(np.uint64),
        availability=availability,
        dbs_through=np.where(rng.random(n) < 0.4, 20_280_101, 0),
        employer_size=rng.integers(-1, 5, n),
        employer_sector=rng.integers(-1, 21, n),
        capacity=rng.choice([2.0, 4.0, 8.0], n),
        load=rng.integers(0, 3, n).astype(float),
        commitments=rng.integers(0, 5, n).astype(float),
        journey_kinds=np.where(rng.random(n) < 0.3, rng.integers(1, 1 << 6, n), 0),
    )


def bench_rank(n: int, runs: int) -> list[tuple]:
    rng = np.random.default_rng(7)
    pool = synthetic_pool(n, rng)
    school = School(id=uuid.uuid4(), latitude=LEEDS[0], longitude=LEEDS[1], percentage_fsm=30.0)
    target = encoding.target_for(a_need(school), school, {1}, {5})
    rows = []
    south, north, west, east = bounding_box(*LEEDS, engine.REACH_CAP_KM)
    inside = np.flatnonzero(
        (pool.latitude >= south)
        & (pool.latitude <= north)
        & (pool.longitude >= west)
        & (pool.longitude <= east)
    )
    boxed = pool.take(inside)
    for label, the_pool in (("rank", pool), ("rank-box", boxed)):
        timings = []
        for _ in range(runs + 5):
            started = time.perf_counter()
            ranking = engine.rank(target, the_pool, limit=50)
            timings.append(time.perf_counter() - started)
        rows.append(("numpy", label, len(the_pool), *percentiles(timings[5:]), ranking.eligible))
    return rows


def bench_http(label: str, url: str, n: int, runs: int) -> list[tuple]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, **SECRETS})
    with app.app_context():
        upgrade()
    coordinator = build(app, n, random.Random(42))
    freeze_startup_heap()  # as wsgi.py does before serving
    with app.app_context():
        session = db.session
        hub = session.get(Hub, coordinator.organisation_id)
        school = School(
            name="Bench school",
            urn=999_999,
            phase="Secondary",
            establishment_type="Academy",
            local_authority="Leeds",
            region="Yorkshire and the Humber",
            latitude=LEEDS[0],
            longitude=LEEDS[1],
            percentage_fsm=30.0,
            hub_id=hub.id,
        )
        session.add(school)
        session.flush()
        need = a_need(school)
        session.add(need)
        matching.stamp_pool_generation(session)  # the volunteers were bulk-inserted
        session.commit()
        need_id = need.id
        timings = []
        for _ in range(runs + 5):
            session.expunge_all()
            need = session.get(Need, need_id)
            started = time.perf_counter()
            page = matching.ranked_for(session, need, page=1, page_size=50)
            timings.append(time.perf_counter() - started)
        rows = [
            (
                label,
                "service",
                page.total + sum(page.excluded.values()),
                *percentiles(timings[5:]),
                page.total,
            )
        ]
        token = issue_user_tokens(session.scalar(select(User).where(User.id == coordinator.id)))
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    timings = []
    for _ in range(runs + 5):
        started = time.perf_counter()
        response = client.get(f"/api/v1/needs/{need_id}/candidates?page_size=50", headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
    rows.append((label, "http", rows[0][2], *percentiles(timings[5:]), page.total))
    rows.append(
        bench_edits(
            app,
            client,
            f"/api/v1/needs/{need_id}/candidates?page_size=50",
            headers,
            label,
            rows[0][2],
        )
    )
    return rows


def bench_edits(app, client, url: str, headers: dict, label: str, scored: int) -> tuple:
    """Rankings through HTTP while volunteers are edited at 10 writes a second (one ORM
    commit each, as the API's PATCH makes): p50/p95 of the rankings, and whether the
    ranking after each edit saw it (the held pool's radius equals the new value)."""
    with app.app_context():
        ids = list(db.session.scalars(select(Volunteer.id).order_by(Volunteer.id).limit(200)))
    timings, seen, edits, check = [], 0, 0, None
    deadline = time.perf_counter() + 10.0
    next_edit = time.perf_counter()
    while time.perf_counter() < deadline:
        if time.perf_counter() >= next_edit:
            volunteer_id, radius = ids[edits % len(ids)], 5 + edits % 40
            with app.app_context():
                db.session.get(Volunteer, volunteer_id).travel_radius_km = radius
                db.session.commit()
            edits += 1
            next_edit += 0.1
            check = (volunteer_id, radius)
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
        if check is not None:
            with app.app_context():
                pool, rows = held_pool.volunteer_pool(db.session)
                key = next(k for k in rows if engine.as_uuid(k) == check[0])
                seen += int(pool.radius[rows[key]] == check[1])
            check = None
    print(f"{label}: {edits} edits in 10 s, {len(timings)} rankings, {seen} edits seen by the next")
    return (label, "http+edits", scored, *percentiles(timings), seen)


def bench_pairing(advisers: int, schools: int) -> tuple:
    rng = np.random.default_rng(11)

    def side(n, adviser):
        return pairings.Side(
            ids=list(range(n)),
            latitude=rng.uniform(*ENGLAND[0], n),
            longitude=rng.uniform(*ENGLAND[1], n),
            capacity=rng.choice([1, 1, 1, 2], n) if adviser else np.full(n, 2),
            benchmarks=rng.integers(1, 1 << 9, n),
            sectors=np.left_shift(1, rng.integers(0, 21, n))
            if adviser
            else rng.integers(0, 1 << 21, n),
            phases=[{"secondary"} for _ in range(n)] if not adviser else [set() for _ in range(n)],
            types=[{"academy"} for _ in range(n)] if not adviser else [set() for _ in range(n)],
            priority=rng.random(n).astype(np.float32) if not adviser else None,
        )

    a, s = side(advisers, True), side(schools, False)

    def run():
        started = time.perf_counter()
        ai, si, distance = pairings.candidate_edges(a, s)
        fit = pairings.edge_factors(a, s, ai, si, distance) @ pairings.PAIR_WEIGHTS
        built = time.perf_counter() - started
        solution = pairing_solver.solve_edges(ai, si, fit, a.capacity, s.capacity)
        return built, time.perf_counter() - started, ai, si, fit, solution

    # Timed without tracemalloc, which slows every allocation; measured again with it.
    built, elapsed, ai, si, fit, solution = run()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    capacity, places, greedy_total = a.capacity.copy(), s.capacity.copy(), 0.0
    for e in np.argsort(-fit, kind="stable"):
        if capacity[ai[e]] > 0 and places[si[e]] > 0:
            capacity[ai[e]] -= 1
            places[si[e]] -= 1
            greedy_total += fit[e]
    total = float(fit[solution.edges].sum())
    return (
        built,
        elapsed,
        peak,
        max_rss,
        len(solution.edges),
        solution.method,
        total,
        greedy_total,
        len(ai),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--pairing-only", action="store_true", help="skip the ranking and HTTP")
    parser.add_argument("--advisers", type=int, default=4000)
    parser.add_argument("--schools", type=int, default=5000)
    args = parser.parse_args()
    if not args.pairing_only:
        print_ranking(args)
    print_pairing(args)


def print_ranking(args) -> None:
    rows = bench_rank(args.volunteers, args.runs)
    if not args.no_http:
        with tempfile.TemporaryDirectory() as directory:
            rows += bench_http(
                "sqlite", f"sqlite:///{directory}/bench.db", args.volunteers, args.runs
            )
        url = postgres_url()
        if url:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            server = create_engine(url)
            with server.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            separator = "&" if "?" in url else "?"
            try:
                scoped = f"{url}{separator}options=-csearch_path%3D{schema}"
                rows += bench_http("postgresql", scoped, args.volunteers, args.runs)
            finally:
                with server.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                server.dispose()
    print()
    print(f"Ranking one need (careers talk in Leeds), best 50, {args.runs} runs each")
    print(f"{'store':<11} {'path':<9} {'scored':>8} {'p50 ms':>8} {'p95 ms':>8} {'eligible':>9}")
    for store, kind, scored, p50, p95, eligible in rows:
        figures = f"{scored:>8,} {p50 * 1000:>8.2f} {p95 * 1000:>8.2f} {eligible:>9,}"
        print(f"{store:<11} {kind:<9} {figures}")


def print_pairing(args) -> None:
    built, elapsed, peak, max_rss, paired, method, total, greedy_total, edges = bench_pairing(
        args.advisers, args.schools
    )
    print()
    reach = pairings.MAX_ADVISER_KM
    print(f"Adviser pairing {args.advisers:,} × {args.schools:,} over England, {reach:g} km reach")
    print(
        f"{'pairs in reach':>14} {'edges s':>8} {'total s':>8} {'peak MiB':>9} {'RSS MiB':>8} "
        f"{'paired':>7} {'solver':<14} {'optimal':<8} {'fit':>8} {'greedy':>8}"
    )
    # solve_edges returns only a proven optimum (it raises on any other solver status).
    print(
        f"{edges:>14,} {built:>8.2f} {elapsed:>8.2f} {peak / 2**20:>9.0f} "
        f"{max_rss / 2**20:>8.0f} {paired:>7,} {method:<14} {'yes':<8} {total:>8.1f} "
        f"{greedy_total:>8.1f}"
    )


if __name__ == "__main__":
    main()
