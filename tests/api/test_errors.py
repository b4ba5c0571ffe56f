"""Every error path answers RFC 9457 problem+json, and every response carries our headers."""

import importlib
import logging
import pkgutil
import re

import pytest

import services
from api import problems
from api.app import create_app
from api.security import InsufficientScope
from models.users import Role
from services.errors import DomainError
from tests import factories
from tests.conftest import app_config

PROBLEM_JSON = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "request_id"}
# A public JSON POST endpoint, so the body-validation paths run through the real handlers.
JSON_ENDPOINT = "/api/v1/auth/login"
VALID_BODY = {"email": "nobody@school.example", "password": "correct horse battery staple"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.content_type == PROBLEM_JSON
    body = response.get_json()
    assert PROBLEM_FIELDS <= body.keys()
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_a_well_formed_body_gets_past_validation(client):
    # Unknown credentials: the body was read and checked, then refused as a login.
    response = client.post(JSON_ENDPOINT, json=VALID_BODY)
    assert_problem(response, 401)


def test_unknown_route_is_a_404_problem(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert (body["type"], body["title"]) == ("/problems/not-found", "Not found")


def test_wrong_method_is_a_405_problem_that_keeps_the_allow_header(client):
    response = client.delete("/healthz")
    body = assert_problem(response, 405)
    assert (body["type"], body["title"]) == ("/problems/method-not-allowed", "Method not allowed")
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD", "OPTIONS"} <= allowed
    assert "DELETE" not in allowed


def test_malformed_json_is_a_400_problem(client):
    response = client.post(
        JSON_ENDPOINT, data='{"email": "a@b.example",', content_type="application/json"
    )
    body = assert_problem(response, 400)
    assert (body["type"], body["title"]) == ("/problems/malformed-request", "Malformed request")
    assert body["detail"] == "Invalid JSON body."


def test_invalid_fields_are_a_422_problem_with_field_errors(client):
    response = client.post(JSON_ENDPOINT, json={"email": "not-an-email", "role": "admin"})
    body = assert_problem(response, 422)
    assert (body["type"], body["title"]) == ("/problems/invalid-input", "Invalid input")
    errors = body["errors"]
    assert set(errors) == {"email", "password", "role"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert errors["password"] == ["Missing data for required field."]
    assert errors["role"] == ["Unknown field."]


def test_a_body_in_another_media_type_is_a_415_problem(client):
    response = client.post(JSON_ENDPOINT, data="email=a@b.example", content_type="text/plain")
    body = assert_problem(response, 415)
    assert body["type"] == "/problems/unsupported-media-type"
    assert "application/json" in body["detail"]
    assert "text/plain" in body["detail"]


def test_a_json_suffix_media_type_is_accepted(client):
    response = client.post(
        JSON_ENDPOINT,
        data='{"email": "a@b.example", "password": "x"}',
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 401


def test_a_body_over_max_content_length_is_a_413_problem(database_url):
    app = create_app(app_config(database_url, MAX_CONTENT_LENGTH=64))
    oversized = {**VALID_BODY, "password": "x" * 200}
    response = app.test_client().post(JSON_ENDPOINT, json=oversized)
    body = assert_problem(response, 413)
    assert (body["type"], body["title"]) == ("/problems/content-too-large", "Content too large")


def test_a_body_within_max_content_length_is_accepted(database_url):
    app = create_app(app_config(database_url, MAX_CONTENT_LENGTH=256))
    response = app.test_client().post(JSON_ENDPOINT, json=VALID_BODY)
    assert response.status_code == 401


def test_an_unhandled_exception_is_a_500_problem_without_internals(database_url, caplog):
    app = create_app(app_config(database_url))  # its own: a served app takes no new routes

    def explode():
        raise RuntimeError("password=hunter2 in /srv/engage/secret.py")

    app.add_url_rule("/test/explode", "explode", explode)
    with caplog.at_level(logging.ERROR, logger="api.errors"):
        response = app.test_client().get("/test/explode")
    body = assert_problem(response, 500)
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "secret.py" not in text and "RuntimeError" not in text
    assert (body["type"], body["title"]) == ("/problems/internal-error", "Internal error")
    [record] = [r for r in caplog.records if r.name == "api.errors"]
    assert body["request_id"] in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_a_safe_incoming_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21.retry_2"})
    assert response.headers["X-Request-ID"] == "lb-7f3a9c21.retry_2"


UNSAFE_REQUEST_IDS = ["short", "has spaces in it", "<script>alert(1)</script>", "x" * 65]


@pytest.mark.parametrize("unsafe", UNSAFE_REQUEST_IDS)
def test_an_unsafe_incoming_request_id_is_replaced(client, unsafe):
    response = client.get("/healthz", headers={"X-Request-ID": unsafe})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_each_request_without_an_id_gets_a_fresh_one(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second
    assert re.fullmatch(r"[0-9a-f]{32}", first)


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/openapi.json", "/no-such-route"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Request-ID"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_error_responses_carry_the_security_headers(client):
    response = client.post(JSON_ENDPOINT, json={})
    assert response.status_code == 422
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"]
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/healthz", "/no-such-route"])
def test_a_request_with_credentials_is_never_cached(client, path):
    response = client.get(path, headers={"Authorization": "Bearer some.jwt.token"})
    assert response.headers["Cache-Control"] == "no-store"


def test_a_nul_character_in_a_body_field_is_a_422_problem_naming_the_field(client):
    # PostgreSQL text cannot hold U+0000; left to the database it would be a 500.
    body = {**VALID_BODY, "email": "leader\u0000@school.example"}
    problem = assert_problem(client.post(JSON_ENDPOINT, json=body), 422)
    assert problem["errors"] == {"email": ["May not contain the NUL character (U+0000)."]}


def test_a_nul_character_in_a_nested_body_field_is_named_by_its_path(client):
    body = {**VALID_BODY, "profile": {"tags": ["ok", "bad\u0000"]}}
    problem = assert_problem(client.post(JSON_ENDPOINT, json=body), 422)
    assert set(problem["errors"]) == {"profile.tags.1"}


def test_a_nul_character_in_the_query_string_is_a_422_problem(client):
    problem = assert_problem(client.get("/healthz?name=a%00b"), 422)
    assert set(problem["errors"]) == {"name"}


def _domain_errors():
    for module in pkgutil.iter_modules(services.__path__):
        importlib.import_module(f"services.{module.name}")
    found, pending = set(), [DomainError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_problem_code_is_in_the_table_and_in_the_openapi_document(client):
    codes = {cls.code for cls in _domain_errors() - {DomainError}}
    codes |= {InsufficientScope.problem_code, *problems.STATUS_CODES.values()}
    assert sorted(codes - set(problems.PROBLEM_TYPES)) == []
    spec = client.get("/api/v1/openapi.json").get_json()
    problem_type = spec["components"]["schemas"]["Problem"]["properties"]["type"]
    assert problem_type["pattern"] == problems.TYPE_PATTERN
    for code, (title, _) in problems.PROBLEM_TYPES.items():
        assert f"`/problems/{code}` ({title})" in problem_type["description"]


def test_a_missing_or_stale_if_match_is_a_documented_problem(client, session, auth_headers):
    world = factories.world(session)
    session.commit()
    headers = auth_headers(world.caller(Role.ADMIN))
    path = f"/api/v1/hubs/{world.a.hub.id}"
    missing = client.patch(path, json={"name": "Renamed"}, headers=headers)
    body = assert_problem(missing, 428)
    assert (body["type"], body["title"]) == (
        "/problems/precondition-required",
        "Precondition required",
    )
    stale = client.patch(path, json={"name": "Renamed"}, headers={**headers, "If-Match": '"0"'})
    body = assert_problem(stale, 412)
    assert (body["type"], body["title"]) == ("/problems/precondition-failed", "Precondition failed")


def test_a_domain_error_titles_come_from_the_table_not_its_class_name(
    client, session, auth_headers
):
    world = factories.world(session)
    session.commit()
    headers = auth_headers(world.caller(Role.ADMIN))
    path = f"/api/v1/hubs/{world.a.hub.id}/adviser-pairings/{world.a.hub.id}"
    body = assert_problem(client.get(path, headers=headers), 404)
    assert (body["type"], body["title"]) == ("/problems/not-found", "Not found")
    assert body["detail"] == "No such adviser pairing plan."
