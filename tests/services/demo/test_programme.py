"""The demo's careers programme: plans with gaps, two terms of self-evaluations, last
years' leavers, a governors' report worth printing; the same after seeding twice."""

from datetime import date

from sqlalchemy import func, select

from models.destinations import Leaver
from models.evaluations import SelfEvaluation, Term
from models.programme import ProgrammePlan
from services import demo, governors_report, programme, publication


def test_the_demo_seeds_a_programme_evaluations_and_destinations(seeded):
    session, summary = seeded.session, seeded

    plans = session.scalars(select(ProgrammePlan).order_by(ProgrammePlan.id)).all()
    assert len(plans) == demo.records.DEMO_PUPIL_SCHOOLS
    first = summary.schools[0]
    plan = programme.find_plan(session, first.id, 2025)
    coverage = programme.plan_coverage(session, plan)
    assert coverage["gaps"]  # gaps for a coordinator to help with
    assert {"year_group": 8, "benchmark": 8} in coverage["gaps"]
    assert publication.get(session, first.id)["academic_year"] == "2025-26"

    terms = session.scalars(
        select(SelfEvaluation.term).where(SelfEvaluation.school_id == first.id)
    ).all()
    assert sorted(terms) == sorted([Term.AUTUMN, Term.SPRING])
    assert session.scalar(select(func.count()).select_from(Leaver)) == (
        demo.records.DEMO_PUPIL_SCHOOLS * 2 * 40
    )

    report = governors_report.assemble(session, first, 2025, Term.SUMMER, date(2026, 6, 1))
    assert report["compared_with"]["now"] == "spring 2025-26"
    assert report["destinations"]["leavers"] == 40
    assert all(row["now"] is not None for row in report["benchmarks"])
