"""Needs, their ranked candidates, invitations and backups; a volunteer's opportunities."""

from datetime import timedelta

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView

from api.extensions import db
from api.matches import MatchSchema
from api.offers import OfferDirectoryEntrySchema, OfferFactorSchema, OfferSchema, SlotSchema
from api.security import current_caller
from api.smorest import HH_MM, Blueprint, RefSchema, Schema, Timestamped, paged
from api.views import Transition, commit, for_page, list_page, transitions
from models.journeys import RoleModelKind
from models.needs import Frequency, NeedMode, NeedStatus
from models.organisations import ProviderType
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, ActivityType
from services import matches, matching, needs, safeguarding
from services.matching import EXCLUSION_REASONS, FACTORS, OFFER_EXCLUSION_REASONS, WEIGHTS
from services.pagination import Page

blp = Blueprint("needs", __name__, url_prefix="/api/v1", description="Needs and matching.")

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
WEIGHTS_NOTE = "Weights: " + ", ".join(f"{name} {weight}" for name, weight in WEIGHTS.items())


def invitation_ttl() -> timedelta:
    return timedelta(hours=current_app.config["MATCH_INVITATION_TTL_HOURS"])


class RequirementSchema(Schema):
    level = ma.fields.String(
        attribute="name",
        required=True,
        metadata={"description": "none, employer_assurance or enhanced_dbs_with_barred_list."},
    )
    checks = ma.fields.List(ma.fields.String(), required=True)
    reasons = ma.fields.List(ma.fields.String(), required=True)


ROLE_MODELS_NOTE = (
    "Kinds of career journey wanted in a role model (such as started_at_level_2 and "
    "apprenticeship): candidates who shared such a journey gain the `role_model` factor."
)


class NeedFields(Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    activity_type = ma.fields.Enum(ActivityType, by_value=True)
    benchmark = ma.fields.Integer(validate=ma.validate.OneOf([5, 6, 7]))
    year_groups = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.OneOf(YEAR_GROUPS, error="Year groups are 7-13.")),
        validate=ma.validate.Length(min=1, max=7),
    )
    pupils = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2000))
    sectors = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(SIC_SECTIONS, error="Not a SIC 2007 section.")),
        validate=ma.validate.Length(max=21),
        metadata={"description": "Sectors (SIC 2007 sections) the pupils want to meet."},
    )
    topics = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
        validate=ma.validate.Length(max=20),
    )
    role_model_journeys = ma.fields.List(
        ma.fields.Enum(RoleModelKind, by_value=True),
        metadata={"description": ROLE_MODELS_NOTE},
    )
    mode = ma.fields.Enum(NeedMode, by_value=True)
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    preferred_days = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(WEEKDAYS)),
        validate=ma.validate.Length(max=5),
        metadata={"description": "Empty: any school day."},
    )
    earliest_time = ma.fields.Time(
        allow_none=True,
        metadata={"description": "Europe/London; default 09:00.", "pattern": HH_MM},
    )
    latest_time = ma.fields.Time(
        allow_none=True,
        metadata={"description": "Europe/London; default 15:00.", "pattern": HH_MM},
    )
    supervised = ma.fields.Boolean(
        metadata={"description": "A member of staff is present throughout."}
    )
    frequency = ma.fields.Enum(Frequency, by_value=True)
    overnight = ma.fields.Boolean()
    send_adjustments = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=2000))
    notes = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(max=2000),
        metadata={"description": "For the school side only: never shown to employers."},
    )
    shared_with_employers = ma.fields.Boolean(
        metadata={"description": "Employers whose volunteers could meet it see it (without notes)."}
    )
    addressed_employer_id = ma.fields.UUID(
        allow_none=True, metadata={"description": "One employer that sees it first."}
    )


class NeedCreateSchema(NeedFields):
    school_id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    activity_type = ma.fields.Enum(ActivityType, by_value=True, required=True)
    benchmark = ma.fields.Integer(required=True, validate=ma.validate.OneOf([5, 6, 7]))
    year_groups = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.OneOf(YEAR_GROUPS, error="Year groups are 7-13.")),
        required=True,
        validate=ma.validate.Length(min=1, max=7),
    )
    pupils = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2000))
    mode = ma.fields.Enum(NeedMode, by_value=True, required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    sectors = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(SIC_SECTIONS, error="Not a SIC 2007 section.")),
        validate=ma.validate.Length(max=21),
        load_default=list,
    )
    topics = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=100)),
        validate=ma.validate.Length(max=20),
        load_default=list,
    )
    preferred_days = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(WEEKDAYS)),
        validate=ma.validate.Length(max=5),
        load_default=list,
    )
    role_model_journeys = ma.fields.List(
        ma.fields.Enum(RoleModelKind, by_value=True),
        load_default=list,
        metadata={"description": ROLE_MODELS_NOTE},
    )
    supervised = ma.fields.Boolean(load_default=True)
    frequency = ma.fields.Enum(Frequency, by_value=True, load_default=Frequency.ONE_OFF)
    overnight = ma.fields.Boolean(load_default=False)


