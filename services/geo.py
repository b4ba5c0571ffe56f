"""Geocoding UK postcodes against the shipped OS Code-Point Open data."""

import math
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.reference import Outcode, Postcode
from services.errors import InvalidInput

EARTH_RADIUS_KM = 6371.0088
# Outward code, then inward code (digit + two letters); GIR 0AA is the one historic exception.
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")


@dataclass(frozen=True)
class Location:
    postcode: str
    latitude: float
    longitude: float
    precision: Literal["postcode", "outcode"]


def located(location: Location | None) -> tuple[str | None, float | None, float | None]:
    """The (postcode, latitude, longitude) an object stores for a geocoded postcode; all
    three None when the postcode was cleared."""
    if location is None:
        return None, None, None
    return location.postcode, location.latitude, location.longitude


def outward_code(postcode: str) -> str:
    """`LS1 4DY` -> `LS1`: the district, without the street-level part."""
    return postcode.split(" ", 1)[0]


def normalise_postcode(raw: str) -> str:
    """`sw1a1aa` -> `SW1A 1AA`; raises InvalidInput when it cannot be a UK postcode."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if not _POSTCODE.match(compact):
        raise InvalidInput(
            "Not a valid UK postcode.",
            errors={"postcode": [f"'{raw}' is not a valid UK postcode, e.g. 'SW1A 1AA'."]},
        )
    return f"{compact[:-3]} {compact[-3:]}"


def geocode(session: Session, postcode: str) -> Location:
    """The postcode's own coordinates when the postcode table has it, else its outcode centroid."""
    normalised = normalise_postcode(postcode)
    exact = session.get(Postcode, normalised)
    if exact is not None:
        return Location(normalised, exact.latitude, exact.longitude, "postcode")
    outcode = session.scalar(select(Outcode).where(Outcode.outcode == normalised.split(" ")[0]))
    if outcode is not None:
        return Location(normalised, outcode.latitude, outcode.longitude, "outcode")
    raise InvalidInput(
        "Unknown postcode.",
        errors={"postcode": [f"'{normalised}' is not a known UK postcode or postcode district."]},
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def distances_km(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """`distance_km` from one point to each of many at once (arrays of coordinates)."""
    phi0, phi = np.radians(lat0), np.radians(lat)
    a = (
        np.sin((phi - phi0) / 2) ** 2
        + np.cos(phi0) * np.cos(phi) * np.sin((np.radians(lon) - np.radians(lon0)) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
