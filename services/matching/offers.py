"""Offer ranking: employers' published offers ranked for a workplace need by the same
WEIGHTS as volunteers, each with the slots on the need's dates that still have seats."""

import uuid
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from models.base import london_now
from models.bookings import HOLDING_SEATS, Booking, Slot
from models.needs import Need, NeedMode
from models.offers import Offer, OfferKind, OfferStatus
from models.organisations import EmployerSize
from models.volunteers import SIC_SECTIONS, ActivityType
from services.geo import distance_km
from services.matching.encoding import set_bits
from services.matching.engine import FACTORS, REACH_CAP_KM, WEIGHTS, Factor, Target
from services.offers import missing_declarations, not_started
from services.search import bounding_box

# The offer kinds that can meet a need for each workplace activity, the first the closest.
OFFER_KINDS: dict[ActivityType, tuple[OfferKind, ...]] = {
    ActivityType.WORKPLACE_VISIT_HOST: (OfferKind.WORKPLACE_VISIT,),
    ActivityType.JOB_SHADOWING: (OfferKind.JOB_SHADOWING,),
    ActivityType.WORK_EXPERIENCE_SUPERVISOR: (
        OfferKind.WORK_EXPERIENCE,
        OfferKind.VIRTUAL_WORK_EXPERIENCE,
    ),
}
OFFER_EXCLUSION_REASONS = (
    "wrong_mode",
    "out_of_range",
    "wrong_year_groups",
    "unavailable",
    "safeguarding",
    "already_booked",
)
OFFER_LIMIT = 10  # the best offers shown beside each page of volunteers


@dataclass(frozen=True)
class OfferCandidate:
    """An employer's published offer ranked for a need, with the slots the school can book."""

    offer: Offer
    score: float
    distance_km: float | None
    breakdown: list[Factor]
    slots: list[Slot]


def offer_candidates(
    session: Session, need: Need, target: Target
) -> tuple[list[OfferCandidate], dict[str, int]]:
    """Published offers ranked for a workplace need by the same WEIGHTS as volunteers, best
    first (ties: nearer, then offer id), and the others counted by their first reason out.
    Needs for other activities (a careers talk) are met by volunteers, never by offers."""
    excluded = dict.fromkeys(OFFER_EXCLUSION_REASONS, 0)
    if need.activity_type not in OFFER_KINDS:
        return [], excluded
    dates = {date.fromisoformat(day) for day in target.window_dates}
    open_slots = _open_slots(session, need, dates)
    booked = set(
        session.scalars(
            select(Slot.offer_id)
            .join(Booking, Booking.slot_id == Slot.id)
            .where(Booking.school_id == need.school_id, Booking.status.in_(HOLDING_SEATS))
        )
    )
    found = []
    offers, outside = _published_offers(session, need, target)
    excluded["out_of_range"] = outside
    for offer in offers:
        slots = open_slots.get(offer.id, [])
        reason = _offer_exclusion(need, target, offer, slots, offer.id in booked)
        if reason:
            excluded[reason] += 1
        else:
            found.append(_score_offer(need, target, offer, slots))
    found.sort(key=lambda c: (-c.score, c.distance_km or 0.0, str(c.offer.id)))
    return found, excluded


def _published_offers(session: Session, need: Need, target: Target) -> tuple[list[Offer], int]:
    """Published offers of the need's kinds in the school's box or virtual, and how many
    others there are (out of range)."""
    kinds = OFFER_KINDS[ActivityType(need.activity_type)]
    published = (Offer.status == OfferStatus.PUBLISHED, Offer.kind.in_(kinds))
    query = select(Offer).where(*published).options(selectinload(Offer.employer))
    if target.latitude is not None:
        south, north, west, east = bounding_box(target.latitude, target.longitude, REACH_CAP_KM)
        in_box = Offer.latitude.between(south, north) & Offer.longitude.between(west, east)
        query = query.where(or_(in_box, Offer.kind == OfferKind.VIRTUAL_WORK_EXPERIENCE))
    offers = list(session.scalars(query.order_by(Offer.id)))
    total = session.scalar(select(func.count()).select_from(Offer).where(*published)) or 0
    return offers, total - len(offers)


