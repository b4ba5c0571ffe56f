"""The demo's pupils and three school years of encounters, attendance and checklist answers,
covering the benchmarks unevenly from school to school."""

import random
import uuid
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models.checklists import CHECKLISTS, CURRENT_VERSION, ChecklistAnswer
from models.encounters import Attendance, Encounter, EncounterActivity, EncounterSource
from models.organisations import (
    Employer,
    Provider,
    ProviderType,
    School,
)
from models.pupils import Pupil
from models.volunteers import (
    Mode,
)
from services import checklists, school_years
from services.demo.base import (
    DEMO_EMPLOYER_COUNT,
    DEMO_EMPLOYERS,
    DEMO_PROVIDER_UKPRN,
    DEMO_SEED,
    demo_id,
    demo_school_year,
    get_or_add,
)
from services.reference_data import provider_id

DEMO_RECORD_YEARS = 3  # school years of records, the last of them the current one
DEMO_PUPIL_SCHOOLS = 6
DEMO_PUPILS_PER_YEAR_GROUP = 30
# How well each demo school covers the benchmarks (uneven on purpose).
DEMO_COVERAGE = (0.9, 0.75, 0.6, 0.45, 0.3, 0.15)
DEMO_PROVIDERS = [
    ("Aire Valley Sixth Form (demo)", ProviderType.SIXTH_FORM),
    ("Yorkshire Pennine University (demo)", ProviderType.UNIVERSITY),
    ("Calder Apprenticeships and Training (demo)", ProviderType.ITP),
]
# (benchmark, activity, year groups, per school year, mode)
DEMO_PROGRAMME = [
    (5, EncounterActivity.CAREERS_TALK, (7, 8, 9, 10, 11, 12, 13), 1, Mode.IN_PERSON),
    (5, EncounterActivity.MOCK_INTERVIEWS, (11, 13), 1, Mode.VIRTUAL),
    (6, EncounterActivity.WORKPLACE_VISIT, (9, 10), 1, Mode.IN_PERSON),
    (6, EncounterActivity.WORK_EXPERIENCE, (10, 11, 12), 1, Mode.IN_PERSON),
    (7, EncounterActivity.PROVIDER_TALK, (8, 9, 10, 11), 2, Mode.IN_PERSON),
    (7, EncounterActivity.PROVIDER_VISIT, (12, 13), 2, Mode.IN_PERSON),
    (8, EncounterActivity.GUIDANCE_INTERVIEW, (11, 13), 1, Mode.IN_PERSON),
]


def seed(session: Session, schools: list[School]) -> None:
    """Pupils for the first demo schools and three years of records, with coverage that
    falls from school to school and trails for disadvantaged pupils. A school that has its
    demo pupils already is left as it is (the seed is idempotent)."""
    employers = list(
        session.scalars(
            select(Employer).where(Employer.id.in_(_employer_ids())).order_by(Employer.name)
        )
    )
    providers = providers_by_type(session)
    for index, school in enumerate(schools[:DEMO_PUPIL_SCHOOLS]):
        if session.get(Pupil, demo_id(f"pupil:{school.urn}:0")) is not None:
            continue
        rng = random.Random(DEMO_SEED + school.urn)
        pupils = _pupils(session, rng, school)
        coverage = DEMO_COVERAGE[index % len(DEMO_COVERAGE)]
        _records(session, rng, school, pupils, (employers, providers), coverage)
    session.flush()


def _employer_ids() -> list[uuid.UUID]:
    named = [demo_id(name) for name, _, _ in DEMO_EMPLOYERS]
    return named + [demo_id(f"employer:{i}") for i in range(len(named), DEMO_EMPLOYER_COUNT)]


def providers(session: Session) -> list[Provider]:
    """The demo's providers: the real FE college and three invented ones."""
    return [p for found in providers_by_type(session).values() for p in found]


def providers_by_type(session: Session) -> dict[ProviderType, list[Provider]]:
    for name, kind in DEMO_PROVIDERS:
        get_or_add(session, Provider, demo_id(name), name=name, provider_type=kind, town="Leeds")
    session.flush()
    found: dict[ProviderType, list[Provider]] = {kind: [] for kind in ProviderType}
    fe = session.get(Provider, provider_id(DEMO_PROVIDER_UKPRN))
    for provider in [fe] + [session.get(Provider, demo_id(name)) for name, _ in DEMO_PROVIDERS]:
        if provider is not None:
            found[provider.provider_type].append(provider)
    return found


def _pupils(session: Session, rng: random.Random, school: School) -> list[dict]:
    """Seven year groups of pupils, their year groups those of the current school year."""
    rows = []
    for i in range(7 * DEMO_PUPILS_PER_YEAR_GROUP):
        year_group = 7 + i // DEMO_PUPILS_PER_YEAR_GROUP
        rows.append(
            {
                "id": demo_id(f"pupil:{school.urn}:{i}"),
                "school_id": school.id,
                "reference": f"{school.urn}-{i:04d}",
                "year_group": year_group,
                "roll_year": demo_school_year(),
                "disadvantaged": rng.random() < 0.3,
                "send": rng.random() < 0.12,
                "considering_higher_education": year_group >= 12 and rng.random() < 0.6,
            }
        )
    session.execute(insert(Pupil), rows)
    return rows


