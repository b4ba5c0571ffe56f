"""Concurrent booking throughput on PostgreSQL through gunicorn, and exact capacity.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB \
        .venv/bin/python bench/bookings.py [--clients 64] [--workers 4] [--slots 8]
        [--seats 250] [--requests 2400] [--no-idempotency-key]

Builds a throw-away schema on the PostgreSQL server (dropped afterwards), migrated by
Alembic, with one published offer whose slots hold `--seats` each, and one school (with a
careers leader) per client. Serves the app with gunicorn (sync workers), then `--clients`
threads POST /api/v1/bookings for one seat at a time, each with its own Idempotency-Key,
spread over the slots, until `--requests` attempts are made (more than the seats, so the
slots fill and the rest must get 409 slot-full). At the end it checks, in the database,
that every slot's `booked` equals the seats of its bookings and never exceeds its seats.
Last, the same clients and workers send as many `GET /healthz` (no token, no database):
the ceiling this machine puts on any endpoint through this harness; then as many
`GET /api/v1/me` (the token verified, the caller read in one indexed query): the ceiling
on any authenticated request, which a booking (that and eight statements more) cannot pass.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from api.app import create_app  # noqa: E402
from api.extensions import db  # noqa: E402
from api.security import issue_user_tokens  # noqa: E402
from models.bookings import Booking, Slot  # noqa: E402
from models.offers import Offer, OfferKind, OfferStatus  # noqa: E402
from models.organisations import Employer, School  # noqa: E402
from models.users import Role, User  # noqa: E402

SECRETS = {"SECRET_KEY": "d" * 48, "JWT_SECRET_KEY": "e" * 48}


def postgres_url() -> str:
    for name in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    sys.exit("Set TEST_DATABASE_URL (or BENCH_DATABASE_URL) to a PostgreSQL database.")


def build(url: str, clients: int, slots: int, seats: int) -> tuple[list[str], list[str]]:
    """Migrate and seed; returns the slot ids and one access token per client."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **SECRETS})
    with app.app_context():
        upgrade()
        session = db.session
        employer = Employer(name="Bench Engineering")
        session.add(employer)
        session.flush()
        offer = Offer(
            employer_id=employer.id,
            kind=OfferKind.WORKPLACE_VISIT,
            title="Bench visit",
            postcode="LS1 4DY",
            latitude=53.7951,
            longitude=-1.5467,
            sectors=["C"],
            year_groups=[10],
            risk_assessment_done=True,
            liability_insurance=True,
            named_supervisor="Bench Supervisor",
            day_length_hours=5,
            status=OfferStatus.PUBLISHED,
        )
        session.add(offer)
        session.flush()
        made = [
            Slot(
                offer_id=offer.id,
                date=date.today() + timedelta(days=30 + i),
                starts_at=clock(9, 30),
                ends_at=clock(14, 30),
                seats=seats,
                booked=0,
            )
            for i in range(slots)
        ]
        session.add_all(made)
        users = []
        for i in range(clients):
            school = School(
                name=f"Bench School {i}",
                urn=900000 + i,
                phase="Secondary",
                establishment_type="Academy",
                local_authority="Leeds",
                region="Yorkshire and the Humber",
            )
            session.add(school)
            session.flush()
            user = User(
                email=f"leader{i}@bench.example",
                name=f"Leader {i}",
                password_hash="!",
                role=Role.SCHOOL_STAFF,
                organisation_id=school.id,
            )
            session.add(user)
            users.append(user)
        session.commit()
        tokens = [issue_user_tokens(user)["access_token"] for user in users]
        slot_ids = [str(slot.id) for slot in made]
        db.engine.dispose()
    return slot_ids, tokens


