"""Whether a school meets the provider access duty (DOMAIN.md), from its own records.

Per key phase and academic year: the Provider Access encounters held (Benchmark 7
encounters flagged `provider_access` whose year groups touch the phase; two on one day are
two encounters), and what is still owed. A phase spans two school years and the duty is
two encounters over it: each cohort in the phase has had those of its year groups last
year and this, and owes the rest by the end of the phase. What is owed this year is what
the cohort in its final year (Y9, Y11, Y13) still owes; the younger one's is due next
year (both are shown, by cohort). In the
mandatory phases (Y8-9 and Y10-11, which every pupil attends) whether every pupil on roll
in the phase attended each one: an encounter with no attendance recorded is counted as
`unrecorded`, not as missed by everyone. Beside it, the range of provider types (sixth
form, FE college, university, ITP) each pupil on roll met at the Benchmark 7 encounters
they attended up to the end of Y11 (by 16).

The school's own staff see which pupils missed an encounter; coordinators (across their
hub) and admins see counts only; providers see which schools near them still owe
encounters in a phase.
"""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.encounters import Attendance, Encounter
from models.organisations import Hub, Provider, ProviderType, School
from models.provider_access import KeyPhase
from models.pupils import Pupil
from models.users import Role
from services import audit, school_years
from services.access import can_see, get_visible, hub_ids_of
from services.callers import Caller
from services.errors import Forbidden, NotFound
from services.geo import distance_km
from services.search import bounding_box

REQUIRED_PER_PHASE = 2
BY_16 = 11  # "by the end of Y11"


@dataclass(frozen=True)
class Cohort:
    year_group: int  # this year
    held: int  # encounters of its year groups over the phase: last year's and this year's
    owed: int
    due_by: str  # the academic year by whose end it owes them


@dataclass
class PhaseCompliance:
    phase: KeyPhase
    mandatory: bool
    held: int  # this year
    owed: int  # this year: the final-year cohort's
    cohorts: list[Cohort]
    pupils: int  # on roll in the phase this year
    pupils_attending_every_one: int
    unrecorded: int  # encounters held with no attendance recorded
    missed: list[dict] = field(default_factory=list)  # school staff only: pupil, encounters

    @property
    def every_pupil_attended(self) -> bool | None:
        if not self.mandatory or not self.held:
            return None
        return self.pupils_attending_every_one == self.pupils and not self.unrecorded


@dataclass
class Compliance:
    school_id: uuid.UUID
    academic_year: str
    phases: list[PhaseCompliance]
    provider_range: dict[str, int]  # "0".."4" provider types met by the end of Y11 -> pupils
    pupils_with_full_range: int
    pupils_counted: int  # on roll this year
    compliant: bool  # every phase held twice and, in mandatory ones, every pupil attended


def for_school(
    session: Session, caller: Caller, school_id: uuid.UUID, *, academic_year: str
) -> Compliance:
    school = get_visible(session, caller, School, school_id)
    own = caller.role is Role.SCHOOL_STAFF and caller.organisation_id == school.id
    coordinates = caller.role is Role.COORDINATOR and school.hub_id in hub_ids_of(session, caller)
    if not (own or coordinates or caller.is_admin):
        raise Forbidden("A school's compliance is for its staff, its hub and admins.")
    return _compliance(session, school, school_years.parse(academic_year), with_pupils=own)


def for_hub(
    session: Session, caller: Caller, hub_id: uuid.UUID, *, academic_year: str
) -> list[Compliance]:
    """Every school of the hub, counts only."""
    hub = session.get(Hub, hub_id)
    if hub is None or not can_see(session, caller, hub):
        raise NotFound("No such hub.")
    if not (caller.is_admin or caller.role is Role.COORDINATOR):
        raise Forbidden("Hub compliance is for its coordinators.")
    start = school_years.parse(academic_year)
    return [_compliance(session, school, start, with_pupils=False) for school in hub.schools]


def schools_owing(
    session: Session,
    caller: Caller,
    provider_id: uuid.UUID,
    *,
    academic_year: str,
    within_km: float,
    phase: KeyPhase | None = None,
) -> list[tuple[School, float, list[PhaseCompliance]]]:
    """Schools within `within_km` of the provider that still owe encounters this year."""
    provider = get_visible(session, caller, Provider, provider_id)
    if not (caller.is_admin or caller.organisation_id == provider.id):
        raise Forbidden("Only the provider's own staff (or an admin) see whom it could help.")
    if provider.latitude is None:
        return []
    start = school_years.parse(academic_year)
    south, north, west, east = bounding_box(provider.latitude, provider.longitude, within_km)
    nearby = session.scalars(
        select(School)
        .where(School.latitude.between(south, north), School.longitude.between(west, east))
        .order_by(School.name, School.id)
    )
    owing = []
    for school in nearby:
        km = distance_km(provider.latitude, provider.longitude, school.latitude, school.longitude)
        if km > within_km:
            continue
        phases = [
            p
            for p in _compliance(session, school, start, with_pupils=False).phases
            if p.owed and (phase is None or p.phase is phase)
        ]
        if phases:
            owing.append((school, round(km, 1), phases))
    owing.sort(key=lambda hit: (hit[1], hit[0].name, str(hit[0].id)))
    return owing


