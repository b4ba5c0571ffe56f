"""The demo's directory: employers of every size and sector, 1,000 volunteers at real
postcodes, the hub's Enterprise Advisers, a login for every role and a partner app."""

import functools
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.auth import ApiClient
from models.organisations import (
    Employer,
    EmployerSize,
    Hub,
    Organisation,
    OrganisationKind,
    Provider,
    School,
)
from models.reference import Postcode
from models.users import Role, User
from models.volunteers import (
    SIC_SECTIONS,
    ActivityType,
    AdviserStatus,
    EnterpriseAdviser,
    ExpertiseArea,
    Mode,
    RoleModelAttribute,
    Volunteer,
)
from models.webhooks import WebhookSubscription
from services.demo.base import (
    DAYS,
    DEMO_ADVISER_COUNT,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SCOPES,
    DEMO_CLIENT_SECRET,
    DEMO_EMPLOYER_COUNT,
    DEMO_EMPLOYERS,
    DEMO_PASSWORD,
    DEMO_PROVIDER_UKPRN,
    DEMO_SEED,
    DEMO_VOLUNTEER_COUNT,
    DEMO_WEBHOOK_SECRET,
    DEMO_WEBHOOK_TYPES,
    DEMO_WEBHOOK_URL,
    demo_id,
    demo_postcodes,
    get_or_add,
)
from services.errors import Conflict
from services.reference_data import provider_id
from services.tokens import digest
from services.users import hash_password

UNUSABLE_PASSWORD = "!"  # seeded volunteers sign in only after an invitation
PLACE_WORDS = ["Aire", "Calder", "Wharfe", "Pennine", "Kirkstall", "Headingley", "Roundhay"]
PLACE_WORDS += ["Holbeck", "Chapel", "Moortown", "Otley", "Temple", "Granary", "Briggate"]
TRADE_WORDS = {
    "A": "Farms",
    "B": "Quarrying",
    "C": "Manufacturing",
    "D": "Energy",
    "E": "Water Services",
    "F": "Construction",
    "G": "Retail",
    "H": "Logistics",
    "I": "Hospitality",
    "J": "Digital",
    "K": "Finance",
    "L": "Property",
    "M": "Consulting",
    "N": "Facilities",
    "O": "Council Services",
    "P": "Learning",
    "Q": "Health",
    "R": "Arts",
    "S": "Community Services",
    "T": "Household Services",
    "U": "International",
}
JOB_TITLES = ["Apprentice", "Engineer", "Project manager", "Analyst", "Technician", "Director"]
JOB_TITLES += ["Nurse", "Chef", "Electrician", "Designer", "Accountant", "Software developer"]
JOB_TITLES += ["Site manager", "Marketing officer", "HR adviser", "Data scientist", "Joiner"]
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hamza", "Isla"]
FIRST_NAMES += ["Jack", "Kiran", "Lily", "Mo", "Niamh", "Oscar", "Priya", "Rory", "Sana"]
FIRST_NAMES += ["Tom", "Uma", "Vik", "Wren", "Yusuf", "Zara"]
LAST_NAMES = ["Ahmed", "Brown", "Clarke", "Dhillon", "Evans", "Fletcher", "Green", "Hussain"]
LAST_NAMES += ["Iqbal", "Jones", "Khan", "Lee", "Mistry", "Nowak", "Okafor", "Patel", "Quinn"]
LAST_NAMES += ["Robinson", "Singh", "Taylor", "Umar", "Walsh", "Young"]
TOPICS = ["apprenticeships", "STEM", "green jobs", "digital skills", "starting a business"]
TOPICS += ["healthcare careers", "creative industries", "money and finance", "construction"]


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    organisation: str


def named_employers(session: Session) -> list[Employer]:
    """The employers the demo's logins belong to (DEMO_EMPLOYERS)."""
    return [
        get_or_add(
            session, Employer, demo_id(name), name=name, sector_code=sector, postcode=postcode
        )
        for name, sector, postcode in DEMO_EMPLOYERS
    ]


def logins(session: Session, hub: Hub, schools: list[School], employers) -> list[DemoLogin]:
    """A login for every role, and the first school's partner app."""
    provider = session.get(Provider, provider_id(DEMO_PROVIDER_UKPRN))
    if provider is None:
        raise Conflict("Load the reference data first: flask --app wsgi data load")
    platform = get_or_add(
        session, Organisation, demo_id("platform"), kind=OrganisationKind.PLATFORM, name="Engage"
    )
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
    made = [_login(session, role, handle, organisation) for role, handle, organisation in people]
    _partner_app(session, schools[0])
    _webhook_subscription(session, schools[0])
    return made


def volunteer_ids() -> list[uuid.UUID]:
    return [demo_id(f"volunteer:{i}") for i in range(DEMO_VOLUNTEER_COUNT)]


def seed(session: Session, hub: Hub, named: list[Employer]) -> None:
    """Employers of every size and sector, their volunteers and the hub's advisers."""
    rng = random.Random(DEMO_SEED)
    places = demo_postcodes(session)
    employers = _employers(session, rng, named, places)
    ids = volunteer_ids()
    _volunteers(session, rng, employers, places, ids)
    demo_volunteer = get_or_add(
        session,
        Volunteer,
        demo_id("volunteer:demo"),
        user_id=demo_id("user:volunteer"),
        **_volunteer_profile(rng, named[0], places[0]),
    )
    session.flush()
    _advisers(session, rng, hub, [demo_volunteer.id, *ids[: DEMO_ADVISER_COUNT - 1]])


