"""iCalendar feeds (RFC 5545) of a school's or an employer's confirmed visits.

Each feed lives at an unguessable URL: a random token whose SHA-256 digest alone is kept,
so a leaked database does not leak subscriptions. Rotating replaces the token (the old URL
stops working at once); revoking removes it. Times are Europe/London with a VTIMEZONE.
"""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import LONDON
from models.bookings import Booking, BookingStatus, Slot
from models.calendars import CalendarFeed
from models.offers import Offer
from models.organisations import Employer, Organisation, School
from services import tokens
from services.access import authorize
from services.callers import Action, Caller
from services.errors import NotFound
from services.labels import label

SHOWN = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
PRODUCT_ID = "-//Engage//Workplace visits//EN"


def _organisation(session: Session, caller: Caller, organisation_id: uuid.UUID, kind: type):
    organisation = session.get(kind, organisation_id)
    if organisation is None:
        raise NotFound(f"No such {label(kind)}.")
    authorize(session, caller, Action.UPDATE, organisation)
    return organisation


def rotate(session: Session, caller: Caller, *, organisation_id: uuid.UUID, kind: type) -> str:
    """Create the feed, or replace its token; returns the new token (shown once)."""
    organisation = _organisation(session, caller, organisation_id, kind)
    token = tokens.new_secret()
    feed = session.scalar(
        select(CalendarFeed).where(CalendarFeed.organisation_id == organisation.id)
    )
    if feed is None:
        feed = CalendarFeed(organisation_id=organisation.id, token_digest=tokens.digest(token))
        session.add(feed)
    else:
        feed.token_digest = tokens.digest(token)
    session.flush()
    return token


def revoke(session: Session, caller: Caller, *, organisation_id: uuid.UUID, kind: type) -> None:
    organisation = _organisation(session, caller, organisation_id, kind)
    feed = session.scalar(
        select(CalendarFeed).where(CalendarFeed.organisation_id == organisation.id)
    )
    if feed is not None:
        session.delete(feed)
        session.flush()


def feed(session: Session, token: str) -> bytes:
    """The calendar behind a token, or NotFound (an unknown and a revoked token alike)."""
    found = session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_digest == tokens.digest(token))
    )
    if found is None:
        raise NotFound("No such calendar.")
    organisation = found.organisation
    query = (
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .join(Offer, Offer.id == Slot.offer_id)
        .where(Booking.status.in_(SHOWN))
        .order_by(Slot.date, Slot.starts_at, Booking.id)
    )
    if isinstance(organisation, School):
        query = query.where(Booking.school_id == organisation.id)
    elif isinstance(organisation, Employer):
        query = query.where(Offer.employer_id == organisation.id)
    else:
        raise NotFound("No such calendar.")
    return render(organisation, list(session.scalars(query)))


def render(organisation: Organisation, bookings: list[Booking]) -> bytes:
    london = ZoneInfo(LONDON)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{organisation.name}: workplace visits (Engage)")
    calendar.add("x-wr-timezone", LONDON)
    for booking in bookings:
        slot, offer = booking.slot, booking.slot.offer
        event = icalendar.Event()
        event.add("uid", f"booking-{booking.id}@engage")
        event.add("dtstamp", booking.updated_at)
        event.add("dtstart", datetime.combine(slot.date, slot.starts_at, tzinfo=london))
        event.add("dtend", datetime.combine(slot.date, slot.ends_at, tzinfo=london))
        event.add("summary", f"{offer.title}: {booking.school.name} with {offer.employer.name}")
        event.add("status", "CONFIRMED")
        if offer.postcode:
            event.add("location", offer.postcode)
        if offer.latitude is not None:
            event.add("geo", (offer.latitude, offer.longitude))
        lines = [
            f"{offer.kind.value.replace('_', ' ').capitalize()} for Y{booking.year_group}, "
            f"{booking.seats} pupils.",
            f"School staff lead: {booking.staff_lead_name}.",
            f"Supervisor: {offer.named_supervisor}.",
        ]
        if booking.adjustments:
            lines.append(f"Adjustments: {booking.adjustments}")
        if offer.accessibility_notes:
            lines.append(f"Accessibility: {offer.accessibility_notes}")
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    calendar.add_component(london_timezone())
    return calendar.to_ical()


def london_timezone() -> icalendar.Timezone:
    """Europe/London as calendar clients publish it: two RRULEs for the EU clock changes
    (the last Sundays of March and October, at 01:00 UTC), not a list of every change."""
    timezone = icalendar.Timezone()
    timezone.add("tzid", LONDON)
    timezone.add("x-lic-location", LONDON)
    for kind, name, offset_from, offset_to, starts, month in (
        (icalendar.TimezoneDaylight, "BST", 0, 1, datetime(1970, 3, 29, 1), 3),
        (icalendar.TimezoneStandard, "GMT", 1, 0, datetime(1970, 10, 25, 2), 10),
    ):
        change = kind()
        change.add("tzname", name)
        change.add("tzoffsetfrom", timedelta(hours=offset_from))
        change.add("tzoffsetto", timedelta(hours=offset_to))
        change.add("dtstart", starts)
        change.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        timezone.add_component(change)
    return timezone
