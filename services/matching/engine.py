"""The vectorised engine: score a pool of volunteers against one need, in NumPy alone.

`rank` runs four steps over the columns of a `Pool` (one array per attribute, sets as
integer bitmasks so that fits are `popcount(a & b)`):

1. `prefilter`: a bounding box around the school (REACH_CAP_KM) and the mode, checked on
   every row with cheap comparisons; only the rows that pass are scored;
2. `factor_matrix`: each factor in WEIGHTS, in [0, 1], one column per factor (SCORERS);
3. `exclusions`: who cannot take the need at all, each counted under the first reason that
   applies, in EXCLUSION_REASONS order;
4. `ordering`: higher score, then nearer, then lower volunteer id (the pool's row order).

The engine reads no database: `services.matching.pool` loads the columns and
`services.matching.context` the per-request ones (recent load, who is invited already).
Adding a factor: give it a weight in WEIGHTS and a scorer in SCORERS (and, if it needs one,
a column in `Pool`, loaded by `services.matching.pool`).
"""

import bisect
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import time

import numpy as np

from models.needs import NeedMode
from models.volunteers import Mode
from services.geo import distances_km
from services.search import bounding_box

# The one place the factors are weighed. Each factor is in [0, 1]; the weights sum to 1,
# so the breakdown's contributions add up to the score.
WEIGHTS: dict[str, float] = {
    "distance": 0.20,  # 1 at the volunteer's door, 0 at the edge of their travel radius
    "activity": 0.20,  # offers this activity (1), a related one (0.5); topics overlap
    "availability": 0.15,  # share of the need's preferred weekday hours the volunteer covers
    "sector": 0.10,  # works in a sector the school asked for (no sector asked: 1)
    "year_groups": 0.10,  # share of the need's year groups the volunteer works with
    "variety": 0.08,  # an employer size and sector this school's pupils have not met lately
    "fairness": 0.07,  # invitations in the last 30 days against the volunteer's monthly capacity
    "mode": 0.05,  # offers the need's mode; for `either`, both modes beats one
    "priority": 0.02,  # the school's priority: benchmark gaps and disadvantage
    "role_model": 0.03,  # share of the journey kinds asked for in a named journey (none: 1)
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
NOT_STATED = 0.5  # availability factor for a volunteer who has not stated any
SCHOOL_DAY = (time(9, 0), time(15, 0))
IN_PERSON_BIT = 1 << list(Mode).index(Mode.IN_PERSON)
VIRTUAL_BIT = 1 << list(Mode).index(Mode.VIRTUAL)
NO_DBS, DBS_FOREVER = 0, 99_999_999


@dataclass
class Pool:
    """Candidate volunteers as columns, in ascending id order (the final tie-break)."""

    ids: list  # volunteer ids as the driver gave them (services.matching.pool.as_uuid)
    latitude: np.ndarray
    longitude: np.ndarray
    radius: np.ndarray  # travel radius, km
    activities: np.ndarray  # bits over ActivityType
    modes: np.ndarray  # bits over Mode
    years: np.ndarray  # bits over YEAR_GROUPS
    sectors: np.ndarray  # bits over SIC_SECTIONS
    topics: np.ndarray  # services.matching.encoding.topic_bits
    availability: np.ndarray  # weekday-hour bits (encoding.availability_bits)
    dbs_through: np.ndarray  # date code the enhanced check is valid through (NO_DBS: none)
    employer_size: np.ndarray  # index in EmployerSize, -1 unknown
    employer_sector: np.ndarray  # index in SIC_SECTIONS, -1 unknown
    capacity: np.ndarray  # commitments a month the volunteer will make (at least 1)
    load: np.ndarray  # invitations in the last 30 days
    commitments: np.ndarray  # accepted, confirmed or scheduled in the last 30 days
    journey_kinds: np.ndarray  # bits over RoleModelKind of a named career journey (0: none)
    unavailable_dates: dict[int, set[str]] = field(default_factory=dict)  # row → ISO dates

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray) -> "Pool":
        """The rows `rows` (ascending), as a smaller pool."""
        position = {int(row): i for i, row in enumerate(rows)} if self.unavailable_dates else {}
        return Pool(
            ids=[self.ids[row] for row in rows],
            **{name: getattr(self, name)[rows] for name in ARRAYS},
            unavailable_dates={
                position[row]: dates
                for row, dates in self.unavailable_dates.items()
                if row in position
            },
        )

    def replaced(self, at: list[int], fresh: "Pool") -> "Pool":
        """A copy with rows `at` replaced by `fresh`'s rows, in the same order."""
        arrays = {}
        for name in ARRAYS:
            column = getattr(self, name).copy()
            column[at] = getattr(fresh, name)
            arrays[name] = column
        dates = dict(self.unavailable_dates)
        for i, row in enumerate(at):
            dates.pop(row, None)
            if i in fresh.unavailable_dates:
                dates[row] = fresh.unavailable_dates[i]
        return Pool(ids=list(self.ids), **arrays, unavailable_dates=dates)

    def without(self, rows: list[int]) -> "Pool":
        """A copy without the rows `rows`."""
        return self.take(np.setdiff1d(np.arange(len(self)), rows))

    def merged(self, fresh: "Pool") -> "Pool":
        """A copy with `fresh`'s rows (ids not held here, ascending) inserted in id order."""
        at = [bisect.bisect_left(self.ids, volunteer_id) for volunteer_id in fresh.ids]
        ids = list(self.ids)
        for i, position in enumerate(at):
            ids.insert(position + i, fresh.ids[i])
        dates = {row + bisect.bisect_right(at, row): d for row, d in self.unavailable_dates.items()}
        dates.update({at[i] + i: d for i, d in fresh.unavailable_dates.items()})
        return Pool(
            ids=ids,
            **{name: np.insert(getattr(self, name), at, getattr(fresh, name)) for name in ARRAYS},
            unavailable_dates=dates,
        )


