"""The demo's careers programme, in the current school year (London's today): a plan with
gaps for each demo school with pupils (the first one published), self-evaluations for
every term of last year and this year's terms so far (more met as time goes on), and the
destinations of the last two years' leavers (with the first follow-up for the older ones),
so the governors' report is worth printing out of the box, comparing now with last term
and last year. Idempotent: a school that has its plan is left alone."""

import random
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from models.base import london_today, utcnow
from models.destinations import DestinationRecord, Leaver, Route
from models.evaluations import SelfEvaluation, Term
from models.organisations import School
from models.programme import (
    ActivityStatus,
    PartnerType,
    PlanStatus,
    ProgrammeActivity,
    ProgrammePlan,
)
from services import evaluations
from services.demo.base import DEMO_SEED, demo_id, demo_school_year
from services.governors_report import term_of

# (year group, half-term, title, benchmarks, partner, activity type, status): Y8 has no
# guidance and nothing for Benchmark 4; Y12 plans no workplace experience (the gaps).
DEMO_ACTIVITIES = [
    (7, 1, "Who am I? Careers lessons in PSHE", [1, 3], PartnerType.NONE, None, "done"),
    (
        7,
        4,
        "Meet the world of work: careers talks",
        [5],
        PartnerType.EMPLOYER,
        "careers_talk",
        "done",
    ),
    (8, 2, "Labour-market information in tutor time", [2], PartnerType.NONE, None, "done"),
    (
        8,
        5,
        "Enterprise challenge day",
        [5],
        PartnerType.EMPLOYER,
        "enterprise_challenge",
        "planned",
    ),
    (
        9,
        3,
        "Options evening with employers and colleges",
        [2, 5, 7],
        PartnerType.EMPLOYER,
        "careers_fair",
        "done",
    ),
    (9, 6, "Workplace visits", [6], PartnerType.EMPLOYER, "workplace_visit_host", "planned"),
    (10, 2, "Careers in every subject week", [4], PartnerType.NONE, None, "done"),
    (
        10,
        6,
        "Work experience week",
        [6],
        PartnerType.EMPLOYER,
        "work_experience_supervisor",
        "planned",
    ),
    (
        11,
        1,
        "Guidance interviews with a Level 6 adviser",
        [8, 3],
        PartnerType.ADVISER,
        None,
        "done",
    ),
    (11, 3, "Mock interviews", [5], PartnerType.EMPLOYER, "mock_interviews", "planned"),
    (
        11,
        4,
        "Provider access assembly: colleges and apprenticeships",
        [7],
        PartnerType.PROVIDER,
        None,
        "cancelled",
    ),
    (12, 2, "University and apprenticeship fair", [7], PartnerType.PROVIDER, None, "done"),
    (13, 1, "Second guidance interviews", [8], PartnerType.ADVISER, None, "planned"),
    (13, 3, "CV and application workshops", [5], PartnerType.EMPLOYER, "cv_workshop", "planned"),
]
# Each term's self-evaluation is dated near its end (month, day, in the term's calendar year).
TERM_ENDS = {Term.AUTUMN: (12, 12), Term.SPRING: (4, 1), Term.SUMMER: (7, 15)}
DEMO_LEAVERS = 40  # per leaving year, Y11 and Y13 alike
ROUTE_WEIGHTS = [
    (Route.EDUCATION, 0.55),
    (Route.APPRENTICESHIP, 0.15),
    (Route.EMPLOYMENT, 0.12),
    (Route.NEET, 0.08),
    (Route.UNKNOWN, 0.10),
]


def seed(session: Session, schools: list[School]) -> None:
    year = demo_school_year()
    for index, school in enumerate(schools):
        plan_id = demo_id(f"programme:{school.urn}:{year}")
        if session.get(ProgrammePlan, plan_id) is not None:
            continue
        rng = random.Random(DEMO_SEED + school.urn)
        _plan(session, school, plan_id, year, published=index == 0)
        _leavers(session, rng, school, year)
        session.flush()
        _evaluations(session, rng, school, year)
    session.flush()


def evaluated_terms(year: int) -> list[tuple[int, Term, date]]:
    """Every term of last school year, then this year's up to today's, each with its date."""
    today = london_today()
    terms = []
    for start in (year - 1, year):
        for term in (Term.AUTUMN, Term.SPRING, Term.SUMMER):
            month, day = TERM_ENDS[term]
            on = date(start if term is Term.AUTUMN else start + 1, month, day)
            terms.append((start, term, min(on, today)))
            if start == year and term is term_of(today):
                return terms
    return terms


