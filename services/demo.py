"""A deterministic demo built on the real reference data.

One Careers Hub of the 30 state secondary and special schools nearest to Leeds city
centre, and a login for every role. Ids are derived from names, so seeding twice (or
on two machines) gives the same rows; later capabilities extend `seed`.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.auth import ApiClient
from models.organisations import Employer, Hub, Organisation, OrganisationKind, Provider, School
from models.users import Role, User
from services.errors import Conflict
from services.geo import distance_km
from services.reference_data import ID_NAMESPACE, provider_id
from services.tokens import digest
from services.users import hash_password

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
    "bookings:read",
    "bookings:write",
]
DEMO_PROVIDER_UKPRN = 10003855  # Leeds College of Building, from the shipped FE college list
DEMO_EMPLOYERS = [
    ("Aire Valley Engineering Ltd", "C", "LS11 5DN"),
    ("Kirkgate Digital", "J", "LS1 6AZ"),
]


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, f"demo:{name}")


DEMO_HUB_ID = demo_id("hub")


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    organisation: str


@dataclass(frozen=True)
class DemoSummary:
    hub: Hub
    schools: list[School]
    logins: list[DemoLogin]
    password: str = DEMO_PASSWORD
    client_id: str = DEMO_CLIENT_ID
    client_secret: str = DEMO_CLIENT_SECRET


def seed(session: Session) -> DemoSummary:
    """Create (or bring up to date) the demo; the caller commits."""
    hub = _get_or_add(
        session, Hub, DEMO_HUB_ID, name=f"{DEMO_CITY} Careers Hub (demo)", area=DEMO_CITY
    )
    schools = nearest_schools(session, *DEMO_CENTRE, limit=DEMO_HUB_SIZE)
    for school in schools:
        school.hub = hub
    platform = _get_or_add(
        session, Organisation, demo_id("platform"), kind=OrganisationKind.PLATFORM, name="Engage"
    )
    employers = [
        _get_or_add(
            session, Employer, demo_id(name), name=name, sector_code=sector, postcode=postcode
        )
        for name, sector, postcode in DEMO_EMPLOYERS
    ]
    provider = session.get(Provider, provider_id(DEMO_PROVIDER_UKPRN))
    if provider is None:
        raise Conflict("Load the reference data first: flask --app wsgi data load")
    people = [
        (Role.ADMIN, "admin", platform),
        (Role.COORDINATOR, "coordinator", hub),
        (Role.SCHOOL_STAFF, "careers.leader1", schools[0]),
        (Role.SCHOOL_STAFF, "careers.leader2", schools[1]),
        (Role.EMPLOYER_STAFF, "employer1", employers[0]),
        (Role.EMPLOYER_STAFF, "employer2", employers[1]),
        (Role.VOLUNTEER, "volunteer", employers[0]),
        (Role.PROVIDER_STAFF, "provider", provider),
    ]
    logins = [
        _demo_user(session, role, handle, organisation) for role, handle, organisation in people
    ]
    _demo_client(session, schools[0])
    session.flush()
    return DemoSummary(hub=hub, schools=schools, logins=logins)


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


def _demo_user(session: Session, role: Role, handle: str, organisation: Organisation) -> DemoLogin:
    email = f"{handle}@demo.engage.example"
    if session.scalar(select(User.id).where(User.email == email)) is None:
        session.add(
            User(
                id=demo_id(f"user:{handle}"),
                email=email,
                name=f"Demo {handle.replace('.', ' ').title()}",
                password_hash=hash_password(DEMO_PASSWORD),
                role=role,
                organisation_id=organisation.id,
                is_org_admin=role is not Role.VOLUNTEER,
            )
        )
    return DemoLogin(role, email, organisation.name)


def _demo_client(session: Session, school: School) -> None:
    if session.scalar(select(ApiClient.id).where(ApiClient.client_id == DEMO_CLIENT_ID)) is None:
        session.add(
            ApiClient(
                id=demo_id("client"),
                organisation_id=school.id,
                name="Demo school MIS integration",
                client_id=DEMO_CLIENT_ID,
                secret_digest=digest(DEMO_CLIENT_SECRET),
                scopes=DEMO_CLIENT_SCOPES,
            )
        )


def _get_or_add(session: Session, model: type, object_id: uuid.UUID, **values):
    obj = session.get(model, object_id)
    if obj is None:
        obj = model(id=object_id, **values)
        session.add(obj)
    else:
        for name, value in values.items():
            setattr(obj, name, value)
    return obj
