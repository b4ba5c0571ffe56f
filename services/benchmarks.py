"""Benchmark reports: per school and school year, the share of each year group meeting
Gatsby Benchmarks 5-8, the gaps for disadvantaged and SEND pupils, and the overlays with
hard numbers (Provider Access, the Careers Strategy's seven, the ten-day work-experience
guarantee, the variety of employers met).

Counting rules (DOMAIN.md), for the school year `A` and a pupil in year group `yg` then;
only named attendance counts, by the year group on the day, and "so far" is up to the end
of `A` (31 August):
- BM5: at least one meaningful Benchmark 5 encounter attended during `A`; at a college,
  at least two. A college is a school of GIAS's "Colleges" group (establishment type
  "Further education" or "Sixth form centres"); 16-19 academies and free schools are
  in GIAS's secondary groups and count as schools.
- BM6: Y7-Y11, at least two meaningful workplace experiences attended in Y7-Y11 so far.
  Y12-Y13, at least one attended in Y12-Y13 so far: "at least one further" is one after
  Y11, and the pre-16 two are not asked again (a pupil who joined the sixth form from
  another school is judged on what they did here).
- BM7: Y7-Y11, meaningful encounters with all four provider types (sixth form, FE college,
  university, ITP) attended in Y7-Y11 so far; Y12-Y13 pupils considering higher education,
  at least two meaningful university encounters in Y12-Y13; other Y12-Y13 pupils, the full
  range by Y11.
- BM8: Y7-Y11, a guidance interview attended in Y7-Y11 so far. Y12-Y13: DOMAIN asks for
  the offer of another; the ledger records who attended, not who was offered, so what
  counts is a second interview attended in Y12-Y13 so far. A pupil who was offered one and
  declined shows as not meeting it: the count errs low, never high.
- Provider Access: an encounter counts, for pupils and as one the school held, only when
  it is meaningful. Its Benchmark 7 checklist holds the items the legislation asks of each
  one (the provider and its qualifications, the careers they lead to, what learning there
  is like, two-way interaction for pupils' questions). A pupil meets a phase with two
  attended in that phase's years so far; Y12-Y13 encounters are offered to all, so there
  `encounters_held` is the school's measure and the pupils' share is take-up.
- Careers Strategy (one employer encounter a year, Y7-Y13): a pupil is on track when they
  attended a meaningful Benchmark 5 encounter in every school year from Y7 to `A`, by the
  year group on the day; more in one year do not make up for a year missed.
- Work-experience guarantee (10 days "across Key Stages 3 and 4"): the days of every
  work experience attended in Y7-Y11 (days are the guarantee's own measure, not the
  checklist's), added up so far, for every pupil in Y7-Y11 by year group; Y11's share is
  the end-of-Key-Stage-4 answer.

The arithmetic runs in SQL, in one statement: each encounter's kind once, each pupil's
counts from one covering index on attendance, what each pupil meets, then pupils summed
into cells by school, year group, flags and verdicts (a third as many rows as a hub has
pupils). Python only files the cells into the report.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Integer, and_, case, cast, func, or_, select, text
from sqlalchemy.orm import Session

from models.encounters import Attendance, Encounter
from models.organisations import Hub, ProviderType, School
from models.pupils import Pupil
from services import audit, school_years
from services.access import ensure_pupils_of, get_visible, hub_school_ids
from services.callers import Caller
from services.errors import Forbidden, NotFound

GATSBY_TITLES = {  # the eight Gatsby benchmarks
    1: "A stable careers programme",
    2: "Learning from career and labour market information",
    3: "Addressing the needs of each pupil",
    4: "Linking curriculum learning to careers",
    5: "Encounters with employers",
    6: "Experiences of workplaces",
    7: "Encounters with further and higher education",
    8: "Personal guidance",
}
BENCHMARK_TITLES = {b: GATSBY_TITLES[b] for b in (5, 6, 7, 8)}  # the ones reported here
YEAR_GROUPS = range(7, 14)
PROVIDER_ACCESS_PHASES = ((8, 9), (10, 11), (12, 13))
PROVIDER_ACCESS_REQUIRED = 2
CAREERS_STRATEGY_ENCOUNTERS = 7
WORK_EXPERIENCE_DAYS = 10
WORK_EXPERIENCE_YEARS = range(7, 12)  # Key Stages 3 and 4
EMPLOYER_ENCOUNTERS_A_YEAR = {False: 1, True: 2}  # BM5, by whether the school is a college
# GIAS's "Colleges" establishment group (TypeOfEstablishment names, compared casefolded).
COLLEGE_TYPES = frozenset({"further education", "sixth form centres"})


def is_college(school: School) -> bool:
    return school.establishment_type.casefold() in COLLEGE_TYPES


@dataclass
class Tally:
    pupils: int = 0
    meeting: int = 0
    disadvantaged: list[int] = field(default_factory=lambda: [0, 0])  # pupils, meeting
    other: list[int] = field(default_factory=lambda: [0, 0])
    send: list[int] = field(default_factory=lambda: [0, 0])
    not_send: list[int] = field(default_factory=lambda: [0, 0])
    not_meeting: list[tuple[str, uuid.UUID]] = field(default_factory=list)

    def add(self, meets: bool, disadvantaged: bool, send: bool, pupils: int = 1) -> None:
        met = meets * pupils
        self.pupils += pupils
        self.meeting += met
        for group in (
            self.disadvantaged if disadvantaged else self.other,
            self.send if send else self.not_send,
        ):
            group[0] += pupils
            group[1] += met

    def summary(self, with_pupils: bool) -> dict:
        result = {
            "pupils": self.pupils,
            "meeting": self.meeting,
            "share": share(self.meeting, self.pupils),
            "disadvantaged_share": share(self.disadvantaged[1], self.disadvantaged[0]),
            "disadvantaged_gap": gap(self.other, self.disadvantaged),
            "send_share": share(self.send[1], self.send[0]),
            "send_gap": gap(self.not_send, self.send),
        }
        if with_pupils:
            result["not_meeting"] = [
                {"id": pupil_id, "reference": reference}
                for reference, pupil_id in sorted(self.not_meeting)
            ]
        return result


def share(meeting: int, pupils: int) -> float | None:
    return round(meeting / pupils, 4) if pupils else None


def gap(reference: list[int], group: list[int]) -> float | None:
    """How far `group` trails `reference` (share points; negative when it is ahead)."""
    if not reference[0] or not group[0]:
        return None
    return round(reference[1] / reference[0] - group[1] / group[0], 4)


def school_report(
    session: Session, caller: Caller, school_id: uuid.UUID, *, academic_year: str
) -> dict:
    """The school's own staff see which pupils do not yet meet each benchmark (audited);
    its hub's coordinators and admins see the same numbers without pupils."""
    school = get_visible(session, caller, School, school_id)
    with_pupils = _may_see_pupils(caller, school)
    if not with_pupils and not _may_see_numbers(session, caller, school):
        raise NotFound("No such school report.")
    start = school_years.parse(academic_year)
    report = _reports(session, [school], start, with_pupils=with_pupils)[school.id]
    if with_pupils:
        listed = {p["id"] for b in report["benchmarks"] for p in b["total"]["not_meeting"]}
        audit.record(session, action="pupil.read", object_type="pupil", object_ids=sorted(listed))
    return report


