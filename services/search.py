"""Distance search shared by the directories: a bounding box on indexed coordinates, then
the exact great-circle distance on the few rows inside it.

The box is wide enough to hold the whole circle, so no row within `within_km` is lost;
only the candidates' id and coordinates are read (from a covering index on volunteers),
and only one page of objects is loaded. Ties in distance are broken by id. Nearest
first, numpy's distances choose the page and the exact ones order it (see `_nearest`).
"""

import math
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from psycopg import pq
from sqlalchemy import String, cast, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.organisations import Organisation
from services.errors import InvalidInput
from services.geo import EARTH_RADIUS_KM, Location, distances_km, geocode
from services.pagination import Page, equal_by_name, paginate

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180
MAX_WITHIN_KM = 200
# Far more than numpy's distances and the exact ones ever differ (about 1e-14 km).
SLACK_KM = 1e-6
BINARY_RESULTS = "engage_binary_results"  # an execution option: see _read_in_binary


@dataclass(frozen=True)
class Near:
    """One search result with its distance from the search's origin; reads as the item
    too, so one schema dumps hits and plain items alike."""

    item: Any
    distance_km: float

    def __getattr__(self, name: str) -> Any:  # only for names Near itself lacks
        if name.startswith("__"):  # protocols (copying, mappings) stay Near's own
            raise AttributeError(name)
        return getattr(self.item, name)


@dataclass(frozen=True)
class Origin:
    """Where a distance search starts and how far it reaches."""

    location: Location
    within_km: float


def origin(session: Session, near: str, within_km: float, field: str = "near") -> Origin:
    """Geocode the `near` postcode, reporting a bad one against the query field."""
    if not 0 < within_km <= MAX_WITHIN_KM:
        raise InvalidInput(
            "Distance out of range.",
            errors={"within_km": [f"Must be more than 0 and at most {MAX_WITHIN_KM}."]},
        )
    try:
        location = geocode(session, near)
    except InvalidInput as error:
        raise InvalidInput(error.detail, errors={field: error.errors["postcode"]}) from error
    return Origin(location, within_km)


