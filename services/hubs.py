"""Careers Hubs: created by admins, run by coordinators, each school in at most one hub."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.organisations import Hub, School
from services.access import get_authorized, get_visible, visible_hubs
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, NotFound
from services.pagination import Page, paginate


def create(session: Session, caller: Caller, *, name: str, area: str) -> Hub:
    if not caller.is_admin:
        raise Forbidden("Only admins create Careers Hubs.")
    hub = Hub(name=name, area=area)
    session.add(hub)
    session.flush()
    return hub


def list_(session: Session, caller: Caller, *, page: int, page_size: int) -> Page:
    query = select(Hub).where(visible_hubs(session, caller)).order_by(Hub.name, Hub.id)
    return paginate(session, query, page=page, page_size=page_size)


def get(session: Session, caller: Caller, hub_id: uuid.UUID) -> Hub:
    return get_visible(session, caller, Hub, hub_id)


def update(session: Session, caller: Caller, hub_id: uuid.UUID, changes: dict) -> Hub:
    hub = get_authorized(session, caller, Action.UPDATE, Hub, hub_id)
    for field in ("name", "area"):
        if field in changes:
            setattr(hub, field, changes[field])
    session.flush()
    return hub


def add_school(session: Session, caller: Caller, hub_id: uuid.UUID, school_id: uuid.UUID) -> School:
    hub = get_authorized(session, caller, Action.UPDATE, Hub, hub_id)
    school = session.get(School, school_id)
    if school is None:
        raise NotFound("No such school.")
    if school.hub_id not in (None, hub.id):
        raise Conflict("That school already belongs to another Careers Hub.")
    school.hub_id = hub.id
    session.flush()
    return school


def remove_school(
    session: Session, caller: Caller, hub_id: uuid.UUID, school_id: uuid.UUID
) -> None:
    hub = get_authorized(session, caller, Action.UPDATE, Hub, hub_id)
    school = session.get(School, school_id)
    if school is None or school.hub_id != hub.id:
        raise NotFound("That school is not in this hub.")
    school.hub_id = None
    session.flush()
