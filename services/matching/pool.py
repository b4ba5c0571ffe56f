"""The volunteer pool: every volunteer's matching columns, loaded once per process.

Loading: one query (`_pool_query`) reads the columns the engine needs, labelled, in id
order; `_columns` turns them into a `Pool` (JSON parsed once per distinct value).

The per-process cache: `volunteer_pool` holds the pool until the generation stamped in
`matching_pool_generations` (models.matching) changes, so every process, on any machine,
sees at its next ranking that its copy is stale.

The flush listener: `stamp_on_volunteer_writes` is registered on every Session's
`before_flush` when this module is imported (services.matching imports it), and stamps a
new generation in the same transaction as any ORM write to volunteers or employers. A bulk
INSERT or UPDATE that bypasses the ORM must call `stamp_pool_generation` itself.
"""

import json
import threading
import uuid
from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import Integer, String, cast, event, select, type_coerce
from sqlalchemy.orm import Session

from models.journeys import Journey
from models.matching import PoolGeneration
from models.organisations import Employer, EmployerSize
from models.volunteers import SIC_SECTIONS, Volunteer
from services.idempotency import upsert
from services.matching.encoding import availability_bits, topic_bits
from services.matching.engine import DBS_FOREVER, NO_DBS, Pool

VOLUNTEER_POOL = "volunteers"
_V = Volunteer.__table__.c
_E = Employer.__table__.c
_J = Journey.__table__.c
_SIZES = {size.value: i for i, size in enumerate(EmployerSize)}
_SECTIONS = {section: i for i, section in enumerate(SIC_SECTIONS)}


def _as_int(column):
    return type_coerce(column, Integer)


# Loading -------------------------------------------------------------------------------


def _pool_query():
    """Every volunteer's matching columns, labelled, in id order (the final tie-break)."""
    return (
        select(
            cast(_V.id, String).label("id"),
            _V.latitude.label("latitude"),
            _V.longitude.label("longitude"),
            _V.travel_radius_km.label("radius"),
            _as_int(_V.activity_types).label("activities"),
            _as_int(_V.modes).label("modes"),
            _as_int(_V.year_groups).label("years"),
            _as_int(_V.sectors).label("sectors"),
            # JSON as raw text: parsed once per distinct value.
            cast(_V.topics, String).label("topics"),
            cast(_V.weekly_availability, String).label("availability"),
            cast(_V.unavailable_dates, String).label("unavailable_dates"),
            _V.dbs_enhanced.label("dbs_enhanced"),
            _V.dbs_barred_list.label("dbs_barred_list"),
            cast(_V.dbs_issued_on, String).label("dbs_issued_on"),
            _V.dbs_update_service.label("dbs_update_service"),
            cast(_E.size_band, String).label("employer_size"),
            _E.sector_code.label("employer_sector"),
            _V.monthly_capacity.label("capacity"),
            _as_int(_J.kinds).label("journey_kinds"),
        )
        .join(Employer.__table__, _E.id == _V.employer_id)
        .outerjoin(Journey.__table__, (_J.volunteer_id == _V.id) & _J.shared.is_(True))
        .order_by(_V.id)
    )


def load_pool(session: Session, *, volunteer_ids: list[uuid.UUID]) -> Pool:
    """Columns of the given volunteers, read now (one volunteer against needs)."""
    return _read(session, _pool_query().where(_V.id.in_(volunteer_ids)))


def _read(session: Session, query) -> Pool:
    result = session.connection().execute(query)
    keys = list(result.keys())
    rows = result.all()
    columns = dict(zip(keys, zip(*rows, strict=True), strict=True)) if rows else {}
    return _columns({key: columns.get(key, ()) for key in keys})


