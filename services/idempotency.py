"""Idempotency keys: a retried unsafe request replays its first response.

A key is claimed in a statement that commits at once, on a connection of its own (so a
concurrent duplicate sees it at once and is told the first is still running); the
response is stored in the same transaction as the work it describes, so a committed
booking always has its stored answer; a request that fails releases its key, so the
client may retry it. Keys belong to one caller and are kept at least 24 hours.
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, TextClause, bindparam, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.base import utcnow
from models.idempotency import IdempotencyKey
from services.callers import Caller
from services.errors import Conflict, InvalidInput
from services.retention import Retention

RETENTION = timedelta(hours=24)
KEPT = Retention("Keys", RETENTION, "24 hours")
ABANDONED_AFTER = timedelta(minutes=5)  # a claim this old died with its process
MAX_KEY_LENGTH = 255
KEY_PATTERN = r"^[!-~]{1,255}$"  # visible ASCII: a UUID, a ULID, your own order reference
# Keys are written through the table (Core), not the ORM's bulk statements, which cost
# twice as much per statement and have no loaded objects to keep in step here.
KEYS = IdempotencyKey.__table__


class KeyReused(InvalidInput):
    """The key was first used with a different request."""

    code = "idempotency-key-reused"


class RequestInProgress(Conflict):
    """The first request with this key has not finished."""

    code = "idempotency-key-in-progress"


@dataclass(frozen=True)
class Claim:
    """Either a fresh claim (`key_id`) to complete or release, or a response to replay."""

    key_id: uuid.UUID | None = None
    status_code: int | None = None
    body: dict | list | None = None
    headers: dict[str, str] | None = None  # those a replay repeats: Location, ETag

    @property
    def is_replay(self) -> bool:
        return self.key_id is None


def caller_scope(caller: Caller) -> str:
    return f"client:{caller.client_id}" if caller.client_id else f"user:{caller.user_id}"


def fingerprint(method: str, path: str, body: object, *, query: list | None = None) -> str:
    """What a retry must repeat: the method, path, query parameters and body."""
    canonical = json.dumps(
        [method.upper(), path, query or [], body],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> None:
    if not re.fullmatch(KEY_PATTERN, key or ""):
        raise InvalidInput(
            "Invalid Idempotency-Key.",
            errors={
                "Idempotency-Key": [f"1 to {MAX_KEY_LENGTH} visible ASCII characters, no spaces."]
            },
        )


def claim(
    session: Session | Connection,
    caller: Caller,
    *,
    key: str,
    request_fingerprint: str,
    now: datetime | None = None,
) -> Claim:
    """Claim `key` for this request, on a connection (or session) of its own that commits it
    at once: one in autocommit mode saves the claim's BEGIN and COMMIT."""
    check_key(key)
    now = now or utcnow()
    scope = caller_scope(caller)
    key_id = uuid.uuid4()
    values = {
        "id": key_id,
        "caller": scope,
        "key": key,
        "fingerprint": request_fingerprint,
        "in_progress": True,
        "created_at": now,
    }
    postgres = _dialect_name(session) == "postgresql"
    statement = _CLAIM_COMMITTING_ASYNCHRONOUSLY if postgres else _CLAIM
    if session.execute(statement, values).first() is not None:
        return Claim(key_id=key_id)
    existing = session.execute(_EXISTING, {"caller": scope, "key": key}).first()
    if existing is None:  # released between our insert and this read: claim it again
        return claim(session, caller, key=key, request_fingerprint=request_fingerprint, now=now)
    if existing.fingerprint != request_fingerprint:
        raise KeyReused(
            "This Idempotency-Key was used with a different request; use a new key.",
            errors={"Idempotency-Key": ["Already used with a different request."]},
        )
    if existing.in_progress:
        if existing.created_at < now - ABANDONED_AFTER and _take_over(session, existing.id, now):
            return Claim(key_id=existing.id)
        raise RequestInProgress(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        )
    return Claim(
        status_code=existing.status_code,
        body=existing.response_body,
        headers=existing.response_headers,
    )


def _dialect_name(session: Session | Connection) -> str:
    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.dialect.name


_EXISTING = select(KEYS).where(KEYS.c.caller == bindparam("caller"), KEYS.c.key == bindparam("key"))


