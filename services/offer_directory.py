"""The directory schools search: published encounter offers ranked by fit to one school.

An in-school offer is found only within its travel radius of the school (its volunteers
travel from the offer's base postcode); a virtual one anywhere. Only the candidates'
columns are read (a bounding box on the offers' indexed coordinates, or virtual), every
filter but the dates and the radius is applied in SQL, and one page of offers is loaded.
Each hit carries its score and the factors that make it, as volunteer candidates do.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Integer, String, cast, or_, select, type_coerce
from sqlalchemy.orm import Session

from models.offers import ENCOUNTER_KINDS, WEEKDAYS, Offer, OfferKind, OfferStatus
from models.organisations import School
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, Mode
from services.access import Caller, hub_school_ids
from services.errors import Forbidden, InvalidInput, NotFound
from services.geo import distance_km
from services.offers import MAX_TRAVEL_KM
from services.pagination import Page
from services.school_years import london_today
from services.search import _as_uuid, bounding_box, load_by_id

KEY_STAGES = {3: (7, 8, 9), 4: (10, 11), 5: (12, 13)}
WEIGHTS = {
    "distance": 0.4,  # in school: 1 at the base to 0.5 at the radius's edge; online: 0.4
    "year_groups": 0.2,  # covers more of the year groups asked for (or of Y7-Y13)
    "send": 0.1,  # suits pupils with SEND
    "notice": 0.1,  # needs a fortnight's notice or less
    "availability": 0.1,  # available on more of the dates asked for
    "reach": 0.1,  # the employer aims it at schools like this one (targeting)
}
DISADVANTAGED_FSM_SHARE = 30.0  # % of pupils on free school meals: a "high share"
MODE_BITS = {mode: 1 << i for i, mode in enumerate(Mode)}
YEAR_BITS = {year: 1 << i for i, year in enumerate(YEAR_GROUPS)}


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    value: float
    detail: str

    @property
    def contribution(self) -> float:
        return round(self.weight * self.value, 4)


@dataclass(frozen=True)
class RankedOffer:
    offer: Offer
    score: float
    distance_km: float | None
    in_school: bool  # its volunteers can come to the school
    factors: list[Factor] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    benchmark: int | None = None
    kind: OfferKind | None = None
    year_group: int | None = None
    key_stage: int | None = None
    send: bool | None = None
    sector: str | None = None
    mode: Mode | None = None
    date_from: date | None = None
    date_to: date | None = None
    within_km: float | None = None


def directory_school(session: Session, caller: Caller, school_id: uuid.UUID | None) -> School:
    """The school the directory is ranked for: a school's own; a coordinator's or an
    admin's choice among those they oversee."""
    school = session.get(School, school_id or caller.organisation_id)
    if school is None and school_id is None:
        raise Forbidden("Name the school (`school_id`) to rank the directory for.")
    if school is None:
        raise NotFound("No such school.")
    if caller.is_admin or school.id == caller.organisation_id:
        return school
    if school.id in hub_school_ids(session, caller):
        return school
    raise Forbidden("The directory is ranked for your own school (or your hub's schools).")


def search(
    session: Session,
    caller: Caller,
    *,
    page: int,
    page_size: int,
    school_id: uuid.UUID | None = None,
    filters: Filters = Filters(),
) -> Page:
    school = directory_school(session, caller, school_id)
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise InvalidInput("Dates out of order.", errors={"date_to": ["On or after date_from."]})
    hits = [
        hit for row in _candidates(session, school, filters) if (hit := _rank(row, school, filters))
    ]
    hits.sort(key=lambda h: (-h[0], h[1] if h[1] is not None else 1e9, h[2]))
    window = hits[(page - 1) * page_size :][:page_size]
    offers = load_by_id(session, Offer, [_as_uuid(h[2]) for h in window])
    return Page(
        [
            RankedOffer(offers[_as_uuid(offer_id)], score, km, in_school, factors)
            for score, km, offer_id, in_school, factors in window
        ],
        len(hits),
    )


COLUMNS = (
    cast(Offer.id, String),
    Offer.latitude,
    Offer.longitude,
    Offer.travel_radius_km,
    type_coerce(Offer.modes, Integer),  # the raw bitmasks: no list built per row
    type_coerce(Offer.year_groups, Integer),
    Offer.send_suitable,
    Offer.notice_days,
    Offer.available_from,
    Offer.available_to,
    Offer.available_weekdays,
    Offer.available_dates,
    Offer.target_disadvantaged,
    Offer.target_local_authorities,
)


