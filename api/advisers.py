"""Enterprise Advisers: volunteers committing at least 8 hours a month to one or two schools."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, RefSchema, Schema, Timestamped
from api.views import commit, list_page
from models.volunteers import AdviserStatus, ExpertiseArea
from services import advisers

blp = Blueprint(
    "advisers", __name__, url_prefix="/api/v1/advisers", description="Enterprise Advisers."
)

PREFERENCE = ma.fields.String(validate=ma.validate.Length(min=1, max=100))


class AdviserVolunteerSchema(RefSchema):
    job_title = ma.fields.String(required=True)
    employer_id = ma.fields.UUID(required=True)


class AdviserSchema(Timestamped):
    id = ma.fields.UUID(required=True)
    volunteer = ma.fields.Nested(AdviserVolunteerSchema, required=True)
    hub_id = ma.fields.UUID(allow_none=True, required=True)
    hours_per_month = ma.fields.Integer(required=True)
    school_capacity = ma.fields.Integer(required=True)
    expertise = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf([e.value for e in ExpertiseArea])),
        required=True,
    )
    preferred_phases = ma.fields.List(ma.fields.String(), required=True)
    preferred_school_types = ma.fields.List(ma.fields.String(), required=True)
    status = ma.fields.Enum(AdviserStatus, by_value=True, required=True)


class AdviserFields(Schema):
    hub_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "Admins and the hub's coordinators."}
    )
    school_capacity = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=2), metadata={"description": "1 or 2 schools."}
    )
    expertise = ma.fields.List(
        ma.fields.Enum(ExpertiseArea, by_value=True), validate=ma.validate.Length(max=12)
    )
    preferred_phases = ma.fields.List(PREFERENCE, validate=ma.validate.Length(max=10))
    preferred_school_types = ma.fields.List(PREFERENCE, validate=ma.validate.Length(max=20))


class AdviserCreateSchema(AdviserFields):
    volunteer_id = ma.fields.UUID(required=True)
    hours_per_month = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=8, max=160), metadata={"description": "≥ 8."}
    )


class AdviserUpdateSchema(AdviserFields):
    hours_per_month = ma.fields.Integer(validate=ma.validate.Range(min=8, max=160))
    status = ma.fields.Enum(
        AdviserStatus,
        by_value=True,
        metadata={"description": "Admins and the hub's coordinators."},
    )


class AdviserQueryArgsSchema(Schema):
    status = ma.fields.Enum(AdviserStatus, by_value=True)
    hub_id = ma.fields.UUID()
    expertise = ma.fields.Enum(ExpertiseArea, by_value=True)


@blp.route("")
class Advisers(MethodView):
    @blp.lists(AdviserSchema, scope="advisers:read", query=AdviserQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """List the Enterprise Advisers you may see"""
        return list_page(advisers.list_, pagination_parameters, **filters)

    @blp.creates(
        AdviserSchema,
        lambda made: url_for("advisers.AdviserById", adviser_id=made.id),
        body=AdviserCreateSchema,
        scope="advisers:write",
    )
    def post(self, commitment):
        """Record a volunteer's commitment as an Enterprise Adviser"""
        return commit(advisers.create, **commitment)


@blp.route("/<uuid:adviser_id>")
class AdviserById(MethodView):
    @blp.reads(AdviserSchema, scope="advisers:read")
    def get(self, adviser_id):
        """Read an Enterprise Adviser's commitment"""
        return advisers.get(db.session, current_caller(), adviser_id)

    @blp.updates(
        AdviserSchema,
        body=AdviserUpdateSchema,
        current=advisers.get_for_update,
        scope="advisers:write",
    )
    def patch(self, changes, adviser_id):
        """Change the commitment (status: admins and the hub's coordinators)"""
        return commit(advisers.update, adviser_id, changes)

    @blp.deletes(AdviserSchema, current=advisers.get_for_update, scope="advisers:write")
    def delete(self, adviser_id):
        """End the commitment (the volunteer's profile stays)"""
        commit(advisers.delete, adviser_id)
