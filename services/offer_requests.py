"""Requests between a school and a partner for one encounter (models.offer_requests): a
school requesting an encounter offer, or a provider requesting access to a school's pupils.
One machinery for both: the side asked accepts, proposes other terms or declines; the side
that asked takes or turns down a proposal; either side cancels. Every transition is a
conditional update of the status (two racing transitions cannot both win), publishes its
event to the outbox, and a request reaching `scheduled` makes the school's encounter in
the same transaction.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models.base import utcnow
from models.offer_requests import (
    OPEN_STATUSES,
    AccessActivity,
    AccessContent,
    OfferRequest,
    RequestKind,
    RequestStatus,
    Side,
)
from models.offers import Offer, OfferStatus
from models.organisations import Provider, School
from models.users import Role
from models.volunteers import Mode, Volunteer
from services import audit, encounters, offer_directory, outbox, safeguarding
from services.access import get_visible, request_side, visible_requests
from services.bookings import InvalidTransition
from services.callers import Caller
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.geo import distance_km
from services.offer_directory.targeting import aimed_at
from services.offers import activity_of
from services.pagination import Listing, Page, paginate
from services.provider_access import get_policy
from services.school_years import london_today

DEFAULT_SCHOOL_DAY = (time(8, 30), time(15, 30))  # when a school has not set its own
EVENT_PREFIX = {
    RequestKind.OFFER: "offer_request",
    RequestKind.PROVIDER_ACCESS: "provider_access_request",
}
ACCESS_YEAR_GROUPS = range(8, 14)  # the duty covers Y8 to Y13
PARTNER_ROLES = (Role.EMPLOYER_STAFF, Role.PROVIDER_STAFF)


# --- reading --------------------------------------------------------------------------


REQUESTS = Listing(
    OfferRequest,
    query=select(OfferRequest).options(
        selectinload(OfferRequest.offer), selectinload(OfferRequest.school)
    ),
    visible=visible_requests,
    equal=("kind", "status", "offer_id", "school_id", "provider_id"),
    order=(OfferRequest.created_at.desc(), OfferRequest.id),
)


def list_(session: Session, caller: Caller, *, page: int, page_size: int, **filters) -> Page:
    """The requests the caller may see, the newest first (filters: REQUESTS); for an
    employer or provider, those from the schools its offers aim at first."""
    if caller.role not in PARTNER_ROLES:
        return REQUESTS.page(session, caller, page=page, page_size=page_size, **filters)
    dialect = session.get_bind().dialect.name
    query = (
        REQUESTS.matching(caller, filters)
        .outerjoin(Offer, Offer.id == OfferRequest.offer_id)
        .join(School, School.id == OfferRequest.school_id)
        .order_by(case((aimed_at(dialect), 0), else_=1), *REQUESTS.order)
    )
    return paginate(session, query, page=page, page_size=page_size)


def targeting(request: OfferRequest) -> str | None:
    """Why the requested offer aims at the requesting school (None: it does not)."""
    if request.offer is None:
        return None
    targets = offer_directory.offer_targets(request.offer)
    return offer_directory.targeted(request.school, *targets) or None


def get(
    session: Session, caller: Caller, request_id: uuid.UUID, *, kind: RequestKind
) -> OfferRequest:
    request = get_visible(session, caller, OfferRequest, request_id)
    if request.kind is not kind:  # the other resource's: as if missing
        raise NotFound("No such request.")
    return request


# --- the school-day rule and terms ----------------------------------------------------


def school_day(school: School) -> tuple[time, time]:
    if school.day_starts_at and school.day_ends_at:
        return school.day_starts_at, school.day_ends_at
    return DEFAULT_SCHOOL_DAY


def check_terms(
    school: School, day: date, starts_at: time, ends_at: time, *, notice_days: int = 0
) -> None:
    """A date from today (with the notice needed) and times within the school's day."""
    errors: dict[str, list[str]] = {}
    earliest = london_today() + timedelta(days=notice_days)
    if day < earliest:
        errors["date"] = [f"From {earliest.isoformat()} (today, with {notice_days} days' notice)."]
    elif day.weekday() >= 5:
        errors["date"] = ["A school day: Monday to Friday."]
    opens, closes = school_day(school)
    if ends_at <= starts_at:
        errors["ends_at"] = ["Ends after it starts."]
    elif starts_at < opens or ends_at > closes:
        errors["starts_at"] = [
            f"Within the school day, {opens.strftime('%H:%M')} to {closes.strftime('%H:%M')}."
        ]
    if errors:
        raise InvalidInput("The date or times do not fit.", errors=errors)


