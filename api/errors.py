"""The only place where exceptions become HTTP: RFC 9457 problem+json for every error."""

import logging

from flask import Flask, g, jsonify
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from api.extensions import db
from api.smorest import PROBLEM_JSON
from services import errors as domain

log = logging.getLogger(__name__)

DOMAIN_STATUS = {
    domain.NotFound: 404,
    domain.Forbidden: 403,
    domain.Conflict: 409,
    domain.InvalidInput: 422,
    domain.Unavailable: 503,
}


def problem(
    status: int,
    *,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    errors: dict | None = None,
    headers: dict | None = None,
):
    body = {"type": type_, "title": title, "status": status}
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
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def handle_http_exception(error: HTTPException):
    # webargs/flask-smorest's abort() stores details in `error.data`.
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    headers.update(getattr(error, "problem_headers", {}))
    errors = data.get("errors") or _flatten_locations(data.get("messages"))
    detail = data.get("message") or error.description
    if errors:
        detail = _errors_summary(errors)
    return problem(
        error.code or 500,
        title=error.name,
        detail=detail,
        type_=getattr(error, "problem_type", "about:blank"),
        errors=errors,
        headers=headers,
    )


def handle_domain_error(error: domain.DomainError):
    status = next(s for cls, s in DOMAIN_STATUS.items() if isinstance(error, cls))
    return problem(
        status,
        title=_title(type(error).__name__),
        detail=error.detail,
        type_=f"/problems/{error.code}",
        errors=error.errors,
    )


def handle_integrity_error(error: IntegrityError):
    db.session.rollback()
    log.info("integrity error: %s", error.orig)
    return problem(
        409,
        title="Conflict",
        detail="The change conflicts with data that already exists.",
        type_="/problems/conflict",
    )


def handle_unexpected_error(error: Exception):
    log.exception("unhandled error (request id %s)", g.get("request_id"))
    db.session.rollback()
    # `InternalServerError.name` is a property: read on the class it is not a string.
    return problem(
        500, title=InternalServerError().name, detail="Something went wrong on our side."
    )


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


def _title(class_name: str) -> str:
    words = "".join(f" {c}" if c.isupper() else c for c in class_name).strip()
    return words[0] + words[1:].lower()
