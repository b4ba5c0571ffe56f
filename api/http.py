"""Per-request plumbing: request ids, media-type checks and security headers."""

import json
import logging
import re
import secrets
import threading
import time

from flask import Flask, Response, current_app, g, has_request_context, request
from limits.storage import MemoryStorage
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from api.extensions import db
from api.security import bearer_claims
from services import audit
from services.errors import InvalidInput

JSON_MEDIA_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Server-rendered pages (the careers programme, the governors' report): their own styles
# and data: images (charts), still no script.
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
BODY_METHODS = {"POST", "PUT", "PATCH"}
NUL = "\x00"
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_JSON_DEPTH = 32


def accepts(*media_types: str):
    """Let a view take bodies other than JSON (such as text/csv uploads)."""

    def decorator(view):
        view.accepted_media_types = set(media_types)
        return view

    return decorator


def register_request_hooks(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.before_request(open_audit_context)
    app.before_request(check_media_type)
    app.before_request(check_json_body)
    app.after_request(add_standard_headers)


def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SAFE_REQUEST_ID.match(incoming) else secrets.token_hex(16)


def open_audit_context() -> None:
    """Every ORM write in this request is audited; `authenticate` adds the actor."""
    audit.set_context(db.session, audit.AuditContext(request_id=g.request_id))


def check_media_type() -> None:
    if request.method not in BODY_METHODS or not has_body() or _anonymous_on_protected_route():
        return
    accepted = _accepted_media_types()
    if accepted is None:
        return
    mimetype = request.mimetype
    if mimetype in accepted or ("application/json" in accepted and JSON_MEDIA_TYPE.match(mimetype)):
        return
    raise UnsupportedMediaType(
        f"Send the body as {' or '.join(sorted(accepted))} (got '{mimetype or 'none'}')."
    )


def check_json_body() -> None:
    """Decode a JSON body once, strictly, before any view reads it: what cannot be decoded
    (malformed, nested deeper than MAX_JSON_DEPTH, an integer past Python's digit limit) is
    a 400; text that cannot be stored (NUL, a lone UTF-16 surrogate) is a 422 naming each
    field. Query parameters are held to the same text rule."""
    if not request.query_string and request.method not in BODY_METHODS:
        return  # nothing to read: most requests, so the cheapest test goes first
    if _anonymous_on_protected_route():
        return
    errors = {
        name: [problem]
        for name, value in request.args.items(multi=True)
        if (problem := _unstorable(name + value))
    }
    if request.method in BODY_METHODS and request.is_json and has_body():
        try:
            errors |= _unstorable_fields(_decoded_json())
        except BadRequest:
            # A view that answers in another standard's error shape (OAuth's token
            # endpoint, RFC 6749 §5.2) reports a body it cannot read itself.
            if not getattr(_handler(), "reports_unreadable_body", False):
                raise
    if errors:
        raise InvalidInput("Text may not contain NUL characters or lone surrogates.", errors=errors)


def _decoded_json():
    try:
        return json.loads(request.get_data())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("Invalid JSON body.") from None
    except RecursionError:
        raise BadRequest(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.") from None
    except ValueError:  # Python reads integers of at most 4,300 digits
        raise BadRequest("JSON numbers may have at most 4,300 digits.") from None


def _unstorable(text: str) -> str | None:
    """Why PostgreSQL could not store this text (or the JSON encoder write it), if so."""
    if NUL in text:
        return "May not contain the NUL character (U+0000)."
    if SURROGATE.search(text):
        return "May not contain a lone UTF-16 surrogate (U+D800 to U+DFFF)."
    return None


def _unstorable_fields(document) -> dict[str, list[str]]:
    """Paths of the text that cannot be stored; walked without recursion, so any depth is
    safe, and a document nested deeper than MAX_JSON_DEPTH is refused."""
    found = {}
    pending = [(document, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.")
        if isinstance(value, str):
            if problem := _unstorable(value):
                found[path or "_schema"] = [problem]
            continue
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        for key, item in items:
            name = f"{path}.{key}" if path else str(key)
            if problem := _unstorable(str(key)):
                found[name] = [problem]
            else:
                pending.append((item, name, depth + 1))
    return dict(sorted(found.items()))


def add_standard_headers(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Content-Security-Policy", API_CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    if "Authorization" in request.headers:  # the header as sent, not parsed
        response.headers["Cache-Control"] = "no-store"
    return response


def has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


def _handler():
    """The matched view function (a MethodView's method); None when there is no view."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, request.method.lower(), view) if view_class else view


def _accepted_media_types() -> set[str] | None:
    """The media types the matched view reads; None when there is no view (404/405 follow)."""
    handler = _handler()
    if handler is None:
        return None
    return getattr(handler, "accepted_media_types", {"application/json"})


def _anonymous_on_protected_route() -> bool:
    """An anonymous call to a protected route gets 401 before its body is looked at."""
    policy = getattr(_handler(), "access_policy", None)
    return policy is not None and not policy.public and request.authorization is None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])


def rate_limit_key() -> str:
    """Budget per signed-in caller (by verified token subject), else per remote address."""
    if request.headers.get("Authorization"):
        try:
            claims = bearer_claims()  # verified once; `authenticate` reuses it
            return f"{claims.get('kind', 'user')}:{claims['sub']}"
        except Exception:  # an invalid token is refused by the route; budget it by address
            pass
    return f"address:{request.remote_addr}"


class SweptMemoryStorage(MemoryStorage):
    """`memory://` rate-limit counters (one process) that forget expired windows in the
    request's own thread, at most once a second. The library's storage starts a timer
    thread on nearly every request instead (about a third of an authenticated no-op's
    CPU); counters already expire lazily as they are read. Registered for `memory://`."""

    STORAGE_SCHEME = ["memory"]
    SWEEP_EVERY = 1.0  # seconds

    def __init__(self, *args, **kwargs):
        self.next_sweep = 0.0
        self.sweeping = threading.Lock()
        super().__init__(*args, **kwargs)

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the thread per request
        now = time.monotonic()
        if now >= self.next_sweep and self.sweeping.acquire(blocking=False):
            try:
                self.next_sweep = now + self.SWEEP_EVERY
                self._MemoryStorage__expire_events()
            finally:
                self.sweeping.release()
