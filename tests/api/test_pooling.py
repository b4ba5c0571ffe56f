"""A pooled PostgreSQL connection is pinged before use only after it has sat idle, and a
dead idle one is replaced, not handed to the request."""

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from api.app import create_app
from api.extensions import db
from tests.conftest import app_config


@pytest.fixture
def pinged(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's connections are open files: they are never pinged")

    def app_pinging_after(idle_seconds: int):
        app = create_app({**app_config(database_url), "DATABASE_IDLE_BEFORE_PING": idle_seconds})
        statements: list[str] = []  # what requests ran, and each ping (by any pooling)
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            dialect = db.engine.dialect
            ping = dialect.do_ping
            dialect.do_ping = lambda dbapi_connection: (
                statements.append("ping") or ping(dbapi_connection)
            )
        return app, statements

    return app_pinging_after


def backend_of(connection) -> int:
    return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_used_a_moment_ago_is_not_pinged(pinged):
    app, statements = pinged(3600)
    with app.app_context():
        for _ in range(3):
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 42"))
        db.engine.dispose()
    assert statements == ["SELECT 42"] * 3


def test_an_idle_connection_that_died_is_replaced_before_use(pinged, database_url):
    app, statements = pinged(0)  # every connection checked in before counts as idle
    with app.app_context():
        with db.engine.connect() as connection:
            first = backend_of(connection)
        outside = create_engine(database_url, poolclass=NullPool)
        with outside.connect() as other:  # the server drops the pooled connection
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with db.engine.connect() as connection:  # pinged, found dead, replaced
            assert backend_of(connection) != first
            assert connection.execute(text("SELECT 42")).scalar_one() == 42
        db.engine.dispose()
    assert statements == ["SELECT pg_backend_pid()", "ping", "SELECT pg_backend_pid()", "SELECT 42"]


def test_a_ping_that_finds_the_connection_gone_without_raising_also_replaces_it(pinged):
    app, _ = pinged(0)
    with app.app_context():
        with db.engine.connect() as connection:
            first = backend_of(connection)
        db.engine.dialect.do_ping = lambda _dbapi_connection: False  # as some dialects answer
        with db.engine.connect() as connection:
            assert backend_of(connection) != first
        db.engine.dispose()
