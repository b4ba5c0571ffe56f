"""Enterprise Advisers: volunteers who commit at least 8 hours a month to one or two schools."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.organisations import Hub
from models.volunteers import AdviserStatus, EnterpriseAdviser, Volunteer
from services.access import (
    can_enrol_adviser,
    can_place_adviser,
    can_set_adviser_status,
    get_authorized,
    get_visible,
    visible_advisers,
)
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, InvalidInput
from services.pagination import Listing, Page, page_of

MIN_HOURS_PER_MONTH = 8
COMMITMENT_FIELDS = (
    "hours_per_month",
    "school_capacity",
    "expertise",
    "preferred_phases",
    "preferred_school_types",
)


ADVISERS = Listing(
    EnterpriseAdviser,
    query=select(EnterpriseAdviser).join(EnterpriseAdviser.volunteer),
    visible=visible_advisers,
    equal=("status", "hub_id"),
    order=(EnterpriseAdviser.created_at, EnterpriseAdviser.id),
)


def list_(
    session: Session,
    caller: Caller,
    *,
    page: int,
    page_size: int,
    expertise: str | None = None,
    **filters,
) -> Page:
    """The advisers the caller may see, the first to commit first (filters: ADVISERS); with
    `expertise`, those who offer it."""
    if expertise:
        # JSON lists are filtered here: a hub's advisers number in the dozens, not thousands.
        found = session.scalars(ADVISERS.select(caller, filters))
        advisers = [a for a in found if expertise in a.expertise]
        return page_of(advisers, page=page, page_size=page_size)
    return ADVISERS.page(session, caller, page=page, page_size=page_size, **filters)


def get(session: Session, caller: Caller, adviser_id: uuid.UUID) -> EnterpriseAdviser:
    return get_visible(session, caller, EnterpriseAdviser, adviser_id)


def get_for_update(session: Session, caller: Caller, adviser_id: uuid.UUID) -> EnterpriseAdviser:
    return get_authorized(session, caller, Action.UPDATE, EnterpriseAdviser, adviser_id)


def create(
    session: Session, caller: Caller, *, volunteer_id: uuid.UUID, **commitment
) -> EnterpriseAdviser:
    """A volunteer commits as an EA (recorded by them, their employer, a coordinator or admin)."""
    volunteer = get_visible(session, caller, Volunteer, volunteer_id)
    if not can_enrol_adviser(caller, volunteer):
        raise Forbidden("You may not record this volunteer as an Enterprise Adviser.")
    existing = session.scalar(
        select(EnterpriseAdviser.id).where(EnterpriseAdviser.volunteer_id == volunteer.id)
    )
    if existing is not None:
        raise Conflict("This volunteer is already an Enterprise Adviser.")
    adviser = EnterpriseAdviser(volunteer=volunteer, status=AdviserStatus.APPLIED)
    _apply(session, caller, adviser, commitment)
    session.add(adviser)
    session.flush()
    return adviser


def update(
    session: Session, caller: Caller, adviser_id: uuid.UUID, changes: dict
) -> EnterpriseAdviser:
    adviser = get_for_update(session, caller, adviser_id)
    _apply(session, caller, adviser, changes)
    session.flush()
    return adviser


def delete(session: Session, caller: Caller, adviser_id: uuid.UUID) -> None:
    """End the commitment (the volunteer's profile stays)."""
    adviser = get_authorized(session, caller, Action.DELETE, EnterpriseAdviser, adviser_id)
    session.delete(adviser)
    session.flush()


def _apply(session: Session, caller: Caller, adviser: EnterpriseAdviser, changes: dict) -> None:
    for name in COMMITMENT_FIELDS:
        if name in changes:
            setattr(adviser, name, changes[name])
    if adviser.hours_per_month is not None and adviser.hours_per_month < MIN_HOURS_PER_MONTH:
        raise InvalidInput(
            "Too few hours.",
            errors={
                "hours_per_month": [f"An Enterprise Adviser gives at least {MIN_HOURS_PER_MONTH}."]
            },
        )
    if "hub_id" in changes:
        hub_id = changes["hub_id"]
        if hub_id is not None and session.get(Hub, hub_id) is None:
            raise InvalidInput("Unknown hub.", errors={"hub_id": ["No such Careers Hub."]})
        if not can_place_adviser(caller, hub_id):
            raise Forbidden("Only admins and the hub's coordinators place an adviser in a hub.")
        adviser.hub_id = hub_id
    if "status" in changes and changes["status"] != adviser.status:
        if not can_set_adviser_status(caller, adviser):
            raise Forbidden("Only admins and the hub's coordinators change an adviser's status.")
        adviser.status = changes["status"]
