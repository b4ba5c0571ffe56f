"""Enterprise Adviser pairing for a hub: plan at the global optimum, then confirm."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from api.views import commit, list_page
from models.pairings import PlanStatus
from services import pairings
from services.pairings import ADVISER_WEIGHTS, MAX_ADVISER_KM

blp = Blueprint(
    "adviser-pairings",
    __name__,
    url_prefix="/api/v1/hubs",
    description="Enterprise Adviser pairing.",
)


class PairFactorSchema(Schema):
    factor = ma.fields.String(required=True)
    value = ma.fields.Float(required=True)
    weight = ma.fields.Float(required=True)
    contribution = ma.fields.Float(required=True)


class PairSchema(Schema):
    adviser_id = ma.fields.UUID(required=True)
    adviser_name = ma.fields.String(required=True)
    school_id = ma.fields.UUID(required=True)
    school_name = ma.fields.String(required=True)
    score = ma.fields.Float(required=True, metadata={"description": "Fit in [0, 1]."})
    breakdown = ma.fields.List(ma.fields.Nested(PairFactorSchema), required=True)
    distance_km = ma.fields.Integer(
        allow_none=True, required=True, metadata={"description": "Whole kilometres."}
    )
    matched_sectors = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={
            "description": "SIC sections the adviser works in that the school's needs ask for."
        },
    )
    matched_expertise = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "The adviser's expertise that covers the school's focus."},
    )
    weakest_benchmarks = ma.fields.List(
        ma.fields.Integer(),
        required=True,
        metadata={"description": "The school's weakest benchmarks in this year's report."},
    )
    explanation = ma.fields.String(allow_none=True, required=True)
    confirmed = ma.fields.Boolean(required=True)
    assignment_id = ma.fields.UUID(
        allow_none=True, required=True, metadata={"description": "Once the pair is confirmed."}
    )

    def get_attribute(self, obj, attr, default):
        # Plans stored before explanations and partial confirmation lack these keys.
        if attr == "confirmed":
            return bool(obj.get("assignment_id"))
        if attr in ("matched_sectors", "matched_expertise", "weakest_benchmarks"):
            return obj.get(attr, [])
        if attr in ("distance_km", "explanation", "assignment_id"):
            return obj.get(attr)
        return super().get_attribute(obj, attr, default)


class UnpairedAdviserSchema(Schema):
    adviser_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)


class UnpairedSchoolSchema(Schema):
    school_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)


class PlanSchema(Schema):
    id = ma.fields.UUID(required=True)
    hub_id = ma.fields.UUID(required=True)
    status = ma.fields.Enum(
        PlanStatus,
        by_value=True,
        required=True,
        metadata={
            "description": "confirmed once every pair is; until then pairs stay confirmable."
        },
    )
    total_score = ma.fields.Float(required=True)
    solver = ma.fields.String(
        required=True,
        metadata={
            "description": "min_cost_flow (an exact optimum), or none when the plan has no pair "
            "(no solver runs when no pair is in reach or nobody has room)."
        },
    )
    pairs = ma.fields.List(
        ma.fields.Nested(PairSchema),
        required=True,
        metadata={
            "description": "Weights: "
            + ", ".join(f"{k} {v}" for k, v in ADVISER_WEIGHTS.items())
            + f"; only pairs within {MAX_ADVISER_KM:g} km."
        },
    )
    unpaired_advisers = ma.fields.List(ma.fields.Nested(UnpairedAdviserSchema), required=True)
    unpaired_schools = ma.fields.List(ma.fields.Nested(UnpairedSchoolSchema), required=True)
    created_at = Timestamp(required=True)
    confirmed_at = Timestamp(allow_none=True, required=True)


class PairRefSchema(Schema):
    adviser_id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)


class ConfirmSchema(Schema):
    pairs = ma.fields.List(
        ma.fields.Nested(PairRefSchema),
        validate=ma.validate.Length(min=1, max=500),
        metadata={
            "description": "The pairs accepted now (the rest stay confirmable); omit to accept "
            "every pair not yet confirmed."
        },
    )
    starts_on = ma.fields.Date(metadata={"description": "Today (the default) or later."})


class AssignmentSchema(Schema):
    id = ma.fields.UUID(required=True)
    adviser_id = ma.fields.UUID(required=True)
    school_id = ma.fields.UUID(required=True)
    hub_id = ma.fields.UUID(required=True)
    starts_on = ma.fields.Date(required=True)
    hours_logged = ma.fields.Float(
        required=True, metadata={"description": "Against the 8-hour monthly commitment."}
    )
    plan_id = ma.fields.UUID(allow_none=True, required=True)


def _plan_location(plan, **_) -> str:
    return url_for("adviser-pairings.AdviserPairingById", hub_id=plan.hub_id, plan_id=plan.id)


@blp.route("/<uuid:hub_id>/adviser-pairings")
class AdviserPairings(MethodView):
    @blp.lists(PlanSchema, scope="advisers:read")
    def get(self, hub_id, pagination_parameters):
        """List the hub's pairing plans, newest first, each pair showing whether it is confirmed"""
        return list_page(pairings.list_plans, pagination_parameters, hub_id)

    @blp.creates(PlanSchema, _plan_location, scope="advisers:write")
    def post(self, hub_id):
        """Plan the hub's adviser pairing at the optimum (coordinators of the hub, admins)"""
        return commit(pairings.plan, hub_id)


@blp.route("/<uuid:hub_id>/adviser-pairings/<uuid:plan_id>")
class AdviserPairingById(MethodView):
    @blp.reads(PlanSchema, scope="advisers:read")
    def get(self, hub_id, plan_id):
        """Read a pairing plan"""
        return pairings.get_plan(db.session, current_caller(), hub_id, plan_id)


@blp.route("/<uuid:hub_id>/adviser-pairings/<uuid:plan_id>/confirm")
class AdviserPairingConfirm(MethodView):
    @blp.creates(
        AssignmentSchema(many=True),
        lambda made, **kw: _assignments_of(kw["plan_id"]),
        body=ConfirmSchema,
        scope="advisers:write",
    )
    def post(self, body, hub_id, plan_id):
        """Confirm the pairs you accept: they become adviser assignments"""
        pairs = body.get("pairs")
        return commit(
            pairings.confirm,
            hub_id,
            plan_id,
            pairs=None if pairs is None else [(p["adviser_id"], p["school_id"]) for p in pairs],
            starts_on=body.get("starts_on"),
        )


def _assignments_of(plan_id) -> str:
    """A confirmation's assignments are listed with the plan's others."""
    return url_for("adviser-assignments.AdviserAssignments", plan_id=plan_id)
