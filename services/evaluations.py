"""Termly self-evaluations across all eight Gatsby Benchmarks, in the shape Compass uses.

Benchmarks 1, 2 and 4 are answered by the school against the criteria below (Engage's
own wording of the 2024 Gatsby definitions), each with an evidence note. Benchmarks 3 and
5-8 come from the ledger and cannot be typed over:
- 5-8: the share of pupils meeting each (services.benchmarks), for the school year;
- 3: the mean of the shares that make its records systematic: pupils on roll with their
  participation recorded (at least one encounter attended this school year); leavers of
  the last three years whose destination at leaving is known; and of the follow-ups now
  due (a year, two and three years on), those recorded.
A benchmark is *met* at 100%, *partly met* above 0, *not started* at 0 (or with nothing to
count). Each save recomputes the ledger's benchmarks and keeps them with the answers.
"""

import uuid
from datetime import date

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from models.destinations import DestinationRecord, Leaver, Route
from models.encounters import Attendance, Encounter
from models.evaluations import TERM_ORDER, SelfEvaluation, Term
from models.organisations import Hub, School
from services import benchmarks, outbox, school_years
from services.access import authorize, coordinates_hub, get_authorized, get_visible
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, InvalidInput
from services.pagination import Page, paginate

CRITERIA: dict[int, dict[str, str]] = {
    1: {
        "1.1": "The school has a planned, sequenced careers programme for every year group.",
        "1.2": "Governors and the headteacher back the programme, with a named link governor.",
        "1.3": "A trained careers leader leads the programme and is given the time to do so.",
        "1.4": "The programme is part of the school development plan.",
        "1.5": "The programme is published on the school's website so that pupils, parents "
        "and carers, staff and employers can find and understand it.",
        "1.6": "Parents and carers are engaged in the programme.",
        "1.7": "The programme is evaluated at least every year, with feedback from pupils, "
        "parents and carers, staff and employers.",
    },
    2: {
        "2.1": "In Key Stage 3, pupils use information about careers, routes and the labour "
        "market to explore their options.",
        "2.2": "In Key Stage 4, pupils use that information to make their choices.",
        "2.3": "After 16, students use that information to plan their next steps.",
        "2.4": "Parents and carers are given that information and encouraged to use it "
        "with their children.",
        "2.5": "Pupils learn how to find labour-market information and judge its quality.",
    },
    4: {
        "4.1": "Every year, in every subject, pupils learn how the subject's knowledge and "
        "skills lead into careers.",
        "4.2": "Subject leaders map the links to careers in their curriculum plans.",
        "4.3": "Careers is part of every teacher's professional development.",
        "4.4": "Pupils hear from people whose careers use the subject they are studying.",
    },
}
SCHOOL_ANSWERED = tuple(CRITERIA)
COMPUTED = (3, 5, 6, 7, 8)
TITLES = benchmarks.GATSBY_TITLES
CRITERION_BENCHMARK = {cid: b for b, items in CRITERIA.items() for cid in items}
FOLLOW_UPS_KEPT = 3


def state(percentage: float | None) -> str:
    if not percentage:
        return "not_started"
    return "met" if percentage >= 100 else "partly_met"


def criteria() -> list[dict]:
    return [
        {
            "benchmark": b,
            "title": TITLES[b],
            "answered_by": "school" if b in CRITERIA else "ledger",
            "criteria": [{"id": cid, "text": text} for cid, text in CRITERIA.get(b, {}).items()],
        }
        for b in range(1, 9)
    ]


def list_(
    session: Session, caller: Caller, *, school_id: uuid.UUID, page: int, page_size: int
) -> Page:
    school = get_visible(session, caller, School, school_id)
    authorize(session, caller, Action.READ, SelfEvaluation(school=school, school_id=school.id))
    query = select(SelfEvaluation).where(SelfEvaluation.school_id == school.id)
    return paginate(session, query.order_by(*_newest_first()), page=page, page_size=page_size)


def school_history(
    session: Session, caller: Caller, *, school_id: uuid.UUID
) -> tuple[School, list[SelfEvaluation]]:
    """The school and its evaluations, oldest term first: its progress, for a spreadsheet."""
    school = get_visible(session, caller, School, school_id)
    authorize(session, caller, Action.READ, SelfEvaluation(school=school, school_id=school.id))
    return school, history(session, school.id)[::-1]


def history(session: Session, school_id: uuid.UUID) -> list[SelfEvaluation]:
    """Every evaluation of the school, newest first (the governors' report reads it)."""
    query = select(SelfEvaluation).where(SelfEvaluation.school_id == school_id)
    return list(session.scalars(query.order_by(*_newest_first())))


