"""The one outbox: every event a partner cares about, appended in the transaction of its
change (a rolled-back change leaves none), read by any number of consumers in one order.

Writing: `publish(session, type, subject, data)`. The type must be in `EVENT_TYPES` (the one
registry); `subject` is the object the event is about, and who may see the event is who may
see that object (`services.audience`); `data` is thin: ids, statuses, dates — never
a pupil's personal data.

Reading: `read(session, after=cursor)` returns events in the outbox's total order, each
after the cursor, and `Cursor.of(event)` is where the next read starts. The order is
`(txid, position)`:

* **Guarantee: a reader that always resumes from the last event it was handed never misses
  a committed event, and never sees one twice.** Positions come from a sequence, so on
  PostgreSQL a transaction can commit after another that took a higher position. Each event
  therefore records its writing transaction's id (`txid_current()`), and `read` hands out
  only events whose transaction is older than the oldest transaction of this database still
  running (`WATERMARK`, from the reader's snapshot): all of those have committed or rolled
  back, and any transaction still to commit has a txid at or above that watermark, so it
  sorts after every event already handed out. Events of one transaction share its txid
  and keep their positions' order. On SQLite one writer at a time holds the database, so
  positions are already in commit order (txid is 0) and there is nothing to wait for.
* The price on PostgreSQL: an event becomes readable only when every transaction of this
  database that started writing before its own has finished (usually milliseconds; as
  long as the longest writing transaction).

Consumers with their own cursor (webhooks fan-out, email) keep it in `outbox_consumers`:
`take(session, consumer=...)` locks the consumer's row (`FOR UPDATE SKIP LOCKED` on
PostgreSQL: a second worker of the same consumer gets nothing rather than waiting) and
returns the next events; the caller handles them and calls `advance` in the same
transaction, so the cursor moves exactly when the handling commits.
"""

import re
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Uuid, bindparam, delete, exists, func, insert, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from models.base import utcnow
from models.outbox import OutboxAudience, OutboxConsumer, OutboxEvent
from services.audience import audience
from services.errors import InvalidInput
from services.idempotency import insert_or_ignore
from services.retention import Retention

# The one registry: every event type, with what it means. Subscriptions and the feed's
# `type` filter accept only these.
EVENT_TYPES: dict[str, str] = {
    "need.posted": "A school posted a need.",
    "need.matched": "A match on the need was confirmed.",
    "need.reopened": "The need's confirmed match was withdrawn; it is open again.",
    "need.cancelled": "The school called the need off.",
    "need.fulfilled": "The need's encounter took place.",
    "need.expired": "The need's window passed while it was open.",
    "match.invited": "A volunteer was invited to meet a need.",
    "match.put_forward": "An employer put a volunteer forward for a school's need.",
    "match.accepted": "The volunteer accepted the invitation.",
    "match.declined": "The volunteer declined the invitation.",
    "match.withdrawn": "The school or the volunteer withdrew.",
    "match.confirmed": "The school confirmed the match.",
    "match.scheduled": "The match's encounter was scheduled.",
    "match.expired": "Nobody answered the invitation in time.",
    "offer.published": "An employer published an offer.",
    "offer.withdrawn": "An employer withdrew a published offer.",
    "booking.requested": "A school booked seats on a slot (or its waitlist was served).",
    "booking.confirmed": "The host confirmed a booking.",
    "booking.declined": "The host declined a booking.",
    "booking.cancelled": "The school or the host cancelled a booking.",
    "booking.completed": "A booking's visit took place.",
    "waitlist.offered": "Freed seats were booked for a waiting school.",
    "encounter.recorded": "An encounter was recorded (by the school, a booking or a match).",
    "encounter.meaningful": "An encounter's checklist and attendance now make it meaningful.",
    "encounter.not_meaningful": "An encounter no longer meets its checklist.",
    "adviser_pairing.confirmed": "A coordinator confirmed pairs of an adviser pairing plan.",
    "adviser_assignment.started": "An Enterprise Adviser began serving a school.",
    "adviser_assignment.hours_logged": "Hours were logged on an adviser assignment.",
    "adviser_assignment.ended": "An adviser assignment ended.",
    "journey.updated": "A volunteer changed their career journey (never its steps here).",
    "journey.shared": "A volunteer shared their career journey.",
    "journey.withdrawn": "A volunteer withdrew their journey from sharing.",
    "journey.deleted": "A volunteer deleted their career journey.",
    "provider_access_policy.published": "A school published its provider access policy.",
    "offer_request.requested": "A school requested an encounter offer.",
    "offer_request.proposed": "The partner proposed a date for a request.",
    "offer_request.scheduled": "A request was scheduled (the school's encounter is made).",
    "offer_request.declined": "A request was declined.",
    "offer_request.cancelled": "A request was cancelled.",
    "provider_access_request.requested": "A provider asked a school for access.",
    "provider_access_request.proposed": "A date was proposed for provider access.",
    "provider_access_request.scheduled": "Provider access was scheduled.",
    "provider_access_request.declined": "Provider access was declined.",
    "provider_access_request.cancelled": "Provider access was cancelled.",
    "programme_plan.created": "A school drafted a careers programme plan.",
    "programme_plan.updated": "A school changed its programme plan.",
    "programme_plan.published": "A school published its careers programme.",
    "programme_activity.created": "An activity was added to a programme plan.",
    "programme_activity.updated": "A programme activity changed.",
    "programme_activity.deleted": "A programme activity was removed.",
    "programme_activity.need_created": "A programme activity was turned into a need.",
    "programme_activity.offer_requested": "A programme activity requested an encounter offer.",
    "programme_activity.booked": "A programme activity booked a slot.",
    "self_evaluation.saved": "A school saved a termly self-evaluation.",
    "destination.recorded": "A school recorded leavers' destinations (counts, never names).",
    "webhook.ping": "A test event sent by `ping` to one subscription only.",
}
# The oldest transaction still running when the statement's snapshot was taken (its `xip`),
# leaving out those seen running in another database of the cluster (they cannot write
# here); the snapshot's `xmax` when none is. Transactions that end between the snapshot and
# the look at pg_stat_activity stay in, so the answer errs early, never late. Compared on
# the low 32 bits, as pg_stat_activity shows xids without their epoch.
WATERMARK = text(
    """(SELECT COALESCE(MIN(x), txid_snapshot_xmax(txid_current_snapshot()))
    FROM txid_snapshot_xip(txid_current_snapshot()) AS x
    WHERE x % 4294967296 NOT IN (
        SELECT backend_xid::text::bigint FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()))"""
)
RETENTION = timedelta(days=30)  # events are kept at least this long
KEPT = Retention("Events", RETENTION, "30 days")
MAX_READ = 1000


