"""Offers in one vocabulary: workplace experiences (visits, job shadowing, work experience)
with their slots and slot search, and encounter offers (talks, workshops, mock interviews,
...) that schools find in the directory and request (api.offer_requests)."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.search import DirectoryEntrySchema as NearEntrySchema
from api.search import NearQueryArgsSchema, PlaceFields, pop_origin
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp, Timestamped
from api.views import Transition, commit, list_page, transitions
from models.base import LONDON
from models.needs import Frequency
from models.offers import MAX_DAY_HOURS, WEEKDAYS, OfferKind, OfferStatus
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, Mode
from services import offer_directory, offers

blp = Blueprint(
    "offers",
    __name__,
    url_prefix="/api/v1",
    description="Offers: workplace experiences with slots, and encounter offers schools request.",
)

YEAR_GROUP = ma.fields.Integer(validate=ma.validate.OneOf(YEAR_GROUPS))
SECTOR = ma.fields.String(validate=ma.validate.OneOf(SIC_SECTIONS))
TIME_FORMAT = "%H:%M"
MAX_TRAVEL_KM = offers.MAX_TRAVEL_KM


LIST_ATTRIBUTES = {  # NULL on offers older than the column: answered as []
    "available_dates",
    "target_local_authorities",
    "target_combined_authorities",
    "target_skills_areas",
}


class OfferSchema(PlaceFields, Timestamped):
    id = ma.fields.UUID(required=True)
    employer_id = ma.fields.UUID(allow_none=True, required=True)
    employer_name = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "The host employer's name."}
    )
    provider_id = ma.fields.UUID(allow_none=True, required=True)
    provider_name = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "The provider's name."}
    )
    kind = ma.fields.Enum(OfferKind, by_value=True, required=True)
    benchmark = ma.fields.Integer(
        required=True,
        metadata={
            "description": "6 for workplace experiences; 5 from employers, 7 from providers."
        },
    )
    title = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True)
    sectors = ma.fields.List(ma.fields.String(), required=True)
    year_groups = ma.fields.List(ma.fields.Integer(), required=True)
    accessibility_notes = ma.fields.String(allow_none=True)
    risk_assessment_done = ma.fields.Boolean(required=True)
    liability_insurance = ma.fields.Boolean(required=True)
    named_supervisor = ma.fields.String(allow_none=True)
    day_length_hours = ma.fields.Float(allow_none=True)
    status = ma.fields.Enum(OfferStatus, by_value=True, required=True)
    modes = ma.fields.List(ma.fields.Enum(Mode, by_value=True), required=True)
    volunteer_ids = ma.fields.List(ma.fields.UUID(), required=True)
    max_group = ma.fields.Integer(allow_none=True)
    send_suitable = ma.fields.Boolean(required=True)
    available_from = ma.fields.Date(allow_none=True)
    available_to = ma.fields.Date(allow_none=True)
    available_weekdays = ma.fields.List(ma.fields.String(), required=True)
    available_dates = ma.fields.List(ma.fields.String(metadata={"format": "date"}), required=True)
    travel_radius_km = ma.fields.Integer(allow_none=True)
    notice_days = ma.fields.Integer(required=True)
    supervised = ma.fields.Boolean(required=True)
    frequency = ma.fields.Enum(Frequency, by_value=True, required=True)
    overnight = ma.fields.Boolean(required=True)
    target_disadvantaged = ma.fields.Boolean(required=True)
    target_local_authorities = ma.fields.List(ma.fields.String(), required=True)
    target_combined_authorities = ma.fields.List(ma.fields.String(), required=True)
    target_skills_areas = ma.fields.List(ma.fields.String(), required=True)
    target_rural = ma.fields.Boolean(required=True)
    safeguarding = ma.fields.Dict(
        required=True,
        metadata={"description": "Encounter offers: what its volunteers need, and why."},
    )
    missing_declarations = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        required=True,
        metadata={"description": "What the host must still declare before it can be booked."},
    )

    own_attributes = frozenset({"missing_declarations", "safeguarding", *LIST_ATTRIBUTES})

    def get_attribute(self, obj, attr, default):
        if attr == "missing_declarations":
            return offers.missing_declarations(obj)
        if attr == "safeguarding":
            return offers.safeguarding_summary(obj)
        if attr in LIST_ATTRIBUTES:
            return getattr(obj, attr) or []
        return super().get_attribute(obj, attr, default)


def target_areas(which: str) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
        validate=ma.validate.Length(max=20),
        metadata={"description": f"Schools in these {which} see it first."},
    )


class OfferFields(Schema):
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=4000))
    postcode = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(max=10),
        metadata={"description": "The workplace; none for virtual work experience."},
    )
    sectors = ma.fields.List(SECTOR, validate=ma.validate.Length(max=len(SIC_SECTIONS)))
    year_groups = ma.fields.List(YEAR_GROUP, validate=ma.validate.Length(max=len(YEAR_GROUPS)))
    accessibility_notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    risk_assessment_done = ma.fields.Boolean(
        metadata={"description": "The host confirms a risk assessment is done."}
    )
    liability_insurance = ma.fields.Boolean(
        metadata={"description": "The host confirms employers' liability insurance."}
    )
    named_supervisor = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    day_length_hours = ma.fields.Float(
        allow_none=True,
        validate=ma.validate.Range(min=0, max=24, min_inclusive=False),
        metadata={"description": f"Length of the pupils' day; at most {MAX_DAY_HOURS} to publish."},
    )
    # Encounter offers.
    modes = ma.fields.List(
        ma.fields.Enum(Mode, by_value=True),
        validate=ma.validate.Length(max=len(Mode)),
        metadata={"description": "In school (`in_person`), online (`virtual`), or both."},
    )
    volunteer_ids = ma.fields.List(
        ma.fields.UUID(),
        validate=ma.validate.Length(max=50),
        metadata={"description": "The employer's volunteers who may deliver it (optional)."},
    )
    max_group = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=2000),
        metadata={"description": "The largest group of pupils."},
    )
    send_suitable = ma.fields.Boolean(metadata={"description": "Suits pupils with SEND."})
    available_from = ma.fields.Date(allow_none=True)
    available_to = ma.fields.Date(allow_none=True)
    available_weekdays = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(WEEKDAYS)),
        validate=ma.validate.Length(max=len(WEEKDAYS)),
        metadata={"description": "Within the range, only these weekdays (none: any school day)."},
    )
    available_dates = ma.fields.List(
        ma.fields.Date(),
        validate=ma.validate.Length(max=100),
        metadata={"description": "Listed dates it is available (besides any range)."},
    )
    travel_radius_km = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=MAX_TRAVEL_KM),
        metadata={
            "description": "How far from the base postcode its volunteers travel to a school."
        },
    )
    notice_days = ma.fields.Integer(
        validate=ma.validate.Range(min=0, max=365),
        metadata={"description": "Days' notice it needs before a date."},
    )
    supervised = ma.fields.Boolean(metadata={"description": "A teacher is present throughout."})
    frequency = ma.fields.Enum(Frequency, by_value=True)
    overnight = ma.fields.Boolean()
    target_disadvantaged = ma.fields.Boolean(
        metadata={"description": "Schools with a high share of disadvantaged pupils see it first."}
    )
    target_local_authorities = target_areas("local authorities")
    target_combined_authorities = target_areas(
        "combined authorities (as data/combined_authorities_2025.csv names them)"
    )
    target_skills_areas = target_areas(
        "Local Skills Improvement Plan areas (as data/lsip_areas.csv names them)"
    )
    target_rural = ma.fields.Boolean(
        metadata={
            "description": "Rural schools (a rural town, village or hamlet in the ONS "
            "rural-urban classification) see it first."
        }
    )


class OfferCreateSchema(OfferFields):
    kind = ma.fields.Enum(OfferKind, by_value=True, required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    employer_id = ma.fields.UUID(
        metadata={"description": "Admins only: the hosting employer (staff: their own)."}
    )
    provider_id = ma.fields.UUID(
        metadata={"description": "Admins only: the publishing provider (staff: their own)."}
    )


class OfferUpdateSchema(OfferFields):
    kind = ma.fields.Enum(OfferKind, by_value=True)
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))


class OfferQueryArgsSchema(Schema):
    employer_id = ma.fields.UUID()
    provider_id = ma.fields.UUID()
    kind = ma.fields.Enum(OfferKind, by_value=True)
    status = ma.fields.Enum(OfferStatus, by_value=True)


class SlotSchema(NearEntrySchema):
    id = ma.fields.UUID(required=True)
    offer_id = ma.fields.UUID(required=True)
    employer_name = ma.fields.String(
        required=True, metadata={"description": "The host employer's name."}
    )
    date = ma.fields.Date(required=True)
    starts_at = ma.fields.Time(format=TIME_FORMAT, required=True)
    ends_at = ma.fields.Time(format=TIME_FORMAT, required=True)
    timezone = ma.fields.Constant(LONDON, required=True, dump_only=True)
    seats = ma.fields.Integer(required=True)
    booked = ma.fields.Integer(required=True)
    seats_left = ma.fields.Integer(required=True)
    school_cap = ma.fields.Integer(allow_none=True)
    updated_at = Timestamp(required=True)


class SlotSearchResultSchema(SlotSchema):
    offer = ma.fields.Nested(OfferSchema, required=True)


class SlotFields(Schema):
    date = ma.fields.Date()
    starts_at = ma.fields.Time(
        format=TIME_FORMAT, metadata={"description": "Europe/London wall-clock time, HH:MM."}
    )
    ends_at = ma.fields.Time(format=TIME_FORMAT, metadata={"description": "Europe/London."})
    seats = ma.fields.Integer(validate=ma.validate.Range(min=1, max=1000))
    school_cap = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=1000),
        metadata={"description": "Most seats one school may hold on this slot."},
    )


class SlotCreateSchema(SlotFields):
    date = ma.fields.Date(required=True)
    starts_at = ma.fields.Time(format=TIME_FORMAT, required=True)
    ends_at = ma.fields.Time(format=TIME_FORMAT, required=True)
    seats = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=1000))


class SlotUpdateSchema(SlotFields):
    pass


class SlotSearchArgsSchema(NearQueryArgsSchema):
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    sector = SECTOR
    year_group = YEAR_GROUP
    seats = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=1000),
        metadata={"description": "At least this many seats left."},
    )
    kind = ma.fields.Enum(OfferKind, by_value=True)


@blp.route("/offers")
class Offers(MethodView):
    @blp.lists(OfferSchema, scope="offers:read", query=OfferQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """List offers: published ones, and your employer's drafts"""
        return list_page(offers.list_, pagination_parameters, **filters)

    @blp.creates(
        OfferSchema,
        lambda made: url_for("offers.OfferById", offer_id=made.id),
        body=OfferCreateSchema,
        scope="offers:write",
    )
    def post(self, offer):
        """Draft an offer for your employer (publish it once the declarations hold)"""
        return commit(offers.create, **offer)


