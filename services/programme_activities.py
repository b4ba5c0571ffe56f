"""What a planned activity becomes, in one call each, and the link it keeps back.

A school's planned activity becomes a need (volunteers are matched to it), a request of
an encounter offer (a talk, mock interviews… an employer or provider published), or a
booking of a workplace slot (found by a slot search the activity fills in: its kind of
visit, year group and half-term). Each is made by its own domain's service, for the
school, with the activity's year group, pupils and notes; the activity keeps its id and
is then `requested`. An activity produces one of them at most.
"""

import uuid
from datetime import date, time

from sqlalchemy.orm import Session

from models.bookings import Booking
from models.needs import Need, NeedMode
from models.offer_requests import OfferRequest
from models.programme import ActivityStatus, PartnerType, ProgrammeActivity
from models.volunteers import ActivityType, Mode
from services import bookings, needs, offer_requests, offers
from services.callers import Caller
from services.errors import Conflict, InvalidInput
from services.geo import Location
from services.matching.offers import OFFER_KINDS
from services.pagination import Page
from services.programme import get_activity, get_activity_for_update, half_term_dates
from services.programme import publish_activity as _publish
from services.search import MAX_WITHIN_KM, Origin

NEED_BENCHMARKS = (5, 6, 7)  # what a need can serve
PARTNERS = (PartnerType.EMPLOYER, PartnerType.PROVIDER)


def make_need(
    session: Session,
    caller: Caller,
    activity_id: uuid.UUID,
    *,
    mode: NeedMode = NeedMode.IN_PERSON,
    starts_on: date | None = None,
    ends_on: date | None = None,
    today: date | None = None,
) -> Need:
    """Post the need this activity asks for (its year group, pupils, benchmark and the
    half-term's dates) and link the two."""
    activity = _ready(session, caller, activity_id, "a need")
    errors = _partner_errors(activity, "becomes a need")
    if activity.activity_type not in {t.value for t in ActivityType}:
        errors["activity_type"] = [
            "Set an activity type volunteers offer: " + ", ".join(t.value for t in ActivityType)
        ]
    if not any(b in NEED_BENCHMARKS for b in activity.benchmarks):
        errors["benchmarks"] = ["A need serves Benchmark 5, 6 or 7."]
    _refuse(errors, "a need")
    first, last = half_term_dates(activity.plan.academic_year, activity.half_term)
    need = needs.create(
        session,
        caller,
        today=today,
        title=activity.title,
        activity_type=ActivityType(activity.activity_type),
        benchmark=next(b for b in activity.benchmarks if b in NEED_BENCHMARKS),
        mode=mode,
        starts_on=starts_on or first,
        ends_on=ends_on or last,
        **_for_pupils(activity),
    )
    _link(session, activity, "need_id", need.id, "programme_activity.need_created")
    return need


def request_offer(
    session: Session,
    caller: Caller,
    activity_id: uuid.UUID,
    *,
    offer_id: uuid.UUID,
    date: date,
    starts_at: time,
    ends_at: time,
    mode: Mode | None = None,
) -> OfferRequest:
    """Request an encounter offer for this activity (its year group, pupils and notes, on
    the day and times given) and link the two."""
    activity = _ready(session, caller, activity_id, "an offer request")
    _refuse(_partner_errors(activity, "requests an offer"), "an offer request")
    request = offer_requests.request_offer(
        session,
        caller,
        offer_id=offer_id,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        **_for_pupils(activity),
    )
    _link(session, activity, "offer_request_id", request.id, "programme_activity.offer_requested")
    return request


def _for_pupils(activity: ProgrammeActivity) -> dict:
    """Whom a need or an offer request made for the activity is for: its school, its year
    group, its target pupils, and its notes."""
    return {
        "school_id": activity.plan.school_id,
        "year_groups": [activity.year_group],
        "pupils": activity.target_pupils,
        "notes": activity.notes,
    }


