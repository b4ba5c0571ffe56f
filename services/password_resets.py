"""A way back in: a single-use, short-lived link emailed to whoever owns the address.

Asking for a reset says nothing about whether the address has an account: the caller is
answered the same either way, and only an active account's owner receives an email. The
link's token exists only in that email (its digest is kept, set when the email is
written); using it sets a new password, bumps the token version (every token issued
before stops working) and spends every other outstanding link of that person.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.password_resets import PasswordReset
from models.users import User
from services import audit
from services.errors import InvalidInput
from services.notifications import queue
from services.notifications.people import Recipient
from services.tokens import digest, new_secret
from services.users import check_password_strength, hash_password, normalise_email

LINK_LIFETIME = timedelta(minutes=30)
# A request older than this when its email is written is not worth a link any more.
REQUEST_LIFETIME = timedelta(hours=2)


def request(session: Session, *, email: str, now: datetime | None = None) -> None:
    """Start a reset for the address if it has an active account; otherwise do nothing."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return
    reset = PasswordReset(id=uuid.uuid4(), user_id=user.id, requested_at=now)
    session.add(reset)
    session.flush()
    queue.enqueue(
        session,
        key=f"password_reset:{reset.id}",
        kind="password_reset",
        recipient=Recipient(user.email, user.id),
        essential=True,
        context={"password_reset_id": str(reset.id)},
        now=now,
    )


def issue_link_token(
    session: Session, reset_id: uuid.UUID, *, now: datetime | None = None
) -> tuple[str, int] | None:
    """A fresh token for the reset's email and its lifetime in minutes; None if the reset is
    spent or stale. Writing the email again replaces the token (the last one sent works)."""
    now = now or utcnow()
    reset = session.get(PasswordReset, reset_id)
    if reset is None or reset.used_at or reset.requested_at + REQUEST_LIFETIME <= now:
        return None
    token = new_secret()
    reset.token_digest, reset.expires_at = digest(token), now + LINK_LIFETIME
    session.flush()
    return token, int(LINK_LIFETIME.total_seconds() // 60)


def confirm(
    session: Session, *, token: str, new_password: str, now: datetime | None = None
) -> User:
    """Spend the link: set the password and revoke every token the person holds."""
    now = now or utcnow()
    reset = session.scalar(
        select(PasswordReset).where(PasswordReset.token_digest == digest(token)).with_for_update()
    )
    user = session.get(User, reset.user_id) if reset else None
    if reset is None or reset.used_at or reset.expires_at <= now or not user.is_active:
        raise InvalidInput(
            "The reset link is not valid.",
            errors={"token": ["This link is unknown, already used or expired."]},
        )
    check_password_strength(new_password, "new_password")
    user.password_hash = hash_password(new_password)
    user.token_version += 1
    audit.update_where(
        session,
        PasswordReset,
        PasswordReset.user_id == user.id,
        PasswordReset.used_at.is_(None),
        values={"used_at": now},
    )
    session.flush()
    return user