def hub_report(session: Session, caller: Caller, hub_id: uuid.UUID, *, academic_year: str) -> dict:
    """Every school of the hub, the same numbers, no pupil-level data."""
    hub = get_visible(session, caller, Hub, hub_id)
    if not (caller.is_admin or caller.organisation_id == hub.id):
        raise Forbidden("Hub reports are for the hub's coordinators.")
    start = school_years.parse(academic_year)
    schools = list(
        session.scalars(
            select(School).where(School.hub_id == hub.id).order_by(School.name, School.id)
        )
    )
    reports = _reports(session, schools, start, with_pupils=False)
    return {
        "hub_id": hub.id,
        "hub_name": hub.name,
        "academic_year": school_years.label(start),
        "schools": [reports[s.id] for s in schools],
    }


def numbers(session: Session, schools: list[School], start: int) -> dict[uuid.UUID, dict]:
    """Each school's report for the school year `start`, without pupils and without asking
    who calls (the self-evaluation and the governors' report check that themselves)."""
    return _reports(session, schools, start, with_pupils=False)


def school_priority(session: Session, school_id: uuid.UUID, academic_year: str | int) -> float:
    """0-1: how much the matching engine should favour this school (see `school_gaps`)."""
    school = session.get(School, school_id)
    if school is None:
        raise NotFound("No such school.")
    start = academic_year if isinstance(academic_year, int) else school_years.parse(academic_year)
    return school_gaps(session, [school], start)[school.id].priority


