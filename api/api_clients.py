"""Partner apps: an organisation's admins register them; the secret is shown once."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from api.views import commit, list_page
from services import api_clients
from services.callers import SCOPES

blp = Blueprint(
    "api-clients", __name__, url_prefix="/api/v1/api-clients", description="Partner apps."
)


class ApiClientSchema(Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    client_id = ma.fields.String(required=True)
    organisation_id = ma.fields.UUID(required=True)
    scopes = ma.fields.List(ma.fields.String(), required=True)
    created_at = Timestamp(required=True)
    revoked_at = Timestamp(allow_none=True)


class ApiClientCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    scopes = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(list(SCOPES))),
        required=True,
        validate=ma.validate.Length(min=1, max=len(SCOPES)),
    )


class RegisteredClientSchema(Schema):
    client = ma.fields.Nested(ApiClientSchema, required=True)
    secret = ma.fields.String(
        required=True, metadata={"description": "Shown once; Engage keeps only its digest."}
    )


@blp.route("")
class ApiClients(MethodView):
    @blp.lists(ApiClientSchema)
    def get(self, pagination_parameters):
        """List your organisation's partner apps (org admins)"""
        return list_page(api_clients.list_, pagination_parameters)

    @blp.login_required()
    @blp.arguments(ApiClientCreateSchema)
    @blp.created(RegisteredClientSchema, lambda made: _location(made.client))
    def post(self, client):
        """Register a partner app for your organisation (org admins)"""
        registered = commit(api_clients.register, **client)
        blp.set_etag(registered.client, ApiClientSchema)
        return registered


def _location(client) -> str:
    return url_for("api-clients.ApiClientById", client_uuid=client.id)


@blp.route("/<uuid:client_uuid>")
class ApiClientById(MethodView):
    @blp.reads(ApiClientSchema)
    def get(self, client_uuid):
        """Read a partner app"""
        return api_clients.get(db.session, current_caller(), client_uuid)

    @blp.login_required()
    @blp.response(204)
    def delete(self, client_uuid):
        """Revoke a partner app: its tokens and next exchange fail"""
        commit(api_clients.revoke, client_uuid)