def _held(session: Session, school: School, start: int) -> list[Encounter]:
    """The school's Provider Access encounters in the school year `start`."""
    first, last = school_years.bounds(start)
    return list(
        session.scalars(
            select(Encounter)
            .where(
                Encounter.school_id == school.id,
                Encounter.provider_access.is_(True),
                Encounter.benchmark == 7,
                Encounter.occurred_on.between(first, last),
            )
            .order_by(Encounter.occurred_on, Encounter.id)
        )
    )


def _cohorts(phase: KeyPhase, held: list, before: list, start: int) -> list[Cohort]:
    """Each cohort in the phase this year, youngest first: what it has had over the phase
    (last year in the year group below, if that is in the phase too) and still owes."""
    years = phase.year_groups
    cohorts = []
    for year_group in years:
        count = sum(year_group in e.year_groups for e in held)
        if year_group - 1 in years:
            count += sum(year_group - 1 in e.year_groups for e in before)
        due = start + (max(years) - year_group)
        owed = max(0, REQUIRED_PER_PHASE - count)
        cohorts.append(Cohort(year_group, count, owed, school_years.label(due)))
    return cohorts


def _compliance(session: Session, school: School, start: int, *, with_pupils: bool):
    first, _ = school_years.bounds(start)
    held = _held(session, school, start)
    pupils = list(
        session.scalars(
            select(Pupil).where(Pupil.school_id == school.id).order_by(Pupil.reference, Pupil.id)
        )
    )
    on_roll = {
        p.id: school_years.year_group_in(p, start)
        for p in pupils
        if p.left_on is None or p.left_on >= first
    }
    attended = _attendance(session, [e.id for e in held])
    before = _held(session, school, start - 1)
    phases = [
        _phase(phase, held, pupils, on_roll, attended, with_pupils, session) for phase in KeyPhase
    ]
    for phase in phases:  # the duty over the phase's two years
        phase.cohorts = _cohorts(phase.phase, held, before, start)
        phase.owed = phase.cohorts[-1].owed
    met = _provider_types(session, school.id, [p for p in pupils if p.id in on_roll])
    spread = Counter(str(len(types)) for types in met.values())
    full = sum(len(types) == len(ProviderType) for types in met.values())
    compliant = all(p.owed == 0 and (p.every_pupil_attended is not False) for p in phases)
    return Compliance(
        school_id=school.id,
        academic_year=school_years.label(start),
        phases=phases,
        provider_range={str(n): spread.get(str(n), 0) for n in range(len(ProviderType) + 1)},
        pupils_with_full_range=full,
        pupils_counted=len(met),
        compliant=compliant,
    )


def _attendance(session: Session, encounter_ids: list[uuid.UUID]) -> dict[uuid.UUID, set]:
    found: dict[uuid.UUID, set] = defaultdict(set)
    if encounter_ids:
        rows = session.execute(
            select(Attendance.encounter_id, Attendance.pupil_id).where(
                Attendance.encounter_id.in_(encounter_ids)
            )
        )
        for encounter_id, pupil_id in rows:
            found[encounter_id].add(pupil_id)
    return found


def _phase(phase, held, pupils, on_roll, attended, with_pupils, session) -> PhaseCompliance:
    years = set(phase.year_groups)
    mine = [e for e in held if years & set(e.year_groups)]
    in_phase = [p for p in pupils if on_roll.get(p.id) in years]
    recorded = [e for e in mine if attended.get(e.id)]
    missed = []
    every_one = 0
    for pupil in in_phase:
        absent = [
            e
            for e in recorded
            if on_roll[pupil.id] in e.year_groups and pupil.id not in attended[e.id]
        ]
        if absent:
            missed.append(
                {
                    "pupil_id": pupil.id,
                    "reference": pupil.reference,
                    "year_group": on_roll[pupil.id],
                    "missed_encounter_ids": [e.id for e in absent],
                }
            )
        else:
            every_one += 1
    if with_pupils and phase.mandatory:
        read = [row["pupil_id"] for row in missed]
        audit.record(session, action="pupil.read", object_type="pupil", object_ids=read)
    return PhaseCompliance(
        phase=phase,
        mandatory=phase.mandatory,
        held=len(mine),
        owed=0,  # _compliance sets both from the cohorts
        cohorts=[],
        pupils=len(in_phase),
        pupils_attending_every_one=every_one,
        unrecorded=len(mine) - len(recorded),
        missed=missed if (with_pupils and phase.mandatory) else [],
    )


def _provider_types(session: Session, school_id: uuid.UUID, pupils: list[Pupil]) -> dict:
    """Provider types each pupil has met at a Benchmark 7 encounter they attended."""
    met: dict[uuid.UUID, set] = {p.id: set() for p in pupils}
    if not pupils:
        return met
    rows = session.execute(
        select(Attendance.pupil_id, Encounter.provider_type)
        .join(Encounter, Encounter.id == Attendance.encounter_id)
        .where(
            Encounter.school_id == school_id,
            Encounter.benchmark == 7,
            Encounter.provider_type.is_not(None),
            Attendance.year_group <= BY_16,
            Attendance.pupil_id.in_(list(met)),
        )
    )
    for pupil_id, provider_type in rows:
        met[pupil_id].add(provider_type)
    return met
