"""Webhook subscriptions, their deliveries (one per subscription and event) and each
delivery's attempts: the delivery log."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, utcnow
from models.organisations import enum_column
from models.outbox import BIG_SERIAL, OutboxEvent


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by its owners: no deliveries until resumed
    DISABLED = "disabled"  # by Engage (410 Gone, or failing for days): `disabled_reason`


class WebhookSubscription(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "webhook_subscriptions"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus), default=SubscriptionStatus.ACTIVE
    )
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    # The signing secret (`whsec_…`) must be kept to sign with; it is shown to callers once.
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]  # first failure since the last success

    __table_args__ = (Index("ix_webhook_subscriptions_status", "status"),)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # after its last attempt, or its subscription disabled


class WebhookDelivery(UUIDPrimaryKey, Base):
    """One event to one subscription; `webhook-id` is the event's id on every attempt."""

    __tablename__ = "webhook_deliveries"
    # The delivery log: the worker's own record of its sends (a person's redelivery or
    # ping is recorded explicitly; the subscription's changes are audited as they are).
    __audited__ = False

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_position: Mapped[int] = mapped_column(
        BIG_SERIAL, ForeignKey("outbox_events.position", ondelete="CASCADE"), index=True
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    leased_until: Mapped[datetime | None]  # a worker is sending it until then
    lease_token: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    event: Mapped[OutboxEvent] = relationship()
    subscription: Mapped[WebhookSubscription] = relationship()

    __table_args__ = (
        UniqueConstraint(
            "subscription_id", "event_position", name="uq_webhook_deliveries_subscription_event"
        ),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription_id_created_at", "subscription_id", "created_at"),
    )


class WebhookAttempt(UUIDPrimaryKey, Base):
    """One try: when, the receiver's status code (or the error class), how long it took."""

    __tablename__ = "webhook_attempts"
    __audited__ = False  # the delivery log, as above

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    error_class: Mapped[str | None] = mapped_column(String(40))
    response_excerpt: Mapped[str | None] = mapped_column(String(200))
    next_retry_at: Mapped[datetime | None]
