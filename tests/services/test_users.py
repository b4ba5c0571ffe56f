"""People's passwords: argon2id, one answer for a wrong email or password, a change revokes."""

import pytest

from models.users import Role
from services import sessions, users
from services.errors import InvalidInput, Unauthenticated
from tests import factories


@pytest.fixture
def leader(session):
    school = factories.school(session)
    person = factories.user(session, Role.SCHOOL_STAFF, school.id, email="leader@school.example")
    session.commit()
    return person


def test_a_password_is_stored_as_an_argon2id_hash():
    stored = users.hash_password("a long enough password")
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored


@pytest.mark.parametrize("password", ["short", "x" * 1000])
def test_too_short_or_too_long_is_refused(password):
    with pytest.raises(InvalidInput) as refused:
        users.hash_password(password)
    assert "password" in refused.value.errors


def test_login_ignores_the_emails_case_and_refuses_wrong_details_alike(session, leader):
    assert users.authenticate(session, email=" leader@school.EXAMPLE ", password=factories.PASSWORD)
    with pytest.raises(Unauthenticated) as wrong_password:
        users.authenticate(session, email=leader.email, password="not the password")
    with pytest.raises(Unauthenticated) as unknown_email:
        users.authenticate(session, email="nobody@school.example", password=factories.PASSWORD)
    assert wrong_password.value.detail == unknown_email.value.detail


def test_a_deactivated_person_cannot_log_in_with_the_right_password(session, leader):
    leader.is_active = False
    session.commit()
    with pytest.raises(Unauthenticated):
        users.authenticate(session, email=leader.email, password=factories.PASSWORD)


def test_changing_the_password_supersedes_every_token_issued_before(session, leader):
    version = leader.token_version

    def holder(token_version):
        return sessions.user_token_holder(
            session, user_id=leader.id, token_version=token_version, session_id="s"
        ).caller

    assert holder(version).user_id == leader.id
    users.change_password(
        session, leader, current_password=factories.PASSWORD, new_password="a new long password"
    )
    session.commit()
    assert holder(version) is None
    assert holder(version + 1).user_id == leader.id
    assert users.authenticate(session, email=leader.email, password="a new long password")


def test_a_wrong_current_password_changes_nothing(session, leader):
    before = leader.password_hash
    with pytest.raises(InvalidInput) as refused:
        users.change_password(
            session, leader, current_password="wrong", new_password="a new long password"
        )
    assert "current_password" in refused.value.errors
    assert leader.password_hash == before
