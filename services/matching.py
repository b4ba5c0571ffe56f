"""The matching engine: rank volunteers for a need, and needs for a volunteer, explained.

Every candidate gets a score in [0, 1]: the weighted sum of the factors below, each in
[0, 1], with the weights in WEIGHTS (they sum to 1, so the breakdown's contributions add
up to the score). A candidate who cannot take the need at all is excluded, and counted
under the first reason that applies, in EXCLUSION_REASONS order.

Scoring is vectorised with NumPy over the columns of a `Pool`: one array per attribute,
loaded for the volunteers inside a bounding box around the school (REACH_CAP_KM) on the
indexed coordinates (virtual needs: every volunteer who works online). Sets are integer
bitmasks (as the volunteers table stores them), so fits are `popcount(a & b)`.

Ties break deterministically: higher score, then nearer, then lower volunteer id.
"""

import json
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import Integer, String, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from models.matches import Match, MatchStatus
from models.needs import Need, NeedMode, NeedStatus
from models.organisations import Employer, EmployerSize, School
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, ActivityType, Mode, Volunteer
from services import safeguarding
from services.geo import EARTH_RADIUS_KM
from services.search import bounding_box, load_by_id

# The one place the factors are weighed. Each factor is in [0, 1]; the weights sum to 1.
WEIGHTS: dict[str, float] = {
    "distance": 0.20,  # 1 at the volunteer's door, 0 at the edge of their travel radius
    "activity": 0.20,  # offers this activity (1), a related one (0.5); topics overlap
    "availability": 0.15,  # share of the need's preferred weekday hours the volunteer covers
    "sector": 0.10,  # works in a sector the school asked for (no sector asked: 1)
    "year_groups": 0.10,  # share of the need's year groups the volunteer works with
    "variety": 0.08,  # an employer size and sector this school's pupils have not met lately
    "fairness": 0.07,  # few invitations in the last 30 days (nobody asked every week)
    "mode": 0.05,  # offers the need's mode; for `either`, both modes beats one
    "priority": 0.05,  # the school's priority (disadvantaged share; benchmark gaps later)
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
MONTHLY_LIMIT = 4  # accepted, confirmed or scheduled in the last 30 days
LOAD_WINDOW = timedelta(days=30)
VARIETY_WINDOW = timedelta(days=365)
PRIORITY_FULL_AT_FSM = 50.0  # percentage of pupils on free school meals for priority 1
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


def school_priority(school: School) -> float:
    """How much a school's needs should be favoured, in [0, 1].

    Today: its disadvantaged share (free school meals), full priority at
    PRIORITY_FULL_AT_FSM percent. Benchmark gaps join here once reports exist.
    """
    share = school.percentage_fsm or 0.0
    return float(min(1.0, max(0.0, share / PRIORITY_FULL_AT_FSM)))


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
    load: np.ndarray  # invitations in the last 30 days
    commitments: np.ndarray  # accepted, confirmed or scheduled in the last 30 days
    unavailable_dates: dict[int, set[str]] = field(default_factory=dict)  # row → ISO dates
    outside: int = 0  # volunteers outside the search box (counted as out of range)

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
class Scored:
    """One ranked pairing with its explanation."""

    volunteer_id: uuid.UUID
    score: float
    distance_km: float | None
    breakdown: list[Factor]
    volunteer: Volunteer | None = None


@dataclass(frozen=True)
class CandidatePage:
    items: list[Scored]
    total: int
    excluded: dict[str, int]
    requirement: safeguarding.Requirement


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


def target_for(need: Need, school: School, met_sizes=(), met_sectors=()) -> Target:
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
        priority=school_priority(school),
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
        "dbs_through employer_size employer_sector load commitments"
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
    outside = int((mode_ok_all & ~consider).sum()) + pool.outside
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
    factors[:, column["fairness"]] = 1.0 - np.minimum(pool.load, MONTHLY_LIMIT) / MONTHLY_LIMIT
    factors[:, column["priority"]] = target.priority

    scores = factors @ WEIGHT_VECTOR

    # Exclusions, each candidate under its first reason.
    safe = pool.dbs_through > target.until if target.dbs_required else np.ones(n, dtype=bool)
    checks = [
        ("wrong_mode", mode_ok),
        ("out_of_range", reachable),
        ("unavailable", available),
        ("safeguarding", safe),
        ("at_monthly_limit", pool.commitments < MONTHLY_LIMIT),
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


def _any_bit(column, members) -> object:
    return type_coerce(column, Integer).op("&")(column.type.bits(members)) != 0


def _as_int(column):
    return type_coerce(column, Integer)


def load_pool(
    session: Session,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    virtual_only: bool = False,
    include_online: bool = False,
    now: datetime | None = None,
    volunteer_ids: list[uuid.UUID] | None = None,
) -> Pool:
    """Columns of the volunteers inside REACH_CAP_KM of a point (`include_online`: and every
    volunteer working online), of every online volunteer, or of the given ids."""
    now = now or datetime.now(UTC)
    employers = Employer.__table__.c
    query = (
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
        )
        .join(Employer.__table__, employers.id == _V.employer_id)
        .order_by(_V.id)
    )
    box = volunteer_ids is None and not virtual_only and latitude is not None
    if volunteer_ids is not None:
        query = query.where(_V.id.in_(volunteer_ids))
    elif virtual_only:
        query = query.where(_any_bit(_V.modes, [Mode.VIRTUAL]))
    elif box:
        south, north, west, east = bounding_box(latitude, longitude, REACH_CAP_KM)
        inside = _V.latitude.between(south, north) & _V.longitude.between(west, east)
        if include_online:
            inside = or_(inside, _any_bit(_V.modes, [Mode.VIRTUAL]))
        query = query.where(inside)
    rows = session.connection().execute(query).all()
    pool = _columns(rows)
    if box:
        total = session.scalar(select(func.count()).select_from(Volunteer.__table__)) or 0
        pool.outside = total - len(pool)
    _add_load(session, pool, now)
    return pool


def _columns(rows) -> Pool:
    """Rows as NumPy columns; ids stay in the driver's form (parsed only for the page)."""
    n = len(rows)
    if not n:
        columns = [[] for _ in range(17)]
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
        load=np.zeros(n),
        commitments=np.zeros(n),
        unavailable_dates=unavailable,
    )


