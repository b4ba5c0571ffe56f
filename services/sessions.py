"""Login sessions: a logout revokes the session that its access and refresh tokens share."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models.auth import RevokedSession
from models.base import utcnow


def revoke_session(session: Session, *, session_id: str, expires_at: datetime) -> None:
    if session.get(RevokedSession, session_id) is None:
        session.add(RevokedSession(session_id=session_id, expires_at=expires_at))
        session.flush()


def is_revoked(session: Session, session_id: str) -> bool:
    return session.get(RevokedSession, session_id) is not None


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Forget revocations whose session's last token has expired: an expired token is
    refused without them, so they only grow the table."""
    cutoff = now or utcnow()
    result = session.execute(delete(RevokedSession).where(RevokedSession.expires_at < cutoff))
    session.flush()
    return result.rowcount
