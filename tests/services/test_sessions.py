"""Logout revokes a login session; revocations are forgotten once its tokens have expired;
a token's holder (user or partner app) is read as the database says now, in one query."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from models.users import Role
from services import sessions
from tests import factories

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def revoked(session, session_id: str, user) -> bool:
    return sessions.user_token_holder(
        session, user_id=user.id, token_version=user.token_version, session_id=session_id
    ).revoked


@pytest.fixture
def leader(session):
    school = factories.school(session)
    person = factories.user(session, Role.SCHOOL_STAFF, school.id, email="leader@school.example")
    session.commit()
    return person


def test_a_revoked_session_stays_revoked_and_revoking_twice_is_harmless(session, leader):
    sessions.revoke_session(session, session_id="s1", expires_at=NOW + timedelta(days=14))
    sessions.revoke_session(session, session_id="s1", expires_at=NOW + timedelta(days=14))
    session.commit()
    assert revoked(session, "s1", leader)
    assert not revoked(session, "s2", leader)


def test_purging_forgets_only_revocations_whose_tokens_have_expired(session, leader):
    sessions.revoke_session(session, session_id="old", expires_at=NOW - timedelta(minutes=1))
    sessions.revoke_session(session, session_id="live", expires_at=NOW + timedelta(minutes=1))
    session.commit()
    assert sessions.purge_expired(session, now=NOW) == 1
    session.commit()
    assert not revoked(session, "old", leader)
    assert revoked(session, "live", leader)


def test_a_users_holder_is_one_query_and_refuses_the_revoked_and_the_deactivated(session, leader):
    user_id, version = leader.id, leader.token_version
    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        held = sessions.user_token_holder(
            session, user_id=user_id, token_version=version, session_id="s1"
        )
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert (held.caller.user_id, held.caller.role, held.revoked) == (
        leader.id,
        Role.SCHOOL_STAFF,
        False,
    )
    sessions.revoke_session(session, session_id="s1", expires_at=NOW + timedelta(days=1))
    session.commit()
    assert revoked(session, "s1", leader)
    leader.is_active = False
    session.commit()
    assert revoked(session, "s1", leader)  # the revocation is still what a token is told
    none = sessions.user_token_holder(
        session, user_id=leader.id, token_version=leader.token_version, session_id="s2"
    )
    assert none.caller is None and not none.revoked


def test_a_partner_apps_holder_carries_its_scopes_until_revoked(session, leader):
    client = factories.api_client(session, leader.organisation_id, scopes=["bookings:read"])
    session.commit()
    held = sessions.client_token_holder(session, client_id=client.id)
    assert held.caller.scopes == frozenset({"bookings:read"})
    assert held.caller.role is Role.SCHOOL_STAFF and held.caller.client_id == client.id
    client.revoked_at = NOW
    session.commit()
    assert sessions.client_token_holder(session, client_id=client.id).caller is None
