"""Idempotent loaders for the public reference data shipped in `data/`.

Every loader upserts by a natural key, and only rewrites a row whose values differ,
so loading twice changes nothing. Ids of schools and providers are derived from their
URN / UKPRN, so the same school has the same id in every database built from the data.
"""

import csv
import gzip
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.base import utcnow
from models.organisations import Organisation, OrganisationKind, Provider, ProviderType, School
from models.reference import Outcode, Postcode, RqfLevel, SicDivision, SicSection

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ID_NAMESPACE = uuid.UUID("6f1c2a3e-2d0b-4c55-9c1e-5e2a8e0f7a10")
BATCH_SIZE = 5000

Progress = Callable[[int], None]
Row = dict[str, Any]


@dataclass(frozen=True)
class LoadResult:
    dataset: str
    rows_in_file: int
    rows_in_table: int


def school_id(urn: int) -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, f"school:{urn}")


def provider_id(ukprn: int) -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, f"provider:{ukprn}")


def load_all(
    session: Session, data_dir: Path = DATA_DIR, progress: Progress | None = None
) -> list[LoadResult]:
    """Load every dataset in dependency order; the caller commits."""
    return [loader(session, data_dir, progress) for loader in LOADERS]


def load_outcodes(session: Session, data_dir: Path, progress: Progress | None = None) -> LoadResult:
    rows = (
        {
            "outcode": r["outcode"],
            "latitude": float(r["latitude"]),
            "longitude": float(r["longitude"]),
            "country": r["country"],
            "local_authority": r["main_lad_name"] or None,
        }
        for r in _read_csv(data_dir / "outcodes.csv")
    )
    return _load(session, "outcodes", Outcode.__table__, rows, ["outcode"], progress)


def load_postcodes(
    session: Session, data_dir: Path, progress: Progress | None = None
) -> LoadResult:
    rows = (
        {
            "postcode": r["postcode"],
            "latitude": float(r["latitude"]),
            "longitude": float(r["longitude"]),
        }
        for r in _read_csv(data_dir / "postcodes_england.csv.gz")
    )
    return _load(session, "postcodes", Postcode.__table__, rows, ["postcode"], progress)


def load_sic(session: Session, data_dir: Path, progress: Progress | None = None) -> LoadResult:
    sections = (
        {"code": r["section"], "title": r["title"]}
        for r in _read_csv(data_dir / "sic_sections.csv")
    )
    result = _load(session, "sic_sections", SicSection.__table__, sections, ["code"], progress)
    divisions = (
        {"code": r["division"], "section_code": r["section"], "title": r["title"]}
        for r in _read_csv(data_dir / "sic_divisions.csv")
    )
    _load(session, "sic_divisions", SicDivision.__table__, divisions, ["code"], progress)
    return result


def load_rqf_levels(
    session: Session, data_dir: Path, progress: Progress | None = None
) -> LoadResult:
    rows = (
        {
            "level": r["level"],
            "sort_order": int(r["sort_order"]),
            "label": r["label"],
            "example_qualifications": r["example_qualifications"],
        }
        for r in _read_csv(data_dir / "rqf_levels.csv")
    )
    return _load(session, "rqf_levels", RqfLevel.__table__, rows, ["level"], progress)


def load_schools(session: Session, data_dir: Path, progress: Progress | None = None) -> LoadResult:
    areas = district_areas(data_dir)
    rows = [_school_row(r, areas) for r in _read_csv(data_dir / "schools.csv")]
    return _load_organisations(session, "schools", School, rows, progress)


@cache
def district_areas(data_dir: Path = DATA_DIR) -> dict[str, dict[str, str]]:
    """District code → its combined authority, and → its skills-plan (LSIP) area."""
    return {
        "combined_authority": {
            r["lad25_code"]: r["cauth25_name"]
            for r in _read_csv(data_dir / "combined_authorities_2025.csv")
        },
        "skills_area": {
            r["lad23_code"]: r["lsip23_name"] for r in _read_csv(data_dir / "lsip_areas.csv")
        },
    }


def area_names(field: str) -> set[str]:
    """The combined authorities (or skills-plan areas) an offer may aim at."""
    return set(district_areas()[field].values())


def load_fe_colleges(
    session: Session, data_dir: Path, progress: Progress | None = None
) -> LoadResult:
    rows = [_fe_college_row(r) for r in _read_csv(data_dir / "fe_colleges.csv")]
    return _load_organisations(session, "fe_colleges", Provider, rows, progress)


LOADERS = [load_outcodes, load_postcodes, load_sic, load_rqf_levels, load_schools, load_fe_colleges]


