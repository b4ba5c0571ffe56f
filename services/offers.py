"""Offers and their slots: an employer publishes a workplace experience once the host's
declarations all hold, then adds dates with seats; schools search the slots near them."""

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from models.bookings import Booking, Slot, WaitlistEntry
from models.offers import MAX_DAY_HOURS, Offer, OfferKind, OfferStatus
from models.organisations import Employer
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS
from services import audit
from services.access import Action, Caller, authorize, get_visible, visible_offers
from services.errors import Conflict, Forbidden, InvalidInput
from services.geo import distance_km, geocode
from services.pagination import Page, paginate
from services.school_years import london_today
from services.search import Near, Origin, _as_uuid, bounding_box, load_by_id

OFFER_FIELDS = (
    "kind",
    "title",
    "description",
    "sectors",
    "year_groups",
    "accessibility_notes",
    "risk_assessment_done",
    "liability_insurance",
    "named_supervisor",
    "day_length_hours",
)
SLOT_FIELDS = ("date", "starts_at", "ends_at", "school_cap")


class NotBookable(Conflict):
    """The offer lacks a declaration (or is not published): `errors` says what is missing."""

    code = "offer-not-bookable"


def missing_declarations(offer: Offer) -> dict[str, list[str]]:
    """What the host has still to declare before pupils may come (DOMAIN.md, safeguarding)."""
    missing: dict[str, list[str]] = {}
    if not offer.risk_assessment_done:
        missing["risk_assessment_done"] = ["The host has not confirmed a risk assessment."]
    if not offer.liability_insurance:
        missing["liability_insurance"] = [
            "The host has not confirmed employers' liability insurance."
        ]
    if not (offer.named_supervisor or "").strip():
        missing["named_supervisor"] = ["Name the supervisor who will look after the pupils."]
    if offer.day_length_hours is None:
        missing["day_length_hours"] = ["Give the length of the day in hours."]
    elif offer.day_length_hours > MAX_DAY_HOURS:
        missing["day_length_hours"] = [f"A day may be at most {MAX_DAY_HOURS} hours."]
    if offer.kind.in_person and offer.latitude is None:
        missing["postcode"] = ["Give the workplace's postcode."]
    if not offer.year_groups:
        missing["year_groups"] = ["Say which year groups the offer is for."]
    return missing


def require_bookable(offer: Offer) -> None:
    missing = missing_declarations(offer)
    if missing:
        raise NotBookable(
            "The offer cannot take bookings until the host declares: "
            + ", ".join(sorted(missing))
            + ".",
            errors=missing,
        )
    if offer.status is not OfferStatus.PUBLISHED:
        raise NotBookable(
            f"The offer is {offer.status.value}, not published.",
            errors={"status": [f"The offer is {offer.status.value}."]},
        )


# --- offers ---------------------------------------------------------------------------


def list_(
    session: Session,
    caller: Caller,
    *,
    page: int,
    page_size: int,
    employer_id: uuid.UUID | None = None,
    kind: OfferKind | None = None,
    status: OfferStatus | None = None,
) -> Page:
    query = select(Offer).where(visible_offers(caller))
    if employer_id:
        query = query.where(Offer.employer_id == employer_id)
    if kind:
        query = query.where(Offer.kind == kind)
    if status:
        query = query.where(Offer.status == status)
    query = query.order_by(Offer.created_at.desc(), Offer.id)
    return paginate(session, query, page=page, page_size=page_size)


def get(session: Session, caller: Caller, offer_id: uuid.UUID) -> Offer:
    return get_visible(session, caller, Offer, offer_id)


def get_for_update(session: Session, caller: Caller, offer_id: uuid.UUID) -> Offer:
    offer = get(session, caller, offer_id)
    authorize(session, caller, Action.UPDATE, offer)
    return offer


