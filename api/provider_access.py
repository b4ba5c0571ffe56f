"""Provider access: each school's published policy statement, with its versions, and
providers' requests for access (the same request machinery as encounter offers): the
school grants (accept, with a date and times in its day), proposes another time, or
refuses (decline) on one of its policy's grounds."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.benchmarks import report_for_year, report_year
from api.extensions import db
from api.offer_requests import RequestSchema, request_transitions
from api.security import current_caller
from api.smorest import Blueprint, RefSchema, Schema, Timestamp, paged
from api.views import commit, list_page
from models.offer_requests import AccessActivity, AccessContent, RequestKind, RequestStatus
from models.provider_access import KeyPhase
from models.volunteers import Mode
from services import offer_requests, provider_access, provider_compliance
from services.pagination import Page

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
    @blp.reads(PolicySchema, scope="schools:read")
    def get(self, school_id):
        """Read a school's current provider access policy (404 until it publishes one)"""
        return provider_access.get_current(db.session, current_caller(), school_id)


@blp.route("/schools/<uuid:school_id>/provider-access-policy/versions")
class SchoolPolicyVersions(MethodView):
    @blp.lists(PolicySchema, scope="schools:read")
    def get(self, school_id, pagination_parameters):
        """List every version of a school's provider access policy, newest first"""
        return list_page(provider_access.list_versions, pagination_parameters, school_id)

    @blp.creates(
        PolicySchema,
        lambda made, school_id: url_for(
            "provider_access.SchoolPolicyVersion", school_id=school_id, version=made.version
        ),
        body=PolicyCreateSchema,
        scope="schools:write",
    )
    def post(self, policy, school_id):
        """Publish a new version of the school's policy (the school's own staff)"""
        return commit(provider_access.publish, school_id, **policy)


@blp.route("/schools/<uuid:school_id>/provider-access-policy/versions/<int:version>")
class SchoolPolicyVersion(MethodView):
    @blp.reads(PolicySchema, scope="schools:read")
    def get(self, school_id, version):
        """Read one version of a school's provider access policy"""
        return provider_access.get_version(db.session, current_caller(), school_id, version)


# --- provider-access requests: the request machinery of encounter offers --------------

ACCESS = RequestKind.PROVIDER_ACCESS


class ProviderAccessRequestSchema(RequestSchema):
    preferred_dates = ma.fields.List(ma.fields.String(metadata={"format": "date"}), required=True)
    content = ma.fields.List(ma.fields.String(), required=True)


class ProviderAccessRequestCreateSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    activity = ma.fields.Enum(AccessActivity, by_value=True, required=True)
    year_groups = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=8, max=13)),
        required=True,
        validate=ma.validate.Length(min=1, max=6),
        metadata={"description": "Y8 to Y13."},
    )
    preferred_dates = ma.fields.List(
        ma.fields.Date(), required=True, validate=ma.validate.Length(min=1, max=10)
    )
    content = ma.fields.List(
        ma.fields.Enum(AccessContent, by_value=True),
        required=True,
        validate=ma.validate.Length(max=len(AccessContent)),
        metadata={"description": "All four required items, as the duty asks."},
    )
    pupils = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=1, max=2000))
    mode = ma.fields.Enum(Mode, by_value=True)
    notes = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    provider_id = ma.fields.UUID(metadata={"description": "Admins only: the provider asking."})


class ProviderAccessRequestQueryArgsSchema(Schema):
    status = ma.fields.Enum(RequestStatus, by_value=True)
    school_id = ma.fields.UUID()
    provider_id = ma.fields.UUID()


@blp.route("/provider-access-requests")
class ProviderAccessRequests(MethodView):
    @blp.lists(
        ProviderAccessRequestSchema,
        scope="provider_access:read",
        query=ProviderAccessRequestQueryArgsSchema,
    )
    def get(self, filters, pagination_parameters):
        """List provider-access requests: your school's, your hub's, or your provider's"""
        return list_page(offer_requests.list_, pagination_parameters, kind=ACCESS, **filters)

    @blp.creates(
        ProviderAccessRequestSchema,
        lambda made: url_for("provider_access.ProviderAccessRequestById", request_id=made.id),
        body=ProviderAccessRequestCreateSchema,
        scope="provider_access:write",
    )
    def post(self, request):
        """Ask a school for access to its pupils (a provider), covering the four items"""
        return offer_requests.request_access(db.session, current_caller(), **request)


@blp.route("/provider-access-requests/<uuid:request_id>")
class ProviderAccessRequestById(MethodView):
    @blp.reads(ProviderAccessRequestSchema, scope="provider_access:read")
    def get(self, request_id):
        """Read a provider-access request"""
        return offer_requests.get(db.session, current_caller(), request_id, kind=ACCESS)


request_transitions(
    blp,
    "provider-access-requests",
    "ProviderAccessRequest",
    ACCESS,
    ProviderAccessRequestSchema,
    "provider_access",
)


# --- compliance: per key phase and academic year --------------------------------------


