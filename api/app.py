"""The application factory. Read it as a table of contents."""

import gc
from pathlib import Path

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from api import (
    adviser_assignments,
    advisers,
    api_clients,
    audit,
    auth,
    benchmarks,
    bookings,
    calendars,
    cli,
    destinations,
    docs,
    employers,
    encounters,
    evaluations,
    events,
    geo,
    governors_report,
    health,
    hubs,
    impact,
    invitations,
    journeys,
    market,
    matches,
    needs,
    notifications,
    oauth,
    offer_requests,
    offers,
    pairings,
    password_resets,
    programme,
    programme_activities,
    provider_access,
    providers,
    pupils,
    schools,
    users,
    volunteers,
    webhooks,
)
from api.config import load_config
from api.errors import register_error_handlers
from api.extensions import cors, db, jwt, migrate
from api.http import configure_logging, register_request_hooks
from api.pooling import ping_when_idle
from api.rate_limits import RATE_LIMIT_HEADERS, RateLimiter
from api.smorest import Api

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# What a browser front end may read: pages, versions, request ids and the caller's budget.
EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "X-Pagination",
    "X-Request-ID",
    "Retry-After",
    *RATE_LIMIT_HEADERS,
]

API_BLUEPRINTS = [
    health.blp,
    auth.blp,
    oauth.blp,
    users.blp,
    invitations.blp,
    hubs.blp,
    schools.blp,
    employers.blp,
    volunteers.blp,
    advisers.blp,
    providers.blp,
    provider_access.blp,
    pupils.blp,
    encounters.blp,
    benchmarks.blp,
    needs.blp,
    matches.blp,
    market.blp,
    impact.blp,
    pairings.blp,
    adviser_assignments.blp,
    api_clients.blp,
    audit.blp,
    geo.blp,
    offers.blp,
    offer_requests.blp,
    bookings.blp,
    calendars.blp,
    journeys.blp,
    programme.blp,
    programme_activities.blp,
    evaluations.blp,
    destinations.blp,
    governors_report.blp,
    events.blp,
    webhooks.blp,
    password_resets.blp,
    notifications.blp,
]
UNMETERED_BLUEPRINTS = {"health", "docs", "api-docs"}

# Spec inputs come from code, never the environment, so the committed document is reproducible.
API_SETTINGS = {
    "API_TITLE": "Engage API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Engage brokers encounters between employers and English secondary schools and "
                "colleges (Gatsby Benchmarks 3, 5, 6 and 7). Errors are RFC 9457 "
                "`application/problem+json`.\n\nReference data: contains OS data © Crown "
                "copyright and database right 2025; contains Royal Mail data © Royal Mail "
                "copyright and database right 2025; contains National Statistics data © Crown "
                "copyright and database right 2025; contains public sector information "
                "licensed under the Open Government Licence v3.0."
            ),
        },
    },
}


class NoCookieSessions(SessionInterface):
    """The API is stateless (bearer tokens): Flask's cookie session, which every request
    would otherwise open (a signed-cookie serializer each time), is never read or written."""

    def open_session(self, app: Flask, request) -> None:
        return None  # Flask then holds a null session, which refuses writes

    def save_session(self, app: Flask, session, response) -> None:
        return None


class FastJSON(DefaultJSONProvider):
    """Flask's compact JSON responses, written by orjson: keys sorted as Flask sorts them,
    dates and dataclasses through Flask's own conversions, non-ASCII text as UTF-8 (not
    escaped). The standard library spent a tenth of a 50-school page encoding it. Any other
    call (the OpenAPI document, indented output) is Flask's own."""

    OPTIONS = (
        orjson.OPT_SORT_KEYS
        | orjson.OPT_NON_STR_KEYS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    def dumps(self, obj, **kwargs) -> str:
        if set(kwargs) - {"separators"} or not self.sort_keys:
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=self.OPTIONS).decode()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json = FastJSON(app)
    app.session_interface = NoCookieSessions()
    app.config.update(API_SETTINGS)
    app.config.update(load_config(config))
    configure_logging(app)
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    cli.register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind N trusted proxies the client's address is the one the Nth names, so login
    throttling and budgets count clients, not the load balancer."""
    count = app.config["TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # an SQLite connection is an open file
            ping_when_idle(db.engine, app.config["DATABASE_IDLE_BEFORE_PING"])
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    cors.init_app(app, origins=app.config["CORS_ORIGINS"], expose_headers=EXPOSED_HEADERS)
    jwt.init_app(app)
    # One limiter per app: its storage (memory or Redis) comes from this app's config.
    app.extensions["rate_limiter"] = RateLimiter(app, unmetered_blueprints=UNMETERED_BLUEPRINTS)


def register_blueprints(app: Flask) -> None:
    api = Api(app)
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.blp)


def freeze_startup_heap() -> None:
    """Take what start-up built (modules, mappers, schemas: about 170,000 objects) out of
    the garbage collector's reach. Every full collection would otherwise walk them all,
    about 90 ms here, stalling whichever request happened to trigger it; frozen, they
    stay in memory as before. Call once the app is built, before serving."""
    gc.collect()
    gc.freeze()
