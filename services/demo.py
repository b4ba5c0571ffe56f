"""A deterministic demo built on the real reference data.

One Careers Hub of the 30 state secondary and special schools nearest to Leeds city
centre, and a login for every role; around it, 40 employers of every size and sector,
1,000 volunteers (invented people at real postcodes) and 60 Enterprise Advisers. Ids are
derived from names and a seeded random generator picks the rest, so seeding twice (or on
two machines) gives the same rows; later capabilities extend `seed`.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.auth import ApiClient
from models.matches import DeclineReason, Match, MatchStatus
from models.needs import Frequency, Need, NeedMode, NeedStatus
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
    "matches:read",
    "matches:write",
    "bookings:read",
    "bookings:write",
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
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


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
    _directory(session, hub, employers)
    session.flush()
    _needs(session, schools)
    session.flush()
    return DemoSummary(hub=hub, schools=schools, logins=logins)


def _directory(session: Session, hub: Hub, named: list[Employer]) -> None:
    """Employers of every size and sector, their volunteers and the hub's advisers."""
    rng = random.Random(DEMO_SEED)
    places = demo_postcodes(session)
    employers = named + [
        _get_or_add(session, Employer, demo_id(f"employer:{i}"), name=_employer_name(i))
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
    ids = [demo_id(f"volunteer:{i}") for i in range(DEMO_VOLUNTEER_COUNT)]
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
    demo_volunteer = _get_or_add(
        session,
        Volunteer,
        demo_id("volunteer:demo"),
        user_id=demo_id("user:volunteer"),
        **_volunteer_profile(rng, named[0], places[0]),
    )
    session.flush()
    _advisers(session, rng, hub, [demo_volunteer.id, *ids[: DEMO_ADVISER_COUNT - 1]])


DEMO_NEEDS = [
    ("Careers talk: apprenticeships in construction", ActivityType.CAREERS_TALK, 5, [9, 10], "F"),
    ("Mock interviews for Year 11", ActivityType.MOCK_INTERVIEWS, 5, [11], None),
    ("CV workshop", ActivityType.CV_WORKSHOP, 5, [10, 11], None),
    ("Careers fair stands", ActivityType.CAREERS_FAIR, 5, [8, 9, 10], None),
    ("Enterprise challenge day", ActivityType.ENTERPRISE_CHALLENGE, 5, [8], None),
    ("Workplace visit: digital", ActivityType.WORKPLACE_VISIT_HOST, 6, [10], "J"),
    ("Careers talk: healthcare", ActivityType.CAREERS_TALK, 5, [12, 13], "Q"),
    ("Job shadowing in engineering", ActivityType.JOB_SHADOWING, 6, [12], "C"),
    ("Mock interviews for sixth form", ActivityType.MOCK_INTERVIEWS, 5, [13], None),
    ("Careers talk: green jobs", ActivityType.CAREERS_TALK, 5, [7, 8], "D"),
    ("CV workshop for Year 12", ActivityType.CV_WORKSHOP, 5, [12], None),
    ("Careers talk: the creative industries", ActivityType.CAREERS_TALK, 5, [9], "R"),
]
# (need index, volunteer index, status): some invitations in each state of the workflow.
DEMO_MATCHES = [
    (0, 1, MatchStatus.INVITED),
    (0, 2, MatchStatus.ACCEPTED),
    (0, 3, MatchStatus.DECLINED),
    (1, 4, MatchStatus.CONFIRMED),
    (2, 5, MatchStatus.SCHEDULED),
    (3, 6, MatchStatus.EXPIRED),
    (3, 7, MatchStatus.WITHDRAWN),
    (4, 8, MatchStatus.INVITED),
]


def _needs(session: Session, schools: list[School]) -> None:
    """Open needs across the hub's schools and invitations in every state (the hub's 60
    advisers stay unpaired, for the coordinator to plan)."""
    today = date.today()
    now = datetime.now(UTC).replace(microsecond=0)
    needs = []
    for i, (title, activity, benchmark, years, sector) in enumerate(DEMO_NEEDS):
        starts_on = today + timedelta(days=14 + 7 * i)
        needs.append(
            _get_or_add(
                session,
                Need,
                demo_id(f"need:{i}"),
                school_id=schools[i % len(schools)].id,
                title=title,
                activity_type=activity,
                benchmark=benchmark,
                year_groups=years,
                pupils=30 * (1 + i % 3),
                sectors=[sector] if sector else [],
                topics=[],
                mode=NeedMode.VIRTUAL if i % 5 == 4 else NeedMode.IN_PERSON,
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=28),
                preferred_days=[DAYS[i % len(DAYS)]],
                supervised=True,
                frequency=Frequency.ONE_OFF,
                overnight=False,
                send_adjustments="Two wheelchair users; step-free access please."
                if i == 0
                else None,
                notes=None,
                status=NeedStatus.OPEN,
            )
        )
    session.flush()
    for k, (n, v, status) in enumerate(DEMO_MATCHES):
        need = needs[n]
        invited_at = now - timedelta(hours=6 * (k + 1))
        closed = status in (MatchStatus.DECLINED, MatchStatus.EXPIRED, MatchStatus.WITHDRAWN)
        answered = status is not MatchStatus.INVITED and status is not MatchStatus.EXPIRED
        if status in (MatchStatus.CONFIRMED, MatchStatus.SCHEDULED):
            need.status = NeedStatus.MATCHED
        _get_or_add(
            session,
            Match,
            demo_id(f"match:{k}"),
            need_id=need.id,
            volunteer_id=demo_id(f"volunteer:{v}"),
            status=status,
            score=round(0.9 - 0.05 * k, 2),
            invited_at=invited_at,
            expires_at=invited_at
            + (timedelta(hours=1) if status is MatchStatus.EXPIRED else timedelta(hours=72)),
            responded_at=invited_at + timedelta(hours=2) if answered else None,
            decline_reason=DeclineReason.NOT_AVAILABLE if status is MatchStatus.DECLINED else None,
            confirmed_at=invited_at + timedelta(hours=3)
            if status in (MatchStatus.CONFIRMED, MatchStatus.SCHEDULED)
            else None,
            scheduled_for=datetime.combine(need.starts_on, datetime.min.time(), UTC)
            + timedelta(hours=10)
            if status is MatchStatus.SCHEDULED
            else None,
            closed_at=invited_at + timedelta(hours=4) if closed else None,
        )


def _advisers(session: Session, rng: random.Random, hub: Hub, volunteer_ids) -> None:
    statuses = [AdviserStatus.ACTIVE] * 8 + [AdviserStatus.APPLIED, AdviserStatus.PAUSED]
    for volunteer_id in volunteer_ids:
        _get_or_add(
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
