"""The event feed: `GET /events?after=<cursor>` pages through the caller's events in order."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, Timestamp
from services import events
from services.outbox import CURSOR_PATTERN, EVENT_TYPES, Cursor

blp = Blueprint(
    "events", __name__, url_prefix="/api/v1/events", description="The event feed (outbox)."
)


class EventSchema(Schema):
    """One event's envelope: the same one webhooks deliver."""

    id = ma.fields.UUID(required=True, metadata={"description": "Stable: dedupe on it."})
    type = ma.fields.String(required=True, metadata={"enum": sorted(EVENT_TYPES)})
    occurred_at = Timestamp(required=True)
    organisation_ids = ma.fields.List(
        ma.fields.UUID(),
        required=True,
        metadata={
            "description": "The organisations entitled to see it; empty when every "
            "organisation may (a published offer)."
        },
    )
    data = ma.fields.Dict(
        required=True,
        metadata={"description": "Thin: ids, statuses and dates; never pupils' personal data."},
    )


class FeedSchema(Schema):
    events = ma.fields.List(ma.fields.Nested(EventSchema), required=True)
    next_after = ma.fields.Function(
        lambda page: page.next_after.encode(),
        required=True,
        metadata={
            "type": "string",
            "description": "Pass as `after` for the next page (also when `events` is empty).",
        },
    )
    has_more = ma.fields.Boolean(required=True)


class FeedQueryArgsSchema(Schema):
    after = ma.fields.String(
        validate=ma.validate.Regexp(CURSOR_PATTERN),
        metadata={"description": "An opaque cursor from `next_after`; omit to start."},
    )
    type = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(sorted(EVENT_TYPES))),
        metadata={"description": "Only these types (repeat the parameter for several)."},
    )
    limit = ma.fields.Integer(
        load_default=events.MAX_PAGE, validate=ma.validate.Range(min=1, max=events.MAX_PAGE)
    )


@blp.route("")
class Events(MethodView):
    @blp.login_required("events:read")
    @blp.arguments(FeedQueryArgsSchema, location="query")
    @blp.response(200, FeedSchema)
    def get(self, args):
        """Read your organisation's events in order, after a cursor"""
        after = Cursor.decode(args["after"]) if "after" in args else None
        return events.list_(
            db.session,
            current_caller(),
            after=after,
            types=args.get("type", ()),
            limit=args["limit"],
        )
