"""Login, tokens and their every failure, logout, password change and throttling."""

import time
import uuid
from datetime import timedelta

import jwt as pyjwt
import pytest
from sqlalchemy import event

from api.app import create_app
from models.auth import RevokedSession
from models.base import utcnow
from models.users import Role
from tests import factories
from tests.conftest import TEST_SECRETS, app_config

LOGIN = "/api/v1/auth/login"


def login(client, email, password=factories.PASSWORD, address="127.0.0.1"):
    return client.post(
        LOGIN,
        json={"email": email, "password": password},
        environ_overrides={"REMOTE_ADDR": address},
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response, detail_contains: str = ""):
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="engage"')
    problem = response.get_json()
    assert problem["status"] == 401
    assert detail_contains.lower() in problem["detail"].lower()


def test_login_returns_a_token_pair_that_opens_me(client, world):
    response = login(client, "school_staff.a@example.org")

    assert response.status_code == 200
    tokens = response.get_json()
    assert tokens["token_type"] == "Bearer"
    assert 0 < tokens["expires_in"] <= 15 * 60
    me = client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["email"] == "school_staff.a@example.org"
    assert me.get_json()["organisation"]["id"] == str(world.a.school.id)
    assert me.headers["Cache-Control"] == "no-store"


def test_login_email_is_case_insensitive(client, world):
    assert login(client, "School_Staff.A@Example.ORG").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("school_staff.a@example.org", "wrong password!!"),
        ("nobody@example.org", factories.PASSWORD),
    ],
    ids=["wrong password", "unknown email"],
)
def test_wrong_password_and_unknown_email_get_the_same_401(client, world, email, password):
    assert_unauthorized(login(client, email, password), "email or password is wrong")


def test_a_deactivated_user_cannot_log_in(client, session, world):
    world.a.users[Role.SCHOOL_STAFF].is_active = False
    session.commit()
    assert_unauthorized(login(client, "school_staff.a@example.org"))


def _forge(claims: dict, key: str = TEST_SECRETS["JWT_SECRET_KEY"], algorithm="HS256") -> str:
    return pyjwt.encode(claims, key, algorithm=algorithm)


def _claims_of(token: str) -> dict:
    return pyjwt.decode(token, TEST_SECRETS["JWT_SECRET_KEY"], algorithms=["HS256"])


def _bad_tokens(client, world):
    tokens = login(client, "school_staff.a@example.org").get_json()
    claims = _claims_of(tokens["access_token"])
    unsigned = pyjwt.encode(claims, key=None, algorithm="none")
    logged_out = login(client, "school_staff.a@example.org").get_json()
    client.post("/api/v1/auth/logout", headers=bearer(logged_out["access_token"]))
    return {
        "missing": {},
        "not a bearer scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
        "malformed": bearer("not-a-jwt"),
        "wrongly signed": bearer(_forge(claims, key="another-key-that-is-long-enough-1234567")),
        "alg none": bearer(unsigned),
        "expired": bearer(_forge({**claims, "exp": int(time.time()) - 60})),
        "revoked by logout": bearer(logged_out["access_token"]),
        "refresh token on a resource": bearer(tokens["refresh_token"]),
        "unknown user": bearer(_forge({**claims, "sub": "00000000-0000-0000-0000-000000000000"})),
        "no subject": bearer(_forge({k: v for k, v in claims.items() if k != "sub"})),
        "not yet valid": bearer(_forge({**claims, "nbf": int(time.time()) + 3600})),
    }


BAD_TOKEN_KINDS = [
    "missing",
    "not a bearer scheme",
    "malformed",
    "wrongly signed",
    "alg none",
    "expired",
    "revoked by logout",
    "refresh token on a resource",
    "unknown user",
    "no subject",
    "not yet valid",
]


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
def test_every_bad_token_answers_401_never_422(client, world, kind):
    headers = _bad_tokens(client, world)[kind]
    assert_unauthorized(client.get("/api/v1/me", headers=headers))
    # Still 401 (not 422) when the body is also invalid: authentication comes first.
    assert_unauthorized(client.post("/api/v1/hubs", headers=headers, json={"bogus": 1}))


def test_refresh_gives_a_new_access_token_and_refuses_access_tokens(client, world):
    tokens = login(client, "coordinator.a@example.org").get_json()

    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    new_access = refreshed.get_json()["access_token"]
    assert client.get("/api/v1/hubs", headers=bearer(new_access)).status_code == 200
    assert_unauthorized(client.post("/api/v1/auth/refresh", headers=bearer(tokens["access_token"])))


def test_logout_revokes_both_tokens_and_survives_a_restart(client, world, database_url):
    tokens = login(client, "coordinator.a@example.org").get_json()

    assert (
        client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code
        == 204
    )

    restarted = create_app(app_config(database_url)).test_client()
    assert_unauthorized(
        restarted.get("/api/v1/me", headers=bearer(tokens["access_token"])), "revoked"
    )
    assert_unauthorized(
        restarted.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    )
    # Another session of the same user is untouched.
    other = login(restarted, "coordinator.a@example.org").get_json()
    assert restarted.get("/api/v1/me", headers=bearer(other["access_token"])).status_code == 200


