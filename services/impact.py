"""An employer's impact over a school year: what its volunteers delivered, and whom it
reached, in counts only (never a pupil).

An encounter counts once it has happened (on or before today) with the employer named on
it. Its pupils are those registered as attending, or its head counts where no register was
taken; a pupil at two encounters is reached twice. Its length comes from what scheduled it
(the request's times, the booked slot's, or the need's window); volunteers' hours are that
length for each volunteer named on it, and encounters of unknown length are counted apart
rather than guessed. A school is disadvantaged at a high share of free school meals, and
in a target area when it is in a local authority, combined authority or skills-plan area
that one of the employer's offers aims at, or is rural and one of them aims at rural
schools.
"""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.bookings import Booking, Slot
from models.encounters import Attendance, Encounter, encounter_volunteers
from models.matches import Match
from models.needs import Need
from models.offer_requests import OfferRequest
from models.offers import Offer
from models.organisations import Employer, School
from models.users import Role, User
from models.volunteers import Volunteer
from services import school_years
from services.access import get_visible
from services.callers import Caller
from services.errors import Forbidden
from services.offer_directory.factors import DISADVANTAGED_FSM_SHARE
from services.offers import TARGET_AREAS

AREA_TARGETS = {
    "local_authority": "target_local_authorities",
    **{v: k for k, v in TARGET_AREAS.items()},
}


@dataclass
class Tally:
    """One scope's figures: the employer's total, or one volunteer's."""

    encounters: int = 0
    volunteer_hours: float = 0.0
    encounters_of_unknown_length: int = 0
    pupils_reached: int = 0
    pupils_in_disadvantaged_schools: int = 0
    pupils_in_target_areas: int = 0
    by_month: dict[str, dict] = field(default_factory=dict)  # YYYY-MM → encounters, hours
    pupils_by_year_group: Counter = field(default_factory=Counter)
    pupils_by_benchmark: Counter = field(default_factory=Counter)

    def add(self, one: "Delivered", hours: float | None) -> None:
        self.encounters += 1
        self.encounters_of_unknown_length += hours is None
        self.volunteer_hours += hours or 0.0
        month = self.by_month.setdefault(one.month, {"encounters": 0, "volunteer_hours": 0.0})
        month["encounters"] += 1
        month["volunteer_hours"] += hours or 0.0
        pupils = sum(one.pupils.values())
        self.pupils_reached += pupils
        self.pupils_in_disadvantaged_schools += pupils if one.disadvantaged else 0
        self.pupils_in_target_areas += pupils if one.in_target_area else 0
        self.pupils_by_year_group.update(one.pupils)
        self.pupils_by_benchmark[one.benchmark] += pupils

    def share(self, pupils: int) -> float | None:
        return round(pupils / self.pupils_reached, 4) if self.pupils_reached else None


@dataclass(frozen=True)
class Delivered:
    encounter_id: uuid.UUID
    month: str
    benchmark: int
    hours: float | None
    pupils: dict[int, int]  # year group → pupils
    disadvantaged: bool
    in_target_area: bool
    volunteer_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class VolunteerImpact:
    volunteer_id: uuid.UUID
    name: str
    tally: Tally


@dataclass(frozen=True)
class Impact:
    employer: Employer
    academic_year: str
    starts_on: date
    ends_on: date
    total: Tally
    volunteers: list[VolunteerImpact]


def get(session: Session, caller: Caller, employer_id: uuid.UUID, *, academic_year: str) -> Impact:
    employer = get_visible(session, caller, Employer, employer_id)
    if not (
        caller.is_admin
        or (caller.role is Role.EMPLOYER_STAFF and caller.organisation_id == employer.id)
    ):
        raise Forbidden("An employer's impact is for its own staff and partner apps.")
    start = school_years.parse(academic_year)
    first, last = school_years.bounds(start)
    last = min(last, school_years.london_today())
    total = Tally()
    people: dict[uuid.UUID, Tally] = defaultdict(Tally)
    for one in _delivered(session, employer, first, last):
        total.add(one, one.hours * len(one.volunteer_ids) if one.hours is not None else None)
        for volunteer_id in one.volunteer_ids:
            people[volunteer_id].add(one, one.hours)
    names = _names(session, list(people))
    volunteers = [
        VolunteerImpact(v, names.get(v, ""), people[v])
        for v in sorted(people, key=lambda v: (names.get(v, ""), str(v)))
    ]
    return Impact(employer, school_years.label(start), first, last, total, volunteers)


def _delivered(session: Session, employer: Employer, first: date, last: date) -> list[Delivered]:
    rows = session.execute(
        select(
            Encounter,
            School.percentage_fsm,
            School.local_authority,
            School.combined_authority,
            School.skills_area,
            School.rural,
        )
        .join(School, School.id == Encounter.school_id)
        .where(Encounter.employer_id == employer.id, Encounter.occurred_on.between(first, last))
        .order_by(Encounter.occurred_on, Encounter.id)
    ).all()
    ids = [row[0].id for row in rows]
    registers = _registers(session, ids)
    lengths = _lengths(session, ids)
    crew = _volunteers(session, ids)
    areas = _target_areas(session, employer)
    delivered = []
    for encounter, fsm, *school_areas, rural in rows:
        pupils = registers.get(encounter.id) or {
            int(y): n for y, n in (encounter.head_counts or {}).items() if n
        }
        delivered.append(
            Delivered(
                encounter_id=encounter.id,
                month=encounter.occurred_on.strftime("%Y-%m"),
                benchmark=encounter.benchmark,
                hours=lengths.get(encounter.id),
                pupils=pupils,
                disadvantaged=(fsm or 0) >= DISADVANTAGED_FSM_SHARE,
                in_target_area=(rural and areas.rural)
                or any(
                    area in areas.named[kind]
                    for kind, area in zip(AREA_TARGETS, school_areas, strict=True)
                    if area
                ),
                volunteer_ids=tuple(crew.get(encounter.id, ())),
            )
        )
    return delivered


