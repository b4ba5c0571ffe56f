"""The provider directory: FE colleges from the data, others added by admins (Benchmark 7)."""

import marshmallow as ma
from flask import url_for
from flask.views import MethodView

from api.extensions import db
from api.search import (
    WEBSITE,
    DirectoryEntrySchema,
    NearQueryArgsSchema,
    PlaceFields,
    directory_page,
)
from api.security import current_caller
from api.smorest import Blueprint, Schema
from api.views import commit
from models.organisations import ProviderType
from services import providers

blp = Blueprint("providers", __name__, url_prefix="/api/v1/providers", description="Providers.")


class ProviderSchema(DirectoryEntrySchema, PlaceFields):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    provider_type = ma.fields.Enum(ProviderType, by_value=True, required=True)
    ukprn = ma.fields.Integer(allow_none=True)
    town = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)


class ProviderCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    provider_type = ma.fields.Enum(ProviderType, by_value=True, required=True)
    ukprn = ma.fields.Integer(validate=ma.validate.Range(min=10000000, max=99999999))
    postcode = ma.fields.String(load_default=None, validate=ma.validate.Length(max=10))
    website = ma.fields.String(validate=WEBSITE)


class ProviderUpdateSchema(Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    provider_type = ma.fields.Enum(
        ProviderType, by_value=True, metadata={"description": "Admins only."}
    )
    postcode = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10))
    website = ma.fields.String(allow_none=True, validate=WEBSITE)


class ProviderQueryArgsSchema(NearQueryArgsSchema):
    name = ma.fields.String(validate=ma.validate.Length(max=200))
    provider_type = ma.fields.Enum(ProviderType, by_value=True)
    sort = ma.fields.String(validate=ma.validate.OneOf(["name", "distance"]))


@blp.route("")
class Providers(MethodView):
    @blp.lists(ProviderSchema, scope="providers:read", query=ProviderQueryArgsSchema)
    def get(self, filters, pagination_parameters):
        """Search providers by name, type or distance from a postcode"""
        return directory_page(providers.list_, pagination_parameters, filters)

    @blp.login_required()
    @blp.arguments(ProviderCreateSchema)
    @blp.created(
        ProviderSchema, lambda made: url_for("providers.ProviderById", provider_id=made.id)
    )
    def post(self, provider):
        """Add a sixth form, university or training provider (admins)"""
        return commit(providers.create, **provider)


@blp.route("/<uuid:provider_id>")
class ProviderById(MethodView):
    @blp.reads(ProviderSchema, scope="providers:read")
    def get(self, provider_id):
        """Read a provider"""
        return providers.get(db.session, current_caller(), provider_id)

    @blp.updates(
        ProviderSchema,
        body=ProviderUpdateSchema,
        current=providers.get_for_update,
        scope="providers:write",
    )
    def patch(self, changes, provider_id):
        """Update a provider's profile (its staff; the type: admins)"""
        return commit(providers.update, provider_id, changes)
