"""Authentication: JWTs for people and partner apps, loaded into a `Caller` from the database.

Tokens carry only who the caller is; what it may do is always read from the database
(`services.access`), so a deactivated user or a revoked client is refused at once.

Each request's bearer token is decoded and verified once (`bearer_claims`, held on `g`):
the rate limiter's key and `authenticate` share the result. The caller, with its login
session's revocation, is then read in one query by primary keys
(`services.sessions.user_token_holder`, `client_token_holder`): nothing is cached across
requests, so a logout, a deactivation or a revoked app stops the very next request.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import jwt
import limits
from flask import current_app, g, request
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.exceptions import (
    FreshTokenRequired,
    InvalidHeaderError,
    JWTExtendedException,
    NoAuthorizationError,
    RevokedTokenError,
    UserLookupError,
    WrongTokenError,
)
from jwt.exceptions import PyJWTError
from werkzeug.exceptions import Forbidden, TooManyRequests

from api.extensions import db
from models.auth import ApiClient
from models.users import User
from services import audit, sessions
from services.callers import Caller

CLIENT_TOKEN_LIFETIME = timedelta(minutes=10)
LOGIN_FAILURES = "login-failures"


@dataclass(frozen=True)
class AccessPolicy:
    """What a route declares: public, or signed in (with the scope a partner app needs)."""

    public: bool = False
    scope: str | None = None  # None on a protected route: people only, no partner apps
    fresh: bool = False
    refresh: bool = False  # the route takes a refresh token instead of an access token
    partners: bool = False  # any partner app may call it, whatever its scopes


class InsufficientScope(Forbidden):
    problem_code = "insufficient-scope"

    def __init__(self, scope: str | None):
        needed = f"the scope '{scope}'" if scope else "a person's login (partner apps may not)"
        super().__init__(f"This operation needs {needed}.")
        self.www_authenticate = f'Bearer error="insufficient_scope", scope="{scope or ""}"'

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", self.www_authenticate)]


def bearer_claims() -> dict:
    """The request's bearer token, its signature and expiry verified, decoded once per
    request; raises the token error (a 401) on every call when it is missing or invalid."""
    if "bearer" not in g:
        try:
            g.bearer = (_verified_claims(_encoded_bearer()), None)
        except (JWTExtendedException, PyJWTError) as error:
            g.bearer = (None, error)
    claims, error = g.bearer
    if error is not None:
        raise error
    return claims


def _verified_claims(token: str) -> dict:
    """The token's claims, its signature and times verified by PyJWT in one pass, with
    flask-jwt-extended's settings and defaults (its `decode_token` reads a token three
    times: unverified claims, unverified header, then verified)."""
    claims = jwt.decode(
        token,
        jwt_config.decode_key,
        algorithms=jwt_config.decode_algorithms,
        audience=jwt_config.decode_audience,
        issuer=jwt_config.decode_issuer,
        leeway=jwt_config.leeway,
        options={
            "require": [jwt_config.identity_claim_key],
            "verify_aud": jwt_config.decode_audience is not None,
            "verify_sub": jwt_config.verify_sub,
        },
    )
    return {"type": "access", "fresh": False, "jti": None, **claims}


def _encoded_bearer() -> str:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise NoAuthorizationError("Missing Authorization Header")
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer":
        raise NoAuthorizationError("Missing 'Bearer' type in 'Authorization' header.")
    token = token.strip()
    if not token or " " in token:
        raise InvalidHeaderError("Bad Authorization header. Expected 'Bearer <JWT>'.")
    return token


def authenticate(policy: AccessPolicy) -> Caller:
    """Verify the bearer token, load the caller and check the operation's scope."""
    claims = bearer_claims()
    if (claims["type"] == "refresh") is not policy.refresh:
        raise WrongTokenError(f"Only {'refresh' if policy.refresh else 'access'} tokens here.")
    if policy.fresh and claims.get("fresh") is not True:
        raise FreshTokenRequired("Fresh token required", {}, claims)
    holder = _holder(claims)
    caller = holder.caller
    if caller.client_id is not None:  # within the scopes its token was narrowed to
        caller = replace(caller, scopes=caller.scopes & frozenset(claims.get("scope", "").split()))
    if (
        caller.client_id is not None
        and not policy.partners
        and (policy.scope is None or policy.scope not in caller.scopes)
    ):
        raise InsufficientScope(policy.scope)
    context = audit.current_context(db.session)
    if context is not None:
        context.actor_user_id = caller.user_id
        context.actor_client_id = caller.client_id
        context.organisation_id = caller.organisation_id
    g.caller, g.person = caller, holder.person
    return caller


