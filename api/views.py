"""How a view calls the domain: a service runs for the caller over the request's session.

Views stay a few lines each: they declare the route, its scope and schemas, and hand the
work to one service call. A change is committed here (for an idempotent operation, by its
seam), so every write is one transaction (a domain error raised before the commit rolls
the session back in `api.errors`). A resource's state transitions (`POST /things/{id}/verb`)
are declared as a table of `Transition`s with `transitions`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask.views import MethodView

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
    return paged(pagination_parameters, for_page(list_, pagination_parameters, *args, **filters))


def for_page(service: Callable[..., Any], pagination_parameters, *args, **kwargs) -> Any:
    """What a paginating service answers for the caller and the page asked for (a ranking
    answers more than a `Page`: its view sets the pagination from what it answers)."""
    return service(
        db.session,
        current_caller(),
        *args,
        page=pagination_parameters.page,
        page_size=pagination_parameters.page_size,
        **kwargs,
    )


@dataclass(frozen=True)
class Transition:
    """One `POST /things/{id}/<verb>`: a service change of the thing, answered with it.

    `change(session, caller, *path_ids, **body)` runs through `commit`; `body` is the schema
    of the JSON body, if the transition takes one. `summary` is the operation's summary.
    """

    verb: str
    change: Callable[..., Any]
    summary: str
    body: type | None = None


def transitions(blp, rule: str, name: str, schema, *, scope: str, table: list[Transition]):
    """Register each transition of `table` as `POST {rule}/{verb}`, in order: for callers
    with `scope`, taking an `Idempotency-Key`, answering 200 with `schema`. Each view is
    the MethodView `{name}{Verb}` (so `BookingConfirm` for `/bookings/<id>/confirm`)."""
    for transition in table:
        view = _transition_view(blp, schema, scope, transition)
        view_name = name + transition.verb.title().replace("-", "")
        blp.route(f"{rule}/{transition.verb}")(type(view_name, (MethodView,), {"post": view}))


def _transition_view(blp, schema, scope: str, transition: Transition):
    if transition.body is None:

        def post(self, **ids):
            return commit(transition.change, *ids.values())

    else:

        def post(self, body, **ids):
            return commit(transition.change, *ids.values(), **body)

    post.__doc__ = transition.summary
    return blp.acts(schema, body=transition.body, scope=scope)(post)
