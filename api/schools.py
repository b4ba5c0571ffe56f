"""The school directory: search by name, codes and place; profiles kept by the school's staff;
bulk import from GIAS by admins."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.imports import (
    ImportArgsSchema,
    ImportResultSchema,
    csv_body,
    read_csv,
    refuse_if_not_written,
    request_csv,
)
from api.search import DirectoryEntrySchema, NearQueryArgsSchema, PlaceFields, directory_page
from api.security import current_caller
from api.smorest import Blueprint, RefSchema, Schema
from api.views import commit
from services import schools

MAX_URN = 2**31 - 1  # URNs are six digits; the column is a 32-bit integer

blp = Blueprint("schools", __name__, url_prefix="/api/v1/schools", description="Schools.")
GIAS_BODY = csv_body(
    schools.GIAS_COLUMNS.values(),
    "URN,EstablishmentName,PhaseOfEducation (name),TypeOfEstablishment (name),LA (name),"
    "GOR (name),Town,Postcode\n999001,New School,Secondary,Academy converter,Leeds,"
    "Yorkshire and the Humber,Leeds,LS1 4DY\n",
)

URL = ma.validate.URL(schemes={"http", "https"}, require_tld=True)


class HubRefSchema(RefSchema):
    """The school's Careers Hub."""


class SchoolSchema(DirectoryEntrySchema, PlaceFields):
    id = ma.fields.UUID(required=True)
    urn = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    phase = ma.fields.String(required=True)
    establishment_type = ma.fields.String(required=True)
    local_authority = ma.fields.String(required=True)
    combined_authority = ma.fields.String(allow_none=True)
    skills_area = ma.fields.String(
        allow_none=True, metadata={"description": "Its Local Skills Improvement Plan area."}
    )
    urban_rural = ma.fields.String(
        allow_none=True,
        metadata={"description": "The ONS rural-urban classification, as GIAS names it."},
    )
    region = ma.fields.String(required=True)
    town = ma.fields.String(allow_none=True)
    number_of_pupils = ma.fields.Integer(allow_none=True)
    percentage_fsm = ma.fields.Float(allow_none=True)
    hub_id = ma.fields.UUID(allow_none=True)
    hub = ma.fields.Nested(HubRefSchema, allow_none=True)


class SchoolProfileFields(Schema):
    careers_leader_name = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(min=1, max=200)
    )
    careers_leader_email = ma.fields.Email(allow_none=True)
    careers_leader_phone = ma.fields.String(
        allow_none=True, validate=ma.validate.Regexp(r"^\+?[0-9 ()-]{6,30}$")
    )
    careers_programme_url = ma.fields.String(allow_none=True, validate=URL)
    provider_access_policy_url = ma.fields.String(allow_none=True, validate=URL)
    day_starts_at = ma.fields.Time(
        allow_none=True, metadata={"description": "Europe/London, e.g. 08:40."}
    )
    day_ends_at = ma.fields.Time(allow_none=True, metadata={"description": "Europe/London."})


class SchoolDetailSchema(SchoolSchema, SchoolProfileFields):
    trust = ma.fields.String(allow_none=True)
    statutory_low_age = ma.fields.Integer(allow_none=True)
    statutory_high_age = ma.fields.Integer(allow_none=True)


class SchoolUpdateSchema(SchoolProfileFields):
    """The fields a school's own staff keep; the rest comes from GIAS."""


class SchoolQueryArgsSchema(NearQueryArgsSchema):
    name = ma.fields.String(validate=ma.validate.Length(max=200))
    urn = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_URN))
    phase = ma.fields.String(validate=ma.validate.Length(max=50))
    establishment_type = ma.fields.String(validate=ma.validate.Length(max=100))
    local_authority = ma.fields.String(validate=ma.validate.Length(max=100))
    region = ma.fields.String(validate=ma.validate.Length(max=100))
    hub_id = ma.fields.UUID()
    sort = ma.fields.String(
        validate=ma.validate.OneOf(["name", "-name", "urn", "-pupils", "distance"]),
        metadata={"description": "Default: `distance` with `near`, else `name`."},
    )


@blp.route("")
class Schools(MethodView):
    @blp.lists(SchoolSchema, scope="schools:read", query=SchoolQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """Search schools by name, codes, hub or distance from a postcode"""
        return directory_page(schools.list_, pagination_parameters, filters)


@blp.route("/<uuid:school_id>")
class SchoolById(MethodView):
    @blp.reads(SchoolDetailSchema, scope="schools:read")
    def get(self, school_id):
        """Read a school, with its hub"""
        return schools.get(db.session, current_caller(), school_id)

    @blp.updates(
        SchoolDetailSchema,
        body=SchoolUpdateSchema,
        current=schools.get_for_update,
        scope="schools:write",
    )
    def patch(self, changes, school_id):
        """Update the school's careers profile (its staff, its hub's coordinators, admins)"""
        return commit(schools.update, school_id, changes)


@blp.route("/import")
class SchoolImport(MethodView):
    @blp.imports(ImportResultSchema, csv=GIAS_BODY, query=ImportArgsSchema, idempotent=False)
    def post(self, args):
        """Import schools from a GIAS extract (admins; all rows or none by default)"""
        header, rows = read_csv(request_csv())
        schools.check_gias_header(header)
        result = schools.import_gias(db.session, current_caller(), rows, partial=args["partial"])
        refuse_if_not_written(result)
        db.session.commit()
        return result
