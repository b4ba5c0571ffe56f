"""The one outbox: every event a partner cares about, written in the transaction of its
change, in one total order (`txid`, `position`) that every consumer reads with its own cursor.
"""

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

# A 64-bit counter on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
BIG_SERIAL = BigInteger().with_variant(Integer, "sqlite")


class OutboxEvent(Base):
    """One event's envelope: id, type, when, who may see it, and thin data (ids, statuses)."""

    __tablename__ = "outbox_events"
    __audited__ = False  # the event describes a change the audit log already records

    position: Mapped[int] = mapped_column(BIG_SERIAL, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    # PostgreSQL: the writing transaction's id (txid_current()); 0 on SQLite, whose single
    # writer commits in position order. Readers order by (txid, position).
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    broadcast: Mapped[bool] = mapped_column(default=False)  # every organisation may see it
    organisation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    audience: Mapped[list["OutboxAudience"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (Index("ix_outbox_events_txid_position", "txid", "position"),)


class OutboxAudience(Base):
    """An organisation entitled to see an event (the feed and webhooks read through it)."""

    __tablename__ = "outbox_audiences"
    __audited__ = False

    organisation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_position: Mapped[int] = mapped_column(
        BIG_SERIAL, ForeignKey("outbox_events.position", ondelete="CASCADE"), primary_key=True
    )


class OutboxConsumer(Base):
    """A consumer's cursor (webhooks, email, ...): the last event it has taken."""

    __tablename__ = "outbox_consumers"
    __audited__ = False

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
