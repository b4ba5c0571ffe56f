"""Pupil records: only their own school sees them, and every read is audited."""

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.encounters import Attendance, Encounter, EncounterSource
from models.pupils import Pupil, school_year_start
from models.volunteers import SIC_SECTIONS
from services import audit, encounters, school_years
from services.access import ensure_pupils_of, get_authorized, get_visible
from services.callers import Action, Caller
from services.errors import Conflict, InvalidInput
from services.imports import FALSE_WORDS, TRUE_WORDS
from services.pagination import Listing, Page

EDITABLE = ("reference", "year_group", "disadvantaged", "send", "considering_higher_education")


PUPILS = Listing(Pupil, equal=("school_id", "year_group"), order=(Pupil.reference, Pupil.id))


def list_(
    session: Session, caller: Caller, school_id: uuid.UUID, *, page: int, page_size: int, **filters
) -> Page:
    """The school's pupils by reference (filters: PUPILS); each read is audited."""
    ensure_pupils_of(caller, school_id)
    result = PUPILS.page(
        session, caller, page=page, page_size=page_size, school_id=school_id, **filters
    )
    for pupil in result.items:
        _audit_read(session, pupil)
    return result


def get(session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID) -> Pupil:
    ensure_pupils_of(caller, school_id)
    pupil = get_visible(session, caller, Pupil, pupil_id)
    _audit_read(session, pupil)
    return pupil


def create(session: Session, caller: Caller, school_id: uuid.UUID, **fields) -> Pupil:
    ensure_pupils_of(caller, school_id)
    _ensure_reference_free(session, school_id, fields["reference"])
    pupil = Pupil(school_id=school_id, **{k: v for k, v in fields.items() if k in EDITABLE})
    session.add(pupil)
    session.flush()
    return pupil


def update(
    session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID, changes: dict
) -> Pupil:
    pupil = _own_pupil(session, caller, school_id, pupil_id)
    if "reference" in changes and changes["reference"] != pupil.reference:
        _ensure_reference_free(session, school_id, changes["reference"])
    for name in EDITABLE:
        if name in changes:
            setattr(pupil, name, changes[name])
    session.flush()
    return pupil


def erase_pupil(
    session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID
) -> None:
    """Erase the pupil and every trace of them: attendance, reflections, and encounters
    that came with a transfer and were theirs alone."""
    pupil = _own_pupil(session, caller, school_id, pupil_id)
    touched = encounters.delete_attendance_of(session, pupil.id)
    for encounter in session.scalars(select(Encounter).where(Encounter.id.in_(touched))):
        if encounter.source is EncounterSource.TRANSFER and not encounters.attendance_count(
            session, encounter.id
        ):
            encounters.delete_transferred(session, encounter)
        else:
            encounters.refresh_meaningful(session, encounter)
    session.delete(pupil)
    session.flush()


def _own_pupil(
    session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID
) -> Pupil:
    ensure_pupils_of(caller, school_id)
    return get_authorized(session, caller, Action.UPDATE, Pupil, pupil_id)


def _ensure_reference_free(session: Session, school_id: uuid.UUID, reference: str) -> None:
    taken = session.scalar(
        select(Pupil.id).where(Pupil.school_id == school_id, Pupil.reference == reference)
    )
    if taken:
        raise Conflict(f"The school already has a pupil with reference '{reference}'.")


def _audit_read(session: Session, pupil: Pupil) -> None:
    audit.record(session, action="pupil.read", object_type="pupil", object_ids=[pupil.id])


# --- MIS import, roll-over, the pupil's record (export, transfer-in) and erasure ---------

MIS_COLUMNS = ("reference", "year_group")
MIS_FLAGS = ("disadvantaged", "send", "considering_higher_education")
RECORD_FORMAT = "engage.pupil-record/1"
# An import may mark this many pupils as left unasked, or this share of those on roll:
# past both, the caller must confirm (an incomplete export would empty the roll).
LEAVERS_WITHOUT_CONFIRMATION = 5
LEAVER_SHARE_WITHOUT_CONFIRMATION = 0.1


@dataclass
class MisImportResult:
    """What an MIS import found: every error by line, and (when written) what changed."""

    rows: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    unchanged: int = 0
    written: bool = False
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)


