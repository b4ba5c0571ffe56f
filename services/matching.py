"""The matching engine: rank volunteers for a need, and needs for a volunteer, explained.

Every candidate gets a score in [0, 1]: the weighted sum of the factors below, each in
[0, 1], with the weights in WEIGHTS (they sum to 1, so the breakdown's contributions add
up to the score). A candidate who cannot take the need at all is excluded, and counted
under the first reason that applies, in EXCLUSION_REASONS order.

Scoring is vectorised with NumPy over the columns of a `Pool`: one array per attribute.
Each process holds every volunteer's columns (`volunteer_pool`) and reloads them only when
a write to volunteers or employers has stamped a new generation (models.matching), so a
ranking reads no volunteer rows: it checks a bounding box around the school (REACH_CAP_KM)
and the mode on every row, then scores the rows that pass. Sets are integer bitmasks (as
the volunteers table stores them), so fits are `popcount(a & b)`.

Ties break deterministically: higher score, then nearer, then lower volunteer id.
"""

import json
import threading
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain

import numpy as np
from sqlalchemy import Integer, String, cast, event, func, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from models.bookings import HOLDING_SEATS, Booking, Slot
from models.encounters import Encounter
from models.matches import Match, MatchStatus
from models.matching import PoolGeneration
from models.needs import Need, NeedMode, NeedStatus
from models.offers import Offer, OfferKind, OfferStatus
from models.organisations import Employer, EmployerSize, School
from models.pupils import school_year_start
from models.users import User
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, ActivityType, Mode, Volunteer
from services import benchmarks, safeguarding
from services.geo import EARTH_RADIUS_KM, distance_km
from services.idempotency import upsert
from services.offers import missing_declarations
from services.school_years import london_today
from services.search import bounding_box

# The one place the factors are weighed. Each factor is in [0, 1]; the weights sum to 1.
WEIGHTS: dict[str, float] = {
    "distance": 0.20,  # 1 at the volunteer's door, 0 at the edge of their travel radius
    "activity": 0.20,  # offers this activity (1), a related one (0.5); topics overlap
    "availability": 0.15,  # share of the need's preferred weekday hours the volunteer covers
    "sector": 0.10,  # works in a sector the school asked for (no sector asked: 1)
    "year_groups": 0.10,  # share of the need's year groups the volunteer works with
    "variety": 0.08,  # an employer size and sector this school's pupils have not met lately
    "fairness": 0.07,  # invitations in the last 30 days against the volunteer's monthly capacity
    "mode": 0.05,  # offers the need's mode; for `either`, both modes beats one
    "priority": 0.05,  # the school's priority: benchmark gaps and disadvantage
}
FACTORS = tuple(WEIGHTS)
WEIGHT_VECTOR = np.array([WEIGHTS[name] for name in FACTORS])
EXCLUSION_REASONS = (
    "wrong_mode",
    "out_of_range",
    "unavailable",
    "safeguarding",
    "at_monthly_limit",
    "already_invited",
)
REACH_CAP_KM = 50.0  # nobody is asked to travel further than this, whatever their radius
LOAD_WINDOW = timedelta(days=30)
VARIETY_WINDOW = timedelta(days=365)
PRIORITY_TTL = timedelta(minutes=10)  # a school's gaps move over weeks; its report is costly
NOT_STATED = 0.5  # availability factor for a volunteer who has not stated any
RELATED = [
    {ActivityType.CAREERS_TALK, ActivityType.CAREERS_FAIR, ActivityType.ENTERPRISE_CHALLENGE},
    {ActivityType.MOCK_INTERVIEWS, ActivityType.CV_WORKSHOP, ActivityType.MENTORING},
    {
        ActivityType.WORKPLACE_VISIT_HOST,
        ActivityType.JOB_SHADOWING,
        ActivityType.WORK_EXPERIENCE_SUPERVISOR,
    },
]
# Availability: weekday hours 07:00-19:00 as 60 bits (day * 12 + hour - 7).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
FIRST_HOUR, LAST_HOUR = 7, 19
SCHOOL_DAY = (time(9, 0), time(15, 0))
ACTIVE = (MatchStatus.ACCEPTED, MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)
MET = (MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)
_ACTIVITIES = list(ActivityType)
_SIZES = list(EmployerSize)
_IN_PERSON, _VIRTUAL = 1 << list(Mode).index(Mode.IN_PERSON), 1 << list(Mode).index(Mode.VIRTUAL)
NO_DBS, DBS_FOREVER = 0, 99_999_999


