"""The school directory: search by name, codes and place; profiles kept by the school's staff;
bulk import from a GIAS extract."""

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.organisations import Organisation, School
from services.access import get_authorized, get_visible
from services.callers import Action, Caller
from services.errors import Forbidden, InvalidInput
from services.geo import geocode
from services.imports import ImportResult
from services.pagination import Page, equal_by_name, paginate
from services.reference_data import school_id as urn_id
from services.search import Origin, search_near

# The directory reads the tables, not the mapped classes: a statement naming an entity
# anywhere goes through the ORM's loading, half the cost of a page of rows.
_SCHOOLS, _ORGANISATIONS = School.__table__, Organisation.__table__
SORTS = {
    "name": (_ORGANISATIONS.c.name,),
    "-name": (_ORGANISATIONS.c.name.desc(),),
    "urn": (_SCHOOLS.c.urn,),
    "-pupils": (_SCHOOLS.c.number_of_pupils.desc(),),
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


# The filters that hold a column equal to their value, by name.
EQUAL = ("urn", "phase", "establishment_type", "local_authority", "region", "hub_id")


def list_(
    session: Session,
    *,
    page: int,
    page_size: int,
    name: str | None = None,
    near: Origin | None = None,
    sort: str | None = None,
    **filters,
) -> Page:
    """Schools whose name holds `name` and matching every filter of EQUAL, each a mapping of
    its LISTED columns and `hub`; with `near`, each item is a `Near` hit of a School."""
    conditions = [_ORGANISATIONS.c.name.ilike(f"%{name}%")] if name else []
    conditions += equal_by_name(_SCHOOLS.c, EQUAL, filters)
    if near is not None:
        return _search_near(session, conditions, near, page=page, page_size=page_size, sort=sort)
    if sort == "distance":
        raise InvalidInput("Sorting by distance needs `near`.", errors={"sort": ["Give `near`."]})
    query = _PAGES[sort or "name"]
    query = query.where(*conditions) if conditions else query
    # Only a name filter needs the organisations table to count; otherwise schools alone
    # answer, sparing a join that costs more than the page itself.
    count = None if name else _COUNT.where(*conditions) if conditions else _COUNT
    found = paginate(session, query, page=page, page_size=page_size, count=count, rows=True)
    return replace(found, items=[_listed(row) for row in found.items])


# What a directory page shows of each school (with its hub's name). The profile its staff
# keep (careers leader, policies, hours) and GIAS's other details are read one school at a
# time: reading them for all 50 cost a page as much again.
LISTED = (
    "id",
    "urn",
    "name",
    "phase",
    "establishment_type",
    "local_authority",
    "combined_authority",
    "skills_area",
    "urban_rural",
    "region",
    "town",
    "postcode",
    "latitude",
    "longitude",
    "number_of_pupils",
    "percentage_fsm",
    "hub_id",
)


def _listing() -> Select:
    """A directory page's rows: each school's listed columns and its hub's name. Read as
    rows, not as entities, which cost four times as much to load for a page that only
    shows them."""
    hub = _ORGANISATIONS.alias("hub")
    columns = [(_ORGANISATIONS if name in ("id", "name") else _SCHOOLS).c[name] for name in LISTED]
    school = _SCHOOLS.join(_ORGANISATIONS, _ORGANISATIONS.c.id == _SCHOOLS.c.id)
    found = school.outerjoin(hub, hub.c.id == _SCHOOLS.c.hub_id)
    return select(*columns, hub.c.name.label("hub_name")).select_from(found)


_LISTING = _listing()
# Each order's statement built once: an unfiltered page keeps its key in SQLAlchemy's
# cache. Ties by organisations.id (the same id), so ix_organisations_name_id serves it.
_PAGES = {sort: _LISTING.order_by(*order, _ORGANISATIONS.c.id) for sort, order in SORTS.items()}
_COUNT = select(func.count()).select_from(_SCHOOLS)  # built once: the unfiltered count's key


def _listed(row) -> dict[str, Any]:
    """A school of a directory page: its columns, and its hub as `{id, name}` (or None)."""
    school = dict(row)
    hub_name = school.pop("hub_name")
    school["hub"] = {"id": school["hub_id"], "name": hub_name} if school["hub_id"] else None
    return school


def _search_near(session, conditions, near, *, page, page_size, sort) -> Page:
    keys = {"name": _ORGANISATIONS.c.name, "urn": _SCHOOLS.c.urn}
    if sort not in (None, "distance", *keys):
        raise InvalidInput(
            "Unsupported sort with `near`.", errors={"sort": ["Use distance, name or urn."]}
        )
    return search_near(
        session,
        School,
        near,
        conditions=conditions,
        join=(Organisation.__table__, Organisation.id == School.id),
        columns=[keys[sort]] if sort in keys else [],
        page=page,
        page_size=page_size,
        sort_key=(lambda row, _: getattr(row, sort)) if sort in keys else None,
    )


def get(session: Session, caller: Caller, school_id: uuid.UUID) -> School:
    return get_visible(session, caller, School, school_id)


def get_for_update(session: Session, caller: Caller, school_id: uuid.UUID) -> School:
    return get_authorized(session, caller, Action.UPDATE, School, school_id)


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
    "urban_rural": "UrbanRural (name)",
}
TEXT_LIMITS = {
    "name": 200,
    "phase": 50,
    "establishment_type": 100,
    "local_authority": 100,
    "region": 100,
    "town": 100,
    "trust": 200,
    "urban_rural": 100,
}
REQUIRED_GIAS = ("urn", "name", "phase", "establishment_type", "local_authority", "region")


def check_gias_header(header: list[str]) -> None:
    """A GIAS extract names at least the columns every school needs (else: line 1 errors)."""
    missing = [GIAS_COLUMNS[name] for name in REQUIRED_GIAS if GIAS_COLUMNS[name] not in header]
    if missing:
        raise InvalidInput(
            "The file is not a GIAS extract: columns are missing.",
            errors={"1": {column: ["Missing column."] for column in missing}},
        )


def import_gias(
    session: Session,
    caller: Caller,
    rows: list[tuple[int, dict[str, str]]],
    *,
    partial: bool = False,
    progress=None,
) -> ImportResult:
    """Create or update schools from GIAS rows `(line, {column: text})`.

    Every row is checked before anything is written. Unless `partial`, one bad row means
    nothing is written; with `partial`, the good rows are written and the bad reported.
    """
    if not caller.is_admin:
        raise Forbidden("Only admins import schools.")
    result = ImportResult(rows=len(rows))
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
        for name in (
            "name",
            "phase",
            "establishment_type",
            "local_authority",
            "region",
            "town",
            "urban_rural",
        )
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
