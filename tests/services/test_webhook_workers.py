"""Real worker processes (`flask --app wsgi events deliver`): one killed with SIGKILL in the
middle of a delivery loses nothing (the event goes out again with the same webhook-id), and
two workers sharing the work never send one delivery twice at the same time."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, update
from werkzeug import Response

from models.base import utcnow
from models.users import Role
from models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery
from services import egress, outbox, webhooks
from services.callers import Caller
from tests.conftest import TEST_SECRETS

pytestmark = pytest.mark.usefixtures("other_writers")  # real worker processes write rows

ROOT = Path(__file__).resolve().parents[2]
LOCAL = egress.Policy(require_https=False, allow_loopback=True)
DEADLINE = 120  # seconds a worker may take before the test gives up (never a speed check)


def worker(database_url: str, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        **TEST_SECRETS,
        "DATABASE_URL": database_url,
        "ENGAGE_ENV": "testing",
        "WEBHOOK_ALLOW_LOOPBACK": "1",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "events", "deliver", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env)


@pytest.fixture
def receiver():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def subscribe(session, world, url):
    user = world.a.users[Role.SCHOOL_STAFF]
    caller = Caller(
        role=user.role, organisation_id=user.organisation_id, user_id=user.id, is_org_admin=True
    )
    made = webhooks.create(
        session, caller, url=url, event_types=["booking.cancelled"], policy=LOCAL
    )
    session.commit()
    return made


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_loses_nothing(session, world, database_url, receiver):
    subscribe(session, world, receiver.url_for("/hook"))
    arrived, release, ids = threading.Event(), threading.Event(), []

    def handler(request):
        ids.append(request.headers["webhook-id"])
        if len(ids) == 1:  # the first attempt hangs until its worker is dead
            arrived.set()
            release.wait(30)
        return Response("ok")

    receiver.expect_request("/hook").respond_with_handler(handler)
    outbox.append(session, "booking.cancelled", {"n": 1}, organisation_ids=[world.a.school.id])
    session.commit()

    first = worker(database_url, "--idle-seconds", "0.05")
    try:
        assert arrived.wait(DEADLINE), "the worker never sent the delivery"
        first.send_signal(signal.SIGKILL)
        first.wait(DEADLINE)
    finally:
        first.kill()
        release.set()
    session.expire_all()
    delivery = session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.PENDING and delivery.lease_token is not None
    assert session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0

    # The lease outlives its worker; move its end into the past rather than wait for it.
    session.execute(update(WebhookDelivery).values(leased_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    second = worker(database_url, "--once")
    assert second.wait(DEADLINE) == 0

    assert len(ids) == 2 and ids[0] == ids[1]  # the same webhook-id, sent again
    session.expire_all()
    assert session.scalar(select(WebhookDelivery)).status is DeliveryStatus.SUCCEEDED


def test_two_workers_never_send_one_delivery_at_the_same_time(
    session, world, database_url, receiver
):
    subscribe(session, world, receiver.url_for("/hook"))
    lock, in_flight, overlaps, received = threading.Lock(), set(), [], Counter()

    def handler(request):
        message = request.headers["webhook-id"]
        with lock:
            if message in in_flight:
                overlaps.append(message)
            in_flight.add(message)
            received[message] += 1
        time.sleep(0.005)  # the receiver's own work, so that sends overlap in time
        with lock:
            in_flight.discard(message)
        return Response("ok")

    receiver.expect_request("/hook").respond_with_handler(handler)
    for n in range(60):
        outbox.append(session, "booking.cancelled", {"n": n}, organisation_ids=[world.a.school.id])
    session.commit()

    workers = [worker(database_url, "--idle-seconds", "0.05") for _ in range(2)]
    try:

        def all_delivered():
            session.expire_all()
            done = select(func.count()).where(WebhookDelivery.status == DeliveryStatus.SUCCEEDED)
            return session.scalar(done) == 60

        wait_until(all_delivered, "60 deliveries")
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(DEADLINE)

    assert overlaps == []
    assert len(received) == 60 and set(received.values()) == {1}
