"""`Idempotency-Key` on unsafe operations: a retry replays the first response.

`@idempotent(blp)` goes right under `login_required`. It claims the key in a short
transaction of its own (a concurrent duplicate then gets 409), runs the view, stores the
response in the view's own transaction and commits it: the work and its stored answer
commit together, once. A request that fails releases its key so that it may be retried.
Views under it flush and let it commit.
"""

from functools import wraps

from flask import jsonify, request
from sqlalchemy.orm import Session

from api.extensions import db
from api.security import current_caller
from services import idempotency

HEADER = "Idempotency-Key"
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
        "A retry with the same key and body replays the first response (with "
        "`Idempotent-Replayed: true`) and changes nothing; the same key with a different body "
        "is a 422; a retry while the first request is still running is a 409. A request that "
        "failed may be retried with the same key."
    ),
}


def idempotent(blp):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                response = view(*args, **kwargs)
                db.session.commit()
                return response
            body = request.get_json(silent=True) if request.content_length else None
            fingerprint = idempotency.fingerprint(request.method, request.path, body)
            with Session(db.engine) as claims:
                claim = idempotency.claim(
                    claims, current_caller(), key=key, request_fingerprint=fingerprint
                )
                claims.commit()
            if claim.is_replay:
                replay = jsonify(claim.body)
                replay.status_code = claim.status_code
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            try:
                response = view(*args, **kwargs)
                idempotency.complete(
                    db.session,
                    claim.key_id,
                    status_code=response.status_code,
                    body=response.get_json(silent=True),
                )
                db.session.commit()
            except BaseException:
                db.session.rollback()
                with Session(db.engine) as claims:
                    idempotency.release(claims, claim.key_id)
                    claims.commit()
                raise
            return response

        wrapper = blp.doc(parameters=[PARAMETER])(wrapper)
        wrapper = blp.alt_response(409, response="CONFLICT")(wrapper)
        return blp.alt_response(422, response="UNPROCESSABLE_ENTITY")(wrapper)

    return decorator
