"""Matches: a volunteer's invitation to a need and its workflow (each transition a POST)."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, RefSchema, Schema, Timestamp
from api.views import Transition, list_page, transitions
from models.matches import DeclineReason, MatchStatus
from services import matches

blp = Blueprint("matches", __name__, url_prefix="/api/v1/matches", description="Matches.")


class MatchVolunteerSchema(RefSchema):
    job_title = ma.fields.String(required=True)


class MatchSchema(Schema):
    id = ma.fields.UUID(required=True)
    need_id = ma.fields.UUID(required=True)
    volunteer = ma.fields.Nested(MatchVolunteerSchema, required=True)
    status = ma.fields.Enum(MatchStatus, by_value=True, required=True)
    score = ma.fields.Float(required=True, metadata={"description": "The score when invited."})
    invited_at = Timestamp(required=True)
    expires_at = Timestamp(required=True)
    responded_at = Timestamp(allow_none=True, required=True)
    decline_reason = ma.fields.Enum(DeclineReason, by_value=True, allow_none=True, required=True)
    note = ma.fields.String(allow_none=True, required=True)
    confirmed_at = Timestamp(allow_none=True, required=True)
    scheduled_for = Timestamp(allow_none=True, required=True)
    closed_at = Timestamp(allow_none=True, required=True)


class MatchQueryArgsSchema(Schema):
    need_id = ma.fields.UUID()
    volunteer_id = ma.fields.UUID()
    status = ma.fields.Enum(MatchStatus, by_value=True)


class DeclineSchema(Schema):
    reason = ma.fields.Enum(DeclineReason, by_value=True, required=True)
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class WithdrawSchema(Schema):
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class ScheduleSchema(Schema):
    scheduled_for = ma.fields.AwareDateTime(
        required=True, metadata={"description": "Within the need's date window."}
    )


@blp.route("")
class Matches(MethodView):
    @blp.lists(MatchSchema, scope="matches:read", query=MatchQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """List the matches and invitations you may see, newest first"""
        return list_page(matches.list_, pagination_parameters, **filters)


@blp.route("/<uuid:match_id>")
class MatchById(MethodView):
    @blp.reads(MatchSchema, scope="matches:read")
    def get(self, match_id):
        """Read a match"""
        return matches.get(db.session, current_caller(), match_id)


transitions(
    blp,
    "/<uuid:match_id>",
    "Match",
    MatchSchema,
    scope="matches:write",
    table=[
        Transition("accept", matches.accept, "Accept an invitation (the volunteer)"),
        Transition(
            "decline",
            matches.decline,
            "Decline an invitation, with a reason (the volunteer)",
            body=DeclineSchema,
        ),
        Transition(
            "withdraw",
            matches.withdraw,
            "Withdraw (either side); a confirmed match withdrawn reopens its need",
            body=WithdrawSchema,
        ),
        Transition(
            "confirm",
            matches.confirm,
            "Confirm an accepted volunteer (the school side): the need is matched",
        ),
        Transition(
            "schedule",
            matches.schedule,
            "Schedule the confirmed encounter (the school side)",
            body=ScheduleSchema,
        ),
    ],
)
