"""The Alembic migrations build the models' schema, and come down and go up again cleanly.

Each run uses its own database (a SQLite file, and `<test database>_migrations` on the
PostgreSQL server), so the test database the other fixtures share is never touched.
"""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from api.app import create_app
from api.extensions import db
from models import Base
from tests import factories
from tests.conftest import DATABASES, POSTGRES_URL, app_config


def migrations_database() -> str:
    """Beside the test database, named after it (`test_x` -> `test_x_migrations`), so
    sessions on other test databases of the same server never share it."""
    return f"{make_url(POSTGRES_URL).database}_migrations"


def fresh_postgres_database() -> str:
    url, name = make_url(POSTGRES_URL), migrations_database()
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    migrations_url = url.set(database=name)
    engine = create_engine(migrations_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return migrations_url.render_as_string(hide_password=False)


@pytest.fixture(params=DATABASES)
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    return fresh_postgres_database()


@pytest.fixture
def migrations_app(empty_database_url):
    app = create_app(app_config(empty_database_url))
    yield app
    with app.app_context():
        db.engine.dispose()


def table_names(app) -> set[str]:
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    return names


def model_table_names() -> set[str]:
    return set(Base.metadata.tables)


def test_upgrade_downgrade_and_upgrade_again(migrations_app):
    assert table_names(migrations_app) == set()

    with migrations_app.app_context():
        upgrade()
    assert table_names(migrations_app) == model_table_names() | {"alembic_version"}

    with migrations_app.app_context():
        downgrade(revision="base")
    assert table_names(migrations_app) == {"alembic_version"}

    with migrations_app.app_context():
        upgrade()
    assert table_names(migrations_app) == model_table_names() | {"alembic_version"}


def test_the_models_and_the_migrations_agree(migrations_app):
    with migrations_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, Base.metadata)
        db.engine.dispose()
    assert differences == [], "run `flask --app wsgi db migrate` and review the new revision"


def test_linking_encounters_to_bookings_and_matches_keeps_every_record(migrations_app):
    """0010 rebuilds `encounters` on SQLite (batch mode): with foreign keys on, dropping the
    old table would cascade to its attendance. Records made before it must all survive."""
    with migrations_app.app_context():
        upgrade(revision="0009")
        school = factories.school(db.session)
        pupil = factories.pupil(db.session, school, "A1", 9, roll_year=2025)
        factories.encounter(db.session, school, pupils=(pupil,))
        db.session.commit()
        upgrade()
        with db.engine.connect() as connection:
            counts = [
                connection.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("encounters", "attendances")
            ]
        db.session.remove()
        db.engine.dispose()
    assert counts == [1, 1]
