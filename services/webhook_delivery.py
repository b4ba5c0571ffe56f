"""The webhook delivery worker's steps: fan events out to subscriptions, claim due
deliveries under a lease, send them signed (Standard Webhooks), record each attempt.

At least once: a delivery is claimed in a short transaction (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so workers never take the same one; SQLite has one writer) by setting a lease;
it is sent outside any transaction; the result is recorded only if the lease is still
ours. A worker killed mid-send leaves the lease to expire, and the delivery is sent again
with the same `webhook-id` (the event's id). Failures retry with exponential backoff and
jitter for about three days (`RETRY_DELAYS`), never sooner than a `Retry-After`; `410 Gone`
disables the subscription, as do failures lasting `DISABLE_AFTER`. The clock and the
randomness are parameters, so tests move time instead of sleeping.
"""

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload
from standardwebhooks.webhooks import Webhook

from models.base import utcnow
from models.outbox import OutboxEvent
from models.webhooks import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from services import audit, egress, outbox, webhooks
from services.idempotency import insert_or_ignore

CONSUMER = "webhooks"
WORKER = "worker:events-deliver"  # the audit log's request id for what the worker writes
# The wait after each failed attempt: 10 attempts over about 3 days (76.5 hours).
RETRY_DELAYS = [
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=25),
]
JITTER = 0.2  # each wait is stretched by up to 20%, so retries of many do not align
MAX_RETRY_AFTER = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
LEASE = timedelta(minutes=2)
CLAIM_BATCH = 10  # at most 10 × (3 s + 5 s) of sending: well inside the lease


@dataclass(frozen=True)
class Claimed:
    delivery_id: uuid.UUID
    lease_token: uuid.UUID
    subscription_id: uuid.UUID
    url: str
    message_id: str
    body: str
    secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error_class: str | None
    excerpt: str | None = None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def envelope(event: OutboxEvent) -> str:
    """The JSON body of a delivery: the event's envelope, as the feed shows it."""
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
            "organisation_ids": event.organisation_ids,
            "data": event.data,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def fan_out(session: Session, *, limit: int = 500) -> int:
    """Turn the next events into deliveries for the active subscriptions that want them
    (subscribed to the type, entitled to see it, created before it). The caller commits."""
    cursor, events = outbox.take(session, consumer=CONSUMER, limit=limit)
    if not events:
        return 0
    subscriptions = session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.status == SubscriptionStatus.ACTIVE)
    ).all()
    rows = [
        {
            "id": uuid.uuid4(),
            "subscription_id": s.id,
            "event_position": e.position,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": e.occurred_at,
            "created_at": e.occurred_at,
        }
        for e in events
        if e.type != webhooks.PING
        for s in subscriptions
        if _wants(s, e)
    ]
    if rows:
        session.execute(insert_or_ignore(session, WebhookDelivery), rows)
    outbox.advance(session, consumer=CONSUMER, to=outbox.Cursor.of(events[-1]))
    return len(rows)


def _wants(subscription: WebhookSubscription, event: OutboxEvent) -> bool:
    return (
        event.type in subscription.event_types
        and event.occurred_at >= subscription.created_at
        and (event.broadcast or str(subscription.organisation_id) in event.organisation_ids)
    )


def claim(session: Session, *, now: datetime, limit: int = CLAIM_BATCH) -> list[Claimed]:
    """Lease due deliveries of active subscriptions. Commit at once, then send.

    One conditional UPDATE takes them: on PostgreSQL its subquery skips rows another
    worker has locked (`FOR UPDATE SKIP LOCKED`); SQLite runs one writer at a time."""
    due = (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now),
            WebhookSubscription.status == SubscriptionStatus.ACTIVE,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    token = uuid.uuid4()
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(due.scalar_subquery()))
        .values(leased_until=now + LEASE, lease_token=token)
        .execution_options(synchronize_session=False)
    )
    deliveries = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.lease_token == token)
        .options(joinedload(WebhookDelivery.event), joinedload(WebhookDelivery.subscription))
        .execution_options(populate_existing=True)
    ).all()
    return [
        Claimed(
            delivery.id,
            token,
            delivery.subscription.id,
            delivery.subscription.url,
            str(delivery.event.id),
            envelope(delivery.event),
            webhooks.signing_secrets(delivery.subscription, now),
        )
        for delivery in deliveries
    ]


