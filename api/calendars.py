"""iCalendar feeds of confirmed visits at unguessable, revocable URLs.

A school's or employer's staff create (or rotate) the feed and get its URL once; calendar
apps then fetch it without a login, by the token in the URL. Rotating or revoking it
stops the old URL at once.
"""

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView
from werkzeug.http import generate_etag

from api.extensions import db
from api.smorest import Blueprint, Schema
from api.views import commit
from models.organisations import Employer, School
from services import calendars

blp = Blueprint(
    "calendars", __name__, url_prefix="/api/v1", description="Calendar feeds of visits."
)
ICALENDAR = "text/calendar"


class CalendarFeedSchema(Schema):
    url = ma.fields.Url(
        required=True, metadata={"description": "Subscribe to this URL; it is shown only now."}
    )
    token = ma.fields.String(required=True)


def _created(token: str):
    """The feed's URL, in the body and as `Location` (the new resource is the feed itself),
    with the ETag its first read answers with."""
    url = url_for("calendars.CalendarFeedByToken", token=token, _external=True)
    etag = generate_etag(calendars.feed(db.session, token))
    return {"url": url, "token": token}, {"Location": url, "ETag": f'"{etag}"'}


@blp.route("/calendars/<string:token>.ics")
class CalendarFeedByToken(MethodView):
    @blp.public
    @blp.response(200, description="An RFC 5545 calendar.", content_type=ICALENDAR)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, token):
        """A calendar of confirmed visits (no login: the URL's token is the key)"""
        body = calendars.feed(db.session, token)
        response = Response(
            body, mimetype=ICALENDAR, headers={"Cache-Control": "private, max-age=300"}
        )
        response.set_etag(generate_etag(body))
        return response.make_conditional(request)


def _feed_of(kind: type, noun: str) -> type[MethodView]:
    """The calendar-feed route of one kind of organisation (a school or an employer), for
    its own staff: PUT creates or rotates the feed, DELETE revokes it."""

    def put(self, **path):
        (organisation_id,) = path.values()
        return _created(commit(calendars.rotate, organisation_id=organisation_id, kind=kind))

    def delete(self, **path):
        (organisation_id,) = path.values()
        commit(calendars.revoke, organisation_id=organisation_id, kind=kind)

    put.__doc__ = f"Create or rotate the {noun}'s calendar feed URL (the old one stops working)"
    delete.__doc__ = f"Revoke the {noun}'s calendar feed"
    created = blp.response(
        201, CalendarFeedSchema, headers={"Location": "LOCATION", "ETag": "ETAG"}
    )
    views = {
        "put": blp.login_required()(created(put)),
        "delete": blp.login_required()(blp.response(204)(delete)),
    }
    return type(f"{kind.__name__}CalendarFeed", (MethodView,), views)


blp.route("/schools/<uuid:school_id>/calendar-feed")(_feed_of(School, "school"))
blp.route("/employers/<uuid:employer_id>/calendar-feed")(_feed_of(Employer, "employer"))
