"""Webhook subscriptions and their delivery log: an organisation's admins, and its partner
apps (`webhooks:read`, `webhooks:write`), subscribe URLs to event types."""

from datetime import timedelta

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp, Timestamped
from api.views import commit, list_page
from models.webhooks import DeliveryStatus, SubscriptionStatus
from services import egress, webhooks
from services.outbox import EVENT_TYPES

blp = Blueprint(
    "webhook-subscriptions",
    __name__,
    url_prefix="/api/v1/webhook-subscriptions",
    description="Signed webhooks (Standard Webhooks) for the organisation's events.",
)
SUBSCRIBABLE = sorted(t for t in EVENT_TYPES if t != webhooks.PING)


def egress_policy() -> egress.Policy:
    """https only in production; loopback receivers only when configured (development)."""
    config = current_app.config
    return egress.Policy(
        require_https=config["ENGAGE_ENV"] == "production",
        allow_loopback=config.get("WEBHOOK_ALLOW_LOOPBACK", False),
    )


class SubscriptionSchema(Timestamped):
    id = ma.fields.UUID(required=True)
    organisation_id = ma.fields.UUID(required=True)
    url = ma.fields.String(required=True, metadata={"format": "uri"})
    description = ma.fields.String(allow_none=True, required=True)
    event_types = ma.fields.List(ma.fields.String(), required=True)
    status = ma.fields.Enum(SubscriptionStatus, by_value=True, required=True)
    disabled_reason = ma.fields.String(allow_none=True, required=True)
    previous_secret_expires_at = Timestamp(
        allow_none=True,
        required=True,
        metadata={"description": "Until then deliveries carry the old secret's signature too."},
    )


def _url(**kwargs):
    return ma.fields.String(
        validate=ma.validate.Length(min=1, max=egress.MAX_URL_LENGTH),
        metadata={
            "description": "https, on a public address (checked again at every send).",
            "format": "uri",
        },
        **kwargs,
    )


def _types(**kwargs):
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(SUBSCRIBABLE)),
        validate=ma.validate.Length(min=1, max=len(SUBSCRIBABLE)),
        **kwargs,
    )


def _description():
    return ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))


class SubscriptionCreateSchema(Schema):
    url = _url(required=True)
    event_types = _types(required=True)
    description = _description()


class SubscriptionUpdateSchema(Schema):
    url = _url()
    event_types = _types()
    description = _description()
    status = ma.fields.String(
        validate=ma.validate.OneOf(["active", "paused"]),
        metadata={"description": "paused: nothing is sent; active: resume (or re-enable)."},
    )


class NewSecretSchema(Schema):
    subscription = ma.fields.Nested(SubscriptionSchema, required=True)
    secret = ma.fields.String(
        required=True, metadata={"description": "The `whsec_` signing secret, shown once."}
    )


class RotationSchema(Schema):
    overlap_hours = ma.fields.Integer(
        load_default=24,
        validate=ma.validate.Range(min=0, max=168),
        metadata={"description": "How long the old secret stays valid (both signatures sent)."},
    )


class AttemptSchema(Schema):
    attempted_at = Timestamp(required=True)
    status_code = ma.fields.Integer(allow_none=True, required=True)
    latency_ms = ma.fields.Integer(required=True)
    error_class = ma.fields.String(
        allow_none=True,
        required=True,
        metadata={
            "description": "http_status, redirect_not_followed, timeout, connection_failed or "
            "address_refused; null on success."
        },
    )
    response_excerpt = ma.fields.String(allow_none=True, required=True)
    next_retry_at = Timestamp(allow_none=True, required=True)


class DeliverySchema(Schema):
    id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(
        required=True, attribute="event.id", metadata={"description": "= webhook-id."}
    )
    event_type = ma.fields.String(required=True, attribute="event.type")
    status = ma.fields.Enum(DeliveryStatus, by_value=True, required=True)
    attempts = ma.fields.Integer(required=True)
    next_attempt_at = Timestamp(allow_none=True, required=True)
    created_at = Timestamp(required=True)
    completed_at = Timestamp(allow_none=True, required=True)
    attempt_log = ma.fields.List(ma.fields.Nested(AttemptSchema), required=True)