def _registers(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[int, int]]:
    """Pupils registered as attending, by encounter and year group."""
    counts: dict[uuid.UUID, dict[int, int]] = defaultdict(dict)
    query = (
        select(Attendance.encounter_id, Attendance.year_group, func.count())
        .where(Attendance.encounter_id.in_(ids))
        .group_by(Attendance.encounter_id, Attendance.year_group)
    )
    for encounter_id, year_group, count in session.execute(query):
        counts[encounter_id][year_group] = count
    return counts


def _lengths(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Each encounter's scheduled length in hours, where what scheduled it says."""
    sources = [
        select(OfferRequest.encounter_id, OfferRequest.starts_at, OfferRequest.ends_at).where(
            OfferRequest.encounter_id.in_(ids)
        ),
        select(Encounter.id, Slot.starts_at, Slot.ends_at)
        .join(Booking, Booking.id == Encounter.booking_id)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Encounter.id.in_(ids)),
        select(Encounter.id, Need.earliest_time, Need.latest_time)
        .join(Match, Match.id == Encounter.match_id)
        .join(Need, Need.id == Match.need_id)
        .where(Encounter.id.in_(ids)),
    ]
    lengths = {}
    for query in sources:
        for encounter_id, starts, ends in session.execute(query):
            if starts and ends and ends > starts and encounter_id not in lengths:
                lengths[encounter_id] = _hours(starts, ends)
    return lengths


def _hours(starts: time, ends: time) -> float:
    day = date(2000, 1, 1)
    return round(
        (datetime.combine(day, ends) - datetime.combine(day, starts)).total_seconds() / 3600, 2
    )


def _volunteers(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    crew: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    query = (
        select(encounter_volunteers.c.encounter_id, encounter_volunteers.c.volunteer_id)
        .where(encounter_volunteers.c.encounter_id.in_(ids))
        .order_by(encounter_volunteers.c.volunteer_id)
    )
    for encounter_id, volunteer_id in session.execute(query):
        crew[encounter_id].append(volunteer_id)
    return crew


@dataclass(frozen=True)
class TargetAreas:
    named: dict[str, set[str]]  # kind of area (a School column) → the names aimed at
    rural: bool  # some offer aims at rural schools


def _target_areas(session: Session, employer: Employer) -> TargetAreas:
    """The areas the employer's offers (any status) aim at."""
    named: dict[str, set[str]] = {kind: set() for kind in AREA_TARGETS}
    rural = False
    for offer in session.scalars(select(Offer).where(Offer.employer_id == employer.id)):
        rural = rural or offer.target_rural
        for kind, column in AREA_TARGETS.items():
            named[kind].update(getattr(offer, column) or [])
    return TargetAreas(named, rural)


def _names(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    query = (
        select(Volunteer.id, User.name)
        .join(User, User.id == Volunteer.user_id)
        .where(Volunteer.id.in_(ids))
    )
    return dict(session.execute(query).all())


CSV_COLUMNS = ["volunteer_id", "volunteer", "measure", "category", "value"]


def csv_rows(impact: Impact) -> list[dict]:
    """One row per figure (the total's first, then each volunteer's): a long table that
    any spreadsheet pivots."""
    rows = _tally_rows(impact.total, "", "total")
    for one in impact.volunteers:
        rows += _tally_rows(one.tally, str(one.volunteer_id), one.name)
    return rows


def _tally_rows(tally: Tally, volunteer_id: str, name: str) -> list[dict]:
    figures = [(measure, "", value) for measure, value in summary(tally).items()]
    for month, counts in sorted(tally.by_month.items()):
        figures += [(measure, month, value) for measure, value in counts.items()]
    figures += [("pupils", f"Y{y}", n) for y, n in sorted(tally.pupils_by_year_group.items())]
    figures += [
        ("pupils", f"benchmark {b}", n) for b, n in sorted(tally.pupils_by_benchmark.items())
    ]
    return [
        dict(zip(CSV_COLUMNS, (volunteer_id, name, measure, category, value), strict=True))
        for measure, category, value in figures
    ]


def summary(tally: Tally) -> dict:
    """A scope's headline figures, with its shares of pupils reached."""
    return {
        "encounters": tally.encounters,
        "volunteer_hours": round(tally.volunteer_hours, 2),
        "encounters_of_unknown_length": tally.encounters_of_unknown_length,
        "pupils_reached": tally.pupils_reached,
        "pupils_in_disadvantaged_schools": tally.pupils_in_disadvantaged_schools,
        "disadvantaged_share": tally.share(tally.pupils_in_disadvantaged_schools),
        "pupils_in_target_areas": tally.pupils_in_target_areas,
        "target_area_share": tally.share(tally.pupils_in_target_areas),
    }
