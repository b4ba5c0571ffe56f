"""Postcode lookup, so front ends can check an address before they send it."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.smorest import Blueprint, Schema
from services.geo import geocode

blp = Blueprint(
    "geocode", __name__, url_prefix="/api/v1/geocode", description="UK postcode lookup."
)


class GeocodeQueryArgsSchema(Schema):
    postcode = ma.fields.String(required=True, metadata={"example": "SW1A 1AA"})


class LocationSchema(Schema):
    postcode = ma.fields.String(required=True, metadata={"description": "Normalised postcode."})
    latitude = ma.fields.Float(required=True)
    longitude = ma.fields.Float(required=True)
    precision = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["postcode", "outcode"]),
        metadata={
            "description": "`postcode`: the exact postcode; `outcode`: its district centroid."
        },
    )


@blp.route("")
class Geocode(MethodView):
    @blp.login_required("reference:read")
    @blp.arguments(GeocodeQueryArgsSchema, location="query")
    @blp.response(200, LocationSchema)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def get(self, args):
        """Locate a UK postcode"""
        return geocode(db.session, args["postcode"])