class DeliveryQueryArgsSchema(Schema):
    status = ma.fields.Enum(DeliveryStatus, by_value=True)


@blp.route("")
class Subscriptions(MethodView):
    @blp.lists(SubscriptionSchema, scope="webhooks:read")
    def get(self, pagination_parameters):
        """List your organisation's webhook subscriptions"""
        return list_page(webhooks.list_, pagination_parameters)

    @blp.creates(
        NewSecretSchema,
        lambda made: url_for(
            "webhook-subscriptions.SubscriptionById", subscription_id=made.subscription.id
        ),
        body=SubscriptionCreateSchema,
        scope="webhooks:write",
    )
    def post(self, subscription):
        """Subscribe a URL to event types; the signing secret is shown once"""
        made = commit(webhooks.create, policy=egress_policy(), **subscription)
        blp.set_etag(made.subscription, SubscriptionSchema)
        return made


@blp.route("/<uuid:subscription_id>")
class SubscriptionById(MethodView):
    @blp.reads(SubscriptionSchema, scope="webhooks:read")
    def get(self, subscription_id):
        """Read a webhook subscription"""
        return webhooks.get(db.session, current_caller(), subscription_id)

    @blp.updates(
        SubscriptionSchema,
        body=SubscriptionUpdateSchema,
        current=webhooks.get,
        scope="webhooks:write",
    )
    def patch(self, changes, subscription_id):
        """Change, pause or resume a subscription (send the ETag you read as If-Match)"""
        caller = current_caller()
        return webhooks.update(db.session, caller, subscription_id, changes, policy=egress_policy())

    @blp.login_required("webhooks:write")
    @blp.idempotent
    @blp.response(204)
    def delete(self, subscription_id):
        """Delete a subscription and its delivery log"""
        commit(webhooks.delete, subscription_id)


@blp.route("/<uuid:subscription_id>/rotate-secret")
class SubscriptionSecret(MethodView):
    @blp.acts(NewSecretSchema, body=RotationSchema, scope="webhooks:write")
    def post(self, rotation, subscription_id):
        """Rotate the signing secret; the old one stays valid for the overlap"""
        return commit(
            webhooks.rotate_secret,
            subscription_id,
            overlap=timedelta(hours=rotation["overlap_hours"]),
        )


def _with_attempts(deliveries):
    attempts = webhooks.attempts_of(db.session, deliveries)
    for delivery in deliveries:
        delivery.attempt_log = attempts[delivery.id]
    return deliveries


@blp.route("/<uuid:subscription_id>/ping")
class SubscriptionPing(MethodView):
    @blp.acts(DeliverySchema, status=202, scope="webhooks:write")
    def post(self, subscription_id):
        """Send a `webhook.ping` test event to this subscription (the worker sends it)"""
        delivery = webhooks.ping(db.session, current_caller(), subscription_id)
        return _with_attempts([delivery])[0]


@blp.route("/<uuid:subscription_id>/deliveries")
class SubscriptionDeliveries(MethodView):
    @blp.lists(DeliverySchema, scope="webhooks:read", query=DeliveryQueryArgsSchema)
    def get(self, filters, subscription_id, pagination_parameters):
        """The delivery log, newest first: each delivery with its attempts"""
        return _with_attempts(
            list_page(webhooks.list_deliveries, pagination_parameters, subscription_id, **filters)
        )


@blp.route("/<uuid:subscription_id>/deliveries/<uuid:delivery_id>/redeliver")
class SubscriptionRedelivery(MethodView):
    @blp.acts(DeliverySchema, status=202, scope="webhooks:write")
    def post(self, subscription_id, delivery_id):
        """Send a failed delivery again, with the same webhook-id"""
        delivery = webhooks.redeliver(db.session, current_caller(), subscription_id, delivery_id)
        return _with_attempts([delivery])[0]
