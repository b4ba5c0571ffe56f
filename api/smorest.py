"""The one seam where flask-smorest is customised: Api, Blueprint and Schema subclasses.

Error responses are documented as RFC 9457 problems, lists get an RFC 8288 `Link`
header beside `X-Pagination`, and schemas refuse unknown fields (so a server-owned
field sent in a body is a 422, never silently applied).
"""

import http
import json
from urllib.parse import urlencode

import flask_smorest
import marshmallow as ma
from flask import request
from flask_smorest.utils import prepare_response

PROBLEM_JSON = "application/problem+json"

LINK_HEADER = {
    "description": "RFC 8288 links to the first, previous, next and last pages.",
    "schema": {"type": "string"},
}


class Schema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ProblemSchema(Schema):
    """An RFC 9457 problem detail."""

    type = ma.fields.String(
        required=True, metadata={"description": "URI reference naming the problem type."}
    )
    title = ma.fields.String(
        required=True, metadata={"description": "Short summary of the problem type."}
    )
    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status code."})
    detail = ma.fields.String(metadata={"description": "What went wrong on this occasion."})
    request_id = ma.fields.String(metadata={"description": "Quote this when asking for support."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={"description": "Field name → list of messages, for invalid input."},
    )


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

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


class Blueprint(flask_smorest.Blueprint):
    def _set_pagination_metadata(self, page_params, result, headers):
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        links = _page_links(json.loads(headers[self.PAGINATION_HEADER_NAME]), page_params.page_size)
        if links:
            headers["Link"] = links
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        super()._document_pagination_metadata(spec, resp_doc)
        resp_doc["headers"]["Link"] = "LINK"


def _page_links(metadata: dict, page_size: int) -> str:
    relations = {
        "first": metadata.get("first_page"),
        "prev": metadata.get("previous_page"),
        "next": metadata.get("next_page"),
        "last": metadata.get("last_page"),
    }
    args = request.args.to_dict()
    links = []
    for rel, page in relations.items():
        if page is not None:
            query = urlencode({**args, "page": page, "page_size": page_size})
            links.append(f'<{request.base_url}?{query}>; rel="{rel}"')
    return ", ".join(links)
