"""Matching: rank volunteers (and offers) for a need, and needs for a volunteer, explained.

Every candidate gets a score in [0, 1]: the weighted sum of the factors, each in [0, 1],
with the weights in `engine.WEIGHTS`. A candidate who cannot take the need at all is
excluded and counted under the first reason that applies (`engine.EXCLUSION_REASONS`).

The rooms:
- `engine`: the vectorised engine, NumPy only (prefilter, factors, exclusions, ordering);
- `encoding`: needs and volunteers' attributes as the engine's bitmasks and date codes;
- `pool`: every volunteer's columns, loaded once per process and held until a write to
  volunteers or employers stamps a new generation (its flush listener does that);
- `context`: what a ranking reads per request (recent load, invited, met lately, priority);
- `offers`: employers' published offers ranked for workplace needs;
- here: the entry points. `candidates` and `opportunities` authorize the caller themselves;
  `assess` and `best_candidates` serve other services that already have.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.matches import Match
from models.needs import Need, NeedMode, NeedStatus
from models.organisations import Employer, School
from models.users import User
from models.volunteers import Mode, Volunteer
from services import needs, offer_directory, safeguarding, volunteers
from services.access import acts_for_school, may_act_as_volunteer
from services.callers import Caller
from services.errors import Forbidden
from services.matching.context import (
    invited_mask,
    met_lately,
    school_priorities,
    target_of,
    with_load,
)
from services.matching.encoding import target_for
from services.matching.engine import (
    EXCLUSION_REASONS,
    FACTORS,
    REACH_CAP_KM,
    WEIGHTS,
    Candidate,
    Factor,
    Ref,
    Scored,
    rank,
    scored,
)
from services.matching.offers import (
    OFFER_EXCLUSION_REASONS,
    OFFER_LIMIT,
    OfferCandidate,
    offer_candidates,
)
from services.matching.pool import load_pool, rows_by_id, stamp_pool_generation, volunteer_pool
from services.matching.providers import ProviderCandidate, provider_candidates
from services.search import bounding_box

__all__ = [
    "EXCLUSION_REASONS",
    "FACTORS",
    "OFFER_EXCLUSION_REASONS",
    "WEIGHTS",
    "CandidatePage",
    "Opportunity",
    "Scored",
    "assess",
    "best_candidates",
    "candidates",
    "opportunities",
    "stamp_pool_generation",
]


@dataclass(frozen=True)
class CandidatePage:
    items: list[Scored]
    total: int
    excluded: dict[str, int]
    requirement: safeguarding.Requirement
    offers: list[OfferCandidate]
    offers_excluded: dict[str, int]
    encounter_offers: list  # offer_directory.RankedOffer: talks, workshops... that could meet it
    providers: list[ProviderCandidate]  # Benchmark 7: new types and matching offers first


@dataclass(frozen=True)
class Opportunity:
    need: Need
    score: float
    distance_km: float | None
    breakdown: list[Factor]


def candidates(
    session: Session,
    caller: Caller,
    need_id: uuid.UUID,
    *,
    page: int,
    page_size: int,
    now: datetime | None = None,
) -> CandidatePage:
    """Volunteers and offers ranked for a need, for its school's staff and its hub's
    coordinators (another organisation's need is NotFound, another role Forbidden)."""
    need = needs.get(session, caller, need_id)
    if not acts_for_school(caller, need):
        raise Forbidden("Candidates are for the school's staff and its hub's coordinators.")
    return ranked_for(session, need, page=page, page_size=page_size, now=now)


def ranked_for(
    session: Session, need: Need, *, page: int, page_size: int, now: datetime | None = None
) -> CandidatePage:
    """Volunteers ranked for a need, one page, with its offers (no access check)."""
    now = now or datetime.now(UTC)
    held, rows = volunteer_pool(session)
    pool = with_load(session, held, rows, now)
    invited = invited_mask(session, need.id, pool, rows)
    target = target_of(session, need, now)
    ranking = rank(target, pool, limit=page * page_size, invited=invited)
    items = [scored(pool, ranking, row) for row in ranking.order[(page - 1) * page_size :]]
    people = _candidates_by_id(session, [item.volunteer_id for item in items])
    found, offers_excluded = offer_candidates(session, need, target)
    encounter_offers = offer_directory.for_need(session, need, limit=OFFER_LIMIT)
    return CandidatePage(
        items=[replace(item, volunteer=people.get(item.volunteer_id)) for item in items],
        total=ranking.eligible,
        excluded=ranking.excluded,
        requirement=safeguarding.requirement(safeguarding.need_activity(need)),
        offers=found[:OFFER_LIMIT],
        offers_excluded=offers_excluded,
        encounter_offers=encounter_offers,
        providers=provider_candidates(session, need, encounter_offers),
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
    """The next `count` eligible volunteers not yet invited to this need (no access check:
    for services that have authorized the caller, such as matches.backups)."""
    return ranked_for(session, need, page=1, page_size=count, now=now).items


def assess(
    session: Session, need: Need, volunteer_id: uuid.UUID, *, now: datetime | None = None
) -> tuple[Scored | None, str | None]:
    """One volunteer against one need: their score, or the reason they are excluded (no
    access check: for services that have authorized the caller, such as matches.invite)."""
    now = now or datetime.now(UTC)
    pool = load_pool(session, volunteer_ids=[volunteer_id])
    if not len(pool):
        return None, "unknown_volunteer"
    rows = rows_by_id(pool)
    pool = with_load(session, pool, rows, now)
    ranking = rank(
        target_of(session, need, now), pool, invited=invited_mask(session, need.id, pool, rows)
    )
    if ranking.eligible:
        return scored(pool, ranking, 0), None
    return None, next(reason for reason, count in ranking.excluded.items() if count)


def opportunities(
    session: Session,
    caller: Caller,
    volunteer_id: uuid.UUID,
    *,
    page: int,
    page_size: int,
    now: datetime | None = None,
) -> tuple[list[Opportunity], int, dict[str, int]]:
    """Open needs the volunteer fits, best first (ties: earlier window end, then need id),
    for the volunteer themself and their employer's staff."""
    volunteer = volunteers.get(session, caller, volunteer_id)
    if not may_act_as_volunteer(caller, volunteer):
        raise Forbidden("Opportunities are for the volunteer and their employer.")
    now = now or datetime.now(UTC)
    pool = load_pool(session, volunteer_ids=[volunteer.id])
    pool = with_load(session, pool, rows_by_id(pool), now)
    taken = set(session.scalars(select(Match.need_id).where(Match.volunteer_id == volunteer.id)))
    open_needs = list(session.scalars(_open_needs_near(volunteer, now)))
    schools = {need.school_id: need.school for need in open_needs if need.id not in taken}
    priorities = school_priorities(session, list(schools.values()), now)
    met: dict[uuid.UUID, tuple[set, set]] = {}  # needs share schools
    found: list[Opportunity] = []
    excluded: Counter = Counter()
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


def _open_needs_near(volunteer: Volunteer, now: datetime):
    """Open needs still in their window: virtual ones, and in-person ones whose school is in
    the box around the volunteer (all of them for a volunteer who also works online)."""
    query = (
        select(Need)
        .join(School, School.id == Need.school_id)
        .where(Need.status == NeedStatus.OPEN, Need.ends_on >= now.date())
        .order_by(Need.ends_on, Need.id)
    )
    if volunteer.latitude is None or Mode.VIRTUAL in (volunteer.modes or []):
        return query
    south, north, west, east = bounding_box(volunteer.latitude, volunteer.longitude, REACH_CAP_KM)
    return query.where(
        or_(
            Need.mode == NeedMode.VIRTUAL,
            School.latitude.between(south, north) & School.longitude.between(west, east),
        )
    )
