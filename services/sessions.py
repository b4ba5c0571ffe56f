"""Login sessions and the tokens that carry them: who a token names, as the database says
now, in one indexed query; a logout revokes the session its access and refresh tokens share.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from models.auth import ApiClient, RevokedSession
from models.base import utcnow
from models.organisations import Organisation, OrganisationKind
from models.users import Role, User
from services.callers import CLIENT_ROLE, Caller


@dataclass(frozen=True)
class OrganisationRef:
    id: uuid.UUID
    kind: OrganisationKind
    name: str


@dataclass(frozen=True)
class Person:
    """The signed-in person as read with their token (what `GET /me` shows)."""

    id: uuid.UUID
    email: str
    name: str
    role: Role
    organisation: OrganisationRef
    is_org_admin: bool
    is_active: bool
    created_at: datetime


@dataclass(frozen=True)
class TokenHolder:
    """What a verified token's subject is now: the caller, or why there is none."""

    caller: Caller | None  # None: the user or app is gone, deactivated, revoked or superseded
    revoked: bool = False  # the token's login session was ended by a logout
    person: Person | None = None  # a user's own row (None for a partner app)


_USERS = User.__table__.c
_ORGANISATIONS = Organisation.__table__.c


def _user_token_query():
    """Built once: the user, their organisation and the session's revocation by keys."""
    revoked = (
        select(RevokedSession.session_id)
        .where(RevokedSession.session_id == bindparam("session_id"))
        .exists()
    )
    return (
        select(
            revoked.label("revoked"),
            _USERS.email,
            _USERS.name,
            _USERS.role,
            _USERS.organisation_id,
            _USERS.is_org_admin,
            _USERS.is_active,
            _USERS.token_version,
            _USERS.created_at,
            _ORGANISATIONS.kind,
            _ORGANISATIONS.name.label("organisation_name"),
        )
        .join(Organisation.__table__, _ORGANISATIONS.id == _USERS.organisation_id)
        .where(_USERS.id == bindparam("user_id"))
    )


_USER_TOKEN_QUERY = _user_token_query()


def user_token_holder(
    session: Session, *, user_id: uuid.UUID, token_version: int, session_id: str | None
) -> TokenHolder:
    """The user a token names, with their organisation and the session's revocation: one
    statement by primary keys, outside the ORM (it runs on every request)."""
    parameters = {"user_id": user_id, "session_id": session_id}
    row = session.connection().execute(_USER_TOKEN_QUERY, parameters).one_or_none()
    if row is None:
        return TokenHolder(None)
    if session_id is not None and row.revoked:
        return TokenHolder(None, revoked=True)
    if not row.is_active or row.token_version != token_version:
        return TokenHolder(None)
    caller = Caller(
        role=row.role,
        organisation_id=row.organisation_id,
        user_id=user_id,
        is_org_admin=row.is_org_admin,
    )
    organisation = OrganisationRef(row.organisation_id, row.kind, row.organisation_name)
    person = Person(
        id=user_id,
        email=row.email,
        name=row.name,
        role=row.role,
        organisation=organisation,
        is_org_admin=row.is_org_admin,
        is_active=row.is_active,
        created_at=row.created_at,
    )
    return TokenHolder(caller, person=person)


def client_token_holder(session: Session, *, client_id: uuid.UUID) -> TokenHolder:
    """The partner app a token names, unless revoked, with its organisation's kind: one query."""
    row = session.execute(
        select(ApiClient.organisation_id, ApiClient.scopes, Organisation.kind)
        .join(Organisation, Organisation.id == ApiClient.organisation_id)
        .where(ApiClient.id == client_id, ApiClient.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        return TokenHolder(None)
    caller = Caller(
        role=CLIENT_ROLE[row.kind],
        organisation_id=row.organisation_id,
        client_id=client_id,
        scopes=frozenset(row.scopes),
    )
    return TokenHolder(caller)


def revoke_session(session: Session, *, session_id: str, expires_at: datetime) -> None:
    if session.get(RevokedSession, session_id) is None:
        session.add(RevokedSession(session_id=session_id, expires_at=expires_at))
        session.flush()


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Forget revocations whose session's last token has expired: an expired token is
    refused without them, so they only grow the table."""
    cutoff = now or utcnow()
    result = session.execute(delete(RevokedSession).where(RevokedSession.expires_at < cutoff))
    session.flush()
    return result.rowcount