class NeedUpdateSchema(NeedFields):
    """Any field of an open need."""


class NeedSummaryFields(Schema):
    """What every answer shows of a need (the school's own view, and what employers see)."""

    id = ma.fields.UUID(required=True)
    school = ma.fields.Nested(RefSchema, required=True)
    title = ma.fields.String(required=True)
    activity_type = ma.fields.Enum(ActivityType, by_value=True, required=True)
    benchmark = ma.fields.Integer(required=True)
    year_groups = ma.fields.List(ma.fields.Integer(), required=True)
    pupils = ma.fields.Integer(required=True)
    mode = ma.fields.Enum(NeedMode, by_value=True, required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    preferred_days = ma.fields.List(ma.fields.String(), required=True)
    earliest_time = ma.fields.Time(allow_none=True, required=True)
    latest_time = ma.fields.Time(allow_none=True, required=True)
    send_adjustments = ma.fields.String(allow_none=True, required=True)


class NeedSchema(NeedSummaryFields, Timestamped):
    sectors = ma.fields.List(ma.fields.String(), required=True)
    topics = ma.fields.List(ma.fields.String(), required=True)
    role_model_journeys = ma.fields.List(
        ma.fields.Enum(RoleModelKind, by_value=True), required=True
    )
    supervised = ma.fields.Boolean(required=True)
    frequency = ma.fields.Enum(Frequency, by_value=True, required=True)
    overnight = ma.fields.Boolean(required=True)
    notes = ma.fields.String(allow_none=True, required=True)
    shared_with_employers = ma.fields.Boolean(required=True)
    addressed_employer_id = ma.fields.UUID(allow_none=True, required=True)
    status = ma.fields.Enum(NeedStatus, by_value=True, required=True)
    safeguarding = ma.fields.Method(
        "requirement",
        metadata={
            "description": "What the activity needs of a volunteer (DOMAIN.md).",
            "type": "object",
        },
    )

    def requirement(self, need):
        return RequirementSchema().dump(safeguarding.requirement(safeguarding.need_activity(need)))


class NeedQueryArgsSchema(Schema):
    status = ma.fields.Enum(NeedStatus, by_value=True)
    school_id = ma.fields.UUID()


class FactorSchema(Schema):
    factor = ma.fields.String(attribute="name", required=True)
    value = ma.fields.Float(required=True, metadata={"description": "In [0, 1]."})
    weight = ma.fields.Float(required=True)
    contribution = ma.fields.Float(
        required=True, metadata={"description": "value × weight; they sum to the score."}
    )


class CandidateVolunteerSchema(RefSchema):
    job_title = ma.fields.String(required=True)
    employer = ma.fields.Nested(RefSchema, required=True)


class CandidateSchema(Schema):
    volunteer = ma.fields.Nested(CandidateVolunteerSchema, required=True)
    score = ma.fields.Float(required=True, metadata={"description": "In [0, 1]."})
    distance_km = ma.fields.Float(allow_none=True, required=True)
    breakdown = ma.fields.List(
        ma.fields.Nested(FactorSchema), required=True, metadata={"description": WEIGHTS_NOTE}
    )


class CandidateOfferSchema(Schema):
    offer = ma.fields.Nested(OfferSchema, required=True)
    score = ma.fields.Float(required=True, metadata={"description": "In [0, 1]."})
    distance_km = ma.fields.Float(allow_none=True, required=True)
    breakdown = ma.fields.List(ma.fields.Nested(FactorSchema), required=True)
    slots = ma.fields.List(
        ma.fields.Nested(SlotSchema),
        required=True,
        metadata={"description": "Slots on the need's dates with seats left: book one."},
    )


def excluded_counts(reasons) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(reasons)),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "How many were left out, by the first reason that applied."},
    )


EXCLUDED = excluded_counts(EXCLUSION_REASONS)


class ProviderRefSchema(RefSchema):
    provider_type = ma.fields.Enum(ProviderType, by_value=True, required=True)


class ProviderCandidateSchema(Schema):
    provider = ma.fields.Nested(ProviderRefSchema, required=True)
    score = ma.fields.Float(required=True)
    distance_km = ma.fields.Float(required=True)
    factors = ma.fields.List(ma.fields.Nested(OfferFactorSchema), required=True)


class CandidatesSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(CandidateSchema), required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "Eligible candidates."})
    excluded = EXCLUDED
    requirement = ma.fields.Nested(RequirementSchema, required=True)
    factors = ma.fields.List(ma.fields.String(), required=True)
    offers = ma.fields.List(
        ma.fields.Nested(CandidateOfferSchema),
        required=True,
        metadata={
            "description": "For workplace needs: the best employers' offers with bookable "
            "slots, ranked by the same factors (the same on every page)."
        },
    )
    offers_excluded = excluded_counts(OFFER_EXCLUSION_REASONS)
    encounter_offers = ma.fields.List(
        ma.fields.Nested(OfferDirectoryEntrySchema),
        required=True,
        metadata={
            "description": "For talks, workshops, interviews and the like: the best published "
            "encounter offers that could meet it (its kinds, year groups, mode, benchmark and "
            "dates), ranked for the school as the directory is; request one."
        },
    )
    providers = ma.fields.List(
        ma.fields.Nested(ProviderCandidateSchema),
        required=True,
        metadata={
            "description": "Benchmark 7 needs: providers near the school, those of a type its "
            "pupils have not met and those offering a matching encounter first, explained."
        },
    )


