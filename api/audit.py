"""The audit log, read-only: admins read all of it, organisation admins their own."""

import marshmallow as ma
from flask.views import MethodView

from api.smorest import Blueprint, Schema, Timestamp
from api.views import list_page
from services import audit
from services.pagination import CURSOR_PATTERN

blp = Blueprint("audit-log", __name__, url_prefix="/api/v1/audit-log", description="Audit log.")


class AuditEntrySchema(Schema):
    id = ma.fields.UUID(required=True)
    occurred_at = Timestamp(required=True)
    actor_user_id = ma.fields.UUID(allow_none=True)
    actor_client_id = ma.fields.UUID(allow_none=True)
    organisation_id = ma.fields.UUID(allow_none=True)
    action = ma.fields.String(required=True, metadata={"example": "hub.updated"})
    object_type = ma.fields.String(required=True)
    object_id = ma.fields.String(required=True)
    request_id = ma.fields.String(allow_none=True)


class AuditQueryArgsSchema(Schema):
    action = ma.fields.String(validate=ma.validate.Length(max=64))
    object_type = ma.fields.String(validate=ma.validate.Length(max=64))
    object_id = ma.fields.String(validate=ma.validate.Length(max=64))
    actor_user_id = ma.fields.UUID()
    since = ma.fields.AwareDateTime()
    until = ma.fields.AwareDateTime()
    after = ma.fields.String(
        validate=ma.validate.Regexp(CURSOR_PATTERN),
        metadata={
            "description": "A cursor from the `next` link of the page before: the page "
            "after it, read by the index however deep it is (`page` is then not used)."
        },
    )


@blp.route("")
class AuditLog(MethodView):
    @blp.lists(AuditEntrySchema, query=AuditQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """Read the audit log, newest first"""
        return list_page(audit.list_, pagination_parameters, **filters)
