"""Volunteer profiles: owned by the volunteer and their employer, searchable by place and
offer, with safeguarding (DBS) status computed from the check on record."""

import enum
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import Integer, Select, inspect, or_, select, type_coerce
from sqlalchemy.orm import Session, contains_eager, selectinload

from models.organisations import Employer, Organisation
from models.users import Role, User
from models.volunteers import SIC_SECTIONS, Volunteer
from services.access import get_authorized, get_visible, sees_volunteers_in_part, visible_volunteers
from services.callers import Action, Caller
from services.errors import Conflict, InvalidInput
from services.geo import geocode, located
from services.imports import ImportResult
from services.pagination import Listing, Page, paginate
from services.school_years import london_today
from services.search import Origin, search_near
from services.users import normalise_email

DBS_VALID_YEARS = 3
DBS_WARNING_DAYS = 60
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNUSABLE_PASSWORD = "!"  # no password matches: the person signs in after an invitation
PROFILE_FIELDS = (
    "job_title",
    "soc_major_group",
    "topics",
    "activity_types",
    "modes",
    "year_groups",
    "travel_radius_km",
    "monthly_capacity",
    "languages",
    "role_model_attributes",
)
DBS_FIELDS = ("dbs_enhanced", "dbs_barred_list", "dbs_issued_on", "dbs_update_service")
SORTS = {
    "name": (User.name,),
    "job_title": (Volunteer.job_title,),
    "-updated_at": (Volunteer.updated_at.desc(),),
}


class DbsStatus(enum.StrEnum):
    NONE = "none"  # no enhanced check with the barred list on record
    CURRENT = "current"
    EXPIRING = "expiring"  # expires within DBS_WARNING_DAYS
    EXPIRED = "expired"


@dataclass(frozen=True)
class Safeguarding:
    enhanced: bool
    barred_list: bool
    issued_on: date | None
    update_service: bool
    expires_on: date | None
    status: DbsStatus


def dbs_expiry(issued_on: date) -> date:
    """Three years after issue (a 29 February issue expires on 28 February)."""
    try:
        return issued_on.replace(year=issued_on.year + DBS_VALID_YEARS)
    except ValueError:
        return issued_on.replace(year=issued_on.year + DBS_VALID_YEARS, day=28)


def dbs_status(
    *, enhanced: bool, barred_list: bool, issued_on: date | None, update_service: bool, today: date
) -> DbsStatus:
    """Regulated activity needs an enhanced check with the children's barred list.

    A check is treated as expired on the third anniversary of its issue unless the volunteer
    subscribes to the DBS update service; it is `expiring` in the 60 days before that.
    """
    if not (enhanced and barred_list and issued_on):
        return DbsStatus.NONE
    if update_service:
        return DbsStatus.CURRENT
    expires_on = dbs_expiry(issued_on)
    if today >= expires_on:
        return DbsStatus.EXPIRED
    if expires_on - today <= timedelta(days=DBS_WARNING_DAYS):
        return DbsStatus.EXPIRING
    return DbsStatus.CURRENT


def safeguarding(volunteer: Volunteer, today: date | None = None) -> Safeguarding:
    issued_on = volunteer.dbs_issued_on
    return Safeguarding(
        enhanced=volunteer.dbs_enhanced,
        barred_list=volunteer.dbs_barred_list,
        issued_on=issued_on,
        update_service=volunteer.dbs_update_service,
        expires_on=(
            dbs_expiry(issued_on) if issued_on and not volunteer.dbs_update_service else None
        ),
        status=dbs_status(
            enhanced=volunteer.dbs_enhanced,
            barred_list=volunteer.dbs_barred_list,
            issued_on=issued_on,
            update_service=volunteer.dbs_update_service,
            today=today or london_today(),
        ),
    )


def any_of(column, members) -> object:
    """`column` (a BitSet) holds at least one of `members`."""
    bits = column.type.bits(members)
    return type_coerce(column, Integer).op("&")(bits) != 0


