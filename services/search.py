"""Distance search shared by the directories: a bounding box on indexed coordinates, then
the exact great-circle distance on the few rows inside it.

The box is wide enough to hold the whole circle, so no row within `within_km` is lost;
only the candidates' id and coordinates are read, and only one page of objects is loaded.
"""

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.errors import InvalidInput
from services.geo import EARTH_RADIUS_KM, Location, distance_km, geocode
from services.pagination import Page

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180
MAX_WITHIN_KM = 200


@dataclass(frozen=True)
class Near:
    """One search result with its distance from the search's origin."""

    item: Any
    distance_km: float


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
    query: Select,
    where: Origin,
    *,
    page: int,
    page_size: int,
    sort_key: Callable[[Any, float], Any] | None = None,
    keep: Callable[[Any, float], bool] | None = None,
) -> Page:
    """Page through `query`'s rows within reach of `where`, nearest first by default.

    `query` selects `model.id, model.latitude, model.longitude` and any columns that
    `sort_key(row, distance)` or `keep(row, distance)` read; it carries the other filters.
    """
    south, north, west, east = bounding_box(
        where.location.latitude, where.location.longitude, where.within_km
    )
    candidates = session.execute(
        query.where(model.latitude.between(south, north), model.longitude.between(west, east))
    ).all()
    hits = []
    for row in candidates:
        distance = distance_km(
            where.location.latitude, where.location.longitude, row.latitude, row.longitude
        )
        if distance <= where.within_km and (keep is None or keep(row, distance)):
            hits.append((row, distance))
    order = sort_key or (lambda row, distance: distance)
    hits.sort(key=lambda hit: (order(*hit), hit[0].id))
    window = hits[(page - 1) * page_size : page * page_size]
    objects = load_by_id(session, model, [row.id for row, _ in window])
    items = [Near(objects[row.id], round(distance, 3)) for row, distance in window]
    return Page(items, len(hits))


def load_by_id(session: Session, model: type, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    if not ids:
        return {}
    return {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(ids)))}
