"""Idempotency keys without HTTP: one claim per caller and key, replays with their headers,
refusals of another request, abandoned claims, releases and the 24-hour retention."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from models.base import utcnow
from models.idempotency import IdempotencyKey
from models.users import Role
from services import idempotency
from services.callers import Caller
from services.errors import InvalidInput

PRINT = idempotency.fingerprint("POST", "/api/v1/bookings", {"seats": 2})


def person(organisation_id=None) -> Caller:
    return Caller(Role.SCHOOL_STAFF, organisation_id or uuid.uuid4(), user_id=uuid.uuid4())


def partner_app(organisation_id) -> Caller:
    return Caller(
        Role.SCHOOL_STAFF, organisation_id, client_id=uuid.uuid4(), scopes=frozenset({"x"})
    )


def claimed(session, caller, key="k-1", request_fingerprint=PRINT, **kwargs):
    claim = idempotency.claim(
        session, caller, key=key, request_fingerprint=request_fingerprint, **kwargs
    )
    session.commit()
    return claim


def test_a_completed_claim_replays_its_status_body_and_headers(session):
    caller = person()
    first = claimed(session, caller)
    headers = {"Location": "/api/v1/bookings/1", "ETag": '"abc"'}
    idempotency.complete(session, first.key_id, status_code=201, body={"id": 1}, headers=headers)
    session.commit()

    replay = claimed(session, caller)

    assert not first.is_replay
    assert replay.is_replay
    assert (replay.status_code, replay.body, replay.headers) == (201, {"id": 1}, headers)


def test_a_reply_without_headers_or_body_replays_as_such(session):
    caller = person()
    first = claimed(session, caller)
    idempotency.complete(session, first.key_id, status_code=204, body=None)
    session.commit()

    replay = claimed(session, caller)

    assert (replay.status_code, replay.body, replay.headers) == (204, None, None)


def test_the_fingerprint_covers_method_path_query_and_body():
    prints = {
        idempotency.fingerprint("POST", "/a", {"x": 1}),
        idempotency.fingerprint("PUT", "/a", {"x": 1}),
        idempotency.fingerprint("POST", "/b", {"x": 1}),
        idempotency.fingerprint("POST", "/a", {"x": 2}),
        idempotency.fingerprint("POST", "/a", {"x": 1}, query=[("partial", "true")]),
    }
    same = idempotency.fingerprint("post", "/a", {"x": 1}, query=[])

    assert len(prints) == 5
    assert same == idempotency.fingerprint("POST", "/a", {"x": 1})


def test_the_same_key_for_another_request_is_refused(session):
    caller = person()
    claimed(session, caller)

    with pytest.raises(idempotency.KeyReused):
        claimed(session, caller, request_fingerprint=idempotency.fingerprint("POST", "/x", None))


def test_a_running_claim_refuses_a_duplicate_until_it_is_abandoned(session):
    caller = person()
    first = claimed(session, caller)

    with pytest.raises(idempotency.RequestInProgress):
        claimed(session, caller)
    later = utcnow() + idempotency.ABANDONED_AFTER + timedelta(seconds=1)
    taken_over = claimed(session, caller, now=later)

    assert taken_over.key_id == first.key_id
    assert not taken_over.is_replay


def test_a_released_claim_may_be_claimed_again(session):
    caller = person()
    first = claimed(session, caller)
    idempotency.release(session, first.key_id)
    session.commit()

    again = claimed(session, caller)

    assert not again.is_replay
    assert again.key_id != first.key_id


def test_a_completed_key_is_never_released(session):
    caller = person()
    first = claimed(session, caller)
    idempotency.complete(session, first.key_id, status_code=200, body={})
    idempotency.release(session, first.key_id)
    session.commit()

    assert claimed(session, caller).is_replay


def test_keys_are_scoped_to_a_person_or_a_partner_app(session):
    organisation = uuid.uuid4()
    people = [claimed(session, person(organisation)), claimed(session, person(organisation))]
    app = claimed(session, partner_app(organisation))

    assert len({people[0].key_id, people[1].key_id, app.key_id}) == 3
    scopes = set(session.scalars(select(IdempotencyKey.caller)))
    assert {scope.split(":")[0] for scope in scopes} == {"user", "client"}


@pytest.mark.parametrize("key", ["", " ", "tab\there", "x" * 256, "é"])
def test_a_malformed_key_is_invalid_input(session, key):
    with pytest.raises(InvalidInput) as refused:
        claimed(session, person(), key=key)
    assert "Idempotency-Key" in refused.value.errors


def test_old_keys_are_purged_after_24_hours_and_never_sooner(session):
    now = utcnow()
    for age in (timedelta(hours=1), timedelta(hours=23), timedelta(hours=25)):
        session.add(
            IdempotencyKey(
                caller="user:x",
                key=str(age),
                fingerprint="f",
                in_progress=False,
                created_at=now - age,
            )
        )
    session.flush()

    purged = idempotency.purge(session, now=now)

    assert purged == 1
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 2
    with pytest.raises(InvalidInput):
        idempotency.purge(session, now=now, older_than=timedelta(hours=1))


def test_a_claim_commits_without_waiting_for_the_disk_on_postgresql(session):
    """Its transaction only: the request's own commit, which makes the claim durable, waits."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no asynchronous commit: its claim is the plain insert")
    idempotency.claim(session, person(), key="k-s", request_fingerprint=PRINT)
    assert session.scalar(text("SHOW synchronous_commit")) == "off"
    session.commit()
    assert session.scalar(text("SHOW synchronous_commit")) == "on"
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
