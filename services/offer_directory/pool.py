"""The directory's offers: every published encounter offer's ranking columns, held by
each process as arrays, filtered and scored for one school with NumPy.

Offers reachable online are in every school's directory (thousands of them), so ranking
them row by row in SQL on each search cost more than its budget. Per search, `ranked`
filters the held columns, judges the few offers that could come to the school (in the box
of their own radius round it) with the exact distance, scores every offer that reaches
the school in whole units (as `factors.units` counts them, so the order is `factors.rank`'s
to the unit), and orders and counts them; only the page is then explained by `rank`.

Staleness: every ORM flush that writes an offer gives the `offers` pool a new generation
(an upsert on its `matching_pool_generations` row, in the writer's transaction), and a
search compares that stamp with its copy's before using it: the next search after a
commit sees the change. The stamp is read before the rows, so a write that lands in
between is at worst read again. A bulk write outside the ORM calls `stamp_generation`;
a database without a stamp (just emptied) is read every time and nothing is held.
"""

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import date
from itertools import chain

import numpy as np
from sqlalchemy import Integer, String, cast, event, select, type_coerce
from sqlalchemy.orm import Session

from models.matching import PoolGeneration
from models.offers import ENCOUNTER_KINDS, WEEKDAYS, Offer, OfferStatus
from models.organisations import School
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, Mode
from services.geo import EARTH_RADIUS_KM, distance_km
from services.idempotency import upsert
from services.offer_directory.factors import (
    DISADVANTAGED_FSM_SHARE,
    FULL_AVAILABILITY_DAYS,
    MODE_BITS,
    ONLINE,
    SHORT_NOTICE_DAYS,
    YEAR_BITS,
    Filters,
    units,
)
from services.search import KM_PER_DEGREE, bounding_box

OFFER_POOL = "offers"
EPOCH = date(1970, 1, 1)  # a Thursday: weekday 3
NO_DAY = -1  # an open end of an availability range
FAR = 1e9  # the distance of an offer with no base: after every other among equals
_O = Offer.__table__.c
# The school's area column → the offer's column of the areas it aims at.
TARGETS = {
    "local_authority": _O.target_local_authorities,
    "combined_authority": _O.target_combined_authorities,
    "skills_area": _O.target_skills_areas,
}


@dataclass(frozen=True)
class Published:
    """The published encounter offers' columns, one row per offer, in id-text order."""

    ids: list[uuid.UUID]
    kinds: np.ndarray  # OfferKind values (text)
    employer: np.ndarray  # an employer's (Benchmark 5), not a provider's (7)
    years: np.ndarray  # YEAR_BITS
    sectors: np.ndarray  # bit i: SIC_SECTIONS[i]
    in_school: np.ndarray  # offered in school (Mode.IN_PERSON)
    online: np.ndarray  # offered online (Mode.VIRTUAL)
    latitude: np.ndarray
    longitude: np.ndarray
    radius: np.ndarray
    send: np.ndarray
    notice: np.ndarray
    start: np.ndarray  # day numbers since 1970-01-01; NO_DAY: no range
    end: np.ndarray
    weekdays: np.ndarray  # bit i: WEEKDAYS[i]; 0: every school day
    dates: np.ndarray  # every listed date (ISO text) of every offer, flattened
    date_owner: np.ndarray  # the row each listed date belongs to
    disadvantaged: np.ndarray  # aimed at schools with a high share on free school meals
    rural: np.ndarray  # aimed at rural schools
    targets: dict[str, dict[str, np.ndarray]]  # school column → area → rows aimed at it


def _load_query():
    """The ranking columns, labelled; JSON as raw text, parsed once per distinct value."""
    return select(
        _O.id.label("id"),
        cast(_O.kind, String).label("kind"),
        _O.employer_id.is_not(None).label("employer"),
        type_coerce(_O.year_groups, Integer).label("years"),
        type_coerce(_O.sectors, Integer).label("sectors"),
        type_coerce(_O.modes, Integer).label("modes"),
        _O.latitude.label("latitude"),
        _O.longitude.label("longitude"),
        _O.travel_radius_km.label("radius"),
        _O.send_suitable.label("send"),
        _O.notice_days.label("notice"),
        _O.available_from.label("start"),
        _O.available_to.label("end"),
        type_coerce(_O.available_weekdays, Integer).label("weekdays"),
        cast(_O.available_dates, String).label("dates"),
        _O.target_disadvantaged.label("disadvantaged"),
        _O.target_rural.label("rural"),
        *(cast(column, String).label(area) for area, column in TARGETS.items()),
    ).where(_O.status == OfferStatus.PUBLISHED, _O.kind.in_(ENCOUNTER_KINDS))


