"""The committed OpenAPI document is valid, current, warning-free and served by the app."""

import json
import re
import warnings
from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from api import smorest
from api.app import create_app
from models.users import Role
from tests.conftest import app_config

COMMITTED_SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
REGENERATE = "run `make openapi` and commit openapi/openapi.json"


@pytest.fixture(scope="module")
def spec_app(tmp_path_factory):
    # Generating the document never touches the database; a file that is never opened will do.
    url = f"sqlite:///{tmp_path_factory.mktemp('spec') / 'unused.db'}"
    return create_app(app_config(url))


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(COMMITTED_SPEC.read_bytes())


def generate_spec(app, target: Path) -> bytes:
    result = app.test_cli_runner().invoke(args=["openapi", "write", str(target)])
    assert result.exit_code == 0, result.output
    return target.read_bytes()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = spec["components"][section][name]
    return node


def test_the_committed_spec_is_what_the_code_generates(spec_app, tmp_path):
    generated = generate_spec(spec_app, tmp_path / "openapi.json")
    assert generated == COMMITTED_SPEC.read_bytes(), f"openapi.json is stale: {REGENERATE}"


def test_the_generated_spec_does_not_depend_on_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://example.org")
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "10")
    monkeypatch.setenv("ENGAGE_ENV", "development")
    app = create_app(app_config(f"sqlite:///{tmp_path / 'other.db'}", SERVER_NAME="api.example"))
    assert generate_spec(app, tmp_path / "openapi.json") == COMMITTED_SPEC.read_bytes()


def test_the_committed_spec_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_generating_the_spec_emits_no_apispec_or_smorest_warnings(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = create_app(app_config(f"sqlite:///{tmp_path / 'unused.db'}"))
        app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    ours = [w for w in caught if "apispec" in w.filename or "flask_smorest" in w.filename]
    assert not ours, [str(w.message) for w in ours]


def test_the_app_serves_the_committed_spec(client, spec):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == spec


def test_the_spec_covers_the_foundation_routes(spec):
    assert {"/healthz", "/readyz", "/api/v1/geocode"} <= spec["paths"].keys()


OAUTH_ERRORS = {("post", "/api/v1/auth/token", "400"), ("post", "/api/v1/auth/token", "401")}


def test_every_error_response_is_documented_as_a_problem(spec):
    checked = 0
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 400:
                continue
            content = resolve(spec, response)["content"]
            if (method, path, status) in OAUTH_ERRORS:  # RFC 6749 §5.2, for OAuth clients
                schema = resolve(spec, content["application/json"]["schema"])
                assert schema["required"] == ["error"]
                continue
            assert list(content) == [PROBLEM_JSON], f"{method.upper()} {path} {status}"
            schema = resolve(spec, content[PROBLEM_JSON]["schema"])
            assert {"type", "title", "status"} <= set(schema["required"])
            checked += 1
    assert checked >= 4


def test_every_operation_has_a_summary_and_a_success_response(spec):
    for path, method, operation in operations(spec):
        assert operation.get("summary"), f"{method.upper()} {path} has no summary"
        successes = [
            s for s in operation["responses"] if s not in ("default", "304") and int(s) < 400
        ]
        assert len(successes) == 1, f"{method.upper()} {path}: {successes}"


def _parameter(spec, path, name):
    [schema] = [p["schema"] for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
    return schema


def test_the_spec_is_as_strict_as_the_server(spec):
    schemas = spec["components"]["schemas"]
    within = _parameter(spec, "/api/v1/volunteers", "within_km")
    day = schemas["OfferCreate"]["properties"]["day_length_hours"]
    assert (within["exclusiveMinimum"], "minimum" in within) == (0, False)
    assert (day["exclusiveMinimum"], "minimum" in day) == (0, False)
    # The keys of maps: year groups, pupil ids, checklist items.
    head_counts = schemas["EncounterCreate"]["properties"]["head_counts"]["propertyNames"]
    assert head_counts["enum"] == [str(y) for y in range(7, 14)]
    reflections = schemas["AttendanceUpdate"]["properties"]["reflections"]["propertyNames"]
    assert reflections["format"] == "uuid"
    answers = schemas["ChecklistAnswers"]["properties"]["answers"]["propertyNames"]
    assert {"clear_purpose", "workplace_task"} <= set(answers["enum"])
    # Formats: wall-clock times, URIs, dates; and no NUL in any free text.
    assert schemas["SlotCreate"]["properties"]["starts_at"]["pattern"] == smorest.HH_MM
    assert schemas["SchoolUpdate"]["properties"]["careers_programme_url"]["format"] == "uri"
    assert schemas["Offer"]["properties"]["available_dates"]["items"]["format"] == "date"
    assert schemas["OfferCreate"]["properties"]["title"]["pattern"] == smorest.NO_NUL
    assert _parameter(spec, "/api/v1/volunteers", "q")["pattern"] == smorest.NO_NUL
    assert re.fullmatch(smorest.NO_NUL, "a\x00b") is None and re.fullmatch(smorest.NO_NUL, "ab")


def test_the_server_refuses_what_the_spec_excludes(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    zero_km = client.get("/api/v1/volunteers?near=LS1%204DY&within_km=0", headers=headers)
    nul = client.get("/api/v1/volunteers?q=a%00b", headers=headers)

    assert zero_km.status_code == 422 and "within_km" in zero_km.get_json()["errors"]
    assert nul.status_code == 422 and "q" in nul.get_json()["errors"]