def serve(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **SECRETS,
        "DATABASE_URL": url,
        "RATELIMIT_DEFAULT": "1000000 per minute",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "/dev/null",  # not gunicorn.conf.py: no access log line per request
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.terminate()
    sys.exit("gunicorn did not become ready")


def bookings(slot_ids: list[str], tokens: list[str], with_key: bool):
    """The request of each attempt: one seat, on the slots in turn, as the client's school."""

    def request(client: int, attempt: int) -> tuple:
        body = {
            "slot_id": slot_ids[attempt % len(slot_ids)],
            "seats": 1,
            "year_group": 10,
            "staff_lead_name": "Bench lead",
        }
        headers = {"Authorization": f"Bearer {tokens[client]}", "Content-Type": "application/json"}
        if with_key:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return "POST", "/api/v1/bookings", json.dumps(body), headers

    return request


def health_checks(client: int, attempt: int) -> tuple:
    return "GET", "/healthz", None, {}


def callers(tokens: list[str]):
    def request(client: int, attempt: int) -> tuple:
        return "GET", "/api/v1/me", None, {"Authorization": f"Bearer {tokens[client]}"}

    return request


def drive(port: int, clients: int, total: int, request):
    """Each client thread sends one request at a time until `total` attempts are made."""
    counter = iter(range(total))
    lock = threading.Lock()
    results: list[tuple[int, float]] = []

    def client(index: int) -> None:
        mine = []
        while True:
            with lock:
                attempt = next(counter, None)
            if attempt is None:
                break
            method, path, body, headers = request(index, attempt)
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(method, path, body=body, headers=headers)
            status = connection.getresponse().status
            connection.close()
            mine.append((status, time.perf_counter() - started))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def check(url: str) -> list[tuple[int, int, int]]:
    """(seats, booked, seats held by bookings) per slot, read from the database."""
    engine = create_engine(url)
    with engine.connect() as connection:
        held = (
            select(func.coalesce(func.sum(Booking.seats), 0))
            .where(Booking.slot_id == Slot.id)
            .scalar_subquery()
        )
        rows = connection.execute(select(Slot.seats, Slot.booked, held)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def percentile(samples: list[float], share: float) -> float:
    return statistics.quantiles(samples, n=100)[int(share * 100) - 1] if len(samples) > 1 else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--seats", type=int, default=250)
    parser.add_argument("--requests", type=int, default=2400)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-idempotency-key", action="store_true")
    args = parser.parse_args()
    url = postgres_url()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    server = None
    try:
        slot_ids, tokens = build(scoped, args.clients, args.slots, args.seats)
        server = serve(scoped, args.port, args.workers)
        booking = bookings(slot_ids, tokens, not args.no_idempotency_key)
        results, elapsed = drive(args.port, args.clients, args.requests, booking)
        slots = check(scoped)
        probes, probes_elapsed = drive(args.port, args.clients, args.requests, health_checks)
        mes, mes_elapsed = drive(args.port, args.clients, args.requests, callers(tokens))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()

    created = [latency for status, latency in results if status == 201]
    full = [latency for status, latency in results if status == 409]
    other = sorted({status for status, _ in results} - {201, 409})
    capacity = sum(seats for seats, _, _ in slots)
    booked = sum(b for _, b, _ in slots)
    overbooked = sum(max(0, b - seats) for seats, b, _ in slots)
    mismatched = sum(b != held for _, b, held in slots)
    latencies = [latency for _, latency in results]
    print()
    print(
        f"{args.clients} clients, gunicorn {args.workers} sync workers, PostgreSQL, "
        f"{args.slots} slots x {args.seats} seats, {len(results)} one-seat requests"
        f"{'' if args.no_idempotency_key else ' with Idempotency-Key'}"
    )
    print(f"{'metric':<32} {'value':>12}")
    rows = [
        ("elapsed s", f"{elapsed:.2f}"),
        ("requests/s", f"{len(results) / elapsed:.0f}"),
        ("bookings/s (201)", f"{len(created) / elapsed:.0f}"),
        ("201 booked", f"{len(created)}"),
        ("409 slot-full", f"{len(full)}"),
        ("other statuses", ", ".join(map(str, other)) or "none"),
        ("p50 latency ms (all)", f"{percentile(latencies, 0.50) * 1000:.1f}"),
        ("p95 latency ms (all)", f"{percentile(latencies, 0.95) * 1000:.1f}"),
        ("p50 latency ms (201)", f"{percentile(created, 0.50) * 1000:.1f}"),
        ("p95 latency ms (201)", f"{percentile(created, 0.95) * 1000:.1f}"),
        ("capacity", f"{capacity}"),
        ("final booked", f"{booked}"),
        ("final booked == capacity", f"{booked == capacity}"),
        ("overbookings", f"{overbooked}"),
        ("slots where booked != bookings", f"{mismatched}"),
        ("ceiling: GET /healthz/s", f"{len(probes) / probes_elapsed:.0f}"),
        ("ceiling: GET /api/v1/me/s", f"{len(mes) / mes_elapsed:.0f}"),
    ]
    for name, value in rows:
        print(f"{name:<32} {value:>12}")
    if overbooked or mismatched or len(created) != booked:
        sys.exit("capacity was not exact")
    if {status for status, _ in mes} != {200}:
        sys.exit("GET /api/v1/me did not answer 200 every time: its ceiling is not a caller's")


if __name__ == "__main__":
    main()