def load(session: Session) -> Published:
    """Read the published offers now, in the order of their ids' text (the last tie-break)."""
    result = session.connection().execute(_load_query())
    keys = list(result.keys())
    rows = sorted(result.all(), key=lambda row: str(row.id))
    c = dict(zip(keys, zip(*rows, strict=True), strict=True)) if rows else {k: () for k in keys}
    dates = [(i, d) for i, listed in enumerate(_parsed(c["dates"])) for d in listed]
    modes = np.array([m or 0 for m in c["modes"]], dtype=np.int64)
    return Published(
        ids=list(c["id"]),
        kinds=np.array(c["kind"], dtype=object),
        employer=np.array(c["employer"], dtype=bool),
        years=_ints(c["years"]),
        sectors=_ints(c["sectors"]),
        in_school=(modes & MODE_BITS[Mode.IN_PERSON]) != 0,
        online=(modes & MODE_BITS[Mode.VIRTUAL]) != 0,
        latitude=_floats(c["latitude"]),
        longitude=_floats(c["longitude"]),
        radius=_floats(c["radius"]),
        send=np.array(c["send"], dtype=bool),
        notice=_ints(c["notice"]),
        start=_days(c["start"]),
        end=_days(c["end"]),
        weekdays=_ints(c["weekdays"]),
        dates=np.array([d for _, d in dates], dtype=str),
        date_owner=np.array([i for i, _ in dates], dtype=np.int64),
        disadvantaged=np.array(c["disadvantaged"], dtype=bool),
        rural=np.array(c["rural"], dtype=bool),
        targets={area: _rows_by_area(_parsed(c[area])) for area in TARGETS},
    )


def _parsed(texts: tuple) -> list[tuple]:
    """Each JSON list, parsed once per distinct text (most are empty: one shared tuple)."""
    lists = {text: tuple(json.loads(text) or ()) if text else () for text in set(texts)}
    return [lists[text] for text in texts]


def _ints(values) -> np.ndarray:
    return np.array([v or 0 for v in values], dtype=np.int64)


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _days(values) -> np.ndarray:
    return np.array([NO_DAY if d is None else (d - EPOCH).days for d in values], dtype=np.int64)


def _rows_by_area(lists: list[tuple]) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = {}
    for i, areas in enumerate(lists):
        for area in areas:
            rows.setdefault(area, []).append(i)
    return {area: np.array(found, dtype=np.int64) for area, found in rows.items()}


# Ranking --------------------------------------------------------------------------------


def ranked(
    offers: Published, school: School, filters: Filters, window: tuple[date, date], *, limit: int
) -> tuple[list[uuid.UUID], int]:
    """The ids of the best `limit` offers for the school, best first, and how many there
    are in all: offers that reach it (in school or online) and are available in the window.
    Each score is `factors.rank`'s, in whole units."""
    available = _matching(offers, filters) & (_open_days(offers, window) > 0)
    km = _km(offers, school)
    distance = _distance_units(offers, school, filters, km)
    rows = np.flatnonzero(available & (distance >= 0))
    score = (
        distance[rows]
        + _fixed_units(offers, school, filters)[rows]
        + _availability_units(_open_days(offers, window)[rows])
    )
    # Best first; then nearer; then the id.
    order = np.lexsort((rows, km[rows], -score))[:limit]
    return [offers.ids[i] for i in rows[order]], len(rows)


def _distance_units(offers: Published, school: School, filters: Filters, km: np.ndarray):
    """The distance factor in units (-1: the offer does not reach the school). The few
    offers in the box of their own radius are judged one by one, exactly as `rank` does
    (and `km` gets their exact distance); the rest reach it online or not at all."""
    online = offers.online & (filters.mode is not Mode.IN_PERSON)
    distance = np.where(online, units("distance", ONLINE), -1)
    near = np.flatnonzero(_near(offers, school, filters))
    here = school.latitude, school.longitude
    bases = zip(offers.latitude[near].tolist(), offers.longitude[near].tolist(), strict=True)
    radii = offers.radius[near].tolist()
    reach_km = filters.reach_km
    for i, base, radius in zip(near.tolist(), bases, radii, strict=True):
        exact = distance_km(*here, *base)
        km[i] = round(exact, 3)
        if exact <= min(radius, reach_km):
            distance[i] = units("distance", 1.0 - 0.5 * exact / radius)
    return distance


def _matching(offers: Published, filters: Filters) -> np.ndarray:
    keep = np.ones(len(offers.ids), dtype=bool)
    kinds = filters.kinds or ((filters.kind,) if filters.kind else ())
    if kinds:
        keep &= np.isin(offers.kinds, [str(kind) for kind in kinds])
    if filters.benchmark in (5, 7):
        keep &= offers.employer == (filters.benchmark == 5)
    if filters.years:
        keep &= (offers.years & sum(YEAR_BITS[y] for y in filters.years)) != 0
    if filters.send:
        keep &= offers.send
    if filters.sector:
        keep &= (offers.sectors & (1 << SIC_SECTIONS.index(filters.sector))) != 0
    return keep


def _near(offers: Published, school: School, filters: Filters) -> np.ndarray:
    """Offered in school, and inside the box of its own radius (and `within_km`) round the
    school: a superset of the offers whose volunteers can come."""
    if school.latitude is None or filters.mode is Mode.VIRTUAL:
        return np.zeros(len(offers.ids), dtype=bool)
    km = filters.reach_km
    south, north, west, east = bounding_box(school.latitude, school.longitude, km)
    per_km_east = (east - school.longitude) / km
    radius = np.minimum(offers.radius, km)
    with np.errstate(invalid="ignore"):
        return (
            offers.in_school
            & (offers.radius > 0)
            & (offers.latitude >= south)
            & (offers.latitude <= north)
            & (offers.longitude >= west)
            & (offers.longitude <= east)
            & (np.abs(offers.latitude - school.latitude) <= radius / KM_PER_DEGREE)
            & (np.abs(offers.longitude - school.longitude) <= radius * per_km_east)
        )