def _newest_first():
    term_rank = case({t.value: rank for t, rank in TERM_ORDER.items()}, value=SelfEvaluation.term)
    return SelfEvaluation.academic_year.desc(), term_rank.desc(), SelfEvaluation.id


def get(session: Session, caller: Caller, evaluation_id: uuid.UUID) -> SelfEvaluation:
    return get_visible(session, caller, SelfEvaluation, evaluation_id)


def get_for_update(session: Session, caller: Caller, evaluation_id: uuid.UUID) -> SelfEvaluation:
    return get_authorized(session, caller, Action.UPDATE, SelfEvaluation, evaluation_id)


def create(
    session: Session,
    caller: Caller,
    *,
    school_id: uuid.UUID,
    academic_year: str,
    term: Term,
    answers: dict,
    today: date | None = None,
) -> SelfEvaluation:
    school = get_visible(session, caller, School, school_id)
    start = school_years.parse(academic_year)
    evaluation = SelfEvaluation(school=school, school_id=school.id, academic_year=start, term=term)
    authorize(session, caller, Action.UPDATE, evaluation)
    exists = session.scalar(
        select(SelfEvaluation.id).where(
            SelfEvaluation.school_id == school.id,
            SelfEvaluation.academic_year == start,
            SelfEvaluation.term == term,
        )
    )
    if exists is not None:
        raise Conflict(f"The {term.value} {academic_year} evaluation exists: change it instead.")
    evaluation.answers = _checked(answers)
    evaluation.computed = computed(session, school, start, today=today)
    session.add(evaluation)
    session.flush()
    _publish(session, evaluation)
    return evaluation


def update(
    session: Session, caller: Caller, evaluation_id: uuid.UUID, *, answers: dict, today=None
) -> SelfEvaluation:
    """Change some answers (the others stay) and recompute the ledger's benchmarks."""
    evaluation = get_for_update(session, caller, evaluation_id)
    evaluation.answers = {**evaluation.answers, **_checked(answers)}
    evaluation.computed = computed(
        session, evaluation.school, evaluation.academic_year, today=today
    )
    session.flush()
    _publish(session, evaluation)
    return evaluation


def _checked(answers: dict) -> dict:
    """Only criteria of Benchmarks 1, 2 and 4; the ledger's benchmarks are refused."""
    errors: dict[str, list[str]] = {}
    for key in answers:
        benchmark = CRITERION_BENCHMARK.get(key)
        if benchmark is not None:
            continue
        head = key.split(".")[0]
        if head.isdigit() and int(head) in COMPUTED:
            errors[key] = [
                f"Benchmark {int(head)} is computed from the ledger and cannot be typed over."
            ]
        else:
            errors[key] = ["Not a criterion: see GET /api/v1/evaluations/criteria."]
    if errors:
        raise InvalidInput("Some answers cannot be accepted; see `errors`.", errors=errors)
    return {
        key: {"met": bool(value["met"]), "evidence": value["evidence"]}
        for key, value in answers.items()
    }


def computed(
    session: Session, school: School, start: int, *, today: date | None = None, report=None
) -> dict:
    """Benchmarks 3 and 5-8 as percentages (None: nothing to count); `report` is the
    school's benchmark report for `start` when the caller already has it."""
    report = report or benchmarks.numbers(session, [school], start)[school.id]
    result = {str(b["benchmark"]): _percent(b["total"]["share"]) for b in report["benchmarks"]}
    result["3"] = benchmark_3(session, school, start, pupils=report["pupils"], today=today)
    return result


