"""Hub-wide Enterprise Adviser pairing at the exact optimum.

Each (adviser, school) pair within MAX_ADVISER_KM gets a fit in [0, 1]: the weighted sum of
ADVISER_WEIGHTS' factors. A school's focus is its weakest benchmarks in this school year's
report (DEFAULT_FOCUS when it has no pupil records) and the benchmarks its open needs ask
for; its priority is `services.benchmarks.school_gaps`' (coverage, disadvantaged gap and
share). The plan maximises the total fit, in millionths, subject to each adviser's
remaining capacity (1-2 schools) and each school's remaining places (at most
MAX_ADVISERS_PER_SCHOOL), never pairing the same two twice.

Solver: one exact min-cost flow (OR-Tools) for hubs and the whole country alike; see
`services.pairing_solver`.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
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
from services import adviser_assignments, benchmarks, outbox, school_years
from services.access import get_authorized, get_visible, visible_pairing_plans
from services.callers import Action, Caller
from services.errors import Conflict, InvalidInput, NotFound
from services.geo import distances_km
from services.labels import label
from services.pagination import Listing
from services.pairing_solver import FIT_UNITS, fit_units, solve_edges
from services.search import KM_PER_DEGREE, bounding_box

# The one place the pairing factors are weighed; each factor is in [0, 1].
ADVISER_WEIGHTS: dict[str, float] = {
    "expertise": 0.35,  # expertise covers the school's weakest benchmarks and needs' ones
    "distance": 0.25,  # 1 next door, 0 at MAX_ADVISER_KM
    "sector": 0.15,  # the adviser works in a sector the school's needs ask for
    "preference": 0.15,  # the school's phase and type are ones the adviser prefers
    "priority": 0.10,  # the school's priority from its benchmark report
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
DEFAULT_FOCUS = {1, 5, 6}  # no pupil records to show gaps: programme strategy and employers


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
    weakest: list[frozenset[int]] | None = None  # schools only: in this year's report


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
        distance = distances_km(lat, lon, schools.latitude[near], schools.longitude[near])
        keep = distance <= MAX_ADVISER_KM
        found_a.append(np.full(int(keep.sum()), i))
        found_s.append(near[keep])
        found_d.append(distance[keep])
    if not found_a:
        return np.empty(0, int), np.empty(0, int), np.empty(0)
    return np.concatenate(found_a), np.concatenate(found_s), np.concatenate(found_d)


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


# The hub's plan --------------------------------------------------------------------------


def _hub_for_coordinator(session: Session, caller: Caller, hub_id: uuid.UUID) -> Hub:
    return get_authorized(session, caller, Action.UPDATE, Hub, hub_id)


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
    """Propose the hub's best pairing of its active advisers with its schools."""
    hub = _hub_for_coordinator(session, caller, hub_id)
    advisers = session.scalars(
        select(EnterpriseAdviser)
        .where(EnterpriseAdviser.hub_id == hub.id, EnterpriseAdviser.status == AdviserStatus.ACTIVE)
        .order_by(EnterpriseAdviser.id)
    ).all()
    schools = session.scalars(
        select(School).where(School.hub_id == hub.id).order_by(School.id)
    ).all()
    adviser_side = _adviser_side(session, advisers)
    school_side = _school_side(session, schools)
    a, s, distance = candidate_edges(adviser_side, school_side)
    new = _not_paired_already(session, hub.id, adviser_side, school_side, a, s)
    a, s, distance = a[new], s[new], distance[new]
    factors = edge_factors(adviser_side, school_side, a, s, distance)
    units = fit_units(factors @ PAIR_WEIGHTS)
    solution = solve_edges(a, s, units / FIT_UNITS, adviser_side.capacity, school_side.capacity)
    chosen = {(int(a[e]), int(s[e])): int(e) for e in solution.edges}
    paired_advisers = {i for i, _ in chosen}
    paired_schools = {j for _, j in chosen}
    reachable_advisers = set(a.tolist())
    reachable_schools = set(s[adviser_side.capacity[a] > 0].tolist())
    result = AdviserPairingPlan(
        hub_id=hub.id,
        status=PlanStatus.PROPOSED,
        total_score=int(units[solution.edges].sum()) / FIT_UNITS,
        pairs=[
            _pair(advisers[i], schools[j], units[e] / FIT_UNITS, factors[e])
            | explain(advisers[i], adviser_side, i, school_side, j, distance[e])
            for (i, j), e in chosen.items()
        ],
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


def _adviser_side(session: Session, advisers) -> Side:
    busy = _active_counts(session, AdviserAssignment.adviser_id, [a.id for a in advisers])
    return Side(
        ids=[a.id for a in advisers],
        latitude=np.array([_coord(a.volunteer.latitude) for a in advisers]),
        longitude=np.array([_coord(a.volunteer.longitude) for a in advisers]),
        capacity=np.array([max(0, a.school_capacity - busy.get(a.id, 0)) for a in advisers]),
        benchmarks=np.array([expertise_bits(a.expertise) for a in advisers], dtype=np.int64),
        sectors=np.array([_sector_bits(a.volunteer.sectors) for a in advisers], dtype=np.int64),
        phases=[{p.casefold() for p in a.preferred_phases} for a in advisers],
        types=[{t.casefold() for t in a.preferred_school_types} for a in advisers],
    )


def _school_side(session: Session, schools) -> Side:
    """Schools as columns; focus and priority come from this school year's benchmark report
    (one batch for the hub) and the schools' open needs."""
    served = _active_counts(session, AdviserAssignment.school_id, [s.id for s in schools])
    gaps = benchmarks.school_gaps(
        session, list(schools), school_years.school_year_start(school_years.london_today())
    )
    asked = _asked_by_needs(session, [s.id for s in schools])
    no_needs: tuple[set[int], int] = (set(), 0)
    return Side(
        ids=[s.id for s in schools],
        latitude=np.array([_coord(s.latitude) for s in schools]),
        longitude=np.array([_coord(s.longitude) for s in schools]),
        capacity=np.array([max(0, MAX_ADVISERS_PER_SCHOOL - served.get(s.id, 0)) for s in schools]),
        benchmarks=np.array(
            [
                benchmark_bits((gaps[s.id].weakest or DEFAULT_FOCUS) | asked.get(s.id, no_needs)[0])
                for s in schools
            ],
            dtype=np.int64,
        ),
        sectors=np.array([asked.get(s.id, no_needs)[1] for s in schools], dtype=np.int64),
        phases=[{s.phase.casefold()} for s in schools],
        types=[{s.establishment_type.casefold()} for s in schools],
        priority=np.array([gaps[s.id].priority for s in schools], dtype=np.float64),
        weakest=[gaps[s.id].weakest for s in schools],
    )


def _not_paired_already(
    session: Session, hub_id: uuid.UUID, advisers: Side, schools: Side, a, s
) -> np.ndarray:
    """Which candidate pairs are not serving together now (a pair is never made twice)."""
    serving = set(
        session.execute(
            select(AdviserAssignment.adviser_id, AdviserAssignment.school_id).where(
                AdviserAssignment.hub_id == hub_id, AdviserAssignment.ends_on.is_(None)
            )
        ).all()
    )
    return np.array(
        [(advisers.ids[i], schools.ids[j]) not in serving for i, j in zip(a, s, strict=True)],
        dtype=bool,
    )


def _coord(value: float | None) -> float:
    return np.nan if value is None else value


def _sector_bits(sectors) -> int:
    return sum(1 << SIC_SECTIONS.index(s) for s in set(sectors or ()) if s in SIC_SECTIONS)


def _asked_by_needs(session: Session, school_ids) -> dict[uuid.UUID, tuple[set[int], int]]:
    """Benchmarks and sectors (bits) each school's open needs ask for."""
    asked: dict[uuid.UUID, tuple[set[int], int]] = {}
    if not school_ids:
        return asked
    for need in session.scalars(
        select(Need).where(Need.school_id.in_(school_ids), Need.status == NeedStatus.OPEN)
    ):
        wanted, sectors = asked.get(need.school_id, (set(), 0))
        asked[need.school_id] = (
            wanted | {need.benchmark},
            sectors | _sector_bits(need.sectors),
        )
    return asked


def explain(adviser, advisers: Side, i: int, schools: Side, j: int, distance: float) -> dict:
    """Why a pair fits, in words a coordinator checks: the distance in whole km (the
    adviser's home is never placed more finely), the sectors and expertise that match, and
    the school's weakest benchmarks."""
    km = round(float(distance))
    asked = int(schools.sectors[j])
    both = asked & int(advisers.sectors[i])
    sectors = [s for k, s in enumerate(SIC_SECTIONS) if (both >> k) & 1]
    focus = {b for b in range(1, 9) if int(schools.benchmarks[j]) >> b & 1}
    expertise = sorted(a for a in adviser.expertise if EXPERTISE_BENCHMARKS.get(a, set()) & focus)
    weakest = sorted(schools.weakest[j])
    words = [f"{km} km away"]
    if expertise:
        words.append(f"expertise in {', '.join(e.replace('_', ' ') for e in expertise)}")
    if sectors:
        words.append(f"works in the sectors its needs ask for ({', '.join(sectors)})")
    words.append(
        f"the school's weakest benchmarks are {', '.join(map(str, weakest))}"
        if weakest
        else "the school has no benchmark report yet"
    )
    return {
        "distance_km": km,
        "matched_sectors": sectors,
        "matched_expertise": expertise,
        "weakest_benchmarks": weakest,
        "explanation": "; ".join(words) + ".",
        "assignment_id": None,
    }


def _pair(adviser, school, score: float, factors: np.ndarray) -> dict:
    return {
        "adviser_id": str(adviser.id),
        "adviser_name": adviser.volunteer.name,
        "school_id": str(school.id),
        "school_name": school.name,
        "score": score,
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
        raise NotFound(f"No such {label(AdviserPairingPlan)}.")
    return found


# The hub's plans, newest first (its coordinators and admins).
PLANS = Listing(
    AdviserPairingPlan,
    within=(Hub, "hub_id"),
    visible=visible_pairing_plans,
    order=(AdviserPairingPlan.created_at.desc(), AdviserPairingPlan.id),
)
list_plans = PLANS.page_within


def confirm(
    session: Session,
    caller: Caller,
    hub_id: uuid.UUID,
    plan_id: uuid.UUID,
    *,
    pairs: list[tuple[uuid.UUID, uuid.UUID]] | None = None,
    starts_on: date | None = None,
) -> list[AdviserAssignment]:
    """Turn accepted pairs of a plan (default: all not yet confirmed) into adviser
    assignments; the rest stay confirmable, and the plan is confirmed once all are."""
    _hub_for_coordinator(session, caller, hub_id)
    found = get_plan(session, caller, hub_id, plan_id)
    session.refresh(found, with_for_update=True)
    chosen = _chosen(found, pairs, starts_on)
    _check_room(session, chosen)
    start = starts_on or school_years.london_today()
    created = [
        AdviserAssignment(
            adviser_id=a, school_id=s, hub_id=hub_id, starts_on=start, plan_id=found.id
        )
        for a, s in sorted(chosen)
    ]
    session.add_all(created)
    session.flush()
    made = {(c.adviser_id, c.school_id): str(c.id) for c in created}
    found.pairs = [
        {**p, "assignment_id": made.get(_key(p), p.get("assignment_id"))} for p in found.pairs
    ]
    remaining = sum(1 for p in found.pairs if not p["assignment_id"])
    if not remaining:
        found.status, found.confirmed_at = PlanStatus.CONFIRMED, datetime.now(UTC)
    session.flush()
    data = {"plan_id": str(found.id), "hub_id": str(hub_id), "pairs": len(created)}
    outbox.publish(session, "adviser_pairing.confirmed", found, {**data, "remaining": remaining})
    for assignment in created:
        adviser_assignments.publish(session, "adviser_assignment.started", assignment)
    return created


def _key(pair: dict) -> tuple[uuid.UUID, uuid.UUID]:
    return uuid.UUID(pair["adviser_id"]), uuid.UUID(pair["school_id"])


def _chosen(found: AdviserPairingPlan, pairs, starts_on: date | None) -> set[tuple]:
    """The pairs to confirm now: named ones of the plan not yet confirmed, or all of those."""
    if starts_on is not None and starts_on < school_years.london_today():
        raise InvalidInput("A start in the past.", errors={"starts_on": ["Today or later."]})
    planned = {_key(p) for p in found.pairs}
    done = {_key(p) for p in found.pairs if p.get("assignment_id")}
    chosen = planned - done if pairs is None else set(pairs)
    unknown = chosen - planned
    if unknown:
        raise InvalidInput(
            "Only pairs from the plan can be confirmed.",
            errors={"pairs": [f"{a} with {s} is not in the plan." for a, s in sorted(unknown)]},
        )
    if chosen & done:
        raise Conflict("A pair named is already confirmed.", errors={"pairs": ["Confirmed."]})
    if not chosen:
        raise InvalidInput(
            "Nothing to confirm: every pair of the plan is confirmed, or it has none.",
            errors={"pairs": ["Name at least one pair of the plan not yet confirmed."]},
        )
    return chosen


def _check_room(session: Session, chosen: set[tuple]) -> None:
    """Advisers and schools still have the room the pairs take (another plan may have)."""
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
