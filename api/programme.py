"""The careers programme: a school's plan per school year, its activities (what each
becomes is in `api.programme_activities`), the coverage per year group and benchmark,
roll-over, and the statutory publication (public JSON and an accessible HTML page, no
JavaScript)."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.downloads import HTML, page_response
from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp, Timestamped
from api.views import commit, list_page
from models.programme import ALL_BENCHMARKS, HALF_TERMS, ActivityStatus, PartnerType, PlanStatus
from models.volunteers import ActivityType
from services import programme, publication, school_years

blp = Blueprint(
    "programme",
    __name__,
    url_prefix="/api/v1",
    description="Careers programme plans, their coverage, and the statutory publication.",
)

YEAR = ma.validate.Regexp(r"^\d{4}-\d{2}$", error="Use the form YYYY-YY, such as 2025-26.")
TEXT = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=4000))
PLAN = "/schools/<uuid:school_id>/programme/<string:academic_year>"


class ProgrammePlanFields(Schema):
    summary = TEXT
    access_pupils = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    access_parents = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    access_teachers = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    access_employers = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    impact_measures = TEXT
    next_review_on = ma.fields.Date(allow_none=True)


class ProgrammePlanCreateSchema(ProgrammePlanFields):
    academic_year = ma.fields.String(
        required=True, validate=YEAR, metadata={"description": "Such as 2025-26."}
    )


class ProgrammePlanUpdateSchema(ProgrammePlanFields):
    """Any of the plan's own fields."""


class ProgrammePlanSchema(Timestamped):
    id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    academic_year = ma.fields.Function(
        lambda plan: school_years.label(plan.academic_year), required=True
    )
    status = ma.fields.Enum(PlanStatus, by_value=True, required=True)
    summary = ma.fields.String(allow_none=True, required=True)
    access_pupils = ma.fields.String(allow_none=True, required=True)
    access_parents = ma.fields.String(allow_none=True, required=True)
    access_teachers = ma.fields.String(allow_none=True, required=True)
    access_employers = ma.fields.String(allow_none=True, required=True)
    impact_measures = ma.fields.String(allow_none=True, required=True)
    next_review_on = ma.fields.Date(allow_none=True, required=True)
    published_at = Timestamp(allow_none=True, required=True)
    activity_count = ma.fields.Function(lambda plan: len(plan.activities), required=True)


BENCHMARK_LIST = ma.fields.List(
    ma.fields.Integer(validate=ma.validate.OneOf(ALL_BENCHMARKS, error="Benchmarks are 1-8.")),
    validate=ma.validate.Length(min=1, max=8),
)


class ProgrammeActivityFields(Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    year_group = ma.fields.Integer(validate=ma.validate.Range(min=7, max=13))
    half_term = ma.fields.Integer(
        validate=ma.validate.OneOf(HALF_TERMS),
        metadata={"description": "1-2 autumn, 3-4 spring, 5-6 summer."},
    )
    benchmarks = BENCHMARK_LIST
    activity_type = ma.fields.Enum(
        ActivityType,
        by_value=True,
        allow_none=True,
        metadata={"description": "What a volunteer would do: needed to make a need of it."},
    )
    responsible_staff = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    partner_type = ma.fields.Enum(PartnerType, by_value=True)
    target_pupils = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2000))
    status = ma.fields.Enum(
        ActivityStatus,
        by_value=True,
        metadata={"description": "requested is set by making a need of it."},
    )
    notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))


class ProgrammeActivityCreateSchema(ProgrammeActivityFields):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    year_group = ma.fields.Integer(required=True, validate=ma.validate.Range(min=7, max=13))
    half_term = ma.fields.Integer(required=True, validate=ma.validate.OneOf(HALF_TERMS))
    benchmarks = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.OneOf(ALL_BENCHMARKS, error="Benchmarks are 1-8.")),
        required=True,
        validate=ma.validate.Length(min=1, max=8),
    )
    target_pupils = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2000))


class ProgrammeActivityUpdateSchema(ProgrammeActivityFields):
    """Any of the activity's fields."""