ARRAYS = tuple(f.name for f in fields(Pool) if f.name not in ("ids", "unavailable_dates"))


@dataclass(frozen=True)
class Target:
    """A need as the numbers the engine compares against (encoding.target_for)."""

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
    until: int  # date code of the need's last day
    met_sizes: frozenset[int]
    met_sectors: frozenset[int]
    priority: float
    role_models: int = 0  # bits over RoleModelKind the need asks for


@dataclass(frozen=True)
class Shortlist:
    """What `prefilter` keeps: pool rows to score, and how many it left out and why."""

    rows: np.ndarray  # ascending pool rows
    whole: bool  # every row passed
    wrong_mode: int
    out_of_range: int


@dataclass(frozen=True)
class Reach:
    """Where each shortlisted volunteer stands against the need: shared by factors and
    exclusions."""

    distance: np.ndarray  # km (inf where unknown or virtual)
    closeness: np.ndarray  # 1 at the door, 0 at the edge of their reach
    in_range: np.ndarray
    in_person: np.ndarray
    online: np.ndarray
    stated: np.ndarray  # has stated weekly availability
    covered: np.ndarray  # share of the need's hours their availability covers


@dataclass(frozen=True)
class Ranking:
    order: np.ndarray  # pool rows of eligible candidates, best first (first `limit`)
    eligible: int
    scores: np.ndarray  # parallel to `rows`
    factors: np.ndarray  # len(rows) × FACTORS
    distance_km: np.ndarray  # parallel to `rows` (inf where unknown)
    excluded: dict[str, int]
    rows: np.ndarray  # the pool rows that passed the prefilter, ascending

    def at(self, row: int) -> int:
        """Where pool row `row` sits in the scored arrays."""
        return int(np.searchsorted(self.rows, row))


def rank(
    target: Target, pool: Pool, *, limit: int | None = None, invited: np.ndarray | None = None
) -> Ranking:
    """Score the pool against the target and order the best `limit` eligible rows.

    `Ranking.rows` names the shortlisted pool rows (ascending) and its arrays are parallel
    to it; `order` holds pool rows. `invited` (parallel to the pool) marks who has been
    asked already.
    """
    shortlist = prefilter(target, pool)
    if not shortlist.whole:
        pool = pool.take(shortlist.rows)
        invited = invited[shortlist.rows] if invited is not None else None
    reach = reach_of(target, pool)
    factors = factor_matrix(target, pool, reach)
    scores = factors @ WEIGHT_VECTOR
    eligible, excluded = exclusions(target, pool, reach, invited)
    excluded["wrong_mode"] += shortlist.wrong_mode
    excluded["out_of_range"] += shortlist.out_of_range
    order = ordering(scores, reach.distance, eligible, limit)
    return Ranking(
        shortlist.rows[order],
        int(eligible.sum()),
        scores,
        factors,
        reach.distance,
        excluded,
        shortlist.rows,
    )


