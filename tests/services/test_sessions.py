"""Logout revokes a login session; revocations are forgotten once its tokens have expired."""

from datetime import UTC, datetime, timedelta

from services import sessions

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_revoked_session_stays_revoked_and_revoking_twice_is_harmless(session):
    sessions.revoke_session(session, session_id="s1", expires_at=NOW + timedelta(days=14))
    sessions.revoke_session(session, session_id="s1", expires_at=NOW + timedelta(days=14))
    session.commit()
    assert sessions.is_revoked(session, "s1")
    assert not sessions.is_revoked(session, "s2")


def test_purging_forgets_only_revocations_whose_tokens_have_expired(session):
    sessions.revoke_session(session, session_id="old", expires_at=NOW - timedelta(minutes=1))
    sessions.revoke_session(session, session_id="live", expires_at=NOW + timedelta(minutes=1))
    session.commit()
    assert sessions.purge_expired(session, now=NOW) == 1
    session.commit()
    assert not sessions.is_revoked(session, "old")
    assert sessions.is_revoked(session, "live")
