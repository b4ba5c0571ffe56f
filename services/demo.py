"""A deterministic demo built on the real reference data.

One Careers Hub of the 30 state secondary and special schools nearest to Leeds city
centre, and a login for every role; around it, 40 employers of every size and sector,
1,000 volunteers (invented people at real postcodes) and 60 Enterprise Advisers. Six of
the schools get 210 pupils each and three school years (the current one, as London dates
today, and the two before) of encounters, attendance and checklist answers, covering the
benchmarks unevenly. Ids are derived from names and a seeded random generator picks the
rest, so seeding twice (or on two machines, on one day) gives the same rows; later
capabilities extend `seed`.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models.auth import ApiClient
from models.bookings import Booking, BookingStatus, Slot, SlotAllocation
from models.checklists import CHECKLISTS, CURRENT_VERSION, ChecklistAnswer
from models.encounters import Attendance, Encounter, EncounterActivity, EncounterSource
from models.matches import DeclineReason, Match, MatchStatus
from models.needs import Frequency, Need, NeedMode, NeedStatus
from models.offers import Offer, OfferKind, OfferStatus
from models.organisations import (
    Employer,
    EmployerSize,
    Hub,
    Organisation,
    OrganisationKind,
    Provider,
    ProviderType,
    School,
)
from models.pupils import Pupil
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
from services import checklists, demo_journeys, demo_offers, demo_programme, school_years
from services.encounters import record_match
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
    "offers:read",
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
    _visits(session, schools)
    session.flush()
    _pupils_and_encounters(session, schools)
    _needs(session, schools)
    demo_journeys.seed(session, [demo_id(f"volunteer:{i}") for i in range(DEMO_VOLUNTEER_COUNT)])
    session.flush()
    demo_offers.seed(
        session, schools, employers, [p for ps in _demo_providers(session).values() for p in ps]
    )
    session.flush()
    demo_programme.seed(session, schools[:DEMO_PUPIL_SCHOOLS], demo_id=demo_id, rng_seed=DEMO_SEED)
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


# (employer index, kind, title, year groups, seats per slot, seats booked per slot by schools)
DEMO_OFFERS = [
    (
        0,
        OfferKind.WORKPLACE_VISIT,
        "Factory floor tour: how a gearbox is made",
        [9, 10],
        15,
        [[(0, 8, BookingStatus.CONFIRMED), (1, 7, BookingStatus.CONFIRMED)], []],
    ),  # first full
    (
        1,
        OfferKind.WORKPLACE_VISIT,
        "A day in a software studio",
        [10, 11, 12],
        12,
        [[(1, 4, BookingStatus.REQUESTED)], [(0, 6, BookingStatus.CONFIRMED)]],
    ),
    (
        2,
        OfferKind.JOB_SHADOWING,
        "Shadow a site manager",
        [12, 13],
        4,
        [[(0, 4, BookingStatus.CONFIRMED)], []],
    ),  # full
    (
        3,
        OfferKind.WORK_EXPERIENCE,
        "Work experience week: retail operations",
        [10, 12],
        6,
        [[(1, 2, BookingStatus.REQUESTED)], []],
    ),
    (
        4,
        OfferKind.WORKPLACE_VISIT,
        "Energy control room visit",
        [8, 9, 10, 11],
        20,
        [[], [(0, 10, BookingStatus.REQUESTED)]],
    ),
    (
        5,
        OfferKind.VIRTUAL_WORK_EXPERIENCE,
        "Virtual work experience: water engineering",
        [9, 10, 11],
        30,
        [[], []],
    ),
]


def _visits(session: Session, schools: list[School]) -> None:
    """Published offers from the first demo employers, two slots each from the Monday after
    the first seeding; some slots full, some partly booked by the demo schools. Counts are
    set only when a slot is first made, so later bookings made through the API stand."""
    first_monday = school_years.london_today() + timedelta(
        days=7 - school_years.london_today().weekday()
    )
    employers = [session.get(Employer, demo_id(name)) for name, _, _ in DEMO_EMPLOYERS]
    employers += [session.get(Employer, demo_id(f"employer:{i}")) for i in range(2, 6)]
    for number, (index, kind, title, years, seats, booked) in enumerate(DEMO_OFFERS):
        employer = employers[index]
        in_person = kind is not OfferKind.VIRTUAL_WORK_EXPERIENCE
        offer = _get_or_add(
            session,
            Offer,
            demo_id(f"offer:{number}"),
            employer_id=employer.id,
            kind=kind,
            title=title,
            description=f"{title}, hosted by {employer.name}.",
            postcode=employer.postcode if in_person else None,
            latitude=employer.latitude if in_person else None,
            longitude=employer.longitude if in_person else None,
            sectors=[employer.sector_code],
            year_groups=years,
            accessibility_notes="Step-free access; quiet room available.",
            risk_assessment_done=True,
            liability_insurance=True,
            named_supervisor="Jo Demo (site lead)",
            day_length_hours=5,
            status=OfferStatus.PUBLISHED,
        )
        session.flush()
        for week, bookings in enumerate(booked):
            slot_id = demo_id(f"slot:{number}:{week}")
            if session.get(Slot, slot_id) is not None:
                continue
            day = first_monday + timedelta(weeks=week + 1, days=number % 5)
            session.add(
                Slot(
                    id=slot_id,
                    offer_id=offer.id,
                    date=day,
                    starts_at=time(9, 30),
                    ends_at=time(14, 30),
                    seats=seats,
                    booked=sum(n for _, n, _ in bookings),
                    school_cap=seats // 2 + 1 if number in (0, 4) else None,
                )
            )
            session.flush()
            for school_index, n, status in bookings:
                school = schools[school_index]
                session.add(
                    Booking(
                        id=demo_id(f"booking:{number}:{week}:{school_index}"),
                        slot_id=slot_id,
                        school_id=school.id,
                        year_group=years[0],
                        seats=n,
                        staff_lead_name="Demo Careers Leader",
                        status=status,
                        parental_consent_recorded=kind.needs_parental_consent,
                    )
                )
                session.add(SlotAllocation(slot_id=slot_id, school_id=school.id, booked=n))
            session.flush()


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
    today = school_years.london_today()
    now = datetime.now(UTC).replace(microsecond=0)
    needs = []
    for i, (title, activity, benchmark, years, sector) in enumerate(DEMO_NEEDS):
        workplace = benchmark == 6  # spans the demo visits' slots, so offers rank beside people
        starts_on = today + timedelta(days=7 if workplace else 14 + 7 * i)
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
                preferred_days=[] if workplace else [DAYS[i % len(DAYS)]],
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
        match = _get_or_add(
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
        if status is MatchStatus.SCHEDULED:  # scheduling makes the encounter, as in the app
            session.flush()
            day = school_years.london_date(match.scheduled_for)
            record_match(session, match, occurred_on=day)


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


# --- Pupils, encounters, attendance and checklists (Benchmarks 5-8) --------------------

DEMO_RECORD_YEARS = 3  # school years of records, the last of them the current one
DEMO_PUPIL_SCHOOLS = 6
DEMO_PUPILS_PER_YEAR_GROUP = 30
# How well each demo school covers the benchmarks (uneven on purpose).
DEMO_COVERAGE = (0.9, 0.75, 0.6, 0.45, 0.3, 0.15)
DEMO_PROVIDERS = [
    ("Aire Valley Sixth Form (demo)", ProviderType.SIXTH_FORM),
    ("Yorkshire Pennine University (demo)", ProviderType.UNIVERSITY),
    ("Calder Apprenticeships and Training (demo)", ProviderType.ITP),
]
# (benchmark, activity, year groups, per school year, mode)
DEMO_PROGRAMME = [
    (5, EncounterActivity.CAREERS_TALK, (7, 8, 9, 10, 11, 12, 13), 1, Mode.IN_PERSON),
    (5, EncounterActivity.MOCK_INTERVIEWS, (11, 13), 1, Mode.VIRTUAL),
    (6, EncounterActivity.WORKPLACE_VISIT, (9, 10), 1, Mode.IN_PERSON),
    (6, EncounterActivity.WORK_EXPERIENCE, (10, 11, 12), 1, Mode.IN_PERSON),
    (7, EncounterActivity.PROVIDER_TALK, (8, 9, 10, 11), 2, Mode.IN_PERSON),
    (7, EncounterActivity.PROVIDER_VISIT, (12, 13), 2, Mode.IN_PERSON),
    (8, EncounterActivity.GUIDANCE_INTERVIEW, (11, 13), 1, Mode.IN_PERSON),
]


def _pupils_and_encounters(session: Session, schools: list[School]) -> None:
    """Pupils for the first demo schools and three years of records, with coverage that
    falls from school to school and trails for disadvantaged pupils. A school that has its
    demo pupils already is left as it is (the seed is idempotent)."""
    employers = list(
        session.scalars(
            select(Employer).where(Employer.id.in_(_demo_employer_ids())).order_by(Employer.name)
        )
    )
    providers = _demo_providers(session)
    for index, school in enumerate(schools[:DEMO_PUPIL_SCHOOLS]):
        if session.get(Pupil, demo_id(f"pupil:{school.urn}:0")) is not None:
            continue
        rng = random.Random(DEMO_SEED + school.urn)
        pupils = _demo_pupils(session, rng, school)
        coverage = DEMO_COVERAGE[index % len(DEMO_COVERAGE)]
        _demo_records(session, rng, school, pupils, (employers, providers), coverage)
    session.flush()


def _demo_employer_ids() -> list[uuid.UUID]:
    named = [demo_id(name) for name, _, _ in DEMO_EMPLOYERS]
    return named + [demo_id(f"employer:{i}") for i in range(len(named), DEMO_EMPLOYER_COUNT)]


def _demo_providers(session: Session) -> dict[ProviderType, list[Provider]]:
    for name, kind in DEMO_PROVIDERS:
        _get_or_add(session, Provider, demo_id(name), name=name, provider_type=kind, town="Leeds")
    session.flush()
    found: dict[ProviderType, list[Provider]] = {kind: [] for kind in ProviderType}
    fe = session.get(Provider, provider_id(DEMO_PROVIDER_UKPRN))
    for provider in [fe] + [session.get(Provider, demo_id(name)) for name, _ in DEMO_PROVIDERS]:
        if provider is not None:
            found[provider.provider_type].append(provider)
    return found


def demo_school_year() -> int:
    """The school year the demo lives in: the current one, as London dates today."""
    return school_years.school_year_start(school_years.london_today())


def _demo_pupils(session: Session, rng: random.Random, school: School) -> list[dict]:
    """Seven year groups of pupils, their year groups those of the current school year."""
    rows = []
    for i in range(7 * DEMO_PUPILS_PER_YEAR_GROUP):
        year_group = 7 + i // DEMO_PUPILS_PER_YEAR_GROUP
        rows.append(
            {
                "id": demo_id(f"pupil:{school.urn}:{i}"),
                "school_id": school.id,
                "reference": f"{school.urn}-{i:04d}",
                "year_group": year_group,
                "roll_year": demo_school_year(),
                "disadvantaged": rng.random() < 0.3,
                "send": rng.random() < 0.12,
                "considering_higher_education": year_group >= 12 and rng.random() < 0.6,
            }
        )
    session.execute(insert(Pupil), rows)
    return rows


def _demo_records(session, rng, school, pupils, partners, coverage) -> None:
    """Each year's programme per year group, up to today, written in three bulk inserts."""
    employers, providers = partners
    current = demo_school_year()
    encounters, attendance, answers = [], [], []
    for start in range(current - DEMO_RECORD_YEARS + 1, current + 1):
        for benchmark, activity, year_groups, times, mode in DEMO_PROGRAMME:
            for year_group in year_groups:
                for _ in range(times):
                    number = len(encounters)
                    partner = _demo_partner(rng, benchmark, number, employers, providers)
                    attendees = [
                        p
                        for p in pupils
                        if p["year_group"] - (current - start) == year_group
                        and rng.random() < coverage * (0.7 if p["disadvantaged"] else 1.0)
                    ]
                    row, given = _demo_encounter(
                        rng, school, number, start, benchmark, activity, year_group, mode
                    )
                    row.update(_partner_snapshot(partner, benchmark))
                    verdict = checklists.evaluate(
                        benchmark=benchmark,
                        version=row["checklist_version"],
                        answers=given,
                        mode=mode,
                        attendance_count=len(attendees),
                    )
                    row["meaningful"] = verdict.meaningful
                    encounters.append(row)
                    attendance += [
                        {
                            "id": demo_id(f"attendance:{row['id']}:{p['id']}"),
                            "encounter_id": row["id"],
                            "pupil_id": p["id"],
                            "year_group": year_group,
                            "reflection": None,
                        }
                        for p in attendees
                    ]
                    answers += [
                        {
                            "id": demo_id(f"answer:{row['id']}:{item.key}"),
                            "encounter_id": row["id"],
                            "version": row["checklist_version"],
                            "item": item.key,
                            "answer": given[item.key],
                            "answered_by": item.answered_by,
                        }
                        for item in CHECKLISTS[row["checklist_version"]][benchmark]
                    ]
    session.execute(insert(Encounter), encounters)
    if attendance:
        session.execute(insert(Attendance), attendance)
    if answers:
        session.execute(insert(ChecklistAnswer), answers)


