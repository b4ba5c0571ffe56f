"""Authentication: JWTs for people and partner apps, loaded into a `Caller` from the database.

Tokens carry only who the caller is; what it may do is always read from the database
(`services.access`), so a deactivated user or a revoked client is refused at once.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import limits
from flask import current_app, g
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt,
    verify_jwt_in_request,
)
from werkzeug.exceptions import Forbidden, TooManyRequests

from api.extensions import db
from models.auth import ApiClient
from models.organisations import Organisation
from models.users import User
from services import api_clients, audit, sessions, users
from services.access import CLIENT_ROLE, Caller

CLIENT_TOKEN_LIFETIME = timedelta(minutes=10)
LOGIN_FAILURES = "login-failures"


@dataclass(frozen=True)
class AccessPolicy:
    """What a route declares: public, or signed in (with the scope a partner app needs)."""

    public: bool = False
    scope: str | None = None  # None on a protected route: people only, no partner apps
    fresh: bool = False
    refresh: bool = False  # the route takes a refresh token instead of an access token


class InsufficientScope(Forbidden):
    problem_type = "/problems/insufficient-scope"

    def __init__(self, scope: str | None):
        needed = f"the scope '{scope}'" if scope else "a person's login (partner apps may not)"
        super().__init__(f"This operation needs {needed}.")
        self.www_authenticate = f'Bearer error="insufficient_scope", scope="{scope or ""}"'

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", self.www_authenticate)]


def authenticate(policy: AccessPolicy) -> Caller:
    """Verify the bearer token, load the caller and check the operation's scope."""
    verify_jwt_in_request(fresh=policy.fresh, refresh=policy.refresh)
    caller: Caller = current_user
    if caller.client_id is not None and (policy.scope is None or policy.scope not in caller.scopes):
        raise InsufficientScope(policy.scope)
    context = audit.current_context(db.session)
    if context is not None:
        context.actor_user_id = caller.user_id
        context.actor_client_id = caller.client_id
        context.organisation_id = caller.organisation_id
    g.caller = caller
    return caller


def current_caller() -> Caller:
    return g.caller


def current_person() -> User:
    """The signed-in user's row (routes that need one are people-only)."""
    return db.session.get(User, g.caller.user_id)


def register_token_loaders(jwt: JWTManager) -> None:
    jwt.user_lookup_loader(_load_caller)
    jwt.token_in_blocklist_loader(_is_revoked)


def _load_caller(_header: dict, claims: dict) -> Caller | None:
    subject = uuid.UUID(claims["sub"])
    if claims.get("kind") == "client":
        client = api_clients.active_client(db.session, subject)
        return _client_caller(client) if client else None
    user = users.active_user(db.session, subject, claims.get("ver", -1))
    if user is None:
        return None
    return Caller(
        role=user.role,
        organisation_id=user.organisation_id,
        user_id=user.id,
        is_org_admin=user.is_org_admin,
    )


def _client_caller(client: ApiClient) -> Caller:
    kind = db.session.get(Organisation, client.organisation_id).kind
    return Caller(
        role=CLIENT_ROLE[kind],
        organisation_id=client.organisation_id,
        client_id=client.id,
        scopes=frozenset(client.scopes),
    )


def _is_revoked(_header: dict, claims: dict) -> bool:
    return "sid" in claims and sessions.is_revoked(db.session, claims["sid"])


def issue_user_tokens(user: User, *, session_id: str | None = None, fresh: bool = True) -> dict:
    """An access and refresh token pair sharing one login session id."""
    claims = {
        "kind": "user",
        "sid": session_id or uuid.uuid4().hex,
        "ver": user.token_version,
        "org": str(user.organisation_id),
        "role": user.role.value,
    }
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": create_access_token(str(user.id), fresh=fresh, additional_claims=claims),
        "refresh_token": create_refresh_token(str(user.id), additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
    }


def issue_client_token(client: ApiClient) -> dict:
    expires = min(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"], CLIENT_TOKEN_LIFETIME)
    claims = {
        "kind": "client",
        "org": str(client.organisation_id),
        "scope": " ".join(client.scopes),
    }
    token = create_access_token(str(client.id), additional_claims=claims, expires_delta=expires)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
        "scope": " ".join(client.scopes),
    }


def revoke_current_session() -> None:
    claims = get_jwt()
    expires_at = (
        datetime.fromtimestamp(claims["exp"], UTC) + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    )
    sessions.revoke_session(db.session, session_id=claims["sid"], expires_at=expires_at)


def check_login_allowed(email: str) -> None:
    """Throttle an account after repeated failed logins (429 with Retry-After)."""
    limiter, limit, key = _login_limit(email)
    if not limiter.test(limit, *key):
        reset_at = limiter.get_window_stats(limit, *key).reset_time
        retry_after = max(1, int(reset_at - datetime.now(UTC).timestamp()))
        raise TooManyRequests(
            "Too many failed logins for this account; try again later.", retry_after=retry_after
        )


def record_login_failure(email: str) -> None:
    limiter, limit, key = _login_limit(email)
    limiter.hit(limit, *key)


def _login_limit(email: str):
    """The shared limiter's strategy, the failure budget, and this account's counter key."""
    rate_limiter = current_app.extensions["rate_limiter"]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    limit = limits.parse(current_app.config["RATELIMIT_LOGIN_FAILURES"])
    return rate_limiter.limiter, limit, (prefix, LOGIN_FAILURES, email)
