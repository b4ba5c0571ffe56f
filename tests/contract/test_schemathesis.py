"""Schemathesis fuzzes every operation of the committed spec against the app, in-process.

It fails on any 5xx and on any response the spec does not describe: an undocumented
status code, content type or header, or a body that breaks its schema.
"""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.extensions import db
from services import reference_data
from tests import factories
from tests.conftest import kept_for_module

TESTS = Path(__file__).resolve().parents[1]
SPEC = TESTS.parent / "openapi" / "openapi.json"
POSTCODE_SAMPLE_DIR = TESTS / "fixtures"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

schema = schemathesis.openapi.from_path(SPEC)
# U+0000 is refused up front in api/http.py (tested in tests/api/test_errors.py); the spec
# does not repeat that on every string field, so generating it would only report 422s.
schema.config.generation.update(allow_x00=False)

# Schema-valid input that the domain refuses with a documented 422: a string is not
# necessarily a known postcode, a live invitation token or the caller's current password.
DOMAIN_REFUSALS = {
    ("GET", "/api/v1/geocode"),
    ("POST", "/api/v1/employers"),
    ("POST", "/api/v1/providers"),
    ("POST", "/api/v1/invitations/accept"),
    ("POST", "/api/v1/auth/password"),
    ("POST", "/api/v1/auth/password-reset/confirm"),  # a live reset link's token
    # near=<postcode> must be a known postcode; CSV rows must be valid records.
    ("GET", "/api/v1/schools"),
    ("GET", "/api/v1/employers"),
    ("GET", "/api/v1/volunteers"),
    ("GET", "/api/v1/providers"),
    ("POST", "/api/v1/schools/import"),
    ("POST", "/api/v1/employers/{employer_id}/volunteers/import"),
    ("POST", "/api/v1/employers/{employer_id}/journeys/import"),
    # min_count may not go below the server's configured floor (TUBE_MAP_MIN_COUNT).
    ("GET", "/api/v1/tube-map"),
    ("GET", "/api/v1/tube-map.svg"),
    ("GET", "/api/v1/journeys"),
    # A list's `after` must be a cursor the list handed out in a `next` link.
    ("GET", "/api/v1/audit-log"),
    # An admin names a real employer or school; a slot's date is not in the past; a booking's
    # year group is one the offer takes; `near` is a known postcode.
    ("POST", "/api/v1/offers"),
    ("POST", "/api/v1/offers/{offer_id}/slots"),
    ("GET", "/api/v1/slots"),
    ("POST", "/api/v1/bookings"),
    ("POST", "/api/v1/slots/{slot_id}/waitlist"),
    # An MIS export must be valid rows; a transferred record's checklist answers must be
    # items of its version; a school year like 2025-26 must be consecutive years; an
    # encounter's partner must fit its benchmark.
    ("POST", "/api/v1/schools/{school_id}/pupils/import"),
    ("POST", "/api/v1/schools/{school_id}/pupils/transfer"),
    ("POST", "/api/v1/schools/{school_id}/pupils/roll-over"),
    ("GET", "/api/v1/schools/{school_id}/benchmarks"),
    ("GET", "/api/v1/hubs/{hub_id}/report"),
    ("GET", "/api/v1/encounters"),
    ("POST", "/api/v1/encounters"),
    # A need's window must lie ahead and be ordered, Benchmark 6 means a workplace activity;
    # a schedule must fall in the need's window; only a plan's own pairs can be confirmed.
    ("POST", "/api/v1/needs"),
    ("POST", "/api/v1/matches/{match_id}/schedule"),
    ("POST", "/api/v1/hubs/{hub_id}/adviser-pairings/{plan_id}/confirm"),
    # The careers programme: a school year like 2025-26 must be consecutive years, answers
    # name criteria of Benchmarks 1, 2 and 4 (the ledger's are refused), a follow-up is
    # recorded once it is due, an activity is requested only by making a need of it, and
    # destination rows must be valid records.
    ("POST", "/api/v1/schools/{school_id}/programme"),
    ("GET", "/api/v1/schools/{school_id}/programme/{academic_year}"),
    ("PATCH", "/api/v1/schools/{school_id}/programme/{academic_year}"),
    ("POST", "/api/v1/schools/{school_id}/programme/{academic_year}/publish"),
    ("POST", "/api/v1/schools/{school_id}/programme/{academic_year}/roll-over"),
    ("GET", "/api/v1/schools/{school_id}/programme/{academic_year}/coverage"),
    ("GET", "/api/v1/schools/{school_id}/programme/{academic_year}/activities"),
    ("POST", "/api/v1/schools/{school_id}/programme/{academic_year}/activities"),
    ("PATCH", "/api/v1/programme-activities/{activity_id}"),
    ("POST", "/api/v1/programme-activities/{activity_id}/need"),
    ("POST", "/api/v1/schools/{school_id}/evaluations"),
    ("PATCH", "/api/v1/evaluations/{evaluation_id}"),
    ("GET", "/api/v1/hubs/{hub_id}/evaluations"),
    ("GET", "/api/v1/schools/{school_id}/destinations"),
    ("POST", "/api/v1/schools/{school_id}/destinations"),
    ("PATCH", "/api/v1/schools/{school_id}/destinations/{leaver_id}"),
    ("POST", "/api/v1/schools/{school_id}/destinations/import"),
    ("GET", "/api/v1/schools/{school_id}/destinations/summary"),
    ("GET", "/api/v1/schools/{school_id}/governors-report"),
    ("GET", "/api/v1/schools/{school_id}/governors-report.html"),
    ("GET", "/api/v1/schools/{school_id}/governors-report.pdf"),
    # A webhook URL must reach a public address (SSRF), which no schema can say.
    ("POST", "/api/v1/webhook-subscriptions"),
    ("PATCH", "/api/v1/webhook-subscriptions/{subscription_id}"),
}


