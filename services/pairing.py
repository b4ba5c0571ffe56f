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
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse import coo_matrix
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
from services.matching import school_priority

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


def fit_matrix(advisers: Side, schools: Side) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fit, allowed, factors): fit and allowed are advisers × schools; factors adds a last
    axis of PAIR_FACTORS. Float32 keeps a national 4,000 × 5,000 plan within memory."""
    lat1 = np.radians(advisers.latitude, dtype=np.float32)[:, None]
    lat2 = np.radians(schools.latitude, dtype=np.float32)[None, :]
    dlon = (
        np.radians(schools.longitude, dtype=np.float32)[None, :]
        - np.radians(advisers.longitude, dtype=np.float32)[:, None]
    )
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    distance = np.float32(2 * 6371.0088) * np.arcsin(np.sqrt(np.minimum(a, 1)))
    del a, dlon
    allowed = distance <= MAX_ADVISER_KM
    factors = np.empty((*distance.shape, len(PAIR_FACTORS)), dtype=np.float32)
    factors[..., 0] = (
        _share(advisers.benchmarks[:, None] & schools.benchmarks[None, :])
        / (np.maximum(_share(schools.benchmarks), 1)[None, :])
    )
    factors[..., 1] = np.clip(1 - distance / MAX_ADVISER_KM, 0, 1)
    asked = schools.sectors[None, :]
    factors[..., 2] = np.where(
        asked == 0, NEUTRAL, ((advisers.sectors[:, None] & asked) != 0).astype(np.float32)
    )
    factors[..., 3] = _preference(advisers, schools)
    factors[..., 4] = schools.priority[None, :]
    fit = factors @ PAIR_WEIGHTS.astype(np.float32)
    return np.where(allowed, fit, 0).astype(np.float32), allowed, factors


def _share(bits: np.ndarray) -> np.ndarray:
    return np.bitwise_count(bits.astype(np.uint64)).astype(np.float32)


def _preference(advisers: Side, schools: Side) -> np.ndarray:
    """Mean of phase and type fit: 1 preferred, 0 not, NEUTRAL when the adviser states none."""
    parts = []
    for prefs, actual in ((advisers.phases, schools.phases), (advisers.types, schools.types)):
        values = sorted({v for s in actual for v in s})
        index = {v: i for i, v in enumerate(values)}
        school_bits = np.array([sum(1 << index[v] for v in s) for s in actual], dtype=np.uint64)
        adviser_bits = np.array(
            [sum(1 << index[v] for v in p if v in index) for p in prefs], dtype=np.uint64
        )
        stated = np.array([bool(p) for p in prefs])[:, None]
        hit = (adviser_bits[:, None] & school_bits[None, :]) != 0
        parts.append(np.where(stated, hit.astype(np.float32), NEUTRAL))
    return (parts[0] + parts[1]) / 2


def solve(
    fit: np.ndarray, allowed: np.ndarray, capacity: np.ndarray, places: np.ndarray
) -> tuple[list[tuple[int, int]], str]:
    """Pairs (adviser row, school column) maximising the total fit; and the method used."""
    rows = np.repeat(np.arange(fit.shape[0]), capacity)
    cols = np.repeat(np.arange(fit.shape[1]), places)
    if not rows.size or not cols.size or not allowed.any():
        return [], "none"
    weights = np.where(allowed, fit, 0)[np.ix_(rows, cols)].astype(np.float64)
    if rows.size <= cols.size:
        r, c = linear_sum_assignment(weights, maximize=True)
    else:
        c, r = linear_sum_assignment(weights.T, maximize=True)
    del weights
    pairs = [
        (int(rows[i]), int(cols[j])) for i, j in zip(r, c, strict=True) if allowed[rows[i], cols[j]]
    ]
    if len(set(pairs)) == len(pairs):
        return sorted(pairs), "assignment"
    return _solve_lp(fit, allowed, capacity, places), "linear_programme"


def _solve_lp(fit, allowed, capacity, places) -> list[tuple[int, int]]:
    a_index, s_index = np.nonzero(allowed)
    n = len(a_index)
    edges = np.arange(n)
    constraints = coo_matrix(
        (
            np.ones(2 * n),
            (np.concatenate([a_index, fit.shape[0] + s_index]), np.concatenate([edges, edges])),
        ),
        shape=(fit.shape[0] + fit.shape[1], n),
    ).tocsr()
    result = linprog(
        -fit[a_index, s_index].astype(np.float64),
        A_ub=constraints,
        b_ub=np.concatenate([capacity, places]).astype(np.float64),
        bounds=(0, 1),
        method="highs",
    )
    chosen = np.flatnonzero(result.x > 0.5)
    return sorted((int(a_index[k]), int(s_index[k])) for k in chosen)


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
        priority=np.array([school_priority(s) for s in schools], dtype=np.float32),
    )
    if advisers and schools:
        fit, allowed, factors = fit_matrix(adviser_side, school_side)
        for i, adviser in enumerate(advisers):
            for j, school in enumerate(schools):
                if (adviser.id, school.id) in existing:
                    allowed[i, j] = False
        pairs, method = solve(fit, allowed, adviser_side.capacity, school_side.capacity)
    else:
        fit = allowed = factors = np.zeros((len(advisers), len(schools)))
        pairs, method = [], "none"
    paired_advisers = {i for i, _ in pairs}
    paired_schools = {j for _, j in pairs}
    result = AdviserPairingPlan(
        hub_id=hub.id,
        status=PlanStatus.PROPOSED,
        total_score=round(float(sum(fit[i, j] for i, j in pairs)), 6),
        pairs=[_pair(advisers[i], schools[j], fit, factors, i, j) for i, j in pairs],
        unpaired_advisers=[
            {
                "adviser_id": str(a.id),
                "name": a.volunteer.name,
                "reason": _adviser_reason(
                    adviser_side.capacity[i], allowed[i] if len(schools) else np.array([])
                ),
            }
            for i, a in enumerate(advisers)
            if i not in paired_advisers
        ],
        unpaired_schools=[
            {
                "school_id": str(s.id),
                "name": s.name,
                "reason": _school_reason(
                    school_side.capacity[j],
                    allowed[:, j] & (adviser_side.capacity > 0) if len(advisers) else np.array([]),
                ),
            }
            for j, s in enumerate(schools)
            if j not in paired_schools and school_side.capacity[j] > 0
        ],
        solver=method,
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


def _pair(adviser, school, fit, factors, i, j) -> dict:
    return {
        "adviser_id": str(adviser.id),
        "adviser_name": adviser.volunteer.name,
        "school_id": str(school.id),
        "school_name": school.name,
        "score": round(float(fit[i, j]), 6),
        "breakdown": [
            {
                "factor": name,
                "value": round(float(factors[i, j, k]), 6),
                "weight": ADVISER_WEIGHTS[name],
                "contribution": round(float(factors[i, j, k]) * ADVISER_WEIGHTS[name], 6),
            }
            for k, name in enumerate(PAIR_FACTORS)
        ],
    }


def _adviser_reason(capacity: int, allowed_row: np.ndarray) -> str:
    if capacity <= 0:
        return "already serving as many schools as they offered"
    if not allowed_row.any():
        return f"no school of the hub within {MAX_ADVISER_KM:g} km"
    return "the schools in reach are better served by other advisers"


def _school_reason(places: int, allowed_column: np.ndarray) -> str:
    if not allowed_column.any():
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
