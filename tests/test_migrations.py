"""The Alembic migrations build the models' schema, and come down and go up again cleanly.

Each run uses its own database (a SQLite file, and `<test database>_migrations` on the
PostgreSQL server), so the test database the other fixtures share is never touched.
"""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect, text
from sqlalchemy.engine import make_url

from api.app import create_app
from api.extensions import db
from models import Base
from models.journeys import Journey
from models.organisations import Organisation, OrganisationKind, School
from services import journeys
from tests import factories
from tests.conftest import (
    DATABASES,
    POSTGRES_URL,
    app_config,
    create_postgres_database,
    reset_postgres_schema,
    worker_database_url,
)


def fresh_postgres_database(worker_id: str) -> str:
    """Beside this worker's test database, named after it (`test_gw0` ->
    `test_gw0_migrations`), so no other worker or checkout ever shares it."""
    url = make_url(worker_database_url(POSTGRES_URL, worker_id))
    migrations_url = url.set(database=f"{url.database}_migrations")
    as_text = migrations_url.render_as_string(hide_password=False)
    create_postgres_database(as_text)
    reset_postgres_schema(as_text)
    return as_text


@pytest.fixture(params=DATABASES)
def empty_database_url(request, tmp_path, worker_id):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    return fresh_postgres_database(worker_id)


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


def school_as_of_now(session) -> School:
    """A school written with only the columns its table has at the current revision (the
    model's later columns are not there yet)."""
    made = School(id=uuid.uuid4(), **{k: v for k, v in SCHOOL.items() if k != "name"})
    present = {c["name"] for c in inspect(session.connection()).get_columns("schools")}
    session.execute(
        insert(Organisation.__table__).values(
            id=made.id, kind=OrganisationKind.SCHOOL, name=SCHOOL["name"]
        )
    )
    values = {c.name: getattr(made, c.key) for c in School.__table__.c if c.name in present}
    session.execute(insert(School.__table__).values(values))
    return made


SCHOOL = {
    "name": "Old school",
    "urn": 100001,
    "phase": "Secondary",
    "establishment_type": "Academy converter",
    "local_authority": "Leeds",
    "region": "Yorkshire and the Humber",
}


def test_linking_encounters_to_bookings_and_matches_keeps_every_record(migrations_app):
    """0010 rebuilds `encounters` on SQLite (batch mode): with foreign keys on, dropping the
    old table would cascade to its attendance. Records made before it must all survive."""
    with migrations_app.app_context():
        upgrade(revision="0009")
        school = school_as_of_now(db.session)
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


def test_journeys_recorded_before_their_kinds_get_them(migrations_app):
    """0017b added `kinds` as 0 to the journeys already recorded; 0024 derives them from
    the steps, as the service derives them on every save."""
    steps = {
        "trades": None,  # the factory's GCSEs at Level 2, then an apprenticeship
        "graduate": [
            factories.qualification_step("a_level", 3, 2008, route="sixth_form"),
            factories.qualification_step("bachelors_degree", 6, 2010, route="university"),
        ],
        "changer": [
            factories.qualification_step("gcse", 1, 2000, route="school"),
            factories.role_step(243, 6, 2006, sector="M"),
            factories.role_step(532, 2, 2016, route="career_change"),
            factories.role_step(532, 3, 2020, route="self_employed"),
        ],
    }
    with migrations_app.app_context():
        upgrade()
        employer = factories.employer(db.session)
        made = {
            name: factories.journey(db.session, factories.volunteer(db.session, employer), given)
            for name, given in steps.items()
        }
        db.session.commit()
        derived = {  # what the service derives on every save
            name: Journey.kinds.type.bits(journeys.summary(journey.steps)["kinds"])
            for name, journey in made.items()
        }
        ids = {str(journey.id): name for name, journey in made.items()}
        db.session.remove()
        downgrade(revision="0019")
        with db.engine.begin() as connection:  # as 0017b left every journey it found
            connection.execute(text("UPDATE journeys SET kinds = 0"))
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, kinds FROM journeys")).all()
        db.engine.dispose()
    kinds = {ids[str(uuid.UUID(str(key)))]: value for key, value in rows}
    assert kinds == derived
    # Bits in RoleModelKind's order: started at Level 2 (1), apprenticeship (2), T Level
    # (4), reached Level 4 (8), career change (16), self-employed (32).
    assert kinds == {"trades": 1 | 2, "graduate": 8, "changer": 1 | 8 | 16 | 32}
