"""Messages about requests for one encounter (services.offer_requests): a school asking
for an encounter offer, a provider asking for access to a school's pupils, and every
answer. Each event says which side acted (`by`); the other side is told (both, when an
admin acted). Two school days before a scheduled one, both sides and the volunteers
named are reminded (the sweep is `reminders.sweep`).

Free text a school wrote (its notes, its reasons) never goes to the partner: it may name
a pupil. A provider refused access reads the ground, which is one of the school's
published refusal grounds.
"""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.offer_requests import OfferRequest, RequestKind, RequestStatus, Side
from models.organisations import Employer, Provider
from models.users import Role, User
from models.volunteers import Mode
from services import safeguarding
from services.notifications.messages import MailSettings
from services.notifications.people import Recipient, clock, long_date, members, person, words
from services.offer_requests import EVENT_PREFIX
from services.offers import activity_of

# The side asked hears of a new request; the other side hears of every answer.
EVENT_KINDS = {
    f"{prefix}.{status.value}": (
        "request_received" if status is RequestStatus.REQUESTED else "request_answered",
    )
    for prefix in EVENT_PREFIX.values()
    for status in RequestStatus
}
VERBS = {
    "proposed": "proposed another date for",
    "scheduled": "accepted",
    "declined": "declined",
    "cancelled": "cancelled",
}
# The side that asked, answering the other side's proposal.
PROPOSAL_VERBS = {
    "scheduled": "taken the date proposed for",
    "declined": "turned down the date proposed for",
}
HEADINGS = {
    "proposed": "Another date is proposed",
    "scheduled": "It is scheduled",
    "declined": "The request is declined",
    "cancelled": "It is cancelled",
}
RESOURCES = {
    RequestKind.OFFER: "offer-requests",
    RequestKind.PROVIDER_ACCESS: "provider-access-requests",
}


def _request(session: Session, payload: dict) -> OfferRequest | None:
    return session.get(OfferRequest, uuid.UUID(payload["request_id"]))


def _maker(session: Session, request: OfferRequest, side: Side) -> list[Recipient]:
    """The person who made the request, when it is this side's and they are still active."""
    if request.requested_by is not side or request.created_by_user_id is None:
        return []
    return person(session.get(User, request.created_by_user_id))


def school_side(session: Session, request: OfferRequest) -> list[Recipient]:
    """Whoever at the school made the request, else the school's staff."""
    return _maker(session, request, Side.SCHOOL) or members(
        session, request.school_id, Role.SCHOOL_STAFF
    )


def partner_side(session: Session, request: OfferRequest) -> list[Recipient]:
    """Whoever at the provider made the request, else the employer's or provider's staff."""
    staff = Role.EMPLOYER_STAFF if request.employer_id else Role.PROVIDER_STAFF
    return _maker(session, request, Side.PARTNER) or members(session, request.partner_id, staff)


def told(session: Session, payload: dict) -> list[Recipient]:
    """The side that did not act on the request (both sides when an admin did)."""
    request = _request(session, payload)
    if request is None:
        return []
    by = payload.get("by")
    recipients = []
    if by != Side.SCHOOL.value:
        recipients += school_side(session, request)
    if by != Side.PARTNER.value:
        recipients += partner_side(session, request)
    return recipients


def request_facts(session: Session, request: OfferRequest) -> dict:
    partner = session.get(Employer if request.employer_id else Provider, request.partner_id)
    if request.date is not None:
        when = f"{long_date(request.date)}, {clock(request.starts_at)} to {clock(request.ends_at)}"
    else:
        when = "one of " + "; ".join(
            long_date(date.fromisoformat(d)) for d in request.preferred_dates
        )
    return {
        "access": request.kind is RequestKind.PROVIDER_ACCESS,
        "what": request.offer.title if request.offer else words(request.activity),
        "activity": words(request.activity),
        "partner": partner.name,
        "school": request.school.name,
        "when": when,
        "mode": words(request.mode),
        "year_groups": ", ".join(f"Y{y}" for y in sorted(request.year_groups)),
        "group_size": request.pupils,
    }


