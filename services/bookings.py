"""Bookings: schools take seats on slots, exactly, and the lifecycle that follows.

Seats move only through conditional updates checked by row count:
`UPDATE slots SET booked = booked + :n WHERE id = :id AND booked + :n <= seats`, and the
same on the school's allocation when the slot caps seats per school. Nothing is read and
then written, so the count is exact on SQLite and PostgreSQL under any concurrency, and a
CHECK constraint on `slots` backs it. Every transition is a conditional update of the
booking's status too, so two racing transitions cannot both win, and each one writes its
outbox event in the same transaction.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from models.base import london_now, utcnow
from models.bookings import (
    HOLDING_SEATS,
    Booking,
    BookingParty,
    BookingStatus,
    Slot,
    SlotAllocation,
    WaitlistEntry,
    WaitlistStatus,
)
from models.offers import Offer
from models.organisations import School
from services import audit, encounters, outbox
from services.access import authorize, booking_party, get_visible, may_book_for, visible_bookings
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, InvalidInput
from services.idempotency import typed_text
from services.offers import require_slot_bookable
from services.pagination import Listing, Page, paginate
from services.school_years import london_today


class SlotFull(Conflict):
    code = "slot-full"


class SchoolCapReached(Conflict):
    code = "school-cap-reached"


class InvalidTransition(Conflict):
    code = "invalid-transition"


class ConsentRequired(Conflict):
    code = "parental-consent-required"


class SeatsAvailable(Conflict):
    code = "seats-available"


# Which statuses each transition leaves from, and where it goes.
TRANSITIONS: dict[Action, tuple[tuple[BookingStatus, ...], BookingStatus]] = {
    Action.CONFIRM: ((BookingStatus.REQUESTED,), BookingStatus.CONFIRMED),
    Action.DECLINE: ((BookingStatus.REQUESTED,), BookingStatus.DECLINED),
    Action.CANCEL: (HOLDING_SEATS, BookingStatus.CANCELLED),
    Action.COMPLETE: ((BookingStatus.CONFIRMED,), BookingStatus.COMPLETED),
}
EVENTS = {
    Action.CONFIRM: "booking.confirmed",
    Action.DECLINE: "booking.declined",
    Action.CANCEL: "booking.cancelled",
    Action.COMPLETE: "booking.completed",
}


# --- seats ----------------------------------------------------------------------------


def take_seats(session: Session, slot: Slot, school_id: uuid.UUID, seats: int) -> None:
    """Take `seats` on the slot for the school, or raise SlotFull / SchoolCapReached."""
    cap = slot.school_cap
    if cap is not None and seats > cap:
        taken, allocated = _take_from_slot(session, slot, seats), False
    elif session.get_bind().dialect.name == "postgresql":
        moving = {"slot_id": slot.id, "school_id": school_id, "seats": seats, "cap": cap}
        statement = _TAKE_AND_ALLOCATE if cap is None else _TAKE_AND_ALLOCATE_WITHIN_CAP
        taken, allocated = session.execute(statement, {**moving, "updated_at": utcnow()}).one()
    else:
        taken = _take_from_slot(session, slot, seats)
        allocated = taken and _allocate(session, slot, school_id, seats)
    session.expire(slot, ["booked"])
    if not taken:
        raise SlotFull(
            f"Not enough seats left on this slot for {seats}; join the waitlist to be offered "
            "seats that come free.",
            errors={"seats": [f"Only {max(slot.seats - slot.booked, 0)} left."]},
        )
    if not allocated:
        _return_to_slot(session, slot, seats)
        raise SchoolCapReached(
            f"A school may hold at most {cap} seats on this slot.",
            errors={"seats": [f"At most {cap} per school."]},
        )


def _take_from_slot(session: Session, slot: Slot, seats: int) -> bool:
    return session.execute(_TAKE_FROM_SLOT, {"slot": slot.id, "moving": seats}).rowcount == 1


def _allocate(session: Session, slot: Slot, school_id: uuid.UUID, seats: int) -> bool:
    """Add to the school's seats on the slot, within the cap, in one conditional upsert."""
    cap = slot.school_cap
    values = {"slot_id": slot.id, "school_id": school_id, "seats": seats, "cap": cap}
    statement = _ALLOCATE if cap is None else _ALLOCATE_WITHIN_CAP
    return session.execute(statement, values).first() is not None