def offer_available_on(offer: Offer, day: date) -> bool:
    if day.isoformat() in (offer.available_dates or []):
        return True
    if offer.available_from is None or offer.available_to is None:
        return False
    weekdays = offer.available_weekdays or []
    in_range = offer.available_from <= day <= offer.available_to
    return in_range and (not weekdays or day.strftime("%A").lower() in weekdays)


# --- a school requests an offer -------------------------------------------------------


def request_offer(
    session: Session,
    caller: Caller,
    *,
    offer_id: uuid.UUID,
    date: date,
    starts_at: time,
    ends_at: time,
    year_groups: list[int],
    pupils: int,
    mode: Mode | None = None,
    notes: str | None = None,
    school_id: uuid.UUID | None = None,
) -> OfferRequest:
    """A school asks for a published encounter offer on a date and time of its day."""
    offer = get_visible(session, caller, Offer, offer_id)
    school = _own(session, caller, School, school_id, noun="school", refusal=REFUSE_SCHOOL)
    if offer.kind.is_workplace:
        raise Conflict("Workplace experiences are booked by slot (POST /bookings), not requested.")
    if offer.status is not OfferStatus.PUBLISHED:
        raise Conflict(f"The offer is {offer.status.value}: only published offers take requests.")
    mode = mode or (Mode.IN_PERSON if Mode.IN_PERSON in offer.modes else Mode.VIRTUAL)
    _check_fit(offer, school, date, year_groups, pupils, mode)
    check_terms(school, date, starts_at, ends_at, notice_days=offer.notice_days)
    return _open(
        session,
        caller,
        kind=RequestKind.OFFER,
        offer=offer,
        school_id=school.id,
        employer_id=offer.employer_id,
        provider_id=offer.provider_id,
        requested_by=Side.SCHOOL,
        activity=offer.kind.value,
        mode=mode,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        year_groups=year_groups,
        pupils=pupils,
        notes=notes,
    )


REFUSE_SCHOOL = "Only a school's own staff and partner apps (or an admin) request for it."
REFUSE_PROVIDER = "Only a provider's own staff and partner apps (or an admin) ask for access."


def _own(session: Session, caller: Caller, model: type, organisation_id, *, noun, refusal):
    """The organisation a request is made for: the caller's own, or the one an admin names."""
    organisation_id = organisation_id or caller.organisation_id
    organisation = session.get(model, organisation_id)
    if organisation is None and caller.is_admin:
        raise InvalidInput(f"Unknown {noun}.", errors={f"{noun}_id": [f"No such {noun}."]})
    if organisation is None or not (caller.is_admin or caller.organisation_id == organisation_id):
        raise Forbidden(refusal)
    return organisation


def _open(session: Session, caller: Caller, *, year_groups: list[int], **terms) -> OfferRequest:
    """Store a new request on the caller's terms, and publish it."""
    request = OfferRequest(
        id=uuid.uuid4(),
        status=RequestStatus.REQUESTED,
        year_groups=sorted(set(year_groups)),
        created_by_user_id=caller.user_id,
        created_by_client_id=caller.client_id,
        **terms,
    )
    session.add(request)
    session.flush()
    _publish(session, request, by=request.requested_by)
    return request


