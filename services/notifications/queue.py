"""Owing someone a message: one `Notification` row per source and recipient.

`enqueue` is called in the transaction of whatever causes the message (a worker reading
the outbox, a reminder sweep, a password-reset request), so the row commits with it or
not at all; its unique key makes a second call for the same source and recipient a
no-op. The person's choice decides the row's fate at once: sent as soon as it can be,
held for their daily digest, or skipped.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.notifications import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationStatus,
    RefusedAddress,
)
from services.notifications.people import Recipient


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: Recipient,
    essential: bool,
    context: dict,
    event_id=None,
    now: datetime | None = None,
) -> Notification | None:
    """Owe this message once; None when it is already owed (or was sent)."""
    if session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    now = now or utcnow()
    notification = Notification(
        key=key,
        kind=kind,
        event_id=event_id,
        user_id=recipient.user_id,
        email=recipient.email,
        essential=essential,
        context=context,
        status=_status_for(session, recipient, essential),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(notification)
    session.flush()
    return notification


def _status_for(session: Session, recipient: Recipient, essential: bool) -> NotificationStatus:
    if session.get(RefusedAddress, recipient.email.lower()) is not None:
        return NotificationStatus.REFUSED
    if essential or recipient.user_id is None:
        return NotificationStatus.PENDING
    preference = session.get(NotificationPreference, recipient.user_id)
    delivery = preference.delivery if preference else Delivery.IMMEDIATE
    return {
        Delivery.IMMEDIATE: NotificationStatus.PENDING,
        Delivery.DAILY_DIGEST: NotificationStatus.HELD,
        Delivery.OFF: NotificationStatus.SKIPPED,
    }[delivery]
