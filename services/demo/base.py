"""Where the demo lives, how its ids are made, and the upsert every part of it uses."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.organisations import (
    School,
)
from models.reference import Postcode
from services import school_years
from services.errors import Conflict
from services.geo import distance_km
from services.reference_data import ID_NAMESPACE

DEMO_CITY = "Leeds"
DEMO_CENTRE = (53.7997, -1.5492)  # Leeds City Square
DEMO_HUB_SIZE = 30
DEMO_PASSWORD = "engage-demo-password"
DEMO_CLIENT_ID = "eng_demo_school_partner"
DEMO_CLIENT_SECRET = "demo-partner-secret-not-for-production"
DEMO_CLIENT_SCOPES = [
    "schools:read",
    "hubs:read",
    "needs:read",
    "needs:write",
    "offers:read",
    "matches:read",
    "matches:write",
    "bookings:read",
    "bookings:write",
    "events:read",
    "webhooks:read",
    "webhooks:write",
]
# The partner app's school is subscribed to its news at a receiver on this machine (the
# README's local receiver); deliveries reach it only with WEBHOOK_ALLOW_LOOPBACK=1.
DEMO_WEBHOOK_URL = "http://127.0.0.1:8765/engage-webhooks"
DEMO_WEBHOOK_SECRET = "whsec_ZGVtby13ZWJob29rLXNlY3JldC1ub3QtZm9yLXByb2Q="
DEMO_WEBHOOK_TYPES = [
    "booking.confirmed",
    "booking.declined",
    "booking.cancelled",
    "waitlist.offered",
    "match.accepted",
    "match.declined",
    "offer_request.proposed",
    "offer_request.scheduled",
    "offer_request.declined",
    "offer_request.cancelled",
]
DEMO_PROVIDER_UKPRN = 10003855  # Leeds College of Building, from the shipped FE college list
DEMO_EMPLOYERS = [
    ("Aire Valley Engineering Ltd", "C", "LS11 5DN"),
    ("Kirkgate Digital", "J", "LS1 6AZ"),
]
DEMO_EMPLOYER_COUNT = 40
DEMO_VOLUNTEER_COUNT = 1000
DEMO_ADVISER_COUNT = 60
DEMO_SEED = 20250901
DEMO_RADIUS_KM = 25
DEMO_AREAS = ("LS", "BD", "WF", "HX", "HD")  # postcode areas around Leeds
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, f"demo:{name}")


DEMO_HUB_ID = demo_id("hub")


def demo_postcodes(session: Session) -> list[Postcode]:
    """Real postcodes within DEMO_RADIUS_KM of the demo centre, in a stable order."""
    latitude, longitude = DEMO_CENTRE
    found: list[Postcode] = []
    for area in DEMO_AREAS:
        upper = area[:-1] + chr(ord(area[-1]) + 1)
        rows = session.scalars(
            select(Postcode)
            .where(Postcode.postcode >= area, Postcode.postcode < upper)
            .order_by(Postcode.postcode)
        )
        found += [
            p
            for p in rows
            if p.postcode[len(area)].isdigit()
            and distance_km(latitude, longitude, p.latitude, p.longitude) <= DEMO_RADIUS_KM
        ]
    if not found:
        raise Conflict("Load the reference data first: flask --app wsgi data load")
    return found


def nearest_schools(
    session: Session, latitude: float, longitude: float, *, limit: int
) -> list[School]:
    box = 0.25  # degrees: about 28 km north-south, 16 km east-west at Leeds
    candidates = session.scalars(
        select(School).where(
            School.latitude.between(latitude - box, latitude + box),
            School.longitude.between(longitude - box * 1.7, longitude + box * 1.7),
        )
    ).all()
    if len(candidates) < limit:
        raise Conflict("Load the reference data first: flask --app wsgi data load")
    candidates = sorted(
        candidates, key=lambda s: (distance_km(latitude, longitude, s.latitude, s.longitude), s.urn)
    )
    return candidates[:limit]


def get_or_add(session: Session, model: type, object_id: uuid.UUID, **values):
    """The row with this id, created with `values` or brought up to date with them."""
    obj = session.get(model, object_id)
    if obj is None:
        obj = model(id=object_id, **values)
        session.add(obj)
    else:
        for name, value in values.items():
            setattr(obj, name, value)
    return obj


def demo_school_year() -> int:
    """The school year the demo lives in: the current one, as London dates today."""
    return school_years.school_year_start(school_years.london_today())