class DirectoryArgsSchema(Schema):
    school_id = ma.fields.UUID(
        metadata={"description": "The school to rank for (default: your own school)."}
    )
    benchmark = ma.fields.Integer(
        validate=ma.validate.OneOf([5, 7]),
        metadata={"description": "5: employers' offers; 7: providers'."},
    )
    kind = ma.fields.Enum(OfferKind, by_value=True)
    year_group = YEAR_GROUP
    key_stage = ma.fields.Integer(validate=ma.validate.OneOf([3, 4, 5]))
    send = ma.fields.Boolean(metadata={"description": "Only offers suiting pupils with SEND."})
    sector = SECTOR
    mode = ma.fields.Enum(Mode, by_value=True)
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    within_km = ma.fields.Float(
        validate=ma.validate.Range(min=0, max=MAX_TRAVEL_KM, min_inclusive=False),
        metadata={
            "description": "In-school offers: at most this far (and within their radius).",
        },
    )


class OfferFactorSchema(Schema):
    name = ma.fields.String(required=True)
    weight = ma.fields.Float(required=True)
    value = ma.fields.Float(required=True)
    contribution = ma.fields.Float(required=True)
    detail = ma.fields.String(required=True)


class OfferDirectoryEntrySchema(Schema):
    offer = ma.fields.Nested(OfferSchema, required=True)
    score = ma.fields.Float(required=True)
    distance_km = ma.fields.Float(
        allow_none=True, required=True, metadata={"description": "From the school's base."}
    )
    in_school = ma.fields.Boolean(
        required=True, metadata={"description": "Its volunteers can come to the school."}
    )
    factors = ma.fields.List(ma.fields.Nested(OfferFactorSchema), required=True)


