"""Matches: a volunteer's invitation to a need and its workflow (each transition a POST)."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from api.views import commit, list_page
from models.matches import DeclineReason, MatchStatus
from services import matches

blp = Blueprint("matches", __name__, url_prefix="/api/v1/matches", description="Matches.")


class MatchVolunteerSchema(Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
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
    @blp.login_required("matches:read")
    @blp.arguments(MatchQueryArgsSchema, location="query")
    @blp.response(200, MatchSchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """List the matches and invitations you may see, newest first"""
        return list_page(matches.list_, pagination_parameters, **filters)


@blp.route("/<uuid:match_id>")
class MatchById(MethodView):
    @blp.login_required("matches:read")
    @blp.etag
    @blp.response(200, MatchSchema)
    def get(self, match_id):
        """Read a match"""
        return matches.get(db.session, current_caller(), match_id)


@blp.route("/<uuid:match_id>/accept")
class MatchAccept(MethodView):
    @blp.login_required("matches:write")
    @blp.idempotent
    @blp.response(200, MatchSchema)
    def post(self, match_id):
        """Accept an invitation (the volunteer)"""
        return commit(matches.accept, match_id)


@blp.route("/<uuid:match_id>/decline")
class MatchDecline(MethodView):
    @blp.login_required("matches:write")
    @blp.idempotent
    @blp.arguments(DeclineSchema)
    @blp.response(200, MatchSchema)
    def post(self, body, match_id):
        """Decline an invitation, with a reason (the volunteer)"""
        return commit(matches.decline, match_id, **body)


@blp.route("/<uuid:match_id>/withdraw")
class MatchWithdraw(MethodView):
    @blp.login_required("matches:write")
    @blp.idempotent
    @blp.arguments(WithdrawSchema)
    @blp.response(200, MatchSchema)
    def post(self, body, match_id):
        """Withdraw (either side); a confirmed match withdrawn reopens its need"""
        return commit(matches.withdraw, match_id, **body)


@blp.route("/<uuid:match_id>/confirm")
class MatchConfirm(MethodView):
    @blp.login_required("matches:write")
    @blp.idempotent
    @blp.response(200, MatchSchema)
    def post(self, match_id):
        """Confirm an accepted volunteer (the school side): the need is matched"""
        return commit(matches.confirm, match_id)


@blp.route("/<uuid:match_id>/schedule")
class MatchSchedule(MethodView):
    @blp.login_required("matches:write")
    @blp.idempotent
    @blp.arguments(ScheduleSchema)
    @blp.response(200, MatchSchema)
    def post(self, body, match_id):
        """Schedule the confirmed encounter (the school side)"""
        return commit(matches.schedule, match_id, **body)