def _plan(session: Session, school: School, plan_id, year: int, *, published: bool) -> None:
    school.careers_leader_name = school.careers_leader_name or "Careers Leader (demo)"
    school.careers_leader_email = school.careers_leader_email or "careers@school.demo.example"
    plan = ProgrammePlan(
        id=plan_id,
        school_id=school.id,
        academic_year=year,
        status=PlanStatus.PUBLISHED if published else PlanStatus.DRAFT,
        published_at=min(datetime(year, 9, 15, 9, 0, tzinfo=UTC), utcnow()) if published else None,
        summary="A planned programme from Year 7 to Year 13: careers lessons, employers in "
        "every year, workplace experiences, colleges, universities and apprenticeship "
        "providers, and guidance interviews with a qualified adviser.",
        access_pupils="Careers lessons, tutor time and the careers noticeboard.",
        access_parents="Parents' evenings, the newsletter and the school website.",
        access_teachers="The staff handbook and INSET on careers in every subject.",
        access_employers="Contact the careers leader, or offer through Engage.",
        impact_measures="Compass self-evaluation every term, destinations followed up for "
        "three years, and feedback from pupils, parents and employers after each activity.",
        next_review_on=date(year + 1, 7, 15),
    )
    for year_group, half_term, title, benchmarks, partner, activity_type, status in DEMO_ACTIVITIES:
        plan.activities.append(
            ProgrammeActivity(
                title=title,
                year_group=year_group,
                half_term=half_term,
                benchmarks=benchmarks,
                partner_type=partner,
                activity_type=activity_type,
                responsible_staff="Careers Leader (demo)",
                target_pupils=180 if year_group <= 11 else 120,
                status=ActivityStatus(status),
            )
        )
    session.add(plan)


def _leavers(session: Session, rng: random.Random, school: School, year: int) -> None:
    for leaving_year in (year - 2, year - 1):
        for i in range(DEMO_LEAVERS):
            disadvantaged, send = rng.random() < 0.3, rng.random() < 0.12
            leaver = Leaver(
                id=demo_id(f"leaver:{school.urn}:{leaving_year}:{i}"),
                school_id=school.id,
                reference=f"L{school.urn}-{leaving_year}-{i:03d}",
                leaving_year=leaving_year,
                year_group=11 if i % 2 else 13,
                disadvantaged=disadvantaged,
                send=send,
            )
            stages = (0, 1) if leaving_year == year - 2 else (0,)
            for stage in stages:
                route = _route(rng, penalty=0.15 * disadvantaged + 0.1 * send)
                leaver.records.append(
                    DestinationRecord(
                        stage=stage,
                        route=route,
                        education_level=rng.choice((2, 3, 3, 6))
                        if route is Route.EDUCATION
                        else None,
                        recorded_on=date(leaving_year + 1 + stage, 10, 1),
                    )
                )
            session.add(leaver)


def _route(rng: random.Random, *, penalty: float) -> Route:
    """Disadvantaged and SEND leavers more often end up NEET or unknown (a gap to show)."""
    if rng.random() < penalty:
        return rng.choice((Route.NEET, Route.UNKNOWN))
    roll, total = rng.random(), 0.0
    for route, weight in ROUTE_WEIGHTS:
        total += weight
        if roll < total:
            return route
    return Route.UNKNOWN


def _evaluations(session: Session, rng: random.Random, school: School, year: int) -> None:
    """Term after term, more of Benchmarks 1, 2 and 4 met."""
    terms = evaluated_terms(year)
    for number, (start, term, on) in enumerate(terms, 1):
        met_share = 0.25 + 0.6 * number / len(terms)
        answers = {
            criterion: {
                "met": rng.random() < met_share,
                "evidence": f"Evidence noted by the careers leader ({term.value} term).",
            }
            for benchmark in evaluations.SCHOOL_ANSWERED
            for criterion in evaluations.CRITERIA[benchmark]
        }
        session.add(
            SelfEvaluation(
                id=demo_id(f"evaluation:{school.urn}:{start}:{term.value}"),
                school_id=school.id,
                academic_year=start,
                term=term,
                answers=answers,
                computed=evaluations.computed(session, school, start, today=on),
            )
        )