def upsert(session: Session, model: type):
    """An INSERT that takes ON CONFLICT clauses, on PostgreSQL and SQLite alike."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(model.__table__)


def typed_text(model: type, sql: str) -> TextClause:
    """A statement written once as SQL that SQLAlchemy then compiles once, where its
    dialects' ON CONFLICT inserts have no cache key (2.0) and are compiled again on every
    run: a booking spent a tenth of its time compiling two of them. Each parameter named
    after a column of the model's table is bound with that column's type."""
    statement = text(sql)
    names = re.findall(r"(?<![:\w]):(\w+)", sql)
    columns = model.__table__.c
    return statement.bindparams(
        *(bindparam(name, type_=columns[name].type) for name in names if name in columns)
    )


_CLAIMED_COLUMNS = "id, caller, key, fingerprint, in_progress, created_at"
_CLAIMED_VALUES = ":id, :caller, :key, :fingerprint, :in_progress, :created_at"
_CLAIM = typed_text(
    IdempotencyKey,
    f"INSERT INTO idempotency_keys ({_CLAIMED_COLUMNS}) VALUES ({_CLAIMED_VALUES}) "
    "ON CONFLICT DO NOTHING RETURNING id",
)
# On PostgreSQL the claim's commit need not wait for its log record to reach the disk
# (asynchronous commit): the log is written in order, so the request's own commit, which
# does wait, makes the claim durable with it, and a crash before that loses both, so a
# retry claims the key afresh. It saves each idempotent request one wait on the disk, and
# set in the claim's own statement (set_config, local to the transaction) no round trip.
_CLAIM_COMMITTING_ASYNCHRONOUSLY = typed_text(
    IdempotencyKey,
    f"INSERT INTO idempotency_keys ({_CLAIMED_COLUMNS}) SELECT {_CLAIMED_VALUES} "
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous_commit "
    "ON CONFLICT DO NOTHING RETURNING id",
)


def insert_or_ignore(session: Session, model: type):
    """INSERT … ON CONFLICT DO NOTHING."""
    return upsert(session, model).on_conflict_do_nothing()


def _take_over(session: Session | Connection, key_id: uuid.UUID, now: datetime) -> bool:
    """Claim a key whose first request was abandoned (a conditional update: one winner)."""
    result = session.execute(
        update(KEYS)
        .where(
            KEYS.c.id == key_id,
            KEYS.c.in_progress.is_(True),
            KEYS.c.created_at < now - ABANDONED_AFTER,
        )
        .values(created_at=now)
    )
    return result.rowcount == 1


def complete(
    session: Session,
    key_id: uuid.UUID,
    *,
    status_code: int,
    body,
    headers: dict[str, str] | None = None,
) -> None:
    """Store the response, in the transaction of the work it answers (the caller commits)."""
    answer = {
        "claimed": key_id,
        "answer_status": status_code,
        "answer_body": body,
        "answer_headers": headers or None,
        "answered_at": utcnow(),
    }
    session.execute(_COMPLETE, answer)


# Built once, since every idempotent request runs it (its parameters are not named after
# the columns, which an UPDATE's parameters would also set).
_COMPLETE = (
    update(KEYS)
    .where(KEYS.c.id == bindparam("claimed"))
    .values(
        in_progress=False,
        status_code=bindparam("answer_status", type_=KEYS.c.status_code.type),
        response_body=bindparam("answer_body", type_=KEYS.c.response_body.type),
        response_headers=bindparam("answer_headers", type_=KEYS.c.response_headers.type),
        completed_at=bindparam("answered_at", type_=KEYS.c.completed_at.type),
    )
)


def release(session: Session | Connection, key_id: uuid.UUID) -> None:
    """Forget a claim whose request failed, so a retry runs again (in the claim's session)."""
    session.execute(delete(KEYS).where(KEYS.c.id == key_id, KEYS.c.in_progress.is_(True)))


def purge(
    session: Session, *, now: datetime | None = None, older_than: timedelta = RETENTION
) -> int:
    """Delete keys older than the retention period (never sooner than 24 hours)."""
    cutoff = KEPT.cutoff(older_than, now)
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    session.flush()
    return result.rowcount