def _check_fit(offer: Offer, school: School, day: date, year_groups, pupils: int, mode: Mode):
    errors: dict[str, list[str]] = {}
    if mode not in offer.modes:
        errors["mode"] = [f"The offer is {' or '.join(m.value for m in offer.modes)}."]
    outside = sorted(set(year_groups) - set(offer.year_groups))
    if outside:
        errors["year_groups"] = [
            f"The offer is for {', '.join(f'Y{y}' for y in offer.year_groups)}."
        ]
    if offer.max_group and pupils > offer.max_group:
        errors["pupils"] = [f"At most {offer.max_group} pupils at once."]
    if not offer_available_on(offer, day):
        errors["date"] = ["The offer is not available on this date."]
    if errors:
        raise InvalidInput("The request does not fit the offer.", errors=errors)
    if mode is Mode.IN_PERSON:
        reach = within_travel(offer, school)
        if reach is not None:
            raise Conflict(reach)


def within_travel(offer: Offer, school: School) -> str | None:
    """Why the offer's volunteers cannot come to the school in person (None: they can)."""
    if None in (offer.latitude, school.latitude):
        return "The school's or the offer's location is unknown: the distance cannot be checked."
    km = distance_km(offer.latitude, offer.longitude, school.latitude, school.longitude)
    if km > (offer.travel_radius_km or 0):
        return (
            f"The school is {km:.0f} km from the offer's base; its volunteers travel "
            f"{offer.travel_radius_km} km."
        )
    return None


# --- a provider requests access to a school's pupils ----------------------------------


def request_access(
    session: Session,
    caller: Caller,
    *,
    school_id: uuid.UUID,
    activity: AccessActivity,
    year_groups: list[int],
    preferred_dates: list[date],
    content: list[AccessContent],
    pupils: int | None = None,
    mode: Mode = Mode.IN_PERSON,
    notes: str | None = None,
    provider_id: uuid.UUID | None = None,
) -> OfferRequest:
    """A provider asks a school for an encounter with some of its Y8-Y13 pupils, covering
    the four required items; the school grants, proposes another time, or refuses."""
    school = get_visible(session, caller, School, school_id)
    provider = _own(
        session, caller, Provider, provider_id, noun="provider", refusal=REFUSE_PROVIDER
    )
    errors: dict[str, list[str]] = {}
    if set(year_groups) - set(ACCESS_YEAR_GROUPS):
        errors["year_groups"] = ["Provider access covers Y8 to Y13."]
    missing = [item.value for item in AccessContent if item not in set(content)]
    if missing:
        errors["content"] = [
            f"Every provider encounter covers all four items; missing: {', '.join(missing)}."
        ]
    earliest = london_today()
    if any(day < earliest for day in preferred_dates):
        errors["preferred_dates"] = ["Dates from today."]
    if errors:
        raise InvalidInput("The request is not acceptable.", errors=errors)
    return _open(
        session,
        caller,
        kind=RequestKind.PROVIDER_ACCESS,
        school=school,
        school_id=school.id,
        provider_id=provider.id,
        requested_by=Side.PARTNER,
        activity=activity.value,
        mode=mode,
        preferred_dates=sorted({day.isoformat() for day in preferred_dates}),
        year_groups=year_groups,
        pupils=pupils,
        content=[item.value for item in AccessContent if item in set(content)],
        notes=notes,
    )


# --- transitions ----------------------------------------------------------------------


