"""Leavers' destinations (Benchmark 3): recorded at leaving, followed up for three years,
by hand or by CSV import from the MIS; the summary by route, with the gaps for
disadvantaged and SEND pupils.

Leavers are pupils' data: their own school's staff only (anyone else: 404). The summary
holds numbers only, for the school, its hub's coordinators and admins. A *positive*
destination is education, an apprenticeship or employment; a gap is the other pupils'
positive share minus the group's (share points; negative when the group is ahead).
"""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.destinations import STAGES, SUSTAINED, DestinationRecord, Leaver, Route
from models.organisations import School
from models.pupils import Pupil
from services import outbox, school_years
from services.access import ensure_pupils_of, get_visible, may_read_school_numbers
from services.benchmarks import gap, share
from services.callers import Caller
from services.errors import Conflict, InvalidInput, NotFound
from services.evaluations import follow_up_due_from
from services.imports import FALSE_WORDS, TRUE_WORDS, ImportResult
from services.pagination import Listing, Page

CSV_COLUMNS = (
    "reference",
    "leaving_year",
    "year_group",
    "disadvantaged",
    "send",
    "stage",
    "route",
    "education_level",
    "recorded_on",
)


LEAVERS = Listing(
    Leaver,
    equal=("school_id",),
    conditions={"leaving_year": lambda year: Leaver.leaving_year == school_years.parse(year)},
    order=(Leaver.leaving_year.desc(), Leaver.reference, Leaver.id),
)


def list_(
    session: Session, caller: Caller, *, school_id: uuid.UUID, page: int, page_size: int, **filters
) -> Page:
    """The school's leavers, the latest to leave first (filters: LEAVERS)."""
    ensure_pupils_of(caller, school_id)
    return LEAVERS.page(
        session, caller, page=page, page_size=page_size, school_id=school_id, **filters
    )


def get(session: Session, caller: Caller, *, school_id: uuid.UUID, leaver_id: uuid.UUID) -> Leaver:
    ensure_pupils_of(caller, school_id)
    leaver = session.get(Leaver, leaver_id)
    if leaver is None or leaver.school_id != school_id:
        raise NotFound("No such leaver.")
    return leaver


def create(
    session: Session,
    caller: Caller,
    *,
    school_id: uuid.UUID,
    reference: str,
    leaving_year: str,
    year_group: int | None = None,
    disadvantaged: bool | None = None,
    send: bool | None = None,
    destination: dict,
    today: date | None = None,
) -> Leaver:
    """A leaver with the destination at leaving; flags and year group default to the
    pupil's record when the school still holds it."""
    ensure_pupils_of(caller, school_id)
    start = school_years.parse(leaving_year)
    if _find(session, school_id, reference, start) is not None:
        raise Conflict(f"{reference} is already recorded as leaving in {leaving_year}.")
    pupil = session.scalar(
        select(Pupil).where(Pupil.school_id == school_id, Pupil.reference == reference)
    )
    if year_group is None:
        if pupil is None:
            raise InvalidInput(
                "Give the year group the pupil left from.",
                errors={"year_group": ["No pupil with this reference: give it."]},
            )
        year_group = school_years.year_group_in(pupil, start)
    leaver = Leaver(
        school_id=school_id,
        reference=reference,
        leaving_year=start,
        year_group=year_group,
        disadvantaged=pupil.disadvantaged
        if disadvantaged is None and pupil
        else bool(disadvantaged),
        send=pupil.send if send is None and pupil else bool(send),
    )
    _check_year_group(year_group)
    session.add(leaver)
    _set_record(leaver, 0, today=today, **destination)
    session.flush()
    _publish(session, leaver, 0)
    return leaver


def record(
    session: Session,
    caller: Caller,
    *,
    school_id: uuid.UUID,
    leaver_id: uuid.UUID,
    stage: int,
    route: Route,
    education_level: int | None = None,
    recorded_on: date | None = None,
    today: date | None = None,
) -> Leaver:
    """Record (or correct) the destination at `stage`: 0 at leaving, 1-3 the follow-ups."""
    leaver = get(session, caller, school_id=school_id, leaver_id=leaver_id)
    _set_record(
        leaver,
        stage,
        route=route,
        education_level=education_level,
        recorded_on=recorded_on,
        today=today,
    )
    session.flush()
    _publish(session, leaver, stage)
    return leaver


