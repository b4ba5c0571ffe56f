"""Encounters, their named attendance and the meaningful-encounter checklist.

The school records an encounter and who attended; the school and the employer or
provider answer their sides of the checklist. Partners and volunteers see how many
pupils attended, never who: attendance is for the school's own staff, and audited.
"""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamped
from api.views import commit, list_page
from models.checklists import CHECKLISTS, CURRENT_VERSION, Party
from models.encounters import BENCHMARKS, EncounterActivity, EncounterSource
from models.organisations import EmployerSize, ProviderType
from models.volunteers import Mode
from services import checklists, encounters

blp = Blueprint(
    "encounters",
    __name__,
    url_prefix="/api/v1",
    description="Encounters, attendance and the meaningful-encounter checklist.",
)

YEAR_GROUP = ma.validate.Range(min=7, max=13)
ACADEMIC_YEAR = ma.fields.String(
    validate=ma.validate.Regexp(r"^\d{4}-\d{2}$"),
    metadata={"description": "A school year, 1 September - 31 August, such as 2025-26."},
)


class EncounterSchema(Timestamped):
    id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    source = ma.fields.Enum(EncounterSource, by_value=True, required=True)
    booking_id = ma.fields.UUID(
        allow_none=True,
        required=True,
        metadata={"description": "The completed booking it was made from (read-only)."},
    )
    match_id = ma.fields.UUID(
        allow_none=True,
        required=True,
        metadata={"description": "The scheduled match it was made from (read-only)."},
    )
    title = ma.fields.String(required=True)
    activity_type = ma.fields.Enum(EncounterActivity, by_value=True, required=True)
    benchmark = ma.fields.Integer(required=True, metadata={"enum": list(BENCHMARKS)})
    occurred_on = ma.fields.Date(required=True)
    mode = ma.fields.Enum(Mode, by_value=True, required=True)
    employer_id = ma.fields.UUID(allow_none=True, required=True)
    provider_id = ma.fields.UUID(allow_none=True, required=True)
    partner_name = ma.fields.String(allow_none=True, required=True)
    employer_size = ma.fields.Enum(EmployerSize, by_value=True, allow_none=True, required=True)
    employer_sector = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "UK SIC 2007 section."}
    )
    provider_type = ma.fields.Enum(ProviderType, by_value=True, allow_none=True, required=True)
    provider_access = ma.fields.Boolean(
        required=True, metadata={"description": "A Provider Access Legislation encounter."}
    )
    volunteer_ids = ma.fields.List(ma.fields.UUID(), required=True)
    year_groups = ma.fields.List(ma.fields.Integer(), required=True)
    head_counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "Pupils per year group (named attendance alone counts)."},
    )
    work_experience_days = ma.fields.Integer(required=True)
    checklist_version = ma.fields.Integer(required=True)
    meaningful = ma.fields.Boolean(required=True)
    attendance_count = ma.fields.Integer(
        required=True, metadata={"description": "Pupils named as attending."}
    )


class EncounterFields(Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    activity_type = ma.fields.Enum(EncounterActivity, by_value=True)
    benchmark = ma.fields.Integer(validate=ma.validate.OneOf(BENCHMARKS))
    occurred_on = ma.fields.Date()
    mode = ma.fields.Enum(Mode, by_value=True)
    employer_id = ma.fields.UUID(allow_none=True)
    provider_id = ma.fields.UUID(allow_none=True)
    provider_access = ma.fields.Boolean()
    volunteer_ids = ma.fields.List(ma.fields.UUID(), validate=ma.validate.Length(max=50))
    year_groups = ma.fields.List(
        ma.fields.Integer(validate=YEAR_GROUP), validate=ma.validate.Length(max=7)
    )
    head_counts = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf([str(y) for y in range(7, 14)])),
        values=ma.fields.Integer(validate=ma.validate.Range(min=0, max=5000)),
    )
    work_experience_days = ma.fields.Integer(validate=ma.validate.Range(min=0, max=30))


