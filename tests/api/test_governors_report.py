"""The governors' report: the eight benchmarks now against last term and last year, the
charts, Provider Access, gaps, destinations and the key questions; HTML and a PDF of the
expected pages; the school's own."""

import io
from datetime import date

from pypdf import PdfReader

from models.evaluations import Term
from models.users import Role
from services import evaluations, governors_report
from tests import factories

YES = {"met": True, "evidence": "Trained (Level 7), two days a week"}


def report_world(session, world):
    """A school with pupils, encounters, two terms of evaluations and last year's leavers."""
    school = world.a.school
    school.careers_leader_name = "Ms Lead"
    pupils = [
        factories.pupil(
            session,
            school,
            reference=f"P{i}",
            year_group=7 + i % 7,
            disadvantaged=i % 3 == 0,
            send=i % 5 == 0,
            roll_year=2025,
        )
        for i in range(21)
    ]
    factories.encounter(session, school, benchmark=5, on=date(2025, 10, 1), pupils=pupils[::2])
    factories.encounter(session, school, benchmark=8, on=date(2025, 11, 1), pupils=pupils[:5])
    factories.self_evaluation(
        session,
        school,
        academic_year=2024,
        term=Term.AUTUMN,
        answers={"1.1": YES},
        computed={"5": 10.0},
    )
    factories.self_evaluation(
        session,
        school,
        academic_year=2025,
        term=Term.AUTUMN,
        answers={cid: YES for cid in evaluations.CRITERIA[1]},
        computed={"5": 30.0},
    )
    factories.self_evaluation(
        session, school, academic_year=2024, term=Term.SUMMER, answers={}, computed={"5": 20.0}
    )
    factories.leaver(session, school, "L1")
    session.commit()
    return school


def test_the_report_compares_terms_and_answers_the_questions(session, world):
    school = report_world(session, world)
    data = governors_report.assemble(session, school, 2025, Term.SPRING, date(2026, 2, 1))
    rows = {r["benchmark"]: r for r in data["benchmarks"]}
    assert rows[1]["now"] == 100.0 and rows[1]["state"] == "met"
    assert rows[1]["last_term"] == 100.0  # autumn 2025-26 is the term before spring
    assert rows[1]["last_year"] is None  # there was no spring 2024-25 evaluation
    assert rows[5]["now"] == round(100 * 11 / 21, 1)  # live, not the saved 30%
    assert rows[5]["last_term"] == 30.0
    assert data["compared_with"] == {
        "now": "autumn 2025-26",
        "last_term": "autumn 2025-26",
        "last_year": None,
    }
    assert data["destinations"]["leavers"] == 1
    questions = [q["question"] for q in data["key_questions"]]
    assert len(questions) == 10
    answers = " ".join(q["answer"] for q in data["key_questions"])
    assert "Trained (Level 7)" in answers and "Y8-Y9: 0 of 2 held" in answers
    assert "7 year groups have nothing planned or recorded for it" in answers  # no plan

    autumn = governors_report.assemble(session, school, 2025, Term.AUTUMN, date(2025, 10, 9))
    bm5 = next(r for r in autumn["benchmarks"] if r["benchmark"] == 5)
    assert bm5["last_term"] == 20.0 and bm5["last_year"] == 10.0  # summer, autumn 2024-25


def test_html_and_pdf_for_the_school_alone(client, world, auth_headers, session):
    school = report_world(session, world)
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    base = f"/api/v1/schools/{school.id}/governors-report"
    page = client.get(base + ".html", query_string={"academic_year": "2025-26"}, headers=headers)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for heading in (
        "The eight Gatsby Benchmarks",
        "Benchmarks 5–8 by year group",
        "Provider Access",
        "Gaps for disadvantaged and SEND pupils",
        "Destinations",
    ):
        assert heading in html
    assert html.count('src="data:image/svg+xml;base64,') == 4
    assert "P1" not in html.replace("P1.", "")  # no pupil references

    pdf = client.get(base + ".pdf", query_string={"academic_year": "2025-26"}, headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert "the governors' report, 2025-26" in text and school.name in text

    coordinator = client.get(base, headers=auth_headers(world.a.users[Role.COORDINATOR]))
    assert coordinator.status_code == 403
    foreign = client.get(
        f"/api/v1/schools/{world.b.school.id}/governors-report.pdf", headers=headers
    )
    assert foreign.status_code == 404
