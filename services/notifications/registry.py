"""Every kind of message by name: those outbox events start, reminders and digests."""

from functools import partial

from services.notifications import digests, kinds, reminders
from services.notifications.kinds import Kind

KINDS: dict[str, Kind] = {**kinds.KINDS, **{kind.name: kind for kind in reminders.REMINDER_KINDS}}
KINDS["daily_digest"] = Kind("daily_digest", False, partial(digests.daily_context, kinds=KINDS))
KINDS["weekly_digest"] = Kind("weekly_digest", False, digests.weekly_context)
ESSENTIAL_KINDS = tuple(sorted(name for name, kind in KINDS.items() if kind.essential))
