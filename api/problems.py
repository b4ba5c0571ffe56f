"""Every problem type Engage answers with (RFC 9457), in one table: its title and meaning.

A problem's `type` is `/problems/<code>`. Domain errors name their code (`services/errors.py`
and its subclasses), HTTP-level errors get theirs from their status; the OpenAPI document
lists this table, and tests/api/test_errors.py fails for a code that is not in it.
"""

PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "malformed-request": (
        "Malformed request",
        "The request cannot be read: a body that is not valid JSON or CSV, or a bad header.",
    ),
    "unauthenticated": (
        "Unauthenticated",
        "No access token, or one that is expired, revoked or not valid; or wrong credentials.",
    ),
    "forbidden": ("Forbidden", "You may see this object but may not do this to it."),
    "insufficient-scope": (
        "Insufficient scope",
        "The partner app's token lacks the scope this operation names.",
    ),
    "not-found": ("Not found", "No such route or object, or another organisation's object."),
    "method-not-allowed": (
        "Method not allowed",
        "The route does not take this method; `Allow` lists those it takes.",
    ),
    "not-acceptable": ("Not acceptable", "None of the media types in `Accept` can be served."),
    "conflict": (
        "Conflict",
        "The object's current state does not allow the change, or it clashes with another.",
    ),
    "invalid-transition": (
        "Invalid transition",
        "The status does not allow this transition (such as confirming a cancelled booking).",
    ),
    "slot-full": ("Slot full", "Too few seats are left on the slot; join its waitlist."),
    "school-cap-reached": (
        "School cap reached",
        "The slot limits the seats one school may hold, and yours would pass it.",
    ),
    "seats-available": (
        "Seats available",
        "The slot has seats: book them rather than join its waitlist.",
    ),
    "parental-consent-required": (
        "Parental consent required",
        "A placement needs the school to record parents' consent before it is confirmed.",
    ),
    "offer-not-bookable": (
        "Offer not bookable",
        "The offer is not published, or its slot has already started.",
    ),
    "idempotency-key-in-progress": (
        "Idempotency key in progress",
        "A request with this `Idempotency-Key` is still running: wait and retry.",
    ),
    "idempotency-key-reused": (
        "Idempotency key reused",
        "This `Idempotency-Key` was used with a different request.",
    ),
    "precondition-failed": (
        "Precondition failed",
        "`If-Match` names an ETag that is no longer current: read the object again.",
    ),
    "precondition-required": (
        "Precondition required",
        "Send the ETag you read as `If-Match` to change this object.",
    ),
    "content-too-large": ("Content too large", "The body is larger than the server accepts."),
    "uri-too-long": ("URI too long", "The request's URL is longer than the server accepts."),
    "unsupported-media-type": (
        "Unsupported media type",
        "The body's `Content-Type` is not one this operation reads.",
    ),
    "invalid-input": (
        "Invalid input",
        "The input is well-formed but not acceptable; `errors` names each field and why.",
    ),
    "rate-limited": ("Rate limited", "Too many requests: wait as long as `Retry-After` says."),
    "request-header-fields-too-large": (
        "Request header fields too large",
        "A header, or the headers together, are larger than the server accepts.",
    ),
    "internal-error": (
        "Internal error",
        "Something went wrong on our side; quote `request_id` when asking for help.",
    ),
    "unavailable": ("Unavailable", "A dependency such as the database cannot be reached."),
}

# The problem type of an HTTP-level error (raised by Flask, webargs or a limiter), by status.
STATUS_CODES: dict[int, str] = {
    400: "malformed-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "content-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    422: "invalid-input",
    428: "precondition-required",
    429: "rate-limited",
    431: "request-header-fields-too-large",
    500: "internal-error",
    503: "unavailable",
}
PREFIX = "/problems/"
TYPE_PATTERN = r"^/problems/[a-z0-9]+(-[a-z0-9]+)*$"


def code_for_status(status: int) -> str:
    if status in STATUS_CODES:
        return STATUS_CODES[status]
    return "internal-error" if status >= 500 else "malformed-request"


def documented(code: str, status: int) -> str:
    """`code` if the table documents it, else the documented type of its status."""
    return code if code in PROBLEM_TYPES else code_for_status(status)


def documentation() -> str:
    """The table as Markdown, for the problem schema's `type` in the OpenAPI document."""
    rows = "\n".join(
        f"- `{PREFIX}{code}` ({title_}): {meaning}"
        for code, (title_, meaning) in PROBLEM_TYPES.items()
    )
    return f"The problem type: `/problems/` and a code from this list.\n{rows}"
