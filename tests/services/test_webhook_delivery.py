"""The delivery worker against a real receiver on 127.0.0.1 (pytest-httpserver): signatures
verify with the `standardwebhooks` library, retries back off (the clock is injected, never
slept), Retry-After is honoured, 410 disables, redirects are not followed."""

import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from werkzeug import Response

from models.audit import AuditEntry
from models.base import utcnow
from models.users import Role
from models.webhooks import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from services import bookings, egress, outbox, webhook_delivery, webhooks
from services.callers import Caller

LOCAL = egress.Policy(require_https=False, allow_loopback=True)


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def admin_of(user) -> Caller:
    return Caller(
        role=user.role, organisation_id=user.organisation_id, user_id=user.id, is_org_admin=True
    )


@pytest.fixture
def subscribe(session, world, httpserver):
    def make(types=("booking.cancelled",), side=None):
        side = side or world.a
        made = webhooks.create(
            session,
            admin_of(side.users[Role.SCHOOL_STAFF]),
            url=httpserver.url_for("/hook"),
            event_types=types,
            policy=LOCAL,
        )
        session.commit()
        return made

    return make


def cancel_booking(session, world, side=None):
    side = side or world.a
    user = side.users[Role.SCHOOL_STAFF]
    caller = Caller(role=user.role, organisation_id=user.organisation_id, user_id=user.id)
    bookings.cancel(session, caller, side.booking.id, reason="The coach broke down")
    session.commit()


def run(session, clock, rng=None):
    return webhook_delivery.run_once(session, LOCAL, clock=clock, rng=rng or random.Random(1))


def attempts(session):
    session.expire_all()
    return session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.attempted_at)).all()


def test_a_delivery_is_signed_and_verifies_with_the_library(session, world, httpserver, subscribe):
    made = subscribe()
    httpserver.expect_request("/hook", method="POST").respond_with_data("thanks")
    cancel_booking(session, world)

    assert run(session, Clock()) == 1
    ((request, _),) = httpserver.log
    payload = Webhook(made.secret).verify(request.get_data(), dict(request.headers))
    assert payload["type"] == "booking.cancelled"
    assert payload["data"]["booking_id"] == str(world.a.booking.id)
    assert request.headers["webhook-id"] == payload["id"]
    assert set(payload) == {"id", "type", "occurred_at", "organisation_ids", "data"}
    (attempt,) = attempts(session)
    assert (attempt.status_code, attempt.error_class) == (200, None)
    delivery = session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.SUCCEEDED


def test_only_subscribed_types_of_the_organisations_own_events_are_sent(
    session, world, httpserver, subscribe
):
    subscribe(types=["booking.confirmed"])  # not cancellations
    subscribe(side=world.b)  # another organisation's subscription
    httpserver.expect_request("/hook").respond_with_data("ok")
    cancel_booking(session, world)

    assert run(session, Clock()) == 0
    assert httpserver.log == []


def test_a_rotated_secret_sends_both_signatures_during_the_overlap(
    session, world, httpserver, subscribe
):
    old = subscribe()
    caller = admin_of(world.a.users[Role.SCHOOL_STAFF])
    new = webhooks.rotate_secret(session, caller, old.subscription.id)
    session.commit()
    httpserver.expect_request("/hook").respond_with_data("ok")
    cancel_booking(session, world)

    run(session, Clock())
    ((request, _),) = httpserver.log
    body, headers = request.get_data(), dict(request.headers)
    assert len(headers["Webhook-Signature"].split(" ")) == 2
    assert Webhook(old.secret).verify(body, headers)["type"] == "booking.cancelled"
    assert Webhook(new.secret).verify(body, headers)["type"] == "booking.cancelled"

    later = old.subscription.previous_secret_expires_at + timedelta(seconds=1)
    assert webhooks.signing_secrets(new.subscription, later) == [new.secret]


def test_500_500_200_is_three_attempts_with_growing_delays(session, world, httpserver, subscribe):
    subscribe()
    for status in (500, 500, 200):
        httpserver.expect_ordered_request("/hook").respond_with_data("x", status=status)
    cancel_booking(session, world)
    clock = Clock()

    assert run(session, clock) == 1
    assert run(session, clock) == 0  # not due yet: nothing is sent early
    first = attempts(session)[-1].next_retry_at
    clock.now = first
    assert run(session, clock) == 1
    second = attempts(session)[-1].next_retry_at
    clock.now = second
    assert run(session, clock) == 1

    log = attempts(session)
    assert [a.status_code for a in log] == [500, 500, 200]
    assert [a.error_class for a in log] == ["http_status", "http_status", None]
    delays = [first - log[0].attempted_at, second - log[1].attempted_at]
    assert timedelta(seconds=10) <= delays[0] < delays[1]
    ids = {request.headers["webhook-id"] for request, _ in httpserver.log}
    assert len(ids) == 1  # every attempt is the same message
    assert session.scalar(select(WebhookDelivery)).status is DeliveryStatus.SUCCEEDED


def test_retry_after_is_honoured(session, world, httpserver, subscribe):
    subscribe()
    httpserver.expect_request("/hook").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "3600"})
    )
    cancel_booking(session, world)
    clock = Clock()

    run(session, clock)
    (attempt,) = attempts(session)
    assert attempt.next_retry_at - attempt.attempted_at == timedelta(hours=1)
    clock.advance(timedelta(minutes=59))
    assert run(session, clock) == 0