_ALLOCATION_UPSERT = (
    "INSERT INTO slot_allocations (slot_id, school_id, booked) "
    "VALUES (:slot_id, :school_id, :seats) "
    "ON CONFLICT (slot_id, school_id) DO UPDATE SET booked = slot_allocations.booked + :seats "
)
_WITHIN_CAP = "WHERE slot_allocations.booked + :seats <= :cap "
_ALLOCATE = typed_text(SlotAllocation, _ALLOCATION_UPSERT + "RETURNING booked")
_ALLOCATE_WITHIN_CAP = typed_text(
    SlotAllocation, _ALLOCATION_UPSERT + _WITHIN_CAP + "RETURNING booked"
)
# On PostgreSQL the slot's seats and the school's allocation move in one statement (one
# round trip on the peak write): how many rows each part changed comes back, so a full slot
# and a reached cap are told apart as on SQLite, where they are two statements.
_TAKE_AND_ALLOCATE_SQL = (
    "WITH taken AS (UPDATE slots SET booked = booked + :seats, updated_at = :updated_at "
    "WHERE id = :slot_id AND booked + :seats <= seats RETURNING id), "
    "allocated AS (INSERT INTO slot_allocations (slot_id, school_id, booked) "
    "SELECT id, :school_id, :seats FROM taken "
    "ON CONFLICT (slot_id, school_id) DO UPDATE SET booked = slot_allocations.booked + :seats "
    "{cap}RETURNING booked) "
    "SELECT (SELECT count(*) FROM taken) = 1, (SELECT count(*) FROM allocated) = 1"
)
_TAKE_AND_ALLOCATE, _TAKE_AND_ALLOCATE_WITHIN_CAP = (
    typed_text(SlotAllocation, _TAKE_AND_ALLOCATE_SQL.format(cap=cap)).bindparams(
        bindparam("updated_at", type_=Slot.__table__.c.updated_at.type)
    )
    for cap in ("", _WITHIN_CAP)
)


def give_back_seats(session: Session, slot: Slot, school_id: uuid.UUID, seats: int) -> None:
    """Return seats to the slot (conditionally: the count never goes below zero)."""
    _return_to_slot(session, slot, seats)
    moving = {"slot": slot.id, "school": school_id, "moving": seats}
    returned = session.execute(_RETURN_TO_ALLOCATION, moving)
    if returned.rowcount != 1:
        raise RuntimeError(f"school allocation on slot {slot.id} is short of {seats} seats")


def _return_to_slot(session: Session, slot: Slot, seats: int) -> None:
    returned = session.execute(_RETURN_TO_SLOT, {"slot": slot.id, "moving": seats})
    session.expire(slot, ["booked"])
    if returned.rowcount != 1:
        raise RuntimeError(f"slot {slot.id} has fewer than {seats} seats booked")


# Written once, with named parameters: a statement built per call is built, and keyed for
# SQLAlchemy's cache, again on every run. (The names are not the tables' columns, which an
# UPDATE's parameters would also set.)
_SLOTS, _ALLOCATIONS = Slot.__table__, SlotAllocation.__table__
_MOVING = bindparam("moving")
_TAKE_FROM_SLOT = audit.derived(
    update(_SLOTS)
    .where(_SLOTS.c.id == bindparam("slot"), _SLOTS.c.booked + _MOVING <= _SLOTS.c.seats)
    .values(booked=_SLOTS.c.booked + _MOVING)
)
_RETURN_TO_SLOT = audit.derived(
    update(_SLOTS)
    .where(_SLOTS.c.id == bindparam("slot"), _SLOTS.c.booked >= _MOVING)
    .values(booked=_SLOTS.c.booked - _MOVING)
)
_RETURN_TO_ALLOCATION = (
    update(_ALLOCATIONS)
    .where(
        _ALLOCATIONS.c.slot_id == bindparam("slot"),
        _ALLOCATIONS.c.school_id == bindparam("school"),
        _ALLOCATIONS.c.booked >= _MOVING,
    )
    .values(booked=_ALLOCATIONS.c.booked - _MOVING)
)


