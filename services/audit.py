"""The audit log, written by construction: every ORM write in an audited session appends a row.

The HTTP layer puts an `AuditContext` on the session for each request; a `before_flush`
hook then records one entry per created, changed or deleted object, in the same
transaction as the change. Reads of pupil data are recorded explicitly with `record`.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from models.audit import AuditEntry
from services.access import Caller
from services.errors import Forbidden
from services.pagination import Page, paginate

CONTEXT_KEY = "audit_context"


@dataclass
class AuditContext:
    request_id: str | None
    actor_user_id: uuid.UUID | None = None
    actor_client_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None


def set_context(session: Session, context: AuditContext | None) -> None:
    if context is None:
        session.info.pop(CONTEXT_KEY, None)
    else:
        session.info[CONTEXT_KEY] = context


def current_context(session: Session) -> AuditContext | None:
    return session.info.get(CONTEXT_KEY)


def record(session: Session, *, action: str, object_type: str, object_id: object) -> None:
    """Append an entry for something the ORM does not see as a write (such as a read)."""
    context = current_context(session)
    if context is not None:
        session.add(_entry(context, action, object_type, str(object_id), None))


def list_(
    session: Session,
    caller: Caller,
    *,
    page: int,
    page_size: int,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_user_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page:
    query = select(AuditEntry)
    if not caller.is_admin:
        if not caller.is_org_admin or caller.client_id:
            raise Forbidden("Only admins and your organisation's admins may read the audit log.")
        query = query.where(AuditEntry.organisation_id == caller.organisation_id)
    filters = {
        AuditEntry.action: action,
        AuditEntry.object_type: object_type,
        AuditEntry.object_id: object_id,
        AuditEntry.actor_user_id: actor_user_id,
    }
    query = query.where(
        *(column == value for column, value in filters.items() if value is not None)
    )
    if since:
        query = query.where(AuditEntry.occurred_at >= since)
    if until:
        query = query.where(AuditEntry.occurred_at < until)
    query = query.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id)
    return paginate(session, query, page=page, page_size=page_size)


@event.listens_for(Session, "before_flush")
def _audit_writes(session: Session, _flush_context, _instances) -> None:
    context = current_context(session)
    if context is None:
        return
    changes = [("created", session.new), ("updated", session.dirty), ("deleted", session.deleted)]
    for verb, objects in changes:
        for obj in list(objects):
            if isinstance(obj, AuditEntry):
                continue
            if verb == "updated" and not session.is_modified(obj, include_collections=False):
                continue
            object_type = _type_name(obj)
            organisation_id = getattr(obj, "organisation_id", None)
            session.add(
                _entry(context, f"{object_type}.{verb}", object_type, _key(obj), organisation_id)
            )


def _entry(
    context: AuditContext,
    action: str,
    object_type: str,
    object_id: str,
    object_organisation_id: uuid.UUID | None,
) -> AuditEntry:
    return AuditEntry(
        actor_user_id=context.actor_user_id,
        actor_client_id=context.actor_client_id,
        organisation_id=context.organisation_id or object_organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        request_id=context.request_id,
    )


def _key(obj: object) -> str:
    """The object's primary key, assigning a new UUID key now if the flush has not yet."""
    mapper = inspect(obj).mapper
    values = []
    for column in mapper.primary_key:
        attribute = mapper.get_property_by_column(column).key
        value = getattr(obj, attribute)
        if value is None and attribute == "id":
            value = uuid.uuid4()
            setattr(obj, attribute, value)
        values.append(str(value))
    return "/".join(values)


def _type_name(obj: object) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()
