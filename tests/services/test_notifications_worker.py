"""The worker as a real process: killed with SIGKILL in the middle of sending, and
restarted, it sends every message, and none twice."""

import email as email_lib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from models.notifications import Notification, NotificationStatus
from models.users import Role
from tests import factories
from tests.conftest import TEST_SECRETS
from tests.mailbox import SmtpServer

pytestmark = pytest.mark.usefixtures("other_writers")  # real worker processes write rows

ROOT = Path(__file__).resolve().parents[2]
BOOKINGS = 12
KILL_AT = 5  # the worker dies while handing over this message


def start_worker(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **TEST_SECRETS,
        "DATABASE_URL": database_url,
        "ENGAGE_ENV": "testing",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "NOTIFICATIONS_LEASE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    flask = Path(sys.executable).with_name("flask")
    command = [str(flask), "--app", "wsgi", "notifications", "send", "--poll-interval", "0.2"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def owed(session, world, client, auth_headers):
    """Booking requests through the API: each owes the host's staff member one email."""
    school = world.a.users[Role.SCHOOL_STAFF]
    for _ in range(BOOKINGS):
        slot = factories.slot(session, world.a.offer)
        session.commit()
        made = client.post(
            "/api/v1/bookings",
            headers=auth_headers(school),
            json={"slot_id": str(slot.id), "seats": 1, "year_group": 10, "staff_lead_name": "L"},
        )
        assert made.status_code == 201
    return world.a.users[Role.EMPLOYER_STAFF].email


def test_a_worker_killed_mid_send_and_restarted_loses_none_and_repeats_none(
    database_url, session, owed
):
    with SmtpServer() as smtp:
        seen = []
        worker = None

        def kill_on_arrival(content: bytes) -> bool:
            seen.append(content)
            if len(seen) == KILL_AT:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                return False  # never accepted: the worker did not live to hear a reply
            return True

        smtp.handler.on_data = kill_on_arrival
        worker = start_worker(database_url, smtp.port)
        wait_for(lambda: worker.poll() is not None)
        assert worker.returncode == -signal.SIGKILL
        assert len(smtp.received) == KILL_AT - 1

        smtp.handler.on_data = None
        worker = start_worker(database_url, smtp.port)
        try:
            wait_for(lambda: len(smtp.received) >= BOOKINGS)
            time.sleep(1)  # anything more (a duplicate) would arrive within a round or two
        finally:
            worker.terminate()
            worker.wait()

    ids = Counter(r.message["Message-ID"] for r in smtp.received)
    assert len(ids) == BOOKINGS and set(ids.values()) == {1}
    assert all(r.recipients == [owed] for r in smtp.received)
    session.expire_all()
    statuses = session.scalars(select(Notification.status)).all()
    assert statuses == [NotificationStatus.SENT] * BOOKINGS


def test_without_an_smtp_server_development_mail_is_written_as_eml_files(
    app, client, world, tmp_path, caplog
):
    app.config.update(SMTP_HOST=None, MAIL_DIR=str(tmp_path / "mail"))
    email = world.a.users[Role.SCHOOL_STAFF].email
    assert client.post("/api/v1/auth/password-reset", json={"email": email}).status_code == 202

    with caplog.at_level("INFO", logger="services.notifications.transport"):
        result = app.test_cli_runner().invoke(args=["notifications", "send", "--once"])

    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    [written] = list((tmp_path / "mail").glob("*.eml"))
    assert written.name.endswith(".eml") and "password_reset" in written.name
    assert str(written) in caplog.text
    message = email_lib.message_from_bytes(written.read_bytes(), policy=default)
    assert message["To"] == email
    assert message["Subject"] == "Reset your Engage password"
    assert "#token=" in message.get_body(("plain",)).get_content()