# --- booking --------------------------------------------------------------------------


def book(
    session: Session,
    caller: Caller,
    *,
    slot_id: uuid.UUID,
    seats: int,
    year_group: int,
    staff_lead_name: str,
    school_id: uuid.UUID | None = None,
    staff_lead_email: str | None = None,
    adjustments: str | None = None,
) -> Booking:
    """Book seats for a school (its staff or partner app; admins name the school)."""
    slot, school_id = _bookable(session, caller, slot_id, school_id, year_group)
    booking = Booking(
        id=uuid.uuid4(),
        slot_id=slot.id,
        slot=slot,
        school_id=school_id,
        year_group=year_group,
        seats=seats,
        staff_lead_name=staff_lead_name,
        staff_lead_email=staff_lead_email,
        adjustments=adjustments,
        status=BookingStatus.REQUESTED,
        created_by_user_id=caller.user_id,
        created_by_client_id=caller.client_id,
    )
    audit.insert_new(session, booking)  # the peak write: no unit of work
    outbox.publish(session, "booking.requested", booking, _payload(booking))
    session.flush()
    # The slot's row is locked from here to commit: take the seats last.
    take_seats(session, slot, school_id, seats)
    return booking


def _bookable(
    session: Session,
    caller: Caller,
    slot_id: uuid.UUID,
    school_id: uuid.UUID | None,
    year_group: int,
) -> tuple[Slot, uuid.UUID]:
    """The slot asked for (a booking or a place on its waitlist), checked open to the year
    group, and the school booked for: its own staff belong to a school by construction."""
    slot = get_visible(session, caller, Slot, slot_id)
    school_id = school_id or caller.organisation_id
    if not may_book_for(caller, school_id):
        raise Forbidden("Only a school's own staff and partner apps (or an admin) book for it.")
    if caller.is_admin and session.get(School, school_id) is None:
        raise InvalidInput("Unknown school.", errors={"school_id": ["No such school."]})
    require_slot_bookable(slot)
    if year_group not in slot.offer.year_groups:
        years = ", ".join(f"Y{y}" for y in slot.offer.year_groups)
        raise InvalidInput(
            "The offer is not for this year group.",
            errors={"year_group": [f"This offer is for {years}."]},
        )
    return slot, school_id


# The bookings the caller may see, the newest first.
BOOKINGS = Listing(
    Booking,
    query=select(Booking)
    .join(Slot, Slot.id == Booking.slot_id)
    .join(Offer, Offer.id == Slot.offer_id),
    visible=lambda caller: visible_bookings(caller, Booking.school_id, Offer.employer_id),
    equal=("status", "slot_id", "school_id"),
    order=(Booking.created_at.desc(), Booking.id),
)
list_ = BOOKINGS.page


def get(session: Session, caller: Caller, booking_id: uuid.UUID) -> Booking:
    return get_visible(session, caller, Booking, booking_id)


# --- transitions ----------------------------------------------------------------------


def confirm(session: Session, caller: Caller, booking_id: uuid.UUID) -> Booking:
    """The host confirms; a placement needs parents' consent recorded first."""
    booking = _for(session, caller, Action.CONFIRM, booking_id)
    if booking.slot.offer.kind.needs_parental_consent and not booking.parental_consent_recorded:
        raise ConsentRequired(
            "Record parental consent before this placement can be confirmed.",
            errors={"parental_consent_recorded": ["Parental consent is not recorded yet."]},
        )
    return _move(session, caller, booking, Action.CONFIRM)


def decline(session: Session, caller: Caller, booking_id: uuid.UUID) -> Booking:
    booking = _for(session, caller, Action.DECLINE, booking_id)
    return _move(session, caller, booking, Action.DECLINE)


