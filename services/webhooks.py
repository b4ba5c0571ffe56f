"""Webhook subscriptions: an organisation's admins (or its partner apps with
`webhooks:write`) subscribe a URL to event types, pause, change and delete it, rotate its
signing secret, ping it, and read and redeliver its deliveries (the delivery log).

The secret is in the Standard Webhooks form (`whsec_` + base64) and shown once, when made.
Rotating keeps the previous secret valid for an overlap (default 24 hours) during which
every delivery carries both signatures. URLs are checked by services.egress (SSRF) when
set and again at every send. The worker that sends is services.webhook_delivery.
"""

import base64
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.base import utcnow
from models.webhooks import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from services import audit, egress, outbox
from services.access import get_authorized, get_visible, manages_integrations
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, InvalidInput
from services.pagination import Listing, Page, paginate

DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)
PING = "webhook.ping"


@dataclass(frozen=True)
class NewSecret:
    subscription: WebhookSubscription
    secret: str  # shown once


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def list_(session: Session, caller: Caller, *, page: int, page_size: int) -> Page:
    query = select(WebhookSubscription)
    if not caller.is_admin:
        _check_manager(caller)
        query = query.where(WebhookSubscription.organisation_id == caller.organisation_id)
    query = query.order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    return paginate(session, query, page=page, page_size=page_size)


def get(session: Session, caller: Caller, subscription_id: uuid.UUID) -> WebhookSubscription:
    return get_visible(session, caller, WebhookSubscription, subscription_id)


def create(
    session: Session,
    caller: Caller,
    *,
    url: str,
    event_types: Iterable[str],
    description: str | None = None,
    policy: egress.Policy,
    resolve: egress.Resolver = egress.system_resolver,
) -> NewSecret:
    _check_manager(caller)
    secret = new_secret()
    subscription = WebhookSubscription(
        organisation_id=caller.organisation_id,
        url=_checked_url(url, policy, resolve),
        event_types=_checked_types(event_types),
        description=description,
        secret=secret,
    )
    session.add(subscription)
    session.flush()
    return NewSecret(subscription, secret)


def update(
    session: Session,
    caller: Caller,
    subscription_id: uuid.UUID,
    changes: dict,
    *,
    policy: egress.Policy,
    resolve: egress.Resolver = egress.system_resolver,
) -> WebhookSubscription:
    """Change the URL, types or description; `status` pauses (`paused`) or resumes
    (`active`, which also re-enables one Engage disabled)."""
    subscription = _for_update(session, caller, subscription_id)
    if "url" in changes:
        subscription.url = _checked_url(changes["url"], policy, resolve)
    if "event_types" in changes:
        subscription.event_types = _checked_types(changes["event_types"])
    if "description" in changes:
        subscription.description = changes["description"]
    if "status" in changes:
        status = SubscriptionStatus(changes["status"])
        if status is SubscriptionStatus.DISABLED:
            raise InvalidInput(
                "Pause a subscription instead.", errors={"status": ["Only active or paused."]}
            )
        if status is SubscriptionStatus.ACTIVE:
            subscription.disabled_reason, subscription.failing_since = None, None
        subscription.status = status
    session.flush()
    return subscription


def delete(session: Session, caller: Caller, subscription_id: uuid.UUID) -> None:
    subscription = get_authorized(
        session, caller, Action.DELETE, WebhookSubscription, subscription_id
    )
    session.delete(subscription)
    session.flush()


def rotate_secret(
    session: Session,
    caller: Caller,
    subscription_id: uuid.UUID,
    *,
    overlap: timedelta = DEFAULT_OVERLAP,
    now: datetime | None = None,
) -> NewSecret:
    """A new secret; the current one stays valid for `overlap` (both signatures are sent)."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise InvalidInput(
            "The overlap is 0 to 7 days.", errors={"overlap_hours": ["0 to 168 hours."]}
        )
    subscription = _for_update(session, caller, subscription_id)
    secret = new_secret()
    subscription.previous_secret = subscription.secret if overlap else None
    subscription.previous_secret_expires_at = (now or utcnow()) + overlap if overlap else None
    subscription.secret = secret
    session.flush()
    return NewSecret(subscription, secret)


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    while its overlap lasts."""
    found = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires and expires > now:
        found.append(subscription.previous_secret)
    return found


