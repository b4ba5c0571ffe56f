"""What a ranking reads beside the pool, per request: each volunteer's recent load, who is
invited already, and what the need's school met lately and how much it needs help."""

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from models.encounters import Encounter
from models.matches import Match, MatchStatus
from models.needs import Need
from models.organisations import Employer, EmployerSize, School
from models.pupils import school_year_start
from models.volunteers import SIC_SECTIONS, Volunteer
from services import benchmarks
from services.matching.encoding import target_for
from services.matching.engine import Pool, Target, as_uuid

LOAD_WINDOW = timedelta(days=30)
VARIETY_WINDOW = timedelta(days=365)
PRIORITY_TTL = timedelta(minutes=10)  # a school's gaps move over weeks; its report is costly
ACTIVE = (MatchStatus.ACCEPTED, MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)
MET = (MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)
_SIZES = list(EmployerSize)


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
        query = query.where(Match.volunteer_id.in_([as_uuid(i) for i in pool.ids]))
    for volunteer_id, status, count in session.execute(query):
        row = rows.get(volunteer_id)
        if row is None:
            continue
        load[row] += count
        if status in ACTIVE:
            commitments[row] += count
    return replace(pool, load=load, commitments=commitments)


def invited_mask(session: Session, need_id: uuid.UUID, pool: Pool, rows: dict) -> np.ndarray:
    """Parallel to the pool: who has been invited to this need already."""
    mask = np.zeros(len(pool), dtype=bool)
    invited = select(cast(Match.volunteer_id, String)).where(Match.need_id == need_id)
    for volunteer_id in session.scalars(invited):
        if (row := rows.get(volunteer_id)) is not None:
            mask[row] = True
    return mask


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
    # Stored values outside the vocabularies (from before they were checked) count as
    # nothing met rather than failing every ranking for this school.
    known_sizes = {size.value for size in _SIZES}
    sizes = {_SIZES.index(EmployerSize(s)) for s, _ in rows if s in known_sizes}
    sectors = {SIC_SECTIONS.index(c) for _, c in rows if c in SIC_SECTIONS}
    return sizes, sectors


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
