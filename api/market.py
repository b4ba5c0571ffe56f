"""The employers' side of the market: open needs an employer's volunteers could meet,
putting a volunteer forward, and the school's answer (approve or reject)."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.matches import DeclineSchema, MatchSchema
from api.needs import FactorSchema, NeedSummaryFields
from api.smorest import Blueprint, Schema
from api.views import Transition, commit, list_page, transitions
from services import market

blp = Blueprint(
    "market",
    __name__,
    url_prefix="/api/v1",
    description="Employers find the needs their volunteers could meet and put them forward.",
)


class SharedNeedSchema(NeedSummaryFields):
    """What a school publishes of a need to employers: never its notes, never a pupil."""

    school_town = ma.fields.String(attribute="school.town", allow_none=True, required=True)
    pupils = ma.fields.Integer(required=True, metadata={"description": "The group's size."})


class VolunteerFitSchema(Schema):
    volunteer_id = ma.fields.UUID(required=True)
    score = ma.fields.Float(required=True)
    distance_km = ma.fields.Float(allow_none=True, required=True)


class OpenNeedSchema(Schema):
    need = ma.fields.Nested(SharedNeedSchema, required=True)
    addressed = ma.fields.Boolean(
        required=True, metadata={"description": "The school addressed it to your employer."}
    )
    targeted = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "Why one of your published offers aims at this school "
            "(these come next after the addressed ones); none: it does not."
        },
    )
    score = ma.fields.Float(required=True, metadata={"description": "Your best volunteer's."})
    factors = ma.fields.List(ma.fields.Nested(FactorSchema), required=True)
    volunteers = ma.fields.List(ma.fields.Nested(VolunteerFitSchema), required=True)


class PutForwardSchema(Schema):
    volunteer_id = ma.fields.UUID(required=True)
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=1000))


@blp.route("/employers/<uuid:employer_id>/open-needs")
class EmployerOpenNeeds(MethodView):
    @blp.lists(OpenNeedSchema, scope="needs:read")
    def get(self, employer_id, pagination_parameters):
        """Open needs your volunteers could meet, ranked and explained (addressed first)"""
        return list_page(market.open_needs, pagination_parameters, employer_id)


@blp.route("/needs/<uuid:need_id>/put-forward")
class NeedPutForward(MethodView):
    @blp.creates(
        MatchSchema,
        lambda made, **_: url_for("matches.MatchById", match_id=made.id),
        body=PutForwardSchema,
        scope="matches:write",
    )
    def post(self, offer, need_id):
        """Put one of your volunteers forward for a shared need (the school answers)"""
        return commit(market.put_forward, need_id=need_id, **offer)


transitions(
    blp,
    "/matches/<uuid:match_id>",
    "Match",
    MatchSchema,
    scope="matches:write",
    table=[
        Transition(
            "approve",
            market.approve,
            "Take a volunteer an employer put forward: the match is `accepted` (confirm next)",
        ),
        Transition(
            "reject",
            market.reject,
            "Turn down a volunteer an employer put forward, with a reason",
            body=DeclineSchema,
        ),
    ],
)
