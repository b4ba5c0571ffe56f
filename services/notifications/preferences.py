"""A person's choice of how to hear non-essential news, and one-click unsubscribe."""

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.notifications import Delivery, NotificationPreference
from services.errors import NotFound


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Choice:
    delivery: Delivery
    essential_kinds: tuple[str, ...]  # sent whatever the choice


def get(session: Session, *, user_id: uuid.UUID, essential_kinds: tuple[str, ...]) -> Choice:
    preference = session.get(NotificationPreference, user_id)
    return Choice(preference.delivery if preference else Delivery.IMMEDIATE, essential_kinds)


def update(
    session: Session, *, user_id: uuid.UUID, delivery: Delivery, essential_kinds: tuple[str, ...]
) -> Choice:
    preference = session.get(NotificationPreference, user_id)
    if preference is None:
        preference = NotificationPreference(user_id=user_id, unsubscribe_token=new_token())
        session.add(preference)
    preference.delivery = delivery
    session.flush()
    return Choice(delivery, essential_kinds)


def unsubscribe(session: Session, *, token: str) -> None:
    """RFC 8058 one-click: the token in a message's List-Unsubscribe turns its owner's
    non-essential notices off (essential ones still go)."""
    preference = session.scalar(
        select(NotificationPreference).where(NotificationPreference.unsubscribe_token == token)
    )
    if preference is None:
        raise NotFound("No such unsubscribe link.")
    preference.delivery = Delivery.OFF
    session.flush()
