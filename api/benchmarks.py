"""Benchmark reports: a school's (with the pupils who do not yet meet each benchmark, for
the school's own staff) and a hub's (every school, no pupil-level data). JSON, or CSV
with `format=csv` or `Accept: text/csv`."""

import marshmallow as ma
from flask.views import MethodView

from api.downloads import csv_doc, csv_response, wants_csv
from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema
from services import benchmarks, school_years

blp = Blueprint(
    "benchmarks", __name__, url_prefix="/api/v1", description="Gatsby Benchmark reports."
)

CSV_RESPONSE = csv_doc(benchmarks.CSV_COLUMNS)


class ReportQueryArgsSchema(Schema):
    academic_year = ma.fields.String(
        validate=ma.validate.Regexp(r"^\d{4}-\d{2}$"),
        metadata={"description": "1 September - 31 August, such as 2025-26 (default: now)."},
    )
    format = ma.fields.String(
        validate=ma.validate.OneOf(["json", "csv"]),
        metadata={"description": "csv for a spreadsheet (or send Accept: text/csv)."},
    )


class PupilRefSchema(Schema):
    id = ma.fields.UUID(required=True)
    reference = ma.fields.String(required=True)


class ShareSchema(Schema):
    pupils = ma.fields.Integer(required=True)
    meeting = ma.fields.Integer(required=True)
    share = ma.fields.Float(allow_none=True, required=True, metadata={"description": "0-1."})
    disadvantaged_share = ma.fields.Float(allow_none=True, required=True)
    disadvantaged_gap = ma.fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "Other pupils' share minus disadvantaged pupils' share."},
    )
    send_share = ma.fields.Float(allow_none=True, required=True)
    send_gap = ma.fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "Non-SEND pupils' share minus SEND pupils' share."},
    )


class PupilShareSchema(ShareSchema):
    not_meeting = ma.fields.List(
        ma.fields.Nested(PupilRefSchema),
        metadata={"description": "The school's own staff only: pupils not yet meeting it."},
    )


class YearGroupShareSchema(PupilShareSchema):
    year_group = ma.fields.Integer(required=True)


class BenchmarkResultSchema(Schema):
    benchmark = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    total = ma.fields.Nested(PupilShareSchema, required=True)
    year_groups = ma.fields.List(ma.fields.Nested(YearGroupShareSchema), required=True)


class ProviderAccessSchema(ShareSchema):
    phase = ma.fields.String(required=True)
    required = ma.fields.Integer(required=True)
    encounters_held = ma.fields.Integer(required=True)


class CareersStrategySchema(ShareSchema):
    target = ma.fields.Integer(required=True)
    employer_encounters_per_pupil = ma.fields.Float(allow_none=True, required=True)


class WorkExperienceYearSchema(ShareSchema):
    year_group = ma.fields.Integer(required=True)


class WorkExperienceSchema(ShareSchema):
    target_days = ma.fields.Integer(required=True)
    mean_days_y7_y11 = ma.fields.Float(allow_none=True, required=True)
    year_groups = ma.fields.List(
        ma.fields.Nested(WorkExperienceYearSchema),
        required=True,
        metadata={"description": "Y7-Y11: pupils with ten days so far (Y11: the guarantee)."},
    )


class VarietySchema(Schema):
    employer_sizes = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True
    )
    sectors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    sizes_met = ma.fields.Integer(required=True)
    sectors_met = ma.fields.Integer(required=True)


class SchoolReportSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    school_name = ma.fields.String(required=True)
    urn = ma.fields.Integer(required=True)
    academic_year = ma.fields.String(required=True)
    college = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "An FE or sixth-form college (GIAS type Further education or Sixth "
            "form centres): Benchmark 5 asks two meaningful employer encounters a year."
        },
    )
    pupils = ma.fields.Integer(required=True)
    disadvantaged_pupils = ma.fields.Integer(required=True)
    benchmarks = ma.fields.List(ma.fields.Nested(BenchmarkResultSchema), required=True)
    provider_access = ma.fields.List(ma.fields.Nested(ProviderAccessSchema), required=True)
    careers_strategy = ma.fields.Nested(CareersStrategySchema, required=True)
    work_experience = ma.fields.Nested(WorkExperienceSchema, required=True)
    variety = ma.fields.Nested(VarietySchema, required=True)


class HubReportSchema(Schema):
    hub_id = ma.fields.UUID(required=True)
    hub_name = ma.fields.String(required=True)
    academic_year = ma.fields.String(required=True)
    schools = ma.fields.List(ma.fields.Nested(SchoolReportSchema), required=True)


@blp.route("/schools/<uuid:school_id>/benchmarks")
class SchoolBenchmarks(MethodView):
    @blp.reports(SchoolReportSchema, query=ReportQueryArgsSchema, csv=CSV_RESPONSE)
    def get(self, args, school_id):
        """A school's Benchmark 5-8 report for a school year (pupils: its own staff only)"""
        report = report_for_year(benchmarks.school_report, args, school_id)
        db.session.commit()  # the audit rows of the pupils listed
        if wants_csv(args):
            name = f"benchmarks-{report['urn']}"
            return csv_response(benchmarks.csv_rows(report), name, benchmarks.CSV_COLUMNS)
        return report


@blp.route("/hubs/<uuid:hub_id>/report")
class HubReport(MethodView):
    @blp.reports(HubReportSchema, query=ReportQueryArgsSchema, csv=CSV_RESPONSE)
    def get(self, args, hub_id):
        """Every school of a Careers Hub, the same numbers, no pupil-level data"""
        report = report_for_year(benchmarks.hub_report, args, hub_id)
        if wants_csv(args):
            rows = [row for school in report["schools"] for row in benchmarks.csv_rows(school)]
            return csv_response(
                rows, f"hub-report-{report['academic_year']}", benchmarks.CSV_COLUMNS
            )
        return report


def report_year(args: dict) -> str:
    return args.get("academic_year") or school_years.current_label()


def report_for_year(report, args: dict, *ids, **options):
    """`report` for the caller over the school year `args` asks for (default: this one)."""
    return report(db.session, current_caller(), *ids, academic_year=report_year(args), **options)
