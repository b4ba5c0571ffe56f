"""The employer directory (issue 4 adds full profiles and self-service updates)."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, paged
from models.organisations import Employer
from services import directory

blp = Blueprint("employers", __name__, url_prefix="/api/v1/employers", description="Employers.")


class EmployerSchema(Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    sector_code = ma.fields.String(allow_none=True, metadata={"description": "SIC 2007 section."})
    postcode = ma.fields.String(allow_none=True)


class EmployerCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    sector_code = ma.fields.String(load_default=None, validate=ma.validate.Length(equal=1))
    postcode = ma.fields.String(load_default=None, validate=ma.validate.Length(max=10))


@blp.route("")
class Employers(MethodView):
    @blp.login_required("employers:read")
    @blp.response(200, EmployerSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List employers"""
        page = directory.list_employers(
            db.session, page=pagination_parameters.page, page_size=pagination_parameters.page_size
        )
        return paged(pagination_parameters, page)

    @blp.login_required()
    @blp.arguments(EmployerCreateSchema)
    @blp.response(201, EmployerSchema)
    def post(self, employer):
        """Register an employer (admins)"""
        created = directory.create_employer(db.session, current_caller(), **employer)
        db.session.commit()
        return created


@blp.route("/<uuid:employer_id>")
class EmployerById(MethodView):
    @blp.login_required("employers:read")
    @blp.response(200, EmployerSchema)
    def get(self, employer_id):
        """Read an employer"""
        return directory.get_organisation(db.session, Employer, employer_id)
