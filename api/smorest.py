"""The one seam where flask-smorest is customised: Api, Blueprint and Schema subclasses.

The Blueprint also names the usual operations (`lists`, `reads`, `reports`, `creates`,
`updates`, `deletes`, `acts`, `imports`), each flask-smorest's own decorators in the one
order, auth outermost. Error responses are documented as RFC 9457 problems, lists get an
RFC 8288 `Link` header beside `X-Pagination`, and schemas refuse unknown fields (so a
server-owned field sent in a body is a 422, never silently applied).
"""

import http
import json
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC
from functools import cache, wraps
from urllib.parse import urlencode

import flask_smorest
import marshmallow as ma
from apispec.ext.marshmallow.field_converter import make_type_list
from flask import request
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from api import dumping, idempotency, problems
from api.extensions import db
from api.http import accepts, has_body
from api.security import AccessPolicy, authenticate, current_caller
from services.callers import SCOPES
from services.errors import InvalidInput

PROBLEM_JSON = "application/problem+json"

PAGINATION_HEADER = {
    "description": (
        "Pagination metadata as JSON: total, total_exact, total_pages, first_page, last_page, "
        "page, previous_page, next_page. Totals are counted exactly up to 10,000 items; "
        "beyond that `total_exact` is false, `total` is a lower bound (enough to show "
        "whether there is a next page) and `total_pages` and `last_page` are left out."
    ),
    "schema": {"type": "string", "contentMediaType": "application/json"},
}
LOCATION_HEADER = {
    "description": "The URL of what was created (for a batch, the list that holds it).",
    "schema": {"type": "string", "format": "uri-reference"},
}
LINK_HEADER = {
    "description": "RFC 8288 links to the first, previous, next and last pages.",
    "schema": {"type": "string"},
}


class Schema(ma.Schema):
    """Refuses unknown fields; dumps through `api.dumping`'s plan (marshmallow's output).

    A schema that overrides `get_attribute` names in `own_attributes` the attributes it
    reads its own way (the others go by marshmallow's rules); without it, all of them."""

    own_attributes: frozenset[str] | None = None

    class Meta:
        unknown = ma.RAISE

    def _serialize(self, obj, *, many: bool = False):
        steps = self.__dict__.get("_dump_plan")
        if steps is None:
            steps = self._dump_plan = dumping.plan(self)
        if many and obj is not None:
            return [dumping.dump_fields(self, steps, item) for item in obj]
        return dumping.dump_fields(self, steps, obj)


class RefSchema(Schema):
    """What an answer shows of a related resource: its id and name (subclasses add more)."""

    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)


HH_MM = "^([01][0-9]|2[0-3]):[0-5][0-9]$"


class WallClockTime(ma.fields.Time):
    """A Europe/London wall-clock time as HH:MM, its pattern in the spec as in the server."""

    def __init__(self, **kwargs):
        metadata = {"pattern": HH_MM, "example": "09:30", **kwargs.pop("metadata", {})}
        super().__init__(format="%H:%M", metadata=metadata, **kwargs)


class Timestamp(ma.fields.AwareDateTime):
    """ISO 8601 in UTC with a `Z`, as the API conventions ask."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Timestamped(Schema):
    """A resource's `created_at` and `updated_at` (mixed into the schemas that show both)."""

    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


def paged(pagination_parameters, page):
    """Hand a service's Page to flask-smorest's in-view pagination."""
    pagination_parameters.item_count = page.total
    pagination_parameters.total_exact = page.exact
    pagination_parameters.next_after = page.after
    return page.items


class ProblemSchema(Schema):
    """An RFC 9457 problem detail."""

    type = ma.fields.String(
        required=True,
        metadata={"description": problems.documentation(), "pattern": problems.TYPE_PATTERN},
    )
    title = ma.fields.String(
        required=True, metadata={"description": "The problem type's title, as listed at `type`."}
    )
    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status code."})
    detail = ma.fields.String(metadata={"description": "What went wrong on this occasion."})
    request_id = ma.fields.String(metadata={"description": "Quote this when asking for support."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={"description": "Field name → list of messages, for invalid input."},
    )


BEARER_AUTH = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": (
        "A person's access token from `POST /api/v1/auth/login`, or a partner app's token "
        "from `POST /api/v1/auth/token`. Partner apps need the scope an operation lists in "
        "its security requirement; operations listing none are for people only. Scopes: "
        + "; ".join(f"`{scope}`: {text}" for scope, text in SCOPES.items())
    ),
}


