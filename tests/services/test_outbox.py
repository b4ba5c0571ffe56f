"""The one outbox: events commit (or vanish) with their change, carry their audience, and
are read in one total order after a cursor, never missing one that commits late."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.outbox import OutboxAudience, OutboxEvent
from models.users import Role
from services import bookings, outbox
from services.callers import Caller
from services.errors import InvalidInput
from services.outbox import START, Cursor


def school_caller(world) -> Caller:
    user = world.a.users[Role.SCHOOL_STAFF]
    return Caller(role=user.role, organisation_id=user.organisation_id, user_id=user.id)


def test_a_change_and_its_event_commit_together_and_roll_back_together(session, world):
    booking = world.a.booking
    bookings.cancel(session, school_caller(world), booking.id, reason="Trip cancelled")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0

    bookings.cancel(session, school_caller(world), booking.id, reason="Trip cancelled")
    session.commit()
    (event,) = outbox.read(session)
    assert event.type == "booking.cancelled"
    assert event.data["booking_id"] == str(booking.id)


def test_an_event_goes_to_the_organisations_that_may_see_its_object(session, world):
    bookings.cancel(session, school_caller(world), world.a.booking.id, reason="No coach")
    session.commit()
    (event,) = outbox.read(session)
    side = world.a
    expected = {side.school.id, side.employer.id, side.hub.id}  # the hub follows its schools
    assert {row.organisation_id for row in event.audience} == expected
    assert set(event.organisation_ids) == {str(i) for i in expected}
    assert outbox.read(session, organisation_id=side.school.id) == [event]
    assert outbox.read(session, organisation_id=world.b.school.id) == []
    assert outbox.read(session, organisation_id=world.b.employer.id) == []


def test_an_events_audience_has_the_schools_hub_as_the_session_holds_it(session, world):
    side, moved_to = world.a, world.b.hub
    school_id, employer_id, hub_id = side.school.id, side.employer.id, side.hub.id
    with session.no_autoflush:
        side.school.hub_id = moved_to.id  # not flushed: the session's view is the one to follow
        outbox.publish(session, "booking.confirmed", side.booking, {})
    session.expunge(side.school)  # the change is dropped; the school is read from its table
    outbox.publish(session, "booking.confirmed", side.booking, {})
    session.commit()

    audiences = [{row.organisation_id for row in e.audience} for e in outbox.read(session)]
    parties = {school_id, employer_id}
    assert audiences == [parties | {moved_to.id}, parties | {hub_id}]


def test_broadcast_events_reach_every_organisation(session, world):
    outbox.append(session, "offer.published", {"offer_id": "x"}, organisation_ids=None)
    session.commit()
    assert len(outbox.read(session, organisation_id=world.b.provider.id)) == 1


def test_append_returns_each_events_position_with_its_audience_written_once(session, world):
    ids = [world.a.school.id, world.b.school.id]
    broadcast = outbox.append(session, "offer.published", {}, organisation_ids=None)
    targeted = outbox.append(session, "booking.requested", {}, organisation_ids=ids * 2)
    session.commit()

    assert [e.position for e in outbox.read(session)] == [broadcast, targeted]
    audience = session.execute(
        select(OutboxAudience.event_position, OutboxAudience.organisation_id)
    )
    assert sorted(audience) == sorted((targeted, i) for i in ids)


def test_reading_after_a_cursor_pages_through_in_order_with_a_type_filter(session, world):
    ids = [world.a.school.id]
    for n in range(5):
        kind = "booking.confirmed" if n % 2 else "booking.requested"
        outbox.append(session, kind, {"n": n}, organisation_ids=ids)
    session.commit()

    first = outbox.read(session, limit=2)
    rest = outbox.read(session, after=Cursor.of(first[-1]))
    assert [e.data["n"] for e in first + rest] == [0, 1, 2, 3, 4]
    confirmed = outbox.read(session, types=["booking.confirmed"])
    assert [e.data["n"] for e in confirmed] == [1, 3]
    assert outbox.read(session, after=Cursor.of(rest[-1])) == []


def test_cursors_are_opaque_round_trips_and_garbage_is_invalid_input():
    cursor = Cursor(txid=123456, position=42)
    assert Cursor.decode(cursor.encode()) == cursor
    for garbage in ("", "not a cursor", "-1.2", "1.2.3", "1" * 19 + ".1", "%%%"):
        with pytest.raises(InvalidInput):
            Cursor.decode(garbage)


def test_undeclared_event_types_are_refused(session, world):
    with pytest.raises(ValueError):
        outbox.publish(session, "booking.teleported", world.a.booking, {})


def test_an_event_committing_late_with_a_lower_position_is_not_missed(session, world):
    """Two PostgreSQL writers: the reader waits for the older transaction, so the one that
    commits first cannot be handed out ahead of an event that would sort before it."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("needs concurrent writers: SQLite's single writer commits in order")
    ids = [world.a.school.id]
    engine = session.get_bind()
    with Session(engine) as older, Session(engine) as younger:
        older.execute(select(func.txid_current()))  # the older transaction starts writing
        younger.execute(select(func.txid_current()))
        outbox.append(younger, "booking.requested", {"n": "younger"}, organisation_ids=ids)
        younger.flush()  # takes the lower position
        outbox.append(older, "booking.requested", {"n": "older"}, organisation_ids=ids)
        older.flush()
        younger.commit()
        assert outbox.read(session) == []  # the older one may still commit: wait for it
        session.rollback()
        older.commit()
    handed = _read_once_settled(session, count=2)
    assert [e.data["n"] for e in handed] == ["older", "younger"]
    assert handed[0].position > handed[1].position  # order is by transaction, then position


def _read_once_settled(session, *, count: int, seconds: float = 5.0) -> list:
    """Read until `count` events are handed out (or `seconds` pass). The watermark errs
    early: a transaction of another database that ends between the reader's snapshot and
    its look at pg_stat_activity (another test worker's) holds events back for a moment."""
    deadline = time.monotonic() + seconds
    while len(events := outbox.read(session)) < count and time.monotonic() < deadline:
        session.rollback()
        time.sleep(0.05)
    return events


def test_a_consumer_takes_events_after_its_cursor_and_advances_it(session, world):
    ids = [world.a.school.id]
    for n in range(3):
        outbox.append(session, "booking.requested", {"n": n}, organisation_ids=ids)
    session.commit()

    cursor, events = outbox.take(session, consumer="email", limit=2)
    assert cursor == START and [e.data["n"] for e in events] == [0, 1]
    outbox.advance(session, consumer="email", to=Cursor.of(events[-1]))
    session.commit()
    _, events = outbox.take(session, consumer="email")
    assert [e.data["n"] for e in events] == [2]
    session.rollback()  # not advanced: the same events come again
    _, again = outbox.take(session, consumer="email")
    assert [e.data["n"] for e in again] == [2]
    _, others = outbox.take(session, consumer="webhooks")  # each consumer has its own
    assert len(others) == 3


def test_purge_keeps_thirty_days(session, world):
    now = utcnow()
    ids = [world.a.school.id]
    outbox.append(session, "booking.requested", {}, organisation_ids=ids, occurred_at=now)
    old = now - timedelta(days=31)
    outbox.append(session, "booking.requested", {}, organisation_ids=ids, occurred_at=old)
    session.commit()
    with pytest.raises(InvalidInput):
        outbox.purge(session, now=now, older_than=timedelta(days=29))
    assert outbox.purge(session, now=now) == 1
    session.commit()
    assert len(outbox.read(session)) == 1
    assert session.scalar(select(func.count()).select_from(OutboxAudience)) == 1