def _records(session, rng, school, pupils, partners, coverage) -> None:
    """Each year's programme per year group, up to today, written in three bulk inserts."""
    employers, providers = partners
    current = demo_school_year()
    encounters, attendance, answers = [], [], []
    for start in range(current - DEMO_RECORD_YEARS + 1, current + 1):
        for benchmark, activity, year_groups, times, mode in DEMO_PROGRAMME:
            for year_group in year_groups:
                for _ in range(times):
                    number = len(encounters)
                    partner = _partner(rng, benchmark, number, employers, providers)
                    attendees = [
                        p
                        for p in pupils
                        if p["year_group"] - (current - start) == year_group
                        and rng.random() < coverage * (0.7 if p["disadvantaged"] else 1.0)
                    ]
                    row, given = _encounter(
                        rng, school, number, start, benchmark, activity, year_group, mode
                    )
                    row.update(_partner_snapshot(partner, benchmark))
                    verdict = checklists.evaluate(
                        benchmark=benchmark,
                        version=row["checklist_version"],
                        answers=given,
                        mode=mode,
                        attendance_count=len(attendees),
                    )
                    row["meaningful"] = verdict.meaningful
                    encounters.append(row)
                    attendance += _attendance(row, attendees, year_group)
                    answers += _answers(row, given)
    session.execute(insert(Encounter), encounters)
    if attendance:
        session.execute(insert(Attendance), attendance)
    if answers:
        session.execute(insert(ChecklistAnswer), answers)


def _attendance(row: dict, attendees: list[dict], year_group: int) -> list[dict]:
    return [
        {
            "id": demo_id(f"attendance:{row['id']}:{p['id']}"),
            "encounter_id": row["id"],
            "pupil_id": p["id"],
            "year_group": year_group,
            "reflection": None,
        }
        for p in attendees
    ]


def _answers(row: dict, given: dict[str, bool]) -> list[dict]:
    return [
        {
            "id": demo_id(f"answer:{row['id']}:{item.key}"),
            "encounter_id": row["id"],
            "version": row["checklist_version"],
            "item": item.key,
            "answer": given[item.key],
            "answered_by": item.answered_by,
        }
        for item in CHECKLISTS[row["checklist_version"]][row["benchmark"]]
    ]


def _encounter(rng, school, number, start, benchmark, activity, year_group, mode):
    """One encounter's row and its checklist answers (about one in seven misses an item;
    the first year was answered under the older checklist version)."""
    version = 1 if start == demo_school_year() - DEMO_RECORD_YEARS + 1 else CURRENT_VERSION
    items = CHECKLISTS[version][benchmark]
    given = {item.key: True for item in items}
    if items and rng.random() < 0.15:
        given[rng.choice(items).key] = False
    label = activity.value.replace("_", " ").capitalize()
    row = {
        "id": demo_id(f"encounter:{school.urn}:{number}"),
        "school_id": school.id,
        "source": EncounterSource.RECORDED,
        "title": f"{label} (Y{year_group})",
        "activity_type": activity,
        "benchmark": benchmark,
        "occurred_on": _school_day(rng, start),
        "mode": mode,
        "year_groups": [year_group],
        "head_counts": {str(year_group): DEMO_PUPILS_PER_YEAR_GROUP},
        "work_experience_days": 5 if activity is EncounterActivity.WORK_EXPERIENCE else 0,
        "checklist_version": version,
    }
    return row, given


def _school_day(rng: random.Random, start: int) -> date:
    """A school day of the year `start` from mid-September, never after today."""
    today = school_years.london_today()
    first = min(date(start, 9, 15), today)
    last = min(first + timedelta(days=299), today)
    return first + timedelta(days=rng.randrange(0, max(1, (last - first).days + 1)))


def _partner_snapshot(partner, benchmark: int) -> dict:
    employer = partner if isinstance(partner, Employer) else None
    provider = partner if isinstance(partner, Provider) else None
    return {
        "employer_id": employer.id if employer else None,
        "provider_id": provider.id if provider else None,
        "partner_name": partner.name if partner else None,
        "employer_size": employer.size_band if employer else None,
        "employer_sector": employer.sector_code if employer else None,
        "provider_type": provider.provider_type if provider else None,
        "provider_access": provider is not None
        and provider.provider_type in (ProviderType.FE_COLLEGE, ProviderType.ITP),
    }


def _partner(rng, benchmark, number, employers, providers):
    if benchmark in (5, 6):
        return employers[rng.randrange(len(employers))]
    if benchmark == 7:
        kinds = [kind for kind in ProviderType if providers[kind]]
        kind = kinds[number % len(kinds)]
        return providers[kind][0]
    return None