def test_the_cli_purges_revocations_once_their_tokens_have_expired(app, client, session, world):
    tokens = login(client, "coordinator.a@example.org").get_json()
    client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    session.add(RevokedSession(session_id="ended-long-ago", expires_at=utcnow() - timedelta(1)))
    session.commit()

    result = app.test_cli_runner().invoke(args=["sessions", "purge"])

    assert result.exit_code == 0, result.output
    assert "1 revocations" in result.output
    session.expire_all()
    assert session.get(RevokedSession, "ended-long-ago") is None
    assert_unauthorized(client.get("/api/v1/me", headers=bearer(tokens["access_token"])), "revoked")


def test_password_change_needs_a_fresh_token(client, world):
    tokens = login(client, "coordinator.a@example.org").get_json()
    stale = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).get_json()

    response = client.post(
        "/api/v1/auth/password",
        headers=bearer(stale["access_token"]),
        json={"current_password": factories.PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert_unauthorized(response, "fresh")


def test_password_change_revokes_every_other_token(client, world):
    first = login(client, "coordinator.a@example.org").get_json()
    second = login(client, "coordinator.a@example.org").get_json()

    response = client.post(
        "/api/v1/auth/password",
        headers=bearer(first["access_token"]),
        json={"current_password": factories.PASSWORD, "new_password": "a brand new passphrase"},
    )

    assert response.status_code == 200
    new_tokens = response.get_json()
    for old in (first["access_token"], second["access_token"]):
        assert_unauthorized(client.get("/api/v1/me", headers=bearer(old)))
    assert_unauthorized(
        client.post("/api/v1/auth/refresh", headers=bearer(second["refresh_token"]))
    )
    assert client.get("/api/v1/me", headers=bearer(new_tokens["access_token"])).status_code == 200
    assert_unauthorized(login(client, "coordinator.a@example.org"))
    assert login(client, "coordinator.a@example.org", "a brand new passphrase").status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("wrong current password", "a brand new passphrase", "current_password"),
        (factories.PASSWORD, "short", "new_password"),
    ],
)
def test_password_change_refusals_change_nothing(client, world, current, new, field):
    tokens = login(client, "coordinator.a@example.org").get_json()

    response = client.post(
        "/api/v1/auth/password",
        headers=bearer(tokens["access_token"]),
        json={"current_password": current, "new_password": new},
    )

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert login(client, "coordinator.a@example.org").status_code == 200


def test_a_deactivated_coordinator_loses_access_at_once(client, world, auth_headers):
    coordinator = world.a.users[Role.COORDINATOR]
    headers = auth_headers(coordinator)
    assert client.get(f"/api/v1/hubs/{world.a.hub.id}", headers=headers).status_code == 200

    removed = client.delete(
        f"/api/v1/users/{coordinator.id}", headers=auth_headers(world.platform_admin)
    )

    assert removed.status_code == 204
    assert_unauthorized(client.get(f"/api/v1/hubs/{world.a.hub.id}", headers=headers))


WRONG = "wrong password!!"
GUESSER, OWNER = "203.0.113.7", "198.51.100.20"


def assert_throttled(response, detail: str):
    assert response.status_code == 429
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == "/problems/rate-limited"
    assert detail in problem["detail"]
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_failed_logins_are_throttled_per_account_and_address_never_locking_the_owner_out(
    client, world
):
    for _ in range(5):
        assert login(client, "coordinator.a@example.org", WRONG, GUESSER).status_code == 401

    guessing = login(client, "coordinator.a@example.org", address=GUESSER)  # even the right one
    owner = login(client, "coordinator.a@example.org", address=OWNER)
    other_account = login(client, "coordinator.b@example.org", address=GUESSER)

    assert_throttled(guessing, "for this account from your address")
    assert owner.status_code == 200
    assert other_account.status_code == 200


def test_failed_logins_are_throttled_per_address_over_every_account(client, world):
    for n in range(20):
        assert login(client, f"nobody{n}@example.org", WRONG, GUESSER).status_code == 401

    throttled = login(client, "coordinator.a@example.org", address=GUESSER)

    assert_throttled(throttled, "from your address")
    assert login(client, "coordinator.a@example.org", address=OWNER).status_code == 200


def test_a_successful_login_forgets_its_accounts_failures_from_that_address(client, world):
    for _ in range(4):
        assert login(client, "coordinator.a@example.org", WRONG).status_code == 401
    assert login(client, "coordinator.a@example.org").status_code == 200

    for _ in range(4):
        assert login(client, "coordinator.a@example.org", WRONG).status_code == 401
    assert login(client, "coordinator.a@example.org").status_code == 200


def test_successful_logins_are_not_throttled(client, world):
    for _ in range(8):
        assert login(client, "coordinator.a@example.org").status_code == 200


