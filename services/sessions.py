"""Login sessions: a logout revokes the session that its access and refresh tokens share."""

from datetime import datetime

from sqlalchemy.orm import Session

from models.auth import RevokedSession


def revoke_session(session: Session, *, session_id: str, expires_at: datetime) -> None:
    if session.get(RevokedSession, session_id) is None:
        session.add(RevokedSession(session_id=session_id, expires_at=expires_at))
        session.flush()


def is_revoked(session: Session, session_id: str) -> bool:
    return session.get(RevokedSession, session_id) is not None
