"""Bookings of slots by schools (and their partner apps), their lifecycle, and waitlists.

Booking and cancelling take an `Idempotency-Key`, so an integration may retry safely.
"""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp, Timestamped
from api.views import Transition, commit, list_page, transitions
from models.bookings import BookingParty, BookingStatus, WaitlistStatus
from models.volunteers import YEAR_GROUPS
from services import bookings

blp = Blueprint(
    "bookings", __name__, url_prefix="/api/v1", description="Bookings of slots, and waitlists."
)

YEAR_GROUP = ma.validate.OneOf(YEAR_GROUPS)
SEATS = ma.validate.Range(min=1, max=1000)


class GroupFields(Schema):
    """A school's group on a slot, as a booking and a waitlist entry both show it."""

    id = ma.fields.UUID(required=True)
    slot_id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    year_group = ma.fields.Integer(required=True)
    seats = ma.fields.Integer(required=True)
    staff_lead_name = ma.fields.String(required=True)
    staff_lead_email = ma.fields.String(allow_none=True)
    adjustments = ma.fields.String(allow_none=True)


class BookingSchema(GroupFields, Timestamped):
    status = ma.fields.Enum(BookingStatus, by_value=True, required=True)
    parental_consent_recorded = ma.fields.Boolean(required=True)
    consent_recorded_at = Timestamp(allow_none=True)
    cancel_reason = ma.fields.String(allow_none=True)
    cancelled_by = ma.fields.Enum(BookingParty, by_value=True, allow_none=True)
    cancelled_at = Timestamp(allow_none=True)
    decided_at = Timestamp(allow_none=True)
    from_waitlist = ma.fields.Boolean(required=True)


class RequestFields(Schema):
    year_group = ma.fields.Integer(required=True, validate=YEAR_GROUP)
    seats = ma.fields.Integer(required=True, validate=SEATS)
    staff_lead_name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "The school's member of staff leading the group."},
    )
    staff_lead_email = ma.fields.Email(allow_none=True, validate=ma.validate.Length(max=254))
    adjustments = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(max=2000),
        metadata={"description": "Adjustments the group needs (access, SEND); no pupil names."},
    )
    school_id = ma.fields.UUID(metadata={"description": "Admins only: the booking school."})


class BookingCreateSchema(RequestFields):
    slot_id = ma.fields.UUID(required=True)


class BookingQueryArgsSchema(Schema):
    status = ma.fields.Enum(BookingStatus, by_value=True)
    slot_id = ma.fields.UUID()
    school_id = ma.fields.UUID()


class CancelSchema(Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class WaitlistEntrySchema(GroupFields):
    position = ma.fields.Integer(required=True)
    status = ma.fields.Enum(WaitlistStatus, by_value=True, required=True)
    booking_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "The booking made when seats came free."}
    )
    created_at = Timestamp(required=True)


class WaitlistJoinSchema(RequestFields):
    pass


@blp.route("/bookings")
class Bookings(MethodView):
    @blp.lists(BookingSchema, scope="bookings:read", query=BookingQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """List bookings: your school's, your hub's schools', or those of your employer's slots"""
        return list_page(bookings.list_, pagination_parameters, **filters)

    @blp.creates(
        BookingSchema,
        lambda made: url_for("bookings.BookingById", booking_id=made.id),
        body=BookingCreateSchema,
        scope="bookings:write",
    )
    def post(self, booking):
        """Book seats on a slot (409 `/problems/slot-full` when too few are left)"""
        return bookings.book(db.session, current_caller(), **booking)


@blp.route("/bookings/<uuid:booking_id>")
class BookingById(MethodView):
    @blp.reads(BookingSchema, scope="bookings:read")
    def get(self, booking_id):
        """Read a booking"""
        return bookings.get(db.session, current_caller(), booking_id)


transitions(
    blp,
    "/bookings/<uuid:booking_id>",
    "Booking",
    BookingSchema,
    scope="bookings:write",
    table=[
        Transition(
            "confirm",
            bookings.confirm,
            "Confirm a requested booking (the host; placements need parental consent first)",
        ),
        Transition(
            "decline",
            bookings.decline,
            "Decline a requested booking (the host); its seats go to the waitlist",
        ),
        Transition(
            "cancel",
            bookings.cancel,
            "Cancel a booking, with a reason (either side); its seats go to the waitlist",
            body=CancelSchema,
        ),
        Transition(
            "complete",
            bookings.complete,
            "Mark a confirmed visit as having taken place (on or after its date)",
        ),
        Transition(
            "consent",
            bookings.record_consent,
            "Record that parents have consented (the school; needed to confirm a placement)",
        ),
    ],
)


@blp.route("/slots/<uuid:slot_id>/waitlist")
class SlotWaitlist(MethodView):
    @blp.lists(WaitlistEntrySchema, scope="bookings:read")
    def get(self, slot_id, pagination_parameters):
        """List a slot's waitlist in order (the host: all of it; a school or hub: its own)"""
        return list_page(bookings.list_waitlist, pagination_parameters, slot_id)

    @blp.creates(
        WaitlistEntrySchema,
        lambda made, **_: _entry_location(made),
        body=WaitlistJoinSchema,
        scope="bookings:write",
    )
    def post(self, entry, slot_id):
        """Join a full slot's waitlist: freed seats are booked for waiting schools in order"""
        return commit(bookings.join_waitlist, slot_id=slot_id, **entry)


def _entry_location(entry) -> str:
    return url_for("bookings.WaitlistEntryById", entry_id=entry.id)


@blp.route("/waitlist/<uuid:entry_id>")
class WaitlistEntryById(MethodView):
    @blp.reads(WaitlistEntrySchema, scope="bookings:read")
    def get(self, entry_id):
        """Read a waitlist entry (the school, its hub's coordinators, the host)"""
        return bookings.get_waitlist_entry(db.session, current_caller(), entry_id)

    @blp.login_required("bookings:write")
    @blp.idempotent
    @blp.response(204)
    def delete(self, entry_id):
        """Leave a waitlist"""
        commit(bookings.leave_waitlist, entry_id)
