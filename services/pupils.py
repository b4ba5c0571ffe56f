"""Pupil records: only their own school sees them, and every read is audited."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.pupils import Pupil
from services import audit
from services.access import Action, Caller, authorize, ensure_pupils_of, get_visible
from services.errors import Conflict
from services.pagination import Page, paginate

EDITABLE = ("reference", "year_group", "disadvantaged", "send", "considering_higher_education")


def list_pupils(
    session: Session,
    caller: Caller,
    school_id: uuid.UUID,
    *,
    page: int,
    page_size: int,
    year_group: int | None = None,
) -> Page:
    ensure_pupils_of(caller, school_id)
    query = select(Pupil).where(Pupil.school_id == school_id)
    if year_group is not None:
        query = query.where(Pupil.year_group == year_group)
    result = paginate(
        session, query.order_by(Pupil.reference, Pupil.id), page=page, page_size=page_size
    )
    for pupil in result.items:
        _audit_read(session, pupil)
    return result


def get_pupil(session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID) -> Pupil:
    ensure_pupils_of(caller, school_id)
    pupil = get_visible(session, caller, Pupil, pupil_id)
    _audit_read(session, pupil)
    return pupil


def create_pupil(session: Session, caller: Caller, school_id: uuid.UUID, **fields) -> Pupil:
    ensure_pupils_of(caller, school_id)
    _ensure_reference_free(session, school_id, fields["reference"])
    pupil = Pupil(school_id=school_id, **{k: v for k, v in fields.items() if k in EDITABLE})
    session.add(pupil)
    session.flush()
    return pupil


def update_pupil(
    session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID, changes: dict
) -> Pupil:
    pupil = _own_pupil(session, caller, school_id, pupil_id)
    if "reference" in changes and changes["reference"] != pupil.reference:
        _ensure_reference_free(session, school_id, changes["reference"])
    for field in EDITABLE:
        if field in changes:
            setattr(pupil, field, changes[field])
    session.flush()
    return pupil


def erase_pupil(
    session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID
) -> None:
    pupil = _own_pupil(session, caller, school_id, pupil_id)
    session.delete(pupil)
    session.flush()


def _own_pupil(
    session: Session, caller: Caller, school_id: uuid.UUID, pupil_id: uuid.UUID
) -> Pupil:
    ensure_pupils_of(caller, school_id)
    pupil = get_visible(session, caller, Pupil, pupil_id)
    authorize(session, caller, Action.UPDATE, pupil)
    return pupil


def _ensure_reference_free(session: Session, school_id: uuid.UUID, reference: str) -> None:
    taken = session.scalar(
        select(Pupil.id).where(Pupil.school_id == school_id, Pupil.reference == reference)
    )
    if taken:
        raise Conflict(f"The school already has a pupil with reference '{reference}'.")


def _audit_read(session: Session, pupil: Pupil) -> None:
    audit.record(session, action="pupil.read", object_type="pupil", object_id=pupil.id)
