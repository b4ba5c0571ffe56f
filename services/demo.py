"""A deterministic demo built on the real reference data.

One Careers Hub of the 30 state secondary and special schools nearest to Leeds city
centre. Later capabilities extend `seed` with their own entities. Ids are derived from
names, so seeding twice (or on two machines) gives the same rows.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.organisations import Hub, School
from services.errors import Conflict
from services.geo import distance_km
from services.reference_data import ID_NAMESPACE

DEMO_CITY = "Leeds"
DEMO_CENTRE = (53.7997, -1.5492)  # Leeds City Square
DEMO_HUB_SIZE = 30
DEMO_HUB_ID = uuid.uuid5(ID_NAMESPACE, "hub:demo-leeds")


@dataclass(frozen=True)
class DemoSummary:
    hub: Hub
    schools: list[School]


def seed(session: Session) -> DemoSummary:
    """Create (or bring up to date) the demo; the caller commits."""
    hub = session.get(Hub, DEMO_HUB_ID) or Hub(id=DEMO_HUB_ID)
    hub.name = f"{DEMO_CITY} Careers Hub (demo)"
    hub.area = DEMO_CITY
    session.add(hub)
    schools = nearest_schools(session, *DEMO_CENTRE, limit=DEMO_HUB_SIZE)
    for school in schools:
        school.hub = hub
    session.flush()
    return DemoSummary(hub=hub, schools=schools)


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