def search_slots(
    session: Session,
    caller: Caller,
    activity_id: uuid.UUID,
    *,
    page: int,
    page_size: int,
    within_km: float | None = None,
) -> Page:
    """The booking search this activity asks for: bookable slots of its kind of visit for
    its year group in its half-term (nearest the school first when `within_km` is given)."""
    activity = get_activity(session, caller, activity_id)
    kinds = _slot_kinds(activity)
    first, last = half_term_dates(activity.plan.academic_year, activity.half_term)
    return offers.search_slots(
        session,
        caller,
        page=page,
        page_size=page_size,
        near=_school_origin(activity, within_km),
        date_from=first,
        date_to=last,
        year_group=activity.year_group,
        kind=kinds[0],  # the closest kind (in-person work experience before virtual)
    )


def book(
    session: Session,
    caller: Caller,
    activity_id: uuid.UUID,
    *,
    slot_id: uuid.UUID,
    staff_lead_name: str | None = None,
    staff_lead_email: str | None = None,
    seats: int | None = None,
    adjustments: str | None = None,
) -> Booking:
    """Book a slot (one the activity's search found, or any) for this activity: its year
    group, its target pupils unless fewer seats are asked for, its responsible member of
    staff as the lead unless another is named; and link the two."""
    activity = _ready(session, caller, activity_id, "a booking")
    _slot_kinds(activity)
    lead = staff_lead_name or activity.responsible_staff
    if not lead:
        raise InvalidInput(
            "Name the member of staff who leads the visit.",
            errors={"staff_lead_name": ["The activity has no responsible member of staff."]},
        )
    booking = bookings.book(
        session,
        caller,
        slot_id=slot_id,
        seats=seats or activity.target_pupils,
        year_group=activity.year_group,
        staff_lead_name=lead,
        school_id=activity.plan.school_id,
        staff_lead_email=staff_lead_email,
        adjustments=adjustments,
    )
    _link(session, activity, "booking_id", booking.id, "programme_activity.booked")
    return booking


def _ready(
    session: Session, caller: Caller, activity_id: uuid.UUID, product: str
) -> ProgrammeActivity:
    """The activity, if it may still become something (planned, nothing made of it)."""
    activity = get_activity_for_update(session, caller, activity_id)
    if activity.produced:
        raise Conflict("The activity has already become a need, an offer request or a booking.")
    if activity.status is not ActivityStatus.PLANNED:
        raise Conflict(f"A {activity.status.value} activity cannot become {product}.")
    return activity


def _partner_errors(activity: ProgrammeActivity, what: str) -> dict[str, list[str]]:
    if activity.partner_type in PARTNERS:
        return {}
    return {"partner_type": [f"Only an employer or provider activity {what}."]}


def _slot_kinds(activity: ProgrammeActivity) -> tuple:
    kinds = OFFER_KINDS.get(activity.activity_type)
    errors = _partner_errors(activity, "is booked")
    if kinds is None:
        errors["activity_type"] = [
            "Only a workplace activity is booked on a slot: "
            + ", ".join(t.value for t in OFFER_KINDS)
        ]
    _refuse(errors, "a booking")
    return kinds


def _school_origin(activity: ProgrammeActivity, within_km: float | None) -> Origin | None:
    if within_km is None:
        return None
    school = activity.plan.school
    if school.latitude is None or school.longitude is None:
        raise InvalidInput(
            "The school has no location to search from.",
            errors={"within_km": ["Set the school's postcode first, or search without it."]},
        )
    if not 0 < within_km <= MAX_WITHIN_KM:
        raise InvalidInput(
            "Distance out of range.",
            errors={"within_km": [f"Must be more than 0 and at most {MAX_WITHIN_KM}."]},
        )
    place = Location(school.postcode or "", school.latitude, school.longitude, "postcode")
    return Origin(place, within_km)


def _refuse(errors: dict[str, list[str]], product: str) -> None:
    if errors:
        raise InvalidInput(f"This activity cannot become {product}; see `errors`.", errors=errors)


def _link(
    session: Session, activity: ProgrammeActivity, name: str, made: uuid.UUID, event: str
) -> None:
    setattr(activity, name, made)
    activity.status = ActivityStatus.REQUESTED
    _publish(session, event, activity)
