"""The governors' report: one school's careers programme on a page or three, for the link
governor and the senior leadership, as HTML and PDF.

It holds no pupil-level data: the eight benchmarks now against last term and last year
(from the saved self-evaluations; Benchmarks 3 and 5-8 "now" are computed live), Benchmarks
5-8 by year group as charts, Provider Access per phase, the disadvantaged and SEND gaps,
destinations, and the governors' key questions (DOMAIN.md) answered with the school's own
figures. It is the school's own: its staff and admins read it.
"""

import io
import uuid
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.encounters import Encounter
from models.evaluations import TERM_ORDER, SelfEvaluation, Term
from models.organisations import School
from models.programme import PlanStatus
from services import benchmarks, charts, destinations, evaluations, programme, school_years
from services.access import get_visible
from services.callers import Caller
from services.errors import Forbidden, NotFound
from services.publication import TEMPLATES

TERMS = list(TERM_ORDER)  # autumn, spring, summer


def term_of(day: date) -> Term:
    return Term.AUTUMN if day.month >= 9 else Term.SPRING if day.month <= 4 else Term.SUMMER


def authorize_reader(session: Session, caller: Caller, school: School) -> None:
    if caller.is_admin or caller.organisation_id == school.id:
        return
    if caller.organisation_id == school.hub_id:
        raise Forbidden("The governors' report is the school's own.")
    raise NotFound("No such governors' report.")


def build(
    session: Session,
    caller: Caller,
    school_id: uuid.UUID,
    *,
    academic_year: str | None = None,
    today: date | None = None,
) -> dict:
    school = get_visible(session, caller, School, school_id)
    authorize_reader(session, caller, school)
    today = today or school_years.london_today()
    current = school_years.school_year_start(today)
    start = school_years.parse(academic_year) if academic_year else current
    term = term_of(today) if start == current else Term.SUMMER
    return assemble(session, school, start, term, today)


def assemble(session: Session, school: School, start: int, term: Term, today: date) -> dict:
    report = benchmarks.numbers(session, [school], start)[school.id]
    live = evaluations.computed(session, school, start, today=today, report=report)
    saved = {(e.academic_year, e.term): e for e in evaluations.history(session, school.id)}
    latest = _latest(saved, start, term)
    previous = _previous(start, term)
    rows = _benchmark_rows(live, latest, saved.get(previous), saved.get((start - 1, term)))
    plan = programme.find_plan(session, school.id, start)
    coverage = programme.plan_coverage(session, plan) if plan else None
    leavers = destinations.school_summary(session, school, start - 1)
    data = {
        "school_id": school.id,
        "school_name": school.name,
        "urn": school.urn,
        "academic_year": school_years.label(start),
        "term": term.value,
        "generated_on": today,
        "pupils": report["pupils"],
        "disadvantaged_pupils": report["disadvantaged_pupils"],
        "compared_with": {
            "now": _label(latest),
            "last_term": _label(saved.get(previous)),
            "last_year": _label(saved.get((start - 1, term))),
        },
        "benchmarks": rows,
        "year_groups": [
            {
                "benchmark": b["benchmark"],
                "title": b["title"],
                "shares": {yg["year_group"]: yg["share"] for yg in b["year_groups"]},
            }
            for b in report["benchmarks"]
        ],
        "provider_access": report["provider_access"],
        "gaps": [
            {
                "benchmark": b["benchmark"],
                "title": b["title"],
                "disadvantaged_gap": b["total"]["disadvantaged_gap"],
                "send_gap": b["total"]["send_gap"],
            }
            for b in report["benchmarks"]
        ],
        "destinations": leavers,
        "programme": _programme(plan, coverage),
    }
    data["key_questions"] = key_questions(session, school, data, report, start)
    return data


def _latest(saved: dict, start: int, term: Term) -> SelfEvaluation | None:
    """The newest evaluation of this school year up to `term`."""
    for t in reversed(TERMS[: TERM_ORDER[term] + 1]):
        if (start, t) in saved:
            return saved[start, t]
    return None


def _previous(start: int, term: Term) -> tuple[int, Term]:
    rank = TERM_ORDER[term]
    return (start, TERMS[rank - 1]) if rank else (start - 1, Term.SUMMER)


