"""Client credentials to RFC 6749 (§4.4, §2.3.1, §5), tried with an OAuth client library
(authlib) unmodified, against a real server on 127.0.0.1; and a partner app's who-am-I."""

import base64
import threading
from urllib.parse import quote_plus

import pytest
from authlib.integrations.requests_client import OAuth2Session
from werkzeug.serving import make_server

from models.users import Role
from tests import factories

TOKEN = "/api/v1/auth/token"
SCOPES = ["bookings:read", "events:read", "schools:read"]


@pytest.fixture
def partner(session, world):
    made = factories.api_client(session, world.a.school.id, SCOPES)
    session.commit()
    return made


@pytest.fixture
def server(app):
    """The app served over real HTTP on 127.0.0.1 (a client library speaks to a socket)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_an_oauth_client_library_fetches_a_token_unmodified(server, partner, method):
    oauth = OAuth2Session(
        partner.client_id, factories.CLIENT_SECRET, token_endpoint_auth_method=method
    )
    token = oauth.fetch_token(f"{server}{TOKEN}", grant_type="client_credentials")

    assert token["token_type"] == "Bearer" and token["expires_in"] <= 600
    assert token["scope"] == " ".join(SCOPES)
    me = oauth.get(f"{server}/api/v1/auth/client")
    assert me.status_code == 200
    assert me.json()["client_id"] == partner.client_id
    assert me.json()["granted_scopes"] == SCOPES


def test_a_narrowed_scope_limits_what_the_token_may_do(server, partner, world):
    oauth = OAuth2Session(partner.client_id, factories.CLIENT_SECRET, scope="schools:read")
    token = oauth.fetch_token(f"{server}{TOKEN}", grant_type="client_credentials")

    assert token["scope"] == "schools:read"
    assert oauth.get(f"{server}/api/v1/schools").status_code == 200
    assert oauth.get(f"{server}/api/v1/events").status_code == 403  # granted, not in token
    me = oauth.get(f"{server}/api/v1/auth/client").json()
    assert me["token_scopes"] == ["schools:read"] and me["granted_scopes"] == SCOPES
    assert me["organisation_id"] == str(world.a.school.id)


def form(client, data, headers=None):
    return client.post(TOKEN, data=data, headers=headers or {})


def basic(client_id, secret):
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def test_the_token_response_is_rfc_6749_section_5_1(client, partner):
    response = form(
        client,
        {"grant_type": "client_credentials", "scope": "events:read bookings:read"},
        basic(partner.client_id, factories.CLIENT_SECRET),
    )
    assert response.status_code == 200
    assert set(response.get_json()) == {"access_token", "token_type", "expires_in", "scope"}
    assert response.get_json()["scope"] == "bookings:read events:read"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_errors_are_rfc_6749_section_5_2(client, partner):
    good = {"client_id": partner.client_id, "client_secret": factories.CLIENT_SECRET}
    cases = [
        (form(client, {"grant_type": "client_credentials"}), 401, "invalid_client"),
        (
            form(client, {"grant_type": "client_credentials", **good, "client_secret": "no"}),
            401,
            "invalid_client",
        ),
        (
            form(client, {"grant_type": "password", **good}),
            400,
            "unsupported_grant_type",
        ),
        (form(client, good), 400, "invalid_request"),
        (
            form(client, {"grant_type": "client_credentials", **good, "scope": "pupils:read"}),
            400,
            "invalid_scope",
        ),
        (
            form(
                client,
                {"grant_type": "client_credentials", **good},
                basic(partner.client_id, factories.CLIENT_SECRET),
            ),
            400,
            "invalid_request",  # two ways of authenticating
        ),
        (
            form(client, {"grant_type": "client_credentials"}, {"Authorization": "Basic !!"}),
            401,
            "invalid_client",
        ),
        (client.post(TOKEN), 400, "invalid_request"),
    ]
    for response, status, error in cases:
        assert (response.status_code, response.get_json()["error"]) == (status, error)
        assert response.content_type == "application/json"
        assert response.get_json()["error_description"]
        if error == "invalid_client":
            assert response.headers["WWW-Authenticate"] == 'Basic realm="engage"'


def test_other_media_types_are_415(client):
    response = client.post(TOKEN, data="grant_type=client_credentials", content_type="text/plain")
    assert response.status_code == 415


def test_json_bodies_still_work(client, partner):
    response = client.post(
        TOKEN,
        json={
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": factories.CLIENT_SECRET,
        },
    )
    assert response.status_code == 200


def test_who_am_i_is_for_partner_apps_only(client, world, auth_headers):
    response = client.get(
        "/api/v1/auth/client", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    )
    assert response.status_code == 403
