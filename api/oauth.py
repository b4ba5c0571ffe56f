"""OAuth 2.0 client credentials for partner apps, as RFC 6749 describes (§4.4, §2.3.1, §5),
so that any OAuth client library gets a token unmodified; and who a partner app is.

`POST /auth/token` takes `application/x-www-form-urlencoded` (and JSON, as before), the
client authenticated by HTTP Basic (`client_secret_basic`) or in the body
(`client_secret_post`), never both; an optional `scope` narrows the token to a subset of the
app's granted scopes. Success is §5.1's JSON with `Cache-Control: no-store`; errors are
§5.2's `{"error", "error_description"}` (not problem+json: OAuth clients read these).
"""

import base64
import binascii
from urllib.parse import unquote_plus

import marshmallow as ma
from flask import jsonify, request
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller, issue_client_token
from api.smorest import Blueprint, Schema
from services import api_clients
from services.errors import Unauthenticated

blp = Blueprint(
    "oauth", __name__, url_prefix="/api/v1/auth", description="Partner apps' OAuth 2.0 tokens."
)
FORM = "application/x-www-form-urlencoded"


class ClientCredentialsSchema(Schema):
    grant_type = ma.fields.String(
        required=True, metadata={"enum": ["client_credentials"], "example": "client_credentials"}
    )
    client_id = ma.fields.String(
        metadata={"description": "With `client_secret`, unless sent by HTTP Basic."}
    )
    client_secret = ma.fields.String()
    scope = ma.fields.String(
        metadata={
            "description": "Space-separated scopes, a subset of the app's; default: all of them."
        }
    )


class ClientTokenSchema(Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds."})
    scope = ma.fields.String(
        required=True, metadata={"description": "The token's scopes, space-separated."}
    )


class OAuthErrorSchema(Schema):
    """RFC 6749 §5.2."""

    error = ma.fields.String(
        required=True,
        metadata={
            "enum": [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "unauthorized_client",
                "unsupported_grant_type",
                "invalid_scope",
            ]
        },
    )
    error_description = ma.fields.String()


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self):
        response = jsonify(error=self.error, error_description=self.description)
        response.status_code = self.status
        if self.error == "invalid_client":
            response.headers["WWW-Authenticate"] = 'Basic realm="engage"'
        return _no_store(response)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


TOKEN_REQUEST_BODY = {
    "required": True,
    "content": {
        FORM: {"schema": ClientCredentialsSchema},
        "application/json": {"schema": ClientCredentialsSchema},
    },
}


@blp.route("/token")
class ClientToken(MethodView):
    @blp.public
    @blp.doc(requestBody=TOKEN_REQUEST_BODY)
    @blp.response(200, ClientTokenSchema)
    @blp.alt_response(400, schema=OAuthErrorSchema, description="RFC 6749 §5.2 error")
    @blp.alt_response(401, schema=OAuthErrorSchema, description="invalid_client")
    def post(self):
        """Get a partner app's token with OAuth 2.0 client credentials (RFC 6749 §4.4)"""
        try:
            params = _parameters()
            client_id, secret = _client_credentials(params)
            if params.get("grant_type") is None:
                raise OAuthError("invalid_request", "grant_type is required.")
            if params["grant_type"] != "client_credentials":
                raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.")
            try:
                client = api_clients.exchange(db.session, client_id=client_id, client_secret=secret)
            except Unauthenticated as error:
                raise OAuthError("invalid_client", error.detail, 401) from None
            scopes = _narrowed(client.scopes, params.get("scope"))
        except OAuthError as error:
            return error.response()
        return _no_store(jsonify(issue_client_token(client, scopes=scopes)))


ClientToken.post.accepted_media_types = {FORM, "application/json"}  # others: 415
ClientToken.post.reports_unreadable_body = True  # as invalid_request, not problem+json


def _parameters() -> dict[str, str]:
    """The request's parameters, from a form body or a JSON object of strings."""
    if request.mimetype == FORM:
        form = request.form
        repeated = [key for key in form if len(form.getlist(key)) > 1]
        if repeated:
            raise OAuthError("invalid_request", f"Parameters sent twice: {', '.join(repeated)}.")
        return form.to_dict()
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if isinstance(body, dict) and all(isinstance(v, str) for v in body.values()):
            return body
        raise OAuthError("invalid_request", "The body must be a JSON object of strings.")
    raise OAuthError("invalid_request", f"Send the parameters as {FORM}.")  # no body at all


def _client_credentials(params: dict[str, str]) -> tuple[str, str]:
    """HTTP Basic (RFC 6749 §2.3.1: form-encoded id and secret) or the body; not both."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":  # (a person's bearer token here authenticates no client)
        if not params.get("client_id") or not params.get("client_secret"):
            raise OAuthError("invalid_client", "Client authentication is required.", 401)
        return params["client_id"], params["client_secret"]
    if params.get("client_secret") is not None:
        raise OAuthError("invalid_request", "Authenticate the client one way, not two.")
    try:
        client_id, colon, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        if not colon:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401) from None
    client_id = unquote_plus(client_id)
    if params.get("client_id") not in (None, client_id):
        raise OAuthError("invalid_request", "client_id differs from the authenticated client.")
    return client_id, unquote_plus(secret)


def _narrowed(granted: list[str], requested: str | None) -> list[str]:
    if requested is None:
        return sorted(granted)
    wanted = set(requested.split())
    if not wanted or not wanted <= set(granted):
        extra = ", ".join(sorted(wanted - set(granted))) or "(none)"
        raise OAuthError("invalid_scope", f"Not granted to this client: {extra}.")
    return sorted(wanted)


class PartnerAppSchema(Schema):
    client_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    organisation_id = ma.fields.UUID(required=True)
    organisation_kind = ma.fields.String(required=True)
    organisation_name = ma.fields.String(required=True)
    granted_scopes = ma.fields.List(ma.fields.String(), required=True)
    token_scopes = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "This token's (narrowed)."}
    )


@blp.route("/client")
class WhoAmI(MethodView):
    @blp.login_required(partners=True)
    @blp.response(200, PartnerAppSchema)
    def get(self):
        """Who am I? A partner app's client id, organisation and scopes"""
        return api_clients.whoami(db.session, current_caller())
