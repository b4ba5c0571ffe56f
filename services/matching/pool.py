"""The volunteer pool: every volunteer's matching columns, loaded once per process.

Loading: one query (`_pool_query`) reads the columns the engine needs, labelled, in id
order; `_columns` turns them into a `Pool` (JSON parsed once per distinct value).

The per-process cache: `volunteer_pool` holds the pool and, at each ranking, reads the
pool's stamp (services.matching.changes): when writes were logged since, it reads again
only the volunteers they touched; a new generation (a bulk load that called
`stamp_pool_generation`) or a gap in the log means a full reload. The flush listener that
logs every ORM write to volunteers and employers lives in services.matching.changes.
"""

import json
import threading
import uuid
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Integer, String, cast, or_, select, type_coerce
from sqlalchemy.orm import Session

from models.journeys import Journey
from models.organisations import Employer, EmployerSize
from models.volunteers import SIC_SECTIONS, Volunteer
from services.matching import changes
from services.matching.encoding import availability_bits, topic_bits
from services.matching.engine import DBS_FOREVER, NO_DBS, Pool

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
        # Only a named journey: a candidate is shown by name, so an anonymous one's kinds
        # beside that name would name it.
        .outerjoin(Journey.__table__, (_J.volunteer_id == _V.id) & _J.named.is_(True))
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
    sequence: int  # the last logged change this copy includes
    pool: Pool
    rows: dict  # volunteer id as loaded → pool row


_held: dict[str, _Held] = {}
_loading = threading.Lock()


def volunteer_pool(session: Session) -> tuple[Pool, dict]:
    """Every volunteer's columns and their rows by id.

    This process holds them and, when writes have been logged since (services.matching.
    changes), refreshes only the volunteers they touched. The stamp is read before the
    rows, so a write that lands in between is at worst read again. A new generation (a bulk
    load), or a copy so far behind that the log no longer reaches it, is read in full. A
    database without a stamp (just emptied) is read every time and nothing is held.
    """
    stamp = changes.current(session)
    key = session.get_bind().url.render_as_string()
    held = _held.get(key)
    if _fresh(held, stamp):
        return held.pool, held.rows
    with _loading:
        held = _held.get(key)
        if not _fresh(held, stamp):
            held = _refreshed(session, held, stamp)
            if stamp is not None:
                _held[key] = held
    return held.pool, held.rows


def _fresh(held: _Held | None, stamp: changes.Stamp | None) -> bool:
    return held is not None and stamp is not None and (held.generation, held.sequence) == stamp


def _refreshed(session: Session, held: _Held | None, stamp: changes.Stamp | None) -> _Held:
    if held is not None and stamp is not None and held.generation == stamp.generation:
        touched = changes.since(session, held.sequence, stamp.sequence)
        if touched is not None:
            pool, rows = _patched(session, held, touched)
            return _Held(stamp.generation, stamp.sequence, pool, rows)
    pool = _read(session, _pool_query())
    generation, sequence = stamp if stamp is not None else (None, 0)
    return _Held(generation, sequence, pool, rows_by_id(pool))


def _patched(session: Session, held: _Held, touched: changes.Touched) -> tuple[Pool, dict]:
    """The held pool with the touched volunteers read again: changed rows replaced, new ones
    inserted in id order, deleted ones removed. A new pool: the held one is shared."""
    fresh = _read(
        session,
        _pool_query().where(
            or_(_V.id.in_(touched.volunteer_ids), _V.employer_id.in_(touched.employer_ids))
        ),
    )
    found = set(fresh.ids)
    gone = [held.rows[v] for v in touched.volunteer_keys if v not in found and v in held.rows]
    added = [i for i, v in enumerate(fresh.ids) if v not in held.rows]
    if not gone and not added:
        return held.pool.replaced([held.rows[v] for v in fresh.ids], fresh), held.rows
    replaced = [held.rows[v] for v in fresh.ids if v in held.rows]
    pool = held.pool.without(gone + replaced).merged(fresh)
    return pool, rows_by_id(pool)


def stamp_pool_generation(session: Session) -> None:
    """Mark every process's held volunteers stale, in the caller's transaction: a bulk
    INSERT or UPDATE must call it (ORM writes are logged one by one, by the flush listener)."""
    changes.new_generation(session)
