"""A school's pupil records: the school's own reference, year group and reporting flags.

Only the school's own staff (and its partner apps with a pupils scope) reach them;
every read and write is audited. Employers and volunteers never see pupils.
"""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.imports import (
    ImportErrorSchema,
    csv_body,
    read_csv,
    refuse_if_not_written,
    request_csv,
)
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from api.views import commit, list_page
from models.checklists import CHECKLISTS
from models.encounters import BENCHMARKS, EncounterActivity
from models.organisations import EmployerSize, ProviderType
from models.volunteers import SIC_SECTIONS, Mode
from services import pupils

blp = Blueprint(
    "pupils", __name__, url_prefix="/api/v1/schools/<uuid:school_id>/pupils", description="Pupils."
)
MIS_BODY = csv_body(
    ("reference", "year_group", *pupils.MIS_FLAGS),
    "reference,year_group,disadvantaged,send,considering_higher_education\n"
    "P0001,9,yes,no,no\nP0002,12,no,yes,yes\n",
)

YEAR_GROUP = ma.validate.Range(min=7, max=13)
REFERENCE = ma.validate.Length(min=1, max=50)


class PupilSchema(Schema):
    id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    reference = ma.fields.String(
        required=True, metadata={"description": "The school's own pupil id (never the UPN)."}
    )
    year_group = ma.fields.Integer(required=True, metadata={"minimum": 7, "maximum": 13})
    disadvantaged = ma.fields.Boolean(
        required=True, metadata={"description": "FSM / pupil premium."}
    )
    send = ma.fields.Boolean(required=True)
    considering_higher_education = ma.fields.Boolean(required=True)
    left_on = ma.fields.Date(
        allow_none=True, required=True, metadata={"description": "When the pupil left."}
    )
    updated_at = Timestamp(required=True)


class PupilCreateSchema(Schema):
    reference = ma.fields.String(required=True, validate=REFERENCE)
    year_group = ma.fields.Integer(required=True, validate=YEAR_GROUP)
    disadvantaged = ma.fields.Boolean(load_default=False)
    send = ma.fields.Boolean(load_default=False)
    considering_higher_education = ma.fields.Boolean(load_default=False)


class PupilUpdateSchema(Schema):
    reference = ma.fields.String(validate=REFERENCE)
    year_group = ma.fields.Integer(validate=YEAR_GROUP)
    disadvantaged = ma.fields.Boolean()
    send = ma.fields.Boolean()
    considering_higher_education = ma.fields.Boolean()


class PupilQueryArgsSchema(Schema):
    year_group = ma.fields.Integer(validate=YEAR_GROUP)


def _adds_pupil(body):
    """A create answered with the pupil record it added to the school (from `body`)."""
    return blp.creates(PupilSchema, _pupil_location, body=body, scope="pupils:write")


def _pupil_location(pupil, **_) -> str:
    return url_for("pupils.PupilById", school_id=pupil.school_id, pupil_id=pupil.id)


@blp.route("")
class Pupils(MethodView):
    @blp.lists(PupilSchema, scope="pupils:read", query=PupilQueryArgsSchema)
    def get(self, filters, school_id, pagination_parameters):
        """List the school's pupils (audited)"""
        listed = list_page(pupils.list_, pagination_parameters, school_id, **filters)
        db.session.commit()  # the audit rows of this read
        return listed

    @_adds_pupil(PupilCreateSchema)
    def post(self, pupil, school_id):
        """Add a pupil record"""
        return commit(pupils.create, school_id, **pupil)


@blp.route("/<uuid:pupil_id>")
class PupilById(MethodView):
    @blp.reads(PupilSchema, scope="pupils:read")
    def get(self, school_id, pupil_id):
        """Read a pupil record (audited)"""
        return commit(pupils.get, school_id, pupil_id)

    @blp.updates(PupilSchema, body=PupilUpdateSchema, current=pupils.get, scope="pupils:write")
    def patch(self, changes, school_id, pupil_id):
        """Change a pupil record (send the ETag you read as If-Match)"""
        return pupils.update(db.session, current_caller(), school_id, pupil_id, changes)

    @blp.deletes(PupilSchema, current=pupils.get, scope="pupils:write")
    def delete(self, school_id, pupil_id):
        """Erase a pupil record"""
        pupils.erase_pupil(db.session, current_caller(), school_id, pupil_id)


class MisImportResultSchema(Schema):
    rows = ma.fields.Integer(required=True)
    added = ma.fields.List(ma.fields.String(), required=True)
    changed = ma.fields.List(ma.fields.String(), required=True)
    left = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "On roll, not in the file."}
    )
    unchanged = ma.fields.Integer(required=True)
    written = ma.fields.Boolean(required=True)
    errors = ma.fields.List(ma.fields.Nested(ImportErrorSchema), required=True)


class RollOverSchema(Schema):
    academic_year = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^\d{4}-\d{2}$"),
        metadata={"description": "The school year pupils move up into, such as 2026-27."},
    )


class RollOverResultSchema(Schema):
    academic_year = ma.fields.String(required=True)
    moved = ma.fields.Integer(required=True)
    left = ma.fields.Integer(required=True, metadata={"description": "Finished Y13."})