VOLUNTEERS = Listing(
    Volunteer,
    query=select(Volunteer)
    .join(Volunteer.user)
    .options(contains_eager(Volunteer.user), selectinload(Volunteer.employer)),
    visible=visible_volunteers,
    equal=("employer_id", "soc_major_group"),
    conditions={  # each a JSON list that must hold the value asked for
        "activity_type": lambda value: any_of(Volunteer.activity_types, [value]),
        "sector": lambda value: any_of(Volunteer.sectors, [value]),
        "year_group": lambda value: any_of(Volunteer.year_groups, [value]),
        "mode": lambda value: any_of(Volunteer.modes, [value]),
    },
    order=(*SORTS["name"], Volunteer.id),
)


def list_(
    session: Session,
    caller: Caller,
    *,
    page: int,
    page_size: int,
    q: str | None = None,
    near: Origin | None = None,
    reachable: bool = False,
    sort: str | None = None,
    **filters,
) -> Page:
    """Volunteers the caller may see whose name or job title holds `q`, matching every
    filter of VOLUNTEERS; with `near`, `Near` hits of their listings (see `_listing`).

    `reachable` keeps only volunteers whose travel radius covers the distance.
    """
    conditions = VOLUNTEERS.where(caller, filters)
    needs_user = bool(q)  # the only filter on the users table
    if q:
        conditions.append(or_(User.name.ilike(f"%{q}%"), Volunteer.job_title.ilike(f"%{q}%")))
    if near is not None:
        if sees_volunteers_in_part(caller):
            # Whole kilometres, as their distances are shown: no radius pins a postcode.
            near = replace(near, within_km=math.ceil(near.within_km))
        return _search_near(session, conditions, near, reachable, page, page_size, sort, needs_user)
    if sort == "distance" or reachable:
        raise InvalidInput("That needs `near`.", errors={"near": ["Give a postcode."]})
    query = VOLUNTEERS.query.where(*conditions).order_by(*SORTS[sort or "name"], Volunteer.id)
    return paginate(session, query, page=page, page_size=page_size)


def _search_near(session, conditions, near, reachable, page, page_size, sort, needs_user) -> Page:
    keys: dict[str, tuple] = {
        "name": (User.__table__.c.name, lambda row, _: row.name),
        "job_title": (Volunteer.__table__.c.job_title, lambda row, _: row.job_title),
    }
    if sort not in (None, "distance", *keys):
        raise InvalidInput(
            "Unsupported sort.", errors={"sort": ["Use distance, name or job_title."]}
        )
    columns = [Volunteer.__table__.c.travel_radius_km] if reachable else []
    if sort in keys:
        columns.append(keys[sort][0])
    return search_near(
        session,
        Volunteer,
        near,
        conditions=conditions,
        columns=columns,
        join=(User.__table__, User.id == Volunteer.user_id)
        if needs_user or sort == "name"
        else None,
        page=page,
        page_size=page_size,
        sort_key=keys[sort][1] if sort in keys else None,
        keep=(lambda row, distance: distance <= row.travel_radius_km) if reachable else None,
        load=_listings_by_id,
    )


def _listing() -> Select:
    """A distance search's page as rows: each volunteer's columns, their name and their
    employer's. Loading 50 entities with their user and employer costs several times as
    much, for a page that only shows them."""
    employers = Organisation.__table__
    columns = [getattr(Volunteer, column.key) for column in inspect(Volunteer).column_attrs]
    query = select(*columns, User.name.label("name"), employers.c.name.label("employer_name"))
    query = query.join(User, User.id == Volunteer.user_id)
    return query.join(employers, employers.c.id == Volunteer.employer_id)


_LISTING = _listing()


def _listings_by_id(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, SimpleNamespace]:
    """Each volunteer's listing: read by attribute, as the entity is (by the schema and by
    the private details rule), with `employer` as `{id, name}`."""
    listings = {}
    for row in session.execute(_LISTING.where(Volunteer.id.in_(ids))).mappings():
        columns = dict(row)
        employer = {"id": columns["employer_id"], "name": columns.pop("employer_name")}
        listings[columns["id"]] = SimpleNamespace(**columns, employer=employer)
    return listings


