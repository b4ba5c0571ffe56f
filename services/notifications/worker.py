"""The notifications worker: turn outbox events into owed messages, owe reminders and
digests when they fall due, and send whatever is due.

It reads the outbox with its own cursor (`outbox.take` / `advance`, consumer
`notifications`): the notifications an event owes and the cursor's move commit together,
so every event is handled once and none is skipped. Sending is `delivery.send_due`.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from models.base import utcnow
from services import audit, outbox
from services.notifications import delivery, digests, queue, reminders
from services.notifications.kinds import EVENT_KINDS
from services.notifications.messages import MailSettings
from services.notifications.registry import KINDS

log = logging.getLogger(__name__)
CONSUMER = "notifications"
WORKER = "worker:notifications-send"  # the audit log's request id for what it writes
SWEEP_EVERY = 60.0  # seconds between reminder and digest sweeps


def fan_out(session: Session, *, limit: int = 200) -> int:
    """Owe the messages of the next events after the cursor, and move it past them.
    The caller commits; returns how many events were read."""
    _cursor, events = outbox.take(session, consumer=CONSUMER, limit=limit)
    for event in events:
        for name in EVENT_KINDS.get(event.type, ()):
            kind = KINDS[name]
            for recipient in dict.fromkeys(kind.recipients(session, event.data)):
                queue.enqueue(
                    session,
                    key=f"{name}:{event.id}:{recipient.key}",
                    kind=name,
                    recipient=recipient,
                    essential=kind.essential,
                    context=event.data,
                    event_id=event.id,
                )
    if events:
        outbox.advance(session, consumer=CONSUMER, to=outbox.Cursor.of(events[-1]))
    return len(events)


def sweep(session: Session, *, now: datetime) -> int:
    """Owe the reminders and digests due now; the caller commits."""
    return reminders.sweep(session, now=now) + digests.sweep(session, now=now)


@dataclass
class Worker:
    session: Session
    transport: object  # transport.SmtpTransport or transport.FileTransport
    settings: MailSettings
    clock: Callable[[], datetime] = utcnow
    lease: timedelta = delivery.LEASE
    last_sweep: float = field(default=float("-inf"))

    def __post_init__(self):
        # What it writes (one-time links' digests, refused addresses, people's unsubscribe
        # tokens) is audited as this worker's.
        audit.system_context(self.session, WORKER)

    def round(self, *, sweep_now: bool = False) -> delivery.SendResult:
        """Read every waiting event, sweep when due, then send until nothing is due."""
        while fan_out(self.session):
            self.session.commit()
        self.session.commit()
        if sweep_now or time.monotonic() - self.last_sweep >= SWEEP_EVERY:
            sweep(self.session, now=self.clock())
            self.session.commit()
            self.last_sweep = time.monotonic()
        total = delivery.SendResult()
        while True:
            result = delivery.send_due(
                self.session, self.transport, self.settings, now=self.clock(), lease=self.lease
            )
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(result, name))
            if not any(vars(result).values()):
                return total

    def run(self, *, poll_interval: float = 1.0, stop: Callable[[], bool] = lambda: False):
        """Keep going until `stop()`; a failed round is logged, rolled back and retried."""
        while not stop():
            try:
                result = self.round()
                if result.sent or result.refused or result.failed:
                    log.info("Notifications: %s", result)
            except Exception:
                self.session.rollback()
                log.exception("Notifications round failed; retrying")
            time.sleep(poll_interval)
        self.transport.close()
