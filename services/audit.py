"""The audit log, written by construction: every write in an audited session appends a row.

The HTTP layer puts an `AuditContext` on the session for each request; a `before_flush`
hook then records one entry per created, changed or deleted object, in the same
transaction as the change. Reads of pupil data are recorded explicitly with `record`.

A Core `UPDATE` (a conditional transition, checked by row count) is invisible to that
hook, so it goes through `update_where`, which audits each row it changed. Any other
INSERT, UPDATE or DELETE statement run in an audited session is refused with
`UnauditedWrite`, unless its table keeps no state of its own (`UNAUDITED_TABLES`, and the
tables of models declaring `__audited__ = False`: the outbox, its consumers' cursors, the
delivery logs) or it only moves a count derived from audited objects (`derived`).

Workers and commands write under a system context (`system_context`), so what they change
is audited like a request's writes, with no actor and the worker's name as request id.
"""

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, partial

from sqlalchemy import (
    Column,
    ColumnElement,
    Executable,
    Insert,
    Table,
    bindparam,
    event,
    func,
    insert,
    inspect,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, make_transient_to_detached

from models import Base
from models.audit import AuditEntry
from models.base import utcnow
from services.callers import Caller
from services.errors import Forbidden
from services.pagination import Listing

CONTEXT_KEY = "audit_context"
AUDITED_OPTION = "audited"
# Tables whose rows are no state of the domain: replay records of requests, the matching
# cache's stamps, and per-school seat counts (the bookings that move them are audited).
UNAUDITED_TABLES = frozenset(
    {"idempotency_keys", "matching_pool_generations", "matching_pool_changes", "slot_allocations"}
)


class UnauditedWrite(RuntimeError):
    """A statement would change state behind the audit log's back."""


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


def system_context(session: Session, name: str) -> None:
    """Audit what a worker or command writes in this session, as `name` (no actor)."""
    set_context(session, AuditContext(request_id=name))


def current_context(session: Session) -> AuditContext | None:
    return session.info.get(CONTEXT_KEY)


def record(
    session: Session, *, action: str, object_type: str, object_ids: Iterable[object]
) -> None:
    """Append an entry for each of the objects, for what the ORM does not see as a write
    (such as a read): one statement for them all, on the session's connection, where a
    report's 1,500 pupils as ORM objects would cost more in the flush than the report."""
    context = current_context(session)
    read = [str(object_id) for object_id in object_ids]
    if context is None or not read:
        return
    if session.new:
        session.flush()  # an entry may name an organisation or user added in this session
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        shared = _entry(context, action, object_type, "", None)
        del shared["object_id"]
        arrays = {"ids": [uuid.uuid4() for _ in read], "object_ids": read}
        connection.execute(_ENTRIES_OF_OBJECTS, {**shared, **arrays, "occurred_at": utcnow()})
    else:
        entries = [_entry(context, action, object_type, i, None) for i in read]
        connection.execute(_inserting(AuditEntry.__table__), entries)


def insert_new(session: Session, obj: Base) -> None:
    """Write a new object and its audit entry (if it is audited), and keep it in the
    session as loaded: what a flush would write, without the unit of work, which costs more
    than the statements on the booking path. One statement on PostgreSQL (the entry rides
    along as a data-modifying CTE), two on SQLite. For a model of one table whose defaults
    are Python's: the row is known before it is written, so nothing is read back. Give its
    foreign keys (relationships set on it are kept, not written)."""
    mapper = inspect(obj).mapper
    table = mapper.local_table
    columns = _insertable(mapper)
    context = current_context(session)
    entry = None
    if context is not None and getattr(obj, "__audited__", True):
        object_type = _type_name(type(obj))
        organisation_id = getattr(obj, "organisation_id", None)
        entry = _entry(context, f"{object_type}.created", object_type, _key(obj), organisation_id)
    row = _row(obj, columns)
    # On the session's connection: the ORM's execution path (and its audit guard, which
    # this function satisfies itself) costs as much again as the statement.
    connection = session.connection()
    together = entry is not None and connection.dialect.name == "postgresql"
    if together:
        entry_values = {"id": uuid.uuid4(), "occurred_at": utcnow(), **entry}
        parameters = {**row, **{f"entry_{key}": value for key, value in entry_values.items()}}
        connection.execute(_inserting_with_entry(table), parameters)
    else:
        connection.execute(_inserting(table), row)
    state = obj.__dict__
    for attribute, column, _ in columns:
        state[attribute] = row[column]
    make_transient_to_detached(obj)
    session.add(obj)
    if entry is not None and not together:
        connection.execute(_inserting(AuditEntry.__table__), entry)


def _row(obj: Base, columns: tuple) -> dict:
    """The new row: each column's value as given, else its default."""
    given = obj.__dict__
    return {
        column: given[attribute] if attribute in given else default()
        for attribute, column, default in columns
    }


@cache
def _insertable(mapper: Mapper) -> tuple[tuple[str, str, Callable[[], object]], ...]:
    """(attribute, column key, default) of each column of a model `insert_new` writes."""
    table = mapper.local_table
    return tuple(
        (mapper.get_property_by_column(column).key, column.key, _python_default(table, column))
        for column in table.c
    )


def _python_default(table: Table, column: Column) -> Callable[[], object]:
    """A column's value when none is given, known without asking the database."""
    default = column.default
    if column is table.autoincrement_column or (column.server_default is not None and not default):
        raise TypeError(f"{table.name}.{column.name} is the database's to fill in")
    if default is None:
        return lambda: None
    if default.is_callable:
        return partial(default.arg, None)  # SQLAlchemy's wrapper, which takes a context
    if default.is_scalar:
        return lambda: default.arg
    raise TypeError(f"{table.name}.{column.name} has a default computed in SQL")


@cache
def _inserting(table: Table) -> Insert:
    return insert(table)  # built once per table


@cache
def _inserting_with_entry(table: Table) -> Insert:
    """PostgreSQL: the INSERT, with its audit entry's (parameters `entry_<column>`) as a
    CTE that runs though nothing refers to it."""
    entries = AuditEntry.__table__
    entry = insert(entries).values({c.key: bindparam(f"entry_{c.key}") for c in entries.c})
    return insert(table).add_cte(entry.cte("audit_entry"))


def _entries_of_objects() -> Insert:
    """PostgreSQL: one entry per object, from `unnest` of two arrays (the entries' ids and
    the objects'), every other column one parameter: 1,500 rows cost one short statement
    rather than 1,500 parameter sets."""
    entries = AuditEntry.__table__
    rows = func.unnest(
        bindparam("ids", type_=postgresql.ARRAY(entries.c.id.type)),
        bindparam("object_ids", type_=postgresql.ARRAY(entries.c.object_id.type)),
    )
    rows = rows.table_valued("id", "object_id").render_derived()
    columns = [c for c in entries.c if c.key not in ("id", "object_id")]
    values = [bindparam(c.key, type_=c.type) for c in columns]
    chosen = select(rows.c.id, *values, rows.c.object_id)
    return insert(entries).from_select(["id", *(c.key for c in columns), "object_id"], chosen)


_ENTRIES_OF_OBJECTS = _entries_of_objects()


def update_where(session: Session, model: type, *criteria, values: dict) -> int:
    """`UPDATE model SET values WHERE criteria`, auditing each row it changed; returns
    how many it changed (so a conditional transition can check that it won)."""
    table = inspect(model).local_table  # the table UPDATE names, under any inheritance
    keys = list(table.primary_key.columns)
    organisation = table.c.get("organisation_id")
    returned = [*keys, organisation] if organisation is not None else keys
    statement = (
        update(model)
        .where(*criteria)
        .values(**values)
        .returning(*returned)
        .execution_options(synchronize_session=False, **{AUDITED_OPTION: True})
    )
    rows = session.execute(statement).all()
    context = current_context(session)
    if context is not None:
        object_type = _type_name(model)
        for row in rows:
            key = "/".join(str(value) for value in row[: len(keys)])
            owner = row[-1] if organisation is not None else None
            entry = _entry(context, f"{object_type}.updated", object_type, key, owner)
            session.add(AuditEntry(**entry))
    return len(rows)


def derived(statement: Executable) -> Executable:
    """Mark a statement that only moves a count kept in step with audited objects (such as
    a slot's booked seats, moved by the bookings that hold them)."""
    return statement.execution_options(**{AUDITED_OPTION: "derived"})


def _entries_seen(caller: Caller) -> ColumnElement[bool]:
    """The log is for admins, and for an organisation's own admins (not its partner apps)."""
    if caller.is_admin:
        return true()
    if not caller.is_org_admin or caller.client_id:
        raise Forbidden("Only admins and your organisation's admins may read the audit log.")
    return AuditEntry.organisation_id == caller.organisation_id


# The entries the caller may read, the newest first.
ENTRIES = Listing(
    AuditEntry,
    visible=_entries_seen,
    equal=("action", "object_type", "object_id", "actor_user_id"),
    conditions={
        "since": lambda since: AuditEntry.occurred_at >= since,
        "until": lambda until: AuditEntry.occurred_at < until,
    },
    order=(AuditEntry.occurred_at.desc(), AuditEntry.id),
    keyset=True,
)
list_ = ENTRIES.page


@event.listens_for(Session, "before_flush")
def _audit_writes(session: Session, _flush_context, _instances) -> None:
    context = current_context(session)
    if context is None:
        return
    changes = [("created", session.new), ("updated", session.dirty), ("deleted", session.deleted)]
    for verb, objects in changes:
        for obj in list(objects):
            if isinstance(obj, AuditEntry) or not getattr(obj, "__audited__", True):
                continue
            if verb == "updated" and not session.is_modified(obj, include_collections=False):
                continue
            object_type = _type_name(type(obj))
            organisation_id = getattr(obj, "organisation_id", None)
            entry = _entry(
                context, f"{object_type}.{verb}", object_type, _key(obj), organisation_id
            )
            session.add(AuditEntry(**entry))


@event.listens_for(Session, "do_orm_execute")
def _refuse_unaudited_writes(state: ORMExecuteState) -> None:
    if state.is_select or current_context(state.session) is None:
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if AUDITED_OPTION in state.execution_options:
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _unaudited_tables():
        return
    raise UnauditedWrite(
        f"A Core write to {getattr(table, 'name', table)} would bypass the audit log: "
        "use audit.update_where (or the ORM)."
    )


@cache
def _unaudited_tables() -> frozenset[str]:
    plumbing = (
        mapper.local_table.name
        for mapper in Base.registry.mappers
        if not getattr(mapper.class_, "__audited__", True)
    )
    return UNAUDITED_TABLES | frozenset(plumbing)


def _entry(
    context: AuditContext,
    action: str,
    object_type: str,
    object_id: str,
    object_organisation_id: uuid.UUID | None,
) -> dict:
    """An audit entry's values (its id and time are the table's defaults)."""
    return {
        "actor_user_id": context.actor_user_id,
        "actor_client_id": context.actor_client_id,
        "organisation_id": context.organisation_id or object_organisation_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "request_id": context.request_id,
    }


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


def _type_name(model: type) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
