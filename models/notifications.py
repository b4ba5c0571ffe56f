"""Email notifications: what each person chose to receive, the messages owed to them, and
addresses that refused mail for good.

A `Notification` is one message to one address, written once per (source, recipient):
its `key` is unique, and its `Message-ID` is derived from that key, so a retry after a
crash resends the same message and never a second one. The rendered message is kept only
until it is sent (it may carry a one-time link).
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column, utcnow


class Delivery(enum.StrEnum):
    """How a person takes non-essential notices (essential ones always go at once)."""

    IMMEDIATE = "immediate"
    DAILY_DIGEST = "daily_digest"
    OFF = "off"


class NotificationPreference(Timestamps, Base):
    """A person's choice; no row means the default (immediate)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery), default=Delivery.IMMEDIATE)
    # Grants one thing only: turning this person's non-essential notices off (RFC 8058).
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"  # to be sent when `next_attempt_at` comes
    HELD = "held"  # waiting for the person's daily digest
    DIGESTED = "digested"  # went out inside a digest (`digest_id`)
    SENT = "sent"
    REFUSED = "refused"  # the address was refused for good: not retried
    SKIPPED = "skipped"  # opted out, or nothing left to say (an invitation already used)
    FAILED = "failed"  # still failing after every retry


class Notification(UUIDPrimaryKey, Base):
    __tablename__ = "notifications"
    __audited__ = False  # delivery plumbing: the change that owed the message is audited

    key: Mapped[str] = mapped_column(String(200), unique=True)  # source and recipient
    kind: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[uuid.UUID | None]  # the outbox event it came from, if any
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str] = mapped_column(String(254))
    essential: Mapped[bool]
    context: Mapped[dict] = mapped_column(JSON, default=dict)  # ids the template reads
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus), default=NotificationStatus.PENDING
    )
    message_id: Mapped[str | None] = mapped_column(String(200))  # set when first written
    message: Mapped[bytes | None] = mapped_column(LargeBinary)  # rendered, until sent
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    digest_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notifications.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_notifications_user_id_status", "user_id", "status"),
    )


class RefusedAddress(Base):
    """An address the mail server refused permanently (5xx): nothing more is sent to it."""

    __tablename__ = "refused_addresses"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500))
    refused_at: Mapped[datetime] = mapped_column(default=utcnow)
