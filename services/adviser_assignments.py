"""Enterprise Advisers' assignments to schools: who serves where, the hours they give against
their monthly commitment, and ending an assignment (which frees the school's place for the
next pairing plan, as `services.pairing` counts only assignments still running)."""

import uuid
from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, joinedload, with_expression

from models.pairings import AdviserAssignment, AdviserHours, hours_between
from models.volunteers import EnterpriseAdviser, Volunteer
from services import outbox
from services.access import authorize, get_visible, visible_adviser_assignments
from services.callers import Action, Caller
from services.errors import Conflict, InvalidInput, NotFound
from services.labels import label
from services.pagination import Listing, Page, paginate
from services.school_years import london_today

QUARTER_HOUR = 0.25  # advisers log time in quarter hours
MAX_HOURS_A_DAY = 24.0


def _active(active: bool) -> ColumnElement[bool]:
    """Assignments not ended, or (False) those ended."""
    ended = AdviserAssignment.ends_on.is_not(None)
    return ~ended if active else ended


ASSIGNMENTS = Listing(
    AdviserAssignment,
    visible=visible_adviser_assignments,
    equal=("hub_id", "school_id", "adviser_id"),
    conditions={"active": _active},
    order=(
        AdviserAssignment.starts_on.desc(),
        AdviserAssignment.created_at.desc(),
        AdviserAssignment.id,
    ),
)


def list_(session: Session, caller: Caller, *, page: int, page_size: int, **filters) -> Page:
    """The assignments the caller may see, the latest to start first (filters: ASSIGNMENTS)."""
    query = _shown(ASSIGNMENTS.select(caller, filters))
    return paginate(session, query, page=page, page_size=page_size)


def get(session: Session, caller: Caller, assignment_id: uuid.UUID) -> AdviserAssignment:
    get_visible(session, caller, AdviserAssignment, assignment_id)
    return _reloaded(session, assignment_id)


# An assignment's hours entries, the latest day worked first.
HOURS = Listing(
    AdviserHours,
    within=(AdviserAssignment, "assignment_id"),
    order=(AdviserHours.worked_on.desc(), AdviserHours.created_at.desc(), AdviserHours.id),
)
list_hours = HOURS.page_within


def get_hours(
    session: Session, caller: Caller, assignment_id: uuid.UUID, hours_id: uuid.UUID
) -> AdviserHours:
    get_visible(session, caller, AdviserAssignment, assignment_id)
    entry = session.get(AdviserHours, hours_id)
    if entry is None or entry.assignment_id != assignment_id:
        raise NotFound(f"No such {label(AdviserHours)}.")
    return entry


def log_hours(
    session: Session,
    caller: Caller,
    assignment_id: uuid.UUID,
    *,
    worked_on: date,
    hours: float,
    note: str | None = None,
) -> AdviserHours:
    """Record time the adviser gave the school on one day (the adviser, coordinators, admins)."""
    assignment = _locked_for(session, caller, Action.LOG_HOURS, assignment_id)
    if not assignment.active:
        raise Conflict(f"This assignment ended on {assignment.ends_on}; no more hours go on it.")
    _check_day(assignment, worked_on)
    _check_hours(session, assignment, worked_on, hours)
    entry = AdviserHours(
        assignment_id=assignment.id,
        worked_on=worked_on,
        hours=hours,
        note=note,
        logged_by_user_id=caller.user_id,
    )
    session.add(entry)
    session.flush()
    publish(
        session,
        "adviser_assignment.hours_logged",
        assignment,
        worked_on=worked_on.isoformat(),
        hours=hours,
    )
    return entry