class EncounterCreateSchema(EncounterFields):
    school_id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    activity_type = ma.fields.Enum(EncounterActivity, by_value=True, required=True)
    benchmark = ma.fields.Integer(required=True, validate=ma.validate.OneOf(BENCHMARKS))
    occurred_on = ma.fields.Date(required=True)
    mode = ma.fields.Enum(Mode, by_value=True, required=True)


class EncounterUpdateSchema(EncounterFields):
    pass


class EncounterQueryArgsSchema(Schema):
    school_id = ma.fields.UUID()
    benchmark = ma.fields.Integer(validate=ma.validate.OneOf(BENCHMARKS))
    booking_id = ma.fields.UUID(metadata={"description": "The encounter a booking became."})
    match_id = ma.fields.UUID(metadata={"description": "The encounter a match became."})
    academic_year = ACADEMIC_YEAR


class AttendanceSchema(Schema):
    pupil_id = ma.fields.UUID(required=True)
    reference = ma.fields.String(required=True)
    year_group = ma.fields.Integer(
        required=True, metadata={"description": "The pupil's year group on the day."}
    )
    reflection = ma.fields.String(allow_none=True, required=True)


MAX_REFLECTIONS = 100  # per call, so a body stays well under the 1 MiB limit


def _at_most(value: dict, limit: int) -> None:
    if len(value) > limit:
        raise ma.ValidationError(f"At most {limit} per call.")


class AttendanceUpdateSchema(Schema):
    pupil_ids = ma.fields.List(
        ma.fields.UUID(),
        required=True,
        validate=ma.validate.Length(max=2000),
        metadata={"description": "Everyone who attended (replaces the list)."},
    )
    reflections = ma.fields.Dict(
        keys=ma.fields.UUID(),
        values=ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500)),
        validate=lambda value: _at_most(value, MAX_REFLECTIONS),
        load_default=dict,
        metadata={
            "description": "Pupil id -> what they reflected (null clears it); pupils not "
            "named here keep their reflection.",
            "maxProperties": MAX_REFLECTIONS,
        },
    )


class ChecklistItemSchema(Schema):
    key = ma.fields.String(required=True)
    text = ma.fields.String(required=True)
    answered_by = ma.fields.Enum(Party, by_value=True, required=True)


class ChecklistAnswerSchema(ChecklistItemSchema):
    answer = ma.fields.Boolean(allow_none=True, required=True)


class MissingSchema(Schema):
    key = ma.fields.String(required=True)
    text = ma.fields.String(required=True)
    answered_by = ma.fields.Enum(Party, by_value=True, allow_none=True, required=True)
    answer = ma.fields.Boolean(allow_none=True, required=True)


class EncounterChecklistSchema(Schema):
    encounter_id = ma.fields.UUID(required=True)
    benchmark = ma.fields.Integer(required=True)
    version = ma.fields.Integer(required=True)
    mode = ma.fields.Enum(Mode, by_value=True, required=True)
    attendance_count = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(ChecklistAnswerSchema), required=True)
    meaningful = ma.fields.Boolean(required=True)
    missing = ma.fields.List(ma.fields.Nested(MissingSchema), required=True)


ITEM_KEYS = sorted(
    {item.key for version in CHECKLISTS.values() for items in version.values() for item in items}
)


class ChecklistAnswersSchema(Schema):
    answers = ma.fields.Dict(
        keys=ma.fields.String(
            validate=ma.validate.Length(min=1, max=40),
            # Each encounter takes its own checklist's keys (a 422 names any other).
            metadata={"enum": ITEM_KEYS},
        ),
        values=ma.fields.Boolean(),
        required=True,
        metadata={"description": "Item key -> holds (true) or not (false); your side's items."},
    )


class BenchmarkChecklistSchema(Schema):
    benchmark = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(ChecklistItemSchema), required=True)


class ChecklistVersionSchema(Schema):
    version = ma.fields.Integer(required=True)
    benchmarks = ma.fields.List(ma.fields.Nested(BenchmarkChecklistSchema), required=True)


class PublishedChecklistSchema(Schema):
    current_version = ma.fields.Integer(required=True)
    versions = ma.fields.List(ma.fields.Nested(ChecklistVersionSchema), required=True)


class ChecklistQueryArgsSchema(Schema):
    version = ma.fields.Integer(validate=ma.validate.OneOf(checklists.versions()))