class RecordPupilSchema(Schema):
    reference = ma.fields.String(required=True, validate=REFERENCE)
    year_group = ma.fields.Integer(required=True, validate=YEAR_GROUP)
    academic_year = ma.fields.String(
        required=True, metadata={"description": "The school year of `year_group`."}
    )
    disadvantaged = ma.fields.Boolean(required=True)
    send = ma.fields.Boolean(required=True)
    considering_higher_education = ma.fields.Boolean(required=True)
    left_on = ma.fields.Date(allow_none=True, required=True)


class RecordEncounterSchema(Schema):
    occurred_on = ma.fields.Date(required=True)
    academic_year = ma.fields.String(required=True)
    year_group = ma.fields.Integer(
        required=True, validate=YEAR_GROUP, metadata={"description": "On the day."}
    )
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    activity_type = ma.fields.Enum(EncounterActivity, by_value=True, required=True)
    benchmark = ma.fields.Integer(required=True, validate=ma.validate.OneOf(BENCHMARKS))
    mode = ma.fields.Enum(Mode, by_value=True, required=True)
    partner_name = ma.fields.String(
        allow_none=True, required=True, validate=ma.validate.Length(max=200)
    )
    employer_size = ma.fields.Enum(EmployerSize, by_value=True, allow_none=True, required=True)
    employer_sector = ma.fields.String(
        allow_none=True,
        required=True,
        validate=ma.validate.OneOf(SIC_SECTIONS),
        metadata={"description": "UK SIC 2007 section."},
    )
    provider_type = ma.fields.Enum(ProviderType, by_value=True, allow_none=True, required=True)
    provider_access = ma.fields.Boolean(required=True)
    work_experience_days = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=0, max=30)
    )
    checklist_version = ma.fields.Integer(
        required=True, validate=ma.validate.OneOf(sorted(CHECKLISTS))
    )
    checklist = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=40)),
        values=ma.fields.Boolean(),
        required=True,
        metadata={"description": "The checklist answers, under `checklist_version`."},
    )
    meaningful = ma.fields.Boolean(
        required=True, metadata={"description": "Recomputed from the checklist on transfer."}
    )
    reflection = ma.fields.String(
        allow_none=True, required=True, validate=ma.validate.Length(max=4000)
    )


class PupilRecordSchema(Schema):
    format = ma.fields.String(required=True, validate=ma.validate.Equal(pupils.RECORD_FORMAT))
    pupil = ma.fields.Nested(RecordPupilSchema, required=True)
    encounters = ma.fields.List(
        ma.fields.Nested(RecordEncounterSchema),
        required=True,
        validate=ma.validate.Length(max=1000),
    )


class TransferInSchema(Schema):
    reference = ma.fields.String(
        required=True, validate=REFERENCE, metadata={"description": "Your reference for them."}
    )
    year_group = ma.fields.Integer(required=True, validate=YEAR_GROUP)
    record = ma.fields.Nested(
        PupilRecordSchema, required=True, metadata={"description": "The old school's export."}
    )


class MisImportArgsSchema(Schema):
    confirm_leavers = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "Go ahead although the file would mark more than "
            f"{pupils.LEAVERS_WITHOUT_CONFIRMATION} pupils (and over "
            f"{pupils.LEAVER_SHARE_WITHOUT_CONFIRMATION:.0%} of the roll) as left; without "
            "it, such an import is a 422 that says how many and changes nothing."
        },
    )


@blp.route("/import")
class PupilImport(MethodView):
    @blp.imports(
        MisImportResultSchema, csv=MIS_BODY, query=MisImportArgsSchema, scope="pupils:write"
    )
    def post(self, args, school_id):
        """Bring the pupils in line with an MIS export (added, changed, left; all or nothing)

        Columns: reference, year_group, disadvantaged, send, considering_higher_education.
        Pupils on roll who are not in the file are marked as left today. A file with no
        pupils is a 422, and so is one that would mark many pupils as left, unless
        `confirm_leavers=true`.
        """
        caller = current_caller()
        pupils.ensure_pupils_of(caller, school_id)  # 404 before the file is even read
        header, rows = read_csv(request_csv())
        result = pupils.import_mis(
            db.session, caller, school_id, header, rows, confirm_leavers=args["confirm_leavers"]
        )
        refuse_if_not_written(result)
        return {**vars(result), "errors": []}


@blp.route("/roll-over")
class PupilRollOver(MethodView):
    @blp.acts(RollOverResultSchema, body=RollOverSchema, scope="pupils:write")
    def post(self, args, school_id):
        """Move pupils up into a new school year; those past Y13 leave (idempotent)"""
        return commit(pupils.roll_over, school_id, academic_year=args["academic_year"])


@blp.route("/transfer")
class PupilTransfer(MethodView):
    @_adds_pupil(TransferInSchema)
    def post(self, transfer, school_id):
        """Add a pupil joining from another school, with the record that school exported"""
        return commit(pupils.import_transfer, school_id, **transfer)


@blp.route("/<uuid:pupil_id>/record")
class PupilRecord(MethodView):
    @blp.login_required("pupils:read")
    @blp.response(200, PupilRecordSchema)
    def get(self, school_id, pupil_id):
        """Export the pupil's whole record as JSON: encounters, reflections (audited)"""
        return commit(pupils.export_record, school_id, pupil_id)
