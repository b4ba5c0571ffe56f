"""Invitations: bring a person into an organisation; the emailed token buys a password."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from api.users import UserSchema
from api.views import commit
from models.users import Role
from services import invitations

blp = Blueprint(
    "invitations", __name__, url_prefix="/api/v1/invitations", description="Invite people."
)


class InvitationCreateSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    role = ma.fields.Enum(Role, by_value=True, required=True)
    organisation_id = ma.fields.UUID(required=True)
    is_org_admin = ma.fields.Boolean(load_default=False)


class InvitationSchema(Schema):
    id = ma.fields.UUID(required=True)
    email = ma.fields.Email(required=True)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    organisation_id = ma.fields.UUID(required=True)
    is_org_admin = ma.fields.Boolean(required=True)
    expires_at = Timestamp(required=True)


class InvitationAcceptSchema(Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(max=128))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=256))


def _location(invitation) -> str:
    return url_for("invitations.InvitationById", invitation_id=invitation.id)


@blp.route("")
class Invitations(MethodView):
    @blp.login_required()
    @blp.arguments(InvitationCreateSchema)
    @blp.created(InvitationSchema, _location)
    def post(self, invitation):
        """Invite a person to an organisation; they get the one-time link by email"""
        return commit(invitations.invite, **invitation)


@blp.route("/<uuid:invitation_id>")
class InvitationById(MethodView):
    @blp.reads(InvitationSchema)
    def get(self, invitation_id):
        """Read an invitation you issued or may oversee (not its token)"""
        return invitations.get(db.session, current_caller(), invitation_id)


@blp.route("/accept")
class AcceptInvitation(MethodView):
    @blp.public
    @blp.arguments(InvitationAcceptSchema)
    @blp.created(UserSchema, lambda made: url_for("users.UserById", user_id=made.id))
    def post(self, acceptance):
        """Accept an invitation: choose your name and password"""
        user = invitations.accept(db.session, **acceptance)
        db.session.commit()
        return user