def _label(evaluation: SelfEvaluation | None) -> str | None:
    if evaluation is None:
        return None
    return f"{evaluation.term.value} {school_years.label(evaluation.academic_year)}"


def _benchmark_rows(live: dict, latest, last_term, last_year) -> list[dict]:
    def by_benchmark(evaluation) -> dict[int, dict]:
        return {r["benchmark"]: r for r in evaluations.summary(evaluation)} if evaluation else {}

    now, before, year_ago = by_benchmark(latest), by_benchmark(last_term), by_benchmark(last_year)
    rows = []
    for b in range(1, 9):
        if b in evaluations.COMPUTED:
            percentage = live.get(str(b))
        else:
            percentage = now.get(b, {}).get("percentage")
        rows.append(
            {
                "benchmark": b,
                "title": evaluations.TITLES[b],
                "answered_by": "ledger" if b in evaluations.COMPUTED else "school",
                "now": percentage,
                "state": evaluations.state(percentage),
                "last_term": before.get(b, {}).get("percentage"),
                "last_year": year_ago.get(b, {}).get("percentage"),
            }
        )
    return rows


def _programme(plan, coverage) -> dict:
    if plan is None:
        return {"status": "none", "published_at": None, "activities": 0, "gaps": []}
    return {
        "status": plan.status.value,
        "published_at": plan.published_at,
        "next_review_on": plan.next_review_on,
        "activities": len(plan.activities),
        "gaps": coverage["gaps"],
    }


def _pct(value: float | None) -> str:
    return "no figure yet" if value is None else f"{value:g}%"


def _share(value: float | None) -> str:
    return "no pupils counted" if value is None else f"{round(value * 100):g}%"


def key_questions(session: Session, school: School, data: dict, report: dict, start: int):
    """The questions a link governor asks (DOMAIN.md), each answered with figures."""
    answers = _duty_answers(school, data, report) + _practice_answers(session, school, data, start)
    return [{"question": q, "answer": a} for q, a in answers]


def _duty_answers(school: School, data: dict, report: dict) -> list[tuple[str, str]]:
    """The published programme, provider access, the benchmarks and destinations."""
    rows = {r["benchmark"]: r for r in data["benchmarks"]}
    plan = data["programme"]
    published = plan["status"] == PlanStatus.PUBLISHED.value
    scored = [r for r in data["benchmarks"] if r["now"] is not None]
    weakest = min(scored, key=lambda r: r["now"]) if scored else None
    pal = report["provider_access"]
    pal_short = [p["phase"] for p in pal if p["encounters_held"] < p["required"]]
    stage0 = data["destinations"]["stages"][0]
    answers = [
        (
            "Is the careers programme published and current, with a named careers leader?",
            (
                f"Published {_day(plan['published_at'])}; next review "
                f"{_day(plan['next_review_on'])}."
                if published
                else f"Not published for {data['academic_year']} (plan: {plan['status']})."
            )
            + f" Careers leader: {school.careers_leader_name or 'not named'}.",
        ),
        (
            "Does the school meet its Provider Access duty?",
            "; ".join(f"{p['phase']}: {p['encounters_held']} of {p['required']} held" for p in pal)
            + (f". Short in {', '.join(pal_short)}." if pal_short else ". Met in every phase."),
        ),
        (
            "How does the school perform against each benchmark, and what is the plan for "
            "the weakest?",
            f"{sum(r['state'] == 'met' for r in rows.values())} of 8 met, "
            f"{sum(r['state'] == 'partly_met' for r in rows.values())} partly met."
            + (
                f" Weakest: Benchmark {weakest['benchmark']} ({_pct(weakest['now'])}); "
                f"{_year_groups(_unplanned_year_groups(plan, weakest['benchmark']))} "
                "nothing planned or recorded for it."
                if weakest
                else ""
            ),
        ),
        (
            "What do destinations say?",
            f"{data['destinations']['leavers']} leavers of {data['destinations']['leaving_year']}"
            f": {_share(stage0['positive_share'])} in education, an apprenticeship or "
            f"employment; {stage0['routes']['neet']} not in education, employment or training; "
            f"{stage0['routes']['unknown']} unknown.",
        ),
    ]
    return answers