def create(
    session: Session, caller: Caller, *, employer_id: uuid.UUID | None = None, **fields
) -> Offer:
    """A draft offer of the caller's employer (admins name the employer)."""
    employer_id = employer_id or caller.organisation_id
    employer = session.get(Employer, employer_id)
    if employer is None:
        if caller.is_admin:
            raise InvalidInput("Unknown employer.", errors={"employer_id": ["No such employer."]})
        raise Forbidden("Only an employer's staff (or an admin) publish its offers.")
    authorize(session, caller, Action.UPDATE, employer)
    offer = Offer(employer_id=employer.id, status=OfferStatus.DRAFT)
    _apply(session, offer, fields)
    session.add(offer)
    session.flush()
    return offer


def update(session: Session, caller: Caller, offer_id: uuid.UUID, changes: dict) -> Offer:
    offer = get_for_update(session, caller, offer_id)
    _apply(session, offer, changes)
    if offer.status is OfferStatus.PUBLISHED:
        require_bookable(offer)  # a published offer may not lose a declaration
    session.flush()
    return offer


def publish_offer(session: Session, caller: Caller, offer_id: uuid.UUID) -> Offer:
    offer = get_for_update(session, caller, offer_id)
    if offer.status is OfferStatus.PUBLISHED:
        raise Conflict("The offer is already published.")
    offer.status = OfferStatus.PUBLISHED
    require_bookable(offer)
    session.flush()
    return offer


def withdraw_offer(session: Session, caller: Caller, offer_id: uuid.UUID) -> Offer:
    """No new bookings; bookings already made stand until cancelled."""
    offer = get_for_update(session, caller, offer_id)
    if offer.status is OfferStatus.WITHDRAWN:
        raise Conflict("The offer is already withdrawn.")
    offer.status = OfferStatus.WITHDRAWN
    session.flush()
    return offer


def _apply(session: Session, offer: Offer, changes: dict) -> None:
    location = geocode(session, changes["postcode"]) if changes.get("postcode") else None
    for name in OFFER_FIELDS:
        if name in changes:
            setattr(offer, name, changes[name])
    if "postcode" in changes:
        offer.postcode = location.postcode if location else None
        offer.latitude = location.latitude if location else None
        offer.longitude = location.longitude if location else None


# --- slots ----------------------------------------------------------------------------


def list_slots(
    session: Session, caller: Caller, offer_id: uuid.UUID, *, page: int, page_size: int
) -> Page:
    get(session, caller, offer_id)
    query = (
        select(Slot).where(Slot.offer_id == offer_id).order_by(Slot.date, Slot.starts_at, Slot.id)
    )
    return paginate(session, query, page=page, page_size=page_size)


def get_slot(session: Session, caller: Caller, slot_id: uuid.UUID) -> Slot:
    return get_visible(session, caller, Slot, slot_id)


def get_slot_for_update(session: Session, caller: Caller, slot_id: uuid.UUID) -> Slot:
    slot = get_slot(session, caller, slot_id)
    authorize(session, caller, Action.UPDATE, slot)
    return slot


def create_slot(
    session: Session,
    caller: Caller,
    offer_id: uuid.UUID,
    *,
    date: date,
    starts_at: time,
    ends_at: time,
    seats: int,
    school_cap: int | None = None,
) -> Slot:
    offer = get_for_update(session, caller, offer_id)
    if offer.status is OfferStatus.WITHDRAWN:
        raise Conflict("The offer is withdrawn: it takes no new slots.")
    _check_times(offer, date, starts_at, ends_at, seats, school_cap)
    slot = Slot(
        offer_id=offer.id,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        seats=seats,
        booked=0,
        school_cap=school_cap,
    )
    session.add(slot)
    session.flush()
    return slot


def update_slot(session: Session, caller: Caller, slot_id: uuid.UUID, changes: dict) -> Slot:
    """Move a slot or change its cap; seats never drop below those already booked."""
    slot = get_slot_for_update(session, caller, slot_id)
    values = {name: changes.get(name, getattr(slot, name)) for name in (*SLOT_FIELDS, "seats")}
    _check_times(
        slot.offer,
        values["date"],
        values["starts_at"],
        values["ends_at"],
        values["seats"],
        values["school_cap"],
    )
    for name in SLOT_FIELDS:
        if name in changes:
            setattr(slot, name, changes[name])
    session.flush()
    if "seats" in changes:
        changed = audit.update_where(
            session,
            Slot,
            Slot.id == slot.id,
            Slot.booked <= changes["seats"],
            values={"seats": changes["seats"]},
        )
        session.expire(slot, ["seats", "booked"])
        if changed != 1:
            raise Conflict(
                f"{slot.booked} seats are already booked: the slot cannot have fewer.",
                errors={"seats": [f"At least {slot.booked}."]},
            )
    return slot


