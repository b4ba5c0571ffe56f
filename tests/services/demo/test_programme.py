"""The demo's careers programme lives in the current school year: plans with gaps, a
self-evaluation for every term of last year and this year's so far, last years' leavers,
and a governors' report worth printing out of the box; the same after seeding twice."""

from sqlalchemy import func, select

from models.base import london_today
from models.destinations import Leaver
from models.evaluations import SelfEvaluation
from models.programme import ProgrammePlan
from models.users import Role
from services import demo, governors_report, programme, publication, school_years
from services.callers import Caller


def test_the_demo_seeds_a_programme_evaluations_and_destinations(seeded):
    session = seeded.session
    this_year = demo.base.demo_school_year()

    plans = session.scalars(select(ProgrammePlan).order_by(ProgrammePlan.id)).all()
    assert len(plans) == demo.records.DEMO_PUPIL_SCHOOLS
    assert {p.academic_year for p in plans} == {this_year}
    first = seeded.schools[0]
    coverage = programme.plan_coverage(session, programme.find_plan(session, first.id, this_year))
    assert coverage["gaps"]  # gaps for a coordinator to help with
    assert {"year_group": 8, "benchmark": 8} in coverage["gaps"]
    assert publication.get(session, first.id)["academic_year"] == school_years.label(this_year)

    saved = session.execute(
        select(SelfEvaluation.academic_year, SelfEvaluation.term).where(
            SelfEvaluation.school_id == first.id
        )
    ).all()
    assert sorted(saved) == sorted(
        (start, term) for start, term, _ in demo.programme.evaluated_terms(this_year)
    )
    assert len(saved) >= 4  # last year's three terms and this year's first at least
    assert session.scalar(select(func.count()).select_from(Leaver)) == (
        demo.records.DEMO_PUPIL_SCHOOLS * 2 * 40
    )

    staff = Caller(role=Role.SCHOOL_STAFF, organisation_id=first.id)
    report = governors_report.build(session, staff, first.id)  # this year, this term
    now = governors_report.term_of(london_today()).value
    assert report["compared_with"]["now"] == f"{now} {school_years.label(this_year)}"
    assert report["compared_with"]["last_term"] and report["compared_with"]["last_year"]
    assert report["destinations"]["leavers"] == 40
    assert all(row["now"] is not None for row in report["benchmarks"])
    assert report["programme"]["status"] == "published"