def _candidates(session: Session, school: School, filters: Filters):
    conditions = [Offer.status == OfferStatus.PUBLISHED, Offer.kind.in_(ENCOUNTER_KINDS)]
    if filters.kind:
        conditions.append(Offer.kind == filters.kind)
    if filters.benchmark == 5:
        conditions.append(Offer.employer_id.is_not(None))
    elif filters.benchmark == 7:
        conditions.append(Offer.provider_id.is_not(None))
    elif filters.benchmark is not None:
        raise InvalidInput(
            "Encounter offers serve Benchmarks 5 and 7.", errors={"benchmark": ["5 or 7."]}
        )
    years = _years(filters)
    if years:
        bits = sum(1 << YEAR_GROUPS.index(y) for y in years)
        conditions.append(Offer.year_groups.op("&")(bits) != 0)
    if filters.send:
        conditions.append(Offer.send_suitable.is_(True))
    if filters.sector:
        conditions.append(Offer.sectors.op("&")(1 << SIC_SECTIONS.index(filters.sector)) != 0)
    virtual = Offer.modes.op("&")(MODE_BITS[Mode.VIRTUAL]) != 0
    in_school = Offer.modes.op("&")(MODE_BITS[Mode.IN_PERSON]) != 0
    reach = [virtual]
    if school.latitude is not None:
        km = min(filters.within_km or MAX_TRAVEL_KM, MAX_TRAVEL_KM)
        south, north, west, east = bounding_box(school.latitude, school.longitude, km)
        reach.append(
            in_school & Offer.latitude.between(south, north) & Offer.longitude.between(west, east)
        )
    if filters.mode is Mode.VIRTUAL:
        reach = [virtual]
    elif filters.mode is Mode.IN_PERSON:
        reach = reach[1:]
    if not reach:
        return []
    return session.execute(select(*COLUMNS).where(*conditions, or_(*reach))).all()


def _years(filters: Filters) -> tuple[int, ...]:
    if filters.year_group:
        return (filters.year_group,)
    return KEY_STAGES.get(filters.key_stage, ())


def _rank(row, school: School, filters: Filters):
    (
        offer_id,
        lat,
        lon,
        radius,
        modes,
        year_groups,
        send_ok,
        notice,
        start,
        end,
        weekdays,
        dates,
    ) = row[:12]
    km = None
    comes = False
    if modes & MODE_BITS[Mode.IN_PERSON] and lat is not None and school.latitude is not None:
        km = distance_km(school.latitude, school.longitude, lat, lon)
        comes = km <= (radius or 0) and km <= (filters.within_km or MAX_TRAVEL_KM)
    online = bool(modes & MODE_BITS[Mode.VIRTUAL]) and filters.mode is not Mode.IN_PERSON
    if not (comes and filters.mode is not Mode.VIRTUAL) and not online:
        return None
    open_days = _open_days(start, end, weekdays, dates, filters)
    if open_days == 0:
        return None
    asked = _years(filters) or YEAR_GROUPS
    covered = sum(1 for y in asked if year_groups & YEAR_BITS[y])
    factors = [
        Factor(
            "distance",
            WEIGHTS["distance"],
            1.0 - 0.5 * km / radius if comes and radius else 0.4,
            f"{km:.0f} km away, within its {radius} km" if comes else "online",
        ),
        Factor(
            "year_groups",
            WEIGHTS["year_groups"],
            covered / len(asked),
            f"{covered} of {len(asked)} year groups asked",
        ),
        Factor(
            "send",
            WEIGHTS["send"],
            float(send_ok),
            "suits pupils with SEND" if send_ok else "not marked as suiting SEND",
        ),
        Factor("notice", WEIGHTS["notice"], 1.0 if notice <= 14 else 0.5, f"{notice} days' notice"),
        Factor(
            "availability",
            WEIGHTS["availability"],
            min(open_days, 20) / 20,
            f"{open_days} available school days in the window",
        ),
    ]
    factors.append(_reach(school, *row[12:]))
    score = round(sum(f.contribution for f in factors), 4)
    return score, (round(km, 3) if km is not None else None), offer_id, comes, factors


def targeted(school: School, disadvantaged: bool, local_authorities: list[str] | None) -> str:
    """Why the offer is aimed at this school ('' when it is not)."""
    if disadvantaged and (school.percentage_fsm or 0) >= DISADVANTAGED_FSM_SHARE:
        return f"aimed at schools like this one ({school.percentage_fsm:.0f}% free school meals)"
    if school.local_authority in (local_authorities or []):
        return f"aimed at schools in {school.local_authority}"
    return ""


def _reach(school: School, disadvantaged: bool, local_authorities: list[str] | None) -> Factor:
    why = targeted(school, disadvantaged, local_authorities)
    return Factor("reach", WEIGHTS["reach"], 1.0 if why else 0.0, why or "not targeted")


def _open_days(start, end, weekdays, dates, filters: Filters) -> int:
    """School days the offer is available on within the dates asked (from today on): its
    listed dates, and the days of its range on its weekdays (a listed date inside the
    range may count twice; the factor only needs the order of magnitude)."""
    first = max(filters.date_from or london_today(), london_today())
    last = filters.date_to or first + timedelta(days=365)
    listed = sum(1 for d in dates or [] if first.isoformat() <= d <= last.isoformat())
    if not (start and end):
        return listed
    lo, hi = max(start, first), min(end, last)
    if hi < lo:
        return listed
    allowed = {WEEKDAYS.index(w) for w in weekdays} if weekdays else set(range(5))
    weeks, extra = divmod((hi - lo).days + 1, 7)
    tail = sum(1 for i in range(extra) if (lo.weekday() + i) % 7 in allowed)
    return listed + weeks * len(allowed) + tail
