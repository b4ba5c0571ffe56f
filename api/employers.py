"""The employer directory: profiles of every size and sector, kept by the employer's staff;
its volunteers, added one by one or imported from CSV."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.imports import (
    ImportArgsSchema,
    ImportResultSchema,
    csv_body,
    refuse_if_not_written,
    request_csv,
)
from api.search import (
    WEBSITE,
    DirectoryEntrySchema,
    NearQueryArgsSchema,
    PlaceFields,
    directory_page,
    pop_origin,
)
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from api.views import commit, list_page
from api.volunteers import (
    CSV_COLUMNS,
    REQUIRED_COLUMNS,
    VolunteerCreateSchema,
    VolunteerFilterArgsSchema,
    VolunteerSchema,
    parse_volunteer_csv,
    to_profile,
)
from models.organisations import EmployerSize
from services import employers, volunteers

blp = Blueprint("employers", __name__, url_prefix="/api/v1/employers", description="Employers.")
VOLUNTEERS_BODY = csv_body(
    [*REQUIRED_COLUMNS, *sorted(CSV_COLUMNS - set(REQUIRED_COLUMNS))],
    "name,email,job_title,sectors,base_postcode,weekly_availability\n"
    "Asha Patel,asha.patel@example.org,Site engineer,F;M,LS1 4DY,monday 09:00-12:00\n",
)

SIZE_BANDS = "micro < 10 people, small 10-49, medium 50-249, large 250+, or self_employed"


class EmployerSchema(DirectoryEntrySchema, PlaceFields):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    sector_code = ma.fields.String(allow_none=True, metadata={"description": "SIC 2007 section."})
    division_code = ma.fields.String(
        allow_none=True, metadata={"description": "SIC 2007 division within the section."}
    )
    size_band = ma.fields.Enum(
        EmployerSize, by_value=True, allow_none=True, metadata={"description": SIZE_BANDS}
    )
    description = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)
    updated_at = Timestamp(required=True)


class EmployerProfileFields(Schema):
    sector_code = ma.fields.String(
        allow_none=True, validate=ma.validate.Regexp(r"^[A-U]$", error="Not a SIC 2007 section.")
    )
    division_code = ma.fields.String(
        allow_none=True, validate=ma.validate.Regexp(r"^[0-9]{2}$", error="Two digits.")
    )
    size_band = ma.fields.Enum(EmployerSize, by_value=True, allow_none=True)
    postcode = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    website = ma.fields.String(allow_none=True, validate=WEBSITE)


class EmployerCreateSchema(EmployerProfileFields):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class EmployerUpdateSchema(EmployerProfileFields):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))


class EmployerQueryArgsSchema(NearQueryArgsSchema):
    name = ma.fields.String(validate=ma.validate.Length(max=200))
    sector_code = ma.fields.String(validate=ma.validate.Regexp(r"^[A-U]$"))
    size_band = ma.fields.Enum(EmployerSize, by_value=True)
    sort = ma.fields.String(validate=ma.validate.OneOf(["name", "distance"]))


@blp.route("")
class Employers(MethodView):
    @blp.lists(EmployerSchema, scope="employers:read", query=EmployerQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """Search employers by name, sector, size or distance from a postcode"""
        return directory_page(employers.list_, pagination_parameters, filters)

    @blp.login_required()
    @blp.arguments(EmployerCreateSchema)
    @blp.created(
        EmployerSchema, lambda made: url_for("employers.EmployerById", employer_id=made.id)
    )
    def post(self, profile):
        """Register an employer (admins)"""
        return commit(employers.create, **profile)


@blp.route("/<uuid:employer_id>")
class EmployerById(MethodView):
    @blp.reads(EmployerSchema, scope="employers:read")
    def get(self, employer_id):
        """Read an employer"""
        return employers.get(db.session, current_caller(), employer_id)

    @blp.updates(
        EmployerSchema,
        body=EmployerUpdateSchema,
        current=employers.get_for_update,
        scope="employers:write",
    )
    def patch(self, changes, employer_id):
        """Update the employer's profile (its staff, admins)"""
        return commit(employers.update, employer_id, changes)


def _volunteer_location(volunteer, **_) -> str:
    return url_for("volunteers.VolunteerById", volunteer_id=volunteer.id)


@blp.route("/<uuid:employer_id>/volunteers")
class EmployerVolunteers(MethodView):
    @blp.lists(VolunteerSchema, scope="volunteers:read", query=VolunteerFilterArgsSchema)
    def get(self, filters, pagination_parameters, employer_id):
        """List the employer's volunteers that you may see"""
        employers.get(db.session, current_caller(), employer_id)
        near = pop_origin(filters)
        return list_page(
            volunteers.list_, pagination_parameters, employer_id=employer_id, near=near, **filters
        )

    @blp.creates(
        VolunteerSchema,
        _volunteer_location,
        body=VolunteerCreateSchema,
        scope="volunteers:write",
    )
    def post(self, profile, employer_id):
        """Add a volunteer to the employer (its staff, admins)"""
        return commit(volunteers.create, employer_id, to_profile(profile))


@blp.route("/<uuid:employer_id>/volunteers/import")
class EmployerVolunteerImport(MethodView):
    @blp.imports(
        ImportResultSchema, csv=VOLUNTEERS_BODY, query=ImportArgsSchema, scope="volunteers:write"
    )
    def post(self, args, employer_id):
        """Import the employer's volunteers from CSV (all rows or none by default)"""
        rows, parse_errors = parse_volunteer_csv(request_csv())
        result = volunteers.import_(
            db.session,
            current_caller(),
            employer_id,
            rows,
            parse_errors=parse_errors,
            partial=args["partial"],
        )
        refuse_if_not_written(result)
        return result