def test_410_gone_disables_the_subscription_and_says_why(session, world, httpserver, subscribe):
    made = subscribe()
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)
    cancel_booking(session, world)

    run(session, Clock())
    session.expire_all()
    subscription = webhooks.get(
        session, admin_of(world.a.users[Role.SCHOOL_STAFF]), made.subscription.id
    )
    assert subscription.status is SubscriptionStatus.DISABLED
    assert "410" in subscription.disabled_reason
    assert session.scalar(select(WebhookDelivery)).status is DeliveryStatus.FAILED
    # The worker writes under its own audit context: the disabling is in the audit log.
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.object_id == str(made.subscription.id))
    ).all()
    assert ("webhook_subscription.updated", webhook_delivery.WORKER) in {
        (entry.action, entry.request_id) for entry in entries
    }


def test_deliveries_failing_for_five_days_disable_the_subscription(
    session, world, httpserver, subscribe
):
    made = subscribe()
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    caller = admin_of(world.a.users[Role.SCHOOL_STAFF])
    cancel_booking(session, world)
    clock = Clock()
    started = clock.now
    statuses = []
    while run(session, clock):  # each attempt fails; follow the retries as they fall due
        subscription = session.get(WebhookSubscription, made.subscription.id)
        statuses.append((clock.now - started, subscription.status))
        retry = attempts(session)[-1].next_retry_at
        if retry is None and subscription.status is SubscriptionStatus.ACTIVE:
            clock.advance(timedelta(days=1))  # the first event's retries are spent: a new one
            webhooks.ping(session, caller, made.subscription.id, now=clock.now)
            session.commit()
        else:
            clock.now = retry or clock.now

    five_days = timedelta(days=5)
    assert {status for age, status in statuses if age < five_days} == {SubscriptionStatus.ACTIVE}
    assert statuses[-1][0] >= five_days
    assert statuses[-1][1] is SubscriptionStatus.DISABLED
    assert f"failed since {started:%Y-%m-%d %H:%M} UTC" in subscription.disabled_reason
    assert {d.status for d in session.scalars(select(WebhookDelivery))} == {DeliveryStatus.FAILED}


def test_after_the_last_attempt_the_delivery_fails_and_can_be_redelivered(
    session, world, httpserver, subscribe
):
    made = subscribe()
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    cancel_booking(session, world)
    clock = Clock()
    for _ in range(len(webhook_delivery.RETRY_DELAYS) + 1):
        assert run(session, clock) == 1
        clock.now = attempts(session)[-1].next_retry_at or clock.now
    delivery = session.scalar(select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.FAILED
    assert attempts(session)[-1].next_retry_at is None
    span = attempts(session)[-1].attempted_at - attempts(session)[0].attempted_at
    assert timedelta(days=3) <= span <= timedelta(days=4)  # "about three days"

    caller = admin_of(world.a.users[Role.SCHOOL_STAFF])
    webhooks.redeliver(session, caller, made.subscription.id, delivery.id, now=clock.now)
    session.commit()
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    assert run(session, clock) == 1
    assert session.scalar(select(WebhookDelivery)).status is DeliveryStatus.SUCCEEDED


def test_a_redirect_is_not_followed(session, world, httpserver, subscribe):
    subscribe()
    httpserver.expect_request("/hook").respond_with_response(
        Response("", status=302, headers={"Location": httpserver.url_for("/elsewhere")})
    )
    httpserver.expect_request("/elsewhere").respond_with_data("should never be called")
    cancel_booking(session, world)

    run(session, Clock())
    assert [r.path for r, _ in httpserver.log] == ["/hook"]
    assert attempts(session)[0].error_class == "redirect_not_followed"


def test_the_address_is_checked_again_at_send_time(session, world, httpserver, subscribe):
    """A name that resolved to the receiver when subscribed now points inside: refused."""
    subscribe()
    cancel_booking(session, world)
    inside = lambda host, port: ["10.1.2.3"]  # noqa: E731 - DNS rebinding, as a resolver
    webhook_delivery.run_once(session, LOCAL, clock=Clock(), resolve=inside)
    assert attempts(session)[0].error_class == "address_refused"
    assert httpserver.log == []


def test_a_paused_subscription_gets_nothing_until_resumed(session, world, httpserver, subscribe):
    made = subscribe()
    httpserver.expect_request("/hook").respond_with_data("ok")
    caller = admin_of(world.a.users[Role.SCHOOL_STAFF])
    webhooks.update(session, caller, made.subscription.id, {"status": "paused"}, policy=LOCAL)
    session.commit()
    cancel_booking(session, world)
    assert run(session, Clock()) == 0
    webhooks.update(session, caller, made.subscription.id, {"status": "active"}, policy=LOCAL)
    session.commit()
    assert run(session, Clock()) == 0  # events while paused are in the feed, not sent
    assert httpserver.log == []


def test_ping_reaches_only_its_subscription(session, world, httpserver, subscribe):
    made, other = subscribe(), subscribe(types=["booking.confirmed"])
    httpserver.expect_request("/hook").respond_with_data("pong")
    caller = admin_of(world.a.users[Role.SCHOOL_STAFF])
    webhooks.ping(session, caller, made.subscription.id)
    session.commit()

    assert run(session, Clock()) == 1
    ((request, _),) = httpserver.log
    assert Webhook(made.secret).verify(request.get_data(), dict(request.headers))["type"] == (
        "webhook.ping"
    )
    assert json.loads(request.get_data())["data"] == {"subscription_id": str(made.subscription.id)}
    assert other.subscription.id != made.subscription.id


def test_a_rolled_back_change_delivers_nothing(session, world, httpserver, subscribe):
    subscribe()
    httpserver.expect_request("/hook").respond_with_data("ok")
    user = world.a.users[Role.SCHOOL_STAFF]
    caller = Caller(role=user.role, organisation_id=user.organisation_id, user_id=user.id)
    bookings.cancel(session, caller, world.a.booking.id, reason="Changed our minds")
    session.rollback()

    assert run(session, Clock()) == 0
    assert outbox.read(session) == [] and httpserver.log == []
