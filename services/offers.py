"""Offers and their slots: an employer publishes a workplace experience once the host's
declarations all hold, then adds dates with seats; schools search the slots near them.
Employers and providers publish encounter offers too (talks, workshops, ...), which
schools find in the directory (services.offer_directory) and request for a date
(services.offer_requests)."""

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, String, and_, cast, or_, select
from sqlalchemy.orm import Session, joinedload

from models.base import london_now
from models.bookings import Booking, Slot, WaitlistEntry
from models.offers import ENCOUNTER_KINDS, MAX_DAY_HOURS, Offer, OfferKind, OfferStatus
from models.organisations import Employer, Provider
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, Mode, Volunteer
from services import audit, outbox, reference_data, safeguarding
from services.access import authorize, get_authorized, get_visible, visible_offers
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, InvalidInput
from services.geo import distance_km, geocode, located
from services.pagination import Listing, Page, paginate
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
    "modes",
    "max_group",
    "send_suitable",
    "available_from",
    "available_to",
    "available_weekdays",
    "available_dates",
    "travel_radius_km",
    "notice_days",
    "supervised",
    "frequency",
    "overnight",
    "target_disadvantaged",
    "target_local_authorities",
    "target_combined_authorities",
    "target_skills_areas",
    "target_rural",
)
TARGET_AREAS = {  # an offer's target field → the school's area it names
    "target_combined_authorities": "combined_authority",
    "target_skills_areas": "skills_area",
}
MAX_TRAVEL_KM = 100
SLOT_FIELDS = ("date", "starts_at", "ends_at", "school_cap")
# Offers are shown with their partner's name: load it with them, not one query per row.
WITH_PARTNER = (joinedload(Offer.employer), joinedload(Offer.provider))


class NotBookable(Conflict):
    """The offer lacks a declaration (or is not published): `errors` says what is missing."""

    code = "offer-not-bookable"


def missing_declarations(offer: Offer) -> dict[str, list[str]]:
    """What the host has still to declare before pupils may come (DOMAIN.md, safeguarding);
    for an encounter offer, what a school needs to know before it can request it."""
    if not offer.kind.is_workplace:
        return missing_details(offer)
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


def missing_details(offer: Offer) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    if not offer.year_groups:
        missing["year_groups"] = ["Say which year groups the offer is for."]
    if not offer.modes:
        missing["modes"] = ["Say whether it happens in school, online, or both."]
    elif not offer.kind.in_person and Mode.IN_PERSON in offer.modes:
        missing["modes"] = [f"A {offer.kind.value.replace('_', ' ')} happens online only."]
    if Mode.IN_PERSON in (offer.modes or ()):
        if offer.latitude is None:
            missing["postcode"] = ["Give the base postcode its volunteers travel from."]
        if offer.travel_radius_km is None:
            missing["travel_radius_km"] = ["Say how far from the base its volunteers travel."]
    if not offer.available_dates and None in (offer.available_from, offer.available_to):
        missing["available_from"] = ["Give the dates it is available: a range, or listed dates."]
    elif offer.available_from and offer.available_to and offer.available_to < offer.available_from:
        missing["available_to"] = ["The range ends before it starts."]
    return missing


def activity_of(offer: Offer, year_groups: list[int], mode: Mode) -> safeguarding.Activity:
    """An encounter offer's safeguarding attributes, for a group of these year groups."""
    return safeguarding.Activity(
        supervised=offer.supervised,
        frequency=offer.frequency,
        overnight=offer.overnight,
        youngest_age=safeguarding.youngest_age(year_groups),
        setting=safeguarding.Setting.VIRTUAL
        if mode is Mode.VIRTUAL
        else safeguarding.Setting.SCHOOL,
    )


def safeguarding_summary(offer: Offer) -> dict:
    """What the offer's volunteers need for its youngest pupils (workplaces: the host's)."""
    if offer.kind.is_workplace:
        return {}
    mode = Mode.IN_PERSON if Mode.IN_PERSON in (offer.modes or ()) else Mode.VIRTUAL
    required = safeguarding.requirement(activity_of(offer, offer.year_groups or [], mode))
    return {
        "requirement": required.name,
        "checks": list(required.checks),
        "reasons": list(required.reasons),
    }