def date_code(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def dbs_valid_through(
    enhanced: bool, barred_list: bool, issued_on: date | None, update_service: bool
) -> int:
    """The date code of the check's expiry (services.volunteers.dbs_expiry, as an integer)."""
    if not (enhanced and barred_list and issued_on):
        return NO_DBS
    if update_service:
        return DBS_FOREVER
    code = date_code(issued_on) + 30_000
    return code - 1 if (issued_on.month, issued_on.day) == (2, 29) else code


def availability_bits(slots: list[dict]) -> int:
    """Weekly slots ({day, starts_at, ends_at}) as weekday-hour bits; weekends carry none."""
    bits = 0
    for slot in slots or ():
        if slot.get("day") not in WEEKDAYS:
            continue
        day = WEEKDAYS.index(slot["day"])
        start, end = _hours(slot["starts_at"]), _hours(slot["ends_at"])
        bits |= _hour_bits(day, start, end)
    return bits


def _hours(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) + int(minutes) / 60


def _hour_bits(day: int, start: float, end: float) -> int:
    bits = 0
    for hour in range(FIRST_HOUR, LAST_HOUR):
        if start < hour + 1 and end > hour:  # the slot overlaps [hour, hour + 1)
            bits |= 1 << (day * 12 + hour - FIRST_HOUR)
    return bits


def topic_bits(topics: list[str]) -> int:
    """Topics hashed (case-insensitively) into 62 bits: a stable, vocabulary-free set."""
    return sum({1 << (zlib.crc32(t.strip().lower().encode()) % 62) for t in topics or ()})


@dataclass
class Pool:
    """Candidate volunteers as columns, in ascending id order (the final tie-break)."""

    ids: list[uuid.UUID]
    latitude: np.ndarray
    longitude: np.ndarray
    radius: np.ndarray
    activities: np.ndarray
    modes: np.ndarray
    years: np.ndarray
    sectors: np.ndarray
    topics: np.ndarray
    availability: np.ndarray
    dbs_through: np.ndarray
    employer_size: np.ndarray  # index in EmployerSize, -1 unknown
    employer_sector: np.ndarray  # index in SIC_SECTIONS, -1 unknown
    capacity: np.ndarray  # commitments a month the volunteer will make (at least 1)
    load: np.ndarray  # invitations in the last 30 days
    commitments: np.ndarray  # accepted, confirmed or scheduled in the last 30 days
    unavailable_dates: dict[int, set[str]] = field(default_factory=dict)  # row → ISO dates

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Target:
    """A need as the numbers the engine compares against."""

    mode: NeedMode
    latitude: float | None
    longitude: float | None
    activity: int
    related: int
    topics: int
    sectors: int
    years: int
    availability: int
    window_dates: tuple[str, ...]
    dbs_required: bool
    until: int
    met_sizes: frozenset[int]
    met_sectors: frozenset[int]
    priority: float


@dataclass(frozen=True)
class Ranking:
    order: np.ndarray  # pool rows of eligible candidates, best first (first `limit`)
    eligible: int
    scores: np.ndarray  # parallel to `rows`
    factors: np.ndarray  # len(rows) × FACTORS
    distance_km: np.ndarray  # parallel to `rows` (inf where unknown)
    excluded: dict[str, int]
    rows: np.ndarray  # the pool rows that passed the box and mode checks, ascending

    def at(self, row: int) -> int:
        """Where pool row `row` sits in the scored arrays."""
        return int(np.searchsorted(self.rows, row))


@dataclass(frozen=True)
class Factor:
    name: str
    value: float
    weight: float

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Ref:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class Candidate:
    """What a school sees of a ranked volunteer: no contact details, no DBS particulars."""

    id: uuid.UUID
    name: str
    job_title: str
    employer: Ref


@dataclass(frozen=True)
class Scored:
    """One ranked pairing with its explanation."""

    volunteer_id: uuid.UUID
    score: float
    distance_km: float | None
    breakdown: list[Factor]
    volunteer: Candidate | None = None


@dataclass(frozen=True)
class OfferCandidate:
    """An employer's published offer ranked for a need, with the slots the school can book."""

    offer: Offer
    score: float
    distance_km: float | None
    breakdown: list[Factor]
    slots: list[Slot]


@dataclass(frozen=True)
class CandidatePage:
    items: list[Scored]
    total: int
    excluded: dict[str, int]
    requirement: safeguarding.Requirement
    offers: list[OfferCandidate]
    offers_excluded: dict[str, int]


def _bits(members, values) -> int:
    values = list(values)
    return sum(1 << values.index(m) for m in set(members) if m in values)


def window_dates(need: Need, limit: int = 366) -> list[date]:
    days = need.preferred_days or list(WEEKDAYS)
    dates, day = [], need.starts_on
    while day <= need.ends_on and len(dates) < limit:
        if day.weekday() < 5 and WEEKDAYS[day.weekday()] in days:
            dates.append(day)
        day += timedelta(days=1)
    return dates


def target_for(
    need: Need, school: School, met_sizes=(), met_sectors=(), priority: float = 0.0
) -> Target:
    activity = _ACTIVITIES.index(ActivityType(need.activity_type))
    related = next((g for g in RELATED if need.activity_type in g), set())
    earliest, latest = need.earliest_time or SCHOOL_DAY[0], need.latest_time or SCHOOL_DAY[1]
    dates = window_dates(need)
    weekdays = {d.weekday() for d in dates}
    start, end = earliest.hour + earliest.minute / 60, latest.hour + latest.minute / 60
    availability = 0
    for day in weekdays:
        availability |= _hour_bits(day, start, end)
    required = safeguarding.requirement(safeguarding.need_activity(need))
    return Target(
        mode=NeedMode(need.mode),
        latitude=school.latitude,
        longitude=school.longitude,
        activity=1 << activity,
        related=_bits(related - {need.activity_type}, _ACTIVITIES),
        topics=topic_bits(need.topics),
        sectors=_bits(need.sectors, SIC_SECTIONS),
        years=_bits(need.year_groups, YEAR_GROUPS),
        availability=availability,
        window_dates=tuple(d.isoformat() for d in dates),
        dbs_required=required.level is safeguarding.Level.ENHANCED_DBS,
        until=date_code(need.ends_on),
        met_sizes=frozenset(met_sizes),
        met_sectors=frozenset(met_sectors),
        priority=priority,
    )


def _popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values.astype(np.uint64)).astype(np.float64)


