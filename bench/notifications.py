"""Email notifications: messages per second to a local SMTP server, and the lag from a
committed change to its message arriving.

    .venv/bin/python bench/notifications.py [--messages 500] [--lag-messages 100] [--rate 5]
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB \
        .venv/bin/python bench/notifications.py

Builds a throw-away database (a SQLite file, or on PostgreSQL a scratch database named
after TEST_DATABASE_URL's with `_bench_notifications`), migrated by Alembic, with one
employer's visit and one school. Every booking request owes the host's staff member one
email, read from the outbox like any other.

1. Throughput: `--messages` bookings are committed at once; one worker round in this
   process reads the outbox, writes each message and sends it over one SMTP connection to
   an aiosmtpd sink in another process on 127.0.0.1.
2. Lag: the real worker (`flask notifications send`, default 1 s poll) runs as its own
   process while bookings are committed one by one at `--rate` a second; an SMTP server
   on 127.0.0.1 notes when each booking's message arrives. Budget: p95 <= 5 s.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from api.app import create_app  # noqa: E402
from api.extensions import db  # noqa: E402
from api.notifications import mail_settings  # noqa: E402
from models.base import london_today  # noqa: E402
from models.bookings import Slot  # noqa: E402
from models.offers import Offer, OfferKind, OfferStatus  # noqa: E402
from models.organisations import Employer, School  # noqa: E402
from models.users import Role, User  # noqa: E402
from services import bookings  # noqa: E402
from services.callers import Caller  # noqa: E402
from services.notifications.transport import SmtpSettings, SmtpTransport  # noqa: E402
from services.notifications.worker import Worker  # noqa: E402

SECRETS = {"SECRET_KEY": "d" * 48, "JWT_SECRET_KEY": "e" * 48}
BUDGET_P95 = 5.0
BOOKING_ID = re.compile(rb"bookings/([0-9a-f-]{36})")


def database_url(workdir: Path, scratch: str = "bench_notifications") -> str:
    """A SQLite file in `workdir`, or a fresh PostgreSQL database named `<base>_<scratch>`."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return f"sqlite:///{workdir / 'bench.db'}"
    url = make_url(base)
    url = url.set(database=f"{url.database}_{scratch}")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    return url.render_as_string(hide_password=False)


def build(app) -> tuple[Caller, uuid.UUID]:
    """An employer (with one staff member), its visit with a roomy slot, and a school."""
    with app.app_context():
        upgrade()
        session = db.session
        employer = Employer(name="Bench Engineering")
        session.add(employer)
        session.flush()
        school = School(
            name="Bench Academy",
            urn=999999,
            phase="Secondary",
            establishment_type="Academy converter",
            local_authority="Leeds",
            region="Yorkshire and the Humber",
        )
        session.add(school)
        session.flush()
        for role, organisation in ((Role.EMPLOYER_STAFF, employer), (Role.SCHOOL_STAFF, school)):
            session.add(
                User(
                    email=f"{role.value}@bench.example",
                    name=f"Bench {role.value}",
                    password_hash="!",
                    role=role,
                    organisation_id=organisation.id,
                )
            )
        offer = Offer(
            employer_id=employer.id,
            kind=OfferKind.WORKPLACE_VISIT,
            title="Bench visit",
            postcode="LS1 4DY",
            latitude=53.7951,
            longitude=-1.5467,
            year_groups=[10],
            risk_assessment_done=True,
            liability_insurance=True,
            named_supervisor="Bench Supervisor",
            day_length_hours=5,
            status=OfferStatus.PUBLISHED,
        )
        session.add(offer)
        session.flush()
        slot = Slot(
            offer_id=offer.id,
            date=london_today() + timedelta(days=60),
            starts_at=clock(9, 30),
            ends_at=clock(14, 0),
            seats=1_000_000,
        )
        session.add(slot)
        staff = session.query(User).filter_by(role=Role.SCHOOL_STAFF).one()
        session.commit()
        return Caller(role=Role.SCHOOL_STAFF, organisation_id=school.id, user_id=staff.id), slot.id


def book(session, caller: Caller, slot_id: uuid.UUID) -> uuid.UUID:
    made = bookings.book(
        session, caller, slot_id=slot_id, seats=1, year_group=10, staff_lead_name="Ms Bench"
    )
    return made.id


class Arrivals:
    """An SMTP handler that notes when each booking's message arrives."""

    def __init__(self):
        self.at: dict[str, float] = {}

    async def handle_DATA(self, server, session, envelope):
        found = BOOKING_ID.search(envelope.content.replace(b"=\r\n", b""))
        if found:
            self.at.setdefault(found[1].decode(), time.time())
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def throughput(app, caller, slot_id, messages: int) -> tuple[float, float]:
    with app.app_context():
        for _ in range(messages):
            book(db.session, caller, slot_id)
        db.session.commit()
    port = free_port()
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
    )
    time.sleep(1.0)
    try:
        transport = SmtpTransport(SmtpSettings("127.0.0.1", port, security="none"))
        with app.app_context():
            worker = Worker(db.session, transport, mail_settings(app))
            started = time.perf_counter()
            result = worker.round(sweep_now=False)
            elapsed = time.perf_counter() - started
            transport.close()
        assert result.sent == messages, result
    finally:
        sink.terminate()
        sink.wait()
    return messages / elapsed, elapsed


def lag(app, url, caller, slot_id, messages: int, rate: float) -> list[float]:
    arrivals = Arrivals()
    port = free_port()
    controller = Controller(arrivals, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        **SECRETS,
        "DATABASE_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "LOG_LEVEL": "WARNING",
    }
    flask = Path(sys.executable).with_name("flask")
    worker = subprocess.Popen(
        [str(flask), "--app", "wsgi", "notifications", "send"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    committed: dict[str, float] = {}
    try:
        time.sleep(3.0)  # the worker's start-up
        with app.app_context():
            for _ in range(messages):
                booking_id = book(db.session, caller, slot_id)
                db.session.commit()
                committed[str(booking_id)] = time.time()
                time.sleep(1 / rate)
        deadline = time.time() + 30
        while len(arrivals.at) < messages and time.time() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait()
        controller.stop()
    missing = set(committed) - set(arrivals.at)
    if missing:
        sys.exit(f"{len(missing)} messages never arrived")
    return [arrivals.at[b] - committed[b] for b in committed]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--lag-messages", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0, help="bookings a second (lag)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = database_url(Path(workdir))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENGAGE_ENV": "testing", **SECRETS})
        caller, slot_id = build(app)
        per_second, elapsed = throughput(app, caller, slot_id, args.messages)
        lags = lag(app, url, caller, slot_id, args.lag_messages, args.rate)
        with app.app_context():
            db.engine.dispose()
    database = make_url(url).get_backend_name()
    print(f"\nNotifications on {database} (one worker, one SMTP connection, 127.0.0.1)\n")
    print("| measure | value |\n| --- | --- |")
    print(
        f"| throughput: {args.messages} messages, outbox to SMTP | {per_second:.0f} messages/s "
        f"({elapsed:.2f} s) |"
    )
    print(
        f"| lag p50 ({len(lags)} commits at {args.rate:g}/s, 1 s poll) | "
        f"{statistics.median(lags):.2f} s |"
    )
    p95 = percentile(lags, 0.95)
    verdict = "within" if p95 <= BUDGET_P95 else "OVER"
    print(f"| lag p95 | {p95:.2f} s ({verdict} the {BUDGET_P95:g} s budget) |")
    print(f"| lag max | {max(lags):.2f} s |")


if __name__ == "__main__":
    main()