def ping(
    session: Session, caller: Caller, subscription_id: uuid.UUID, *, now: datetime | None = None
) -> WebhookDelivery:
    """Send a `webhook.ping` test event to this subscription only (whatever its types)."""
    subscription = _for_update(session, caller, subscription_id)
    if subscription.status is not SubscriptionStatus.ACTIVE:
        raise Conflict(f"The subscription is {subscription.status.value}: resume it first.")
    position = outbox.append(
        session,
        PING,
        {"subscription_id": str(subscription.id)},
        organisation_ids=[subscription.organisation_id],
    )
    delivery = WebhookDelivery(
        subscription_id=subscription.id, event_position=position, next_attempt_at=now
    )
    session.add(delivery)
    _audit(session, "webhook_delivery.pinged", delivery)
    return delivery


# A subscription's delivery log, newest first, each delivery with its attempts.
DELIVERIES = Listing(
    WebhookDelivery,
    query=select(WebhookDelivery).options(selectinload(WebhookDelivery.event)),
    within=(WebhookSubscription, "subscription_id"),
    equal=("status",),
    order=(WebhookDelivery.created_at.desc(), WebhookDelivery.id),
)
list_deliveries = DELIVERIES.page_within


def attempts_of(session: Session, deliveries: list[WebhookDelivery]) -> dict:
    """Each delivery's attempts, oldest first (one query for a page)."""
    ids = [d.id for d in deliveries]
    found: dict[uuid.UUID, list[WebhookAttempt]] = {i: [] for i in ids}
    if ids:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids))
        for attempt in session.scalars(
            query.order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        ):
            found[attempt.delivery_id].append(attempt)
    return found


def redeliver(
    session: Session,
    caller: Caller,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> WebhookDelivery:
    """Send a failed delivery again (same `webhook-id`), with a fresh round of retries."""
    subscription = _for_update(session, caller, subscription_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise InvalidInput("No such delivery.", errors={"delivery_id": ["Not this one's."]})
    if delivery.status is not DeliveryStatus.FAILED:
        raise Conflict(f"Only a failed delivery is redelivered; this one is {delivery.status}.")
    delivery.status, delivery.attempts = DeliveryStatus.PENDING, 0
    delivery.next_attempt_at, delivery.completed_at = now or utcnow(), None
    delivery.leased_until = delivery.lease_token = None
    _audit(session, "webhook_delivery.redelivered", delivery)
    return delivery


def _audit(session: Session, action: str, delivery: WebhookDelivery) -> None:
    """Flush the delivery (so it has its id), then audit what was done to it."""
    session.flush()
    audit.record(session, action=action, object_type="webhook_delivery", object_ids=[delivery.id])


def _check_manager(caller: Caller) -> None:
    if not manages_integrations(caller, caller.organisation_id):
        raise Forbidden("Only your organisation's admins and partner apps manage webhooks.")


def _for_update(session: Session, caller: Caller, subscription_id: uuid.UUID):
    return get_authorized(session, caller, Action.UPDATE, WebhookSubscription, subscription_id)


def _checked_url(url: str, policy: egress.Policy, resolve: egress.Resolver) -> str:
    try:
        egress.check_url(url, policy, resolve=resolve)
    except egress.RefusedURL as refused:
        raise InvalidInput(
            "This URL may not receive webhooks.", errors={"url": [refused.reason]}
        ) from None
    return url


def _checked_types(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    unknown = [t for t in chosen if t not in outbox.EVENT_TYPES or t == PING]
    if not chosen or unknown:
        messages = [f"{t!r} is not an event type." for t in unknown] or ["Name at least one."]
        raise InvalidInput(
            "Choose event types from the registry.", errors={"event_types": messages}
        )
    return chosen
