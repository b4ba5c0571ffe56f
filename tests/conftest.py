"""Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

The schema is built once per database by the real Alembic migrations; each test then
gets a fresh app on it, and every table is emptied after the test.
"""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from api.app import create_app
from api.extensions import db
from api.security import issue_user_tokens
from models import Base
from tests import factories

TEST_SECRETS = {
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "JWT_SECRET_KEY": "test-jwt-secret-key-that-is-long-enough-0123456789",
}
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def app_config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "ENGAGE_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        **TEST_SECRETS,
        **overrides,
    }


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """A migrated, empty database of each kind, built once per test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'engage.db'}"
    else:
        url = POSTGRES_URL
        reset_postgres_schema(url)
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url):
    app = create_app(app_config(database_url))
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """The app's session, for service tests and for checking what an API call wrote."""
    with app.app_context():
        yield db.session


@pytest.fixture
def world(session):
    """Two tenants side by side (see tests.factories.world), committed."""
    built = factories.world(session)
    session.commit()
    return built


@pytest.fixture
def auth_headers(app):
    """`auth_headers(user)` → an Authorization header with a fresh access token for that user."""

    def headers_for(user) -> dict[str, str]:
        with app.app_context():
            tokens = issue_user_tokens(user)
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    return headers_for