@blp.route("/offers/directory")
class OfferDirectory(MethodView):
    @blp.lists(OfferDirectoryEntrySchema, scope="offers:read", query=DirectoryArgsSchema)
    def get(self, args, pagination_parameters):
        """Search published encounter offers for a school, ranked by fit and explained"""
        school_id = args.pop("school_id", None)
        return list_page(
            offer_directory.search,
            pagination_parameters,
            school_id=school_id,
            filters=offer_directory.Filters(**args),
        )


@blp.route("/offers/<uuid:offer_id>")
class OfferById(MethodView):
    @blp.reads(OfferSchema, scope="offers:read")
    def get(self, offer_id):
        """Read an offer"""
        return offers.get(db.session, current_caller(), offer_id)

    @blp.updates(
        OfferSchema, body=OfferUpdateSchema, current=offers.get_for_update, scope="offers:write"
    )
    def patch(self, changes, offer_id):
        """Change an offer (send the ETag you read as If-Match)"""
        return offers.update(db.session, current_caller(), offer_id, changes)


transitions(
    blp,
    "/offers/<uuid:offer_id>",
    "Offer",
    OfferSchema,
    scope="offers:write",
    table=[
        Transition(
            "publish",
            offers.publish_offer,
            "Publish an offer: 409 naming every declaration still missing",
        ),
        Transition(
            "withdraw",
            offers.withdraw_offer,
            "Withdraw an offer: no new bookings (existing ones stand until cancelled)",
        ),
    ],
)