# 1. Prefilter --------------------------------------------------------------------------


def prefilter(target: Target, pool: Pool) -> Shortlist:
    """The rows in the need's mode and, in person, inside the box around the school."""
    in_person = (pool.modes & IN_PERSON_BIT) != 0
    online = (pool.modes & VIRTUAL_BIT) != 0
    mode_ok = {
        NeedMode.IN_PERSON: in_person,
        NeedMode.VIRTUAL: online,
        NeedMode.EITHER: in_person | online,
    }[target.mode]
    consider = mode_ok
    if target.latitude is not None and target.mode is not NeedMode.VIRTUAL:
        south, north, west, east = bounding_box(target.latitude, target.longitude, REACH_CAP_KM)
        boxed = (
            (pool.latitude >= south)
            & (pool.latitude <= north)
            & (pool.longitude >= west)
            & (pool.longitude <= east)
        )
        consider = boxed & in_person
        if target.mode is NeedMode.EITHER:
            consider |= online
    n = len(pool)
    rows = np.flatnonzero(consider)
    return Shortlist(
        rows=rows,
        whole=len(rows) == n,
        wrong_mode=n - int(mode_ok.sum()),
        out_of_range=int((mode_ok & ~consider).sum()),
    )


def reach_of(target: Target, pool: Pool) -> Reach:
    n = len(pool)
    if target.latitude is None or target.mode is NeedMode.VIRTUAL:
        distance = np.full(n, np.inf)
    else:
        distance = distances_km(target.latitude, target.longitude, pool.latitude, pool.longitude)
        distance = np.where(np.isnan(distance), np.inf, distance)
    radius = np.minimum(pool.radius, REACH_CAP_KM)
    wanted_hours = max(1, bin(target.availability).count("1"))
    # A home is placed to the whole kilometre only: the distance shown, the distance factor
    # and the score (from which the factor could be recovered) never locate it more finely.
    whole_km = np.rint(distance)
    return Reach(
        distance=whole_km,
        closeness=np.clip(1.0 - whole_km / np.maximum(radius, 1e-9), 0.0, 1.0),
        in_range=distance <= radius,
        in_person=(pool.modes & IN_PERSON_BIT) != 0,
        online=(pool.modes & VIRTUAL_BIT) != 0,
        stated=pool.availability != 0,
        covered=popcount(pool.availability & np.uint64(target.availability)) / wanted_hours,
    )


# 2. Factors ----------------------------------------------------------------------------

Scorer = Callable[[Target, Pool, Reach], np.ndarray | float]


def _distance(target: Target, pool: Pool, reach: Reach) -> np.ndarray | float:
    if target.mode is NeedMode.IN_PERSON:
        return reach.closeness
    if target.mode is NeedMode.VIRTUAL:
        return 1.0
    return np.where(reach.in_person & reach.in_range, reach.closeness, 0.5)


def _mode(target: Target, pool: Pool, reach: Reach) -> np.ndarray | float:
    if target.mode is not NeedMode.EITHER:
        return 1.0
    return np.where(reach.in_person & reach.online, 1.0, 0.75)


def _activity(target: Target, pool: Pool, reach: Reach) -> np.ndarray:
    activity = np.where(
        (pool.activities & target.activity) != 0,
        1.0,
        np.where((pool.activities & target.related) != 0, 0.5, 0.0),
    )
    if not target.topics:
        return activity
    overlap = popcount(pool.topics & target.topics) / popcount(np.array([target.topics]))
    return 0.75 * activity + 0.25 * overlap


def _availability(target: Target, pool: Pool, reach: Reach) -> np.ndarray:
    return np.where(reach.stated, reach.covered, NOT_STATED)


def _sector(target: Target, pool: Pool, reach: Reach) -> np.ndarray | float:
    if not target.sectors:
        return 1.0
    return ((pool.sectors & target.sectors) != 0).astype(float)


def _year_groups(target: Target, pool: Pool, reach: Reach) -> np.ndarray | float:
    if not target.years:
        return 1.0
    return popcount(pool.years & target.years) / bin(target.years).count("1")


def _variety(target: Target, pool: Pool, reach: Reach) -> np.ndarray:
    def new(index: np.ndarray, met: frozenset[int]) -> np.ndarray:
        return np.where(index < 0, 0.5, ~np.isin(index, list(met)))

    return 0.5 * new(pool.employer_size, target.met_sizes) + 0.5 * new(
        pool.employer_sector, target.met_sectors
    )