def cancel(session: Session, caller: Caller, booking_id: uuid.UUID, *, reason: str) -> Booking:
    """Either side cancels, with a reason; the seats go back to the slot and the waitlist."""
    booking = _for(session, caller, Action.CANCEL, booking_id)
    return _move(session, caller, booking, Action.CANCEL, reason=reason)


def complete(session: Session, caller: Caller, booking_id: uuid.UUID) -> Booking:
    """Either side marks the visit done, on or after its day: it becomes the school's
    encounter (Benchmark 6) in the same transaction."""
    booking = _for(session, caller, Action.COMPLETE, booking_id)
    if booking.slot.date > london_today():
        raise InvalidTransition("The visit has not taken place yet.")
    _move(session, caller, booking, Action.COMPLETE)
    encounters.record_booking(session, booking)
    return booking


def record_consent(session: Session, caller: Caller, booking_id: uuid.UUID) -> Booking:
    """The school records that parents have consented (Engage keeps no pupil names)."""
    booking = _for(session, caller, Action.RECORD_CONSENT, booking_id)
    recorded = audit.update_where(
        session,
        Booking,
        Booking.id == booking.id,
        Booking.status.in_(HOLDING_SEATS),
        Booking.parental_consent_recorded.is_(False),
        values={
            "parental_consent_recorded": True,
            "consent_recorded_at": utcnow(),
            "updated_at": utcnow(),
        },
    )
    session.refresh(booking)
    if recorded != 1:
        if booking.parental_consent_recorded:
            raise InvalidTransition("Parental consent is already recorded.")
        raise InvalidTransition(f"The booking is {booking.status.value}.")
    return booking


def _for(session: Session, caller: Caller, action: Action, booking_id: uuid.UUID) -> Booking:
    booking = get_visible(session, caller, Booking, booking_id)
    authorize(session, caller, action, booking)
    return booking


def _move(
    session: Session, caller: Caller, booking: Booking, action: Action, *, reason: str | None = None
) -> Booking:
    sources, target = TRANSITIONS[action]
    now = utcnow()
    values: dict = {"status": target, "updated_at": now}
    if action in (Action.CONFIRM, Action.DECLINE):
        values["decided_at"] = now
    if action is Action.CANCEL:
        values.update(
            cancel_reason=reason,
            cancelled_by=BookingParty(booking_party(caller, booking)),
            cancelled_at=now,
        )
    moved = audit.update_where(
        session, Booking, Booking.id == booking.id, Booking.status.in_(sources), values=values
    )
    session.refresh(booking)
    if moved != 1:
        raise InvalidTransition(
            f"A {booking.status.value} booking cannot be {target.value}.",
            errors={"status": [f"Is {booking.status.value}."]},
        )
    if target not in HOLDING_SEATS and action in (Action.CANCEL, Action.DECLINE):
        give_back_seats(session, booking.slot, booking.school_id, booking.seats)
    outbox.publish(session, EVENTS[action], booking, _payload(booking))
    if action in (Action.CANCEL, Action.DECLINE):
        offer_to_waitlist(session, booking.slot)
    session.flush()
    return booking


def _payload(booking: Booking) -> dict:
    slot = booking.slot
    return {
        "booking_id": str(booking.id),
        "status": booking.status.value,
        "slot_id": str(slot.id),
        "offer_id": str(slot.offer_id),
        "employer_id": str(slot.offer.employer_id),
        "school_id": str(booking.school_id),
        "seats": booking.seats,
        "year_group": booking.year_group,
        "date": slot.date.isoformat(),
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }


# --- waitlist -------------------------------------------------------------------------