def current_caller() -> Caller:
    return g.caller


def current_claims() -> dict:
    """The verified claims of the token this request was authenticated with."""
    return bearer_claims()


def signed_in_person() -> sessions.Person:
    """The signed-in person as read with the token, in the same query (people-only routes)."""
    return g.person


def current_person() -> User:
    """The signed-in user's row, to change it (routes that need one are people-only)."""
    return db.session.get(User, g.caller.user_id)


def _holder(claims: dict) -> sessions.TokenHolder:
    subject = uuid.UUID(claims["sub"])
    if claims.get("kind") == "client":
        holder = sessions.client_token_holder(db.session, client_id=subject)
    else:
        holder = sessions.user_token_holder(
            db.session,
            user_id=subject,
            token_version=claims.get("ver", -1),
            session_id=claims.get("sid"),
        )
    if holder.revoked:
        raise RevokedTokenError({}, claims)
    if holder.caller is None:
        raise UserLookupError(f"No active caller for {subject}", {}, claims)
    return holder


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


def issue_client_token(client: ApiClient, *, scopes: list[str] | None = None) -> dict:
    """A partner app's access token (RFC 6749 §5.1), for `scopes` (default: all granted)."""
    scope = " ".join(sorted(client.scopes if scopes is None else scopes))
    expires = min(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"], CLIENT_TOKEN_LIFETIME)
    claims = {"kind": "client", "org": str(client.organisation_id), "scope": scope}
    token = create_access_token(str(client.id), additional_claims=claims, expires_delta=expires)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
        "scope": scope,
    }


def revoke_current_session() -> None:
    claims = current_claims()
    expires_at = (
        datetime.fromtimestamp(claims["exp"], UTC) + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    )
    sessions.revoke_session(db.session, session_id=claims["sid"], expires_at=expires_at)


def check_login_allowed(email: str) -> None:
    """Throttle failed logins (429 with Retry-After) per account from one address, and per
    address over every account: guessing stays slow, yet failures elsewhere never lock an
    account's owner out."""
    limiter = current_app.extensions["rate_limiter"].limiter
    for limit, key, detail in _login_limits(email):
        if not limiter.test(limit, *key):
            reset_at = limiter.get_window_stats(limit, *key).reset_time
            retry_after = max(1, int(reset_at - datetime.now(UTC).timestamp()))
            raise TooManyRequests(detail, retry_after=retry_after)


def record_login_failure(email: str) -> None:
    limiter = current_app.extensions["rate_limiter"].limiter
    for limit, key, _ in _login_limits(email):
        limiter.hit(limit, *key)


def forget_login_failures(email: str) -> None:
    """A successful login clears its account's failures from that address."""
    limit, key, _ = _login_limits(email)[0]
    current_app.extensions["rate_limiter"].limiter.clear(limit, *key)


def _login_limits(email: str) -> list[tuple]:
    """Each failure budget with its counter's key and what a 429 says, in the shared
    limiter's storage (Redis across processes)."""
    config = current_app.config
    prefix, address = config.get("RATELIMIT_KEY_PREFIX", ""), request.remote_addr or ""
    return [
        (
            limits.parse(config["RATELIMIT_LOGIN_FAILURES"]),
            (prefix, LOGIN_FAILURES, email, address),
            "Too many failed logins for this account from your address; try again later.",
        ),
        (
            limits.parse(config["RATELIMIT_LOGIN_ADDRESS_FAILURES"]),
            (prefix, LOGIN_FAILURES, address),
            "Too many failed logins from your address; try again later.",
        ),
    ]