def _practice_answers(session: Session, school: School, data: dict, start: int) -> list:
    """How the programme is run: information, training, range, impartiality, safety, equity."""
    rows = {r["benchmark"]: r for r in data["benchmarks"]}
    workplace = session.scalar(
        select(func.count(Encounter.id)).where(
            Encounter.school_id == school.id,
            Encounter.benchmark == 6,
            Encounter.occurred_on.between(*school_years.bounds(start)),
        )
    )
    return [
        (
            "Is labour-market information used?",
            f"Benchmark 2 self-evaluation: {_pct(rows[2]['now'])} of its criteria met.",
        ),
        (
            "Is the careers leader trained and given time?",
            _criterion_answer(session, school, "1.3"),
        ),
        (
            "Does every pupil meet further and higher education, apprenticeships and other routes?",
            f"Benchmark 7: {_pct(rows[7]['now'])} of pupils meet it.",
        ),
        (
            "Is guidance impartial and given by a qualified adviser?",
            f"Benchmark 8 (guidance interviews recorded with a qualified adviser): "
            f"{_pct(rows[8]['now'])} of pupils.",
        ),
        (
            "Are off-site activities safeguarded?",
            f"{workplace} workplace experiences recorded this year; every one booked through "
            "Engage carries the host's risk assessment, insurance and named supervisor.",
        ),
        (
            "Do disadvantaged and SEND pupils do as well as others?",
            "; ".join(
                f"BM{g['benchmark']} gap {_points(g['disadvantaged_gap'])} (disadvantaged), "
                f"{_points(g['send_gap'])} (SEND)"
                for g in data["gaps"]
            )
            + ".",
        ),
    ]


def _day(day) -> str:
    return "not recorded" if day is None else f"{day:%-d %B %Y}"


def _points(gap: float | None) -> str:
    return "n/a" if gap is None else f"{round(gap * 100):+g} points"


def _year_groups(count: int) -> str:
    return "1 year group has" if count == 1 else f"{count} year groups have"


def _unplanned_year_groups(plan: dict, benchmark: int) -> int:
    """Year groups with nothing planned or recorded for the benchmark (all, with no plan)."""
    if plan["status"] == "none":
        return len(programme.YEAR_GROUPS)
    return sum(1 for g in plan["gaps"] if g["benchmark"] == benchmark)


def _criterion_answer(session: Session, school: School, criterion: str) -> str:
    latest = evaluations.history(session, school.id)
    if not latest:
        return "Not yet self-evaluated."
    answer = latest[0].answers.get(criterion)
    if not answer:
        return f"Not answered in the {_label(latest[0])} self-evaluation."
    verdict = "Yes" if answer["met"] else "Not yet"
    return f"{verdict} ({_label(latest[0])}): {answer['evidence']}"


# Rendering


def render_html(data: dict) -> str:
    figures = [
        {
            "title": f"Benchmark {yg['benchmark']}: {yg['title']}",
            "svg": charts.svg_data_uri(
                charts.year_group_bars(f"Benchmark {yg['benchmark']}", yg["shares"])
            ),
            "shares": yg["shares"],
        }
        for yg in data["year_groups"]
    ]
    return TEMPLATES.get_template("governors_report.html.j2").render(r=data, figures=figures)


