"""Reminders: two school days before a confirmed visit or a scheduled encounter (a match,
or a request for an offer or for provider access), to both sides, and after an encounter,
to answer its checklist.

School days here are Monday to Friday (term dates are not known to Engage). A sweep
owes each reminder once (its key names the booking or match and the person) and catches
up on any it missed while no worker ran, up to the day itself.
"""

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import london_date
from models.bookings import Booking, BookingStatus, Slot
from models.encounters import Encounter, EncounterSource
from models.matches import Match, MatchStatus
from models.organisations import School
from services import safeguarding
from services.notifications import queue, requests
from services.notifications.kinds import Kind, booking_facts, need_facts
from services.notifications.messages import MailSettings
from services.notifications.people import (
    Recipient,
    employer_side,
    london_time,
    long_date,
    person,
    school_side_of_booking,
    school_side_of_match,
)

SCHOOL_DAYS_BEFORE = 2
CHECKLIST_WITHIN = timedelta(days=7)  # encounters older than this get no checklist reminder
WINDOW = timedelta(days=SCHOOL_DAYS_BEFORE + 3)  # two school days can span a weekend


def reminder_day(day: date, school_days: int = SCHOOL_DAYS_BEFORE) -> date:
    """The school day `school_days` before `day` (Monday to Friday)."""
    while school_days:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            school_days -= 1
    return day


def sweep(session: Session, *, now: datetime) -> int:
    """Owe every reminder due today (London); returns how many were newly owed."""
    today = london_date(now)
    owed = 0
    for booking in _visits_ahead(session, today):
        if reminder_day(booking.slot.date) <= today:
            owed += _owe(
                session, "visit_reminder", booking.id, _visit_people(session, booking), now
            )
    for match in _encounters_ahead(session, now, today):
        if reminder_day(london_date(match.scheduled_for)) <= today:
            people = person(match.volunteer.user) + school_side_of_match(session, match)
            owed += _owe(session, "encounter_reminder", match.id, people, now)
    for request in requests.scheduled_between(session, today, today + WINDOW):
        if reminder_day(request.date) <= today:
            people = requests.everyone(session, request)
            owed += _owe(session, "request_reminder", request.id, people, now)
    for encounter in _encounters_behind(session, today):
        owed += _owe(
            session, "checklist_reminder", encounter.id, _checklist_people(session, encounter), now
        )
    return owed


def _owe(session, kind: str, source_id: uuid.UUID, people: list[Recipient], now) -> int:
    owed = 0
    for recipient in dict.fromkeys(people):
        made = queue.enqueue(
            session,
            key=f"{kind}:{source_id}:{recipient.key}",
            kind=kind,
            recipient=recipient,
            essential=False,
            context={"id": str(source_id)},
            now=now,
        )
        owed += made is not None
    return owed


def _visits_ahead(session: Session, today: date) -> list[Booking]:
    return session.scalars(
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Slot.date > today,
            Slot.date <= today + WINDOW,
        )
        .order_by(Slot.date, Booking.id)
    ).all()


def _encounters_ahead(session: Session, now: datetime, today: date) -> list[Match]:
    return session.scalars(
        select(Match)
        .where(
            Match.status == MatchStatus.SCHEDULED,
            Match.scheduled_for > now,
            Match.scheduled_for <= now + WINDOW + timedelta(days=1),
        )
        .order_by(Match.scheduled_for, Match.id)
    ).all()


def _encounters_behind(session: Session, today: date) -> list[Encounter]:
    return session.scalars(
        select(Encounter)
        .where(
            Encounter.source.in_(
                (EncounterSource.BOOKING, EncounterSource.MATCH, EncounterSource.REQUEST)
            ),
            Encounter.occurred_on < today,
            Encounter.occurred_on >= today - CHECKLIST_WITHIN,
            Encounter.meaningful.is_(False),
        )
        .order_by(Encounter.occurred_on, Encounter.id)
    ).all()


def _visit_people(session: Session, booking: Booking) -> list[Recipient]:
    return school_side_of_booking(session, booking) + employer_side(
        session, booking.slot.offer.employer_id
    )


def _checklist_people(session: Session, encounter: Encounter) -> list[Recipient]:
    if encounter.booking_id:
        booking = session.get(Booking, encounter.booking_id)
        return school_side_of_booking(session, booking) + employer_side(
            session, booking.slot.offer.employer_id
        )
    if encounter.source is EncounterSource.REQUEST:
        request = requests.of_encounter(session, encounter.id)
        return requests.both_sides(session, request) if request else []
    match = session.get(Match, encounter.match_id) if encounter.match_id else None
    return school_side_of_match(session, match) if match else []


def _visit_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    booking = session.get(Booking, uuid.UUID(context["id"]))
    if booking is None or booking.status is not BookingStatus.CONFIRMED:
        return None
    offer = booking.slot.offer
    activity = safeguarding.supervised_visit(
        booking.year_group + 4,
        safeguarding.Setting.WORKPLACE if offer.kind.in_person else safeguarding.Setting.VIRTUAL,
    )
    checks = list(safeguarding.requirement(activity).checks)
    if offer.kind.needs_parental_consent:
        checks.append("parents' consent recorded for every pupil under 18")
    return {
        **booking_facts(booking),
        "arrival": f"Arrive by {booking_facts(booking)['starts_at']} at {offer.postcode}"
        if offer.postcode
        else "Join online at the start time",
        "safeguarding": checks,
        "link": settings.link(f"/api/v1/bookings/{booking.id}"),
    }


def _encounter_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    match = session.get(Match, uuid.UUID(context["id"]))
    if match is None or match.status is not MatchStatus.SCHEDULED:
        return None
    facts = need_facts(match)
    virtual = facts["place"] == "online"
    return {
        **facts,
        "date": long_date(london_date(match.scheduled_for)),
        "time": london_time(match.scheduled_for),
        "volunteer": match.volunteer.user.name,
        "arrival": "Join online; a member of staff will be there throughout"
        if virtual
        else f"Sign in at {facts['school']} reception 15 minutes early, with photo ID",
        "link": settings.link(f"/api/v1/matches/{match.id}"),
    }


def _checklist_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    encounter = session.get(Encounter, uuid.UUID(context["id"]))
    if encounter is None or encounter.meaningful:
        return None
    return {
        "title": encounter.title,
        "date": long_date(encounter.occurred_on),
        "school": session.get(School, encounter.school_id).name,
        "link": settings.link(f"/api/v1/encounters/{encounter.id}/checklist"),
    }


REMINDER_KINDS = (
    Kind("visit_reminder", False, _visit_context),
    Kind("encounter_reminder", False, _encounter_context),
    Kind("request_reminder", False, requests.reminder_context),
    Kind("checklist_reminder", False, _checklist_context),
)
