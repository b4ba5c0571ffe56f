"""The event feed: an organisation's events from the outbox, in order, after a cursor.

Partners that prefer pulling read `GET /events?after=<cursor>` in a loop and never miss an
event (the outbox's guarantee, see services.outbox). Who reads: admins read every event;
staff and partner apps (scope `events:read`) of an organisation read the events it is
entitled to see; volunteers read none (they are people, not their employer).
"""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models.outbox import OutboxEvent
from models.users import Role
from services import outbox
from services.callers import Caller
from services.errors import Forbidden, InvalidInput
from services.outbox import START, Cursor

MAX_PAGE = 100


@dataclass(frozen=True)
class FeedPage:
    events: list[OutboxEvent]
    next_after: Cursor  # where the next read starts (the given cursor when nothing is new)
    has_more: bool


def check_types(types: Collection[str], *, field: str = "type") -> None:
    unknown = sorted(set(types) - set(outbox.EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            "Unknown event type.",
            errors={field: [f"{t!r} is not an event type." for t in unknown]},
        )


def list_(
    session: Session,
    caller: Caller,
    *,
    after: Cursor | None = None,
    types: Collection[str] = (),
    limit: int = MAX_PAGE,
) -> FeedPage:
    if caller.role is Role.VOLUNTEER:
        raise Forbidden("The event feed is for organisations' staff and partner apps.")
    check_types(types)
    after = after or START
    organisation_id = None if caller.is_admin else caller.organisation_id
    found = outbox.read(
        session, after=after, limit=limit + 1, types=types, organisation_id=organisation_id
    )
    events, has_more = found[:limit], len(found) > limit
    return FeedPage(events, Cursor.of(events[-1]) if events else after, has_more)
