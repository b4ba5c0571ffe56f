"""Provider access: each school's published policy statement, with its versions."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp, paged
from models.provider_access import KeyPhase
from services import provider_access

blp = Blueprint(
    "provider_access",
    __name__,
    url_prefix="/api/v1",
    description="Provider access: schools' policies (Provider Access Legislation).",
)

TEXT = ma.validate.Length(min=1, max=4000)


class PolicyFields(Schema):
    procedure = ma.fields.String(
        required=True,
        validate=TEXT,
        metadata={"description": "How a provider asks for access, and whom to ask."},
    )
    grant_criteria = ma.fields.String(
        required=True, validate=TEXT, metadata={"description": "How the school grants requests."}
    )
    refusal_grounds = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=300)),
        required=True,
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "The only grounds on which the school refuses a request."},
    )
    premises = ma.fields.String(
        required=True,
        validate=TEXT,
        metadata={"description": "The premises and facilities offered to providers."},
    )
    key_phases = ma.fields.List(
        ma.fields.Enum(KeyPhase, by_value=True),
        required=True,
        validate=ma.validate.Length(min=1, max=len(KeyPhase)),
        metadata={"description": "The phases in which the school offers provider encounters."},
    )
    contact_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    contact_email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    contact_phone = ma.fields.String(
        allow_none=True, validate=ma.validate.Regexp(r"^\+?[0-9 ()-]{6,30}$")
    )


class PolicySchema(PolicyFields):
    id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    version = ma.fields.Integer(required=True)
    key_phases = ma.fields.List(ma.fields.String(), required=True)
    published_at = Timestamp(required=True)


class PolicyCreateSchema(PolicyFields):
    pass


@blp.route("/schools/<uuid:school_id>/provider-access-policy")
class SchoolPolicy(MethodView):
    @blp.login_required("schools:read")
    @blp.etag
    @blp.response(200, PolicySchema)
    def get(self, school_id):
        """Read a school's current provider access policy (404 until it publishes one)"""
        return provider_access.get_current(db.session, current_caller(), school_id)


@blp.route("/schools/<uuid:school_id>/provider-access-policy/versions")
class SchoolPolicyVersions(MethodView):
    @blp.login_required("schools:read")
    @blp.response(200, PolicySchema(many=True))
    @blp.paginate()
    def get(self, school_id, pagination_parameters):
        """List every version of a school's provider access policy, newest first"""
        page = provider_access.list_versions(
            db.session,
            current_caller(),
            school_id,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        return paged(pagination_parameters, page)

    @blp.login_required("schools:write")
    @blp.arguments(PolicyCreateSchema)
    @blp.response(201, PolicySchema)
    def post(self, policy, school_id):
        """Publish a new version of the school's policy (the school's own staff)"""
        created = provider_access.publish(db.session, current_caller(), school_id, **policy)
        db.session.commit()
        return created


@blp.route("/schools/<uuid:school_id>/provider-access-policy/versions/<int:version>")
class SchoolPolicyVersion(MethodView):
    @blp.login_required("schools:read")
    @blp.etag
    @blp.response(200, PolicySchema)
    def get(self, school_id, version):
        """Read one version of a school's provider access policy"""
        return provider_access.get_version(db.session, current_caller(), school_id, version)