def accept(
    session: Session,
    caller: Caller,
    request_id: uuid.UUID,
    *,
    kind: RequestKind,
    volunteer_ids: list[uuid.UUID] | None = None,
    date: date | None = None,
    starts_at: time | None = None,
    ends_at: time | None = None,
) -> OfferRequest:
    """The side asked accepts (a partner names its volunteers; a school granting access
    gives the date and times), or the side that asked takes a proposal: `scheduled`, and
    the school's encounter is made."""
    request, side = _acting(session, caller, request_id, kind)
    if _answers_proposal(request, side):
        _move(session, request, RequestStatus.PROPOSED, RequestStatus.SCHEDULED, by=side)
    else:
        _answering(request, side, "accept")
        _set_terms(session, request, volunteer_ids, date, starts_at, ends_at)
        _move(session, request, RequestStatus.REQUESTED, RequestStatus.SCHEDULED, by=side)
    encounters.record_request(session, request)
    return request


def propose(
    session: Session,
    caller: Caller,
    request_id: uuid.UUID,
    *,
    kind: RequestKind,
    date: date,
    starts_at: time,
    ends_at: time,
    volunteer_ids: list[uuid.UUID] | None = None,
    note: str | None = None,
) -> OfferRequest:
    """The side asked proposes another date and time (a partner names its volunteers)."""
    request, side = _acting(session, caller, request_id, kind)
    _answering(request, side, "propose other terms for")
    _set_terms(session, request, volunteer_ids, date, starts_at, ends_at)
    request.response_note = note
    _move(session, request, RequestStatus.REQUESTED, RequestStatus.PROPOSED, by=side)
    return request


def decline(
    session: Session, caller: Caller, request_id: uuid.UUID, *, kind: RequestKind, reason: str
) -> OfferRequest:
    """The side asked declines with a reason (a school refusing access: one of its
    policy's published grounds); or the side that asked turns a proposal down."""
    request, side = _acting(session, caller, request_id, kind)
    if _answers_proposal(request, side):
        source = RequestStatus.PROPOSED
    else:
        _answering(request, side, "decline")
        if request.kind is RequestKind.PROVIDER_ACCESS:
            _check_ground(session, request, reason)
        source = RequestStatus.REQUESTED
    request.response_note = reason
    _move(session, request, source, RequestStatus.DECLINED, by=side)
    return request


def cancel(
    session: Session, caller: Caller, request_id: uuid.UUID, *, kind: RequestKind, reason: str
) -> OfferRequest:
    """Either side calls it off, with a reason; a scheduled one takes its encounter along."""
    request, side = _acting(session, caller, request_id, kind)
    if request.status not in OPEN_STATUSES:
        raise _impossible(request, "cancelled")
    if request.status is RequestStatus.SCHEDULED:
        encounters.delete_for_request(session, request)
    request.cancel_reason, request.cancelled_by, request.cancelled_at = reason, side, utcnow()
    _move(session, request, request.status, RequestStatus.CANCELLED, by=side)
    return request


def _acting(
    session: Session, caller: Caller, request_id: uuid.UUID, kind: RequestKind
) -> tuple[OfferRequest, Side]:
    """The request, and the side the caller acts for on it."""
    request = get(session, caller, request_id, kind=kind)
    side = request_side(caller, request)
    if side is None:
        raise Forbidden("Only the school and the partner act on a request; coordinators follow it.")
    return request, side


def _answers_proposal(request: OfferRequest, side: Side) -> bool:
    """The request holds other terms proposed to the caller: the side that asked (or an
    admin) now takes or turns them down."""
    return request.status is RequestStatus.PROPOSED and side in (request.requested_by, Side.ADMIN)


def _answering(request: OfferRequest, side: Side, verb: str) -> None:
    if request.status is not RequestStatus.REQUESTED:
        raise _impossible(request, verb)
    if side not in (request.answering_side, Side.ADMIN):
        raise Forbidden(f"Only the {request.answering_side.value} may {verb} this request.")


def _impossible(request: OfferRequest, verb: str) -> InvalidTransition:
    return InvalidTransition(
        f"You cannot {verb} a {request.status.value} request.",
        errors={"status": [f"Is {request.status.value}."]},
    )