def needs_current_etag(case) -> bool:
    """A generated If-Match is a stale tag, which is rightly refused with 412."""
    operation = schema.raw_schema["paths"][case.path].get(case.method.lower(), {})
    return any(p.get("$ref", "").endswith("/IF_MATCH") for p in operation.get("parameters", []))


def excluded_checks(case) -> list:
    refused = (case.method.upper(), case.path) in DOMAIN_REFUSALS or needs_current_etag(case)
    return [positive_data_acceptance] if refused else []


@schema.auth(refresh_interval=None)
class Credentials:
    """Signs generated requests in; Schemathesis still sends its own unsigned probes."""

    headers: dict[str, str] = {}

    def get(self, case, context):
        return self.headers

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), **data}


def load_geography(session) -> None:
    reference_data.load_outcodes(session, reference_data.DATA_DIR)
    reference_data.load_postcodes(session, POSTCODE_SAMPLE_DIR)


@pytest.fixture(scope="module")
def geography(shared_app):
    """The outcodes and sample postcodes, loaded once for all the operations (no API writes
    them) rather than 3,000 rows in and out for each."""
    with kept_for_module(shared_app, load_geography):
        yield


@pytest.fixture
def contract_app(geography, app):
    """The app on a database holding the geography, so the spec's examples find answers."""
    return app


@pytest.fixture
def contract_headers(contract_app, auth_headers) -> dict[str, str]:
    """Sent with every generated request: a platform admin's token reaches every route."""
    with contract_app.app_context():
        world = factories.world(db.session)
        db.session.commit()
        return auth_headers(world.platform_admin)


@pytest.fixture
def signed_in(contract_headers, monkeypatch):
    monkeypatch.setattr(Credentials, "headers", contract_headers)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_honours_its_contract(case, contract_app, signed_in):
    # Bound here, not at load time: the app (and its database) belongs to this test. Binding
    # the operation and schema keeps Schemathesis' own probes (auth, methods) in-process too.
    case.operation.app = case.operation.schema.app = contract_app
    case.call_and_validate(excluded_checks=excluded_checks(case))
