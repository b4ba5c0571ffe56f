"""How long rows that only serve for a while are kept (idempotency keys, outbox events):
a purge may keep them longer than the minimum, never shorter."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.base import utcnow
from services.errors import InvalidInput


@dataclass(frozen=True)
class Retention:
    """`rows` are kept at least `minimum` (said as `minimum_said`, "24 hours")."""

    rows: str
    minimum: timedelta
    minimum_said: str

    def cutoff(self, older_than: timedelta, now: datetime | None = None) -> datetime:
        """The time before which rows go, for a purge of those `older_than` at `now`; refused
        (InvalidInput on `older_than`) when that is sooner than the minimum."""
        if older_than < self.minimum:
            raise InvalidInput(
                f"{self.rows} are kept at least {self.minimum_said}.",
                errors={"older_than": [f"At least {self.minimum_said}."]},
            )
        return (now or utcnow()) - older_than