# Text the server refuses (api/http.py): no NUL anywhere in a string or a query parameter.
NO_NUL = "^[^\\u0000]*$"
KEY_KEYWORDS = ("enum", "pattern", "format", "minLength", "maxLength")


def exclusive_ranges(self, field, ret=None, **kwargs) -> dict:
    """A Range that excludes its bound is an exclusive minimum (maximum) in the spec too."""
    changed: dict = {}
    if not {"number", "integer"} & set(make_type_list(ret.get("type"))):
        return changed
    for validator in field.validators:
        if isinstance(validator, ma.validate.Range):
            for bound, inclusive, name in (
                (validator.min, validator.min_inclusive, "Minimum"),
                (validator.max, validator.max_inclusive, "Maximum"),
            ):
                if bound is not None and not inclusive:
                    ret.pop(name.lower(), None)
                    changed[f"exclusive{name}"] = bound
    return changed


ISO_TIME = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?$"


def formats(self, field, ret=None, **kwargs) -> dict:
    """Times and URIs say their form as the server reads and writes them."""
    if isinstance(field, ma.fields.Time) and "pattern" not in ret:
        return {"pattern": HH_MM if field.format == "%H:%M" else ISO_TIME}
    if any(isinstance(v, ma.validate.URL) for v in field.validators):
        return {"format": "uri"}
    return {}


def text_without_nul(self, field, ret=None, **kwargs) -> dict:
    """Free text says it may not hold NUL, as the server refuses it."""
    if "string" in make_type_list(ret.get("type")) and not {"pattern", "enum", "format"} & set(ret):
        return {"pattern": NO_NUL}
    return {}