def bounding_box(latitude: float, longitude: float, km: float) -> tuple[float, ...]:
    """(south, north, west, east) in degrees, containing every point within `km`."""
    dlat = km / KM_PER_DEGREE
    # East-west degrees shrink towards the poles: size the box at its poleward edge.
    poleward = min(89.9, abs(latitude) + dlat)
    dlon = km / (KM_PER_DEGREE * math.cos(math.radians(poleward)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def search_near(
    session: Session,
    model: type,
    where: Origin,
    *,
    conditions: Sequence = (),
    columns: Sequence = (),
    join: tuple | None = None,
    page: int,
    page_size: int,
    sort_key: Callable[[Any, float], Any] | None = None,
    keep: Callable[[Any, float], bool] | None = None,
    options: Sequence = (),
    load: Callable[[Session, list[uuid.UUID]], Mapping[uuid.UUID, Any]] | None = None,
) -> Page:
    """Page through `model` rows matching `conditions` within reach of `where`, nearest first.

    Only the id, the coordinates and `columns` (what `sort_key(row, distance)` and
    `keep(row, distance)` read) are fetched for the candidates; ids stay raw until the page
    is chosen. `join` is `(table, onclause)` when a condition or column needs another table.
    The page's items are `model` entities loaded with `options`, or what `load(session, ids)`
    reads for those ids.
    """
    rows = _candidates(session, model.__table__, where, conditions, columns, join)
    if sort_key is None and keep is None:
        total, hits = _nearest(rows, where, page * page_size)
    else:
        hits = _within_reach(rows, where, sort_key, keep)
        total = len(hits)
    window = [
        (_as_uuid(object_id), distance)
        for _, object_id, distance in hits[(page - 1) * page_size :][:page_size]
    ]
    ids = [object_id for object_id, _ in window]
    objects = load(session, ids) if load else load_by_id(session, model, ids, options)
    return Page(
        [Near(objects[object_id], round(distance, 3)) for object_id, distance in window], total
    )


def _candidates(session: Session, table, where: Origin, conditions, columns, join) -> list:
    """The id, coordinates and `columns` of the rows inside the bounding box of the reach."""
    south, north, west, east = bounding_box(
        where.location.latitude, where.location.longitude, where.within_km
    )
    query = select(
        cast(table.c.id, String).label("id"), table.c.latitude, table.c.longitude, *columns
    )
    if join is not None:
        query = query.join(*join)
    query = query.where(
        *conditions, table.c.latitude.between(south, north), table.c.longitude.between(west, east)
    )
    # Core execution: thousands of candidate rows skip the ORM's per-row bookkeeping.
    # The option on the statement, not the connection (which would keep it, in place, for
    # the rest of the request's statements).
    return session.connection().execute(query.execution_options(**{BINARY_RESULTS: True})).all()


@event.listens_for(Engine, "before_cursor_execute")
def _read_in_binary(connection, cursor, statement, parameters, context, executemany) -> None:
    """psycopg reads the rows of a statement run with the BINARY_RESULTS option in
    PostgreSQL's binary format: a float8 comes as its eight bytes, where as text the server
    prints it and the driver parses it back (exactly), twice the cost for many rows."""
    asked = context is not None and context.execution_options.get(BINARY_RESULTS)
    if asked and connection.dialect.driver == "psycopg":
        cursor.format = pq.Format.BINARY


def _within_reach(rows, where: Origin, sort_key, keep) -> list[tuple[Any, str, float]]:
    """(sort key, id, distance) of the rows truly within reach that `keep` keeps, in order."""
    # The haversine of services.geo.distance_km, unrolled over the candidates.
    phi0, lambda0 = math.radians(where.location.latitude), math.radians(where.location.longitude)
    cos_phi0, sin, cos, asin, sqrt, radians = (
        math.cos(phi0),
        math.sin,
        math.cos,
        math.asin,
        math.sqrt,
        math.radians,
    )
    diameter = 2 * EARTH_RADIUS_KM
    hits = []
    for row in rows:
        phi = radians(row[1])
        a = (
            sin((phi - phi0) / 2) ** 2
            + cos_phi0 * cos(phi) * sin((radians(row[2]) - lambda0) / 2) ** 2
        )
        distance = diameter * asin(sqrt(a))
        if distance <= where.within_km and (keep is None or keep(row, distance)):
            hits.append((sort_key(row, distance) if sort_key else distance, str(row[0]), distance))
    hits.sort()
    return hits


def _nearest(rows, where: Origin, needed: int) -> tuple[int, list[tuple[Any, str, float]]]:
    """How many rows are within reach, and the first `needed` of them as `_within_reach`
    has them, nearest first: what `_within_reach` returns for all of them, at a fraction
    of the cost.

    numpy's distances, for all the rows at once, can be a few units in the last place off
    the exact ones (its sine is not libm's), so they only choose: the exact distance is
    worked out for the rows that could be among the first `needed`, and for those close
    enough to the edge of the reach that numpy might have put them on the wrong side.
    """
    if not rows:
        return 0, []
    approx = distances_km(
        where.location.latitude,
        where.location.longitude,
        np.fromiter((row[1] for row in rows), float, len(rows)),
        np.fromiter((row[2] for row in rows), float, len(rows)),
    )
    reach = np.flatnonzero(approx <= where.within_km + SLACK_KM)  # every hit, perhaps a few more
    edge = reach[approx[reach] >= where.within_km - SLACK_KM]
    total = len(reach) - len(edge) + len(_within_reach([rows[i] for i in edge], where, None, None))
    if len(reach) > needed:
        # The first `needed` hits lie no further than the needed-th nearest by numpy, give
        # or take its error each way.
        cutoff = np.partition(approx[reach], needed - 1)[needed - 1] + 2 * SLACK_KM
        reach = reach[approx[reach] <= cutoff]
    return total, _within_reach([rows[i] for i in reach], where, None, None)[:needed]


def _as_uuid(value) -> uuid.UUID:
    """SQLite hands back the stored hex; PostgreSQL's driver a UUID already."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def load_by_id(
    session: Session, model: type, ids: list[uuid.UUID], options: Sequence = ()
) -> dict[uuid.UUID, Any]:
    if not ids:
        return {}
    query = select(model).where(model.id.in_(ids)).options(*options)
    return {obj.id: obj for obj in session.scalars(query)}


def search_organisations(
    session: Session,
    model: type,
    equal: Collection[str],
    *,
    page: int,
    page_size: int,
    name: str | None = None,
    near: Origin | None = None,
    sort: str | None = None,
    **filters,
) -> Page:
    """An organisation directory page: those whose name contains `name` and whose columns
    named in `equal` hold the values `filters` give them (see `equal_by_name`); by name,
    or nearest first (or by name) around `near`."""
    conditions = [model.name.ilike(f"%{name}%")] if name else []
    conditions += equal_by_name(model, equal, filters)
    if near is None:
        if sort == "distance":
            raise InvalidInput(
                "Sorting by distance needs `near`.", errors={"sort": ["Give `near`."]}
            )
        # organisations.id, not the subclass's equal id: ix_organisations_name_id then
        # serves the whole order.
        query = select(model).where(*conditions).order_by(model.name, Organisation.id)
        return paginate(session, query, page=page, page_size=page_size)
    if sort not in (None, "distance", "name"):
        raise InvalidInput("Unsupported sort.", errors={"sort": ["Use distance or name."]})
    by_name = sort == "name"
    organisations = Organisation.__table__
    return search_near(
        session,
        model,
        near,
        conditions=conditions,
        join=(organisations, organisations.c.id == model.__table__.c.id),
        columns=[organisations.c.name] if by_name else [],
        page=page,
        page_size=page_size,
        sort_key=(lambda row, _: row.name) if by_name else None,
    )