def not_started(now: datetime) -> ColumnElement[bool]:
    """SQL: the slot's London start time is still ahead of the aware moment `now`."""
    today, clock = now.date(), now.time().replace(tzinfo=None)
    return or_(Slot.date > today, and_(Slot.date == today, Slot.starts_at > clock))


def require_slot_bookable(slot: Slot) -> None:
    """The slot's offer takes bookings and the slot has not started."""
    require_bookable(slot.offer)
    if slot.has_started(london_now()):
        when = f"{slot.date.isoformat()} {slot.starts_at:%H:%M}"
        raise NotBookable(
            f"The slot started at {when} (London): it takes no more bookings.",
            errors={"slot_id": [f"Started at {when}."]},
        )


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


# The offers the caller may see, the newest first.
OFFERS = Listing(
    Offer,
    query=select(Offer).options(*WITH_PARTNER),
    visible=visible_offers,
    equal=("employer_id", "provider_id", "kind", "status"),
    order=(Offer.created_at.desc(), Offer.id),
)
list_ = OFFERS.page


def get(session: Session, caller: Caller, offer_id: uuid.UUID) -> Offer:
    return get_visible(session, caller, Offer, offer_id)


def get_for_update(session: Session, caller: Caller, offer_id: uuid.UUID) -> Offer:
    return get_authorized(session, caller, Action.UPDATE, Offer, offer_id)


def create(
    session: Session,
    caller: Caller,
    *,
    employer_id: uuid.UUID | None = None,
    provider_id: uuid.UUID | None = None,
    volunteer_ids: list[uuid.UUID] | None = None,
    **fields,
) -> Offer:
    """A draft offer of the caller's employer or provider (admins name the partner)."""
    partner = _partner(session, caller, employer_id, provider_id)
    authorize(session, caller, Action.UPDATE, partner)
    offer = Offer(status=OfferStatus.DRAFT)
    if isinstance(partner, Provider):
        offer.provider_id = partner.id
        if fields["kind"].is_workplace:
            raise InvalidInput(
                "Providers publish encounter offers, not workplace experiences.",
                errors={"kind": [f"One of: {', '.join(k.value for k in ENCOUNTER_KINDS)}."]},
            )
    else:
        offer.employer_id = partner.id
    _apply(session, offer, fields)
    if volunteer_ids is not None:
        _name_volunteers(session, offer, volunteer_ids)
    session.add(offer)
    session.flush()
    return offer


def _partner(session, caller, employer_id, provider_id) -> Employer | Provider:
    if employer_id and provider_id:
        raise InvalidInput(
            "An offer has one partner.", errors={"provider_id": ["Name an employer or a provider."]}
        )
    if caller.is_admin:
        partner = (
            (
                session.get(Provider, provider_id)
                if provider_id
                else session.get(Employer, employer_id)
            )
            if (employer_id or provider_id)
            else None
        )
        if partner is None:
            field = "provider_id" if provider_id else "employer_id"
            raise InvalidInput("Unknown partner.", errors={field: ["No such organisation."]})
        return partner
    partner = session.get(Employer, caller.organisation_id) or session.get(
        Provider, caller.organisation_id
    )
    if partner is None or (employer_id or provider_id or partner.id) != partner.id:
        raise Forbidden("Only an employer's or provider's staff (or an admin) publish its offers.")
    return partner


def _name_volunteers(session: Session, offer: Offer, volunteer_ids: list[uuid.UUID]) -> None:
    """The volunteers who may deliver it: the employer's own."""
    found = {
        v.id: v for v in session.scalars(select(Volunteer).where(Volunteer.id.in_(volunteer_ids)))
    }
    strangers = [
        str(i) for i in volunteer_ids if i not in found or found[i].employer_id != offer.employer_id
    ]
    if strangers:
        raise InvalidInput(
            "Name the employer's own volunteers.",
            errors={
                "volunteer_ids": [f"Not a volunteer of this employer: {', '.join(strangers)}."]
            },
        )
    offer.volunteers = [found[i] for i in dict.fromkeys(volunteer_ids)]


