"""A way back in: the reset link arrives by email, works once and briefly, and asking
never tells whether an address has an account."""

from datetime import timedelta

import pytest

from models.base import utcnow
from models.password_resets import PasswordReset
from models.users import Role
from tests.factories import PASSWORD
from tests.mailbox import SmtpServer, deliver, token_in

RESET = "/api/v1/auth/password-reset"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def ask(client, email, address="127.0.0.1"):
    return client.post(RESET, json={"email": email}, environ_base={"REMOTE_ADDR": address})


def reset_link(app, smtp, email) -> str:
    deliver(app, smtp)
    message = smtp.only(email, "password_reset")
    [link] = [link for link in message.links() if "#token=" in link]
    return link


def confirm(client, token, password=NEW_PASSWORD):
    return client.post(f"{RESET}/confirm", json={"token": token, "new_password": password})


def login(client, email, password):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_the_emailed_link_sets_a_new_password_and_revokes_every_token(
    app, client, world, auth_headers, smtp
):
    volunteer = world.a.users[Role.VOLUNTEER]
    old_headers = auth_headers(volunteer)
    assert ask(client, volunteer.email).status_code == 202

    link = reset_link(app, smtp, volunteer.email)
    assert link.startswith("http://127.0.0.1:5000/api/v1/auth/password-reset/confirm#token=")
    assert confirm(client, token_in(link)).status_code == 204

    assert client.get("/api/v1/me", headers=old_headers).status_code == 401
    assert login(client, volunteer.email, PASSWORD).status_code == 401
    assert login(client, volunteer.email, NEW_PASSWORD).status_code == 200


def test_a_used_link_is_refused(app, client, world, smtp):
    email = world.a.users[Role.SCHOOL_STAFF].email
    ask(client, email)
    token = token_in(reset_link(app, smtp, email))
    assert confirm(client, token).status_code == 204

    again = confirm(client, token, password="yet another passphrase")

    assert again.status_code == 422
    assert "token" in again.get_json()["errors"]
    assert login(client, email, NEW_PASSWORD).status_code == 200


def test_an_expired_link_is_refused_and_changes_nothing(app, client, session, world, smtp):
    email = world.a.users[Role.SCHOOL_STAFF].email
    ask(client, email)
    token = token_in(reset_link(app, smtp, email))
    reset = session.query(PasswordReset).one()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()

    assert confirm(client, token).status_code == 422
    assert login(client, email, PASSWORD).status_code == 200


def test_a_second_request_spends_the_first_link_when_either_is_used(app, client, world, smtp):
    email = world.a.users[Role.EMPLOYER_STAFF].email
    ask(client, email)
    ask(client, email)
    deliver(app, smtp)
    tokens = [token_in(link) for m in smtp.to(email) for link in m.links() if "#token=" in link]
    assert len(tokens) == 2 and len(set(tokens)) == 2

    assert confirm(client, tokens[1]).status_code == 204
    assert confirm(client, tokens[0], password="yet another passphrase").status_code == 422


def test_a_weak_new_password_is_refused_and_the_link_still_works(app, client, world, smtp):
    email = world.a.users[Role.SCHOOL_STAFF].email
    ask(client, email)
    token = token_in(reset_link(app, smtp, email))

    weak = confirm(client, token, password="short")

    assert weak.status_code == 422
    assert "new_password" in weak.get_json()["errors"]
    assert confirm(client, token).status_code == 204


def test_unknown_and_known_addresses_get_the_same_answer(app, client, session, world, smtp):
    known = ask(client, world.a.users[Role.SCHOOL_STAFF].email)
    unknown = ask(client, "nobody.here@example.org")

    assert (known.status_code, known.data) == (unknown.status_code, unknown.data)
    assert known.status_code == 202
    assert set(known.headers.keys()) == set(unknown.headers.keys())
    deliver(app, smtp)
    assert [r.recipients for r in smtp.received] == [[world.a.users[Role.SCHOOL_STAFF].email]]


def test_an_inactive_account_gets_no_link(app, client, session, world, smtp):
    user = world.a.users[Role.SCHOOL_STAFF]
    user.is_active = False
    session.commit()

    assert ask(client, user.email).status_code == 202
    deliver(app, smtp)
    assert smtp.received == []


def test_requests_are_rate_limited_per_address_known_or_not(client, world):
    for email in (world.a.users[Role.SCHOOL_STAFF].email, "nobody.here@example.org"):
        answers = [ask(client, email).status_code for _ in range(6)]
        assert answers == [202] * 5 + [429]
    limited = ask(client, "nobody.here@example.org")
    assert limited.content_type == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
