"""The only place where exceptions become HTTP: RFC 9457 problem+json for every error."""

import logging

from flask import Flask, g, jsonify
from flask_jwt_extended.exceptions import (
    FreshTokenRequired,
    JWTExtendedException,
    NoAuthorizationError,
    RevokedTokenError,
    UserLookupError,
    WrongTokenError,
)
from jwt.exceptions import ExpiredSignatureError, PyJWTError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from api import problems
from api.smorest import PROBLEM_JSON
from services import errors as domain

log = logging.getLogger(__name__)

BEARER_CHALLENGE = 'Bearer realm="engage"'
TOKEN_ERRORS = (JWTExtendedException, PyJWTError)
TOKEN_ERROR_DETAILS = {
    ExpiredSignatureError: "The token has expired; refresh it or log in again.",
    RevokedTokenError: "The token has been revoked; log in again.",
    WrongTokenError: "Wrong kind of token: use an access token (refresh tokens only refresh).",
    FreshTokenRequired: "This needs a fresh login: log in again with your password.",
    UserLookupError: "The token's user or client is no longer active.",
}
DOMAIN_STATUS = {
    domain.Unauthenticated: 401,
    domain.NotFound: 404,
    domain.Forbidden: 403,
    domain.Conflict: 409,
    domain.InvalidInput: 422,
    domain.Unavailable: 503,
}


def problem(
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
):
    """A problem+json response; `code` names its type in api/problems.py (default: by status)."""
    code = problems.documented(code or "", status)
    body = {
        "type": problems.PREFIX + code,
        "title": problems.PROBLEM_TYPES[code][0],
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body["request_id"] = g.get("request_id", "")
    response = jsonify(body)
    response.status_code = status
    response.content_type = PROBLEM_JSON
    response.headers.extend(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    # flask-jwt-extended registers its own handlers (answering 422 for some); replace them all.
    for exception_class in list(app.error_handler_spec[None][None]):
        if issubclass(exception_class, TOKEN_ERRORS):
            app.register_error_handler(exception_class, handle_token_error)
    for exception_class in TOKEN_ERRORS:
        app.register_error_handler(exception_class, handle_token_error)
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def handle_http_exception(error: HTTPException):
    if error.code is not None and error.code < 400:  # 304 Not Modified is not an error
        return error.get_response()
    # webargs/flask-smorest's abort() stores details in `error.data`.
    data = getattr(error, "data", None) or {}
    # Keep what the exception says about itself (Allow, Retry-After, WWW-Authenticate).
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or _flatten_locations(data.get("messages"))
    detail = data.get("message") or error.description
    if errors:
        detail = _errors_summary(errors)
    return problem(
        error.code or 500,
        code=getattr(error, "problem_code", None),
        detail=detail,
        errors=errors,
        headers=headers,
    )


def handle_domain_error(error: domain.DomainError):
    status = next(s for cls, s in DOMAIN_STATUS.items() if isinstance(error, cls))
    headers = {"WWW-Authenticate": BEARER_CHALLENGE} if status == 401 else None
    return problem(
        status,
        code=error.code,
        detail=error.detail,
        errors=error.errors,
        headers=headers,
    )


def handle_token_error(error: Exception):
    """Every token failure is a 401 with a Bearer challenge (RFC 6750)."""
    if isinstance(error, NoAuthorizationError):
        challenge, detail = BEARER_CHALLENGE, "Send an access token: Authorization: Bearer <token>."
    else:
        challenge = f'{BEARER_CHALLENGE}, error="invalid_token"'
        detail = TOKEN_ERROR_DETAILS.get(type(error), "The access token is not valid.")
    return problem(
        401,
        code="unauthenticated",
        detail=detail,
        headers={"WWW-Authenticate": challenge},
    )


def handle_integrity_error(error: IntegrityError):
    log.info("integrity error: %s", error.orig)
    return problem(
        409, code="conflict", detail="The change conflicts with data that already exists."
    )


def handle_unexpected_error(error: Exception):
    log.exception("unhandled error (request id %s)", g.get("request_id"))
    return problem(500, code="internal-error", detail="Something went wrong on our side.")


def _flatten_locations(messages: dict | None) -> dict | None:
    """webargs groups messages by location ({"json": {...}}); callers want them by field."""
    if not messages:
        return None
    flat: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            flat.update(location_messages)
        else:
            flat.setdefault("_schema", []).extend(location_messages)
    return flat


def _errors_summary(errors: dict) -> str:
    # A whole-body message such as "Invalid JSON body." says more than a pointer to `errors`.
    if set(errors) == {"_schema"}:
        return " ".join(str(message) for message in errors["_schema"])
    return "The request has invalid fields; see `errors`."
