"""Hub-wide Enterprise Adviser pairing at the global optimum.

Each (adviser, school) pair within MAX_ADVISER_KM gets a fit in [0, 1]: the weighted sum of
ADVISER_WEIGHTS' factors. The plan maximises the total fit subject to each adviser's
remaining capacity (1-2 schools) and each school's remaining places (at most
MAX_ADVISERS_PER_SCHOOL), never pairing the same two twice.

Solver: SciPy's `linear_sum_assignment` (the Hungarian method, LAPJV) on the matrix
expanded by capacities (an adviser with room for two schools is two rows, a school with two
places two columns; the smaller side on the rows). That relaxation is exact unless it pairs
one adviser with both places of one school; then the same problem is solved as a linear
programme (bipartite b-matching is totally unimodular, so HiGHS returns an integral vertex).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.needs import Need, NeedStatus
from models.organisations import Hub, School
from models.pairings import (
    MAX_ADVISERS_PER_SCHOOL,
    AdviserAssignment,
    AdviserPairingPlan,
    PlanStatus,
)
from models.volunteers import SIC_SECTIONS, AdviserStatus, EnterpriseAdviser, ExpertiseArea
from services.access import Action, Caller, authorize, get_visible
from services.errors import Conflict, InvalidInput, NotFound
from services.geo import EARTH_RADIUS_KM
from services.matching import school_priority
from services.search import KM_PER_DEGREE, bounding_box

# The one place the pairing factors are weighed; each factor is in [0, 1].
ADVISER_WEIGHTS: dict[str, float] = {
    "expertise": 0.35,  # the adviser's expertise covers the benchmarks the school works on
    "distance": 0.25,  # 1 next door, 0 at MAX_ADVISER_KM
    "sector": 0.15,  # the adviser works in a sector the school's needs ask for
    "preference": 0.15,  # the school's phase and type are ones the adviser prefers
    "priority": 0.10,  # the school's priority (disadvantaged share; benchmark gaps later)
}
PAIR_FACTORS = tuple(ADVISER_WEIGHTS)
PAIR_WEIGHTS = np.array([ADVISER_WEIGHTS[name] for name in PAIR_FACTORS])
MAX_ADVISER_KM = 40.0
NEUTRAL = 0.5  # a factor with nothing to compare (no preference, no sector asked)
# Gatsby Benchmarks each area of expertise helps a school's leadership with.
EXPERTISE_BENCHMARKS: dict[str, set[int]] = {
    ExpertiseArea.STRATEGY: {1},
    ExpertiseArea.GOVERNANCE: {1},
    ExpertiseArea.FINANCE: {1},
    ExpertiseArea.PROJECT_MANAGEMENT: {1, 6},
    ExpertiseArea.MARKETING_AND_COMMUNICATIONS: {2},
    ExpertiseArea.DIGITAL: {2, 4},
    ExpertiseArea.DATA_AND_EVALUATION: {3},
    ExpertiseArea.SEND_AND_INCLUSION: {3},
    ExpertiseArea.SKILLS_AND_TRAINING: {4, 7},
    ExpertiseArea.EMPLOYER_ENGAGEMENT: {5, 6},
    ExpertiseArea.HR_AND_RECRUITMENT: {5, 6},
    ExpertiseArea.OPERATIONS: {6},
}
DEFAULT_FOCUS = {1, 5, 6}  # a school with no open needs: programme strategy and employers


def benchmark_bits(benchmarks) -> int:
    return sum(1 << b for b in set(benchmarks))


def expertise_bits(expertise) -> int:
    return benchmark_bits(b for area in expertise for b in EXPERTISE_BENCHMARKS.get(area, ()))


@dataclass
class Side:
    """One side of the pairing as columns."""

    ids: list[uuid.UUID]
    latitude: np.ndarray
    longitude: np.ndarray
    capacity: np.ndarray  # remaining schools (advisers) or places (schools)
    benchmarks: np.ndarray  # adviser: benchmarks covered; school: benchmarks in focus
    sectors: np.ndarray  # bitmask over SIC sections (adviser: works in; school: asked for)
    phases: list[set[str]]  # adviser: preferred phases; school: {its phase}
    types: list[set[str]]  # adviser: preferred types; school: {its type}
    priority: np.ndarray | None = None  # schools only


def candidate_edges(advisers: Side, schools: Side) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(adviser, school, distance) of every pair within MAX_ADVISER_KM.

    Schools are sorted by latitude once; each adviser looks only at the latitude band that
    can hold a school in reach, and at the longitudes of its bounding box.
    """
    order = np.argsort(schools.latitude, kind="stable")
    latitudes = schools.latitude[order]
    band = MAX_ADVISER_KM / KM_PER_DEGREE
    found_a, found_s, found_d = [], [], []
    for i in range(len(advisers.ids)):
        lat, lon = advisers.latitude[i], advisers.longitude[i]
        if np.isnan(lat) or np.isnan(lon):
            continue
        south, north, west, east = bounding_box(lat, lon, MAX_ADVISER_KM)
        lo, hi = np.searchsorted(latitudes, [lat - band, lat + band])
        near = order[lo:hi]
        near = near[(schools.longitude[near] >= west) & (schools.longitude[near] <= east)]
        distance = _haversine(lat, lon, schools.latitude[near], schools.longitude[near])
        keep = distance <= MAX_ADVISER_KM
        found_a.append(np.full(int(keep.sum()), i))
        found_s.append(near[keep])
        found_d.append(distance[keep])
    if not found_a:
        return np.empty(0, int), np.empty(0, int), np.empty(0)
    return np.concatenate(found_a), np.concatenate(found_s), np.concatenate(found_d)


