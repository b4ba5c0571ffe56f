"""The OpenAPI document shows who may call each operation: bearer auth and the scope it needs."""

import json
from pathlib import Path

from services.callers import SCOPES

SPEC = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
PUBLIC = {
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/invitations/accept"),
    ("get", "/api/v1/checklists/meaningful-encounter"),
    # Calendar apps fetch a feed by the unguessable token in its URL, without a login.
    ("get", "/api/v1/calendars/{token}.ics"),
    # The statutory publication is for the school's website; the criteria are public text.
    ("get", "/api/v1/schools/{school_id}/careers-programme"),
    ("get", "/api/v1/schools/{school_id}/careers-programme.html"),
    ("get", "/api/v1/evaluations/criteria"),
    # A forgotten password, and RFC 8058 one-click unsubscribe (by the token in the link).
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("post", "/api/v1/notifications/unsubscribe"),
}


def operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, operation


def test_the_bearer_scheme_is_declared_and_lists_the_scopes():
    scheme = SPEC["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    for scope in SCOPES:
        assert f"`{scope}`" in scheme["description"]


def test_public_operations_say_so_and_every_other_one_requires_a_bearer_token():
    for method, path, operation in operations():
        if (method, path) in PUBLIC:
            assert operation["security"] == [], (method, path)
            continue
        [requirement] = operation["security"]
        assert set(requirement) == {"bearerAuth"}, (method, path)
        assert set(requirement["bearerAuth"]) <= set(SCOPES), (method, path)
        assert {"401", "403"} <= set(operation["responses"]), (method, path)


def test_scoped_operations_name_the_scope_partner_apps_need():
    scoped = {
        (method, path): operation["security"][0]["bearerAuth"]
        for method, path, operation in operations()
        if operation.get("security")
    }
    assert scoped[("get", "/api/v1/hubs")] == ["hubs:read"]
    assert scoped[("get", "/api/v1/schools/{school_id}/pupils")] == ["pupils:read"]
    assert scoped[("get", "/api/v1/me")] == []  # people only
