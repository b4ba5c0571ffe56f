"""Sending what is owed: claim due notifications under a lease, write each message once,
hand it to the transport, and record what happened.

Each message is written (and any one-time link in it minted) and committed before it is
sent, so a retry sends the very same bytes with the same Message-ID. A worker that dies
mid-send leaves its lease to expire and another picks the message up: at least once,
and the stable Message-ID lets mail systems fold the rare repeat. On PostgreSQL
`FOR UPDATE SKIP LOCKED` lets many workers claim side by side.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.notifications import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationStatus,
    RefusedAddress,
)
from services.notifications.messages import MailSettings, compose, message_id
from services.notifications.preferences import new_token
from services.notifications.registry import KINDS
from services.notifications.transport import (
    AddressRefused,
    PermanentFailure,
    TemporaryFailure,
)

log = logging.getLogger(__name__)
# How long a claim holds: a worker that dies mid-round leaves its claimed messages to
# others after this. Longer than a round's sends can take (a batch at the SMTP timeout).
LEASE = timedelta(minutes=2)
BATCH = 20
# Waits before the 2nd, 3rd, ... attempt; after the last the notification has failed.
RETRY_DELAYS = tuple(timedelta(seconds=s) for s in (30, 120, 600, 1800, 7200, 21600))


@dataclass
class SendResult:
    sent: int = 0
    retried: int = 0
    refused: int = 0
    failed: int = 0
    skipped: int = 0


def claim(
    session: Session, *, now: datetime, limit: int = BATCH, lease: timedelta = LEASE
) -> list[Notification]:
    """Due notifications, leased to this worker; the caller commits the lease."""
    due = session.scalars(
        select(Notification)
        .where(
            Notification.status == NotificationStatus.PENDING,
            Notification.next_attempt_at <= now,
            or_(Notification.leased_until.is_(None), Notification.leased_until <= now),
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for notification in due:
        notification.leased_until = now + lease
    session.flush()
    return list(due)


def write(session: Session, notification: Notification, settings: MailSettings) -> bool:
    """Render the message once (minting its links); False when there is nothing to send."""
    if notification.message is not None:
        return True
    context = KINDS[notification.kind].context(session, notification.context, settings)
    if context is None:
        notification.status = NotificationStatus.SKIPPED
        notification.leased_until = None
        return False
    notification.message_id = message_id(notification.key, settings.domain)
    unsubscribe = None
    if not notification.essential and notification.user_id is not None:
        token = unsubscribe_token(session, notification.user_id)
        unsubscribe = settings.link(f"/api/v1/notifications/unsubscribe?token={token}")
    notification.message = compose(
        settings,
        kind=notification.kind,
        context=context,
        to=notification.email,
        message_id_=notification.message_id,
        date=notification.created_at,
        unsubscribe_url=unsubscribe,
    )
    session.flush()
    return True


def unsubscribe_token(session: Session, user_id) -> str:
    preference = session.get(NotificationPreference, user_id)
    if preference is None:
        preference = NotificationPreference(
            user_id=user_id, delivery=Delivery.IMMEDIATE, unsubscribe_token=new_token()
        )
        session.add(preference)
        session.flush()
    return preference.unsubscribe_token


def send_due(
    session: Session,
    transport,
    settings: MailSettings,
    *,
    now: datetime | None = None,
    limit: int = BATCH,
    lease: timedelta = LEASE,
) -> SendResult:
    """One round: claim, then write-commit-send-commit each claimed notification."""
    result = SendResult()
    claimed = claim(session, now=now or utcnow(), limit=limit, lease=lease)
    session.commit()
    for notification in claimed:
        try:
            written = write(session, notification, settings)
        except Exception as error:  # a message that cannot be written is not retried forever
            session.rollback()
            log.exception("Cannot write notification %s", notification.id)
            _give_up(notification, f"cannot be written: {error!r}", result)
            session.commit()
            continue
        session.commit()
        if not written:
            result.skipped += 1
            continue
        _attempt(session, notification, transport, settings, result)
        session.commit()
    return result


def _attempt(session, notification, transport, settings, result: SendResult) -> None:
    notification.attempts += 1
    notification.leased_until = None
    try:
        transport.send(
            sender=settings.sender,
            recipient=notification.email,
            message=notification.message,
            name=f"{notification.created_at:%Y%m%dT%H%M%S}-{notification.kind}-{notification.id}",
        )
    except AddressRefused as error:
        _refuse(session, notification, str(error))
        result.refused += 1
    except PermanentFailure as error:
        _give_up(notification, str(error), result)
    except TemporaryFailure as error:
        _retry_later(notification, str(error), result)
    else:
        notification.status, notification.sent_at = NotificationStatus.SENT, utcnow()
        notification.message, notification.last_error = None, None  # it may hold a link
        result.sent += 1


def _refuse(session: Session, notification: Notification, reason: str) -> None:
    notification.status, notification.last_error = NotificationStatus.REFUSED, reason[:500]
    notification.message = None
    address = notification.email.lower()
    if session.get(RefusedAddress, address) is None:
        session.add(RefusedAddress(email=address, reason=reason[:500]))
    log.warning("Mail to notification %s refused for good: %s", notification.id, reason)


def _retry_later(notification: Notification, reason: str, result: SendResult) -> None:
    notification.last_error = reason[:500]
    if notification.attempts > len(RETRY_DELAYS):
        _give_up(notification, reason, result)
        return
    notification.next_attempt_at = utcnow() + RETRY_DELAYS[notification.attempts - 1]
    result.retried += 1


def _give_up(notification: Notification, reason: str, result: SendResult) -> None:
    notification.status, notification.message = NotificationStatus.FAILED, None
    notification.last_error = reason[:500]
    result.failed += 1
    log.error("Gave up on notification %s: %s", notification.id, reason)