def _as_uuid(value) -> uuid.UUID:
    """SQLite hands ids back as hex text, PostgreSQL's driver as text or UUIDs."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _same_ids(ids) -> set:
    """Every form an id may take in `Pool.ids`: a UUID, its text, its hex (SQLite)."""
    return {form for u in ids for form in (u, str(u), u.hex)}


def _add_load(session: Session, pool: Pool, now: datetime) -> None:
    if not len(pool):
        return
    index = {volunteer_id: i for i, volunteer_id in enumerate(pool.ids)}
    since = now - LOAD_WINDOW
    query = (
        select(cast(Match.volunteer_id, String), Match.status, func.count())
        .where(Match.invited_at >= since)
        .group_by(Match.volunteer_id, Match.status)
    )
    if len(pool) <= 500:
        query = query.where(Match.volunteer_id.in_([_as_uuid(i) for i in pool.ids]))
    for volunteer_id, status, count in session.execute(query):
        row = index.get(volunteer_id)
        if row is None:
            continue
        pool.load[row] += count
        if status in ACTIVE:
            pool.commitments[row] += count


def met_lately(session: Session, school_id: uuid.UUID, now: datetime) -> tuple[set, set]:
    """Employer size and sector indices of volunteers this school confirmed in the last year."""
    rows = session.execute(
        select(Employer.size_band, Employer.sector_code)
        .select_from(Match)
        .join(Need, Need.id == Match.need_id)
        .join(Volunteer, Volunteer.id == Match.volunteer_id)
        .join(Employer, Employer.id == Volunteer.employer_id)
        .where(
            Need.school_id == school_id,
            Match.status.in_(MET),
            Match.invited_at >= now - VARIETY_WINDOW,
        )
    ).all()
    sizes = {_SIZES.index(EmployerSize(s)) for s, _ in rows if s}
    sectors = {SIC_SECTIONS.index(c) for _, c in rows if c}
    return sizes, sectors


def invited_mask(session: Session, need_id: uuid.UUID, pool: Pool) -> np.ndarray:
    taken = _same_ids(session.scalars(select(Match.volunteer_id).where(Match.need_id == need_id)))
    return np.array([volunteer_id in taken for volunteer_id in pool.ids], dtype=bool)


# Services ---------------------------------------------------------------------------------


def candidates(
    session: Session, need: Need, *, page: int, page_size: int, now: datetime | None = None
) -> CandidatePage:
    """Volunteers ranked for a need (the caller has already been allowed to see it)."""
    now = now or datetime.now(UTC)
    school = need.school
    pool = load_pool(
        session,
        latitude=school.latitude,
        longitude=school.longitude,
        virtual_only=need.mode == NeedMode.VIRTUAL or school.latitude is None,
        include_online=need.mode == NeedMode.EITHER,
        now=now,
    )
    target = target_for(need, school, *met_lately(session, school.id, now))
    invited = invited_mask(session, need.id, pool)
    ranking = rank(target, pool, limit=page * page_size, invited=invited)
    items = [scored(pool, ranking, row) for row in ranking.order[(page - 1) * page_size :]]
    people = load_by_id(
        session,
        Volunteer,
        [item.volunteer_id for item in items],
        [selectinload(Volunteer.employer)],
    )
    return CandidatePage(
        items=[replace(item, volunteer=people.get(item.volunteer_id)) for item in items],
        total=ranking.eligible,
        excluded=ranking.excluded,
        requirement=safeguarding.requirement(safeguarding.need_activity(need)),
    )


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
    pool = load_pool(session, volunteer_ids=[volunteer_id], now=now)
    if not len(pool):
        return None, "unknown_volunteer"
    target = target_for(need, need.school, *met_lately(session, need.school_id, now))
    ranking = rank(target, pool, invited=invited_mask(session, need.id, pool))
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
    pool = load_pool(session, volunteer_ids=[volunteer.id], now=now)
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
    met: dict[uuid.UUID, tuple[set, set]] = {}
    for need in session.scalars(query):
        if need.id in taken:
            excluded["already_invited"] += 1
            continue
        if need.school_id not in met:
            met[need.school_id] = met_lately(session, need.school_id, now)
        ranking = rank(target_for(need, need.school, *met[need.school_id]), pool)
        if not ranking.eligible:
            excluded[next(r for r, c in ranking.excluded.items() if c)] += 1
            continue
        one = scored(pool, ranking, 0)
        found.append(Opportunity(need, one.score, one.distance_km, one.breakdown))
    found.sort(key=lambda o: (-o.score, o.need.ends_on, str(o.need.id)))
    start = (page - 1) * page_size
    summary = {reason: excluded.get(reason, 0) for reason in EXCLUSION_REASONS}
    return found[start : start + page_size], len(found), summary