def import_mis(
    session: Session,
    caller: Caller,
    school_id: uuid.UUID,
    header: list[str],
    rows: list[tuple[int, dict[str, str]]],
    *,
    left_on: date | None = None,
    confirm_leavers: bool = False,
) -> MisImportResult:
    """Bring the school's pupils in line with an MIS export: pupils in the file are added
    or changed, pupils on roll but missing from it have left. All rows are checked first;
    one bad row means nothing is written. A file with no pupils is refused, and so is one
    that would mark many as left unless the caller confirms it (`confirm_leavers`)."""
    ensure_pupils_of(caller, school_id)
    missing = [column for column in MIS_COLUMNS if column not in header]
    if missing:
        raise InvalidInput(
            "The CSV header lacks required columns.",
            errors={"1": {column: ["Missing column."] for column in missing}},
        )
    if not rows:
        raise InvalidInput(
            "The CSV file lists no pupils; nothing was written.",
            errors={"2": {"_file": ["No data rows: an MIS export lists every pupil on roll."]}},
        )
    result = MisImportResult(rows=len(rows))
    parsed = _parse_mis_rows(rows, result)
    if result.errors:
        return result
    existing = {
        p.reference: p for p in session.scalars(select(Pupil).where(Pupil.school_id == school_id))
    }
    if not confirm_leavers:
        _check_leavers(existing, parsed)
    _apply_mis(session, school_id, existing, parsed, result)
    for reference, pupil in existing.items():
        if reference not in parsed and pupil.left_on is None:
            pupil.left_on = left_on or school_years.london_today()
            result.left.append(reference)
    session.flush()
    result.added.sort()
    result.changed.sort()
    result.left.sort()
    result.written = True
    return result


def _parse_mis_rows(rows, result: MisImportResult) -> dict[str, dict]:
    """The rows' values by pupil reference; each bad row's errors go in `result`."""
    parsed: dict[str, dict] = {}
    for line, cells in rows:
        values, errors = _parse_mis_row(cells)
        if values and values["reference"] in parsed:
            errors["reference"] = ["Listed twice in the file."]
        if errors:
            result.errors[line] = errors
        else:
            parsed[values["reference"]] = values
    return parsed


def _apply_mis(session, school_id, existing, parsed, result: MisImportResult) -> None:
    """Add the file's new pupils and bring those on roll up to date (back on roll this year)."""
    this_year = school_year_start(school_years.london_today())
    for reference, values in parsed.items():
        pupil = existing.get(reference)
        if pupil is None:
            session.add(Pupil(school_id=school_id, roll_year=this_year, **values))
            result.added.append(reference)
            continue
        changes = {k: v for k, v in values.items() if getattr(pupil, k) != v}
        if pupil.roll_year != this_year:
            changes["roll_year"] = this_year
        if pupil.left_on is not None:
            changes["left_on"] = None
        for name, value in changes.items():
            setattr(pupil, name, value)
        if changes:
            result.changed.append(reference)
        else:
            result.unchanged += 1


def _check_leavers(existing: dict[str, Pupil], parsed: dict[str, dict]) -> None:
    on_roll = [p for p in existing.values() if p.left_on is None]
    leaving = sum(1 for p in on_roll if p.reference not in parsed)
    limit = max(LEAVERS_WITHOUT_CONFIRMATION, LEAVER_SHARE_WITHOUT_CONFIRMATION * len(on_roll))
    if leaving > limit:
        raise InvalidInput(
            f"This file would mark {leaving} of the {len(on_roll)} pupils on roll as left; "
            "nothing was written. Check the export is complete, or send it again with "
            "confirm_leavers=true.",
            errors={"confirm_leavers": [f"Confirm that {leaving} pupils have left."]},
        )


