"""Login, refresh, logout and password change (partner apps' tokens: api/oauth.py)."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import (
    check_login_allowed,
    current_claims,
    current_person,
    forget_login_failures,
    issue_user_tokens,
    record_login_failure,
    revoke_current_session,
)
from api.smorest import Blueprint, Schema
from services import users
from services.errors import Unauthenticated

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in and get tokens.")


class LoginSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=256))


class TokenPairSchema(Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds."})


class AccessTokenSchema(Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds."})


class PasswordChangeSchema(Schema):
    current_password = ma.fields.String(required=True, validate=ma.validate.Length(max=256))
    new_password = ma.fields.String(required=True, validate=ma.validate.Length(max=256))


@blp.route("/login")
class Login(MethodView):
    @blp.public
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, credentials):
        """Log in with email and password"""
        email = users.normalise_email(credentials["email"])
        check_login_allowed(email)
        try:
            user = users.authenticate(db.session, email=email, password=credentials["password"])
        except Unauthenticated:
            record_login_failure(email)
            raise
        tokens = issue_user_tokens(user)
        db.session.commit()
        forget_login_failures(email)
        return tokens


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.login_required(refresh=True)
    @blp.response(200, AccessTokenSchema)
    def post(self):
        """Get a new access token with a refresh token"""
        claims = current_claims()
        tokens = issue_user_tokens(current_person(), session_id=claims["sid"], fresh=False)
        del tokens["refresh_token"]
        return tokens


@blp.route("/logout")
class Logout(MethodView):
    @blp.login_required()
    @blp.response(204)
    def post(self):
        """Log out: revoke this session's access and refresh tokens"""
        revoke_current_session()
        db.session.commit()


@blp.route("/password")
class Password(MethodView):
    @blp.login_required(fresh=True)
    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, change):
        """Change your password (needs a fresh login); every other token is revoked"""
        user = users.change_password(db.session, current_person(), **change)
        tokens = issue_user_tokens(user)
        db.session.commit()
        return tokens
