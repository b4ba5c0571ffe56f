"""Careers Hubs and the schools in them."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, RefSchema, Schema, Timestamp
from api.views import commit, list_page
from services import hubs

blp = Blueprint("hubs", __name__, url_prefix="/api/v1/hubs", description="Careers Hubs.")


class PersonRefSchema(RefSchema):
    email = ma.fields.Email(required=True)


class HubSchema(Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    area = ma.fields.String(required=True)
    created_at = Timestamp(required=True)


class HubDetailSchema(HubSchema):
    school_count = ma.fields.Integer(required=True)
    coordinators = ma.fields.List(
        ma.fields.Nested(PersonRefSchema), attribute="active_members", required=True
    )


class HubCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    area = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class HubUpdateSchema(Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    area = ma.fields.String(validate=ma.validate.Length(min=1, max=200))


@blp.route("")
class Hubs(MethodView):
    @blp.lists(HubSchema, scope="hubs:read")
    def get(self, pagination_parameters):
        """List the Careers Hubs you belong to (admins: all)"""
        return list_page(hubs.list_, pagination_parameters)

    @blp.login_required()
    @blp.arguments(HubCreateSchema)
    @blp.created(HubDetailSchema, lambda made: url_for("hubs.HubById", hub_id=made.id))
    def post(self, hub):
        """Create a Careers Hub (admins)"""
        return commit(hubs.create, **hub)


@blp.route("/<uuid:hub_id>")
class HubById(MethodView):
    @blp.reads(HubDetailSchema, scope="hubs:read")
    def get(self, hub_id):
        """Read a Careers Hub, with its coordinators"""
        return hubs.get(db.session, current_caller(), hub_id)

    @blp.login_required()
    @blp.etag
    @blp.arguments(HubUpdateSchema)
    @blp.response(200, HubDetailSchema)
    def patch(self, changes, hub_id):
        """Rename a Careers Hub or change its area (send the ETag you read as If-Match)"""
        blp.check_etag(hubs.get(db.session, current_caller(), hub_id), HubDetailSchema)
        return commit(hubs.update, hub_id, changes)


@blp.route("/<uuid:hub_id>/schools/<uuid:school_id>")
class HubSchool(MethodView):
    @blp.login_required()
    @blp.response(204)
    def put(self, hub_id, school_id):
        """Add a school to the hub (a school is in at most one hub)"""
        commit(hubs.add_school, hub_id, school_id)

    @blp.login_required()
    @blp.response(204)
    def delete(self, hub_id, school_id):
        """Take a school out of the hub"""
        commit(hubs.remove_school, hub_id, school_id)