def _open_slots(session: Session, need: Need, dates: set[date]) -> dict[uuid.UUID, list[Slot]]:
    """Slots with seats left on the need's dates (not yet started), soonest first, by offer."""
    query = (
        select(Slot)
        .where(
            not_started(london_now()),
            Slot.date >= need.starts_on,
            Slot.date <= need.ends_on,
            Slot.seats > Slot.booked,
        )
        .order_by(Slot.date, Slot.starts_at, Slot.id)
    )
    by_offer: dict[uuid.UUID, list[Slot]] = {}
    for slot in session.scalars(query):
        if slot.date in dates:
            by_offer.setdefault(slot.offer_id, []).append(slot)
    return by_offer


def _offer_distance(target: Target, offer: Offer) -> float:
    if not offer.kind.in_person:
        return float("inf")
    if None in (target.latitude, offer.latitude):
        return float("inf")
    return distance_km(target.latitude, target.longitude, offer.latitude, offer.longitude)


def _offer_exclusion(
    need: Need, target: Target, offer: Offer, slots: list[Slot], booked: bool
) -> str | None:
    wanted = {NeedMode.IN_PERSON: True, NeedMode.VIRTUAL: False}.get(target.mode)
    if wanted is not None and offer.kind.in_person is not wanted:
        return "wrong_mode"
    if offer.kind.in_person and _offer_distance(target, offer) > REACH_CAP_KM:
        return "out_of_range"
    if not set(need.year_groups) & set(offer.year_groups):
        return "wrong_year_groups"
    if not slots:
        return "unavailable"
    if missing_declarations(offer):
        return "safeguarding"
    return "already_booked" if booked else None


def _score_offer(need: Need, target: Target, offer: Offer, slots: list[Slot]) -> OfferCandidate:
    """The volunteers' factors as a host reads them: pupils travel from the school (up to
    REACH_CAP_KM); availability is the seats left on the need's dates against its pupils;
    fairness favours hosts whose seats are still mostly free."""
    distance = _offer_distance(target, offer)
    employer = offer.employer
    sizes = list(EmployerSize)
    size = sizes.index(EmployerSize(employer.size_band)) if employer.size_band else -1
    sector = SIC_SECTIONS.index(employer.sector_code) if employer.sector_code else -1
    sectors = set_bits(
        offer.sectors or ([employer.sector_code] if employer.sector_code else []), SIC_SECTIONS
    )
    seats = sum(slot.seats for slot in slots)
    seats_left = sum(slot.seats_left for slot in slots)
    values = {
        "distance": 1.0 - distance / REACH_CAP_KM if offer.kind.in_person else 0.5,
        "activity": 1.0 if offer.kind == OFFER_KINDS[ActivityType(need.activity_type)][0] else 0.5,
        "availability": min(1.0, seats_left / need.pupils),
        "sector": 1.0 if not target.sectors else float(bool(sectors & target.sectors)),
        "year_groups": len(set(need.year_groups) & set(offer.year_groups)) / len(need.year_groups),
        "variety": 0.5 * _new(size, target.met_sizes) + 0.5 * _new(sector, target.met_sectors),
        "fairness": seats_left / seats,
        "mode": 1.0 if target.mode is not NeedMode.EITHER else 0.75,
        "priority": target.priority,
        "role_model": 0.5 if target.role_models else 1.0,  # an offer has no journey: unknown
    }
    if target.mode is NeedMode.VIRTUAL:
        values["distance"] = 1.0
    breakdown = [Factor(name, round(values[name], 6), WEIGHTS[name]) for name in FACTORS]
    return OfferCandidate(
        offer=offer,
        score=round(sum(f.contribution for f in breakdown), 6),
        distance_km=None if np.isinf(distance) else round(distance, 3),
        breakdown=breakdown,
        slots=slots,
    )


def _new(index: int, met: frozenset[int]) -> float:
    """1 for a size or sector the school has not met lately, 0 if it has, 0.5 unknown."""
    return 0.5 if index < 0 else float(index not in met)