def join_waitlist(
    session: Session,
    caller: Caller,
    *,
    slot_id: uuid.UUID,
    seats: int,
    year_group: int,
    staff_lead_name: str,
    school_id: uuid.UUID | None = None,
    staff_lead_email: str | None = None,
    adjustments: str | None = None,
) -> WaitlistEntry:
    """Queue for seats on a slot that cannot take the booking now."""
    slot, school_id = _bookable(session, caller, slot_id, school_id, year_group)
    if slot.seats_left >= seats and not _capped(session, slot, school_id, seats):
        raise SeatsAvailable(f"{slot.seats_left} seats are free: book them instead.")
    position = (
        session.scalar(
            select(func.max(WaitlistEntry.position)).where(WaitlistEntry.slot_id == slot.id)
        )
        or 0
    ) + 1
    entry = WaitlistEntry(
        slot_id=slot.id,
        school_id=school_id,
        position=position,
        year_group=year_group,
        seats=seats,
        staff_lead_name=staff_lead_name,
        staff_lead_email=staff_lead_email,
        adjustments=adjustments,
        status=WaitlistStatus.WAITING,
    )
    session.add(entry)
    session.flush()
    return entry


def _capped(session: Session, slot: Slot, school_id: uuid.UUID, seats: int) -> bool:
    if slot.school_cap is None:
        return False
    held = session.scalar(
        select(SlotAllocation.booked).where(
            SlotAllocation.slot_id == slot.id, SlotAllocation.school_id == school_id
        )
    )
    return (held or 0) + seats > slot.school_cap


def list_waitlist(
    session: Session, caller: Caller, slot_id: uuid.UUID, *, page: int, page_size: int
) -> Page:
    slot = get_visible(session, caller, Slot, slot_id)
    query = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.slot_id == slot.id,
            visible_bookings(caller, WaitlistEntry.school_id, slot.offer.employer_id),
        )
        .order_by(WaitlistEntry.position, WaitlistEntry.id)
    )
    return paginate(session, query, page=page, page_size=page_size)


def get_waitlist_entry(session: Session, caller: Caller, entry_id: uuid.UUID) -> WaitlistEntry:
    return get_visible(session, caller, WaitlistEntry, entry_id)


def leave_waitlist(session: Session, caller: Caller, entry_id: uuid.UUID) -> WaitlistEntry:
    entry = get_visible(session, caller, WaitlistEntry, entry_id)
    authorize(session, caller, Action.DELETE, entry)
    left = audit.update_where(
        session,
        WaitlistEntry,
        WaitlistEntry.id == entry.id,
        WaitlistEntry.status == WaitlistStatus.WAITING,
        values={"status": WaitlistStatus.LEFT, "updated_at": utcnow()},
    )
    session.refresh(entry)
    if left != 1:
        raise InvalidTransition(f"The entry is {entry.status.value}, not waiting.")
    return entry


def offer_to_waitlist(session: Session, slot: Slot) -> list[Booking]:
    """Book freed seats for waiting schools, strictly in order: the first that does not fit
    stops the round (no later, smaller request jumps the queue). Once the slot has started
    its seats stay free: nobody can be booked onto a visit already under way."""
    made: list[Booking] = []
    if slot.has_started(london_now()):
        return made
    waiting = session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.slot_id == slot.id, WaitlistEntry.status == WaitlistStatus.WAITING)
        .order_by(WaitlistEntry.position)
    ).all()
    for entry in waiting:
        try:
            take_seats(session, slot, entry.school_id, entry.seats)
        except (SlotFull, SchoolCapReached):
            break
        booking = Booking(
            slot_id=slot.id,
            school_id=entry.school_id,
            year_group=entry.year_group,
            seats=entry.seats,
            staff_lead_name=entry.staff_lead_name,
            staff_lead_email=entry.staff_lead_email,
            adjustments=entry.adjustments,
            status=BookingStatus.REQUESTED,
            from_waitlist=True,
        )
        session.add(booking)
        session.flush()
        entry.status = WaitlistStatus.OFFERED
        entry.booking_id = booking.id
        outbox.publish(
            session,
            "waitlist.offered",
            booking,
            {**_payload(booking), "waitlist_entry_id": str(entry.id), "position": entry.position},
        )
        outbox.publish(session, "booking.requested", booking, _payload(booking))
        made.append(booking)
    session.flush()
    return made