def _haversine(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi0, phi = np.radians(lat0), np.radians(lat)
    a = (
        np.sin((phi - phi0) / 2) ** 2
        + np.cos(phi0) * np.cos(phi) * np.sin((np.radians(lon) - np.radians(lon0)) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _take(pool: Pool, rows: np.ndarray) -> Pool:
    """The pool's rows `rows` (ascending), as a smaller pool."""
    columns = (
        "latitude longitude radius activities modes years sectors topics availability "
        "dbs_through employer_size employer_sector capacity load commitments"
    ).split()
    position = {int(row): i for i, row in enumerate(rows)} if pool.unavailable_dates else {}
    return Pool(
        ids=[pool.ids[row] for row in rows],
        **{name: getattr(pool, name)[rows] for name in columns},
        unavailable_dates={
            position[row]: dates for row, dates in pool.unavailable_dates.items() if row in position
        },
    )


def rank(
    target: Target, pool: Pool, *, limit: int | None = None, invited: np.ndarray | None = None
) -> Ranking:
    """Score the pool against the target and order the best `limit` eligible rows.

    A bounding box (REACH_CAP_KM) and the mode are checked on every row first, with cheap
    comparisons; only the rows that pass are scored. `Ranking.rows` names them (pool rows,
    ascending) and its arrays are parallel to it; `order` holds pool rows.
    """
    n = len(pool)
    in_person_all = (pool.modes & _IN_PERSON) != 0
    online_all = (pool.modes & _VIRTUAL) != 0
    mode_ok_all = {
        NeedMode.IN_PERSON: in_person_all,
        NeedMode.VIRTUAL: online_all,
        NeedMode.EITHER: in_person_all | online_all,
    }[target.mode]
    consider = mode_ok_all
    if target.latitude is not None and target.mode is not NeedMode.VIRTUAL:
        south, north, west, east = bounding_box(target.latitude, target.longitude, REACH_CAP_KM)
        boxed = (
            (pool.latitude >= south)
            & (pool.latitude <= north)
            & (pool.longitude >= west)
            & (pool.longitude <= east)
        )
        if target.mode is NeedMode.IN_PERSON:
            consider = boxed & in_person_all
        else:
            consider = (boxed & in_person_all) | online_all
    subset = np.flatnonzero(consider)
    outside = int((mode_ok_all & ~consider).sum())
    wrong_mode = n - int(mode_ok_all.sum())
    whole = len(subset) == n
    if not whole:
        pool = _take(pool, subset)
        invited = invited[subset] if invited is not None else None
    n = len(pool)
    factors = np.empty((n, len(FACTORS)))
    column = {name: i for i, name in enumerate(FACTORS)}

    # Distance and mode.
    if target.latitude is None or target.mode is NeedMode.VIRTUAL:
        distance = np.full(n, np.inf)
    else:
        distance = _haversine(target.latitude, target.longitude, pool.latitude, pool.longitude)
        distance = np.where(np.isnan(distance), np.inf, distance)
    reach = np.minimum(pool.radius, REACH_CAP_KM)
    in_range = distance <= reach
    closeness = np.clip(1.0 - distance / np.maximum(reach, 1e-9), 0.0, 1.0)
    in_person = (pool.modes & _IN_PERSON) != 0
    online = (pool.modes & _VIRTUAL) != 0
    if target.mode is NeedMode.IN_PERSON:
        mode_ok, reachable = in_person, in_range
        factors[:, column["distance"]] = closeness
        factors[:, column["mode"]] = 1.0
    elif target.mode is NeedMode.VIRTUAL:
        mode_ok, reachable = online, np.ones(n, dtype=bool)
        factors[:, column["distance"]] = 1.0
        factors[:, column["mode"]] = 1.0
    else:
        mode_ok = in_person | online
        reachable = (in_person & in_range) | online
        factors[:, column["distance"]] = np.where(in_person & in_range, closeness, 0.5)
        factors[:, column["mode"]] = np.where(in_person & online, 1.0, 0.75)

    # Activity and topics.
    activity = np.where(
        (pool.activities & target.activity) != 0,
        1.0,
        np.where((pool.activities & target.related) != 0, 0.5, 0.0),
    )
    if target.topics:
        overlap = _popcount(pool.topics & target.topics) / _popcount(np.array([target.topics]))
        activity = 0.75 * activity + 0.25 * overlap
    factors[:, column["activity"]] = activity

    # Sector, year groups.
    factors[:, column["sector"]] = (
        1.0 if not target.sectors else ((pool.sectors & target.sectors) != 0).astype(float)
    )
    wanted_years = max(1, bin(target.years).count("1"))
    factors[:, column["year_groups"]] = (
        1.0 if not target.years else _popcount(pool.years & target.years) / wanted_years
    )

    # Availability against the need's weekday hours and dates.
    wanted_hours = max(1, bin(target.availability).count("1"))
    stated = pool.availability != 0
    covered = _popcount(pool.availability & np.uint64(target.availability)) / wanted_hours
    factors[:, column["availability"]] = np.where(stated, covered, NOT_STATED)
    available = ~stated | (covered > 0)
    if pool.unavailable_dates and target.window_dates:
        window = set(target.window_dates)
        for row, dates in pool.unavailable_dates.items():
            if window <= dates:
                available[row] = False

    # Variety against what this school met lately; fairness; the school's priority.
    size_new = np.where(
        pool.employer_size < 0, 0.5, ~np.isin(pool.employer_size, list(target.met_sizes))
    )
    sector_new = np.where(
        pool.employer_sector < 0, 0.5, ~np.isin(pool.employer_sector, list(target.met_sectors))
    )
    factors[:, column["variety"]] = 0.5 * size_new + 0.5 * sector_new
    factors[:, column["fairness"]] = 1.0 - np.minimum(pool.load, pool.capacity) / pool.capacity
    factors[:, column["priority"]] = target.priority

    scores = factors @ WEIGHT_VECTOR

    # Exclusions, each candidate under its first reason.
    safe = pool.dbs_through > target.until if target.dbs_required else np.ones(n, dtype=bool)
    checks = [
        ("wrong_mode", mode_ok),
        ("out_of_range", reachable),
        ("unavailable", available),
        ("safeguarding", safe),
        ("at_monthly_limit", pool.commitments < pool.capacity),
        ("already_invited", ~invited if invited is not None else np.ones(n, dtype=bool)),
    ]
    eligible = np.ones(n, dtype=bool)
    excluded = {}
    for reason, ok in checks:
        failing = eligible & ~ok
        excluded[reason] = int(failing.sum())
        eligible &= ok
    excluded["wrong_mode"] += wrong_mode
    excluded["out_of_range"] += outside

    rows = np.flatnonzero(eligible)
    keys = np.round(scores[rows], 9)
    if limit is not None and len(rows) > limit > 0:
        # Keep every row scoring at least the limit-th best (ties included), then sort those.
        threshold = -np.partition(-keys, limit - 1)[limit - 1]
        keep = keys >= threshold
        rows, keys = rows[keep], keys[keep]
    order = rows[np.lexsort((rows, distance[rows], -keys))]
    if limit is not None:
        order = order[:limit]
    scored_rows = np.arange(n) if whole else subset
    return Ranking(
        scored_rows[order], int(eligible.sum()), scores, factors, distance, excluded, scored_rows
    )


def scored(pool: Pool, ranking: Ranking, row: int) -> Scored:
    """Pool row `row` (from `ranking.order`) with its explanation."""
    at = ranking.at(row)
    distance = ranking.distance_km[at]
    return Scored(
        volunteer_id=_as_uuid(pool.ids[row]),
        score=round(float(ranking.scores[at]), 6),
        distance_km=None if np.isinf(distance) else round(float(distance), 3),
        breakdown=[
            Factor(name, round(float(ranking.factors[at, i]), 6), WEIGHTS[name])
            for i, name in enumerate(FACTORS)
        ],
    )


# Loading ----------------------------------------------------------------------------------

_V = Volunteer.__table__.c


def _as_int(column):
    return type_coerce(column, Integer)


VOLUNTEER_POOL = "volunteers"


def _pool_query():
    """Every volunteer's matching columns, in id order (the final tie-break)."""
    employers = Employer.__table__.c
    return (
        select(
            cast(_V.id, String),
            _V.latitude,
            _V.longitude,
            _V.travel_radius_km,
            _as_int(_V.activity_types),
            _as_int(_V.modes),
            _as_int(_V.year_groups),
            _as_int(_V.sectors),
            cast(_V.topics, String),  # raw JSON text: parsed once per distinct value
            cast(_V.weekly_availability, String),
            cast(_V.unavailable_dates, String),
            _V.dbs_enhanced,
            _V.dbs_barred_list,
            cast(_V.dbs_issued_on, String),
            _V.dbs_update_service,
            cast(employers.size_band, String),
            employers.sector_code,
            _V.monthly_capacity,
        )
        .join(Employer.__table__, employers.id == _V.employer_id)
        .order_by(_V.id)
    )


def load_pool(session: Session, *, volunteer_ids: list[uuid.UUID]) -> Pool:
    """Columns of the given volunteers, read now (one volunteer against needs)."""
    rows = session.connection().execute(_pool_query().where(_V.id.in_(volunteer_ids))).all()
    return _columns(rows)


@dataclass(frozen=True)
class _Held:
    generation: uuid.UUID
    pool: Pool
    rows: dict  # volunteer id as loaded → pool row


_held: dict[str, _Held] = {}
_loading = threading.Lock()


def volunteer_pool(session: Session) -> tuple[Pool, dict]:
    """Every volunteer's columns and their rows by id.

    This process holds them until a write to volunteers or employers stamps a new
    generation. The generation is read before the rows, so a write that lands in between
    is at worst loaded again. A database without a stamp (just emptied, or bulk-loaded
    without `stamp_pool_generation`) is read every time and nothing is held.
    """
    generation = session.scalar(
        select(PoolGeneration.generation).where(PoolGeneration.pool == VOLUNTEER_POOL)
    )
    key = session.get_bind().url.render_as_string()
    held = _held.get(key)
    if held is None or held.generation != generation:
        with _loading:
            held = _held.get(key)
            if held is None or held.generation != generation:
                pool = _columns(session.connection().execute(_pool_query()).all())
                held = _Held(generation, pool, _rows_by_id(pool))
                if generation is not None:
                    _held[key] = held
    return held.pool, held.rows


def stamp_pool_generation(session: Session) -> None:
    """Mark every process's held volunteers stale, in the caller's transaction. Flushes of
    volunteers and employers do it by themselves; a bulk INSERT or UPDATE must call it."""
    statement = upsert(session, PoolGeneration).values(pool=VOLUNTEER_POOL, generation=uuid.uuid4())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["pool"], set_={"generation": statement.excluded.generation}
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_on_volunteer_writes(session: Session, _flush_context, _instances) -> None:
    written = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, Volunteer | Employer) for obj in written):
        stamp_pool_generation(session)


def _columns(rows) -> Pool:
    """Rows as NumPy columns; ids stay in the driver's form (parsed only for the page)."""
    n = len(rows)
    if not n:
        columns = [[] for _ in range(18)]
    else:
        columns = list(zip(*rows, strict=True))
    sizes = {s.value: i for i, s in enumerate(_SIZES)}
    sections = {s: i for i, s in enumerate(SIC_SECTIONS)}
    topics_of: dict[str, int] = {}
    hours_of: dict[str, int] = {}
    dates_of: dict[str, set[str]] = {}
    for text in set(columns[8]):
        topics_of[text] = topic_bits(json.loads(text or "[]"))
    for text in set(columns[9]):
        hours_of[text] = availability_bits(json.loads(text or "[]"))
    for text in set(columns[10]):
        dates_of[text] = set(json.loads(text or "[]"))
    unavailable = {i: dates_of[text] for i, text in enumerate(columns[10]) if dates_of[text]}
    enhanced = np.array(columns[11], dtype=bool)
    barred = np.array(columns[12], dtype=bool)
    issued = np.array(
        [int(t[:4] + t[5:7] + t[8:10]) if t else 0 for t in columns[13]], dtype=np.int64
    )
    update = np.array(columns[14], dtype=bool)
    expiry = issued + 30_000 - (issued % 10_000 == 229)  # 29 February: 28 February
    dbs = np.where(enhanced & barred & (issued > 0), np.where(update, DBS_FOREVER, expiry), NO_DBS)
    return Pool(
        ids=list(columns[0]),
        latitude=np.array(columns[1], dtype=float),
        longitude=np.array(columns[2], dtype=float),
        radius=np.array(columns[3], dtype=float),
        activities=np.array(columns[4], dtype=np.int64),
        modes=np.array(columns[5], dtype=np.int64),
        years=np.array(columns[6], dtype=np.int64),
        sectors=np.array(columns[7], dtype=np.int64),
        topics=np.array([topics_of[t] for t in columns[8]], dtype=np.uint64),
        availability=np.array([hours_of[t] for t in columns[9]], dtype=np.uint64),
        dbs_through=dbs.astype(np.int64),
        employer_size=np.array([sizes.get(v, -1) for v in columns[15]], dtype=np.int64),
        employer_sector=np.array([sections.get(v, -1) for v in columns[16]], dtype=np.int64),
        capacity=np.array(columns[17], dtype=float),
        load=np.zeros(n),
        commitments=np.zeros(n),
        unavailable_dates=unavailable,
    )


def _as_uuid(value) -> uuid.UUID:
    """SQLite hands ids back as hex text, PostgreSQL's driver as text or UUIDs."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _rows_by_id(pool: Pool) -> dict:
    return {volunteer_id: row for row, volunteer_id in enumerate(pool.ids)}


def with_load(session: Session, pool: Pool, rows: dict, now: datetime) -> Pool:
    """The pool with each volunteer's invitations (and commitments) of the last 30 days,
    in fresh arrays: a held pool is shared by every request."""
    load, commitments = np.zeros(len(pool)), np.zeros(len(pool))
    query = (
        select(cast(Match.volunteer_id, String), Match.status, func.count())
        .where(Match.invited_at >= now - LOAD_WINDOW)
        .group_by(Match.volunteer_id, Match.status)
    )
    if len(pool) <= 500:
        query = query.where(Match.volunteer_id.in_([_as_uuid(i) for i in pool.ids]))
    for volunteer_id, status, count in session.execute(query):
        row = rows.get(volunteer_id)
        if row is None:
            continue
        load[row] += count
        if status in ACTIVE:
            commitments[row] += count
    return replace(pool, load=load, commitments=commitments)


def met_lately(session: Session, school_id: uuid.UUID, now: datetime) -> tuple[set, set]:
    """Employer size and sector indices this school's pupils met in the last year: in the
    encounters it recorded, and with the volunteers it has confirmed since."""
    since = now - VARIETY_WINDOW
    confirmed = (
        select(Employer.size_band, Employer.sector_code)
        .select_from(Match)
        .join(Need, Need.id == Match.need_id)
        .join(Volunteer, Volunteer.id == Match.volunteer_id)
        .join(Employer, Employer.id == Volunteer.employer_id)
        .where(Need.school_id == school_id, Match.status.in_(MET), Match.invited_at >= since)
    )
    recorded = select(Encounter.employer_size, Encounter.employer_sector).where(
        Encounter.school_id == school_id, Encounter.occurred_on >= since.date()
    )
    rows = session.execute(confirmed.union(recorded)).all()
    sizes = {_SIZES.index(EmployerSize(s)) for s, _ in rows if s}
    sectors = {SIC_SECTIONS.index(c) for _, c in rows if c}
    return sizes, sectors


def invited_mask(session: Session, need_id: uuid.UUID, pool: Pool, rows: dict) -> np.ndarray:
    mask = np.zeros(len(pool), dtype=bool)
    invited = select(cast(Match.volunteer_id, String)).where(Match.need_id == need_id)
    for volunteer_id in session.scalars(invited):
        if (row := rows.get(volunteer_id)) is not None:
            mask[row] = True
    return mask


_priorities: dict[tuple[uuid.UUID, int], tuple[float, datetime]] = {}


def school_priorities(
    session: Session, schools: list[School], now: datetime
) -> dict[uuid.UUID, float]:
    """The schools' priorities this school year (services.benchmarks.school_gaps), each
    held for PRIORITY_TTL: a report over a large school's ledger costs more than a ranking.
    The schools not held are reported on in one batch."""
    start = school_year_start(now.date())
    stale = [
        school
        for school in schools
        if (held := _priorities.get((school.id, start))) is None or held[1] <= now
    ]
    if stale:
        for school_id, gaps in benchmarks.school_gaps(session, stale, start).items():
            _priorities[(school_id, start)] = (gaps.priority, now + PRIORITY_TTL)
    return {school.id: _priorities[(school.id, start)][0] for school in schools}


def target_of(session: Session, need: Need, now: datetime) -> Target:
    """The need as the engine's numbers, with what its school met lately and its priority."""
    priority = school_priorities(session, [need.school], now)[need.school_id]
    return target_for(need, need.school, *met_lately(session, need.school_id, now), priority)


# Services ---------------------------------------------------------------------------------


def candidates(
    session: Session, need: Need, *, page: int, page_size: int, now: datetime | None = None
) -> CandidatePage:
    """Volunteers ranked for a need (the caller has already been allowed to see it)."""
    now = now or datetime.now(UTC)
    held, rows = volunteer_pool(session)
    pool = with_load(session, held, rows, now)
    invited = invited_mask(session, need.id, pool, rows)
    target = target_of(session, need, now)
    ranking = rank(target, pool, limit=page * page_size, invited=invited)
    items = [scored(pool, ranking, row) for row in ranking.order[(page - 1) * page_size :]]
    people = _candidates_by_id(session, [item.volunteer_id for item in items])
    found, offers_excluded = offer_candidates(session, need, target, now=now)
    return CandidatePage(
        items=[replace(item, volunteer=people.get(item.volunteer_id)) for item in items],
        total=ranking.eligible,
        excluded=ranking.excluded,
        requirement=safeguarding.requirement(safeguarding.need_activity(need)),
        offers=found[:OFFER_LIMIT],
        offers_excluded=offers_excluded,
    )


def _candidates_by_id(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Candidate]:
    """The page's people, only the columns shown (whole ORM rows cost more than the ranking)."""
    rows = session.execute(
        select(Volunteer.id, User.name, Volunteer.job_title, Employer.id, Employer.name)
        .join(User, User.id == Volunteer.user_id)
        .join(Employer, Employer.id == Volunteer.employer_id)
        .where(Volunteer.id.in_(ids))
    )
    return {
        volunteer_id: Candidate(volunteer_id, name, job_title, Ref(employer_id, employer_name))
        for volunteer_id, name, job_title, employer_id, employer_name in rows
    }


def best_candidates(
    session: Session, need: Need, *, count: int, now: datetime | None = None
) -> list[Scored]:
    """The next `count` eligible volunteers not yet invited to this need."""
    return candidates(session, need, page=1, page_size=count, now=now).items


def assess(
    session: Session, need: Need, volunteer_id: uuid.UUID, *, now: datetime | None = None
) -> tuple[Scored | None, str | None]:
    """One volunteer against one need: their score, or the reason they are excluded."""
    now = now or datetime.now(UTC)
    pool = load_pool(session, volunteer_ids=[volunteer_id])
    if not len(pool):
        return None, "unknown_volunteer"
    rows = _rows_by_id(pool)
    pool = with_load(session, pool, rows, now)
    ranking = rank(
        target_of(session, need, now), pool, invited=invited_mask(session, need.id, pool, rows)
    )
    if ranking.eligible:
        return scored(pool, ranking, 0), None
    return None, next(reason for reason, count in ranking.excluded.items() if count)


@dataclass(frozen=True)
class Opportunity:
    need: Need
    score: float
    distance_km: float | None
    breakdown: list[Factor]


def opportunities(
    session: Session,
    volunteer: Volunteer,
    *,
    page: int,
    page_size: int,
    now: datetime | None = None,
) -> tuple[list[Opportunity], int, dict[str, int]]:
    """Open needs this volunteer fits, best first (ties: earlier window end, then need id)."""
    now = now or datetime.now(UTC)
    pool = load_pool(session, volunteer_ids=[volunteer.id])
    pool = with_load(session, pool, _rows_by_id(pool), now)
    query = (
        select(Need)
        .join(School, School.id == Need.school_id)
        .where(Need.status == NeedStatus.OPEN, Need.ends_on >= now.date())
        .order_by(Need.ends_on, Need.id)
    )
    online = Mode.VIRTUAL in (volunteer.modes or [])
    if volunteer.latitude is not None and not online:
        south, north, west, east = bounding_box(
            volunteer.latitude, volunteer.longitude, REACH_CAP_KM
        )
        query = query.where(
            or_(
                Need.mode == NeedMode.VIRTUAL,
                School.latitude.between(south, north) & School.longitude.between(west, east),
            )
        )
    taken = set(session.scalars(select(Match.need_id).where(Match.volunteer_id == volunteer.id)))
    found: list[Opportunity] = []
    excluded: Counter = Counter()
    open_needs = list(session.scalars(query))
    schools = {need.school_id: need.school for need in open_needs if need.id not in taken}
    priorities = school_priorities(session, list(schools.values()), now)
    met: dict[uuid.UUID, tuple[set, set]] = {}  # needs share schools
    for need in open_needs:
        if need.id in taken:
            excluded["already_invited"] += 1
            continue
        if need.school_id not in met:
            met[need.school_id] = met_lately(session, need.school_id, now)
        target = target_for(need, need.school, *met[need.school_id], priorities[need.school_id])
        ranking = rank(target, pool)
        if not ranking.eligible:
            excluded[next(r for r, c in ranking.excluded.items() if c)] += 1
            continue
        one = scored(pool, ranking, 0)
        found.append(Opportunity(need, one.score, one.distance_km, one.breakdown))
    found.sort(key=lambda o: (-o.score, o.need.ends_on, str(o.need.id)))
    start = (page - 1) * page_size
    summary = {reason: excluded.get(reason, 0) for reason in EXCLUSION_REASONS}
    return found[start : start + page_size], len(found), summary


# Offers -----------------------------------------------------------------------------------

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


def offer_candidates(
    session: Session, need: Need, target: Target, *, now: datetime
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
    """Slots with seats left on the need's dates (from today), soonest first, by offer."""
    query = (
        select(Slot)
        .where(
            Slot.date >= max(need.starts_on, london_today()),
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
    sectors = _bits(
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