def _fairness(target: Target, pool: Pool, reach: Reach) -> np.ndarray:
    return 1.0 - np.minimum(pool.load, pool.capacity) / pool.capacity


def _priority(target: Target, pool: Pool, reach: Reach) -> float:
    return target.priority


def _role_model(target: Target, pool: Pool, reach: Reach) -> np.ndarray | float:
    if not target.role_models:
        return 1.0
    asked = popcount(np.array([target.role_models]))[0]
    return popcount(pool.journey_kinds & target.role_models) / asked


SCORERS: dict[str, Scorer] = {
    "distance": _distance,
    "activity": _activity,
    "availability": _availability,
    "sector": _sector,
    "year_groups": _year_groups,
    "variety": _variety,
    "fairness": _fairness,
    "mode": _mode,
    "priority": _priority,
    "role_model": _role_model,
}


def factor_matrix(target: Target, pool: Pool, reach: Reach) -> np.ndarray:
    """len(pool) × FACTORS: each factor's value for each row, in WEIGHTS' order."""
    factors = np.empty((len(pool), len(FACTORS)))
    for i, name in enumerate(FACTORS):
        factors[:, i] = SCORERS[name](target, pool, reach)
    return factors


# 3. Exclusions -------------------------------------------------------------------------


def exclusions(
    target: Target, pool: Pool, reach: Reach, invited: np.ndarray | None
) -> tuple[np.ndarray, dict[str, int]]:
    """Who may take the need, and everyone else counted under their first reason out."""
    n = len(pool)
    everyone = np.ones(n, dtype=bool)
    if target.mode is NeedMode.IN_PERSON:
        mode_ok, reachable = reach.in_person, reach.in_range
    elif target.mode is NeedMode.VIRTUAL:
        mode_ok, reachable = reach.online, everyone
    else:
        mode_ok = reach.in_person | reach.online
        reachable = (reach.in_person & reach.in_range) | reach.online
    available = ~reach.stated | (reach.covered > 0)
    if pool.unavailable_dates and target.window_dates:
        window = set(target.window_dates)
        for row, dates in pool.unavailable_dates.items():
            if window <= dates:
                available[row] = False
    checks = {
        "wrong_mode": mode_ok,
        "out_of_range": reachable,
        "unavailable": available,
        "safeguarding": pool.dbs_through > target.until if target.dbs_required else everyone,
        "at_monthly_limit": pool.commitments < pool.capacity,
        "already_invited": ~invited if invited is not None else everyone,
    }
    eligible = everyone.copy()
    excluded = {}
    for reason in EXCLUSION_REASONS:
        excluded[reason] = int((eligible & ~checks[reason]).sum())
        eligible &= checks[reason]
    return eligible, excluded


# 4. Ordering ---------------------------------------------------------------------------


def ordering(
    scores: np.ndarray, distance: np.ndarray, eligible: np.ndarray, limit: int | None
) -> np.ndarray:
    """Eligible positions best first (score, then nearer, then position), the first `limit`."""
    rows = np.flatnonzero(eligible)
    keys = np.round(scores[rows], 9)
    if limit is not None and len(rows) > limit > 0:
        # Keep every row scoring at least the limit-th best (ties included), then sort those.
        threshold = -np.partition(-keys, limit - 1)[limit - 1]
        keep = keys >= threshold
        rows, keys = rows[keep], keys[keep]
    order = rows[np.lexsort((rows, distance[rows], -keys))]
    return order[:limit] if limit is not None else order


# Helpers -------------------------------------------------------------------------------


def popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values.astype(np.uint64)).astype(np.float64)


# Results -------------------------------------------------------------------------------


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


def scored(pool: Pool, ranking: Ranking, row: int) -> Scored:
    """Pool row `row` (from `ranking.order`) with its explanation."""
    at = ranking.at(row)
    distance = ranking.distance_km[at]
    return Scored(
        volunteer_id=as_uuid(pool.ids[row]),
        score=round(float(ranking.scores[at]), 6),
        distance_km=None if np.isinf(distance) else round(float(distance), 3),
        breakdown=[
            Factor(name, round(float(ranking.factors[at, i]), 6), WEIGHTS[name])
            for i, name in enumerate(FACTORS)
        ],
    )


def as_uuid(value) -> uuid.UUID:
    """SQLite hands ids back as hex text, PostgreSQL's driver as text or UUIDs."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
