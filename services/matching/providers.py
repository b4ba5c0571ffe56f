"""Provider ranking for a Benchmark 7 need: the colleges, sixth forms, universities and
training providers near the school, those of a type the need's pupils have not yet met
and those offering an encounter that could meet it first, each reason explained.

A type is new to the pupils in the share of the need's year groups' pupils on roll who
have not attended a Benchmark 7 encounter with a provider of that type; a school with no
pupils recorded in those year groups counts the types it has held encounters with for them.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.encounters import Attendance, Encounter
from models.needs import Need
from models.organisations import Provider, ProviderType
from models.pupils import Pupil
from services import school_years
from services.geo import distance_km
from services.matching.engine import REACH_CAP_KM
from services.offer_directory import Factor, RankedOffer
from services.search import bounding_box

WEIGHTS = {
    "new_type": 0.5,  # a type of provider the need's pupils have not met
    "offer": 0.3,  # it offers an encounter that could meet the need
    "distance": 0.2,  # 1 at the school to 0 at REACH_CAP_KM
}
LABELS = {
    ProviderType.SIXTH_FORM: "a sixth form",
    ProviderType.FE_COLLEGE: "an FE college",
    ProviderType.UNIVERSITY: "a university",
    ProviderType.ITP: "an independent training provider",
}
PROVIDER_LIMIT = 10


@dataclass(frozen=True)
class ProviderCandidate:
    provider: Provider
    score: float
    distance_km: float
    factors: list[Factor] = field(default_factory=list)


def provider_candidates(
    session: Session, need: Need, offers: list[RankedOffer], *, limit: int = PROVIDER_LIMIT
) -> list[ProviderCandidate]:
    """Providers within REACH_CAP_KM of the need's school, best first (then nearer)."""
    school = need.school
    if need.benchmark != 7 or school.latitude is None:
        return []
    south, north, west, east = bounding_box(school.latitude, school.longitude, REACH_CAP_KM)
    nearby = session.scalars(
        select(Provider).where(
            Provider.latitude.between(south, north), Provider.longitude.between(west, east)
        )
    )
    unmet = unmet_shares(session, need)
    offering: dict[uuid.UUID, str] = {}
    for hit in offers:  # best first: each provider's best matching offer
        if hit.offer.provider_id:
            offering.setdefault(hit.offer.provider_id, hit.offer.title)
    found = []
    for provider in nearby:
        km = distance_km(school.latitude, school.longitude, provider.latitude, provider.longitude)
        if km <= REACH_CAP_KM:
            found.append(_ranked(provider, km, unmet, offering.get(provider.id)))
    found.sort(key=lambda c: (-c.score, c.distance_km, str(c.provider.id)))
    return found[:limit]


def _ranked(provider: Provider, km: float, unmet: dict, offer: str | None) -> ProviderCandidate:
    kind = ProviderType(provider.provider_type)
    share, detail = unmet[kind]
    factors = [
        Factor("new_type", WEIGHTS["new_type"], share, detail),
        Factor(
            "offer",
            WEIGHTS["offer"],
            1.0 if offer else 0.0,
            f"offers “{offer}”, which could meet it" if offer else "no matching offer published",
        ),
        Factor("distance", WEIGHTS["distance"], 1.0 - km / REACH_CAP_KM, f"{km:.0f} km away"),
    ]
    score = round(sum(f.contribution for f in factors), 4)
    return ProviderCandidate(provider, score, round(km, 1), factors)


def unmet_shares(session: Session, need: Need) -> dict[ProviderType, tuple[float, str]]:
    """For each provider type: the share of the need's pupils who have not met one, and why."""
    start = school_years.school_year_start(school_years.london_today())
    years = set(need.year_groups)
    pupils = [
        p.id
        for p in session.scalars(
            select(Pupil).where(Pupil.school_id == need.school_id, Pupil.left_on.is_(None))
        )
        if school_years.year_group_in(p, start) in years
    ]
    who = "/".join(f"Y{y}" for y in sorted(years))
    if not pupils:
        held = _types_held(session, need)
        return {
            kind: (
                0.0 if kind in held else 1.0,
                f"the school has {'held' if kind in held else 'not held'} an encounter with "
                f"{LABELS[kind]} for {who}",
            )
            for kind in ProviderType
        }
    met: dict[ProviderType, set] = defaultdict(set)
    rows = session.execute(
        select(Attendance.pupil_id, Encounter.provider_type)
        .join(Encounter, Encounter.id == Attendance.encounter_id)
        .where(Encounter.benchmark == 7, Attendance.pupil_id.in_(pupils))
    )
    for pupil_id, kind in rows:
        if kind:
            met[ProviderType(kind)].add(pupil_id)
    shares = {}
    for kind in ProviderType:
        share = round(1 - len(met[kind]) / len(pupils), 4)
        shares[kind] = (share, f"{share:.0%} of {who} pupils have not met {LABELS[kind]}")
    return shares


def _types_held(session: Session, need: Need) -> set[ProviderType]:
    query = select(Encounter.provider_type, Encounter.year_groups).where(
        Encounter.school_id == need.school_id,
        Encounter.benchmark == 7,
        Encounter.provider_type.is_not(None),
    )
    return {
        ProviderType(kind)
        for kind, year_groups in session.execute(query)
        if set(year_groups or []) & set(need.year_groups)
    }
