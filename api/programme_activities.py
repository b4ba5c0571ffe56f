"""What a planned activity becomes, in one call each: a need, a request of an encounter
offer, or a booking of a slot its booking search found. The activity links back to what
it produced (`need_id`, `offer_request_id`, `booking_id`) and is then `requested`."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.bookings import SEATS, BookingSchema
from api.needs import NeedSchema
from api.offer_requests import OfferRequestSchema, Terms
from api.offers import SlotSearchResultSchema
from api.smorest import Blueprint, Schema
from api.views import commit, list_page
from models.needs import NeedMode
from models.volunteers import Mode
from services import programme_activities
from services.search import MAX_WITHIN_KM

blp = Blueprint(
    "programme_activities",
    __name__,
    url_prefix="/api/v1",
    description="What a planned activity becomes: a need, an offer request or a booking.",
)
ACTIVITY = "/programme-activities/<uuid:activity_id>"


class MakeNeedSchema(Schema):
    mode = ma.fields.Enum(NeedMode, by_value=True, load_default=NeedMode.IN_PERSON)
    starts_on = ma.fields.Date(metadata={"description": "Default: the half-term's first day."})
    ends_on = ma.fields.Date(metadata={"description": "Default: the half-term's last day."})


class ActivityOfferRequestSchema(Terms):
    """The offer and its day; the year group, pupils and notes come from the activity."""

    offer_id = ma.fields.UUID(required=True)
    mode = ma.fields.Enum(Mode, by_value=True, metadata={"description": "Default: in school."})


class ActivitySlotSearchArgsSchema(Schema):
    within_km = ma.fields.Float(
        validate=ma.validate.Range(min=0, max=MAX_WITHIN_KM, min_inclusive=False),
        metadata={
            "description": "Only slots this near the school, nearest first (default: any "
            "distance, soonest first).",
        },
    )


class ActivityBookingSchema(Schema):
    """The slot; seats, year group and lead come from the activity unless given."""

    slot_id = ma.fields.UUID(required=True)
    seats = ma.fields.Integer(
        validate=SEATS, metadata={"description": "Default: the activity's target pupils."}
    )
    staff_lead_name = ma.fields.String(
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "Default: the activity's responsible member of staff."},
    )
    staff_lead_email = ma.fields.Email(allow_none=True, validate=ma.validate.Length(max=254))
    adjustments = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))


@blp.route(ACTIVITY + "/need")
class ActivityNeed(MethodView):
    @blp.login_required("needs:write")
    @blp.idempotent
    @blp.arguments(MakeNeedSchema, required=False)
    @blp.created(NeedSchema, lambda need, **_: url_for("needs.NeedById", need_id=need.id))
    def post(self, options, activity_id):
        """Post the need this activity asks for, and link the two (the activity is requested)"""
        return commit(programme_activities.make_need, activity_id, **options)


@blp.route(ACTIVITY + "/offer-request")
class ActivityOfferRequest(MethodView):
    @blp.creates(
        OfferRequestSchema,
        lambda made, **_: url_for("offer_requests.OfferRequestById", request_id=made.id),
        body=ActivityOfferRequestSchema,
        scope="offer_requests:write",
    )
    def post(self, terms, activity_id):
        """Request an encounter offer for this activity, and link the two"""
        return commit(programme_activities.request_offer, activity_id, **terms)


@blp.route(ACTIVITY + "/slots")
class ActivitySlots(MethodView):
    @blp.lists(SlotSearchResultSchema, scope="programme:read", query=ActivitySlotSearchArgsSchema)
    def get(self, args, activity_id, pagination_parameters):
        """The booking search this activity asks for: slots of its kind, year group and half-term"""
        return list_page(
            programme_activities.search_slots, pagination_parameters, activity_id, **args
        )


@blp.route(ACTIVITY + "/booking")
class ActivityBooking(MethodView):
    @blp.creates(
        BookingSchema,
        lambda made, **_: url_for("bookings.BookingById", booking_id=made.id),
        body=ActivityBookingSchema,
        scope="bookings:write",
    )
    def post(self, booking, activity_id):
        """Book a slot for this activity (its year group and pupils), and link the two"""
        return commit(programme_activities.book, activity_id, **booking)
