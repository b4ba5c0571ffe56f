"""`Idempotency-Key` on unsafe operations: a retry replays the first response.

`Blueprint.idempotent` (in `api.smorest`) wraps a view with `replayable`, right under
`login_required`. It claims the key on a connection of its own, in one statement that
commits at once (a concurrent duplicate then gets 409), runs the view, stores the
response (status, body, `Location` and `ETag`) in the view's own transaction and commits
it: the work and its stored answer commit together, once. A request that fails releases
its key so that it may be retried. Views under it flush and let it commit
(`api.views.commit` defers to it); one that commits itself is refused, since its work
could then commit without its stored answer.
"""

import hashlib
from contextlib import AbstractContextManager
from functools import wraps

from flask import Response, jsonify, request
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from api.extensions import db
from api.security import current_caller
from services import idempotency

HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Location", "ETag")
VIEW_RUNNING = "idempotent_view_running"
PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_KEY_LENGTH,
        "pattern": idempotency.KEY_PATTERN,
    },
    "description": (
        "A unique key per logical request (such as a UUID), kept 24 hours for this caller. "
        "A retry with the same key, query and body replays the first response (its status, "
        "body, `Location` and `ETag`, with `Idempotent-Replayed: true`) and changes nothing; "
        "the same key with a different request is a 422; a retry while the first request is "
        "still running is a 409. A request that failed may be retried with the same key."
    ),
}


class ViewCommitted(RuntimeError):
    """A view under `Blueprint.idempotent` committed before its answer was stored."""


@event.listens_for(Session, "before_commit")
def _refuse_commits_inside_the_view(session: Session) -> None:
    if session.info.get(VIEW_RUNNING):
        raise ViewCommitted("A view under blp.idempotent must flush and let the seam commit.")


def replayable(view):
    """Run `view` once per `Idempotency-Key`; commit its work with its stored answer."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            response = _run(view, args, kwargs)
            db.session.commit()
            return response
        with _autocommitting() as claims:
            claim = idempotency.claim(
                claims, current_caller(), key=key, request_fingerprint=_fingerprint()
            )
        if claim.is_replay:
            return _replay(claim)
        try:
            response = _run(view, args, kwargs)
            idempotency.complete(
                db.session,
                claim.key_id,
                status_code=response.status_code,
                body=response.get_json(silent=True),
                headers={h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers},
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            with _autocommitting() as claims:
                idempotency.release(claims, claim.key_id)
            raise
        return response

    wrapper.idempotent = True
    return wrapper


def _autocommitting() -> AbstractContextManager[Connection]:
    """A connection of its own whose work commits at once. On PostgreSQL it is in autocommit
    mode: a claim is one statement, and needs no BEGIN and COMMIT around it (two round
    trips). SQLite has no round trips to save, and there a pooled connection switched into
    autocommit and back made the next request on it dearer (GET /me by a tenth, after a
    booking), so it keeps a short transaction."""
    if db.engine.dialect.name == "postgresql":
        return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    return db.engine.begin()


def commits_for_the_view() -> bool:
    """True inside a view under the seam: the seam commits its work, not the view."""
    return bool(db.session.info.get(VIEW_RUNNING))


def _run(view, args, kwargs) -> Response:
    db.session.info[VIEW_RUNNING] = True
    try:
        return view(*args, **kwargs)
    finally:
        db.session.info.pop(VIEW_RUNNING, None)


def _fingerprint() -> str:
    """The request as a retry must repeat it: method, path, query and body (JSON compared
    by value, anything else byte for byte)."""
    body = request.get_json(silent=True) if request.is_json else None
    if body is None and request.content_length:
        body = hashlib.sha256(request.get_data()).hexdigest()
    query = sorted(request.args.items(multi=True))
    return idempotency.fingerprint(request.method, request.path, body, query=query)


def _replay(claim: idempotency.Claim) -> Response:
    replay = jsonify(claim.body) if claim.body is not None else Response()
    replay.status_code = claim.status_code
    replay.headers.update(claim.headers or {})
    replay.headers["Idempotent-Replayed"] = "true"
    return replay