def update(session: Session, caller: Caller, offer_id: uuid.UUID, changes: dict) -> Offer:
    offer = get_for_update(session, caller, offer_id)
    if "kind" in changes and changes["kind"].is_workplace is not offer.kind.is_workplace:
        raise InvalidInput(
            "An offer keeps its family.",
            errors={"kind": ["A workplace experience and an encounter offer do not swap."]},
        )
    volunteer_ids = changes.pop("volunteer_ids", None)
    _apply(session, offer, changes)
    if volunteer_ids is not None:
        _name_volunteers(session, offer, volunteer_ids)
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
    outbox.publish(session, "offer.published", offer, _event_data(offer))
    return offer


def withdraw_offer(session: Session, caller: Caller, offer_id: uuid.UUID) -> Offer:
    """No new bookings; bookings already made stand until cancelled."""
    offer = get_for_update(session, caller, offer_id)
    if offer.status is OfferStatus.WITHDRAWN:
        raise Conflict("The offer is already withdrawn.")
    was_published = offer.status is OfferStatus.PUBLISHED
    offer.status = OfferStatus.WITHDRAWN
    session.flush()
    if was_published:  # everyone could see it: everyone hears it went
        outbox.publish(session, "offer.withdrawn", offer, _event_data(offer))
    return offer


def _event_data(offer: Offer) -> dict:
    return {
        "offer_id": str(offer.id),
        "employer_id": str(offer.employer_id) if offer.employer_id else None,
        "provider_id": str(offer.provider_id) if offer.provider_id else None,
        "kind": offer.kind.value,
        "status": offer.status.value,
    }


def _apply(session: Session, offer: Offer, changes: dict) -> None:
    _check_areas(changes)
    location = geocode(session, changes["postcode"]) if changes.get("postcode") else None
    if "available_dates" in changes:
        changes = {
            **changes,
            "available_dates": sorted({d.isoformat() for d in changes["available_dates"]}),
        }
    for name in OFFER_FIELDS:
        if name in changes:
            setattr(offer, name, changes[name])
    if "postcode" in changes:
        offer.postcode, offer.latitude, offer.longitude = located(location)


def _check_areas(changes: dict) -> None:
    """Combined authorities and skills-plan areas are named as the shipped data names them."""
    errors = {
        field: [f"Unknown: {', '.join(sorted(unknown))}."]
        for field, area in TARGET_AREAS.items()
        if (unknown := set(changes.get(field) or []) - reference_data.area_names(area))
    }
    if errors:
        raise InvalidInput("Unknown target areas.", errors=errors)


# --- slots ----------------------------------------------------------------------------


# An offer's slots, the soonest first.
SLOTS = Listing(Slot, within=(Offer, "offer_id"), order=(Slot.date, Slot.starts_at, Slot.id))
list_slots = SLOTS.page_within


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
    if not offer.kind.is_workplace:
        raise Conflict("Schools request encounter offers for a date: they take no slots.")
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
    now = london_now()
    if day < now.date():
        errors["date"] = ["The date has passed."]
    elif datetime.combine(day, starts_at, now.tzinfo) <= now:
        errors["starts_at"] = ["The start time has passed."]
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
    """Bookable slots (published offers, not yet started), soonest first or nearest first."""
    conditions = [
        Offer.status == OfferStatus.PUBLISHED,
        not_started(london_now()),
        Slot.seats - Slot.booked >= (seats or 1),
    ]
    if date_from:
        conditions.append(Slot.date >= date_from)
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
    with_host = joinedload(Slot.offer).joinedload(Offer.employer)
    if near is None:
        query = base.order_by(Slot.date, Slot.starts_at, Slot.id).options(with_host)
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
    slots = load_by_id(session, Slot, [_as_uuid(h[3]) for h in window], [with_host])
    return Page([Near(slots[_as_uuid(h[3])], h[0]) for h in window], len(hits))
