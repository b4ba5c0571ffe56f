"""Webhook delivery: deliveries per second for one and for four workers against a local
receiver, and the lag from a committed change to its delivery arriving.

    .venv/bin/python bench/webhooks.py [--deliveries 1000] [--lag-deliveries 100] [--rate 10]
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB \
        .venv/bin/python bench/webhooks.py

Builds a throw-away database (a SQLite file, or on PostgreSQL a scratch database named
after TEST_DATABASE_URL's with `_bench_webhooks`), migrated by Alembic, with a school
subscribed to `booking.requested` at a receiver on 127.0.0.1 (a threaded HTTP server in
this process that answers 200 and notes when each `webhook-id` arrives). The workers are
the real `flask events deliver` processes, started before anything is measured.

1. Throughput, for 1 and for 4 workers: `--deliveries` bookings are committed in one
   transaction while the workers idle; the time runs from that commit until the receiver
   has every event. Budget: >= 200 deliveries/s with four workers on PostgreSQL.
2. Lag: with one worker idle, bookings are committed one by one at `--rate` a second;
   each lag runs from a booking's commit to its event's arrival. Budget: p95 <= 2 s.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from api.app import create_app  # noqa: E402
from api.extensions import db  # noqa: E402
from bench.notifications import SECRETS, book, build, database_url, percentile  # noqa: E402
from models.outbox import OutboxEvent  # noqa: E402
from services import egress, webhooks  # noqa: E402
from services.callers import Caller  # noqa: E402

BUDGET_PER_SECOND = 200
BUDGET_P95 = 2.0
LOCAL = egress.Policy(require_https=False, allow_loopback=True)


class Receiver(ThreadingHTTPServer):
    """Answers every delivery 200 and notes when each webhook-id first arrived."""

    daemon_threads = True

    def __init__(self):
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def count(self) -> int:
        with self.lock:
            return len(self.arrived)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.arrived.setdefault(self.headers["webhook-id"], time.time())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def subscribe(app, caller: Caller, url: str) -> None:
    admin = Caller(caller.role, caller.organisation_id, user_id=caller.user_id, is_org_admin=True)
    with app.app_context():
        webhooks.create(db.session, admin, url=url, event_types=["booking.requested"], policy=LOCAL)
        db.session.commit()


def start_workers(url: str, count: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        **SECRETS,
        "DATABASE_URL": url,
        "WEBHOOK_ALLOW_LOOPBACK": "1",
        "LOG_LEVEL": "WARNING",
    }
    flask = Path(sys.executable).with_name("flask")
    workers = [
        subprocess.Popen(
            [str(flask), "--app", "wsgi", "events", "deliver"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    return workers


def warm_up(app, caller, slot_id, receiver: Receiver) -> None:
    """Wait until a worker delivers, and a little more for the others: their start-up
    (seconds, on a loaded machine) is not part of any measurement."""
    before = receiver.count()
    with app.app_context():
        book(db.session, caller, slot_id)
        db.session.commit()
    wait_for(receiver, before + 1, seconds=120)
    time.sleep(3.0)


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait()


def wait_for(receiver: Receiver, total: int, seconds: float = 300) -> None:
    deadline = time.time() + seconds
    while receiver.count() < total:
        if time.time() > deadline:
            sys.exit(f"only {receiver.count()} of {total} deliveries arrived")
        time.sleep(0.01)


def throughput(app, url, caller, slot_id, receiver, deliveries: int, workers: int) -> float:
    running = start_workers(url, workers)
    try:
        warm_up(app, caller, slot_id, receiver)
        before = receiver.count()
        with app.app_context():
            for _ in range(deliveries):
                book(db.session, caller, slot_id)
            db.session.commit()
        committed = time.perf_counter()
        wait_for(receiver, before + deliveries)
        return deliveries / (time.perf_counter() - committed)
    finally:
        stop(running)


def lag(app, url, caller, slot_id, receiver, deliveries: int, rate: float) -> list[float]:
    running = start_workers(url, 1)
    committed: dict[str, float] = {}
    try:
        warm_up(app, caller, slot_id, receiver)
        with app.app_context():
            for _ in range(deliveries):
                book(db.session, caller, slot_id)
                db.session.commit()
                at = time.time()
                latest = select(OutboxEvent.id).order_by(OutboxEvent.position.desc()).limit(1)
                committed[str(db.session.scalar(latest))] = at
                db.session.commit()
                time.sleep(1 / rate)
        deadline = time.time() + 30
        while set(committed) - set(receiver.arrived) and time.time() < deadline:
            time.sleep(0.05)
    finally:
        stop(running)
    missing = set(committed) - set(receiver.arrived)
    if missing:
        sys.exit(f"{len(missing)} deliveries never arrived")
    return [receiver.arrived[event] - at for event, at in committed.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--lag-deliveries", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="bookings a second (lag)")
    args = parser.parse_args()
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as workdir:
        url = database_url(Path(workdir), scratch="bench_webhooks")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENGAGE_ENV": "testing", **SECRETS})
        caller, slot_id = build(app)
        subscribe(app, caller, f"http://127.0.0.1:{receiver.server_port}/hook")
        rates = {
            workers: throughput(app, url, caller, slot_id, receiver, args.deliveries, workers)
            for workers in (1, 4)
        }
        lags = lag(app, url, caller, slot_id, receiver, args.lag_deliveries, args.rate)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(OutboxEvent)) > 0
            db.engine.dispose()
    receiver.shutdown()
    database = make_url(url).get_backend_name()
    print(f"\nWebhook delivery on {database} (`flask events deliver`, receiver on 127.0.0.1)\n")
    print("| measure | value |\n| --- | --- |")
    for workers, per_second in rates.items():
        verdict = ""
        if workers == 4:
            verdict = " (within" if per_second >= BUDGET_PER_SECOND else " (UNDER"
            verdict += f" the {BUDGET_PER_SECOND}/s budget)"
        print(
            f"| throughput, {workers} worker{'s' * (workers > 1)}: {args.deliveries} deliveries "
            f"| {per_second:.0f} deliveries/s{verdict} |"
        )
    print(f"| lag p50 ({len(lags)} commits at {args.rate:g}/s) | {statistics.median(lags):.2f} s |")
    p95 = percentile(lags, 0.95)
    verdict = "within" if p95 <= BUDGET_P95 else "OVER"
    print(f"| lag p95 | {p95:.2f} s ({verdict} the {BUDGET_P95:g} s budget) |")
    print(f"| lag max | {max(lags):.2f} s |")


if __name__ == "__main__":
    main()