def _move(
    session: Session,
    request: OfferRequest,
    source: RequestStatus,
    target: RequestStatus,
    *,
    by: Side,
) -> None:
    """The conditional update: from `source` only, so a racing transition loses cleanly.
    `by` is the side that moved it (the other side is told)."""
    now = utcnow()
    moved = audit.update_where(
        session,
        OfferRequest,
        OfferRequest.id == request.id,
        OfferRequest.status == source,
        values={"status": target, "updated_at": now},
    )
    if moved != 1:
        session.refresh(request, ["status"])
        raise _impossible(request, "change")
    set_committed_value(request, "status", target)  # written (and audited) just above
    if target in (RequestStatus.SCHEDULED, RequestStatus.DECLINED, RequestStatus.PROPOSED):
        request.decided_at = now
    session.flush()
    _publish(session, request, by=by)


def _set_terms(session, request, volunteer_ids, day, starts_at, ends_at) -> None:
    """The agreed date and times (a school granting access must give them) and, for an
    employer's offer, the volunteers who will come, each checked for safeguarding."""
    school = request.school
    if request.kind is RequestKind.PROVIDER_ACCESS or day is not None:
        if None in (day, starts_at, ends_at):
            raise InvalidInput(
                "Give the date and the times.",
                errors={
                    f: ["Required."]
                    for f, v in (("date", day), ("starts_at", starts_at), ("ends_at", ends_at))
                    if v is None
                },
            )
        check_terms(school, day, starts_at, ends_at)
        request.date, request.starts_at, request.ends_at = day, starts_at, ends_at
    if request.kind is RequestKind.OFFER and request.employer_id:
        request.volunteers = _checked_volunteers(session, request, volunteer_ids or [])


def _checked_volunteers(session, request: OfferRequest, volunteer_ids: list[uuid.UUID]):
    if not volunteer_ids:
        raise InvalidInput(
            "Name the volunteers who will come.", errors={"volunteer_ids": ["At least one."]}
        )
    offer = request.offer
    required = safeguarding.requirement(activity_of(offer, request.year_groups, request.mode))
    errors: dict[str, list[str]] = {}
    chosen = []
    allowed = set(offer.volunteer_ids)
    for volunteer_id in dict.fromkeys(volunteer_ids):
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer.employer_id != request.employer_id:
            errors[str(volunteer_id)] = ["Not a volunteer of this employer."]
            continue
        if allowed and volunteer.id not in allowed:
            errors[str(volunteer_id)] = ["Not one of the volunteers named on the offer."]
            continue
        shortfalls = safeguarding.volunteer_shortfalls(required, volunteer, until=request.date)
        if shortfalls:
            errors[str(volunteer_id)] = shortfalls
        chosen.append(volunteer)
    if errors:
        raise Conflict("Some volunteers cannot come; see `errors`.", errors=errors)
    return chosen


def _check_ground(session: Session, request: OfferRequest, reason: str) -> None:
    policy = get_policy(session, school_id=request.school_id)
    grounds = policy.refusal_grounds if policy else []
    if reason.strip() not in grounds:
        listed = "; ".join(grounds) if grounds else "none: publish a provider access policy first"
        raise InvalidInput(
            "A school refuses access only on a ground its policy publishes.",
            errors={"reason": [f"One of the policy's grounds: {listed}."]},
        )


def _publish(session: Session, request: OfferRequest, *, by: Side) -> None:
    outbox.publish(
        session,
        f"{EVENT_PREFIX[request.kind]}.{request.status.value}",
        request,
        {
            "request_id": str(request.id),
            "kind": request.kind.value,
            "status": request.status.value,
            "by": by.value,
            "offer_id": str(request.offer_id) if request.offer_id else None,
            "school_id": str(request.school_id),
            "employer_id": str(request.employer_id) if request.employer_id else None,
            "provider_id": str(request.provider_id) if request.provider_id else None,
            "date": request.date.isoformat() if request.date else None,
            "year_groups": list(request.year_groups),
            "pupils": request.pupils,
            "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        },
    )