def _encounter_location(encounter) -> str:
    return url_for("encounters.EncounterById", encounter_id=encounter.id)


@blp.route("/encounters")
class Encounters(MethodView):
    @blp.lists(EncounterSchema, scope="encounters:read", query=EncounterQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """List the encounters you took part in (schools: their own; coordinators: the hub's)"""
        return list_page(encounters.list_, pagination_parameters, **filters)

    @blp.creates(
        EncounterSchema,
        _encounter_location,
        body=EncounterCreateSchema,
        scope="encounters:write",
    )
    def post(self, encounter):
        """Record an encounter (the school's staff, for activities arranged anywhere)"""
        return commit(encounters.create, **encounter)


@blp.route("/encounters/<uuid:encounter_id>")
class EncounterById(MethodView):
    @blp.reads(EncounterSchema, scope="encounters:read")
    def get(self, encounter_id):
        """Read an encounter (attendance as a count)"""
        return encounters.get(db.session, current_caller(), encounter_id)

    @blp.updates(
        EncounterSchema,
        body=EncounterUpdateSchema,
        current=encounters.get,
        scope="encounters:write",
    )
    def patch(self, changes, encounter_id):
        """Change an encounter (send the ETag you read as If-Match)"""
        encounter = encounters.update(db.session, current_caller(), encounter_id, changes)
        db.session.flush()
        db.session.refresh(encounter)
        return encounter

    @blp.deletes(EncounterSchema, current=encounters.get, scope="encounters:write")
    def delete(self, encounter_id):
        """Delete an encounter with its attendance and checklist answers"""
        encounters.delete(db.session, current_caller(), encounter_id)


@blp.route("/encounters/<uuid:encounter_id>/attendance")
class EncounterAttendance(MethodView):
    @blp.login_required("pupils:read")
    @blp.etag
    @blp.response(200, AttendanceSchema(many=True))
    def get(self, encounter_id):
        """List the pupils who attended (the school's own staff; audited)"""
        return commit(encounters.list_attendance, encounter_id)

    @blp.login_required("pupils:write")
    @blp.idempotent
    @blp.etag
    @blp.arguments(AttendanceUpdateSchema)
    @blp.response(200, AttendanceSchema(many=True))
    def put(self, attendance, encounter_id):
        """Replace who attended, with optional reflections (send the ETag you read as If-Match)"""
        caller = current_caller()
        current = encounters.list_attendance(db.session, caller, encounter_id)
        blp.check_etag(current, AttendanceSchema(many=True))
        return encounters.set_attendance(db.session, caller, encounter_id, **attendance)


@blp.route("/encounters/<uuid:encounter_id>/checklist")
class EncounterChecklist(MethodView):
    @blp.reads(EncounterChecklistSchema, scope="encounters:read")
    def get(self, encounter_id):
        """Read the encounter's checklist: answers, whether it is meaningful, what is missing"""
        return encounters.get_checklist(db.session, current_caller(), encounter_id)

    @blp.updates(
        EncounterChecklistSchema,
        body=ChecklistAnswersSchema,
        current=encounters.get_checklist,
        scope="encounters:write",
    )
    def patch(self, body, encounter_id):
        """Answer your side's checklist items (send the ETag you read as If-Match)"""
        answers = body["answers"]
        return encounters.answer_checklist(db.session, current_caller(), encounter_id, answers)


@blp.route("/checklists/meaningful-encounter")
class MeaningfulEncounterChecklist(MethodView):
    @blp.public
    @blp.arguments(ChecklistQueryArgsSchema, location="query")
    @blp.response(200, PublishedChecklistSchema)
    def get(self, args):
        """The meaningful-encounter checklist, per version and benchmark (DOMAIN.md)"""
        wanted = [args["version"]] if "version" in args else checklists.versions()
        return {
            "current_version": CURRENT_VERSION,
            "versions": [
                {
                    "version": version,
                    "benchmarks": [
                        {"benchmark": b, "items": list(checklists.items(version, b))}
                        for b in BENCHMARKS
                    ],
                }
                for version in wanted
            ],
        }
