"""The pool's change log: which volunteers and employers each write touched, in commit order.

Writing: `next_sequence` bumps the pool's `sequence` (models.matching) with an upsert that
holds the row's lock until commit; `log` records what was touched under that number. Two writers
therefore take numbers one after the other, in the order they commit, and a reader that
sees sequence N can read every change up to N: none is still to commit below it.

The flush listeners, registered on every Session when this module is imported
(services.matching imports it): `number_volunteer_writes` (before_flush) takes a flush's
sequence number before it writes any volunteer, so the pool row is always locked first;
`log_volunteer_writes` (after_flush, when new rows have their ids) logs what it wrote.
A bulk INSERT or UPDATE that bypasses the ORM calls `new_generation`, which makes every
process reload the whole pool.

Reading: `current` is the stamp a process compares with its copy; `since` what changed
after the copy's sequence, or None when the log no longer reaches back that far (it keeps
the last KEEP changes) and only a full reload will do.
"""

import uuid
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

from sqlalchemy import String, cast, delete, event, insert, select
from sqlalchemy.orm import Session

from models.journeys import Journey
from models.matching import PoolChange, PoolGeneration
from models.organisations import Employer
from models.volunteers import Volunteer
from services.idempotency import upsert

VOLUNTEER_POOL = "volunteers"
KEEP = 10_000  # changes kept; a process further behind reloads in full
SEQUENCE_KEY = "matching_pool_sequence"


class Stamp(NamedTuple):
    generation: uuid.UUID
    sequence: int


@dataclass(frozen=True)
class Touched:
    volunteer_ids: list[uuid.UUID]
    volunteer_keys: list  # the same ids in the form the pool holds them (cast to text)
    employer_ids: list[uuid.UUID]


def current(session: Session) -> Stamp | None:
    row = session.execute(
        select(PoolGeneration.generation, PoolGeneration.sequence).where(
            PoolGeneration.pool == VOLUNTEER_POOL
        )
    ).one_or_none()
    return Stamp(*row) if row is not None else None


def since(session: Session, after: int, through: int) -> Touched | None:
    """What the changes numbered (after, through] touched; None if some are no longer logged."""
    rows = session.execute(
        select(
            PoolChange.sequence.label("sequence"),
            PoolChange.volunteer_id.label("volunteer_id"),
            cast(PoolChange.volunteer_id, String).label("volunteer_key"),
            PoolChange.employer_id.label("employer_id"),
        ).where(PoolChange.sequence > after, PoolChange.sequence <= through)
    ).all()
    if len({sequence for sequence, *_ in rows}) != through - after:
        return None
    volunteers = {(v, key) for _, v, key, _ in rows if v is not None}
    return Touched(
        volunteer_ids=[v for v, _ in volunteers],
        volunteer_keys=[key for _, key in volunteers],
        employer_ids=list({e for *_, e in rows if e is not None}),
    )


def next_sequence(session: Session) -> int:
    """Take the next sequence number: the pool row stays locked until this transaction ends."""
    bump = upsert(session, PoolGeneration).values(
        pool=VOLUNTEER_POOL, generation=uuid.uuid4(), sequence=1
    )
    bump = bump.on_conflict_do_update(
        index_elements=["pool"], set_={"sequence": PoolGeneration.__table__.c.sequence + 1}
    ).returning(PoolGeneration.sequence)
    return session.execute(bump).scalar_one()


def log(session: Session, sequence: int, *, volunteer_ids=(), employer_ids=()) -> None:
    """Record the volunteers and employers written under `sequence`."""
    touched = [{"volunteer_id": v, "employer_id": None} for v in volunteer_ids]
    touched += [{"volunteer_id": None, "employer_id": e} for e in employer_ids]
    session.execute(insert(PoolChange), [{"sequence": sequence, **row} for row in touched])
    if sequence % 100 == 0:  # now and then, forget what every process has long read
        session.execute(delete(PoolChange).where(PoolChange.sequence <= sequence - KEEP))


def new_generation(session: Session) -> None:
    """Tell every process to reload the whole pool (after a bulk write outside the ORM)."""
    statement = upsert(session, PoolGeneration).values(pool=VOLUNTEER_POOL, generation=uuid.uuid4())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["pool"], set_={"generation": statement.excluded.generation}
        )
    )


def _written(session: Session) -> tuple[set, set]:
    """The volunteers (and the volunteers of career journeys: their kinds are a pool column)
    and employers a flush writes."""
    written = list(chain(session.new, session.dirty, session.deleted))
    volunteers = {obj for obj in written if isinstance(obj, Volunteer | Journey)}
    employers = {obj for obj in written if isinstance(obj, Employer)}
    return volunteers, employers


def number_volunteer_writes(session: Session, _flush_context, _instances) -> None:
    """before_flush: a flush that writes volunteers or employers takes its sequence number
    first (and with it the pool row's lock, always before any volunteer's)."""
    if any(_written(session)):
        session.info[SEQUENCE_KEY] = next_sequence(session)


def log_volunteer_writes(session: Session, _flush_context) -> None:
    """after_flush: log the volunteers and employers the flush wrote (their ids are set now)."""
    sequence = session.info.pop(SEQUENCE_KEY, None)
    if sequence is None:
        return
    volunteers, employers = _written(session)
    log(
        session,
        sequence,
        volunteer_ids=sorted({_volunteer_id(obj) for obj in volunteers}),
        employer_ids=sorted(e.id for e in employers),
    )


def _volunteer_id(obj: Volunteer | Journey) -> uuid.UUID:
    return obj.volunteer_id if isinstance(obj, Journey) else obj.id


event.listen(Session, "before_flush", number_volunteer_writes)
event.listen(Session, "after_flush", log_volunteer_writes)