class MissedSchema(Schema):
    pupil_id = ma.fields.UUID(required=True)
    reference = ma.fields.String(required=True)
    year_group = ma.fields.Integer(required=True)
    missed_encounter_ids = ma.fields.List(ma.fields.UUID(), required=True)


class CohortSchema(Schema):
    year_group = ma.fields.Integer(required=True, metadata={"description": "This year."})
    held = ma.fields.Integer(
        required=True,
        metadata={"description": "Encounters of its year groups over the phase so far."},
    )
    owed = ma.fields.Integer(required=True)
    due_by = ma.fields.String(
        required=True, metadata={"description": "The academic year by whose end it owes them."}
    )


class PhaseComplianceSchema(Schema):
    phase = ma.fields.Enum(KeyPhase, by_value=True, required=True)
    mandatory = ma.fields.Boolean(
        required=True, metadata={"description": "All pupils attend (Y8-9, Y10-11)."}
    )
    held = ma.fields.Integer(required=True, metadata={"description": "This year."})
    owed = ma.fields.Integer(
        required=True,
        metadata={
            "description": "Still owed this year: two over the phase's two years, less those "
            "its final-year cohort has had (last year's included)."
        },
    )
    cohorts = ma.fields.List(ma.fields.Nested(CohortSchema), required=True)
    pupils = ma.fields.Integer(required=True, metadata={"description": "On roll in the phase."})
    pupils_attending_every_one = ma.fields.Integer(required=True)
    unrecorded = ma.fields.Integer(
        required=True, metadata={"description": "Encounters held with no attendance recorded."}
    )
    every_pupil_attended = ma.fields.Boolean(allow_none=True, required=True)
    missed = ma.fields.List(
        ma.fields.Nested(MissedSchema),
        required=True,
        metadata={"description": "The school's own staff only: who missed which encounter."},
    )


class ComplianceSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    academic_year = ma.fields.String(required=True)
    compliant = ma.fields.Boolean(required=True)
    phases = ma.fields.List(ma.fields.Nested(PhaseComplianceSchema), required=True)
    provider_range = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "Provider types met by the end of Y11 (0-4) -> pupils."},
    )
    pupils_with_full_range = ma.fields.Integer(required=True)
    pupils_counted = ma.fields.Integer(required=True)


class HubComplianceSchema(Schema):
    hub_id = ma.fields.UUID(required=True)
    academic_year = ma.fields.String(required=True)
    schools = ma.fields.List(ma.fields.Nested(ComplianceSchema), required=True)


class ComplianceArgsSchema(Schema):
    academic_year = ma.fields.String(
        validate=ma.validate.Length(max=7),
        metadata={"description": "Such as 2025-26 (default: this school year)."},
    )


class SchoolRefSchema(RefSchema):
    town = ma.fields.String(allow_none=True, required=True)


class OwingSchema(Schema):
    school = ma.fields.Nested(SchoolRefSchema, required=True)
    distance_km = ma.fields.Float(required=True)
    phases = ma.fields.List(ma.fields.Nested(PhaseComplianceSchema), required=True)


class OwingArgsSchema(ComplianceArgsSchema):
    within_km = ma.fields.Float(
        load_default=25.0, validate=ma.validate.Range(min=0, max=200, min_inclusive=False)
    )
    phase = ma.fields.Enum(KeyPhase, by_value=True)


@blp.route("/schools/<uuid:school_id>/provider-access-compliance")
class SchoolCompliance(MethodView):
    @blp.reports(ComplianceSchema, query=ComplianceArgsSchema)
    def get(self, args, school_id):
        """The school's provider access duty this year: held, owed, who attended (staff)"""
        return report_for_year(provider_compliance.for_school, args, school_id)


@blp.route("/hubs/<uuid:hub_id>/provider-access-compliance")
class HubCompliance(MethodView):
    @blp.reports(HubComplianceSchema, query=ComplianceArgsSchema)
    def get(self, args, hub_id):
        """Every hub school's provider access duty (counts, never pupils)"""
        year = report_year(args)
        schools = provider_compliance.for_hub(
            db.session, current_caller(), hub_id, academic_year=year
        )
        return {"hub_id": hub_id, "academic_year": year, "schools": schools}


@blp.route("/providers/<uuid:provider_id>/schools-owing")
class ProviderSchoolsOwing(MethodView):
    @blp.lists(OwingSchema, scope="providers:read", query=OwingArgsSchema)
    def get(self, args, provider_id, pagination_parameters):
        """Schools near your provider that still owe provider encounters this year"""
        found = report_for_year(
            provider_compliance.schools_owing,
            args,
            provider_id,
            within_km=args["within_km"],
            phase=args.get("phase"),
        )
        page, size = pagination_parameters.page, pagination_parameters.page_size
        window = found[(page - 1) * size :][:size]
        items = [{"school": s, "distance_km": km, "phases": p} for s, km, p in window]
        return paged(pagination_parameters, Page(items, len(found)))