def delete_slot(session: Session, caller: Caller, slot_id: uuid.UUID) -> None:
    slot = get_slot_for_update(session, caller, slot_id)
    used = session.scalar(select(Booking.id).where(Booking.slot_id == slot.id).limit(1))
    waiting = session.scalar(select(WaitlistEntry.id).where(WaitlistEntry.slot_id == slot.id))
    if used or waiting:
        raise Conflict("The slot has bookings or a waitlist: cancel them, or keep the slot.")
    session.delete(slot)
    session.flush()


def _check_times(
    offer: Offer, day: date, starts_at: time, ends_at: time, seats: int, school_cap: int | None
) -> None:
    errors: dict[str, list[str]] = {}
    if day < london_today():
        errors["date"] = ["The date has passed."]
    if ends_at <= starts_at:
        errors["ends_at"] = ["Ends after it starts."]
    else:
        length = datetime.combine(day, ends_at) - datetime.combine(day, starts_at)
        if length > timedelta(hours=MAX_DAY_HOURS):
            errors["ends_at"] = [f"A day may be at most {MAX_DAY_HOURS} hours."]
    if school_cap is not None and school_cap > seats:
        errors["school_cap"] = ["At most the slot's seats."]
    if errors:
        raise InvalidInput("The slot's times or seats are not acceptable.", errors=errors)


# --- search ---------------------------------------------------------------------------


def search_slots(
    session: Session,
    caller: Caller,
    *,
    page: int,
    page_size: int,
    near: Origin | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sector: str | None = None,
    year_group: int | None = None,
    seats: int | None = None,
    kind: OfferKind | None = None,
) -> Page:
    """Bookable slots (published offers, from today), soonest first or nearest first."""
    conditions = [
        Offer.status == OfferStatus.PUBLISHED,
        Slot.date >= max(date_from or london_today(), london_today()),
        Slot.seats - Slot.booked >= (seats or 1),
    ]
    if date_to:
        conditions.append(Slot.date <= date_to)
    if kind:
        conditions.append(Offer.kind == kind)
    if sector:
        if sector not in SIC_SECTIONS:
            raise InvalidInput("Unknown sector.", errors={"sector": ["A SIC 2007 section."]})
        conditions.append(Offer.sectors.op("&")(1 << SIC_SECTIONS.index(sector)) != 0)
    if year_group:
        conditions.append(Offer.year_groups.op("&")(1 << YEAR_GROUPS.index(year_group)) != 0)
    base = select(Slot).join(Offer, Offer.id == Slot.offer_id).where(*conditions)
    if near is None:
        query = base.order_by(Slot.date, Slot.starts_at, Slot.id)
        return paginate(session, query, page=page, page_size=page_size)
    latitude, longitude = near.location.latitude, near.location.longitude
    south, north, west, east = bounding_box(latitude, longitude, near.within_km)
    candidates = session.execute(
        select(cast(Slot.id, String), Offer.latitude, Offer.longitude, Slot.date, Slot.starts_at)
        .join(Offer, Offer.id == Slot.offer_id)
        .where(
            *conditions,
            Offer.latitude.between(south, north),
            Offer.longitude.between(west, east),
        )
    ).all()
    hits = []
    for slot_id, lat, lon, day, starts_at in candidates:
        distance = distance_km(latitude, longitude, lat, lon)
        if distance <= near.within_km:
            hits.append((round(distance, 3), day, starts_at, slot_id))
    hits.sort()
    window = hits[(page - 1) * page_size :][:page_size]
    slots = load_by_id(session, Slot, [_as_uuid(h[3]) for h in window])
    return Page([Near(slots[_as_uuid(h[3])], h[0]) for h in window], len(hits))
