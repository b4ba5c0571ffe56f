"""`Idempotency-Key` through HTTP: on every unsafe operation a partner app may call, a retry
replays the first response (status, body, `Location`, `ETag`) and changes nothing."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.extensions import db
from api.idempotency import ViewCommitted, replayable
from models.audit import AuditEntry
from models.base import utcnow
from models.bookings import Slot
from models.idempotency import IdempotencyKey
from models.needs import Need
from models.outbox import OutboxEvent
from models.pupils import Pupil
from models.users import Role
from services.idempotency import fingerprint
from tests import factories
from tests.conftest import app_config

BOOKINGS = "/api/v1/bookings"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
MIS_HEADER = "reference,year_group,disadvantaged,send,considering_higher_education\n"


def booking_body(slot, seats=2):
    return {"slot_id": str(slot.id), "seats": seats, "year_group": 10, "staff_lead_name": "Ms A"}


def school_headers(world, auth_headers, key=None):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    return {**headers, "Idempotency-Key": key} if key else headers


def partner_headers(client, session, organisation_id, scopes, key):
    registered = factories.api_client(session, organisation_id, scopes)
    session.commit()
    answer = client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": registered.client_id,
            "client_secret": factories.CLIENT_SECRET,
        },
    )
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}", "Idempotency-Key": key}


def count(session, model, *criteria) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*criteria))


def booked(session, slot) -> int:
    session.expire_all()
    return session.get(Slot, slot.id).booked


# --- the seam covers every partner write, and says so in the contract --------------------


def partner_writes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods & UNSAFE):
            handler = (
                getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
            )
            policy = getattr(handler, "access_policy", None)
            if policy is not None and (policy.scope is not None or policy.partners):
                yield method, rule.rule, handler


def test_every_unsafe_operation_a_partner_app_may_call_takes_a_key():
    app = create_app(app_config("sqlite://"))
    writes = list(partner_writes(app))
    spec = json.loads(SPEC.read_bytes())

    def documented(method, rule):
        path = rule.replace("<uuid:", "{").replace("<string:", "{").replace(">", "}")
        operation = spec["paths"][path][method.lower()]
        return any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))

    assert len(writes) > 80  # bookings, needs, matches, offers, pupils, webhooks, …
    assert [(m, r) for m, r, handler in writes if not getattr(handler, "idempotent", False)] == []
    assert [(m, r) for m, r, _ in writes if not documented(m, r)] == []


def test_a_view_that_commits_itself_is_refused(app):
    """Its work could commit without its stored answer, so the seam refuses it loudly."""

    def committing_view():
        db.session.commit()

    with app.test_request_context("/", method="POST"), pytest.raises(ViewCommitted):
        replayable(committing_view)()


# --- replays --------------------------------------------------------------------------


def test_a_retried_create_replays_status_body_location_and_etag(
    client, session, world, auth_headers
):
    headers = school_headers(world, auth_headers, "order-42")
    body = booking_body(world.a.slot, 3)

    first = client.post(BOOKINGS, headers=headers, json=body)
    retry = client.post(BOOKINGS, headers=headers, json=body)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert first.headers["Location"].endswith(f"{BOOKINGS}/{first.get_json()['id']}")
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert booked(session, world.a.slot) == 5
    assert count(session, OutboxEvent, OutboxEvent.type == "booking.requested") == 1


def test_a_partner_app_retries_an_update_and_gets_the_same_answer(client, session, world):
    need = factories.need(session, world.a.school)
    session.commit()
    headers = partner_headers(
        client, session, world.a.school.id, ["needs:read", "needs:write"], "edit-1"
    )
    url = f"/api/v1/needs/{need.id}"
    etag = client.get(url, headers=headers).headers["ETag"]

    first = client.patch(url, headers={**headers, "If-Match": etag}, json={"pupils": 45})
    retry = client.patch(url, headers={**headers, "If-Match": etag}, json={"pupils": 45})

    assert first.status_code == retry.status_code == 200, first.get_json()
    assert retry.get_json() == first.get_json()
    assert retry.headers["ETag"] == first.headers["ETag"] != etag
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count(session, AuditEntry, AuditEntry.action == "need.updated") == 1


def test_a_retried_delete_replays_an_empty_204(client, session, world):
    subscription = factories.webhook_subscription(
        session, world.a.employer, "https://hooks.example.org/engage"
    )
    session.commit()
    headers = partner_headers(client, session, world.a.employer.id, ["webhooks:write"], "del-1")
    url = f"/api/v1/webhook-subscriptions/{subscription.id}"

    first = client.delete(url, headers=headers)
    retry = client.delete(url, headers=headers)
    without_key = client.delete(url, headers={"Authorization": headers["Authorization"]})

    assert first.status_code == retry.status_code == 204
    assert retry.data == b""
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert without_key.status_code == 404


def test_a_csv_upload_is_compared_byte_for_byte_and_with_its_query(
    client, session, world, auth_headers
):
    headers = school_headers(world, auth_headers, "mis-nightly")
    url = f"/api/v1/schools/{world.a.school.id}/pupils/import"
    csv_text = MIS_HEADER + "P1,9,0,0,0\nP2,Y10,1,0,0\n"

    def upload(text, query=""):
        return client.post(url + query, headers=headers, data=text, content_type="text/csv")

    first, retry = upload(csv_text), upload(csv_text)
    other_file = upload(csv_text + "P3,9,0,0,0\n")
    other_query = upload(csv_text, "?confirm_leavers=true")

    assert first.status_code == retry.status_code == 200, first.get_json()
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert other_file.status_code == other_query.status_code == 422
    assert other_file.get_json()["type"] == "/problems/idempotency-key-reused"
    assert other_query.get_json()["type"] == "/problems/idempotency-key-reused"
    assert count(session, Pupil, Pupil.school_id == world.a.school.id) == 2


def test_a_transition_replays_instead_of_failing_as_already_done(
    client, session, world, auth_headers
):
    headers = school_headers(world, auth_headers, "cancel-1")
    url = f"{BOOKINGS}/{world.a.booking.id}/cancel"

    first = client.post(url, headers=headers, json={"reason": "Snow"})
    retry = client.post(url, headers=headers, json={"reason": "Snow"})
    without_key = client.post(
        url, headers=school_headers(world, auth_headers), json={"reason": "Snow"}
    )

    assert first.status_code == retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert without_key.status_code == 409
    assert count(session, OutboxEvent, OutboxEvent.type == "booking.cancelled") == 1


# --- refusals -------------------------------------------------------------------------


def test_the_same_key_with_another_body_is_422(client, session, world, auth_headers):
    headers = school_headers(world, auth_headers, "order-43")
    client.post(BOOKINGS, headers=headers, json=booking_body(world.a.slot, 1))

    reused = client.post(BOOKINGS, headers=headers, json=booking_body(world.a.slot, 2))

    assert reused.status_code == 422
    assert reused.get_json()["type"] == "/problems/idempotency-key-reused"
    assert booked(session, world.a.slot) == 3


def test_a_duplicate_while_the_first_is_running_is_409(client, session, world, auth_headers):
    user = world.a.users[Role.SCHOOL_STAFF]
    body = booking_body(world.a.slot, 1)
    session.add(
        IdempotencyKey(
            caller=f"user:{user.id}",
            key="order-44",
            fingerprint=fingerprint("POST", BOOKINGS, body),
            in_progress=True,
        )
    )
    session.commit()

    response = client.post(
        BOOKINGS, headers=school_headers(world, auth_headers, "order-44"), json=body
    )

    assert response.status_code == 409
    assert response.get_json()["type"] == "/problems/idempotency-key-in-progress"
    assert booked(session, world.a.slot) == 2


def test_a_claim_abandoned_by_a_dead_process_is_taken_over(client, session, world, auth_headers):
    user = world.a.users[Role.SCHOOL_STAFF]
    body = booking_body(world.a.slot, 1)
    session.add(
        IdempotencyKey(
            caller=f"user:{user.id}",
            key="order-46",
            fingerprint=fingerprint("POST", BOOKINGS, body),
            in_progress=True,
            created_at=utcnow() - timedelta(minutes=6),
        )
    )
    session.commit()

    response = client.post(
        BOOKINGS, headers=school_headers(world, auth_headers, "order-46"), json=body
    )

    assert response.status_code == 201
    assert booked(session, world.a.slot) == 3


def test_keys_belong_to_their_caller(client, session, world, auth_headers):
    body = {**booking_body(world.a.slot, 1), "school_id": str(world.a.school.id)}
    mine = school_headers(world, auth_headers, "shared-key")
    theirs = {**auth_headers(world.platform_admin), "Idempotency-Key": "shared-key"}

    first = client.post(BOOKINGS, headers=mine, json=body)
    second = client.post(BOOKINGS, headers=theirs, json=body)

    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]
    assert "Idempotent-Replayed" not in second.headers


def test_a_failed_request_releases_its_key_for_a_retry(client, session, world, auth_headers):
    headers = school_headers(world, auth_headers, "order-45")
    body = booking_body(world.a.slot, 9)

    full = client.post(BOOKINGS, headers=headers, json=body)
    client.post(
        f"{BOOKINGS}/{world.a.booking.id}/cancel",
        headers=school_headers(world, auth_headers),
        json={"reason": "Make room"},
    )
    retried = client.post(BOOKINGS, headers=headers, json=body)

    assert full.status_code == 409
    assert retried.status_code == 201
    assert booked(session, world.a.slot) == 9


def test_a_refused_body_stores_nothing_and_keeps_the_key_free(client, session, world, auth_headers):
    headers = school_headers(world, auth_headers, "need-1")
    bad = client.post("/api/v1/needs", headers=headers, json={"title": ""})

    assert bad.status_code == 422
    assert count(session, IdempotencyKey) == 0
    assert count(session, Need) == 0


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "café"])
def test_a_malformed_key_is_422_and_books_nothing(client, session, world, auth_headers, key):
    headers = {**school_headers(world, auth_headers), "Idempotency-Key": key}
    response = client.post(BOOKINGS, headers=headers, json=booking_body(world.a.slot, 1))
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert booked(session, world.a.slot) == 2


def test_the_cli_purges_keys_older_than_a_day(app, session, world):
    session.add_all(
        IdempotencyKey(caller="user:x", key=k, fingerprint="f", in_progress=False, created_at=at)
        for k, at in [("old", utcnow() - timedelta(hours=30)), ("new", utcnow())]
    )
    session.commit()

    result = app.test_cli_runner().invoke(args=["idempotency", "purge"])
    too_soon = app.test_cli_runner().invoke(
        args=["idempotency", "purge", "--older-than-hours", "2"]
    )

    assert result.exit_code == 0, result.output
    assert "1 idempotency keys" in result.output
    assert too_soon.exit_code != 0
    session.expire_all()
    assert [k.key for k in session.scalars(select(IdempotencyKey))] == ["new"]
