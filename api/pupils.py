"""A school's pupil records: the school's own reference, year group and reporting flags.

Only the school's own staff (and its partner apps with a pupils scope) reach them;
every read and write is audited. Employers and volunteers never see pupils.
"""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp, paged
from services import pupils

blp = Blueprint(
    "pupils", __name__, url_prefix="/api/v1/schools/<uuid:school_id>/pupils", description="Pupils."
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


@blp.route("")
class Pupils(MethodView):
    @blp.login_required("pupils:read")
    @blp.arguments(PupilQueryArgsSchema, location="query")
    @blp.response(200, PupilSchema(many=True))
    @blp.paginate()
    def get(self, filters, school_id, pagination_parameters):
        """List the school's pupils (audited)"""
        page = pupils.list_pupils(
            db.session,
            current_caller(),
            school_id,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        db.session.commit()  # the audit rows of this read
        return paged(pagination_parameters, page)

    @blp.login_required("pupils:write")
    @blp.arguments(PupilCreateSchema)
    @blp.response(201, PupilSchema)
    def post(self, pupil, school_id):
        """Add a pupil record"""
        created = pupils.create_pupil(db.session, current_caller(), school_id, **pupil)
        db.session.commit()
        return created


@blp.route("/<uuid:pupil_id>")
class PupilById(MethodView):
    @blp.login_required("pupils:read")
    @blp.etag
    @blp.response(200, PupilSchema)
    def get(self, school_id, pupil_id):
        """Read a pupil record (audited)"""
        pupil = pupils.get_pupil(db.session, current_caller(), school_id, pupil_id)
        db.session.commit()
        return pupil

    @blp.login_required("pupils:write")
    @blp.etag
    @blp.arguments(PupilUpdateSchema)
    @blp.response(200, PupilSchema)
    def patch(self, changes, school_id, pupil_id):
        """Change a pupil record (send the ETag you read as If-Match)"""
        caller = current_caller()
        blp.check_etag(pupils.get_pupil(db.session, caller, school_id, pupil_id), PupilSchema)
        pupil = pupils.update_pupil(db.session, caller, school_id, pupil_id, changes)
        db.session.commit()
        return pupil

    @blp.login_required("pupils:write")
    @blp.etag
    @blp.response(204)
    def delete(self, school_id, pupil_id):
        """Erase a pupil record"""
        caller = current_caller()
        blp.check_etag(pupils.get_pupil(db.session, caller, school_id, pupil_id), PupilSchema)
        pupils.erase_pupil(db.session, caller, school_id, pupil_id)
        db.session.commit()