class OpportunitySchema(Schema):
    need = ma.fields.Nested(NeedSchema, required=True)
    score = ma.fields.Float(required=True)
    distance_km = ma.fields.Float(allow_none=True, required=True)
    breakdown = ma.fields.List(ma.fields.Nested(FactorSchema), required=True)


class OpportunitiesSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(OpportunitySchema), required=True)
    total = ma.fields.Integer(required=True)
    excluded = EXCLUDED


class InviteSchema(Schema):
    volunteer_ids = ma.fields.List(
        ma.fields.UUID(), required=True, validate=ma.validate.Length(min=1, max=20)
    )


class BackupsSchema(Schema):
    count = ma.fields.Integer(load_default=3, validate=ma.validate.Range(min=1, max=10))


@blp.route("/needs")
class Needs(MethodView):
    @blp.lists(NeedSchema, scope="needs:read", query=NeedQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """List the needs you may see"""
        return list_page(needs.list_, pagination_parameters, **filters)

    @blp.creates(
        NeedSchema,
        lambda made: url_for("needs.NeedById", need_id=made.id),
        body=NeedCreateSchema,
        scope="needs:write",
    )
    def post(self, need):
        """Post a need for a school (its staff, its hub's coordinators)"""
        return commit(needs.create, **need)


@blp.route("/needs/<uuid:need_id>")
class NeedById(MethodView):
    @blp.reads(NeedSchema, scope="needs:read")
    def get(self, need_id):
        """Read a need"""
        return needs.get(db.session, current_caller(), need_id)

    @blp.updates(
        NeedSchema, body=NeedUpdateSchema, current=needs.get_for_update, scope="needs:write"
    )
    def patch(self, changes, need_id):
        """Change an open need (send the ETag you read as If-Match)"""
        return commit(needs.update, need_id, changes)


transitions(
    blp,
    "/needs/<uuid:need_id>",
    "Need",
    NeedSchema,
    scope="needs:write",
    table=[
        Transition(
            "cancel",
            needs.cancel,
            "Cancel a need; outstanding invitations and matches on it are withdrawn",
        ),
        Transition(
            "fulfil", needs.fulfil, "Mark a matched need fulfilled once its encounter has happened"
        ),
    ],
)


@blp.route("/needs/<uuid:need_id>/candidates")
class NeedCandidates(MethodView):
    @blp.login_required("needs:read")
    @blp.response(200, CandidatesSchema)
    @blp.paginate()
    def get(self, need_id, pagination_parameters):
        """Volunteers and offers ranked for a need, each score explained, with exclusions"""
        page = for_page(matching.candidates, pagination_parameters, need_id)
        paged(pagination_parameters, Page(page.items, page.total))
        return {
            "items": page.items,
            "total": page.total,
            "excluded": page.excluded,
            "requirement": page.requirement,
            "factors": list(FACTORS),
            "offers": page.offers,
            "offers_excluded": page.offers_excluded,
            "encounter_offers": page.encounter_offers,
            "providers": page.providers,
        }


def _invites(body):
    """Invitations of volunteers to a need (`body`: whom, or how many), answered with the
    matches made; they are listed with the need's other matches."""
    return blp.creates(MatchSchema(many=True), _matches_of, body=body, scope="matches:write")


def _matches_of(made, need_id) -> str:
    return url_for("matches.Matches", need_id=need_id)


@blp.route("/needs/<uuid:need_id>/invitations")
class NeedInvitations(MethodView):
    @_invites(InviteSchema)
    def post(self, body, need_id):
        """Invite volunteers to a need (all or none; 409 names who cannot take it and why)"""
        return commit(
            matches.invite,
            need_id=need_id,
            volunteer_ids=body["volunteer_ids"],
            ttl=invitation_ttl(),
        )


@blp.route("/needs/<uuid:need_id>/backups")
class NeedBackups(MethodView):
    @_invites(BackupsSchema)
    def post(self, body, need_id):
        """Invite the next-best volunteers not yet asked, in one call"""
        return commit(matches.backups, need_id=need_id, count=body["count"], ttl=invitation_ttl())


@blp.route("/volunteers/<uuid:volunteer_id>/opportunities")
class VolunteerOpportunities(MethodView):
    @blp.login_required("matches:read")
    @blp.response(200, OpportunitiesSchema)
    @blp.paginate()
    def get(self, volunteer_id, pagination_parameters):
        """Open needs the volunteer fits, ranked by the same engine"""
        items, total, excluded = for_page(
            matching.opportunities, pagination_parameters, volunteer_id
        )
        paged(pagination_parameters, Page(items, total))
        return {"items": items, "total": total, "excluded": excluded}