@blp.route("/offers/<uuid:offer_id>/slots")
class OfferSlots(MethodView):
    @blp.lists(SlotSchema, scope="offers:read")
    def get(self, offer_id, pagination_parameters):
        """List an offer's slots, soonest first"""
        return list_page(offers.list_slots, pagination_parameters, offer_id)

    @blp.creates(
        SlotSchema,
        lambda made, **_: url_for("offers.SlotById", slot_id=made.id),
        body=SlotCreateSchema,
        scope="offers:write",
    )
    def post(self, slot, offer_id):
        """Add a slot: a date, Europe/London start and end times, seats and a per-school cap"""
        return commit(offers.create_slot, offer_id, **slot)


@blp.route("/slots")
class Slots(MethodView):
    @blp.lists(SlotSearchResultSchema, scope="offers:read", query=SlotSearchArgsSchema)
    def get(self, filters, pagination_parameters):
        """Find bookable slots: near a postcode, by dates, sector, year group and seats left"""
        near = pop_origin(filters)
        return list_page(offers.search_slots, pagination_parameters, near=near, **filters)


@blp.route("/slots/<uuid:slot_id>")
class SlotById(MethodView):
    @blp.reads(SlotSchema, scope="offers:read")
    def get(self, slot_id):
        """Read a slot, with the seats left"""
        return offers.get_slot(db.session, current_caller(), slot_id)

    @blp.updates(
        SlotSchema, body=SlotUpdateSchema, current=offers.get_slot_for_update, scope="offers:write"
    )
    def patch(self, changes, slot_id):
        """Move a slot or change its seats (never below those booked; send If-Match)"""
        return offers.update_slot(db.session, current_caller(), slot_id, changes)

    @blp.deletes(SlotSchema, current=offers.get_slot_for_update, scope="offers:write")
    def delete(self, slot_id):
        """Delete a slot that has no bookings and no waitlist (send If-Match)"""
        offers.delete_slot(db.session, current_caller(), slot_id)
