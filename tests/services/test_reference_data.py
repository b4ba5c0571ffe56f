"""The reference-data loaders: row counts match the files, and loading again changes nothing."""

import csv
import gzip
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.extensions import db
from models.organisations import Hub, Organisation, Provider, School
from models.reference import Outcode, Postcode, RqfLevel, SicDivision, SicSection
from services import demo, reference_data
from services.reference_data import provider_id, school_id

# Data rows in the shipped files (and, for postcodes, in the committed sample).
EXPECTED_ROWS = {
    School: 4450,
    Provider: 194,
    Outcode: 2944,
    SicSection: 21,
    SicDivision: 88,
    RqfLevel: 9,
    Postcode: 1202,
}
SOURCE_FILES = {
    School: "schools.csv",
    Provider: "fe_colleges.csv",
    Outcode: "outcodes.csv",
    SicSection: "sic_sections.csv",
    SicDivision: "sic_divisions.csv",
    RqfLevel: "rqf_levels.csv",
    Postcode: "postcodes_england.csv.gz",
}
LOADED_MODELS = [Organisation, *EXPECTED_ROWS]
HAVERSTOCK_URN = 100049  # Haverstock School, Camden: the first row of schools.csv


def read_rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model.__table__))


def snapshot(session) -> dict:
    """Every row of every loaded table, in primary-key order."""
    tables = {}
    for model in LOADED_MODELS:
        table = model.__table__
        tables[table.name] = session.execute(select(table).order_by(*table.primary_key)).all()
    return tables


def test_the_expected_counts_are_the_data_rows_of_the_files(data_dir):
    for model, name in SOURCE_FILES.items():
        assert len(read_rows(data_dir / name)) == EXPECTED_ROWS[model], name


def test_loading_fills_each_table_with_one_row_per_file_row(session, data_dir):
    results = reference_data.load_all(session, data_dir)
    session.commit()
    for model, expected in EXPECTED_ROWS.items():
        assert count(session, model) == expected, model.__tablename__
    assert count(session, Organisation) == EXPECTED_ROWS[School] + EXPECTED_ROWS[Provider]
    by_dataset = {result.dataset: result for result in results}
    assert by_dataset["schools"].rows_in_file == by_dataset["schools"].rows_in_table == 4450
    assert by_dataset["postcodes"].rows_in_file == 1202


def test_loaded_rows_hold_the_files_values(loaded_session):
    school = loaded_session.scalar(select(School).where(School.urn == HAVERSTOCK_URN))
    assert school.name == "Haverstock School"
    assert school.local_authority == "Camden"
    assert (school.combined_authority, school.skills_area) == (None, "Greater London")
    leeds = loaded_session.scalar(select(School).where(School.urn == 108055))  # Lawnswood
    assert (leeds.combined_authority, leeds.skills_area) == ("West Yorkshire", "West Yorkshire")
    assert (school.urban_rural, school.rural) == ("(England/Wales) Urban major conurbation", False)
    hamlet = loaded_session.scalar(select(School).where(School.urn == 103623))  # Springfield House
    assert (hamlet.urban_rural, hamlet.rural) == (
        "(England/Wales) Rural hamlet and isolated dwellings",
        True,
    )
    rural = loaded_session.scalar(select(func.count()).select_from(School).where(School.rural))
    assert rural == 581  # every rural class in data/schools.csv
    assert school.postcode == "NW3 2BQ"
    assert school.number_of_pupils == 982
    assert school.percentage_fsm == pytest.approx(59.5)
    assert school.latitude == pytest.approx(51.544792)
    assert school.created_at.tzinfo is not None
    assert loaded_session.get(Postcode, "SW1A 1AA") is not None
    assert loaded_session.get(SicDivision, "62").section_code == "J"


def test_a_second_load_changes_nothing(loaded_session, data_dir):
    before = snapshot(loaded_session)
    reference_data.load_all(loaded_session, data_dir)
    loaded_session.commit()
    loaded_session.expire_all()
    after = snapshot(loaded_session)
    assert after == before
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }


