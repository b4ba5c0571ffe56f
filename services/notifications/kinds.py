"""Each kind of message: who gets it for an outbox event, whether it is essential, and
what its template is told (read when the message is written, so it says what is true then).

A context builder returns None when there is nothing left to say (an invitation already
accepted, a match no longer awaiting an answer): the notification is then skipped.
Templates are told names, dates, places and links, never anything about a pupil: group
sizes and year groups are all an employer or volunteer reads.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models.bookings import Booking, WaitlistEntry
from models.matches import Match, MatchStatus
from models.offers import Offer
from models.users import Invitation
from services import invitations, password_resets, safeguarding
from services.notifications import requests
from services.notifications.messages import MailSettings
from services.notifications.people import (
    Recipient,
    by_email,
    clock,
    employer_side,
    long_date,
    person,
    school_side_of_booking,
    school_side_of_match,
    words,
)

Recipients = Callable[[Session, dict], list[Recipient]]
Context = Callable[[Session, dict, MailSettings], dict | None]


@dataclass(frozen=True)
class Kind:
    name: str  # also the template's name
    essential: bool  # sent whatever the person chose (security, invitations, own bookings)
    context: Context
    recipients: Recipients | None = None  # for kinds that outbox events start


def _id(payload: dict, name: str) -> uuid.UUID:
    return uuid.UUID(payload[name])


# Invitations to join an organisation ------------------------------------------------------


def _invitation_recipients(session: Session, payload: dict) -> list[Recipient]:
    invitation = session.get(Invitation, _id(payload, "invitation_id"))
    return [Recipient(invitation.email)] if invitation else []


def _invitation_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    invitation = session.get(Invitation, _id(context, "invitation_id"))
    token = invitations.reissue_token(session, invitation) if invitation else None
    if token is None:
        return None
    return {
        "organisation": invitation.organisation.name,
        "role": words(invitation.role),
        "expires_on": long_date(invitation.expires_at.date()),
        "link": settings.link(f"/api/v1/invitations/accept#token={token}"),
    }


# Password resets (never from the outbox: the request writes its notification) -------------


def _password_reset_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    issued = password_resets.issue_link_token(session, _id(context, "password_reset_id"))
    if issued is None:
        return None
    token, minutes = issued
    return {
        "minutes": minutes,
        "link": settings.link(f"/api/v1/auth/password-reset/confirm#token={token}"),
    }


# Matches: a volunteer invited to a school's need, and the school hearing back ------------


def _match(session: Session, payload: dict) -> Match | None:
    return session.get(Match, _id(payload, "match_id"))


def need_facts(match: Match) -> dict:
    need = match.need
    required = safeguarding.requirement(safeguarding.need_activity(need))
    virtual = need.mode.value == "virtual"
    school = need.school
    return {
        "school": school.name,
        "title": need.title,
        "activity": words(need.activity_type),
        "mode": words(need.mode),
        "window": f"from {long_date(need.starts_on)} to {long_date(need.ends_on)}",
        "year_groups": ", ".join(f"Y{y}" for y in sorted(need.year_groups)),
        "group_size": need.pupils,
        "place": "online" if virtual else ", ".join(filter(None, [school.town, school.postcode])),
        "safeguarding": list(required.checks),
    }


def _volunteer_invited(session: Session, payload: dict) -> list[Recipient]:
    match = _match(session, payload)
    return person(match.volunteer.user) if match else []


def _match_invited_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    match = _match(session, context)
    if match is None or match.status is not MatchStatus.INVITED:
        return None
    return {
        **need_facts(match),
        "name": match.volunteer.user.name,
        "expires_on": long_date(match.expires_at.date()),
        **settings.links(f"/api/v1/matches/{match.id}", "accept", "decline"),
    }


def _school_hears(session: Session, payload: dict) -> list[Recipient]:
    """Accepted and declined always; withdrawn only when the volunteer stepped back."""
    if payload.get("status") == "withdrawn" and payload.get("by") != "volunteer":
        return []
    match = _match(session, payload)
    return school_side_of_match(session, match) if match else []


def _match_answered_context(session: Session, context: dict, settings: MailSettings) -> dict:
    match = _match(session, context)
    volunteer = match.volunteer
    return {
        **need_facts(match),
        "answer": context["status"],
        "reason": words(context["reason"]) if context.get("reason") else None,
        "volunteer": volunteer.user.name,
        "job_title": volunteer.job_title,
        "employer": volunteer.employer.name,
        "link": settings.link(f"/api/v1/matches/{match.id}"),
    }


# Bookings of workplace visits ---------------------------------------------------------------


def _booking(session: Session, payload: dict) -> Booking | None:
    return session.get(Booking, _id(payload, "booking_id"))


def booking_facts(booking: Booking) -> dict:
    slot = booking.slot
    offer: Offer = slot.offer
    return {
        "offer": offer.title,
        "offer_kind": words(offer.kind),
        "employer": offer.employer.name,
        "school": booking.school.name,
        "date": long_date(slot.date),
        "starts_at": clock(slot.starts_at),
        "ends_at": clock(slot.ends_at),
        "place": offer.postcode or "online",
        "supervisor": offer.named_supervisor,
        "seats": booking.seats,
        "year_group": f"Y{booking.year_group}",
        "has_adjustments": bool(booking.adjustments),
        "status": words(booking.status),
    }


def _booking_host(session: Session, payload: dict) -> list[Recipient]:
    return employer_side(session, _id(payload, "employer_id"))


def _booking_school(session: Session, payload: dict) -> list[Recipient]:
    booking = _booking(session, payload)
    return school_side_of_booking(session, booking) if booking else []


def _booking_context(session: Session, context: dict, settings: MailSettings) -> dict | None:
    booking = _booking(session, context)
    if booking is None:
        return None
    return {
        **booking_facts(booking),
        "answer": context["status"],
        **settings.links(f"/api/v1/bookings/{booking.id}", "confirm", "decline"),
    }


def _waitlist_school(session: Session, payload: dict) -> list[Recipient]:
    entry = session.get(WaitlistEntry, _id(payload, "waitlist_entry_id"))
    if entry is not None and entry.staff_lead_email:
        return [by_email(session, entry.staff_lead_email)]
    return _booking_school(session, payload)


KINDS = {
    kind.name: kind
    for kind in (
        Kind("invitation", True, _invitation_context, _invitation_recipients),
        Kind("password_reset", True, _password_reset_context),
        Kind("match_invited", True, _match_invited_context, _volunteer_invited),
        Kind("match_answered", False, _match_answered_context, _school_hears),
        Kind("booking_requested", False, _booking_context, _booking_host),
        Kind("booking_decided", True, _booking_context, _booking_school),
        Kind("waitlist_offered", True, _booking_context, _waitlist_school),
        Kind("request_received", False, requests.received_context, requests.told),
        Kind("request_answered", True, requests.answered_context, requests.told),
    )
}
# Which kinds each outbox event starts (events not named here send no email).
EVENT_KINDS = {
    "invitation.created": ("invitation",),
    "match.invited": ("match_invited",),
    "match.accepted": ("match_answered",),
    "match.declined": ("match_answered",),
    "match.withdrawn": ("match_answered",),
    "booking.requested": ("booking_requested",),
    "booking.confirmed": ("booking_decided",),
    "booking.declined": ("booking_decided",),
    "waitlist.offered": ("waitlist_offered",),
    **requests.EVENT_KINDS,
}