def render_pdf(data: dict) -> bytes:
    """The same report as an A4 PDF (ReportLab: pure Python, vector charts)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Governors' careers report {data['academic_year']} - {data['school_name']}",
        author="Engage",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(_story(data), onLaterPages=_footer, onFirstPage=_footer)
    return buffer.getvalue()


STYLES = getSampleStyleSheet()
SMALL = ParagraphStyle("small", parent=STYLES["BodyText"], fontSize=8.5, leading=10.5)
STATE_NAMES = {"met": "Met", "partly_met": "Partly met", "not_started": "Not started"}
STATE_COLOURS = {"met": "#0b6b2b", "partly_met": "#8a4b00", "not_started": "#a4000f"}


def _pdf_pct(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def _story(data: dict) -> list:
    return _opening(data) + _benchmark_table(data) + _questions_and_charts(data) + _gaps(data)


def _p(text, style=SMALL) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _opening(data: dict) -> list:
    return [
        Paragraph(
            escape(f"Careers: the governors' report, {data['academic_year']}"), STYLES["Title"]
        ),
        _p(
            f"{data['school_name']} (URN {data['urn']}), {data['pupils']} pupils, "
            f"{data['disadvantaged_pupils']} disadvantaged. Prepared "
            f"{data['generated_on']:%-d %B %Y} ({data['term']} term)."
        ),
        Spacer(1, 4 * mm),
        Paragraph("The eight Gatsby Benchmarks", STYLES["Heading2"]),
    ]


def _benchmark_table(data: dict) -> list:
    rows = [["Benchmark", "Now", "State", "Last term", "Last year", "Source"]]
    for b in data["benchmarks"]:
        state = Paragraph(
            f'<font color="{STATE_COLOURS[b["state"]]}"><b>{STATE_NAMES[b["state"]]}</b></font>',
            SMALL,
        )
        source = "Records" if b["answered_by"] == "ledger" else "Self-evaluation"
        rows.append(
            [
                _p(f"{b['benchmark']}. {b['title']}"),
                _pdf_pct(b["now"]),
                state,
                _pdf_pct(b["last_term"]),
                _pdf_pct(b["last_year"]),
                source,
            ]
        )
    return [
        _table(rows, [70 * mm, 18 * mm, 26 * mm, 20 * mm, 20 * mm, 26 * mm]),
        Spacer(1, 3 * mm),
    ]


def _questions_and_charts(data: dict) -> list:
    story = []
    story.append(Paragraph("The governors' questions, answered", STYLES["Heading2"]))
    for q in data["key_questions"]:
        story += [Paragraph(f"<b>{escape(q['question'])}</b>", SMALL), _p(q["answer"])]
    drawings = [
        charts.year_group_bars(f"Benchmark {yg['benchmark']}", yg["shares"])
        for yg in data["year_groups"]
    ]
    heading = "Benchmarks 5-8 by year group (% of pupils meeting it)"
    charts_grid = Table([drawings[:2], drawings[2:]], colWidths=[90 * mm, 90 * mm])
    story.append(KeepTogether([Paragraph(heading, STYLES["Heading2"]), charts_grid]))
    story.append(Paragraph("Provider Access, per phase", STYLES["Heading2"]))
    pal = [["Phase", "Held", "Required", "Pupils with two"]] + [
        [x["phase"], x["encounters_held"], x["required"], _pdf_share(x["share"])]
        for x in data["provider_access"]
    ]
    story.append(_table(pal, [40 * mm, 25 * mm, 25 * mm, 35 * mm]))
    return story


def _gaps(data: dict) -> list:
    """The gaps for disadvantaged and SEND pupils, and destinations."""
    story = []
    story.append(Paragraph("Gaps for disadvantaged and SEND pupils", STYLES["Heading2"]))
    story.append(
        _p("Other pupils' share minus the group's (percentage points): positive, it trails.")
    )
    gaps = [["Benchmark", "Disadvantaged gap", "SEND gap"]] + [
        [f"{g['benchmark']}. {g['title']}", _points(g["disadvantaged_gap"]), _points(g["send_gap"])]
        for g in data["gaps"]
    ]
    story.append(_table(gaps, [90 * mm, 40 * mm, 40 * mm]))
    d = data["destinations"]
    story.append(
        Paragraph(
            f"Destinations of {d['leaving_year']} leavers ({d['leavers']})", STYLES["Heading2"]
        )
    )
    dest = [["When", "Recorded", "Education", "Apprent.", "Employment", "NEET", "Unknown"]] + [
        [
            "At leaving" if s["stage"] == 0 else f"{s['stage']} yr on",
            s["recorded"],
            s["routes"]["education"],
            s["routes"]["apprenticeship"],
            s["routes"]["employment"],
            s["routes"]["neet"],
            s["routes"]["unknown"],
        ]
        for s in d["stages"]
    ]
    story.append(_table(dest, [28 * mm] + [24 * mm] * 6))
    return story


def _pdf_share(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100):g}%"


def _table(rows: list[list], widths: list) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#6b6b6b")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _footer(canvas, document) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Page {document.page}")
    canvas.restoreState()
