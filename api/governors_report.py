"""The governors' report: the school's careers programme against all eight benchmarks,
as JSON, a printable HTML page and a PDF (no pupil-level data; the school's own)."""

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from api.downloads import HTML, page_response
from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema
from services import governors_report

blp = Blueprint(
    "governors-report",
    __name__,
    url_prefix="/api/v1/schools/<uuid:school_id>",
    description="The governors' report on the careers programme (JSON, HTML, PDF).",
)
PDF = "application/pdf"


class GovernorsReportQueryArgsSchema(Schema):
    academic_year = ma.fields.String(
        validate=ma.validate.Regexp(r"^\d{4}-\d{2}$", error="Use the form YYYY-YY."),
        metadata={"description": "Default: this school year (then: this term)."},
    )


class BenchmarkRowSchema(Schema):
    benchmark = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    answered_by = ma.fields.String(required=True)
    now = ma.fields.Float(allow_none=True, required=True)
    state = ma.fields.String(required=True)
    last_term = ma.fields.Float(allow_none=True, required=True)
    last_year = ma.fields.Float(allow_none=True, required=True)


class KeyQuestionSchema(Schema):
    question = ma.fields.String(required=True)
    answer = ma.fields.String(required=True)


class GovernorsReportSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    school_name = ma.fields.String(required=True)
    urn = ma.fields.Integer(required=True)
    academic_year = ma.fields.String(required=True)
    term = ma.fields.String(required=True)
    generated_on = ma.fields.Date(required=True)
    pupils = ma.fields.Integer(required=True)
    disadvantaged_pupils = ma.fields.Integer(required=True)
    compared_with = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(allow_none=True), required=True
    )
    benchmarks = ma.fields.List(ma.fields.Nested(BenchmarkRowSchema), required=True)
    year_groups = ma.fields.List(ma.fields.Dict(), required=True)
    provider_access = ma.fields.List(ma.fields.Dict(), required=True)
    gaps = ma.fields.List(ma.fields.Dict(), required=True)
    destinations = ma.fields.Dict(required=True)
    programme = ma.fields.Dict(required=True)
    key_questions = ma.fields.List(ma.fields.Nested(KeyQuestionSchema), required=True)


def _build(args: dict, school_id) -> dict:
    return governors_report.build(
        db.session, current_caller(), school_id, academic_year=args.get("academic_year")
    )


@blp.route("/governors-report")
class GovernorsReport(MethodView):
    @blp.reports(GovernorsReportSchema, query=GovernorsReportQueryArgsSchema)
    def get(self, args, school_id):
        """The governors' report's figures (the school's staff, admins)"""
        return _build(args, school_id)


def _as_document(content_type: str, description: str):
    """The report rendered as a document of `content_type`, for the same callers and query
    as its JSON."""

    def decorator(view):
        wrapper = blp.response(200, description=description, content_type=content_type)(view)
        wrapper = blp.arguments(GovernorsReportQueryArgsSchema, location="query")(wrapper)
        return blp.login_required("reports:read")(wrapper)

    return decorator


@blp.route("/governors-report.html")
class GovernorsReportPage(MethodView):
    @_as_document(HTML, "A printable, accessible HTML page.")
    def get(self, args, school_id):
        """The governors' report as a printable web page"""
        page = governors_report.render_html(_build(args, school_id))
        return page_response(page, cache_control="private, no-store")


@blp.route("/governors-report.pdf")
class GovernorsReportPdf(MethodView):
    @_as_document(PDF, "An A4 PDF.")
    def get(self, args, school_id):
        """The governors' report as a PDF to print or circulate"""
        data = _build(args, school_id)
        return Response(
            governors_report.render_pdf(data),
            mimetype=PDF,
            headers={
                "Cache-Control": "private, no-store",
                "Content-Disposition": f'inline; filename="governors-report-{data["urn"]}-'
                f'{data["academic_year"]}.pdf"',
            },
        )