def _school_row(r: Row, areas: dict[str, dict[str, str]]) -> Row:
    urn = int(r["urn"])
    district = {
        field: lookup.get(r["district_code"]) or lookup.get(r["la_gss_code"])
        for field, lookup in areas.items()
    }
    return {
        "id": school_id(urn),
        "kind": OrganisationKind.SCHOOL,
        "name": r["name"],
        "urn": urn,
        "phase": r["phase"],
        "establishment_type": r["type_of_establishment_2023"],
        "trust": r["trust_2023"] or None,
        "local_authority": r["la_name"],
        **district,
        "region": r["region"],
        "town": r["town"] or None,
        "postcode": r["postcode"] or None,
        "latitude": _float(r["latitude"]),
        "longitude": _float(r["longitude"]),
        "statutory_low_age": _int(r["statutory_low_age"]),
        "statutory_high_age": _int(r["statutory_high_age"]),
        "number_of_pupils": _int(r["number_of_pupils_jan2023"]),
        "percentage_fsm": _float(r["percentage_fsm_jan2023"]),
        "urban_rural": r["urban_rural"] or None,
    }


def _fe_college_row(r: Row) -> Row:
    ukprn = int(r["ukprn"])
    return {
        "id": provider_id(ukprn),
        "kind": OrganisationKind.PROVIDER,
        "name": r["name"],
        "provider_type": ProviderType.FE_COLLEGE,
        "ukprn": ukprn,
        "urn": _int(r["urn"]),
        "town": r["town"] or None,
        "postcode": r["postcode"] or None,
        "latitude": _float(r["latitude"]),
        "longitude": _float(r["longitude"]),
    }


def _load_organisations(
    session: Session,
    dataset: str,
    model: type[Organisation],
    rows: list[Row],
    progress: Progress | None,
) -> LoadResult:
    """Upsert the shared `organisations` row, then the subtype's own row."""
    now = utcnow()
    parent = Organisation.__table__
    child = model.__table__
    parent_rows = [
        {
            "id": r["id"],
            "kind": r["kind"].value,
            "name": r["name"],
            "created_at": now,
            "updated_at": now,
        }
        for r in rows
    ]
    _load(session, dataset, parent, parent_rows, ["id"], None, keep_on_update={"created_at"})
    child_rows = [{k: v for k, v in r.items() if k in child.c and k != "kind"} for r in rows]
    return _load(session, dataset, child, child_rows, ["id"], progress, keep_on_update={"hub_id"})


def _load(
    session: Session,
    dataset: str,
    table: Table,
    rows: Iterable[Row],
    key: list[str],
    progress: Progress | None,
    keep_on_update: frozenset[str] | set[str] = frozenset(),
) -> LoadResult:
    count = 0
    for batch in _batched(rows, BATCH_SIZE):
        session.execute(_upsert(session, table, batch[0].keys(), key, keep_on_update), batch)
        count += len(batch)
        if progress:
            progress(len(batch))
    in_table = session.scalar(select(func.count()).select_from(table))
    return LoadResult(dataset, count, in_table or 0)


def _upsert(
    session: Session, table: Table, columns, key: list[str], keep: frozenset[str] | set[str]
):
    """INSERT … ON CONFLICT DO UPDATE, touching only rows whose data changed."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    updatable = [c for c in columns if c not in key and c not in keep and c != "updated_at"]
    if not updatable:
        return statement.on_conflict_do_nothing(index_elements=key)
    changed = or_(*(table.c[c].is_distinct_from(statement.excluded[c]) for c in updatable))
    values = {c: statement.excluded[c] for c in updatable}
    if "updated_at" in columns:
        values["updated_at"] = statement.excluded["updated_at"]
    return statement.on_conflict_do_update(index_elements=key, set_=values, where=changed)


def _batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _read_csv(path: Path) -> Iterator[Row]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _int(value: str) -> int | None:
    return int(value) if value not in ("", None) else None


def _float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


@cache
def soc_minor_groups(data_dir: Path = DATA_DIR) -> dict[int, str]:
    """SOC 2020 minor groups (3-digit code → title), read once from the shipped file."""
    rows = _read_csv(data_dir / "soc2020_minor_groups.csv")
    return {int(r["minor_group"]): r["title"] for r in rows}


@cache
def soc_short_titles(data_dir: Path = DATA_DIR) -> dict[int, str]:
    """SOC 2020 minor groups' titles of at most 44 characters, for labels on a map."""
    rows = _read_csv(data_dir / "soc2020_minor_groups.csv")
    return {int(r["minor_group"]): r["short_title"] for r in rows}


@cache
def soc_sub_major_groups(data_dir: Path = DATA_DIR) -> dict[int, str]:
    """SOC 2020 sub-major groups (2-digit code → title)."""
    rows = _read_csv(data_dir / "soc2020_groups.csv")
    return {int(r["sub_major_group"]): r["sub_major_group_title"] for r in rows}


@cache
def sic_section_titles(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """UK SIC 2007 sections (letter → title)."""
    return {r["section"]: r["title"] for r in _read_csv(data_dir / "sic_sections.csv")}


@cache
def rqf_level_labels(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """RQF levels in order (`entry`, `1` … `8` → label)."""
    rows = sorted(_read_csv(data_dir / "rqf_levels.csv"), key=lambda r: int(r["sort_order"]))
    return {r["level"]: r["label"] for r in rows}