def _km(offers: Published, school: School) -> np.ndarray:
    """`rank`'s km (great-circle, to the metre) where it has one, else FAR: the tie-break."""
    if school.latitude is None:
        return np.full(len(offers.ids), FAR)
    phi1, phi2 = np.radians(school.latitude), np.radians(offers.latitude)
    dlambda = np.radians(offers.longitude - school.longitude)
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    km = np.round(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)), 3)
    return np.where(offers.in_school & ~np.isnan(km), km, FAR)


def _fixed_units(offers: Published, school: School, filters: Filters) -> np.ndarray:
    asked = filters.years or YEAR_GROUPS
    covered = sum(((offers.years & YEAR_BITS[y]) != 0).astype(np.int64) for y in asked)
    year_units = np.array([units("year_groups", k / len(asked)) for k in range(len(asked) + 1)])
    notice = np.where(
        offers.notice <= SHORT_NOTICE_DAYS, units("notice", 1.0), units("notice", 0.5)
    )
    return (
        units("distance", ONLINE)
        + year_units[covered]
        + np.where(offers.send, units("send", 1.0), 0)
        + notice
        + np.where(_aimed_at(offers, school), units("reach", 1.0), 0)
    )


def _aimed_at(offers: Published, school: School) -> np.ndarray:
    """As `factors.targeted`: aimed at this school's share on free school meals, its areas,
    or rural schools."""
    aimed = np.zeros(len(offers.ids), dtype=bool)
    if (school.percentage_fsm or 0) >= DISADVANTAGED_FSM_SHARE:
        aimed |= offers.disadvantaged
    if school.rural:
        aimed |= offers.rural
    for column in TARGETS:
        area = getattr(school, column)
        if area and area in offers.targets[column]:
            aimed[offers.targets[column][area]] = True
    return aimed


def _availability_units(days: np.ndarray) -> np.ndarray:
    table = np.array(
        [units("availability", d / FULL_AVAILABILITY_DAYS) for d in range(FULL_AVAILABILITY_DAYS)]
        + [units("availability", 1.0)]
    )
    return table[np.minimum(days, FULL_AVAILABILITY_DAYS)]


def _open_days(offers: Published, window: tuple[date, date]) -> np.ndarray:
    """As `factors.open_days`: listed dates in the window, and the range's school days
    in it on its weekdays."""
    first, last = window
    inside = (offers.dates >= first.isoformat()) & (offers.dates <= last.isoformat())
    listed = np.bincount(offers.date_owner[inside], minlength=len(offers.ids))
    lo = np.maximum(offers.start, (first - EPOCH).days)
    after = np.minimum(offers.end, (last - EPOCH).days) + 1
    ranged = np.zeros(len(offers.ids), dtype=np.int64)
    for day in range(len(WEEKDAYS)):
        allowed = (offers.weekdays == 0) | ((offers.weekdays & (1 << day)) != 0)
        ranged += np.where(allowed, _days_before(after, day) - _days_before(lo, day), 0)
    has_range = (offers.start != NO_DAY) & (offers.end != NO_DAY) & (after > lo)
    return listed + np.where(has_range, ranged, 0)


def _days_before(number: np.ndarray, weekday: int) -> np.ndarray:
    """How many days numbered 0 to `number` - 1 fall on `weekday` (day 0 is weekday 3)."""
    return (number - (weekday - 3) % 7 + 6) // 7


# The per-process copy ------------------------------------------------------------------

_held: dict[str, tuple[uuid.UUID, Published]] = {}
_loading = threading.Lock()


def published_offers(session: Session) -> Published:
    """The published offers, as this process holds them while their generation stands."""
    generation = session.execute(
        select(PoolGeneration.generation).where(PoolGeneration.pool == OFFER_POOL)
    ).scalar_one_or_none()
    key = session.get_bind().url.render_as_string()
    held = _held.get(key)
    if held is not None and generation is not None and held[0] == generation:
        return held[1]
    with _loading:
        offers = load(session)
        if generation is not None:
            _held[key] = (generation, offers)
    return offers


def stamp_generation(session: Session) -> None:
    """Mark every process's copy stale, in the caller's transaction."""
    statement = upsert(session, PoolGeneration).values(pool=OFFER_POOL, generation=uuid.uuid4())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["pool"], set_={"generation": statement.excluded.generation}
        )
    )


def stamp_offer_writes(session: Session, _flush_context, _instances) -> None:
    """before_flush: a flush that writes an offer makes every process's copy stale."""
    if any(isinstance(obj, Offer) for obj in chain(session.new, session.dirty, session.deleted)):
        stamp_generation(session)


event.listen(Session, "before_flush", stamp_offer_writes)
