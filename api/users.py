"""The signed-in person (`me`) and the members of the organisations a caller oversees."""

import marshmallow as ma
from flask.views import MethodView

from api.extensions import db
from api.security import current_caller, signed_in_person
from api.smorest import Blueprint, Schema, Timestamp
from api.views import commit, list_page
from models.organisations import OrganisationKind
from models.users import Role
from services import users

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="People and their roles.")


class OrganisationRefSchema(Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(OrganisationKind, by_value=True, required=True)
    name = ma.fields.String(required=True)


class UserSchema(Schema):
    id = ma.fields.UUID(required=True)
    email = ma.fields.Email(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    organisation = ma.fields.Nested(OrganisationRefSchema, required=True)
    is_org_admin = ma.fields.Boolean(required=True)
    is_active = ma.fields.Boolean(required=True)
    created_at = Timestamp(required=True)


@blp.route("/me")
class Me(MethodView):
    @blp.login_required()
    @blp.response(200, UserSchema)
    def get(self):
        """Who am I?"""
        return signed_in_person()


@blp.route("/users")
class Users(MethodView):
    @blp.lists(UserSchema)
    def get(self, pagination_parameters):
        """List the people you may see"""
        return list_page(users.list_, pagination_parameters)


@blp.route("/users/<uuid:user_id>")
class UserById(MethodView):
    @blp.login_required()
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """Read a person"""
        return users.get(db.session, current_caller(), user_id)

    @blp.login_required()
    @blp.response(204)
    def delete(self, user_id):
        """Deactivate a person: their tokens stop working at once"""
        commit(users.deactivate_user, user_id)