class ProgrammeActivitySchema(Timestamped):
    id = ma.fields.UUID(required=True)
    plan_id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True)
    year_group = ma.fields.Integer(required=True)
    half_term = ma.fields.Integer(required=True)
    benchmarks = ma.fields.List(ma.fields.Integer(), required=True)
    activity_type = ma.fields.String(allow_none=True, required=True)
    responsible_staff = ma.fields.String(allow_none=True, required=True)
    partner_type = ma.fields.Enum(PartnerType, by_value=True, required=True)
    target_pupils = ma.fields.Integer(required=True)
    status = ma.fields.Enum(ActivityStatus, by_value=True, required=True)
    notes = ma.fields.String(allow_none=True, required=True)
    need_id = ma.fields.UUID(
        allow_none=True, required=True, metadata={"description": "The need it produced."}
    )
    offer_request_id = ma.fields.UUID(
        allow_none=True,
        required=True,
        metadata={"description": "The request of an encounter offer it produced."},
    )
    booking_id = ma.fields.UUID(
        allow_none=True, required=True, metadata={"description": "The booking it produced."}
    )


class ProgrammeActivityQueryArgsSchema(Schema):
    year_group = ma.fields.Integer(validate=ma.validate.Range(min=7, max=13))
    benchmark = ma.fields.Integer(validate=ma.validate.OneOf(ALL_BENCHMARKS))


class CoverageCellSchema(Schema):
    year_group = ma.fields.Integer(required=True)
    benchmark = ma.fields.Integer(required=True)
    planned = ma.fields.Integer(required=True, metadata={"description": "Activities planned."})
    happened = ma.fields.Integer(
        required=True,
        metadata={"description": "Encounters recorded (BM 1-4: activities marked done)."},
    )
    meaningful = ma.fields.Integer(required=True)
    uncovered = ma.fields.Boolean(required=True)


class CoverageGapSchema(Schema):
    year_group = ma.fields.Integer(required=True)
    benchmark = ma.fields.Integer(required=True)


class CoverageSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    academic_year = ma.fields.String(required=True)
    cells = ma.fields.List(ma.fields.Nested(CoverageCellSchema), required=True)
    gaps = ma.fields.List(ma.fields.Nested(CoverageGapSchema), required=True)


class PublishedActivitySchema(Schema):
    title = ma.fields.String(required=True)
    half_term = ma.fields.Integer(required=True)
    half_term_name = ma.fields.String(required=True)
    benchmarks = ma.fields.List(ma.fields.Integer(), required=True)
    partner_type = ma.fields.String(required=True)


class PublishedYearSchema(Schema):
    year_group = ma.fields.Integer(required=True)
    activities = ma.fields.List(ma.fields.Nested(PublishedActivitySchema), required=True)


class CareersLeaderSchema(Schema):
    name = ma.fields.String(allow_none=True, required=True)
    email = ma.fields.String(allow_none=True, required=True)
    phone = ma.fields.String(allow_none=True, required=True)


class PublicationAccessSchema(Schema):
    pupils = ma.fields.String(allow_none=True, required=True)
    parents = ma.fields.String(allow_none=True, required=True)
    teachers = ma.fields.String(allow_none=True, required=True)
    employers = ma.fields.String(allow_none=True, required=True)


class ProviderAccessPolicySchema(Schema):
    status = ma.fields.String(
        required=True, metadata={"description": "published, or not yet published."}
    )
    url = ma.fields.String(allow_none=True, required=True)
    text = ma.fields.String(allow_none=True, required=True)


class PublicationSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    school_name = ma.fields.String(required=True)
    urn = ma.fields.Integer(required=True)
    academic_year = ma.fields.String(required=True)
    careers_leader = ma.fields.Nested(CareersLeaderSchema, required=True)
    summary = ma.fields.String(allow_none=True, required=True)
    programme = ma.fields.List(ma.fields.Nested(PublishedYearSchema), required=True)
    access = ma.fields.Nested(PublicationAccessSchema, required=True)
    impact_measures = ma.fields.String(allow_none=True, required=True)
    next_review_on = ma.fields.Date(allow_none=True, required=True)
    published_at = Timestamp(allow_none=True, required=True)
    provider_access_policy = ma.fields.Nested(ProviderAccessPolicySchema, required=True)


def _plan_location(plan, **_) -> str:
    label = school_years.label(plan.academic_year)
    return url_for("programme.PlanByYear", school_id=plan.school_id, academic_year=label)


@blp.route("/schools/<uuid:school_id>/programme")
class Plans(MethodView):
    @blp.lists(ProgrammePlanSchema, scope="programme:read")
    def get(self, school_id, pagination_parameters):
        """List the school's programme plans, the newest school year first"""
        return list_page(programme.list_plans, pagination_parameters, school_id=school_id)

    @blp.creates(
        ProgrammePlanSchema, _plan_location, body=ProgrammePlanCreateSchema, scope="programme:write"
    )
    def post(self, plan, school_id):
        """Start the school's programme plan for a school year (a draft)"""
        return programme.create_plan(db.session, current_caller(), school_id=school_id, **plan)


