"""The school directory (issue 4 adds search by place and updates by the school's staff)."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.smorest import Blueprint, Schema, paged
from models.organisations import School
from services import directory

blp = Blueprint("schools", __name__, url_prefix="/api/v1/schools", description="Schools.")


class SchoolSchema(Schema):
    id = ma.fields.UUID(required=True)
    urn = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    phase = ma.fields.String(required=True)
    establishment_type = ma.fields.String(required=True)
    local_authority = ma.fields.String(required=True)
    region = ma.fields.String(required=True)
    town = ma.fields.String(allow_none=True)
    postcode = ma.fields.String(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    number_of_pupils = ma.fields.Integer(allow_none=True)
    percentage_fsm = ma.fields.Float(allow_none=True)
    hub_id = ma.fields.UUID(allow_none=True)


class SchoolQueryArgsSchema(Schema):
    name = ma.fields.String(validate=ma.validate.Length(max=200))
    hub_id = ma.fields.UUID()


@blp.route("")
class Schools(MethodView):
    @blp.login_required("schools:read")
    @blp.arguments(SchoolQueryArgsSchema, location="query")
    @blp.response(200, SchoolSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """List schools"""
        page = directory.list_schools(
            db.session,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        return paged(pagination_parameters, page)


@blp.route("/<uuid:school_id>")
class SchoolById(MethodView):
    @blp.login_required("schools:read")
    @blp.response(200, SchoolSchema)
    def get(self, school_id):
        """Read a school"""
        return directory.get_organisation(db.session, School, school_id)
