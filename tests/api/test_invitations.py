"""Invitations: who may invite whom, and the one-time, expiring token (sent by email)."""

from datetime import timedelta

import pytest

from models.base import utcnow
from models.users import Invitation, Role, User
from tests.mailbox import SmtpServer, deliver, token_in

NEW_PASSWORD = "a passphrase of my own"
INVITEE = "new.person@example.org"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def emailed_token(app, smtp) -> str:
    """The one-time token, as the invitee reads it in the invitation's link."""
    deliver(app, smtp)
    [message] = smtp.to(INVITEE)
    [link] = [link for link in message.links() if "#token=" in link]
    return token_in(link)


def invite(client, headers, organisation_id, role="school_staff", **extra):
    body = {
        "email": "new.person@example.org",
        "role": role,
        "organisation_id": str(organisation_id),
    }
    return client.post("/api/v1/invitations", headers=headers, json={**body, **extra})


def accept(client, token, password=NEW_PASSWORD):
    return client.post(
        "/api/v1/invitations/accept",
        json={"token": token, "name": "New Person", "password": password},
    )


def test_a_coordinator_invites_school_staff_who_then_log_in(app, client, world, auth_headers, smtp):
    response = invite(client, auth_headers(world.a.users[Role.COORDINATOR]), world.a.school.id)

    assert response.status_code == 201
    issued = response.get_json()
    assert issued["role"] == "school_staff"
    assert "token" not in issued  # the inviter never sees it
    accepted = accept(client, emailed_token(app, smtp))
    assert accepted.status_code == 201
    assert accepted.get_json()["organisation"]["id"] == str(world.a.school.id)
    login = client.post(
        "/api/v1/auth/login", json={"email": "new.person@example.org", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200


def test_an_invitation_works_once(app, client, world, auth_headers, smtp):
    invite(client, auth_headers(world.platform_admin), world.a.school.id)
    token = emailed_token(app, smtp)
    assert accept(client, token).status_code == 201

    again = accept(client, token)

    assert again.status_code == 422
    assert "token" in again.get_json()["errors"]


def test_an_expired_invitation_is_refused_and_writes_nothing(
    app, client, session, world, auth_headers, smtp
):
    invite(client, auth_headers(world.platform_admin), world.a.school.id)
    token = emailed_token(app, smtp)
    invitation = session.query(Invitation).one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    users_before = session.query(User).count()

    assert accept(client, token).status_code == 422
    assert session.query(User).count() == users_before


def test_a_weak_password_is_refused_on_acceptance(app, client, world, auth_headers, smtp):
    invite(client, auth_headers(world.platform_admin), world.a.school.id)
    token = emailed_token(app, smtp)
    response = accept(client, token, password="short")
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]
    assert accept(client, token).status_code == 201  # the token was not used up


def test_employer_staff_invite_their_volunteers(client, world, auth_headers):
    response = invite(
        client, auth_headers(world.a.users[Role.EMPLOYER_STAFF]), world.a.employer.id, "volunteer"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("inviter", "role", "target", "status"),
    [
        (Role.COORDINATOR, "school_staff", "b.school", 403),  # a school outside the hub
        (Role.COORDINATOR, "employer_staff", "a.employer", 403),
        (Role.VOLUNTEER, "volunteer", "a.employer", 403),
        (Role.EMPLOYER_STAFF, "volunteer", "b.employer", 403),
        (Role.SCHOOL_STAFF, "coordinator", "a.hub", 403),  # their own hub: visible, not theirs
        (Role.SCHOOL_STAFF, "coordinator", "b.hub", 404),  # a foreign hub is as if absent
        (Role.COORDINATOR, "volunteer", "a.school", 422),  # role and organisation disagree
    ],
)
def test_invitations_outside_ones_remit_are_refused(
    client, session, world, auth_headers, inviter, role, target, status
):
    side, attribute = target.split(".")
    organisation = getattr(getattr(world, side), attribute)

    response = invite(client, auth_headers(world.a.users[inviter]), organisation.id, role)

    assert response.status_code == status, response.get_json()
    assert session.query(Invitation).count() == 0


def test_only_admins_invite_coordinators(client, world, auth_headers):
    admin = invite(client, auth_headers(world.platform_admin), world.b.hub.id, "coordinator")
    assert admin.status_code == 201


def test_server_owned_fields_cannot_be_smuggled_in(client, session, world, auth_headers):
    response = invite(
        client,
        auth_headers(world.a.users[Role.COORDINATOR]),
        world.a.school.id,
        status="accepted",
        id="00000000-0000-0000-0000-000000000001",
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"status", "id"}
    assert session.query(Invitation).count() == 0


def test_an_existing_account_cannot_be_invited_again(client, world, auth_headers):
    response = client.post(
        "/api/v1/invitations",
        headers=auth_headers(world.platform_admin),
        json={
            "email": "coordinator.a@example.org",
            "role": "coordinator",
            "organisation_id": str(world.a.hub.id),
        },
    )
    assert response.status_code == 409


def test_invitation_tokens_are_stored_only_as_digests(
    app, client, session, world, auth_headers, smtp
):
    invite(client, auth_headers(world.platform_admin), world.a.school.id)
    token = emailed_token(app, smtp)
    stored = session.query(Invitation).one()
    assert token not in stored.token_digest
    assert len(stored.token_digest) == 64
