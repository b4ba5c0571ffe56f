"""Termly self-evaluations across all eight Gatsby Benchmarks (Compass-style): the school
answers Benchmarks 1, 2 and 4 with evidence; 3 and 5-8 come from the ledger and cannot be
typed over. A hub's coordinators see their schools side by side; CSV export of both the
hub's term and a school's terms over time."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.downloads import CSV, csv_doc, csv_response, wants_csv
from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamped
from api.views import list_page
from models.evaluations import Term
from services import evaluations, school_years

blp = Blueprint(
    "evaluations",
    __name__,
    url_prefix="/api/v1",
    description="Self-evaluations across the eight Gatsby Benchmarks, per term.",
)

YEAR = ma.validate.Regexp(r"^\d{4}-\d{2}$", error="Use the form YYYY-YY, such as 2025-26.")
CSV_DOC = csv_doc(evaluations.CSV_COLUMNS)


class EvaluationCriterionSchema(Schema):
    id = ma.fields.String(required=True)
    text = ma.fields.String(required=True)


class BenchmarkCriteriaSchema(Schema):
    benchmark = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    answered_by = ma.fields.String(required=True, metadata={"description": "school or ledger."})
    criteria = ma.fields.List(ma.fields.Nested(EvaluationCriterionSchema), required=True)


class EvaluationAnswerSchema(Schema):
    met = ma.fields.Boolean(required=True)
    evidence = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


def answers_field(**kwargs) -> ma.fields.Dict:
    """A body's answers (`required` or a `load_default` in `kwargs`)."""
    return ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Nested(EvaluationAnswerSchema),
        metadata={
            "description": "Criterion id (Benchmarks 1, 2 and 4 only) -> the answer and its "
            "evidence; criteria of 3 and 5-8 are refused: the ledger answers them."
        },
        **kwargs,
    )


class EvaluationCreateSchema(Schema):
    academic_year = ma.fields.String(required=True, validate=YEAR)
    term = ma.fields.Enum(Term, by_value=True, required=True)
    answers = answers_field(load_default=dict)


class EvaluationUpdateSchema(Schema):
    answers = answers_field(required=True)


class BenchmarkStateSchema(Schema):
    benchmark = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    answered_by = ma.fields.String(required=True)
    percentage = ma.fields.Float(allow_none=True, required=True)
    state = ma.fields.String(
        required=True, metadata={"description": "met, partly_met or not_started."}
    )


class BenchmarkStates(ma.fields.List):
    """All eight benchmarks of an evaluation, with each one's percentage and state."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return evaluations.summary(obj)


class EvaluationSchema(Timestamped):
    id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    academic_year = ma.fields.Function(lambda e: school_years.label(e.academic_year), required=True)
    term = ma.fields.Enum(Term, by_value=True, required=True)
    answers = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(EvaluationAnswerSchema), required=True
    )
    benchmarks = ma.fields.Function(evaluations.summary, required=True, metadata={"type": "array"})


class HubEvaluationQueryArgsSchema(Schema):
    academic_year = ma.fields.String(required=True, validate=YEAR)
    term = ma.fields.Enum(Term, by_value=True, required=True)
    format = ma.fields.String(validate=ma.validate.OneOf(["json", "csv"]))


class HubSchoolSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    school_name = ma.fields.String(required=True)
    urn = ma.fields.Integer(required=True)
    evaluation_id = ma.fields.UUID(allow_none=True, required=True)
    benchmarks = ma.fields.List(ma.fields.Nested(BenchmarkStateSchema), required=True)


class HubEvaluationsSchema(Schema):
    hub_id = ma.fields.UUID(required=True)
    hub_name = ma.fields.String(required=True)
    academic_year = ma.fields.String(required=True)
    term = ma.fields.String(required=True)
    schools = ma.fields.List(ma.fields.Nested(HubSchoolSchema), required=True)


@blp.route("/evaluations/criteria")
class Criteria(MethodView):
    @blp.public
    @blp.response(200, BenchmarkCriteriaSchema(many=True))
    def get(self):
        """The eight benchmarks: the criteria the school answers, and which the ledger answers"""
        return evaluations.criteria()


@blp.route("/schools/<uuid:school_id>/evaluations")
class SchoolEvaluations(MethodView):
    @blp.lists(EvaluationSchema, scope="programme:read")
    def get(self, school_id, pagination_parameters):
        """List the school's self-evaluations, the newest term first"""
        return list_page(evaluations.list_, pagination_parameters, school_id=school_id)

    @blp.creates(
        EvaluationSchema,
        lambda made, **_: url_for("evaluations.EvaluationById", evaluation_id=made.id),
        body=EvaluationCreateSchema,
        scope="programme:write",
    )
    def post(self, evaluation, school_id):
        """Save this term's self-evaluation (Benchmarks 3 and 5-8 computed as it is saved)"""
        return evaluations.create(db.session, current_caller(), school_id=school_id, **evaluation)


@blp.route("/schools/<uuid:school_id>/evaluations.csv")
class SchoolEvaluationsCsv(MethodView):
    @blp.login_required("programme:read")
    @blp.response(200, description="One row per saved term, oldest first.", content_type=CSV)
    @blp.doc(**CSV_DOC)
    def get(self, school_id):
        """The school's self-evaluations term by term as CSV (its progress over time)"""
        school, saved = evaluations.school_history(
            db.session, current_caller(), school_id=school_id
        )
        rows = evaluations.school_csv_rows(school, saved)
        return csv_response(rows, f"evaluations-{school.urn}", evaluations.CSV_COLUMNS)


@blp.route("/evaluations/<uuid:evaluation_id>")
class EvaluationById(MethodView):
    @blp.reads(EvaluationSchema, scope="programme:read")
    def get(self, evaluation_id):
        """Read a self-evaluation with each benchmark's percentage and state"""
        return evaluations.get(db.session, current_caller(), evaluation_id)

    @blp.updates(
        EvaluationSchema,
        body=EvaluationUpdateSchema,
        current=evaluations.get_for_update,
        scope="programme:write",
    )
    def patch(self, changes, evaluation_id):
        """Change some answers (send the ETag you read as If-Match); the ledger's are recomputed"""
        return evaluations.update(db.session, current_caller(), evaluation_id, **changes)


@blp.route("/hubs/<uuid:hub_id>/evaluations")
class HubEvaluations(MethodView):
    @blp.reports(HubEvaluationsSchema, query=HubEvaluationQueryArgsSchema, csv=CSV_DOC)
    def get(self, args, hub_id):
        """The hub's schools side by side for one term (no pupil data); CSV with format=csv"""
        view = evaluations.hub_view(
            db.session,
            current_caller(),
            hub_id,
            academic_year=args["academic_year"],
            term=args["term"],
        )
        if wants_csv(args):
            rows = [
                evaluations.csv_row(school, view["academic_year"], view["term"])
                for school in view["schools"]
            ]
            name = f"evaluations-{view['academic_year']}-{view['term']}"
            return csv_response(rows, name, evaluations.CSV_COLUMNS)
        return view