@blp.route(PLAN)
class PlanByYear(MethodView):
    @blp.reads(ProgrammePlanSchema, scope="programme:read")
    def get(self, school_id, academic_year):
        """Read the school's programme plan for a school year"""
        return programme.get_plan(
            db.session, current_caller(), school_id=school_id, academic_year=academic_year
        )

    @blp.updates(
        ProgrammePlanSchema,
        body=ProgrammePlanUpdateSchema,
        current=programme.get_plan_for_update,
        scope="programme:write",
    )
    def patch(self, changes, school_id, academic_year):
        """Change the plan (send the ETag you read as If-Match)"""
        return programme.update_plan(
            db.session,
            current_caller(),
            changes=changes,
            school_id=school_id,
            academic_year=academic_year,
        )


@blp.route(PLAN + "/publish")
class PlanPublish(MethodView):
    @blp.acts(ProgrammePlanSchema, scope="programme:write")
    def post(self, school_id, academic_year):
        """Publish the plan: the statutory publication then shows it"""
        return commit(programme.publish, school_id=school_id, academic_year=academic_year)


@blp.route(PLAN + "/roll-over")
class PlanRollOver(MethodView):
    @blp.creates(ProgrammePlanSchema, _plan_location, scope="programme:write")
    def post(self, school_id, academic_year):
        """Copy the plan into the next school year as a draft"""
        plan = programme.roll_over(
            db.session, current_caller(), school_id=school_id, academic_year=academic_year
        )
        return plan


@blp.route(PLAN + "/coverage")
class PlanCoverage(MethodView):
    @blp.login_required("programme:read")
    @blp.response(200, CoverageSchema)
    def get(self, school_id, academic_year):
        """Planned, happened and uncovered, per year group and benchmark (the gaps)"""
        return programme.coverage(
            db.session, current_caller(), school_id=school_id, academic_year=academic_year
        )


@blp.route(PLAN + "/activities")
class Activities(MethodView):
    @blp.lists(
        ProgrammeActivitySchema, scope="programme:read", query=ProgrammeActivityQueryArgsSchema
    )
    def get(self, filters, school_id, academic_year, pagination_parameters):
        """List the plan's activities by year group and half-term"""
        return list_page(
            programme.list_activities,
            pagination_parameters,
            school_id=school_id,
            academic_year=academic_year,
            **filters,
        )

    @blp.creates(
        ProgrammeActivitySchema,
        lambda made, **_: url_for("programme.ActivityById", activity_id=made.id),
        body=ProgrammeActivityCreateSchema,
        scope="programme:write",
    )
    def post(self, activity, school_id, academic_year):
        """Plan an activity for a year group and half-term"""
        return programme.create_activity(
            db.session,
            current_caller(),
            school_id=school_id,
            academic_year=academic_year,
            **activity,
        )


@blp.route("/programme-activities/<uuid:activity_id>")
class ActivityById(MethodView):
    @blp.reads(ProgrammeActivitySchema, scope="programme:read")
    def get(self, activity_id):
        """Read a planned activity"""
        return programme.get_activity(db.session, current_caller(), activity_id)

    @blp.updates(
        ProgrammeActivitySchema,
        body=ProgrammeActivityUpdateSchema,
        current=programme.get_activity_for_update,
        scope="programme:write",
    )
    def patch(self, changes, activity_id):
        """Change a planned activity (send the ETag you read as If-Match)"""
        return programme.update_activity(db.session, current_caller(), activity_id, changes)

    @blp.deletes(
        ProgrammeActivitySchema, current=programme.get_activity_for_update, scope="programme:write"
    )
    def delete(self, activity_id):
        """Remove an activity that has not produced a need (send its ETag as If-Match)"""
        programme.delete_activity(db.session, current_caller(), activity_id)


@blp.route("/schools/<uuid:school_id>/careers-programme")
class Publication(MethodView):
    @blp.public
    @blp.response(200, PublicationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, school_id):
        """The school's published careers programme, as the statutory guidance asks (public)"""
        return publication.get(db.session, school_id)


@blp.route("/schools/<uuid:school_id>/careers-programme.html")
class PublicationPage(MethodView):
    @blp.public
    @blp.response(200, description="An accessible HTML page, no script.", content_type=HTML)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, school_id):
        """The published careers programme as a web page to link from the school's website"""
        page = publication.render_html(publication.get(db.session, school_id))
        return page_response(page, cache_control="public, max-age=300")
