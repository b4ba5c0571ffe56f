"""How a view calls the domain: a service runs for the caller over the request's session.

Views stay a few lines each: they declare the route, its scope and schemas, and hand the
work to one service call. A change is committed here (for an idempotent operation, by its
seam), so every write is one transaction (a domain error raised before the commit rolls
the session back in `api.errors`).
"""

from collections.abc import Callable
from typing import Any

from api import idempotency
from api.extensions import db
from api.security import current_caller
from api.smorest import paged


def commit(change: Callable[..., Any], *args, **kwargs) -> Any:
    """Run one service change for the caller, commit it and return what it returned.
    Under `Blueprint.idempotent` the seam commits instead, with the stored answer."""
    result = change(db.session, current_caller(), *args, **kwargs)
    if idempotency.commits_for_the_view():
        db.session.flush()
    else:
        db.session.commit()
    return result


def list_page(list_: Callable[..., Any], pagination_parameters, *args, **filters) -> list:
    """One page of a service's list for the caller, with flask-smorest's pagination set."""
    page = list_(
        db.session,
        current_caller(),
        *args,
        page=pagination_parameters.page,
        page_size=pagination_parameters.page_size,
        **filters,
    )
    return paged(pagination_parameters, page)