def _parse_mis_row(cells: dict[str, str]) -> tuple[dict | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    reference = cells.get("reference", "")
    if not 1 <= len(reference) <= 50:
        errors["reference"] = ["Give the school's own pupil reference (1-50 characters)."]
    year_text = cells.get("year_group", "").upper().removeprefix("Y")
    year_group = int(year_text) if year_text.isdigit() and len(year_text) <= 2 else None
    if year_group is None or not 7 <= year_group <= 13:
        errors["year_group"] = ["A year group from 7 to 13."]
    values = {"reference": reference, "year_group": year_group}
    for flag in MIS_FLAGS:
        word = cells.get(flag, "").lower()
        if word in TRUE_WORDS:
            values[flag] = True
        elif word in FALSE_WORDS:
            values[flag] = False
        else:
            errors[flag] = ["Yes or no (1/0, true/false, Y/N)."]
    return (None if errors else values), errors


@dataclass
class RollOverResult:
    academic_year: str
    moved: int = 0
    left: int = 0


def roll_over(
    session: Session, caller: Caller, school_id: uuid.UUID, *, academic_year: str
) -> RollOverResult:
    """Move the school's pupils up into `academic_year` (idempotent)."""
    ensure_pupils_of(caller, school_id)
    return roll_over_schools(session, academic_year=academic_year, school_id=school_id)


def roll_over_schools(
    session: Session, *, academic_year: str, school_id: uuid.UUID | None = None
) -> RollOverResult:
    """Year-end roll-over (the operator's command runs it for every school): each pupil
    on roll moves up a year group per school year passed; those past Y13 leave on the 31
    August after their Y13. Running it twice for the same year changes nothing."""
    target = school_years.parse(academic_year)
    result = RollOverResult(academic_year=school_years.label(target))
    query = select(Pupil).where(Pupil.left_on.is_(None), Pupil.roll_year < target)
    if school_id is not None:
        query = query.where(Pupil.school_id == school_id)
    for pupil in session.scalars(query.order_by(Pupil.id)):
        steps = target - pupil.roll_year
        if pupil.year_group + steps <= 13:
            pupil.year_group += steps
            pupil.roll_year = target
            result.moved += 1
        else:
            last_year = pupil.roll_year + (13 - pupil.year_group)  # their Y13
            pupil.roll_year, pupil.year_group = last_year, 13
            pupil.left_on = school_years.bounds(last_year)[1]
            result.left += 1
    session.flush()
    return result


def export_record(
    session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID
) -> dict:
    """The pupil's whole record (Benchmark 3), for the pupil or for a new school."""
    pupil = get(session, caller, school_id, pupil_id)
    rows = session.execute(
        select(Encounter, Attendance)
        .join(Attendance, Attendance.encounter_id == Encounter.id)
        .where(Attendance.pupil_id == pupil.id)
        .order_by(Encounter.occurred_on, Encounter.id)
    ).all()
    encounters_out = []
    for encounter, attendance in rows:
        encounters_out.append(
            {
                "occurred_on": encounter.occurred_on,
                "academic_year": school_years.label(school_year_start(encounter.occurred_on)),
                "year_group": attendance.year_group,
                "title": encounter.title,
                "activity_type": encounter.activity_type,
                "benchmark": encounter.benchmark,
                "mode": encounter.mode,
                "partner_name": encounter.partner_name,
                "employer_size": encounter.employer_size,
                "employer_sector": encounter.employer_sector,
                "provider_type": encounter.provider_type,
                "provider_access": encounter.provider_access,
                "work_experience_days": encounter.work_experience_days,
                "checklist_version": encounter.checklist_version,
                "checklist": encounters.answers_of(session, encounter),
                "meaningful": encounter.meaningful,
                "reflection": attendance.reflection,
            }
        )
    return {
        "format": RECORD_FORMAT,
        "pupil": {
            "reference": pupil.reference,
            "year_group": pupil.year_group,
            "academic_year": school_years.label(pupil.roll_year),
            "disadvantaged": pupil.disadvantaged,
            "send": pupil.send,
            "considering_higher_education": pupil.considering_higher_education,
            "left_on": pupil.left_on,
        },
        "encounters": encounters_out,
    }


def _check_transferred(items: list[dict]) -> None:
    """A transferred encounter holds what a live one may: its sector is a SIC section."""
    errors = {
        f"record.encounters.{n}.employer_sector": ["Not a UK SIC 2007 section."]
        for n, item in enumerate(items)
        if item.get("employer_sector") is not None and item["employer_sector"] not in SIC_SECTIONS
    }
    if errors:
        raise InvalidInput("The record holds values Engage does not accept.", errors=errors)


def import_transfer(
    session: Session,
    caller: Caller,
    school_id: uuid.UUID,
    *,
    reference: str,
    year_group: int,
    record: dict,
) -> Pupil:
    """A pupil joining from another school, with the record that school exported: the
    encounters come in as this school's (source `transfer`), attended by this pupil only,
    with their checklist answers, so reports count them as the old school did."""
    _check_transferred(record.get("encounters", []))
    pupil_data = record["pupil"]
    pupil = create(
        session,
        caller,
        school_id,
        reference=reference,
        year_group=year_group,
        disadvantaged=pupil_data.get("disadvantaged", False),
        send=pupil_data.get("send", False),
        considering_higher_education=pupil_data.get("considering_higher_education", False),
    )
    for item in record.get("encounters", []):
        encounter = Encounter(
            school_id=school_id,
            source=EncounterSource.TRANSFER,
            title=item["title"],
            activity_type=item["activity_type"],
            benchmark=item["benchmark"],
            occurred_on=item["occurred_on"],
            mode=item["mode"],
            partner_name=item.get("partner_name"),
            employer_size=item.get("employer_size"),
            employer_sector=item.get("employer_sector"),
            provider_type=item.get("provider_type"),
            provider_access=item.get("provider_access", False),
            year_groups=[item["year_group"]],
            head_counts={},
            work_experience_days=item.get("work_experience_days", 0),
            checklist_version=item["checklist_version"],
            meaningful=False,
        )
        session.add(encounter)
        session.flush()
        session.add(
            Attendance(
                encounter_id=encounter.id,
                pupil_id=pupil.id,
                year_group=item["year_group"],
                reflection=item.get("reflection"),
            )
        )
        session.flush()
        encounters.record_answers(session, encounter, item.get("checklist", {}))
        encounters.refresh_meaningful(session, encounter)
    return pupil