def map_keys(self, field, ret=None, **kwargs) -> dict:
    """A map's keys are held to its key field's rule (`propertyNames`)."""
    if not isinstance(field, ma.fields.Dict) or field.key_field is None:
        return {}
    keys = self.field2property(field.key_field)
    rule = {name: keys[name] for name in KEY_KEYWORDS if name in keys and keys[name] != NO_NUL}
    if "enum" in rule:
        rule["enum"] = [str(value) for value in rule["enum"]]
    return {"propertyNames": {"type": "string", **rule}} if rule else {}


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self.spec.components.security_scheme("bearerAuth", BEARER_AUTH)
        for rule in (exclusive_ranges, formats, text_without_nul, map_keys):
            self.ma_plugin.converter.add_attribute_function(rule)

    def _register_responses(self):
        """Document every error response as application/problem+json."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
        self.spec.components.header("LINK", LINK_HEADER, lazy=True)
        self.spec.components.header("LOCATION", LOCATION_HEADER, lazy=True)

    def _register_pagination_header(self):
        """The header carries JSON text, so document it as a string (not as an object)."""
        self.spec.components.header("PAGINATION", PAGINATION_HEADER, lazy=True)


class SchemaOnceParser(FlaskParser):
    """webargs' Flask parser, with one instance of each schema class rather than one per
    request (making it was a tenth of a request's argument parsing)."""

    def _get_schema(self, argmap, req) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return _instance_of(argmap)
        return super()._get_schema(argmap, req)


@cache
def _instance_of(schema_class: type[ma.Schema]) -> ma.Schema:
    return schema_class()


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = PAGINATION_ARGUMENTS_PARSER = SchemaOnceParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_idempotency_doc)

    def arguments(self, schema, *, location: str = "json", required: bool = True, **kwargs):
        """As flask-smorest's, and a required JSON body is enforced as the spec says: a call
        without one is a 422 (send `{}` to take every default), not a silent default."""
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return parse

        def decorator(view):
            parsing = parse(view)

            @wraps(parsing)
            def wrapper(*args, **kwargs):
                if not has_body():
                    raise InvalidInput(
                        "This request needs a JSON body (send {} to take every default).",
                        errors={"_body": ["A JSON body is required."]},
                    )
                return parsing(*args, **kwargs)

            return wrapper

        return decorator

    def login_required(
        self,
        scope: str | None = None,
        *,
        fresh: bool = False,
        refresh: bool = False,
        partners: bool = False,
    ):
        """Require a bearer token; `scope` is what a partner app needs (None: people only;
        `partners=True`: any partner app's token, whatever its scopes).

        Put it outermost, so an anonymous call gets 401 before its input is validated.
        """
        if scope is not None and scope not in SCOPES:
            raise ValueError(f"undeclared scope {scope!r}")
        policy = AccessPolicy(scope=scope, fresh=fresh, refresh=refresh, partners=partners)

        def decorator(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                authenticate(policy)
                return view(*args, **kwargs)

            wrapper.access_policy = policy
            wrapper = self.doc(security=[{"bearerAuth": [scope] if scope else []}])(wrapper)
            wrapper = self.alt_response(401, response="UNAUTHORIZED")(wrapper)
            return self.alt_response(403, response="FORBIDDEN")(wrapper)

        return decorator

    def public(self, view):
        """Declare a route open to anonymous callers (the authorization matrix checks it)."""
        view.access_policy = AccessPolicy(public=True)
        return self.doc(security=[])(view)

    def created(self, schema, location: Callable[..., str]):
        """A create: 201 with `schema`, the `Location` of what was made and its `ETag`.

        `location(result, **view_kwargs)` builds the URL with `url_for`. The ETag is the
        answer's; a view answering with more than a read shows (a secret, once) calls
        `set_etag(obj, ReadSchema)` so that it is the one a read of `Location` carries.
        """

        def decorator(view):
            @wraps(view)
            def located(*args, **kwargs):
                result = view(*args, **kwargs)
                return result, {"Location": location(result, **kwargs)}

            wrapper = self.response(201, schema, headers={"Location": "LOCATION"})(located)
            return self.etag(wrapper)

        return decorator

    # The usual operations, each flask-smorest's decorators in the one order (auth
    # outermost, so an anonymous call gets 401 first); `access` goes to `login_required`.

    def lists(self, schema, *, scope: str | None = None, query=None, **access):
        """A paginated list of `schema` items, filtered by the `query` arguments."""

        def decorator(view):
            wrapper = self.response(200, schema(many=True))(self.paginate()(view))
            if query is not None:
                wrapper = self.arguments(query, location="query")(wrapper)
            return self.login_required(scope, **access)(wrapper)

        return decorator

    def reads(self, schema, *, scope: str | None = None, **access):
        """A read of one `schema`, with its `ETag`."""

        def decorator(view):
            wrapper = self.etag(self.response(200, schema)(view))
            return self.login_required(scope, **access)(wrapper)

        return decorator

    def reports(self, schema, *, query, scope: str = "reports:read", csv: dict | None = None):
        """A report of `schema` for the `query` arguments; `csv` is its `csv_doc` when it
        also answers CSV (see `api.downloads`)."""

        def decorator(view):
            wrapper = self.response(200, schema)(view if csv is None else self.doc(**csv)(view))
            wrapper = self.arguments(query, location="query")(wrapper)
            return self.login_required(scope)(wrapper)

        return decorator

    def creates(
        self,
        schema,
        location: Callable[..., str],
        *,
        body=None,
        scope: str | None = None,
        **access,
    ):
        """An idempotent create, from a `body` if it takes one: 201 with `schema` (see
        `created`)."""

        def decorator(view):
            return self._unsafe(self.created(schema, location)(view), body, scope, access)

        return decorator

    def acts(self, schema, *, body=None, status: int = 200, scope: str | None = None, **access):
        """An idempotent action (`POST …/verb`: a transition, a roll-over), from a `body` if
        it takes one: `status` with `schema`."""

        def decorator(view):
            return self._unsafe(self.response(status, schema)(view), body, scope, access)

        return decorator

    def _unsafe(self, answered, body, scope: str | None, access: dict):
        """The outer layers of an unsafe operation whose answer `answered` declares: its
        `body` (if it takes one), under `idempotent`, under `login_required`."""
        if body is not None:
            answered = self.arguments(body)(answered)
        return self.login_required(scope, **access)(self.idempotent(answered))

    def updates(self, schema, *, body, current: Callable, scope: str | None = None, **access):
        """An idempotent change from a `body` under `If-Match` (see `_if_match`): 200 with
        `schema`."""

        def decorator(view):
            wrapper = self.response(200, schema)(self._if_match(schema, current)(view))
            wrapper = self.etag(self.arguments(body)(wrapper))
            return self.login_required(scope, **access)(self.idempotent(wrapper))

        return decorator

    def deletes(self, schema, *, current: Callable, scope: str | None = None, **access):
        """An idempotent delete under `If-Match` (see `_if_match`): 204."""

        def decorator(view):
            wrapper = self.etag(self.response(204)(self._if_match(schema, current)(view)))
            return self.login_required(scope, **access)(self.idempotent(wrapper))

        return decorator

    def imports(
        self,
        schema,
        *,
        csv: dict,
        query=None,
        scope: str | None = None,
        idempotent: bool = True,
        **access,
    ):
        """A bulk import of a CSV file, `csv` its request body (`api.imports.csv_body`), whose
        media types are the ones the view accepts: 200 with `schema`. Idempotent unless
        `idempotent=False` (an admin's import that commits itself)."""

        def decorator(view):
            wrapper = self.response(200, schema)(self.doc(requestBody=csv)(view))
            if query is not None:
                wrapper = self.arguments(query, location="query")(wrapper)
            wrapper = accepts(*csv["content"])(wrapper)
            if idempotent:
                wrapper = self.idempotent(wrapper)
            return self.login_required(scope, **access)(wrapper)

        return decorator

    def _if_match(self, schema, current: Callable):
        """Check the `If-Match` ETag against `current(session, caller, **path_ids)`, as
        `schema` dumps it, before the view changes anything."""

        def decorator(view):
            @wraps(view)
            def checked(*args, **kwargs):
                self.check_etag(current(db.session, current_caller(), **kwargs), schema)
                return view(*args, **kwargs)

            return checked

        return decorator

    def idempotent(self, view):
        """Accept an `Idempotency-Key`: a retry replays the first response (see
        `api.idempotency`). Put it right under `login_required`; the view flushes and this
        commits. Every unsafe operation a partner app may call takes it."""
        wrapper = idempotency.replayable(view)
        wrapper._apidoc = {**deepcopy(getattr(wrapper, "_apidoc", {})), "idempotent": True}
        wrapper = self.alt_response(409, response="CONFLICT")(wrapper)
        return self.alt_response(422, response="UNPROCESSABLE_ENTITY")(wrapper)

    @staticmethod
    def _prepare_idempotency_doc(doc, doc_info, **kwargs):
        """Appended beside the parameters flask-smorest adds (`If-Match` among them): a
        manual `doc(parameters=...)` would replace that list instead."""
        if doc_info.get("idempotent"):
            doc.setdefault("parameters", []).append(idempotency.PARAMETER)
        return doc

    def _set_pagination_metadata(self, page_params, result, headers):
        metadata = _page_metadata(page_params)
        headers = {} if headers is None else headers
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(metadata)
        links = _page_links(
            metadata, page_params.page_size, getattr(page_params, "next_after", None)
        )
        if links:
            headers["Link"] = links
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        super()._document_pagination_metadata(spec, resp_doc)
        resp_doc["headers"]["Link"] = "LINK"


def _page_metadata(page_params) -> dict:
    """flask-smorest's pagination header, in its order, built in one pass (its own goes
    through a marshmallow dump), plus `total_exact`: without the last page when the total
    is a lower bound, and without page numbers on a keyset page (its number is unknown)."""
    page, total = page_params.page, page_params.item_count
    pages = (total - 1) // page_params.page_size + 1 if total else 0
    exact = getattr(page_params, "total_exact", True)
    metadata = {"total": total, "total_pages": pages}
    if total:
        metadata |= {"first_page": 1, "last_page": pages}
        if page <= pages:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < pages:
                metadata["next_page"] = page + 1
    metadata["total_exact"] = exact
    unknown = () if exact else ("total_pages", "last_page")
    if "after" in request.args:
        unknown = ("page", "previous_page", "next_page", "last_page", "total_pages")
    for key in unknown:
        metadata.pop(key, None)
    return metadata


def _page_links(metadata: dict, page_size: int, next_after: str | None) -> str:
    """RFC 8288 links to the other pages; a keyset list's `next` carries its cursor."""
    relations = {
        "first": {"page": metadata.get("first_page")},
        "prev": {"page": metadata.get("previous_page")},
        "next": {"page": metadata.get("next_page")},
        "last": {"page": metadata.get("last_page")},
    }
    if next_after is not None:
        relations["next"] = {"after": next_after}
    args = {k: v for k, v in request.args.to_dict().items() if k not in ("page", "after")}
    links = []
    for rel, position in relations.items():
        if None not in position.values():
            query = urlencode({**args, **position, "page_size": page_size})
            links.append(f'<{request.base_url}?{query}>; rel="{rel}"')
    return ", ".join(links)