def benchmark_3(
    session: Session, school: School, start: int, *, pupils: int, today: date | None = None
) -> float | None:
    today = today or school_years.london_today()
    first, last = school_years.bounds(start)
    in_year = select(Encounter.id).where(
        Encounter.school_id == school.id,
        Encounter.occurred_on >= first,
        Encounter.occurred_on <= last,
    )
    recorded = session.scalar(
        select(func.count(distinct(Attendance.pupil_id))).where(
            Attendance.encounter_id.in_(in_year)
        )
    )
    shares = [min(1.0, recorded / pupils)] if pupils else []
    # Leavers of the last three years: when each left, and the route at each stage recorded.
    routes: dict[uuid.UUID, tuple[int, dict[int, Route]]] = {}
    for leaver_id, leaving_year, stage, route in session.execute(
        select(Leaver.id, Leaver.leaving_year, DestinationRecord.stage, DestinationRecord.route)
        .outerjoin(DestinationRecord, DestinationRecord.leaver_id == Leaver.id)
        .where(
            Leaver.school_id == school.id,
            Leaver.leaving_year < start,
            Leaver.leaving_year >= start - FOLLOW_UPS_KEPT,
        )
    ):
        stages = routes.setdefault(leaver_id, (leaving_year, {}))[1]
        if stage is not None:
            stages[stage] = route
    if routes:
        known = sum(stages.get(0) not in (None, Route.UNKNOWN) for _, stages in routes.values())
        shares.append(known / len(routes))
        due = [
            stage in stages
            for leaving_year, stages in routes.values()
            for stage in range(1, FOLLOW_UPS_KEPT + 1)
            if follow_up_due_from(leaving_year, stage) <= today
        ]
        if due:
            shares.append(sum(due) / len(due))
    return _percent(sum(shares) / len(shares)) if shares else None


def follow_up_due_from(leaving_year: int, stage: int) -> date:
    """The destination at leaving is the one in the autumn after; follow-up `stage` is that
    many years later."""
    return date(leaving_year + 1 + stage, 9, 1)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def summary(evaluation: SelfEvaluation) -> list[dict]:
    """The eight benchmarks: each one's percentage and state, and who answered it."""
    rows = []
    for b in range(1, 9):
        if b in CRITERIA:
            met = sum(bool(evaluation.answers.get(cid, {}).get("met")) for cid in CRITERIA[b])
            percentage = round(100 * met / len(CRITERIA[b]), 1)
        else:
            percentage = evaluation.computed.get(str(b))
        rows.append(
            {
                "benchmark": b,
                "title": TITLES[b],
                "answered_by": "school" if b in CRITERIA else "ledger",
                "percentage": percentage,
                "state": state(percentage),
            }
        )
    return rows


def hub_view(
    session: Session, caller: Caller, hub_id: uuid.UUID, *, academic_year: str, term: Term
) -> dict:
    """The hub's schools side by side for one term (no pupil data): each school's latest
    saved evaluation of that term, or none."""
    hub = get_visible(session, caller, Hub, hub_id)
    if not coordinates_hub(caller, hub):
        raise Forbidden("The side-by-side view is for the hub's coordinators.")
    start = school_years.parse(academic_year)
    schools = session.scalars(
        select(School).where(School.hub_id == hub.id).order_by(School.name, School.id)
    ).all()
    saved = {
        e.school_id: e
        for e in session.scalars(
            select(SelfEvaluation).where(
                SelfEvaluation.school_id.in_([s.id for s in schools]),
                SelfEvaluation.academic_year == start,
                SelfEvaluation.term == term,
            )
        )
    }
    return {
        "hub_id": hub.id,
        "hub_name": hub.name,
        "academic_year": school_years.label(start),
        "term": term.value,
        "schools": [
            {
                "school_id": s.id,
                "school_name": s.name,
                "urn": s.urn,
                "evaluation_id": saved[s.id].id if s.id in saved else None,
                "benchmarks": summary(saved[s.id]) if s.id in saved else [],
            }
            for s in schools
        ],
    }


CSV_COLUMNS = ["urn", "school_name", "academic_year", "term"] + [
    f"bm{b}_{part}" for b in range(1, 9) for part in ("percentage", "state")
]


def school_csv_rows(school: School, saved: list[SelfEvaluation]) -> list[dict]:
    """One CSV row per saved term, in the hub CSV's columns."""
    entry = {"urn": school.urn, "school_name": school.name}
    return [
        csv_row(
            {**entry, "benchmarks": summary(e)}, school_years.label(e.academic_year), e.term.value
        )
        for e in saved
    ]


def csv_row(school: dict, academic_year: str, term: str) -> dict:
    row = {
        "urn": school["urn"],
        "school_name": school["school_name"],
        "academic_year": academic_year,
        "term": term,
    }
    for item in school["benchmarks"]:
        row[f"bm{item['benchmark']}_percentage"] = item["percentage"]
        row[f"bm{item['benchmark']}_state"] = item["state"]
    return row


def _publish(session: Session, evaluation: SelfEvaluation) -> None:
    outbox.publish(
        session,
        "self_evaluation.saved",
        evaluation,
        {
            "evaluation_id": str(evaluation.id),
            "school_id": str(evaluation.school_id),
            "academic_year": school_years.label(evaluation.academic_year),
            "term": evaluation.term.value,
        },
    )
