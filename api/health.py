"""Liveness and readiness probes for load balancers and orchestrators."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.smorest import Blueprint, Schema
from services.health import check_database

blp = Blueprint("health", __name__, url_prefix="/", description="Liveness and readiness probes.")


class HealthSchema(Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.public
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is alive"""
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.public
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """The database is reachable"""
        check_database(db.session)
        return {"status": "ready"}