def _demo_encounter(rng, school, number, start, benchmark, activity, year_group, mode):
    """One encounter's row and its checklist answers (about one in seven misses an item;
    the first year was answered under the older checklist version)."""
    version = 1 if start == demo_school_year() - DEMO_RECORD_YEARS + 1 else CURRENT_VERSION
    items = CHECKLISTS[version][benchmark]
    given = {item.key: True for item in items}
    if items and rng.random() < 0.15:
        given[rng.choice(items).key] = False
    label = activity.value.replace("_", " ").capitalize()
    row = {
        "id": demo_id(f"encounter:{school.urn}:{number}"),
        "school_id": school.id,
        "source": EncounterSource.RECORDED,
        "title": f"{label} (Y{year_group})",
        "activity_type": activity,
        "benchmark": benchmark,
        "occurred_on": _demo_day(rng, start),
        "mode": mode,
        "year_groups": [year_group],
        "head_counts": {str(year_group): DEMO_PUPILS_PER_YEAR_GROUP},
        "work_experience_days": 5 if activity is EncounterActivity.WORK_EXPERIENCE else 0,
        "checklist_version": version,
    }
    return row, given


def _demo_day(rng: random.Random, start: int) -> date:
    """A school day of the year `start` from mid-September, never after today."""
    today = school_years.london_today()
    first = min(date(start, 9, 15), today)
    last = min(first + timedelta(days=299), today)
    return first + timedelta(days=rng.randrange(0, max(1, (last - first).days + 1)))


def _partner_snapshot(partner, benchmark: int) -> dict:
    employer = partner if isinstance(partner, Employer) else None
    provider = partner if isinstance(partner, Provider) else None
    return {
        "employer_id": employer.id if employer else None,
        "provider_id": provider.id if provider else None,
        "partner_name": partner.name if partner else None,
        "employer_size": employer.size_band if employer else None,
        "employer_sector": employer.sector_code if employer else None,
        "provider_type": provider.provider_type if provider else None,
        "provider_access": provider is not None
        and provider.provider_type in (ProviderType.FE_COLLEGE, ProviderType.ITP),
    }


def _demo_partner(rng, benchmark, number, employers, providers):
    if benchmark in (5, 6):
        return employers[rng.randrange(len(employers))]
    if benchmark == 7:
        kinds = [kind for kind in ProviderType if providers[kind]]
        kind = kinds[number % len(kinds)]
        return providers[kind][0]
    return None