def test_a_changed_value_is_applied_on_reload(loaded_session, data_dir):
    haverstock = loaded_session.scalar(select(School).where(School.urn == HAVERSTOCK_URN))
    untouched = loaded_session.scalar(select(School).where(School.urn != HAVERSTOCK_URN).limit(1))
    first_updated_at, other_updated_at = haverstock.updated_at, untouched.updated_at
    created_at = haverstock.created_at

    schools = read_rows(data_dir / "schools.csv")
    schools[0].update(name="Haverstock School (renamed)", number_of_pupils_jan2023="1001")
    write_rows(data_dir / "schools.csv", schools)
    outcodes = read_rows(data_dir / "outcodes.csv")
    outcodes[0]["latitude"] = "57.5"
    write_rows(data_dir / "outcodes.csv", outcodes)

    reference_data.load_all(loaded_session, data_dir)
    loaded_session.commit()
    loaded_session.expire_all()

    assert haverstock.name == "Haverstock School (renamed)"
    assert haverstock.number_of_pupils == 1001
    assert haverstock.updated_at > first_updated_at
    assert haverstock.created_at == created_at
    assert untouched.updated_at == other_updated_at
    assert loaded_session.get(Outcode, outcodes[0]["outcode"]).latitude == pytest.approx(57.5)
    assert count(loaded_session, School) == EXPECTED_ROWS[School]


def test_a_reload_keeps_a_schools_hub(loaded_session, data_dir):
    summary = demo.seed(loaded_session)
    loaded_session.commit()
    reference_data.load_all(loaded_session, data_dir)
    loaded_session.commit()
    loaded_session.expire_all()
    assert all(school.hub_id == summary.hub.id for school in summary.schools)


def test_school_ids_are_derived_from_the_urn():
    assert school_id(HAVERSTOCK_URN) == school_id(HAVERSTOCK_URN)
    # Pinned: other systems hold these ids, so they must not change between releases.
    assert school_id(HAVERSTOCK_URN) == uuid.UUID("2b96da60-976e-581d-b9a3-8cb2a0592231")
    assert school_id(HAVERSTOCK_URN).version == 5
    assert school_id(HAVERSTOCK_URN) != school_id(HAVERSTOCK_URN + 1)
    assert school_id(HAVERSTOCK_URN) != provider_id(HAVERSTOCK_URN)


def test_loaded_schools_and_providers_carry_their_derived_ids(loaded_session):
    for school in loaded_session.scalars(select(School)):
        assert school.id == school_id(school.urn)
    for provider in loaded_session.scalars(select(Provider)):
        assert provider.id == provider_id(provider.ukprn)


def test_the_data_load_command_loads_every_dataset(app, data_dir):
    result = app.test_cli_runner().invoke(args=["data", "load", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "schools: 4450 rows read, 4450 in table" in result.output
    assert "postcodes: 1202 rows read, 1202 in table" in result.output
    with app.app_context():
        for model, expected in EXPECTED_ROWS.items():
            assert count(db.session, model) == expected, model.__tablename__


def test_the_data_load_command_refuses_a_missing_directory(app, tmp_path):
    missing = tmp_path / "missing"
    result = app.test_cli_runner().invoke(args=["data", "load", "--data-dir", str(missing)])
    assert result.exit_code != 0
    assert "does not exist" in result.output


def demo_hub_schools(app) -> list[uuid.UUID]:
    with app.app_context():
        query = select(School.id).where(School.hub_id == demo.base.DEMO_HUB_ID).order_by(School.id)
        return list(db.session.scalars(query))


def test_the_demo_seed_command_builds_a_hub_of_30_schools_idempotently(app, data_dir):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["data", "load", "--data-dir", str(data_dir)]).exit_code == 0

    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "with 30 schools" in first.output
    schools = demo_hub_schools(app)

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert demo_hub_schools(app) == schools
    assert len(schools) == 30
    with app.app_context():
        assert count(db.session, Hub) == 1
        hub = db.session.get(Hub, demo.base.DEMO_HUB_ID)
        assert hub.name == "Leeds Careers Hub (demo)"
        assert {school.local_authority for school in hub.schools} <= {"Leeds", "Bradford"}


def test_the_soc_minor_groups_are_the_ons_structure():
    """All 104 SOC 2020 minor groups, each inside its sub-major group, with a short title
    for the map; spot checks of groups an earlier hand transcription had wrong."""
    titles = reference_data.soc_minor_groups()
    short = reference_data.soc_short_titles()
    sub_majors = reference_data.soc_sub_major_groups()
    assert len(titles) == 104 and set(short) == set(titles)
    assert all(code // 10 in sub_majors for code in titles)
    assert all(len(label) <= 44 for label in short.values())
    assert {code: titles[code] for code in (223, 323, 324, 414, 531, 814, 815, 816)} == {
        223: "Nursing professionals",
        323: "Teaching and childcare associate professionals",
        324: "Veterinary nurses",
        414: "Administrative occupations: office managers and supervisors",
        531: "Construction and building trades",
        814: "Assemblers and routine operatives",
        815: "Construction operatives",
        816: "Production, factory and assembly supervisors",
    }
