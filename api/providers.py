"""The provider directory: FE colleges from the data, others added by admins (Benchmark 7)."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller
from api.smorest import Blueprint, Schema, paged
from models.organisations import Provider, ProviderType
from services import directory

blp = Blueprint("providers", __name__, url_prefix="/api/v1/providers", description="Providers.")


class ProviderSchema(Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    provider_type = ma.fields.Enum(ProviderType, by_value=True, required=True)
    ukprn = ma.fields.Integer(allow_none=True)
    town = ma.fields.String(allow_none=True)
    postcode = ma.fields.String(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)


class ProviderCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    provider_type = ma.fields.Enum(ProviderType, by_value=True, required=True)
    postcode = ma.fields.String(load_default=None, validate=ma.validate.Length(max=10))


@blp.route("")
class Providers(MethodView):
    @blp.login_required("providers:read")
    @blp.response(200, ProviderSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List providers"""
        page = directory.list_providers(
            db.session, page=pagination_parameters.page, page_size=pagination_parameters.page_size
        )
        return paged(pagination_parameters, page)

    @blp.login_required()
    @blp.arguments(ProviderCreateSchema)
    @blp.response(201, ProviderSchema)
    def post(self, provider):
        """Add a sixth form, university or training provider (admins)"""
        created = directory.create_provider(db.session, current_caller(), **provider)
        db.session.commit()
        return created


@blp.route("/<uuid:provider_id>")
class ProviderById(MethodView):
    @blp.login_required("providers:read")
    @blp.response(200, ProviderSchema)
    def get(self, provider_id):
        """Read a provider"""
        return directory.get_organisation(db.session, Provider, provider_id)
