"""Partner apps: registration, the client-credentials exchange, scopes and revocation."""

import uuid

import jwt as pyjwt

from models.auth import ApiClient
from models.users import Role
from tests.conftest import TEST_SECRETS

TOKEN = "/api/v1/auth/token"


def register(client, headers, scopes=("schools:read", "hubs:read")):
    return client.post(
        "/api/v1/api-clients", headers=headers, json={"name": "MIS", "scopes": list(scopes)}
    )


def exchange(client, client_id, secret):
    body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return client.post(TOKEN, json=body)


def partner_headers(client, registered) -> dict[str, str]:
    response = exchange(client, registered["client"]["client_id"], registered["secret"])
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_an_org_admin_registers_a_client_whose_secret_is_shown_once(
    client, session, world, auth_headers
):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    response = register(client, headers)

    assert response.status_code == 201
    registered = response.get_json()
    assert registered["client"]["organisation_id"] == str(world.a.school.id)
    assert registered["client"]["scopes"] == ["hubs:read", "schools:read"]
    listed = client.get("/api/v1/api-clients", headers=headers).get_json()
    assert [c["id"] for c in listed] == [registered["client"]["id"]]
    assert "secret" not in listed[0]
    stored = session.get(ApiClient, uuid.UUID(registered["client"]["id"]))
    assert registered["secret"] not in (stored.secret_digest, stored.client_id)
    assert len(stored.secret_digest) == 64


def test_the_exchange_gives_a_short_lived_token_for_the_organisation_and_scopes(
    client, world, auth_headers
):
    registered = register(client, auth_headers(world.a.users[Role.SCHOOL_STAFF])).get_json()

    response = exchange(client, registered["client"]["client_id"], registered["secret"])

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] <= 15 * 60
    assert body["scope"] == "hubs:read schools:read"
    claims = pyjwt.decode(
        body["access_token"], TEST_SECRETS["JWT_SECRET_KEY"], algorithms=["HS256"]
    )
    assert claims["exp"] - claims["iat"] <= 15 * 60
    assert claims["org"] == str(world.a.school.id)


def test_wrong_secret_or_unknown_client_is_401(client, world, auth_headers):
    registered = register(client, auth_headers(world.a.users[Role.SCHOOL_STAFF])).get_json()
    for client_id, secret in [
        (registered["client"]["client_id"], "not the secret"),
        ("eng_unknown", registered["secret"]),
    ]:
        response = exchange(client, client_id, secret)
        assert response.status_code == 401
        assert response.get_json()["error"] == "invalid_client"  # RFC 6749 §5.2
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_scopes_are_enforced_per_operation(client, world, auth_headers):
    registered = register(
        client, auth_headers(world.a.users[Role.SCHOOL_STAFF]), ["schools:read"]
    ).get_json()
    headers = partner_headers(client, registered)

    assert client.get("/api/v1/schools", headers=headers).status_code == 200
    refused = client.get("/api/v1/hubs", headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["type"] == "/problems/insufficient-scope"
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert 'scope="hubs:read"' in refused.headers["WWW-Authenticate"]


def test_people_only_operations_refuse_partner_tokens(client, world, auth_headers):
    registered = register(client, auth_headers(world.a.users[Role.SCHOOL_STAFF])).get_json()
    headers = partner_headers(client, registered)

    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/api-clients"),
        ("GET", "/api/v1/audit-log"),
    ]:
        assert client.open(path, method=method, headers=headers).status_code == 403, path


def test_a_client_acts_only_for_its_own_organisation(client, world, auth_headers):
    registered = register(client, auth_headers(world.a.users[Role.SCHOOL_STAFF])).get_json()
    headers = partner_headers(client, registered)

    assert client.get(f"/api/v1/hubs/{world.a.hub.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/hubs/{world.b.hub.id}", headers=headers).status_code == 404
    hubs = client.get("/api/v1/hubs", headers=headers).get_json()
    assert [h["id"] for h in hubs] == [str(world.a.hub.id)]


def test_revoking_a_client_stops_its_tokens_and_its_next_exchange(client, world, auth_headers):
    admin_headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    registered = register(client, admin_headers).get_json()
    headers = partner_headers(client, registered)

    revoked = client.delete(
        f"/api/v1/api-clients/{registered['client']['id']}", headers=admin_headers
    )

    assert revoked.status_code == 204
    assert client.get("/api/v1/schools", headers=headers).status_code == 401
    assert (
        exchange(client, registered["client"]["client_id"], registered["secret"]).status_code == 401
    )


def test_unknown_scopes_and_server_owned_fields_are_refused(client, session, world, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    unknown = register(client, headers, ["schools:read", "everything:write"])
    smuggled = client.post(
        "/api/v1/api-clients",
        headers=headers,
        json={"name": "MIS", "scopes": ["schools:read"], "organisation_id": str(world.b.school.id)},
    )

    assert unknown.status_code == 422
    assert smuggled.status_code == 422
    assert "organisation_id" in smuggled.get_json()["errors"]
    assert session.query(ApiClient).count() == 0


def test_members_who_are_not_org_admins_cannot_register_clients(client, world, auth_headers):
    assert register(client, auth_headers(world.a.users[Role.VOLUNTEER])).status_code == 403