def register(event_type: str, description: str) -> None:
    """Declare a further capability's event type (call at import of its service)."""
    EVENT_TYPES.setdefault(event_type, description)


CURSOR_PATTERN = r"^[0-9]{1,18}\.[0-9]{1,18}$"  # both parts fit PostgreSQL's bigint


@dataclass(frozen=True, order=True)
class Cursor:
    """A place in the outbox's total order; `encode()` is the form callers see (and must
    treat as opaque: it may change)."""

    txid: int = 0
    position: int = 0

    @classmethod
    def of(cls, event: OutboxEvent) -> "Cursor":
        return cls(event.txid, event.position)

    def encode(self) -> str:
        return f"{self.txid}.{self.position}"

    @classmethod
    def decode(cls, text: str, *, field: str = "after") -> "Cursor":
        if not re.fullmatch(CURSOR_PATTERN, text):
            raise InvalidInput(
                "Invalid cursor.", errors={field: ["Not a cursor this API handed out."]}
            )
        txid, position = text.split(".")
        return cls(int(txid), int(position))


START = Cursor()


def publish(session: Session, event_type: str, subject: object, data: dict) -> int:
    """Append an event about `subject` to the caller's transaction (it commits, or
    vanishes, with the change), and return its position. Its audience is who may see
    `subject` now."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"undeclared event type {event_type!r}")
    organisation_ids = audience(session, subject)
    return append(session, event_type, data, organisation_ids=organisation_ids)


def append(
    session: Session,
    event_type: str,
    data: dict,
    *,
    organisation_ids: Iterable[uuid.UUID] | None,
    occurred_at: datetime | None = None,
) -> int:
    """Append an event for these organisations (None: every organisation may see it), in
    the order of publication, and return its position. Every change publishes, so this is
    written in as few statements as it takes: one on PostgreSQL, and no unit of work."""
    ids = sorted(set(organisation_ids)) if organisation_ids is not None else []
    event = {  # _EVENT_FIELDS
        "id": uuid.uuid4(),
        "type": event_type,
        "occurred_at": occurred_at or utcnow(),
        "broadcast": organisation_ids is None,
        "organisation_ids": [str(i) for i in ids],
        "data": data,
    }
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if not ids:
            return connection.execute(_EVENT_IN_TRANSACTION, event).scalar_one()
        return connection.execute(_EVENT_WITH_AUDIENCE, {**event, "audience": ids}).scalar()
    position = connection.execute(_INSERT_EVENT, event).inserted_primary_key[0]
    if ids:
        rows = [{"organisation_id": i, "event_position": position} for i in ids]
        connection.execute(_INSERT_AUDIENCE, rows)
    return position


# Built once. On PostgreSQL each event records its transaction's id, and the event and its
# audience go in one statement (a data-modifying CTE): one round trip for every change.
_EVENTS, _AUDIENCES = OutboxEvent.__table__, OutboxAudience.__table__
_EVENT_FIELDS = ("id", "type", "occurred_at", "broadcast", "organisation_ids", "data")
_INSERT_EVENT, _INSERT_AUDIENCE = insert(_EVENTS), insert(_AUDIENCES)
_EVENT_IN_TRANSACTION = (
    insert(_EVENTS).values(txid=func.txid_current()).returning(_EVENTS.c.position)
)
_NEW_EVENT = (
    insert(_EVENTS)
    .values(txid=func.txid_current(), **{key: bindparam(key) for key in _EVENT_FIELDS})
    .returning(_EVENTS.c.position)
    .cte("new_event")
)
_EVENT_WITH_AUDIENCE = (
    insert(_AUDIENCES)
    .from_select(
        ["organisation_id", "event_position"],
        select(
            func.unnest(bindparam("audience", type_=postgresql.ARRAY(Uuid))),
            _NEW_EVENT.c.position,
        ),
    )
    .returning(_AUDIENCES.c.event_position)
)


def read(
    session: Session,
    *,
    after: Cursor = START,
    limit: int = 100,
    types: Collection[str] | None = None,
    organisation_id: uuid.UUID | None = None,
) -> list[OutboxEvent]:
    """The next events after `after`, in order (see the module's guarantee); only those
    `organisation_id` may see, when given; only of `types`, when given."""
    query = select(OutboxEvent).where(
        tuple_(OutboxEvent.txid, OutboxEvent.position) > tuple_(after.txid, after.position)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.where(OutboxEvent.txid < WATERMARK)
    if types:
        query = query.where(OutboxEvent.type.in_(list(types)))
    if organisation_id is not None:
        query = query.where(visible_to(organisation_id))
    query = query.order_by(OutboxEvent.txid, OutboxEvent.position)
    return list(session.scalars(query.limit(min(limit, MAX_READ))))


def visible_to(organisation_id: uuid.UUID):
    """A WHERE clause on `outbox_events`: the events this organisation is entitled to see."""
    named = exists().where(
        OutboxAudience.event_position == OutboxEvent.position,
        OutboxAudience.organisation_id == organisation_id,
    )
    return or_(OutboxEvent.broadcast.is_(True), named)


def take(session: Session, *, consumer: str, limit: int = 100) -> tuple[Cursor, list[OutboxEvent]]:
    """Lock `consumer`'s cursor and return it with the events after it. Returns no events
    while another worker of the same consumer holds the lock. Handle them, then `advance`
    in the same transaction and commit."""
    row = _consumer(session, consumer)
    if row is None:
        return START, []
    cursor = Cursor(row.txid, row.position)
    return cursor, read(session, after=cursor, limit=limit)


def advance(session: Session, *, consumer: str, to: Cursor) -> None:
    """Move `consumer`'s cursor (locked by `take`) to `to`."""
    row = session.get(OutboxConsumer, consumer)
    row.txid, row.position = to.txid, to.position
    session.flush()


def _consumer(session: Session, name: str) -> OutboxConsumer | None:
    if session.get(OutboxConsumer, name) is None:  # first use: create it, once
        session.execute(
            insert_or_ignore(session, OutboxConsumer).values(
                name=name, txid=0, position=0, updated_at=utcnow()
            )
        )
    query = select(OutboxConsumer).where(OutboxConsumer.name == name)
    query = query.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    return session.scalar(query)


def purge(
    session: Session, *, now: datetime | None = None, older_than: timedelta = RETENTION
) -> int:
    """Delete events older than the retention period (never sooner than 30 days)."""
    cutoff = KEPT.cutoff(older_than, now)
    old = select(OutboxEvent.position).where(OutboxEvent.occurred_at < cutoff)
    session.execute(delete(OutboxAudience).where(OutboxAudience.event_position.in_(old)))
    result = session.execute(delete(OutboxEvent).where(OutboxEvent.occurred_at < cutoff))
    session.flush()
    return result.rowcount