def headers_for(claimed: Claimed, *, sent_at: datetime) -> dict[str, str]:
    """Standard Webhooks headers; one `v1,` signature per valid secret (two in rotation)."""
    signatures = [
        Webhook(secret).sign(claimed.message_id, sent_at, claimed.body)
        for secret in claimed.secrets
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": "Engage-Webhooks/1",
        "webhook-id": claimed.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def send(claimed: Claimed, policy: egress.Policy, *, resolve=egress.system_resolver) -> Outcome:
    """POST one delivery (the URL checked again, the connection to the checked address).
    The signature's timestamp is the real time of sending: receivers check it."""
    try:
        answer = egress.post(
            claimed.url,
            claimed.body.encode(),
            headers_for(claimed, sent_at=utcnow()),
            policy,
            resolve=resolve,
        )
    except egress.RefusedURL:
        return Outcome(None, 0, "address_refused")
    except TimeoutError:
        return Outcome(None, 0, "timeout")
    except OSError:
        return Outcome(None, 0, "connection_failed")
    error = None
    if not 200 <= answer.status < 300:
        error = "redirect_not_followed" if 300 <= answer.status < 400 else "http_status"
    retry_after = _retry_after(answer.headers)
    return Outcome(answer.status, answer.latency_ms, error, answer.excerpt, retry_after)


def _retry_after(headers: dict[str, str]) -> timedelta | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        wait = timedelta(seconds=int(value))
    except ValueError:
        try:
            wait = parsedate_to_datetime(value) - utcnow()
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def record(
    session: Session,
    claimed: Claimed,
    outcome: Outcome,
    *,
    now: datetime,
    rng: random.Random | None = None,
) -> bool:
    """Record the attempt, if our lease still holds (else another worker has it: False)."""
    delivery = session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == claimed.delivery_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if delivery is None or delivery.lease_token != claimed.lease_token:
        return False
    subscription = session.get(WebhookSubscription, claimed.subscription_id, with_for_update=True)
    delivery.attempts += 1
    delivery.leased_until = delivery.lease_token = None
    next_at = None
    if outcome.succeeded:
        delivery.status, delivery.completed_at = DeliveryStatus.SUCCEEDED, now
        subscription.failing_since = None
    else:
        next_at = _after_failure(session, delivery, subscription, outcome, now, rng)
    delivery.next_attempt_at = next_at
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error_class=outcome.error_class,
            response_excerpt=outcome.excerpt,
            next_retry_at=next_at,
        )
    )
    session.flush()
    return True


def _after_failure(session, delivery, subscription, outcome, now, rng) -> datetime | None:
    """When to try again (None: never), disabling the subscription when it is gone."""
    subscription.failing_since = subscription.failing_since or now
    reason = None
    if outcome.status_code == 410:
        reason = "The receiver answered 410 Gone."
    elif now - subscription.failing_since >= DISABLE_AFTER:
        reason = f"Deliveries have failed since {subscription.failing_since:%Y-%m-%d %H:%M} UTC."
    if reason:
        disable(session, subscription, reason=reason, now=now)
        delivery.status, delivery.completed_at = DeliveryStatus.FAILED, now
        return None
    if delivery.attempts > len(RETRY_DELAYS):
        delivery.status, delivery.completed_at = DeliveryStatus.FAILED, now
        return None
    wait = RETRY_DELAYS[delivery.attempts - 1] * (1 + JITTER * (rng or random).random())
    return now + max(wait, outcome.retry_after or timedelta(0))


def disable(session: Session, subscription: WebhookSubscription, *, reason: str, now) -> None:
    """Stop a subscription, recording why; its pending deliveries fail with it."""
    subscription.status, subscription.disabled_reason = SubscriptionStatus.DISABLED, reason
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED, completed_at=now, next_attempt_at=None)
    )


def run_once(
    session: Session,
    policy: egress.Policy,
    *,
    clock: Callable[[], datetime] = utcnow,
    rng: random.Random | None = None,
    resolve=egress.system_resolver,
    limit: int = CLAIM_BATCH,
) -> int:
    """One round: fan out, claim, send, record. Returns the deliveries attempted.
    What it changes (a subscription failing or disabled) is audited as this worker's."""
    audit.system_context(session, WORKER)
    fan_out(session)
    session.commit()
    claimed = claim(session, now=clock(), limit=limit)
    session.commit()
    # Sent outside any transaction; the batch's attempts are then recorded in one (a commit
    # costs milliseconds on PostgreSQL). A worker dying in between sends them again.
    sent = [(one, send(one, policy, resolve=resolve), clock()) for one in claimed]
    for one, outcome, at in sent:
        record(session, one, outcome, now=at, rng=rng)
    session.commit()
    return len(claimed)