def end(
    session: Session,
    caller: Caller,
    assignment_id: uuid.UUID,
    *,
    ends_on: date | None = None,
    reason: str | None = None,
) -> AdviserAssignment:
    """End an assignment (the hub's coordinators, admins) on a day up to today."""
    assignment = _locked_for(session, caller, Action.END, assignment_id)
    if not assignment.active:
        raise Conflict(f"This assignment already ended on {assignment.ends_on}.")
    ends_on = ends_on or london_today()
    if ends_on > london_today():
        raise InvalidInput(
            "An assignment ends today or earlier.",
            errors={"ends_on": ["End the assignment on the day, not ahead of it."]},
        )
    last_worked = session.scalar(
        select(func.max(AdviserHours.worked_on)).where(AdviserHours.assignment_id == assignment.id)
    )
    earliest = max(assignment.starts_on, last_worked or assignment.starts_on)
    if ends_on < earliest:
        raise InvalidInput(
            "An assignment cannot end before it started or before hours logged on it.",
            errors={"ends_on": [f"Must be {earliest.isoformat()} or later."]},
        )
    assignment.ends_on, assignment.end_reason = ends_on, reason
    session.flush()
    publish(session, "adviser_assignment.ended", assignment, end_reason=reason)
    return _reloaded(session, assignment.id)


def publish(session: Session, event_type: str, assignment: AdviserAssignment, **details) -> None:
    """Tell subscribers (the employer's volunteering app, say) through the outbox, in the
    transaction of the change."""
    payload = {
        "assignment_id": str(assignment.id),
        "adviser_id": str(assignment.adviser_id),
        "school_id": str(assignment.school_id),
        "hub_id": str(assignment.hub_id),
        "starts_on": assignment.starts_on.isoformat(),
        "ends_on": assignment.ends_on.isoformat() if assignment.ends_on else None,
        **details,
    }
    outbox.publish(session, event_type, assignment, payload)


def _locked_for(
    session: Session, caller: Caller, action: Action, assignment_id: uuid.UUID
) -> AdviserAssignment:
    """The assignment, if the caller may act on it, locked so that logging and ending
    cannot interleave (on PostgreSQL; SQLite serialises writers anyway)."""
    assignment = get_visible(session, caller, AdviserAssignment, assignment_id)
    authorize(session, caller, action, assignment)
    session.refresh(assignment, attribute_names=["ends_on"], with_for_update=True)
    return assignment


def _check_day(assignment: AdviserAssignment, worked_on: date) -> None:
    if worked_on > london_today():
        raise InvalidInput(
            "Hours are logged for days already worked.",
            errors={"worked_on": ["Must not be in the future."]},
        )
    if worked_on < assignment.starts_on:
        raise InvalidInput(
            "The assignment had not started on that day.",
            errors={"worked_on": [f"Must be {assignment.starts_on.isoformat()} or later."]},
        )


def _check_hours(
    session: Session, assignment: AdviserAssignment, worked_on: date, hours: float
) -> None:
    if not QUARTER_HOUR <= hours <= MAX_HOURS_A_DAY or (hours / QUARTER_HOUR) % 1:
        raise InvalidInput(
            "Hours are logged in quarter hours.",
            errors={"hours": [f"Must be a multiple of {QUARTER_HOUR} up to {MAX_HOURS_A_DAY:g}."]},
        )
    that_day = session.scalar(
        select(func.coalesce(func.sum(AdviserHours.hours), 0.0)).where(
            AdviserHours.assignment_id == assignment.id, AdviserHours.worked_on == worked_on
        )
    )
    if that_day + hours > MAX_HOURS_A_DAY:
        raise InvalidInput(
            "A day has 24 hours.",
            errors={"hours": [f"{that_day:g} hours are already logged on {worked_on}."]},
        )


def _shown(query: Select) -> Select:
    """Load what an assignment shows: the adviser's and school's names, this month's hours."""
    month = london_today().replace(day=1)
    return query.options(
        joinedload(AdviserAssignment.adviser)
        .joinedload(EnterpriseAdviser.volunteer)
        .joinedload(Volunteer.user),
        joinedload(AdviserAssignment.school),
        with_expression(AdviserAssignment.hours_this_month, hours_between(month)),
    )


def _reloaded(session: Session, assignment_id: uuid.UUID) -> AdviserAssignment:
    query = _shown(select(AdviserAssignment).where(AdviserAssignment.id == assignment_id))
    return session.scalars(query.execution_options(populate_existing=True)).one()