def _haversine(lat0, lon0, lat, lon) -> np.ndarray:
    phi0, phi = np.radians(lat0), np.radians(lat)
    a = (
        np.sin((phi - phi0) / 2) ** 2
        + np.cos(phi0) * np.cos(phi) * np.sin((np.radians(lon) - np.radians(lon0)) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def edge_factors(
    advisers: Side, schools: Side, a: np.ndarray, s: np.ndarray, distance: np.ndarray
) -> np.ndarray:
    """PAIR_FACTORS of each candidate pair (rows parallel to `a` and `s`)."""
    factors = np.empty((len(a), len(PAIR_FACTORS)))
    focus = schools.benchmarks[s]
    factors[:, 0] = _share(advisers.benchmarks[a] & focus) / np.maximum(_share(focus), 1)
    factors[:, 1] = np.clip(1 - distance / MAX_ADVISER_KM, 0, 1)
    asked = schools.sectors[s]
    factors[:, 2] = np.where(asked == 0, NEUTRAL, (advisers.sectors[a] & asked) != 0)
    factors[:, 3] = _preference(advisers, schools, a, s)
    factors[:, 4] = schools.priority[s]
    return factors


def _share(bits: np.ndarray) -> np.ndarray:
    return np.bitwise_count(bits.astype(np.uint64)).astype(np.float64)


def _preference(advisers: Side, schools: Side, a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Mean of phase and type fit: 1 preferred, 0 not, NEUTRAL when the adviser states none."""
    parts = []
    for prefs, actual in ((advisers.phases, schools.phases), (advisers.types, schools.types)):
        values = sorted({v for kinds in actual for v in kinds})
        index = {v: i for i, v in enumerate(values)}
        school_bits = np.array([sum(1 << index[v] for v in k) for k in actual], dtype=np.uint64)
        adviser_bits = np.array(
            [sum(1 << index[v] for v in p if v in index) for p in prefs], dtype=np.uint64
        )
        stated = np.array([bool(p) for p in prefs], dtype=bool)
        hit = (adviser_bits[a] & school_bits[s]) != 0
        parts.append(np.where(stated[a], hit.astype(float), NEUTRAL))
    return (parts[0] + parts[1]) / 2 if parts[0].size else np.empty(0)


LP_MAX_EDGES = 50_000  # above this a relaxation that pairs twice is repaired, not re-solved


@dataclass(frozen=True)
class Solution:
    edges: np.ndarray  # indices of the chosen candidate pairs
    method: str  # assignment, linear_programme, assignment_repaired or none
    upper_bound: float  # the relaxation's optimum: no plan can score more


def solve_edges(
    a: np.ndarray, s: np.ndarray, fit: np.ndarray, capacity: np.ndarray, places: np.ndarray
) -> Solution:
    """Choose pairs maximising the total fit within capacities, each pair at most once."""
    chosen, bound = _relaxation(a, s, fit, capacity, places)
    if not len(a) or bound == 0 and not len(chosen):
        return Solution(np.empty(0, int), "none", 0.0)
    if len(np.unique(chosen)) == len(chosen):
        return Solution(np.sort(chosen), "assignment", bound)
    if len(a) <= LP_MAX_EDGES:
        return Solution(_solve_lp(a, s, fit, capacity, places), "linear_programme", bound)
    repaired = _repair(a, s, fit, capacity, places, chosen)
    baseline = greedy_edges(a, s, fit, capacity, places)
    if fit[baseline].sum() > fit[repaired].sum():
        return Solution(np.sort(baseline), "greedy", bound)
    return Solution(repaired, "assignment_repaired", bound)


def greedy_edges(a, s, fit, capacity, places) -> np.ndarray:
    """Best pair first while capacity lasts: the baseline no plan may fall below."""
    capacity, places = capacity.copy(), places.copy()
    chosen = []
    for e in np.argsort(-fit, kind="stable"):
        if capacity[a[e]] > 0 and places[s[e]] > 0:
            capacity[a[e]] -= 1
            places[s[e]] -= 1
            chosen.append(e)
    return np.array(chosen, dtype=int)


def _relaxation(a, s, fit, capacity, places, first_copy_only=None) -> tuple[np.ndarray, float]:
    """Min-cost matching (LAPJVsp) of adviser copies to school places over the sparse
    candidate pairs; every copy may instead stay idle, so a full matching always exists."""
    usable = (capacity[a] > 0) & (places[s] > 0)
    edge_ids = np.flatnonzero(usable)
    if not len(edge_ids):
        return np.empty(0, int), 0.0
    row_start = np.concatenate([[0], np.cumsum(capacity)])
    col_start = np.concatenate([[0], np.cumsum(places)])
    n_rows, n_cols = int(row_start[-1]), int(col_start[-1])
    rows, cols, weights, labels = [], [], [], []
    for k in range(int(capacity.max())):
        for slot in range(int(places.max())):
            take = edge_ids[(capacity[a[edge_ids]] > k) & (places[s[edge_ids]] > slot)]
            if k and first_copy_only is not None:
                take = take[~first_copy_only[take]]
            rows.append(row_start[a[take]] + k)
            cols.append(col_start[s[take]] + slot)
            weights.append(2.0 - fit[take])  # positive: an explicit zero would be no edge
            labels.append(take)
    rows.append(np.arange(n_rows))
    cols.append(n_cols + np.arange(n_rows))
    weights.append(np.full(n_rows, 2.0))  # idle
    labels.append(np.full(n_rows, -1))
    rows, cols, label = np.concatenate(rows), np.concatenate(cols), np.concatenate(labels)
    width = n_cols + n_rows
    graph = csr_matrix((np.concatenate(weights), (rows, cols)), shape=(n_rows, width))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    # Which candidate pair each matched (copy, place) is: look the cells up by their key.
    keys = rows.astype(np.int64) * width + cols
    order = np.argsort(keys)
    wanted = matched_rows.astype(np.int64) * width + matched_cols
    found = label[order[np.searchsorted(keys, wanted, sorter=order)]]
    chosen = found[found >= 0]
    return chosen, float(fit[chosen].sum())


def _repair(a, s, fit, capacity, places, chosen) -> np.ndarray:
    """Release every pair touching an adviser or school the relaxation paired twice, and
    re-solve just those with each doubled pair allowed through the adviser's first copy
    only (so it cannot double again); repeat until nothing doubles. Not proven optimal: the
    plan reports the first relaxation's optimum as the bound it is measured against."""
    first_copy_only = np.zeros(len(a), dtype=bool)
    everything = np.arange(len(a))
    for _ in range(50):
        values, counts = np.unique(chosen, return_counts=True)
        doubled = values[counts > 1]
        if not len(doubled):
            return np.sort(chosen)
        first_copy_only[doubled] = True
        touched = np.isin(a, a[doubled]) | np.isin(s, s[doubled])
        keep = values[~touched[values]]
        capacity_left = capacity - np.bincount(a[keep], minlength=len(capacity))
        places_left = places - np.bincount(s[keep], minlength=len(places))
        free = everything[touched]
        involved_a = np.zeros(len(capacity), dtype=bool)
        involved_a[a[free]] = True
        involved_s = np.zeros(len(places), dtype=bool)
        involved_s[s[free]] = True
        sub, _ = _relaxation(
            a[free],
            s[free],
            fit[free],
            np.where(involved_a, capacity_left, 0),
            np.where(involved_s, places_left, 0),
            first_copy_only[free],
        )
        chosen = np.concatenate([keep, free[sub]])
    return np.unique(chosen)  # unreachable in practice: a doubled pair can only be fixed once


def _solve_lp(a, s, fit, capacity, places) -> np.ndarray:
    n = len(a)
    edges = np.arange(n)
    constraints = coo_matrix(
        (np.ones(2 * n), (np.concatenate([a, len(capacity) + s]), np.concatenate([edges, edges]))),
        shape=(len(capacity) + len(places), n),
    ).tocsr()
    result = linprog(
        -fit.astype(np.float64),
        A_ub=constraints,
        b_ub=np.concatenate([capacity, places]).astype(np.float64),
        bounds=(0, 1),
        method="highs",
    )
    return np.sort(np.flatnonzero(result.x > 0.5))


def solve(
    fit: np.ndarray, allowed: np.ndarray, capacity: np.ndarray, places: np.ndarray
) -> tuple[list[tuple[int, int]], str]:
    """Dense form: pairs (adviser row, school column) maximising the total fit."""
    a, s = np.nonzero(allowed)
    solution = solve_edges(a, s, fit[a, s].astype(np.float64), capacity, places)
    return sorted((int(a[e]), int(s[e])) for e in solution.edges), solution.method


def greedy(fit, allowed, capacity, places) -> list[tuple[int, int]]:
    """Best pair first while capacity lasts: the baseline the solver must never lose to."""
    capacity, places = capacity.copy(), places.copy()
    pairs = []
    for flat in np.argsort(-fit, axis=None, kind="stable"):
        i, j = divmod(int(flat), fit.shape[1])
        if allowed[i, j] and capacity[i] > 0 and places[j] > 0:
            pairs.append((i, j))
            capacity[i] -= 1
            places[j] -= 1
    return pairs


# The hub's plan --------------------------------------------------------------------------


def _hub_for_coordinator(session: Session, caller: Caller, hub_id: uuid.UUID) -> Hub:
    hub = get_visible(session, caller, Hub, hub_id)
    authorize(session, caller, Action.UPDATE, hub)
    return hub


def _active_counts(session: Session, column, ids) -> dict:
    if not ids:
        return {}
    rows = session.execute(
        select(column, func.count())
        .where(column.in_(ids), AdviserAssignment.ends_on.is_(None))
        .group_by(column)
    )
    return dict(rows.all())


def plan(session: Session, caller: Caller, hub_id: uuid.UUID) -> AdviserPairingPlan:
    hub = _hub_for_coordinator(session, caller, hub_id)
    advisers = session.scalars(
        select(EnterpriseAdviser)
        .where(EnterpriseAdviser.hub_id == hub.id, EnterpriseAdviser.status == AdviserStatus.ACTIVE)
        .order_by(EnterpriseAdviser.id)
    ).all()
    schools = session.scalars(
        select(School).where(School.hub_id == hub.id).order_by(School.id)
    ).all()
    busy = _active_counts(session, AdviserAssignment.adviser_id, [a.id for a in advisers])
    served = _active_counts(session, AdviserAssignment.school_id, [s.id for s in schools])
    existing = set(
        session.execute(
            select(AdviserAssignment.adviser_id, AdviserAssignment.school_id).where(
                AdviserAssignment.hub_id == hub.id, AdviserAssignment.ends_on.is_(None)
            )
        ).all()
    )
    focus = _focus(session, [s.id for s in schools])
    adviser_side = Side(
        ids=[a.id for a in advisers],
        latitude=np.array([_coord(a.volunteer.latitude) for a in advisers]),
        longitude=np.array([_coord(a.volunteer.longitude) for a in advisers]),
        capacity=np.array([max(0, a.school_capacity - busy.get(a.id, 0)) for a in advisers]),
        benchmarks=np.array([expertise_bits(a.expertise) for a in advisers], dtype=np.int64),
        sectors=np.array([_sector_bits(a.volunteer.sectors) for a in advisers], dtype=np.int64),
        phases=[{p.casefold() for p in a.preferred_phases} for a in advisers],
        types=[{t.casefold() for t in a.preferred_school_types} for a in advisers],
    )
    school_side = Side(
        ids=[s.id for s in schools],
        latitude=np.array([_coord(s.latitude) for s in schools]),
        longitude=np.array([_coord(s.longitude) for s in schools]),
        capacity=np.array([max(0, MAX_ADVISERS_PER_SCHOOL - served.get(s.id, 0)) for s in schools]),
        benchmarks=np.array(
            [benchmark_bits(focus.get(s.id, (set(), 0))[0] or DEFAULT_FOCUS) for s in schools],
            dtype=np.int64,
        ),
        sectors=np.array([focus.get(s.id, (set(), 0))[1] for s in schools], dtype=np.int64),
        phases=[{s.phase.casefold()} for s in schools],
        types=[{s.establishment_type.casefold()} for s in schools],
        priority=np.array([school_priority(s) for s in schools], dtype=np.float64),
    )
    a, s_, distance = candidate_edges(adviser_side, school_side)
    keep = np.array(
        [(advisers[i].id, schools[j].id) not in existing for i, j in zip(a, s_, strict=True)],
        dtype=bool,
    )
    a, s_, distance = a[keep], s_[keep], distance[keep]
    factors = edge_factors(adviser_side, school_side, a, s_, distance)
    fit = factors @ PAIR_WEIGHTS
    solution = solve_edges(a, s_, fit, adviser_side.capacity, school_side.capacity)
    reachable_advisers = set(a.tolist())
    reachable_schools = set(s_[adviser_side.capacity[a] > 0].tolist())
    chosen = {(int(a[e]), int(s_[e])): int(e) for e in solution.edges}
    paired_advisers = {i for i, _ in chosen}
    paired_schools = {j for _, j in chosen}
    result = AdviserPairingPlan(
        hub_id=hub.id,
        status=PlanStatus.PROPOSED,
        total_score=round(float(fit[solution.edges].sum()), 6),
        pairs=[_pair(advisers[i], schools[j], fit[e], factors[e]) for (i, j), e in chosen.items()],
        unpaired_advisers=[
            {
                "adviser_id": str(adviser.id),
                "name": adviser.volunteer.name,
                "reason": _adviser_reason(adviser_side.capacity[i], i in reachable_advisers),
            }
            for i, adviser in enumerate(advisers)
            if i not in paired_advisers
        ],
        unpaired_schools=[
            {
                "school_id": str(school.id),
                "name": school.name,
                "reason": _school_reason(j in reachable_schools),
            }
            for j, school in enumerate(schools)
            if j not in paired_schools and school_side.capacity[j] > 0
        ],
        solver=solution.method,
        created_by_id=caller.user_id,
    )
    session.add(result)
    session.flush()
    return result


def _coord(value: float | None) -> float:
    return np.nan if value is None else value


def _sector_bits(sectors) -> int:
    return sum(1 << SIC_SECTIONS.index(s) for s in set(sectors or ()) if s in SIC_SECTIONS)


def _focus(session: Session, school_ids) -> dict[uuid.UUID, tuple[set[int], int]]:
    """Benchmarks and sectors each school's open needs ask for."""
    focus: dict[uuid.UUID, tuple[set[int], int]] = {}
    if not school_ids:
        return focus
    for need in session.scalars(
        select(Need).where(Need.school_id.in_(school_ids), Need.status == NeedStatus.OPEN)
    ):
        benchmarks, sectors = focus.get(need.school_id, (set(), 0))
        focus[need.school_id] = (
            benchmarks | {need.benchmark},
            sectors | _sector_bits(need.sectors),
        )
    return focus


def _pair(adviser, school, fit: float, factors: np.ndarray) -> dict:
    return {
        "adviser_id": str(adviser.id),
        "adviser_name": adviser.volunteer.name,
        "school_id": str(school.id),
        "school_name": school.name,
        "score": round(float(fit), 6),
        "breakdown": [
            {
                "factor": name,
                "value": round(float(factors[k]), 6),
                "weight": ADVISER_WEIGHTS[name],
                "contribution": round(float(factors[k]) * ADVISER_WEIGHTS[name], 6),
            }
            for k, name in enumerate(PAIR_FACTORS)
        ],
    }


def _adviser_reason(capacity: int, reachable: bool) -> str:
    if capacity <= 0:
        return "already serving as many schools as they offered"
    if not reachable:
        return f"no school of the hub within {MAX_ADVISER_KM:g} km"
    return "the schools in reach are better served by other advisers"


def _school_reason(reachable: bool) -> str:
    if not reachable:
        return f"no adviser with capacity within {MAX_ADVISER_KM:g} km"
    return "the advisers in reach are better placed at other schools"


def get_plan(
    session: Session, caller: Caller, hub_id: uuid.UUID, plan_id: uuid.UUID
) -> AdviserPairingPlan:
    found = get_visible(session, caller, AdviserPairingPlan, plan_id)
    if found.hub_id != hub_id:
        raise NotFound("No such adviserpairingplan.")
    return found


def confirm(
    session: Session,
    caller: Caller,
    hub_id: uuid.UUID,
    plan_id: uuid.UUID,
    *,
    pairs: list[tuple[uuid.UUID, uuid.UUID]] | None = None,
    starts_on: date | None = None,
) -> list[AdviserAssignment]:
    """Turn the accepted pairs of a proposed plan (default: all) into adviser assignments."""
    _hub_for_coordinator(session, caller, hub_id)
    found = get_plan(session, caller, hub_id, plan_id)
    session.refresh(found, with_for_update=True)
    if found.status is not PlanStatus.PROPOSED:
        raise Conflict(f"This plan is already {found.status.value}.")
    planned = {(uuid.UUID(p["adviser_id"]), uuid.UUID(p["school_id"])) for p in found.pairs}
    chosen = planned if pairs is None else set(pairs)
    unknown = chosen - planned
    if unknown:
        raise InvalidInput(
            "Only pairs from the plan can be confirmed.",
            errors={"pairs": [f"{a} with {s} is not in the plan." for a, s in sorted(unknown)]},
        )
    advisers = {a for a, _ in chosen}
    schools = {s for _, s in chosen}
    busy = _active_counts(session, AdviserAssignment.adviser_id, list(advisers))
    served = _active_counts(session, AdviserAssignment.school_id, list(schools))
    for adviser_id in advisers:
        adviser = session.get(EnterpriseAdviser, adviser_id)
        wanted = sum(1 for a, _ in chosen if a == adviser_id)
        if adviser is None or adviser.status is not AdviserStatus.ACTIVE:
            raise Conflict("An adviser in the plan is no longer active; plan again.")
        if busy.get(adviser_id, 0) + wanted > adviser.school_capacity:
            raise Conflict("An adviser in the plan has no room left; plan again.")
    for school_id in schools:
        wanted = sum(1 for _, s in chosen if s == school_id)
        if served.get(school_id, 0) + wanted > MAX_ADVISERS_PER_SCHOOL:
            raise Conflict("A school in the plan already has its advisers; plan again.")
    start = starts_on or datetime.now(UTC).date()
    created = [
        AdviserAssignment(
            adviser_id=a, school_id=s, hub_id=hub_id, starts_on=start, plan_id=found.id
        )
        for a, s in sorted(chosen)
    ]
    session.add_all(created)
    found.status, found.confirmed_at = PlanStatus.CONFIRMED, datetime.now(UTC)
    session.flush()
    return created