def _may_see_pupils(caller: Caller, school: School) -> bool:
    """The school's own staff; its partner apps only with the pupils:read scope too."""
    if caller.scopes is not None and "pupils:read" not in caller.scopes:
        return False
    try:
        ensure_pupils_of(caller, school.id)
    except NotFound:
        return False
    return True


def _may_see_numbers(session: Session, caller: Caller, school: School) -> bool:
    if caller.is_admin or caller.organisation_id == school.id:
        return True
    return school.id in hub_school_ids(session, caller)


# What one encounter counts towards, decided once per encounter rather than once per
# attendance row: the per-pupil counts then compare small integers.
NOT_COUNTED, BM5_THIS_YEAR, BM5_EARLIER, BM6, BM8 = range(5)
BM7_KINDS = {kind: 5 + i for i, kind in enumerate(ProviderType)}


def _count_if(*conditions):
    """`count(*) FILTER (WHERE …)` (SQLite 3.30+ and PostgreSQL), about twice as fast as
    SUM(CASE …)."""
    return func.count().filter(and_(*conditions))


def _encounter_kinds(school_ids: list[uuid.UUID], first, last):
    """The schools' encounters up to the end of the year that any rule counts, each with
    its kind, whether it is a meaningful Provider Access one, and its work-experience
    days. Materialized, so the kinds are worked out once per encounter."""
    e = Encounter
    kind = case(
        (~e.meaningful, NOT_COUNTED),
        (e.benchmark == 5, case((e.occurred_on >= first, BM5_THIS_YEAR), else_=BM5_EARLIER)),
        (e.benchmark == 6, BM6),
        (e.benchmark == 7, case(BM7_KINDS, value=e.provider_type, else_=NOT_COUNTED)),
        else_=BM8,
    )
    return (
        select(
            e.id,
            kind.label("kind"),
            and_(e.provider_access, e.meaningful).label("provider_access"),
            e.work_experience_days.label("days"),
        )
        .where(
            e.school_id.in_(school_ids),
            e.occurred_on <= last,
            or_(e.meaningful, e.work_experience_days > 0),
        )
        .cte("encounter_kinds")
        .prefix_with("MATERIALIZED")
    )


def _pupil_counts(school_ids: list[uuid.UUID], start: int):
    """One row per pupil on roll in the school year: flags and the counts the rules need."""
    first, last = school_years.bounds(start)
    per_pupil = _per_pupil(_encounter_kinds(school_ids, first, last))
    year_group = Pupil.year_group - (Pupil.roll_year - start)
    counts = [c for c in per_pupil.c if c.name != "pupil_id"]
    return (
        select(
            Pupil.id,
            Pupil.school_id,
            Pupil.reference,
            year_group.label("yg"),
            Pupil.disadvantaged,
            Pupil.send,
            Pupil.considering_higher_education.label("he"),
            *(func.coalesce(c, 0).label(c.name) for c in counts),
        )
        .outerjoin(per_pupil, per_pupil.c.pupil_id == Pupil.id)
        .where(
            Pupil.school_id.in_(school_ids),
            year_group.between(7, 13),
            or_(Pupil.left_on.is_(None), Pupil.left_on >= first),
        )
        .subquery("pupil_counts")
    )


