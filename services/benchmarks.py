"""Benchmark reports: per school and school year, the share of each year group meeting
Gatsby Benchmarks 5-8, the gaps for disadvantaged and SEND pupils, and the overlays with
hard numbers (Provider Access, the Careers Strategy's seven, the ten-day work-experience
guarantee, the variety of employers met).

Counting rules (DOMAIN.md), for the school year `A` and a pupil in year group `yg` then;
only named attendance counts, by the year group on the day, and "so far" is up to the end
of `A` (31 August):
- BM5: at least one meaningful Benchmark 5 encounter attended during `A`; at a college,
  at least two. A college is a school of GIAS's "Colleges" group (establishment type
  "Further education" or "Sixth form centres"); 16-19 academies and free schools follow
  the schools' rule, as in the statutory guidance.
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
- Work-experience guarantee (10 days "across Key Stages 3 and 4"): the days of every
  work experience attended in Y7-Y11 (days are the guarantee's own measure, not the
  checklist's), added up so far, for every pupil in Y7-Y11 by year group; Y11's share is
  the end-of-Key-Stage-4 answer.

The arithmetic runs in SQL, one row per pupil (a few thousand for a school); Python only
adds those rows up by year group.
"""

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from models.encounters import Attendance, Encounter
from models.organisations import Hub, ProviderType, School
from models.pupils import Pupil
from services import audit, school_years
from services.access import Caller, ensure_pupils_of, get_visible, hub_school_ids
from services.errors import Forbidden, NotFound

BENCHMARK_TITLES = {
    5: "Encounters with employers",
    6: "Experiences of workplaces",
    7: "Encounters with further and higher education",
    8: "Personal guidance",
}
YEAR_GROUPS = range(7, 14)
PROVIDER_TYPES = len(ProviderType)
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
        for pupil_id in sorted(listed):
            audit.record(session, action="pupil.read", object_type="pupil", object_id=pupil_id)
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


def school_priority(session: Session, school_id: uuid.UUID, academic_year: str | int) -> float:
    """0-1: how much the matching engine should favour this school. Weak coverage of
    Benchmarks 5-8 counts most, then the gap for disadvantaged pupils, then how many of
    its pupils are disadvantaged. A school with no pupil records counts as uncovered."""
    school = session.get(School, school_id)
    if school is None:
        raise NotFound("No such school.")
    start = academic_year if isinstance(academic_year, int) else school_years.parse(academic_year)
    report = _reports(session, [school], start, with_pupils=False)[school.id]
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


def _sum_if(*conditions):
    """How many attendance rows match: `count(*) FILTER (WHERE …)` (SQLite 3.30+ and
    PostgreSQL), about twice as fast as SUM(CASE …) over 100,000 rows."""
    return func.count().filter(and_(*conditions))


def _pupil_rows(session: Session, school_ids: list[uuid.UUID], start: int):
    """One row per pupil on roll in the school year: flags and the counts the rules need."""
    first, last = school_years.bounds(start)
    e, a = Encounter, Attendance
    m = e.meaningful
    lower, upper = a.year_group <= 11, a.year_group >= 12
    per_pupil = (
        select(
            a.pupil_id.label("pupil_id"),
            _sum_if(e.benchmark == 5, m, e.occurred_on >= first).label("bm5_year"),
            _sum_if(e.benchmark == 5, m).label("bm5_total"),
            _sum_if(e.benchmark == 6, m, lower).label("bm6_lower"),
            _sum_if(e.benchmark == 6, m, upper).label("bm6_upper"),
            # One sum per provider type (a DISTINCT count would force a sort per pupil).
            *(
                _sum_if(e.benchmark == 7, m, lower, e.provider_type == kind).label(f"bm7_{kind}")
                for kind in ProviderType
            ),
            _sum_if(e.benchmark == 7, m, upper, e.provider_type == ProviderType.UNIVERSITY).label(
                "he_visits"
            ),
            _sum_if(e.benchmark == 8, m, lower).label("bm8_lower"),
            _sum_if(e.benchmark == 8, m, upper).label("bm8_upper"),
            *(
                _sum_if(e.provider_access, m, a.year_group.in_(phase)).label(f"pa_{phase[0]}")
                for phase in PROVIDER_ACCESS_PHASES
            ),
            func.coalesce(func.sum(e.work_experience_days).filter(lower), 0).label("we_days"),
        )
        .join(e, e.id == a.encounter_id)
        .where(e.school_id.in_(school_ids), e.occurred_on <= last)
        .group_by(a.pupil_id)
        .subquery()
    )
    year_group = (Pupil.year_group - (Pupil.roll_year - start)).label("yg")
    counts = [c for c in per_pupil.c if c.name != "pupil_id"]
    return session.execute(
        select(
            Pupil.id,
            Pupil.school_id,
            Pupil.reference,
            year_group,
            Pupil.disadvantaged,
            Pupil.send,
            Pupil.considering_higher_education,
            *(func.coalesce(c, 0).label(c.name) for c in counts),
        )
        .outerjoin(per_pupil, per_pupil.c.pupil_id == Pupil.id)
        .where(
            Pupil.school_id.in_(school_ids),
            (Pupil.year_group - (Pupil.roll_year - start)).between(7, 13),
            or_(Pupil.left_on.is_(None), Pupil.left_on >= first),
        )
    ).all()


