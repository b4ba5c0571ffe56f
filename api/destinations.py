"""Leavers' destinations (Benchmark 3): at leaving and followed up for three years, by hand
or CSV import; a summary by route with the disadvantaged and SEND gaps. Leavers are pupils'
data (their school's staff only); the summary is numbers (the school, its hub, admins)."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.imports import (
    ImportResultSchema,
    csv_body,
    read_csv,
    refuse_if_not_written,
    request_csv,
)
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamped
from api.views import list_page
from models.destinations import Route
from services import destinations, school_years
from services.access import ensure_pupils_of

blp = Blueprint(
    "destinations",
    __name__,
    url_prefix="/api/v1/schools/<uuid:school_id>/destinations",
    description="Leavers' destinations, followed up for three years (Benchmark 3).",
)
LEAVERS_BODY = csv_body(
    destinations.CSV_COLUMNS,
    "reference,leaving_year,year_group,stage,route,education_level\n"
    "L0001,2025-26,13,0,education,6\nL0002,2025-26,11,0,apprenticeship,\n",
)

YEAR = ma.validate.Regexp(r"^\d{4}-\d{2}$", error="Use the form YYYY-YY, such as 2025-26.")


class DestinationFields(Schema):
    route = ma.fields.Enum(Route, by_value=True, required=True)
    education_level = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=8),
        metadata={"description": "RQF level 1-8, for education only."},
    )
    recorded_on = ma.fields.Date(metadata={"description": "Default: today."})


class DestinationStageSchema(DestinationFields):
    stage = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=0, max=3),
        metadata={"description": "0 at leaving; 1, 2 or 3 years on (from 1 September)."},
    )


class DestinationRecordSchema(Schema):
    stage = ma.fields.Integer(
        required=True, metadata={"description": "0 at leaving; 1-3 years on."}
    )
    route = ma.fields.Enum(Route, by_value=True, required=True)
    education_level = ma.fields.Integer(allow_none=True, required=True)
    recorded_on = ma.fields.Date(required=True)


class LeaverCreateSchema(Schema):
    reference = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50))
    leaving_year = ma.fields.String(
        required=True, validate=YEAR, metadata={"description": "The school year they left in."}
    )
    year_group = ma.fields.Integer(
        validate=ma.validate.Range(min=7, max=13),
        metadata={"description": "Default: from the pupil's record, if the school holds it."},
    )
    disadvantaged = ma.fields.Boolean()
    send = ma.fields.Boolean()
    destination = ma.fields.Nested(
        DestinationFields, required=True, metadata={"description": "At leaving."}
    )


class LeaverSchema(Timestamped):
    id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    reference = ma.fields.String(required=True)
    leaving_year = ma.fields.Function(
        lambda leaver: school_years.label(leaver.leaving_year), required=True
    )
    year_group = ma.fields.Integer(required=True)
    disadvantaged = ma.fields.Boolean(required=True)
    send = ma.fields.Boolean(required=True)
    records = ma.fields.List(ma.fields.Nested(DestinationRecordSchema), required=True)


class LeaverQueryArgsSchema(Schema):
    leaving_year = ma.fields.String(validate=YEAR)


class SummaryQueryArgsSchema(Schema):
    leaving_year = ma.fields.String(required=True, validate=YEAR)


class StageSummarySchema(Schema):
    stage = ma.fields.Integer(required=True)
    recorded = ma.fields.Integer(required=True)
    routes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    education_levels = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True
    )
    positive_share = ma.fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "In education, an apprenticeship or employment (0-1)."},
    )
    disadvantaged_positive_share = ma.fields.Float(allow_none=True, required=True)
    disadvantaged_gap = ma.fields.Float(allow_none=True, required=True)
    send_positive_share = ma.fields.Float(allow_none=True, required=True)
    send_gap = ma.fields.Float(allow_none=True, required=True)


class DestinationSummarySchema(Schema):
    school_id = ma.fields.UUID(required=True)
    leaving_year = ma.fields.String(required=True)
    leavers = ma.fields.Integer(required=True)
    stages = ma.fields.List(ma.fields.Nested(StageSummarySchema), required=True)


@blp.route("")
class Leavers(MethodView):
    @blp.lists(LeaverSchema, scope="pupils:read", query=LeaverQueryArgsSchema)
    def get(self, filters, school_id, pagination_parameters):
        """List the school's leavers with their destinations, the latest leavers first"""
        return list_page(destinations.list_, pagination_parameters, school_id=school_id, **filters)

    @blp.creates(
        LeaverSchema,
        lambda made, school_id: url_for(
            "destinations.LeaverById", school_id=school_id, leaver_id=made.id
        ),
        body=LeaverCreateSchema,
        scope="pupils:write",
    )
    def post(self, leaver, school_id):
        """Record a leaver and their destination at leaving"""
        return destinations.create(db.session, current_caller(), school_id=school_id, **leaver)


@blp.route("/<uuid:leaver_id>")
class LeaverById(MethodView):
    @blp.reads(LeaverSchema, scope="pupils:read")
    def get(self, school_id, leaver_id):
        """Read a leaver's destinations"""
        return destinations.get(
            db.session, current_caller(), school_id=school_id, leaver_id=leaver_id
        )

    @blp.updates(
        LeaverSchema, body=DestinationStageSchema, current=destinations.get, scope="pupils:write"
    )
    def patch(self, destination, school_id, leaver_id):
        """Record or correct the destination at a stage (0 at leaving, 1-3 years on; If-Match)"""
        return destinations.record(
            db.session, current_caller(), school_id=school_id, leaver_id=leaver_id, **destination
        )


@blp.route("/import")
class LeaverImport(MethodView):
    @blp.imports(ImportResultSchema, csv=LEAVERS_BODY, scope="pupils:write")
    def post(self, school_id):
        """Import destinations from the MIS (one per row; all or nothing)

        Columns: reference, leaving_year (2025-26), year_group, disadvantaged, send, stage
        (0 at leaving, 1-3 years on), route (education, apprenticeship, employment, neet,
        unknown), education_level (RQF 1-8, education only), recorded_on (optional).
        """
        caller = current_caller()
        ensure_pupils_of(caller, school_id)  # 404 before the file is even read
        header, rows = read_csv(request_csv())
        return refuse_if_not_written(
            destinations.import_csv(db.session, caller, school_id, header, rows)
        )


@blp.route("/summary")
class DestinationSummary(MethodView):
    @blp.reports(DestinationSummarySchema, query=SummaryQueryArgsSchema)
    def get(self, args, school_id):
        """Leavers' destinations by route at each stage, with the disadvantaged and SEND gaps"""
        return destinations.summary(
            db.session, current_caller(), school_id=school_id, leaving_year=args["leaving_year"]
        )
