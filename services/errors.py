"""Domain errors. `api/errors.py` maps each to an HTTP problem; nothing here knows HTTP."""


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    `code` names the problem type in the HTTP answer; subclasses narrow it
    (for example a full slot is a `Conflict` with code `slot-full`).
    """

    code = "error"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does."""

    code = "not-found"


class Forbidden(DomainError):
    """The caller may see the object but may not do this to it."""

    code = "forbidden"


class Conflict(DomainError):
    """The object's current state does not allow the change."""

    code = "conflict"


class InvalidInput(DomainError):
    """The input is well-formed but not acceptable; `errors` says which field and why."""

    code = "invalid-input"


class Unavailable(DomainError):
    """A dependency (such as the database) cannot be reached."""

    code = "unavailable"


class Unauthenticated(DomainError):
    """The caller's credentials are missing, wrong or no longer valid."""

    code = "unauthenticated"
