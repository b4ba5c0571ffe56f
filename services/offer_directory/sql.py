"""The directory's score in SQL, unit for unit the one `factors.rank` explains.

Offers reachable only online are in every school's directory: thousands of them. The
database filters, scores (in whole units of 0.0001), orders and counts those, so Python
explains just the page; offers that could come to the school are few, and `near` hands
them to `factors.rank` whole (the great-circle radius check is Python's).
"""

import math
import uuid
from datetime import date

from sqlalchemy import Integer, String, and_, case, cast, exists, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from models.offers import ENCOUNTER_KINDS, WEEKDAYS, Offer, OfferStatus
from models.organisations import School
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, Mode
from services.offer_directory.factors import (
    COLUMNS,
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

EPOCH = date(1970, 1, 1)  # a Thursday: weekday 3
SCHOOL_DAYS = range(len(WEEKDAYS))  # Monday (0) to Friday (4)


class greatest(FunctionElement):
    type = Integer()
    inherit_cache = True


class least(FunctionElement):
    type = Integer()
    inherit_cache = True


@compiles(greatest, "sqlite")
@compiles(least, "sqlite")
def _sqlite_extreme(element, compiler, **kw):
    name = "max" if isinstance(element, greatest) else "min"
    return f"{name}({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
@compiles(least, "postgresql")
def _postgresql_extreme(element, compiler, **kw):
    name = "GREATEST" if isinstance(element, greatest) else "LEAST"
    return f"{name}({compiler.process(element.clauses, **kw)})"


class day_number(FunctionElement):
    """A date column as whole days since 1970-01-01."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _sqlite_day_number(element, compiler, **kw):
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _postgresql_day_number(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


def online_only(
    session: Session, school: School, filters: Filters, window: tuple[date, date], *, limit: int
) -> tuple[list[uuid.UUID], int]:
    """The ids of the best `limit` offers that reach the school only online (available
    in the window), best first, and how many there are in all."""
    if filters.mode is Mode.IN_PERSON:
        return [], 0
    dialect = session.get_bind().dialect.name
    first, last = window
    fixed = (
        units("distance", ONLINE)
        + _year_units(filters)
        + case((Offer.send_suitable.is_(True), units("send", 1.0)), else_=0)
        + case(
            (Offer.notice_days <= SHORT_NOTICE_DAYS, units("notice", 1.0)),
            else_=units("notice", 0.5),
        )
        + case((aimed_at(dialect, school), units("reach", 1.0)), else_=0)
    )
    # Materialised, so each offer's dates are read as day numbers once, not per term.
    reachable = (
        select(
            Offer.id,
            cast(Offer.id, String).label("key"),
            fixed.label("fixed"),
            _distance_order(school).label("nearness"),
            _listed(dialect, window).label("listed"),
            day_number(Offer.available_from).label("start"),
            day_number(Offer.available_to).label("end"),
            Offer.available_weekdays.label("weekdays"),
        )
        .where(
            *_conditions(filters),
            Offer.modes.op("&")(MODE_BITS[Mode.VIRTUAL]) != 0,
            case((_near(school, filters), 0), else_=1) == 1,
        )
        .cte("reachable")
        .prefix_with("MATERIALIZED")
    )
    c = reachable.c
    days = c.listed + _ranged(c.start, c.end, c.weekdays, first, last)
    score = c.fixed + case(
        {d: units("availability", d / FULL_AVAILABILITY_DAYS) for d in range(20)},
        value=days,
        else_=units("availability", 1.0),
    )
    query = (
        select(c.id, func.count().over())
        .where(days > 0)
        .order_by(score.desc(), c.nearness, c.key)
        .limit(limit)
    )
    found = session.execute(query).all()
    return [offer_id for offer_id, _ in found], found[0][1] if found else 0


def near(session: Session, school: School, filters: Filters) -> list:
    """(id, *COLUMNS) of every offer that might come to the school: in its bounding box."""
    query = select(Offer.id, *COLUMNS).where(*_conditions(filters), _near(school, filters))
    return session.execute(query).all()


def rows(session: Session, ids: list[uuid.UUID]) -> list:
    if not ids:
        return []
    return session.execute(select(Offer.id, *COLUMNS).where(Offer.id.in_(ids))).all()


def _conditions(filters: Filters) -> list:
    conditions = [Offer.status == OfferStatus.PUBLISHED, Offer.kind.in_(ENCOUNTER_KINDS)]
    if filters.kind:
        conditions.append(Offer.kind == filters.kind)
    if filters.kinds:
        conditions.append(Offer.kind.in_(filters.kinds))
    if filters.benchmark == 5:
        conditions.append(Offer.employer_id.is_not(None))
    elif filters.benchmark == 7:
        conditions.append(Offer.provider_id.is_not(None))
    if filters.years:
        bits = sum(YEAR_BITS[y] for y in filters.years)
        conditions.append(Offer.year_groups.op("&")(bits) != 0)
    if filters.send:
        conditions.append(Offer.send_suitable.is_(True))
    if filters.sector:
        conditions.append(Offer.sectors.op("&")(1 << SIC_SECTIONS.index(filters.sector)) != 0)
    return conditions


def _near(school: School, filters: Filters):
    """In school, and inside the box of its own radius (and `within_km`) round the school:
    a superset of the offers whose volunteers can come, on the indexed coordinates."""
    if school.latitude is None or filters.mode is Mode.VIRTUAL:
        return false()
    km = filters.reach_km
    south, north, west, east = bounding_box(school.latitude, school.longitude, km)
    # Degrees per km of radius, east-west at the box's poleward edge (as bounding_box).
    per_km_east = (east - school.longitude) / km
    radius = case((Offer.travel_radius_km < km, Offer.travel_radius_km), else_=km)
    return and_(
        Offer.modes.op("&")(MODE_BITS[Mode.IN_PERSON]) != 0,
        Offer.travel_radius_km > 0,
        Offer.latitude.between(south, north),
        Offer.longitude.between(west, east),
        func.abs(Offer.latitude - school.latitude) <= radius / KM_PER_DEGREE,
        func.abs(Offer.longitude - school.longitude) <= radius * per_km_east,
    )


def _distance_order(school: School):
    """Nearer first among equals (as `rank`'s km, on a flat projection; none: last)."""
    if school.latitude is None:
        return case((Offer.id.is_(None), 0), else_=1)
    east = math.cos(math.radians(school.latitude))
    return case(
        (
            and_(
                Offer.modes.op("&")(MODE_BITS[Mode.IN_PERSON]) != 0,
                Offer.latitude.is_not(None),
            ),
            (Offer.latitude - school.latitude) * (Offer.latitude - school.latitude)
            + (Offer.longitude - school.longitude)
            * east
            * (Offer.longitude - school.longitude)
            * east,
        ),
        else_=1e9,
    )


def _year_units(filters: Filters):
    asked = filters.years or YEAR_GROUPS
    covered = sum(case((Offer.year_groups.op("&")(YEAR_BITS[y]) != 0, 1), else_=0) for y in asked)
    return case(
        {k: units("year_groups", k / len(asked)) for k in range(len(asked) + 1)}, value=covered
    )


def _elements(dialect: str, column):
    """The members of a JSON list column, as a table with a `value` column."""
    name = "json_array_elements_text" if dialect == "postgresql" else "json_each"
    return getattr(func, name)(column).table_valued("value")


def _empty(column):
    return func.coalesce(cast(column, String), "[]").in_(["[]", "null"])


def _has(dialect: str, column, values: list[str]):
    members = _elements(dialect, column)
    return and_(
        ~_empty(column), exists(select(1).select_from(members).where(members.c.value.in_(values)))
    )


def aimed_at(dialect: str, school):
    """As `factors.targeted`: the offer aims at this school's FSM share or areas. `school`
    is a School, or the School entity itself for a clause on each row's school."""
    row_wise = isinstance(school, type)
    areas = (
        (school.local_authority, Offer.target_local_authorities),
        (school.combined_authority, Offer.target_combined_authorities),
        (school.skills_area, Offer.target_skills_areas),
    )
    aimed = [_has(dialect, column, [area]) for area, column in areas if row_wise or area]
    if row_wise:
        fsm = school.percentage_fsm >= DISADVANTAGED_FSM_SHARE
        aimed.append(and_(Offer.target_disadvantaged.is_(True), fsm))
    elif (school.percentage_fsm or 0) >= DISADVANTAGED_FSM_SHARE:
        aimed.append(Offer.target_disadvantaged.is_(True))
    return or_(false(), *aimed)


def _listed(dialect: str, window: tuple[date, date]):
    """How many of the offer's listed dates fall in the window."""
    dates = _elements(dialect, Offer.available_dates)
    return case(
        (_empty(Offer.available_dates), 0),
        else_=select(func.count())
        .select_from(dates)
        .where(dates.c.value.between(window[0].isoformat(), window[1].isoformat()))
        .scalar_subquery(),
    )


def _ranged(start, end, weekdays, first: date, last: date):
    """How many days of the range's overlap with the window fall on its weekdays (as
    `factors.open_days`; `start` and `end` are day numbers)."""
    lo = greatest(start, (first - EPOCH).days)
    after = least(end, (last - EPOCH).days) + 1
    ranged = sum(
        case(
            (
                or_(weekdays == 0, weekdays.op("&")(1 << day) != 0),
                _days_before(after, day) - _days_before(lo, day),
            ),
            else_=0,
        )
        for day in SCHOOL_DAYS
    )
    return case((or_(start.is_(None), end.is_(None)), 0), (after > lo, ranged), else_=0)


def _days_before(number, weekday: int):
    """How many days numbered 0 to `number` - 1 fall on `weekday` (day 0 is weekday 3)."""
    first = (weekday - 3) % 7
    return (number - first + 6) // 7