def get(session: Session, caller: Caller, volunteer_id: uuid.UUID) -> Volunteer:
    return get_visible(session, caller, Volunteer, volunteer_id)


def get_for_update(session: Session, caller: Caller, volunteer_id: uuid.UUID) -> Volunteer:
    return get_authorized(session, caller, Action.UPDATE, Volunteer, volunteer_id)


def create(session: Session, caller: Caller, employer_id: uuid.UUID, profile: dict) -> Volunteer:
    """Add a volunteer (and their not-yet-usable login) to an employer: its staff or admins."""
    employer = get_authorized(session, caller, Action.UPDATE, Employer, employer_id)
    email = normalise_email(profile["email"])
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("Someone with that email is already registered.")
    return _add(session, employer.id, {**profile, "email": email})


def update(session: Session, caller: Caller, volunteer_id: uuid.UUID, changes: dict) -> Volunteer:
    volunteer = get_for_update(session, caller, volunteer_id)
    _apply(session, volunteer, changes)
    session.flush()
    return volunteer


def _add(session: Session, employer_id: uuid.UUID, profile: dict) -> Volunteer:
    user = User(
        email=profile["email"],
        name=profile["name"],
        password_hash=UNUSABLE_PASSWORD,
        role=Role.VOLUNTEER,
        organisation_id=employer_id,
    )
    volunteer = Volunteer(user=user, employer_id=employer_id, job_title=profile["job_title"])
    _apply(session, volunteer, profile)
    session.add_all([user, volunteer])
    session.flush()
    return volunteer


def _apply(session: Session, volunteer: Volunteer, changes: dict) -> None:
    """Check a profile's rules, then apply the changes; on any error nothing is changed."""
    errors: dict[str, list[str]] = {}
    if "sectors" in changes:
        unknown = sorted(set(changes["sectors"]) - set(SIC_SECTIONS))
        if unknown:
            errors["sectors"] = [f"Not SIC 2007 sections: {', '.join(unknown)}."]
    if "weekly_availability" in changes:
        problems = availability_problems(changes["weekly_availability"])
        if problems:
            errors["weekly_availability"] = problems
    location = None
    if changes.get("base_postcode"):
        try:
            location = geocode(session, changes["base_postcode"])
        except InvalidInput as error:
            errors["base_postcode"] = error.errors["postcode"]
    check = {name: changes.get(name, getattr(volunteer, name)) for name in DBS_FIELDS}
    errors.update(dbs_problems(**check))
    if errors:
        raise InvalidInput("The profile has invalid fields; see `errors`.", errors=errors)

    for name in (*PROFILE_FIELDS, *DBS_FIELDS):
        if name in changes:
            setattr(volunteer, name, changes[name])
    if "name" in changes and volunteer.user is not None:
        volunteer.user.name = changes["name"]
    if "sectors" in changes:
        volunteer.sectors = sorted(set(changes["sectors"]))
    if "weekly_availability" in changes:
        volunteer.weekly_availability = sorted(
            changes["weekly_availability"],
            key=lambda slot: (DAYS.index(slot["day"]), slot["starts_at"]),
        )
    if "unavailable_dates" in changes:
        volunteer.unavailable_dates = sorted({d.isoformat() for d in changes["unavailable_dates"]})
    if "base_postcode" in changes:
        volunteer.base_postcode, volunteer.latitude, volunteer.longitude = located(location)


def availability_problems(slots: list[dict]) -> list[str]:
    """Each slot ends after it starts; slots on the same day do not overlap."""
    problems = []
    by_day: dict[str, list[dict]] = {}
    for slot in slots:
        if slot["ends_at"] <= slot["starts_at"]:
            problems.append(
                f"{slot['day']} {slot['starts_at']}-{slot['ends_at']} ends before it starts."
            )
        by_day.setdefault(slot["day"], []).append(slot)
    for day, day_slots in by_day.items():
        ordered = sorted(day_slots, key=lambda slot: slot["starts_at"])
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if later["starts_at"] < earlier["ends_at"]:
                problems.append(
                    f"{day} {earlier['starts_at']}-{earlier['ends_at']} overlaps "
                    f"{later['starts_at']}-{later['ends_at']}."
                )
    return problems


