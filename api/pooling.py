"""Pooled PostgreSQL connections are checked before use only after they have sat idle.

SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` on every checkout: one more round trip on
every request, two on an idempotent one (its claim has a connection of its own). A
connection checked in a moment ago is as alive as the ping would find it, so here only
one idle for `IDLE_BEFORE_PING` seconds or more is pinged; a dead one is discarded and
the pool hands out another (SQLAlchemy retries a checkout that raises
`DisconnectionError`). A server restart under traffic still costs, at worst, the requests
in flight and the next one per process: SQLAlchemy marks every connection of the pool as
stale when a statement fails on a dropped one.
"""

import time

from sqlalchemy import Engine, event, exc

IDLE_BEFORE_PING = 10.0  # seconds
CHECKED_IN_AT = "checked_in_at"


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_BEFORE_PING) -> None:
    @event.listens_for(engine, "checkin")
    def note_checkin(_dbapi_connection, record) -> None:
        record.info[CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        checked_in_at = record.info.get(CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return  # new, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)  # it may raise, or say False
        except Exception as error:  # the driver's own error: the connection is gone
            raise exc.DisconnectionError(f"idle pooled connection is gone: {error}") from error
        if not alive:
            raise exc.DisconnectionError("idle pooled connection is gone")