def _set_record(
    leaver: Leaver,
    stage: int,
    *,
    route: Route,
    education_level: int | None = None,
    recorded_on: date | None = None,
    today: date | None = None,
) -> None:
    today = today or school_years.london_today()
    errors = _record_errors(leaver.leaving_year, stage, route, education_level, recorded_on, today)
    if errors:
        raise InvalidInput("The destination has invalid fields; see `errors`.", errors=errors)
    existing = next((r for r in leaver.records if r.stage == stage), None)
    if existing is None:
        existing = DestinationRecord(stage=stage)
        leaver.records.append(existing)
    existing.route, existing.education_level = route, education_level
    existing.recorded_on = recorded_on or today


def _record_errors(
    leaving_year: int,
    stage: int,
    route: Route,
    education_level: int | None,
    recorded_on: date | None,
    today: date,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if stage not in STAGES:
        errors["stage"] = ["0 at leaving, 1-3 the follow-ups."]
    elif stage and follow_up_due_from(leaving_year, stage) > today:
        due = follow_up_due_from(leaving_year, stage).isoformat()
        errors["stage"] = [f"Follow-up {stage} can be recorded from {due}."]
    if (route is Route.EDUCATION) != (education_level is not None):
        errors["education_level"] = ["Give the RQF level (1-8) for education, and only then."]
    elif education_level is not None and not 1 <= education_level <= 8:
        errors["education_level"] = ["RQF levels are 1-8."]
    if recorded_on and recorded_on > today:
        errors["recorded_on"] = ["Not in the future."]
    return errors


def _check_year_group(year_group: int) -> None:
    if not 7 <= year_group <= 13:
        raise InvalidInput(
            "Year groups are 7-13.", errors={"year_group": ["Year groups are 7-13."]}
        )


def _find(session: Session, school_id: uuid.UUID, reference: str, start: int) -> Leaver | None:
    return session.scalar(
        select(Leaver).where(
            Leaver.school_id == school_id,
            Leaver.reference == reference,
            Leaver.leaving_year == start,
        )
    )


def import_csv(
    session: Session,
    caller: Caller,
    school_id: uuid.UUID,
    header: list[str],
    rows: list[tuple[int, dict[str, str]]],
    *,
    today: date | None = None,
) -> ImportResult:
    """One destination per row (a leaver's first row creates them); all or nothing."""
    ensure_pupils_of(caller, school_id)
    missing = [c for c in ("reference", "leaving_year", "stage", "route") if c not in header]
    if missing:
        raise InvalidInput(
            "The CSV file lacks columns.", errors={"1": {"_file": [f"Missing: {missing}"]}}
        )
    today = today or school_years.london_today()
    result, parsed_rows, seen = ImportResult(rows=len(rows)), [], set()
    for line, cells in rows:
        try:
            parsed = _parse_row(cells)
        except InvalidInput as error:
            result.errors[line] = error.errors or {"_row": [error.detail]}
            continue
        errors = _record_errors(
            parsed["leaving_year"], parsed["stage"], today=today, **parsed["destination"]
        )
        key = (parsed["reference"], parsed["leaving_year"])
        if key not in seen and parsed["year_group"] is None:
            if _find(session, school_id, *key) is None:
                errors["year_group"] = ["Required for a new leaver."]
        seen.add(key)
        if errors:
            result.errors[line] = errors
        parsed_rows.append(parsed)
    if result.errors:
        return result
    for parsed in parsed_rows:
        leaver, created = _leaver_for(session, school_id, parsed)
        _set_record(leaver, parsed["stage"], today=today, **parsed["destination"])
        session.flush()
        result.created += created
        result.updated += not created
    outbox.publish(
        session,
        "destination.recorded",
        session.get(School, school_id),
        {"school_id": str(school_id), "imported": result.rows},
    )
    result.written = True
    return result


def _parse_row(cells: dict[str, str]) -> dict:
    errors: dict[str, list[str]] = {}

    def integer(name: str, required: bool = True) -> int | None:
        value = cells.get(name, "")
        if not value:
            if required:
                errors[name] = ["Required."]
            return None
        if not value.isdigit():
            errors[name] = ["Not a whole number."]
            return None
        return int(value)

    def flag(name: str) -> bool:
        value = cells.get(name, "").casefold()
        if value not in TRUE_WORDS | FALSE_WORDS:
            errors[name] = ["Use 1 or 0."]
        return value in TRUE_WORDS

    try:
        start = school_years.parse(cells.get("leaving_year", ""))
    except InvalidInput as error:
        start, errors["leaving_year"] = None, error.errors["academic_year"]
    try:
        route = Route(cells.get("route", "").casefold())
    except ValueError:
        route, errors["route"] = None, ["One of: " + ", ".join(r.value for r in Route)]
    recorded_on = None
    if cells.get("recorded_on"):
        try:
            recorded_on = date.fromisoformat(cells["recorded_on"])
        except ValueError:
            errors["recorded_on"] = ["Use YYYY-MM-DD."]
    parsed = {
        "reference": cells.get("reference", ""),
        "leaving_year": start,
        "year_group": integer("year_group", required=False),
        "disadvantaged": flag("disadvantaged"),
        "send": flag("send"),
        "stage": integer("stage"),
        "destination": {
            "route": route,
            "education_level": integer("education_level", required=False),
            "recorded_on": recorded_on,
        },
    }
    if parsed["year_group"] is not None and not 7 <= parsed["year_group"] <= 13:
        errors["year_group"] = ["Between 7 and 13."]
    if not parsed["reference"] or len(parsed["reference"]) > 50:
        errors["reference"] = ["1-50 characters."]
    if errors:
        raise InvalidInput("Invalid row.", errors=errors)
    return parsed


def _leaver_for(session: Session, school_id: uuid.UUID, parsed: dict) -> tuple[Leaver, bool]:
    leaver = _find(session, school_id, parsed["reference"], parsed["leaving_year"])
    if leaver is not None:
        return leaver, False
    leaver = Leaver(
        school_id=school_id,
        reference=parsed["reference"],
        leaving_year=parsed["leaving_year"],
        year_group=parsed["year_group"],
        disadvantaged=parsed["disadvantaged"],
        send=parsed["send"],
        records=[],
    )
    session.add(leaver)
    return leaver, True


def summary(session: Session, caller: Caller, *, school_id: uuid.UUID, leaving_year: str) -> dict:
    school = get_visible(session, caller, School, school_id)
    if not may_read_school_numbers(session, caller, school):
        raise NotFound("No such destinations summary.")
    return school_summary(session, school, school_years.parse(leaving_year))


def school_summary(session: Session, school: School, start: int) -> dict:
    """The summary for leavers of the school year `start` (callers check access first)."""
    rows = session.execute(
        select(
            Leaver.id,
            Leaver.disadvantaged,
            Leaver.send,
            DestinationRecord.stage,
            DestinationRecord.route,
            DestinationRecord.education_level,
        )
        .outerjoin(DestinationRecord, DestinationRecord.leaver_id == Leaver.id)
        .where(Leaver.school_id == school.id, Leaver.leaving_year == start)
    ).all()
    return {
        "school_id": school.id,
        "leaving_year": school_years.label(start),
        "leavers": len({row.id for row in rows}),
        "stages": [
            _stage_summary([r for r in rows if r.stage == stage], stage) for stage in STAGES
        ],
    }


def _stage_summary(rows, stage: int) -> dict:
    """`rows`: one per leaver with a destination recorded at `stage`."""
    routes = {route.value: 0 for route in Route}
    levels: dict[str, int] = {}
    groups = {"disadvantaged": [0, 0], "other": [0, 0], "send": [0, 0], "not_send": [0, 0]}
    for row in rows:
        routes[row.route.value] += 1
        if row.education_level is not None:
            key = str(row.education_level)
            levels[key] = levels.get(key, 0) + 1
        positive = row.route in SUSTAINED
        for name in (
            "disadvantaged" if row.disadvantaged else "other",
            "send" if row.send else "not_send",
        ):
            groups[name][0] += 1
            groups[name][1] += positive
    positive_total = sum(routes[r.value] for r in SUSTAINED)
    return {
        "stage": stage,
        "recorded": len(rows),
        "routes": routes,
        "education_levels": dict(sorted(levels.items())),
        "positive_share": share(positive_total, len(rows)),
        "disadvantaged_positive_share": share(*reversed(groups["disadvantaged"])),
        "disadvantaged_gap": gap(groups["other"], groups["disadvantaged"]),
        "send_positive_share": share(*reversed(groups["send"])),
        "send_gap": gap(groups["not_send"], groups["send"]),
    }


def _publish(session: Session, leaver: Leaver, stage: int) -> None:
    outbox.publish(
        session,
        "destination.recorded",
        leaver,
        {"leaver_id": str(leaver.id), "school_id": str(leaver.school_id), "stage": stage},
    )