def test_every_caller_has_a_per_minute_budget(database_url, world, auth_headers):
    app = create_app(app_config(database_url, RATELIMIT_DEFAULT="3 per minute"))
    client = app.test_client()
    headers = auth_headers(world.a.users[Role.COORDINATOR])

    answers = [client.get("/api/v1/me", headers=headers) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert {answer.headers["X-RateLimit-Limit"] for answer in answers} == {"3"}
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert client.get("/api/v1/hubs", headers=headers).status_code == 200  # a budget per route
    response = client.get("/api/v1/me", headers=headers)
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    other = auth_headers(world.b.users[Role.COORDINATOR])
    assert client.get("/api/v1/me", headers=other).status_code == 200  # a budget per caller
    assert client.get("/healthz").status_code == 200  # probes are not metered


def test_access_tokens_last_at_most_fifteen_minutes(client, world):
    claims = _claims_of(login(client, "coordinator.a@example.org").get_json()["access_token"])
    assert timedelta(seconds=claims["exp"] - claims["iat"]) <= timedelta(minutes=15)


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(database_url, world):
    client = create_app(app_config(database_url, TRUSTED_PROXIES=1)).test_client()

    def via_proxy(password, client_address):
        return client.post(
            LOGIN,
            json={"email": "coordinator.a@example.org", "password": password},
            headers={"X-Forwarded-For": client_address},
            environ_overrides={"REMOTE_ADDR": "10.0.0.1"},  # the load balancer
        )

    for _ in range(5):
        assert via_proxy(WRONG, GUESSER).status_code == 401

    assert via_proxy(factories.PASSWORD, GUESSER).status_code == 429
    assert via_proxy(factories.PASSWORD, OWNER).status_code == 200


def test_two_processes_share_login_throttling_through_redis(database_url, world):
    """With RATELIMIT_STORAGE_URI on Redis, every API process counts the same failures."""
    shared = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
    }
    first = create_app(app_config(database_url, **shared)).test_client()
    second = create_app(app_config(database_url, **shared)).test_client()

    for attempt in range(5):
        process = first if attempt % 2 else second
        assert login(process, "coordinator.a@example.org", WRONG, GUESSER).status_code == 401

    assert login(first, "coordinator.a@example.org", address=GUESSER).status_code == 429
    assert login(second, "coordinator.a@example.org", address=GUESSER).status_code == 429
    assert login(second, "coordinator.a@example.org", address=OWNER).status_code == 200
    for n in range(15):  # 20 failures from one address, over any accounts, in all
        process = first if n % 2 else second
        assert login(process, f"nobody{n}@example.org", WRONG, GUESSER).status_code == 401
    assert login(first, "coordinator.b@example.org", address=GUESSER).status_code == 429


def test_anonymous_calls_get_401_before_their_input_is_looked_at(client, world):
    nul_query = client.get("/api/v1/schools?name=a%00b")
    wrong_media = client.post("/api/v1/hubs", data="name=x", content_type="text/plain")
    assert_unauthorized(nul_query)
    assert_unauthorized(wrong_media)


def test_an_authenticated_no_op_reads_its_caller_in_one_statement(client, session, world):
    """The token is verified once (the rate limiter's key shares it) and `GET /me` is served
    from the one query that reads the caller and its session's revocation."""
    tokens = login(client, "coordinator.a@example.org").get_json()
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        me = client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert me.status_code == 200
    assert me.get_json()["email"] == "coordinator.a@example.org"
    assert me.get_json()["organisation"]["id"] == str(world.a.hub.id)
    assert len(statements) == 1, statements


def test_logout_deactivation_and_a_revoked_app_each_stop_the_very_next_request(
    client, session, world, auth_headers
):
    person = login(client, "school_staff.a@example.org").get_json()["access_token"]
    assert client.get("/api/v1/me", headers=bearer(person)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=bearer(person)).status_code == 204
    assert_unauthorized(client.get("/api/v1/me", headers=bearer(person)), "revoked")

    staff = world.a.users[Role.EMPLOYER_STAFF]
    headers = auth_headers(staff)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    staff.is_active = False
    session.commit()
    assert_unauthorized(client.get("/api/v1/me", headers=headers), "no longer active")

    partner = factories.api_client(session, world.a.school.id, scopes=["schools:read"])
    session.commit()
    credentials = {
        "grant_type": "client_credentials",
        "client_id": partner.client_id,
        "client_secret": factories.CLIENT_SECRET,
    }
    token = client.post("/api/v1/auth/token", json=credentials).get_json()["access_token"]
    assert client.get("/api/v1/schools", headers=bearer(token)).status_code == 200
    partner.revoked_at = utcnow()
    session.commit()
    assert_unauthorized(client.get("/api/v1/schools", headers=bearer(token)), "no longer active")


def test_rate_limiting_can_be_switched_off_for_benchmarks(database_url, world, auth_headers):
    config = app_config(database_url, RATELIMIT_DEFAULT="1 per minute", RATELIMIT_ENABLED=False)
    client = create_app(config).test_client()
    headers = auth_headers(world.a.users[Role.COORDINATOR])

    answers = [client.get("/api/v1/me", headers=headers) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert "X-RateLimit-Limit" not in answers[0].headers