def _columns(c: dict[str, tuple]) -> Pool:
    """Labelled columns as the engine's arrays; ids stay in the driver's form."""
    topics = _parsed(c["topics"], topic_bits)
    hours = _parsed(c["availability"], availability_bits)
    dates = _parsed(c["unavailable_dates"], set)
    issued = np.array(
        [int(t[:4] + t[5:7] + t[8:10]) if t else 0 for t in c["dbs_issued_on"]], dtype=np.int64
    )
    expiry = issued + 30_000 - (issued % 10_000 == 229)  # 29 February: 28 February
    checked = np.array(c["dbs_enhanced"], dtype=bool) & np.array(c["dbs_barred_list"], dtype=bool)
    update = np.array(c["dbs_update_service"], dtype=bool)
    dbs = np.where(checked & (issued > 0), np.where(update, DBS_FOREVER, expiry), NO_DBS)
    n = len(c["id"])
    return Pool(
        ids=list(c["id"]),
        latitude=np.array(c["latitude"], dtype=float),
        longitude=np.array(c["longitude"], dtype=float),
        radius=np.array(c["radius"], dtype=float),
        activities=np.array(c["activities"], dtype=np.int64),
        modes=np.array(c["modes"], dtype=np.int64),
        years=np.array(c["years"], dtype=np.int64),
        sectors=np.array(c["sectors"], dtype=np.int64),
        topics=np.array([topics[t] for t in c["topics"]], dtype=np.uint64),
        availability=np.array([hours[t] for t in c["availability"]], dtype=np.uint64),
        dbs_through=dbs.astype(np.int64),
        employer_size=np.array([_SIZES.get(v, -1) for v in c["employer_size"]], dtype=np.int64),
        employer_sector=np.array(
            [_SECTIONS.get(v, -1) for v in c["employer_sector"]], dtype=np.int64
        ),
        capacity=np.array(c["capacity"], dtype=float),
        load=np.zeros(n),
        commitments=np.zeros(n),
        journey_kinds=np.array([k or 0 for k in c["journey_kinds"]], dtype=np.int64),
        unavailable_dates={
            i: dates[text] for i, text in enumerate(c["unavailable_dates"]) if dates[text]
        },
    )


def _parsed(texts: tuple, parse) -> dict:
    """Each distinct JSON text once, parsed then encoded by `parse`."""
    return {text: parse(json.loads(text or "[]")) for text in set(texts)}


def rows_by_id(pool: Pool) -> dict:
    """Volunteer id (as loaded) → pool row."""
    return {volunteer_id: row for row, volunteer_id in enumerate(pool.ids)}


# The per-process cache -----------------------------------------------------------------


@dataclass(frozen=True)
class _Held:
    generation: uuid.UUID
    pool: Pool
    rows: dict  # volunteer id as loaded → pool row


_held: dict[str, _Held] = {}
_loading = threading.Lock()


def volunteer_pool(session: Session) -> tuple[Pool, dict]:
    """Every volunteer's columns and their rows by id.

    This process holds them until a write to volunteers or employers stamps a new
    generation. The generation is read before the rows, so a write that lands in between
    is at worst loaded again. A database without a stamp (just emptied, or bulk-loaded
    without `stamp_pool_generation`) is read every time and nothing is held.
    """
    generation = session.scalar(
        select(PoolGeneration.generation).where(PoolGeneration.pool == VOLUNTEER_POOL)
    )
    key = session.get_bind().url.render_as_string()
    held = _held.get(key)
    if held is None or held.generation != generation:
        with _loading:
            held = _held.get(key)
            if held is None or held.generation != generation:
                pool = _read(session, _pool_query())
                held = _Held(generation, pool, rows_by_id(pool))
                if generation is not None:
                    _held[key] = held
    return held.pool, held.rows


def stamp_pool_generation(session: Session) -> None:
    """Mark every process's held volunteers stale, in the caller's transaction. Flushes of
    volunteers and employers do it by themselves; a bulk INSERT or UPDATE must call it."""
    statement = upsert(session, PoolGeneration).values(pool=VOLUNTEER_POOL, generation=uuid.uuid4())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["pool"], set_={"generation": statement.excluded.generation}
        )
    )


# The flush listener --------------------------------------------------------------------


def stamp_on_volunteer_writes(session: Session, _flush_context, _instances) -> None:
    """before_flush: a flush that writes a volunteer, an employer or a career journey (its
    kinds are a pool column) stamps a generation."""
    written = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, Volunteer | Employer | Journey) for obj in written):
        stamp_pool_generation(session)


event.listen(Session, "before_flush", stamp_on_volunteer_writes)