def _employers(session: Session, rng: random.Random, named, places) -> list[Employer]:
    employers = named + [
        get_or_add(session, Employer, demo_id(f"employer:{i}"), name=_employer_name(i))
        for i in range(len(named), DEMO_EMPLOYER_COUNT)
    ]
    sizes = list(EmployerSize)
    for i, employer in enumerate(employers):
        place = places[rng.randrange(len(places))]
        employer.sector_code = employer.sector_code or SIC_SECTIONS[i % len(SIC_SECTIONS)]
        employer.size_band = sizes[i % len(sizes)]
        employer.postcode = place.postcode
        employer.latitude, employer.longitude = place.latitude, place.longitude
        employer.description = f"A {employer.size_band.value.replace('_', '-')} employer in Leeds."
    session.flush()
    return employers


def _volunteers(session: Session, rng: random.Random, employers, places, ids) -> None:
    """The volunteers (invented people at real postcodes), each with a user who signs in only
    after an invitation; a second seeding draws the same numbers and updates their profiles."""
    existing = {v.id: v for v in session.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))}
    for i, volunteer_id in enumerate(ids):
        employer = employers[rng.randrange(len(employers))]
        place = places[rng.randrange(len(places))]
        profile = _volunteer_profile(rng, employer, place)
        volunteer = existing.get(volunteer_id)
        if volunteer is None:
            user = User(
                id=demo_id(f"user:volunteer:{i}"),
                email=f"volunteer{i:04d}@demo.engage.example",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                password_hash=UNUSABLE_PASSWORD,
                role=Role.VOLUNTEER,
                organisation_id=employer.id,
            )
            session.add(user)
            session.add(Volunteer(id=volunteer_id, user_id=user.id, **profile))
        else:
            rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)  # keep the sequence identical
            for name, value in profile.items():
                setattr(volunteer, name, value)


def _advisers(session: Session, rng: random.Random, hub: Hub, volunteer_ids) -> None:
    statuses = [AdviserStatus.ACTIVE] * 8 + [AdviserStatus.APPLIED, AdviserStatus.PAUSED]
    for volunteer_id in volunteer_ids:
        get_or_add(
            session,
            EnterpriseAdviser,
            demo_id(f"adviser:{volunteer_id}"),
            volunteer_id=volunteer_id,
            hub_id=hub.id,
            hours_per_month=rng.choice([8, 8, 10, 12, 16]),
            school_capacity=rng.choice([1, 1, 1, 2]),
            expertise=sorted(e.value for e in rng.sample(list(ExpertiseArea), 3)),
            preferred_phases=["Secondary"],
            preferred_school_types=[],
            status=rng.choice(statuses),
        )


def _volunteer_profile(rng: random.Random, employer: Employer, place: Postcode) -> dict:
    years = sorted(rng.sample(range(7, 14), rng.randint(2, 5)))
    day = rng.choice(DAYS)
    start = rng.choice([9, 10, 13])
    issued = date(2025, 9, 1) - timedelta(days=rng.randrange(0, 4 * 365))
    checked = rng.random() < 0.4
    return {
        "employer_id": employer.id,
        "job_title": rng.choice(JOB_TITLES),
        "soc_major_group": rng.randint(1, 9),
        "sectors": [employer.sector_code],
        "topics": sorted(rng.sample(TOPICS, 2)),
        "activity_types": _in_order(rng.sample(list(ActivityType), rng.randint(1, 4))),
        "modes": _in_order(rng.sample(list(Mode), rng.randint(1, 2))),
        "year_groups": years,
        "base_postcode": place.postcode,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "travel_radius_km": rng.choice([5, 10, 15, 20, 30]),
        "weekly_availability": [
            {"day": day, "starts_at": f"{start:02d}:00", "ends_at": f"{start + 3:02d}:00"}
        ],
        "unavailable_dates": [],
        "languages": ["English"] + (["Urdu"] if rng.random() < 0.1 else []),
        "role_model_attributes": sorted(
            a.value for a in rng.sample(list(RoleModelAttribute), rng.randint(0, 2))
        ),
        "dbs_enhanced": checked,
        "dbs_barred_list": checked,
        "dbs_issued_on": issued if checked else None,
        "dbs_update_service": checked and rng.random() < 0.3,
    }


def _in_order(members: list) -> list:
    """Members in their enum's order, as a BitSet column reads them back (so no false change)."""
    return [member for member in type(members[0]) if member in members]


def _employer_name(i: int) -> str:
    section = SIC_SECTIONS[i % len(SIC_SECTIONS)]
    return f"{PLACE_WORDS[i % len(PLACE_WORDS)]} {TRADE_WORDS[section]} (demo {i})"


@functools.cache
def _demo_password_hash() -> str:
    """Hashed once: every demo login has the one published password (argon2 is slow on
    purpose, 0.1 s a hash)."""
    return hash_password(DEMO_PASSWORD)


def _login(session: Session, role: Role, handle: str, organisation: Organisation) -> DemoLogin:
    email = f"{handle}@demo.engage.example"
    if session.scalar(select(User.id).where(User.email == email)) is None:
        session.add(
            User(
                id=demo_id(f"user:{handle}"),
                email=email,
                name=f"Demo {handle.replace('.', ' ').title()}",
                password_hash=_demo_password_hash(),
                role=role,
                organisation_id=organisation.id,
                is_org_admin=role is not Role.VOLUNTEER,
            )
        )
    return DemoLogin(role, email, organisation.name)


def _partner_app(session: Session, school: School) -> None:
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


def _webhook_subscription(session: Session, school: School) -> None:
    """The partner app's school subscribed to its bookings, matches and requests."""
    get_or_add(
        session,
        WebhookSubscription,
        demo_id("webhook-subscription"),
        organisation_id=school.id,
        url=DEMO_WEBHOOK_URL,
        description="Demo: the README's local receiver",
        event_types=DEMO_WEBHOOK_TYPES,
        secret=DEMO_WEBHOOK_SECRET,
    )