def _per_pupil(k):
    """Each attending pupil's counts of the encounter kinds the rules need."""
    a = Attendance
    lower, upper = a.year_group <= 11, a.year_group >= 12
    return (
        select(
            a.pupil_id.label("pupil_id"),
            _count_if(k.c.kind == BM5_THIS_YEAR).label("bm5_year"),
            _count_if(k.c.kind.in_((BM5_THIS_YEAR, BM5_EARLIER))).label("bm5_total"),
            # The Careers Strategy's one a year from Y7: a count per year group attended in.
            *(
                _count_if(k.c.kind.in_((BM5_THIS_YEAR, BM5_EARLIER)), a.year_group == yg).label(
                    f"bm5_y{yg}"
                )
                for yg in YEAR_GROUPS
            ),
            _count_if(k.c.kind == BM6, lower).label("bm6_lower"),
            _count_if(k.c.kind == BM6, upper).label("bm6_upper"),
            # One count per provider type (a DISTINCT count would force a sort per pupil).
            *(
                _count_if(k.c.kind == code, lower).label(f"bm7_{kind}")
                for kind, code in BM7_KINDS.items()
            ),
            _count_if(k.c.kind == BM7_KINDS[ProviderType.UNIVERSITY], upper).label("he_visits"),
            _count_if(k.c.kind == BM8, lower).label("bm8_lower"),
            _count_if(k.c.kind == BM8, upper).label("bm8_upper"),
            *(
                _count_if(k.c.provider_access, a.year_group.in_(phase)).label(f"pa_{phase[0]}")
                for phase in PROVIDER_ACCESS_PHASES
            ),
            func.coalesce(func.sum(k.c.days).filter(lower), 0).label("we_days"),
        )
        .select_from(k)
        .join(a, a.encounter_id == k.c.id)
        .group_by(a.pupil_id)
        # Materialized, so the pupils join it once (hashed) whatever the statistics say:
        # as a subquery, a planner that thinks a school has one pupil (a table not yet
        # analysed, as after an import) rescans the aggregate once per pupil, 5x slower.
        .cte("per_pupil")
        .prefix_with("MATERIALIZED")
    )


def _verdicts(p, college_ids: list[uuid.UUID]) -> dict:
    """The counting rules (see the module docstring) over one pupil's counts, in SQL:
    what they meet, or NULL where a measure is not theirs."""
    lower = p.c.yg <= 11
    full_range = and_(*(p.c[f"bm7_{kind}"] > 0 for kind in ProviderType))
    bm5_needed = case(
        (p.c.school_id.in_(college_ids), EMPLOYER_ENCOUNTERS_A_YEAR[True]),
        else_=EMPLOYER_ENCOUNTERS_A_YEAR[False],
    )
    return {
        "bm5": p.c.bm5_year >= bm5_needed,
        "bm6": case((lower, p.c.bm6_lower >= 2), else_=p.c.bm6_upper >= 1),
        "bm7": case((or_(lower, ~p.c.he), full_range), else_=p.c.he_visits >= 2),
        "bm8": case((lower, p.c.bm8_lower >= 1), else_=p.c.bm8_upper >= 1),
        "provider_access": case(
            *(
                (p.c.yg.in_(phase), p.c[f"pa_{phase[0]}"] >= PROVIDER_ACCESS_REQUIRED)
                for phase in PROVIDER_ACCESS_PHASES
            )
        ),
        "work_experience": case((lower, p.c.we_days >= WORK_EXPERIENCE_DAYS)),
        # One a year from Y7 to this one: no year missed, however many in another.
        "strategy": and_(*(or_(p.c.yg < yg, p.c[f"bm5_y{yg}"] > 0) for yg in YEAR_GROUPS)),
    }


