"""Booking services without HTTP: exact seats under real concurrency, waitlist order, and
the outbox in the same transaction."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.extensions import db
from models.bookings import Booking, Slot, SlotAllocation
from models.outbox import OutboxEvent
from models.users import Role
from services import bookings
from services.bookings import SchoolCapReached, SlotFull
from services.callers import Caller
from tests import factories


def school_caller(side) -> Caller:
    user = side.users[Role.SCHOOL_STAFF]
    return Caller(role=Role.SCHOOL_STAFF, organisation_id=side.school.id, user_id=user.id)


def book(session, side, slot, seats=1):
    return bookings.book(
        session,
        school_caller(side),
        slot_id=slot.id,
        seats=seats,
        year_group=10,
        staff_lead_name="Ms Lead",
    )


def test_threads_with_their_own_sessions_take_exactly_the_seats(app, session, world):
    """Each thread has its own session and connection; on PostgreSQL they really run at once
    and queue on the slot's row lock, on SQLite they queue on the database lock."""
    slot = factories.slot(session, world.a.offer, seats=7)
    session.commit()
    caller, slot_id = school_caller(world.a), slot.id  # read here: the threads share no ORM state
    racers = 24
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race():
        with app.app_context(), Session(db.engine) as own:
            barrier.wait()
            try:
                bookings.book(
                    own, caller, slot_id=slot_id, seats=1, year_group=10, staff_lead_name="L"
                )
                own.commit()
                outcome = "booked"
            except SlotFull:
                own.rollback()
                outcome = "full"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked"] * 7 + ["full"] * (racers - 7)
    session.expire_all()
    held = session.scalar(select(func.sum(Booking.seats)).where(Booking.slot_id == slot.id))
    assert session.get(Slot, slot.id).booked == held == 7
    events = session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "booking.requested")
    )
    assert events == 7  # an event for every booking, none for the refused


def test_a_slot_full_leaves_no_booking_event_or_allocation(session, world):
    with pytest.raises(SlotFull):
        book(session, world.a, world.a.slot, seats=9)
    session.rollback()
    assert session.get(Slot, world.a.slot.id).booked == 2
    assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_a_school_cap_refusal_gives_the_slot_its_seats_back(session, world):
    world.a.slot.school_cap = 3
    session.flush()
    with pytest.raises(SchoolCapReached):
        book(session, world.a, world.a.slot, seats=2)  # already holds 2
    session.expire_all()
    assert session.get(Slot, world.a.slot.id).booked == 2
    assert session.get(SlotAllocation, (world.a.slot.id, world.a.school.id)).booked == 2


@pytest.mark.parametrize("seats, refused", [(2, SchoolCapReached), (9, SlotFull)])
def test_more_seats_than_the_cap_allows_move_no_seat(session, world, seats, refused):
    world.a.slot.school_cap = 1  # the school holds 2 already; 8 of the 10 are free
    session.flush()
    with pytest.raises(refused):
        book(session, world.a, world.a.slot, seats=seats)
    session.expire_all()
    assert session.get(Slot, world.a.slot.id).booked == 2
    assert session.get(SlotAllocation, (world.a.slot.id, world.a.school.id)).booked == 2


def test_the_database_refuses_an_overbooked_slot(session, world):
    """The CHECK constraint backs the conditional update."""
    from sqlalchemy.exc import IntegrityError

    world.a.slot.booked = 11
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
