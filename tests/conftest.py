"""Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

Each pytest-xdist worker has databases of its own (a SQLite file in its temporary folder,
and on PostgreSQL a database named after TEST_DATABASE_URL's with the worker's id), built
once by the real Alembic migrations. One app serves each database for the whole run;
after every test the tables it wrote to are emptied and its configuration and rate-limit
counters put back, which costs milliseconds where building an app costs a tenth of a second.
Tables are known to be written by the INSERTs this process's engines sent; a test whose writes
come from other processes (real workers) uses `other_writers`, and every table is emptied.

Requests and tests never share a context: the client pushes a fresh app context for each
request (its own `g` and request session), and the `session` fixture is a session of the
test's own on the same engine, as the flask-sqlalchemy-lite docs recommend.
"""

import os
import re
from collections import Counter
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

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


def worker_database_url(base_url: str, worker_id: str) -> str:
    """`…/test` for a lone run; `…/test_gw0`, `…/test_gw1`… for xdist's workers."""
    url = make_url(base_url)
    if worker_id == "master":
        return url.render_as_string(hide_password=False)
    return url.set(database=f"{url.database}_{worker_id}").render_as_string(hide_password=False)


def create_postgres_database(url: str) -> None:
    """Create the database if it is missing, from a connection to the server's `postgres`."""
    target = make_url(url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def migrate_afresh(url: str) -> str:
    """Bring the database at `url` (a new SQLite file, or any PostgreSQL database, emptied
    first) to the head of the real Alembic migrations."""
    if url.startswith("postgresql"):
        create_postgres_database(url)
        reset_postgres_schema(url)
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory, worker_id):
    """A migrated, empty database of each kind, built once per worker."""
    if request.param == "sqlite":
        return migrate_afresh(f"sqlite:///{tmp_path_factory.mktemp('db') / 'engage.db'}")
    return migrate_afresh(worker_database_url(POSTGRES_URL, worker_id))


# Anywhere in a statement: a data-modifying CTE inserts into more than one table.
INSERT_INTO = re.compile(r'\bINSERT\s+INTO\s+"?(\w+)"?', re.IGNORECASE)
WRITTEN: set[str] = set()  # the tables any engine of this process inserted into
# Past this many rows inserted into a table that others refer to, PostgreSQL empties the
# written tables by TRUNCATE (deleting them would check each row's referring foreign keys).
BULK_ROWS = 1_000
REFERRED_TO = {fk.column.table.name for t in Base.metadata.tables.values() for fk in t.foreign_keys}
inserted: Counter = Counter()  # rows inserted since the last reset, by table (roughly)


@event.listens_for(Engine, "before_cursor_execute")
def note_insert(conn, cursor, statement, parameters, context, executemany):
    for table in INSERT_INTO.findall(statement):
        WRITTEN.add(table)
        inserted[table] += len(parameters) if executemany else 1


def bulk_loaded() -> bool:
    return any(inserted[table] > BULK_ROWS for table in REFERRED_TO)


@pytest.fixture(scope="session")
def shared_app(database_url):
    app = create_app(app_config(database_url))
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_tables(app, *, only: set[str] | None = None, bulk: bool = False) -> None:
    """Delete every row of the tables named in `only` (all tables when None, and never those
    `kept_for_module` holds), children first.

    After a bulk load (`bulk`) PostgreSQL truncates them instead: deleting thousands of rows
    checks every foreign key that refers to each one, which took a reference-data test
    over ten seconds. Each worker's database holds only its own tests' rows, so CASCADE
    (which empties the tables that refer to these, already empty) loses nothing.
    """
    tables = [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if (only is None or t.name in only) and t.name not in KEPT
    ]
    if not tables:
        return
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name != "postgresql":
            for table in tables:
                connection.execute(delete(table))
        elif bulk:
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:  # one round trip for them all
            connection.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))


@pytest.fixture
def app(shared_app, request):
    """The database's app, as new: a test may change its config; that is undone after it."""
    config = dict(shared_app.config)
    yield shared_app
    shared_app.config.clear()
    shared_app.config.update(config)
    shared_app.extensions["rate_limiter"].reset()
    everything = "other_writers" in request.fixturenames
    empty_tables(shared_app, only=None if everything else set(WRITTEN), bulk=bulk_loaded())
    WRITTEN.clear()
    inserted.clear()


KEPT: set[str] = set()  # tables a module's fixture filled once for all its tests


@contextmanager
def kept_for_module(app, load):
    """Fill tables once for a module's tests (`load(session)`, committed), keep them between
    its tests, and empty them after its last one."""
    before = set(WRITTEN)
    with app.app_context():
        load(db.session)
        db.session.commit()
    loaded = WRITTEN - before
    KEPT.update(loaded)
    WRITTEN.difference_update(loaded)
    inserted.clear()
    try:
        yield
    finally:
        KEPT.difference_update(loaded)
        empty_tables(app, only=loaded, bulk=True)


@pytest.fixture
def other_writers():
    """For a test whose rows are also written by other processes: empty every table after it."""


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def engine(app):
    with app.app_context():
        return db.engine


@pytest.fixture
def session(engine):
    """A session of the test's own, for service tests and for checking what a call wrote.

    Requests have their own sessions, so after a call read afresh (`expire_all`, `refresh`).
    """
    with Session(engine) as own:
        yield own


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
