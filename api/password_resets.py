"""A way back in: ask for a reset link by email, then set a new password with it."""

from datetime import UTC, datetime

import limits
import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from werkzeug.exceptions import TooManyRequests

from api.extensions import db
from api.smorest import Blueprint, Schema
from services import password_resets
from services.users import normalise_email

blp = Blueprint(
    "password-resets",
    __name__,
    url_prefix="/api/v1/auth/password-reset",
    description="Reset a forgotten password through a link sent by email.",
)
THROTTLE = "password-reset"
ANSWER = {"detail": "If the address has an account, a reset link is on its way to it."}


class PasswordResetRequestSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))


class PasswordResetAnswerSchema(Schema):
    detail = ma.fields.String(required=True)


class PasswordResetConfirmSchema(Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(max=128))
    new_password = ma.fields.String(required=True, validate=ma.validate.Length(max=256))


@blp.route("")
class PasswordResets(MethodView):
    @blp.public
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, PasswordResetAnswerSchema)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, asked):
        """Ask for a reset link: the same answer whether or not the address has an account"""
        email = normalise_email(asked["email"])
        _throttle(("email", email), current_app.config["RATELIMIT_PASSWORD_RESET"])
        _throttle(("address", request.remote_addr), current_app.config["RATELIMIT_DEFAULT"])
        password_resets.request(db.session, email=email)
        db.session.commit()
        return ANSWER


@blp.route("/confirm")
class PasswordResetConfirm(MethodView):
    @blp.public
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    def post(self, reset):
        """Set a new password with the emailed link's token; every token held is revoked"""
        password_resets.confirm(db.session, **reset)
        db.session.commit()


def _throttle(key: tuple[str, str], budget: str) -> None:
    """Count this request against the key's budget; 429 with Retry-After once it is spent.
    Known and unknown addresses count alike, so the answer never tells them apart."""
    strategy = current_app.extensions["rate_limiter"].limiter
    limit = limits.parse(budget)
    parts = (current_app.config.get("RATELIMIT_KEY_PREFIX", ""), THROTTLE, *key)
    if not strategy.hit(limit, *parts):
        reset_at = strategy.get_window_stats(limit, *parts).reset_time
        retry_after = max(1, int(reset_at - datetime.now(UTC).timestamp()))
        raise TooManyRequests("Too many reset requests; try again later.", retry_after=retry_after)