def _cells(session: Session, schools: list[School], start: int, *, with_pupils: bool):
    """Pupils counted by school, year group, flags and what they meet, summed in SQL;
    each pupil is a cell of their own when the report lists pupils."""
    p = _pupil_counts([s.id for s in schools], start)
    verdicts = _verdicts(p, [s.id for s in schools if is_college(s)])
    keys = [p.c.school_id, p.c.yg, p.c.disadvantaged, p.c.send]
    keys += [verdict.label(name) for name, verdict in verdicts.items()]
    if with_pupils:
        keys += [p.c.id, p.c.reference]
    if session.get_bind().dialect.name == "postgresql":
        # A hub's per-pupil aggregate hashes about 900,000 attendance rows: at the default
        # 4 MB it spills to disk and takes twice as long. For this transaction only.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    return session.execute(
        select(
            *keys,
            func.count().label("pupils"),
            cast(func.sum(p.c.we_days), Integer).label("we_days"),
            cast(func.sum(p.c.bm5_total), Integer).label("bm5_total"),
        ).group_by(*keys)
    ).all()


def _reports(
    session: Session, schools: list[School], start: int, *, with_pupils: bool
) -> dict[uuid.UUID, dict]:
    ids = [s.id for s in schools]
    tallies = _tallies(session, schools, start, with_pupils=with_pupils)
    held = _provider_access_held(session, ids, start)
    variety = _variety(session, ids, start)
    return {
        school.id: _report(
            school,
            tallies[school.id],
            start,
            held[school.id],
            variety[school.id],
            with_pupils=with_pupils,
        )
        for school in schools
    }


def _tallies(
    session: Session, schools: list[School], start: int, *, with_pupils: bool
) -> dict[uuid.UUID, dict]:
    """Each school's pupils counted per benchmark and year group from the ledger's cells."""
    tallies: dict[uuid.UUID, dict] = {
        s.id: {
            "benchmarks": {b: defaultdict(Tally) for b in BENCHMARK_TITLES},
            "college": is_college(s),
            "phases": {phase: Tally() for phase in PROVIDER_ACCESS_PHASES},
            "work_experience": defaultdict(Tally),
            "we_days": [0, 0],  # days, pupils (Y7-Y11)
            "strategy": Tally(),
            "employer_encounters": 0,
            "disadvantaged": 0,
        }
        for s in schools
    }
    phase_of = {yg: phase for phase in PROVIDER_ACCESS_PHASES for yg in phase}
    for cell in _cells(session, schools, start, with_pupils=with_pupils) if schools else []:
        t, yg, pupils = tallies[cell.school_id], cell.yg, cell.pupils
        flags = (cell.disadvantaged, cell.send)
        t["disadvantaged"] += pupils * cell.disadvantaged
        for benchmark in BENCHMARK_TITLES:
            met = getattr(cell, f"bm{benchmark}")
            for key in (yg, "all"):
                t["benchmarks"][benchmark][key].add(met, *flags, pupils)
                if with_pupils and not met:
                    t["benchmarks"][benchmark][key].not_meeting.append((cell.reference, cell.id))
        if cell.provider_access is not None:
            t["phases"][phase_of[yg]].add(cell.provider_access, *flags, pupils)
        if cell.work_experience is not None:
            for key in (yg, "all"):
                t["work_experience"][key].add(cell.work_experience, *flags, pupils)
            t["we_days"][0] += cell.we_days
            t["we_days"][1] += pupils
        t["strategy"].add(cell.strategy, *flags, pupils)
        t["employer_encounters"] += cell.bm5_total
    return tallies


