"""Adviser assignments: confirmed pairings of an Enterprise Adviser with a school, the hours
logged against the monthly commitment, and their end."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, RefSchema, Schema, Timestamp, Timestamped
from api.views import Transition, commit, list_page, transitions
from services import adviser_assignments
from services.adviser_assignments import MAX_HOURS_A_DAY, QUARTER_HOUR

blp = Blueprint(
    "adviser-assignments",
    __name__,
    url_prefix="/api/v1/adviser-assignments",
    description="Enterprise Advisers serving schools, and the hours they give.",
)

FREE_TEXT = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=500))


class AdviserAssignmentSchema(Timestamped):
    id = ma.fields.UUID(required=True)
    adviser = ma.fields.Nested(RefSchema, required=True)
    school = ma.fields.Nested(RefSchema, required=True)
    hub_id = ma.fields.UUID(required=True)
    plan_id = ma.fields.UUID(
        allow_none=True, required=True, metadata={"description": "The pairing plan confirmed."}
    )
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(allow_none=True, required=True)
    end_reason = ma.fields.String(allow_none=True, required=True)
    active = ma.fields.Boolean(required=True, metadata={"description": "Not yet ended."})
    hours_per_month = ma.fields.Integer(
        required=True,
        attribute="adviser.hours_per_month",
        metadata={"description": "The adviser's monthly commitment (at least 8)."},
    )
    hours_this_month = ma.fields.Float(
        required=True, metadata={"description": "Logged on days of this calendar month."}
    )
    hours_logged = ma.fields.Float(required=True, metadata={"description": "Logged in all."})


class AdviserAssignmentQueryArgsSchema(Schema):
    hub_id = ma.fields.UUID()
    school_id = ma.fields.UUID()
    adviser_id = ma.fields.UUID()
    active = ma.fields.Boolean(metadata={"description": "true: not yet ended; false: ended."})


class AdviserHoursSchema(Schema):
    id = ma.fields.UUID(required=True)
    assignment_id = ma.fields.UUID(required=True)
    worked_on = ma.fields.Date(required=True)
    hours = ma.fields.Float(required=True)
    note = ma.fields.String(allow_none=True, required=True)
    logged_by_user_id = ma.fields.UUID(
        allow_none=True, required=True, metadata={"description": "None for a partner app."}
    )
    created_at = Timestamp(required=True)


class AdviserHoursCreateSchema(Schema):
    worked_on = ma.fields.Date(
        required=True,
        metadata={"description": "From the assignment's start to today (Europe/London)."},
    )
    hours = ma.fields.Float(
        required=True,
        validate=ma.validate.Range(min=QUARTER_HOUR, max=MAX_HOURS_A_DAY),
        metadata={"description": "In quarter hours.", "multipleOf": QUARTER_HOUR},
    )
    note = FREE_TEXT


class AdviserAssignmentEndSchema(Schema):
    ends_on = ma.fields.Date(
        metadata={"description": "Default: today; not before the last day with hours logged."}
    )
    reason = FREE_TEXT


@blp.route("")
class AdviserAssignments(MethodView):
    @blp.lists(
        AdviserAssignmentSchema, scope="advisers:read", query=AdviserAssignmentQueryArgsSchema
    )
    def get(self, filters, pagination_parameters):
        """List the adviser assignments you may see, the latest to start first"""
        return list_page(adviser_assignments.list_, pagination_parameters, **filters)


@blp.route("/<uuid:assignment_id>")
class AdviserAssignmentById(MethodView):
    @blp.reads(AdviserAssignmentSchema, scope="advisers:read")
    def get(self, assignment_id):
        """Read an adviser assignment, with the hours logged this month and in all"""
        return adviser_assignments.get(db.session, current_caller(), assignment_id)


def _hours_location(entry, **_) -> str:
    return url_for(
        "adviser-assignments.AdviserHoursById",
        assignment_id=entry.assignment_id,
        hours_id=entry.id,
    )


@blp.route("/<uuid:assignment_id>/hours")
class AdviserAssignmentHours(MethodView):
    @blp.lists(AdviserHoursSchema, scope="advisers:read")
    def get(self, assignment_id, pagination_parameters):
        """List the hours logged on an assignment, the latest day first"""
        return list_page(adviser_assignments.list_hours, pagination_parameters, assignment_id)

    @blp.creates(
        AdviserHoursSchema,
        _hours_location,
        body=AdviserHoursCreateSchema,
        scope="advisers:write",
    )
    def post(self, entry, assignment_id):
        """Log hours given on one day (the adviser, the hub's coordinators, admins)"""
        return commit(adviser_assignments.log_hours, assignment_id, **entry)


@blp.route("/<uuid:assignment_id>/hours/<uuid:hours_id>")
class AdviserHoursById(MethodView):
    @blp.reads(AdviserHoursSchema, scope="advisers:read")
    def get(self, assignment_id, hours_id):
        """Read one day's hours entry"""
        return adviser_assignments.get_hours(db.session, current_caller(), assignment_id, hours_id)


transitions(
    blp,
    "/<uuid:assignment_id>",
    "AdviserAssignment",
    AdviserAssignmentSchema,
    scope="advisers:write",
    table=[
        Transition(
            "end",
            adviser_assignments.end,
            "End an assignment (the hub's coordinators, admins): the school's place is free again",
            body=AdviserAssignmentEndSchema,
        )
    ],
)