def received_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    """To the side asked, while the request still waits for its answer."""
    request = _request(session, context)
    if request is None or request.status is not RequestStatus.REQUESTED:
        return None
    return {
        **request_facts(session, request),
        "from_school": request.requested_by is Side.SCHOOL,
        "has_notes": bool(request.notes),
        **settings.links(
            f"/api/v1/{RESOURCES[request.kind]}/{request.id}", "accept", "propose", "decline"
        ),
    }


def answered_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    """The answer as the event recorded it, told to the side that did not give it."""
    request = _request(session, context)
    if request is None:
        return None
    answer = context["status"]
    reason = request.cancel_reason if answer == "cancelled" else request.response_note
    published_ground = request.kind is RequestKind.PROVIDER_ACCESS and answer == "declined"
    shown = context.get("by") == Side.PARTNER.value or published_ground
    facts = request_facts(session, request)
    actors = {Side.SCHOOL.value: facts["school"], Side.PARTNER.value: facts["partner"]}
    by_asker = context.get("by") == request.requested_by.value
    return {
        **facts,
        "answer": answer,
        "verb": (by_asker and PROPOSAL_VERBS.get(answer)) or VERBS[answer],
        "heading": HEADINGS[answer],
        "by": actors.get(context.get("by"), "Engage's administrators"),
        "reason": reason if shown else None,
        "has_reason": bool(reason) and not shown,
        "link": settings.link(f"/api/v1/{RESOURCES[request.kind]}/{request.id}"),
    }


# --- the reminder two school days before, and the checklist after ---------------------


def scheduled_between(session: Session, first: date, last: date) -> list[OfferRequest]:
    return session.scalars(
        select(OfferRequest)
        .where(
            OfferRequest.status == RequestStatus.SCHEDULED,
            OfferRequest.date >= first,
            OfferRequest.date <= last,
        )
        .order_by(OfferRequest.date, OfferRequest.id)
    ).all()


def of_encounter(session: Session, encounter_id: uuid.UUID) -> OfferRequest | None:
    return session.scalar(select(OfferRequest).where(OfferRequest.encounter_id == encounter_id))


def both_sides(session: Session, request: OfferRequest) -> list[Recipient]:
    return school_side(session, request) + partner_side(session, request)


def everyone(session: Session, request: OfferRequest) -> list[Recipient]:
    """Both sides and the volunteers the partner named."""
    named = [r for volunteer in request.volunteers for r in person(volunteer.user)]
    return both_sides(session, request) + named


def _safeguarding(request: OfferRequest) -> list[str]:
    if request.offer is not None:
        activity = activity_of(request.offer, request.year_groups, request.mode)
    else:  # a provider's visit to a school, supervised by its staff
        activity = safeguarding.supervised_visit(
            safeguarding.youngest_age(request.year_groups),
            safeguarding.Setting.VIRTUAL
            if request.mode is Mode.VIRTUAL
            else safeguarding.Setting.SCHOOL,
        )
    return list(safeguarding.requirement(activity).checks)


def reminder_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    request = session.get(OfferRequest, uuid.UUID(context["id"]))
    if request is None or request.status is not RequestStatus.SCHEDULED:
        return None
    school = request.school
    virtual = request.mode is Mode.VIRTUAL
    return {
        **request_facts(session, request),
        "date": long_date(request.date),
        "place": "online" if virtual else ", ".join(filter(None, [school.town, school.postcode])),
        "arrival": "Join online; a member of staff will be there throughout"
        if virtual
        else f"Sign in at {school.name} reception 15 minutes early, with photo ID",
        "volunteers": [volunteer.user.name for volunteer in request.volunteers],
        "safeguarding": _safeguarding(request),
        "link": settings.link(f"/api/v1/{RESOURCES[request.kind]}/{request.id}"),
    }