def meets(
    year_group: int, considering_he: bool, counts: tuple, *, college: bool = False
) -> tuple[bool, ...]:
    """Benchmarks 5, 6, 7 and 8 met, from one pupil's counts (in `_pupil_rows` order)."""
    bm5_year, _, bm6_lower, bm6_upper, *bm7_types, he_visits, bm8_lower, bm8_upper = counts[:11]
    bm5 = bm5_year >= EMPLOYER_ENCOUNTERS_A_YEAR[college]
    if year_group <= 11:
        return (
            bm5,
            bm6_lower >= 2,
            sum(n > 0 for n in bm7_types) >= PROVIDER_TYPES,
            bm8_lower >= 1,
        )
    full_range = sum(n > 0 for n in bm7_types) >= PROVIDER_TYPES
    return (
        bm5,
        bm6_upper >= 1,
        he_visits >= 2 if considering_he else full_range,
        bm8_upper >= 1,
    )


def _reports(
    session: Session, schools: list[School], start: int, *, with_pupils: bool
) -> dict[uuid.UUID, dict]:
    ids = [s.id for s in schools]
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
    # Pupils are counted into (school, measure, key, disadvantaged, SEND, met) cells first:
    # a handful of dictionary increments per pupil, then one Tally update per cell.
    cells: Counter = Counter()
    phase_of = {yg: phase for phase in PROVIDER_ACCESS_PHASES for yg in phase}
    phase_index = {phase: i for i, phase in enumerate(PROVIDER_ACCESS_PHASES)}
    for row in _pupil_rows(session, ids, start) if ids else []:
        pupil_id, school_id, reference, yg, dis, send, he, *counts = row
        t = tallies[school_id]
        t["disadvantaged"] += dis
        met_each = meets(yg, he, counts, college=t["college"])
        for benchmark, met in zip(BENCHMARK_TITLES, met_each, strict=True):
            cells[(school_id, benchmark, yg, dis, send, met)] += 1
            if with_pupils and not met:
                t["benchmarks"][benchmark][yg].not_meeting.append((reference, pupil_id))
                t["benchmarks"][benchmark]["all"].not_meeting.append((reference, pupil_id))
        bm5_total, we_days = counts[1], counts[-1]
        phase = phase_of.get(yg)
        if phase is not None:
            done = counts[11 + phase_index[phase]] >= PROVIDER_ACCESS_REQUIRED
            cells[(school_id, "phase", phase, dis, send, done)] += 1
        if yg in WORK_EXPERIENCE_YEARS:
            t["we_days"][0] += we_days
            t["we_days"][1] += 1
            cells[(school_id, "work", yg, dis, send, we_days >= WORK_EXPERIENCE_DAYS)] += 1
        cells[(school_id, "strategy", yg, dis, send, bm5_total >= yg - 6)] += 1
        t["employer_encounters"] += bm5_total
    for (school_id, measure, key, dis, send, met), pupils in cells.items():
        t = tallies[school_id]
        if measure == "phase":
            t["phases"][key].add(met, dis, send, pupils)
        elif measure == "work":
            t["work_experience"][key].add(met, dis, send, pupils)
            t["work_experience"]["all"].add(met, dis, send, pupils)
        elif measure == "strategy":
            t["strategy"].add(met, dis, send, pupils)
        else:
            t["benchmarks"][measure][key].add(met, dis, send, pupils)
            t["benchmarks"][measure]["all"].add(met, dis, send, pupils)
    held = _provider_access_held(session, ids, start)
    variety = _variety(session, ids, start)
    reports = {}
    for school in schools:
        t = tallies[school.id]
        pupils = t["strategy"].pupils
        reports[school.id] = {
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
                    "encounters_held": held[school.id][phase],
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
            "variety": variety[school.id],
        }
    return reports


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