def _report(school: School, t: dict, start: int, held, variety, *, with_pupils: bool) -> dict:
    pupils = t["strategy"].pupils
    return {
        "school_id": school.id,
        "school_name": school.name,
        "urn": school.urn,
        "academic_year": school_years.label(start),
        "college": t["college"],
        "pupils": pupils,
        "disadvantaged_pupils": t["disadvantaged"],
        "benchmarks": [
            {
                "benchmark": benchmark,
                "title": title,
                "total": t["benchmarks"][benchmark]["all"].summary(with_pupils),
                "year_groups": [
                    {"year_group": yg, **t["benchmarks"][benchmark][yg].summary(with_pupils)}
                    for yg in YEAR_GROUPS
                ],
            }
            for benchmark, title in BENCHMARK_TITLES.items()
        ],
        "provider_access": [
            {
                "phase": f"Y{phase[0]}-Y{phase[1]}",
                "required": PROVIDER_ACCESS_REQUIRED,
                "encounters_held": held[phase],
                **t["phases"][phase].summary(False),
            }
            for phase in PROVIDER_ACCESS_PHASES
        ],
        "careers_strategy": {
            "target": CAREERS_STRATEGY_ENCOUNTERS,
            "employer_encounters_per_pupil": (
                round(t["employer_encounters"] / pupils, 2) if pupils else None
            ),
            **t["strategy"].summary(False),
        },
        "work_experience": {
            "target_days": WORK_EXPERIENCE_DAYS,
            "mean_days_y7_y11": (
                round(t["we_days"][0] / t["we_days"][1], 2) if t["we_days"][1] else None
            ),
            **t["work_experience"]["all"].summary(False),
            "year_groups": [
                {"year_group": yg, **t["work_experience"][yg].summary(False)}
                for yg in WORK_EXPERIENCE_YEARS
            ],
        },
        "variety": variety,
    }


def _provider_access_held(session: Session, ids: list[uuid.UUID], start: int) -> dict:
    """Meaningful Provider Access encounters the school held in the year, per key phase
    they served."""
    first, last = school_years.bounds(start)
    held = {school_id: dict.fromkeys(PROVIDER_ACCESS_PHASES, 0) for school_id in ids}
    rows = session.execute(
        select(Encounter.school_id, Encounter.year_groups).where(
            Encounter.school_id.in_(ids),
            Encounter.provider_access,
            Encounter.meaningful,
            Encounter.occurred_on.between(first, last),
        )
    )
    for school_id, year_groups in rows:
        for phase in PROVIDER_ACCESS_PHASES:
            if set(year_groups or ()) & set(phase):
                held[school_id][phase] += 1
    return held


def _variety(session: Session, ids: list[uuid.UUID], start: int) -> dict:
    """Employer sizes and sectors met at meaningful employer encounters in the year."""
    first, last = school_years.bounds(start)
    result = {school_id: {"sizes": {}, "sectors": {}} for school_id in ids}
    base = select(Encounter.school_id, func.count()).where(
        Encounter.school_id.in_(ids),
        Encounter.benchmark.in_((5, 6)),
        Encounter.meaningful,
        Encounter.occurred_on.between(first, last),
    )
    for column, key in ((Encounter.employer_size, "sizes"), (Encounter.employer_sector, "sectors")):
        rows = session.execute(
            base.add_columns(column)
            .where(column.is_not(None))
            .group_by(Encounter.school_id, column)
        )
        for school_id, count, value in rows:
            result[school_id][key][str(value)] = count
    for school_id, found in result.items():
        result[school_id] = {
            "employer_sizes": dict(sorted(found["sizes"].items())),
            "sectors": dict(sorted(found["sectors"].items())),
            "sizes_met": len(found["sizes"]),
            "sectors_met": len(found["sectors"]),
        }
    return result


