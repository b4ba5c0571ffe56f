"""Partner apps: registration by an organisation's admins, and the client-credentials exchange."""

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.auth import ApiClient
from models.base import utcnow
from models.organisations import Organisation
from services.access import get_authorized, get_visible, organisation_kind
from services.callers import CLIENT_ROLE, SCOPES, Action, Caller
from services.errors import Forbidden, InvalidInput, Unauthenticated
from services.pagination import Page, paginate
from services.tokens import digest, matches, new_secret


@dataclass(frozen=True)
class RegisteredClient:
    client: ApiClient
    secret: str  # shown once


def register(session: Session, caller: Caller, *, name: str, scopes: list[str]) -> RegisteredClient:
    if not caller.manages_organisation or caller.client_id:
        raise Forbidden("Only your organisation's admins may register partner apps.")
    if organisation_kind(session, caller.organisation_id) not in CLIENT_ROLE:
        raise Forbidden("Partner apps act for a hub, school, employer or provider.")
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown:
        raise InvalidInput("Unknown scopes.", errors={"scopes": [f"Unknown: {', '.join(unknown)}"]})
    secret = new_secret()
    client = ApiClient(
        organisation_id=caller.organisation_id,
        name=name,
        client_id=f"eng_{secrets.token_hex(12)}",
        secret_digest=digest(secret),
        scopes=sorted(set(scopes)),
        created_by_id=caller.user_id,
    )
    session.add(client)
    session.flush()
    return RegisteredClient(client, secret)


def list_(session: Session, caller: Caller, *, page: int, page_size: int) -> Page:
    query = select(ApiClient)
    if not caller.is_admin:
        if not caller.is_org_admin:
            raise Forbidden("Only your organisation's admins may see its partner apps.")
        query = query.where(ApiClient.organisation_id == caller.organisation_id)
    query = query.order_by(ApiClient.created_at, ApiClient.id)
    return paginate(session, query, page=page, page_size=page_size)


def get(session: Session, caller: Caller, client_uuid: uuid.UUID) -> ApiClient:
    return get_visible(session, caller, ApiClient, client_uuid)


def revoke(session: Session, caller: Caller, client_uuid: uuid.UUID) -> ApiClient:
    client = get_authorized(session, caller, Action.DELETE, ApiClient, client_uuid)
    client.revoked_at = client.revoked_at or utcnow()
    session.flush()
    return client


def exchange(session: Session, *, client_id: str, client_secret: str) -> ApiClient:
    """The active client with these credentials, else Unauthenticated."""
    client = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None or client.revoked_at or not matches(client_secret, client.secret_digest):
        raise Unauthenticated("The client id or secret is wrong, or the client was revoked.")
    return client


@dataclass(frozen=True)
class WhoAmI:
    client_id: str
    name: str
    organisation_id: uuid.UUID
    organisation_kind: str
    organisation_name: str
    granted_scopes: list[str]
    token_scopes: list[str]


def whoami(session: Session, caller: Caller) -> WhoAmI:
    """A partner app's own identity: its organisation, its client id and its scopes."""
    if caller.client_id is None:
        raise Forbidden("This is for partner apps; people ask GET /me.")
    client = session.get(ApiClient, caller.client_id)
    organisation = session.get(Organisation, client.organisation_id)
    return WhoAmI(
        client_id=client.client_id,
        name=client.name,
        organisation_id=organisation.id,
        organisation_kind=organisation.kind.value,
        organisation_name=organisation.name,
        granted_scopes=sorted(client.scopes),
        token_scopes=sorted(caller.scopes or ()),
    )


def active_client(session: Session, client_uuid: uuid.UUID) -> ApiClient | None:
    client = session.get(ApiClient, client_uuid)
    return None if client is None or client.revoked_at else client
