"""Requests for encounter offers: a school asks for a date and time, the employer or
provider accepts (naming its volunteers), proposes another date or declines; either side
cancels. The same machinery serves provider-access requests (api.provider_access).

Creating and every transition take an `Idempotency-Key`, so a partner app may retry.
"""

from dataclasses import replace
from functools import partial

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp, Timestamped, WallClockTime
from api.views import Transition, list_page, transitions
from models.base import LONDON
from models.offer_requests import RequestKind, RequestStatus, Side
from models.volunteers import YEAR_GROUPS, Mode
from services import offer_requests

blp = Blueprint(
    "offer_requests",
    __name__,
    url_prefix="/api/v1",
    description="Schools' requests for encounter offers, and the partners' answers.",
)

REASON = ma.validate.Length(min=1, max=500)
KIND = RequestKind.OFFER


class RequestSchema(Timestamped):
    """What both kinds of request show."""

    id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(RequestKind, by_value=True, required=True)
    school_id = ma.fields.UUID(required=True)
    provider_id = ma.fields.UUID(allow_none=True, required=True)
    requested_by = ma.fields.Enum(Side, by_value=True, required=True)
    activity = ma.fields.String(required=True)
    mode = ma.fields.Enum(Mode, by_value=True, required=True)
    status = ma.fields.Enum(RequestStatus, by_value=True, required=True)
    date = ma.fields.Date(
        allow_none=True,
        required=True,
        metadata={"description": "The current terms: asked for, proposed, or scheduled."},
    )
    starts_at = WallClockTime(allow_none=True, required=True)
    ends_at = WallClockTime(allow_none=True, required=True)
    timezone = ma.fields.Constant(LONDON, required=True, dump_only=True)
    year_groups = ma.fields.List(ma.fields.Integer(), required=True)
    pupils = ma.fields.Integer(allow_none=True, required=True)
    notes = ma.fields.String(allow_none=True)
    response_note = ma.fields.String(
        allow_none=True, metadata={"description": "A proposal's note, or the reason declined."}
    )
    decided_at = Timestamp(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    cancelled_by = ma.fields.Enum(Side, by_value=True, allow_none=True)
    cancelled_at = Timestamp(allow_none=True)


class OfferRequestSchema(RequestSchema):
    offer_id = ma.fields.UUID(required=True)
    targeted = ma.fields.Function(
        offer_requests.targeting,
        required=True,
        allow_none=True,
        metadata={
            "type": "string",
            "description": "Why the offer is aimed at this school (none: it is not); "
            "the partner's list ranks these requests first.",
        },
    )
    employer_id = ma.fields.UUID(allow_none=True, required=True)
    volunteer_ids = ma.fields.List(
        ma.fields.UUID(), required=True, metadata={"description": "The volunteers who will come."}
    )


class Terms(Schema):
    date = ma.fields.Date(required=True)
    starts_at = WallClockTime(
        required=True,
        metadata={"description": "Europe/London, HH:MM, within the school day."},
    )
    ends_at = WallClockTime(required=True)


class OfferRequestCreateSchema(Terms):
    offer_id = ma.fields.UUID(required=True)
    year_groups = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.OneOf(YEAR_GROUPS)),
        required=True,
        validate=ma.validate.Length(min=1, max=len(YEAR_GROUPS)),
    )
    pupils = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2000))
    mode = ma.fields.Enum(Mode, by_value=True, metadata={"description": "Default: in school."})
    notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    school_id = ma.fields.UUID(metadata={"description": "Admins only: the requesting school."})


VOLUNTEER_IDS = ma.fields.List(
    ma.fields.UUID(),
    validate=ma.validate.Length(max=20),
    metadata={"description": "An employer's offer: the volunteers who will come (checked)."},
)


class AcceptSchema(Schema):
    volunteer_ids = VOLUNTEER_IDS
    date = ma.fields.Date(metadata={"description": "Provider access: the date granted."})
    starts_at = WallClockTime()
    ends_at = WallClockTime()


class ProposeSchema(Terms):
    volunteer_ids = VOLUNTEER_IDS
    note = ma.fields.String(allow_none=True, validate=REASON)


class ReasonSchema(Schema):
    reason = ma.fields.String(required=True, validate=REASON)


class OfferRequestQueryArgsSchema(Schema):
    status = ma.fields.Enum(RequestStatus, by_value=True)
    offer_id = ma.fields.UUID()
    school_id = ma.fields.UUID()


# The transitions of both kinds of request, on the one machinery (`kind` bound per resource).
REQUEST_TRANSITIONS = [
    Transition(
        "accept",
        offer_requests.accept,
        "Accept: the side asked (volunteers named, or a date granted), or the side\n"
        "that asked taking a proposal. It becomes scheduled, with the school's encounter",
        body=AcceptSchema,
    ),
    Transition(
        "propose",
        offer_requests.propose,
        "Propose another date and time (the side asked)",
        body=ProposeSchema,
    ),
    Transition(
        "decline",
        offer_requests.decline,
        "Decline with a reason (the side asked), or turn a proposal down",
        body=ReasonSchema,
    ),
    Transition(
        "cancel",
        offer_requests.cancel,
        "Cancel with a reason (either side); a scheduled one loses its encounter",
        body=ReasonSchema,
    ),
]


def request_transitions(blp, resource: str, name: str, kind: RequestKind, schema, noun: str):
    """The four transition routes of a request resource of `kind`."""
    table = [replace(t, change=partial(t.change, kind=kind)) for t in REQUEST_TRANSITIONS]
    rule = f"/{resource}/<uuid:request_id>"
    transitions(blp, rule, name, schema, scope=f"{noun}:write", table=table)


@blp.route("/offer-requests")
class OfferRequests(MethodView):
    @blp.lists(OfferRequestSchema, scope="offer_requests:read", query=OfferRequestQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """List requests: your school's, your hub's schools', or those for your offers"""
        return list_page(offer_requests.list_, pagination_parameters, kind=KIND, **filters)

    @blp.creates(
        OfferRequestSchema,
        lambda made: url_for("offer_requests.OfferRequestById", request_id=made.id),
        body=OfferRequestCreateSchema,
        scope="offer_requests:write",
    )
    def post(self, request):
        """Request an encounter offer for a date and a time in the school day"""
        return offer_requests.request_offer(db.session, current_caller(), **request)


@blp.route("/offer-requests/<uuid:request_id>")
class OfferRequestById(MethodView):
    @blp.reads(OfferRequestSchema, scope="offer_requests:read")
    def get(self, request_id):
        """Read a request"""
        return offer_requests.get(db.session, current_caller(), request_id, kind=KIND)


request_transitions(
    blp, "offer-requests", "OfferRequest", KIND, OfferRequestSchema, "offer_requests"
)
