"""The school directory: search by name, codes and place; profiles kept by the school's staff;
bulk import from a GIAS extract."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.organisations import School
from services.access import Action, Caller, authorize, get_visible
from services.errors import Forbidden, InvalidInput
from services.geo import geocode
from services.imports import ImportResult
from services.pagination import Page, paginate
from services.reference_data import school_id as urn_id
from services.search import Origin, search_near

SORTS = {
    "name": (School.name,),
    "-name": (School.name.desc(),),
    "urn": (School.urn,),
    "-pupils": (School.number_of_pupils.desc(),),
}
PROFILE_FIELDS = (
    "careers_leader_name",
    "careers_leader_email",
    "careers_leader_phone",
    "careers_programme_url",
    "provider_access_policy_url",
    "day_starts_at",
    "day_ends_at",
)


def list_(
    session: Session,
    *,
    page: int,
    page_size: int,
    name: str | None = None,
    urn: int | None = None,
    phase: str | None = None,
    establishment_type: str | None = None,
    local_authority: str | None = None,
    region: str | None = None,
    hub_id: uuid.UUID | None = None,
    near: Origin | None = None,
    sort: str | None = None,
) -> Page:
    """Schools matching every filter given; with `near`, each item is a `Near` hit."""
    conditions = []
    if name:
        conditions.append(School.name.ilike(f"%{name}%"))
    if urn is not None:
        conditions.append(School.urn == urn)
    exact = {
        School.phase: phase,
        School.establishment_type: establishment_type,
        School.local_authority: local_authority,
        School.region: region,
        School.hub_id: hub_id,
    }
    conditions += [column == value for column, value in exact.items() if value is not None]
    if near is not None:
        return _search_near(session, conditions, near, page=page, page_size=page_size, sort=sort)
    if sort == "distance":
        raise InvalidInput("Sorting by distance needs `near`.", errors={"sort": ["Give `near`."]})
    order = SORTS[sort or "name"]
    query = select(School).where(*conditions).order_by(*order, School.id)
    return paginate(session, query, page=page, page_size=page_size)


def _search_near(session, conditions, near, *, page, page_size, sort) -> Page:
    query = select(School.id, School.latitude, School.longitude, School.name, School.urn).where(
        *conditions
    )
    keys = {
        "name": lambda row, _: row.name,
        "urn": lambda row, _: row.urn,
    }
    if sort not in (None, "distance", *keys):
        raise InvalidInput(
            "Unsupported sort with `near`.", errors={"sort": ["Use distance, name or urn."]}
        )
    return search_near(
        session, School, query, near, page=page, page_size=page_size, sort_key=keys.get(sort)
    )


def get(session: Session, caller: Caller, school_id: uuid.UUID) -> School:
    return get_visible(session, caller, School, school_id)


def get_for_update(session: Session, caller: Caller, school_id: uuid.UUID) -> School:
    school = get(session, caller, school_id)
    authorize(session, caller, Action.UPDATE, school)
    return school


def update(session: Session, caller: Caller, school_id: uuid.UUID, changes: dict) -> School:
    """Change the profile the school keeps: careers leader, published URLs, day times."""
    school = get_for_update(session, caller, school_id)
    starts = changes.get("day_starts_at", school.day_starts_at)
    ends = changes.get("day_ends_at", school.day_ends_at)
    if starts is not None and ends is not None and ends <= starts:
        raise InvalidInput(
            "The school day ends before it starts.",
            errors={"day_ends_at": ["Must be after day_starts_at."]},
        )
    for name in PROFILE_FIELDS:
        if name in changes:
            setattr(school, name, changes[name])
    session.flush()
    return school


# GIAS ("Get Information about Schools") extract columns this import reads.
GIAS_COLUMNS = {
    "urn": "URN",
    "name": "EstablishmentName",
    "phase": "PhaseOfEducation (name)",
    "establishment_type": "TypeOfEstablishment (name)",
    "local_authority": "LA (name)",
    "region": "GOR (name)",
    "town": "Town",
    "postcode": "Postcode",
    "trust": "Trusts (name)",
    "statutory_low_age": "StatutoryLowAge",
    "statutory_high_age": "StatutoryHighAge",
    "number_of_pupils": "NumberOfPupils",
    "percentage_fsm": "PercentageFSM",
}
TEXT_LIMITS = {
    "name": 200,
    "phase": 50,
    "establishment_type": 100,
    "local_authority": 100,
    "region": 100,
    "town": 100,
    "trust": 200,
}
REQUIRED_GIAS = ("urn", "name", "phase", "establishment_type", "local_authority", "region")


def import_gias(
    session: Session,
    caller: Caller,
    header: list[str],
    rows: list[tuple[int, dict[str, str]]],
    *,
    partial: bool = False,
    progress=None,
) -> ImportResult:
    """Create or update schools from a GIAS header and rows `(line, {column: text})`.

    Every row is checked before anything is written. Unless `partial`, one bad row means
    nothing is written; with `partial`, the good rows are written and the bad reported.
    A header missing a required column writes nothing, whatever `partial` says.
    """
    if not caller.is_admin:
        raise Forbidden("Only admins import schools.")
    result = ImportResult(rows=len(rows))
    missing = [GIAS_COLUMNS[name] for name in REQUIRED_GIAS if GIAS_COLUMNS[name] not in header]
    if missing:
        result.errors[1] = {column: ["This GIAS column is missing."] for column in missing}
        return result
    valid: list[dict[str, Any]] = []
    seen: set[int] = set()
    for line, raw in rows:
        values, errors = _gias_row(session, raw)
        if values.get("urn") in seen:
            errors.setdefault(GIAS_COLUMNS["urn"], []).append("This URN is on an earlier line.")
        seen.add(values.get("urn"))
        if errors:
            result.errors[line] = errors
        else:
            valid.append(values)
        if progress:
            progress(1)
    if result.errors and not partial:
        return result
    for values in valid:
        school = session.get(School, urn_id(values["urn"]))
        if school is None:
            session.add(School(id=urn_id(values["urn"]), **values))
            result.created += 1
        else:
            for name, value in values.items():
                setattr(school, name, value)
            result.updated += 1
    session.flush()
    result.written = True
    return result


def _gias_row(session: Session, raw: dict[str, str]) -> tuple[dict, dict[str, list[str]]]:
    cells = {name: (raw.get(column) or "").strip() for name, column in GIAS_COLUMNS.items()}
    errors: dict[str, list[str]] = {}
    for name in REQUIRED_GIAS:
        if not cells[name]:
            errors[GIAS_COLUMNS[name]] = ["Required."]
    values: dict[str, Any] = {
        name: cells[name] or None
        for name in ("name", "phase", "establishment_type", "local_authority", "region", "town")
    }
    values["trust"] = cells["trust"] or None
    for name, kind in (
        ("urn", int),
        ("statutory_low_age", int),
        ("statutory_high_age", int),
        ("number_of_pupils", int),
        ("percentage_fsm", float),
    ):
        try:
            values[name] = kind(cells[name]) if cells[name] else None
        except ValueError:
            errors[GIAS_COLUMNS[name]] = [f"'{cells[name]}' is not a number."]
    if values.get("percentage_fsm") is not None and not 0 <= values["percentage_fsm"] <= 100:
        errors[GIAS_COLUMNS["percentage_fsm"]] = ["Must be between 0 and 100."]
    values["postcode"] = values["latitude"] = values["longitude"] = None
    if cells["postcode"]:
        try:
            location = geocode(session, cells["postcode"])
            values.update(
                postcode=location.postcode,
                latitude=location.latitude,
                longitude=location.longitude,
            )
        except InvalidInput as error:
            errors[GIAS_COLUMNS["postcode"]] = error.errors["postcode"]
    for name, limit in TEXT_LIMITS.items():
        if values[name] and len(values[name]) > limit:
            errors[GIAS_COLUMNS[name]] = [f"Longer than {limit} characters."]
    return values, errors
