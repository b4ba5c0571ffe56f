"""Server cost per request, in-process: the floor, the authenticated no-op, a list, a booking.

    .venv/bin/python bench/api_requests.py [DATABASE_URL] [--rounds 400] [--profile NAME]

  bare     GET /healthz: Flask, the app's request hooks, no token
  floor    GET /bench/jwt-floor: a `@jwt_required` view (flask-jwt-extended's own decorator,
           no loaders) that reads nothing and is not rate limited: the stack's floor
  me       GET /api/v1/me: token verified once (shared with the rate limiter), the caller
           read in one query, the person's row, serialised
  list     GET /api/v1/schools?page_size=50
  booking  POST /api/v1/bookings for one seat, with an Idempotency-Key (a fresh slot each
           time, so every booking succeeds), committed

Budgets (DESIGN.md): me <= 1.5x floor; list <= 3x me; booking <= 4x me. Figures are CPU
time of this process per request (`time.process_time`), so another load on the machine
shifts them less than wall time; the database server's own CPU is not counted (SQLite is
in-process). `--profile me` (or list, booking) prints pyinstrument's profile of that row.
It builds its own database (migrations, reference data, demo), so it never touches yours.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import jsonify  # noqa: E402
from flask_jwt_extended import jwt_required  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from api.app import create_app, freeze_startup_heap  # noqa: E402
from api.extensions import db  # noqa: E402
from models.bookings import Slot  # noqa: E402
from models.offers import Offer, OfferKind, OfferStatus  # noqa: E402
from models.organisations import Employer  # noqa: E402
from services import demo, reference_data  # noqa: E402
from services.school_years import london_today  # noqa: E402

SECRETS = {
    "SECRET_KEY": "b" * 48,
    "JWT_SECRET_KEY": "c" * 48,
    "RATELIMIT_DEFAULT": "1000000 per minute",
}
WARM_UP = 20
BUDGETS = (("me", "floor", 1.5), ("list", "me", 3.0), ("booking", "me", 4.0))


def build_app(url: str, bookings: int):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENGAGE_ENV": "bench", **SECRETS})

    @jwt_required()
    def floor():
        return jsonify({})

    app.add_url_rule("/bench/jwt-floor", "bench_floor", floor)
    app.extensions["rate_limiter"].exempt(floor)
    with app.app_context():
        upgrade()
        reference_data.load_all(db.session)
        demo.seed(db.session)
        slots = _bookable_slots(bookings)
        db.session.commit()
        slot_ids = [str(slot.id) for slot in slots]
    return app, slot_ids


def _bookable_slots(count: int) -> list[Slot]:
    """A published visit for Y10 with `count` slots (one booking each)."""
    session = db.session
    employer = session.scalars(select(Employer).order_by(Employer.name)).first()
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
    start = london_today() + timedelta(days=30)
    slots = [
        Slot(
            offer_id=offer.id,
            date=start + timedelta(days=i % 200),
            starts_at=clock(9, 0),
            ends_at=clock(14, 0),
            seats=40,
            booked=0,
        )
        for i in range(count)
    ]
    session.add_all(slots)
    session.flush()
    return slots


def measure(rows: list, rounds: int, profile: str | None = None) -> dict[str, list[float]]:
    """CPU ms per request for each row, the rows interleaved round by round, so that other
    load on the (shared) machine falls on every row alike."""
    for _ in range(WARM_UP):
        for _, _, call in rows:
            call()
    samples: dict[str, list[float]] = {name: [] for name, _, _ in rows}
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
    for _ in range(rounds):
        for name, _, call in rows:
            if name == profile:
                profiler.start()
            start = time.process_time()
            call()
            samples[name].append((time.process_time() - start) * 1000)
            if name == profile:
                profiler.stop()
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--profile", choices=["bare", "floor", "me", "list", "booking"])
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app, slot_ids = build_app(url, WARM_UP + args.rounds)
    freeze_startup_heap()  # as wsgi.py does before serving
    client = app.test_client()

    def token_of(email: str) -> dict:
        login = {"email": email, "password": demo.base.DEMO_PASSWORD}
        response = client.post("/api/v1/auth/login", json=login).get_json()
        return {"Authorization": f"Bearer {response['access_token']}"}

    coordinator = token_of("coordinator@demo.engage.example")
    school = token_of(_school_staff_email(app))
    free = iter(slot_ids)

    def get(path: str, headers: dict):
        def call():
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.get_json()

        return call

    def book():
        body = {"slot_id": next(free), "seats": 1, "year_group": 10, "staff_lead_name": "Bench"}
        headers = {**school, "Idempotency-Key": str(uuid.uuid4())}
        response = client.post("/api/v1/bookings", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()

    rows = [
        ("bare", "GET /healthz", get("/healthz", {})),
        ("floor", "GET @jwt_required no-op", get("/bench/jwt-floor", coordinator)),
        ("me", "GET /api/v1/me", get("/api/v1/me", coordinator)),
        (
            "list",
            "GET /api/v1/schools?page_size=50",
            get("/api/v1/schools?page_size=50", coordinator),
        ),
        ("booking", "POST /api/v1/bookings (Idempotency-Key)", book),
    ]
    print(f"database: {url.split(':')[0]}, {args.rounds} requests each, CPU ms per request")
    print(f"{'row':<8} {'request':<42} {'p50':>7} {'p95':>7}")
    samples = measure(rows, args.rounds, args.profile)
    p50 = {}
    for name, label, _ in rows:
        ordered = sorted(samples[name])
        p50[name], p95 = statistics.median(ordered), ordered[int(len(ordered) * 0.95)]
        print(f"{name:<8} {label:<42} {p50[name]:>7.2f} {p95:>7.2f}")
    print()
    print(f"{'ratio at p50':<20} {'value':>7} {'budget':>7}")
    for name, base, budget in BUDGETS:
        ratio = p50[name] / p50[base]
        verdict = "ok" if ratio <= budget else "OVER"
        print(f"{name + ' / ' + base:<20} {ratio:>6.2f}x {budget:>6.1f}x {verdict}")


def _school_staff_email(app) -> str:
    from models.organisations import School
    from models.users import Role, User

    with app.app_context():
        return db.session.scalar(
            select(User.email)
            .join(School, School.id == User.organisation_id)
            .where(User.role == Role.SCHOOL_STAFF, User.is_active)
            .order_by(User.email)
        )


if __name__ == "__main__":
    main()