def dbs_problems(
    *,
    dbs_enhanced: bool | None,
    dbs_barred_list: bool | None,
    dbs_issued_on: date | None,
    dbs_update_service: bool | None = None,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if dbs_barred_list and not dbs_enhanced:
        problems["dbs_barred_list"] = ["Only an enhanced check includes the barred list."]
    if dbs_enhanced and dbs_issued_on is None:
        problems["dbs_issued_on"] = ["Give the certificate's issue date."]
    if dbs_issued_on and dbs_issued_on > london_today():
        problems["dbs_issued_on"] = ["The issue date is in the future."]
    return problems


WRITE_BATCH = 500  # rows written per flush (and progress step) in an import


def import_(
    session: Session,
    caller: Caller,
    employer_id: uuid.UUID,
    rows: list[tuple[int, dict]],
    *,
    parse_errors: dict[int, dict[str, list[str]]] | None = None,
    partial: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Create or update an employer's volunteers from checked rows `(line, profile)`.

    Rows are matched by email: a volunteer of this employer is updated, an unknown email
    is created, an email belonging to anyone else is an error. Unless `partial`, any error
    (including `parse_errors` found before the rows reached here) means nothing is written.
    `progress(n)` counts each row twice: once checked, once written (or skipped as wrong),
    in steps of WRITE_BATCH rows flushed.
    """
    employer = get_authorized(session, caller, Action.UPDATE, Employer, employer_id)
    parse_errors = parse_errors or {}
    result = ImportResult(rows=len(rows))
    lines = {line for line, _ in rows}
    result.errors.update({n: e for n, e in parse_errors.items() if n not in lines})  # header
    planned = _check_rows(session, employer, rows, parse_errors, result, progress)
    if result.errors and not partial:
        return result
    if progress:
        progress(len(rows) - len(planned))  # the rows skipped for their errors
    _write(session, employer, planned, result, progress)
    result.written = True
    return result


def _check_rows(session, employer, rows, parse_errors, result, progress) -> list:
    """Each row checked as a live write would be; the good ones planned as (volunteer or None
    for a new one, profile), the bad ones' errors put in `result` by line."""
    emails = [normalise_email(profile.get("email", "")) for _, profile in rows]
    existing = {
        user.email: user for user in session.scalars(select(User).where(User.email.in_(emails)))
    }
    profiles_of = {
        v.user_id: v
        for v in session.scalars(
            select(Volunteer).where(Volunteer.user_id.in_([u.id for u in existing.values()]))
        )
    }
    seen: dict[str, int] = {}
    planned: list[tuple[Volunteer | None, dict]] = []
    with session.no_autoflush:
        for (line, profile), email in zip(rows, emails, strict=True):
            errors = dict(parse_errors.get(line, {}))
            user = existing.get(email)
            target = profiles_of.get(user.id) if user else None
            if email and email in seen:
                errors["email"] = [f"Also on line {seen[email]}."]
            elif user is not None and (target is None or target.employer_id != employer.id):
                errors["email"] = ["Someone with that email is already registered elsewhere."]
            if email:
                seen.setdefault(email, line)
            scratch = Volunteer(job_title=profile.get("job_title", ""))  # checked, never added
            try:
                _apply(session, scratch, profile)
            except InvalidInput as error:
                errors.update(error.errors or {})
            if errors:
                result.errors[line] = errors
            else:
                planned.append((target, {**profile, "email": email}))
            if progress:
                progress(1)
    return planned


def _write(session, employer, planned, result, progress) -> None:
    for start in range(0, len(planned), WRITE_BATCH):
        batch = planned[start : start + WRITE_BATCH]
        for target, profile in batch:
            if target is None:
                _add(session, employer.id, profile)
                result.created += 1
            else:
                _apply(session, target, profile)
                result.updated += 1
        session.flush()
        if progress:
            progress(len(batch))