CSV_COLUMNS = [
    "urn",
    "school",
    "academic_year",
    "measure",
    "year_group",
    "pupils",
    "meeting",
    "share",
    "disadvantaged_gap",
    "send_gap",
    "not_meeting",
]


def csv_rows(report: dict) -> list[dict]:
    """A school report as flat rows (pupil references only where the report holds them)."""
    base = {"urn": report["urn"], "school": report["school_name"]}
    base["academic_year"] = report["academic_year"]
    rows = []

    def row(measure, year_group, summary):
        not_meeting = summary.get("not_meeting")
        rows.append(
            {
                **base,
                "measure": measure,
                "year_group": year_group,
                **{k: summary.get(k) for k in ("pupils", "meeting", "share")},
                "disadvantaged_gap": summary.get("disadvantaged_gap"),
                "send_gap": summary.get("send_gap"),
                "not_meeting": ";".join(p["reference"] for p in not_meeting)
                if not_meeting is not None
                else "",
            }
        )

    for benchmark in report["benchmarks"]:
        for year_group in benchmark["year_groups"]:
            row(f"BM{benchmark['benchmark']}", year_group["year_group"], year_group)
        row(f"BM{benchmark['benchmark']}", "all", benchmark["total"])
    for phase in report["provider_access"]:
        row(f"provider_access_{phase['phase']}", phase["phase"], phase)
    row("careers_strategy_on_track", "all", report["careers_strategy"])
    for year_group in report["work_experience"]["year_groups"]:
        row("work_experience_10_days", year_group["year_group"], year_group)
    row("work_experience_10_days", "all", report["work_experience"])
    return rows


# A benchmark fewer than this share of a school's pupils meet is one of its weakest.
WEAK_SHARE = 0.5


class SchoolGaps(NamedTuple):
    priority: float  # 0-1, see `school_gaps`
    weakest: frozenset[int]  # of Benchmarks 5-8; empty for a school with no pupil records


def school_gaps(session: Session, schools: list[School], start: int) -> dict[uuid.UUID, SchoolGaps]:
    """Each school's priority and weakest benchmarks in the school year `start`, from one
    batch of reports.

    Priority, 0-1: weak coverage of Benchmarks 5-8 counts most, then the gap for
    disadvantaged pupils, then how many of its pupils are disadvantaged; a school with no
    pupil records counts as uncovered. Weakest: the benchmarks met by fewer than WEAK_SHARE
    of its pupils or, when it meets them all that well, the ones with the lowest share.
    """
    reports = _reports(session, schools, start, with_pupils=False)
    return {
        school.id: SchoolGaps(_priority(reports[school.id], school), _weakest(reports[school.id]))
        for school in schools
    }


def _priority(report: dict, school: School) -> float:
    totals = [b["total"] for b in report["benchmarks"]]
    shares = [t["share"] for t in totals if t["share"] is not None]
    coverage_gap = 1 - sum(shares) / len(shares) if shares else 1.0
    gaps = [max(0.0, t["disadvantaged_gap"]) for t in totals if t["disadvantaged_gap"] is not None]
    equity_gap = min(1.0, 2 * sum(gaps) / len(gaps)) if gaps else 0.0
    if report["pupils"]:
        disadvantaged = report["disadvantaged_pupils"] / report["pupils"]
    else:
        disadvantaged = (school.percentage_fsm or 0) / 100
    priority = 0.6 * coverage_gap + 0.2 * equity_gap + 0.2 * disadvantaged
    return round(min(1.0, max(0.0, priority)), 4)


def _weakest(report: dict) -> frozenset[int]:
    shares = {
        b["benchmark"]: b["total"]["share"]
        for b in report["benchmarks"]
        if b["total"]["share"] is not None
    }
    if not shares:
        return frozenset()
    weak = {benchmark for benchmark, share in shares.items() if share < WEAK_SHARE}
    lowest = min(shares.values())
    return frozenset(weak or {b for b, share in shares.items() if share == lowest})
