"""Builders for test data. Every builder adds to the session and flushes; tests commit."""

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from models.auth import ApiClient
from models.base import UUIDPrimaryKey, london_today
from models.bookings import Booking, BookingStatus, Slot, SlotAllocation
from models.checklists import CURRENT_VERSION
from models.destinations import DestinationRecord, Leaver, Route
from models.encounters import Attendance, Encounter, EncounterActivity
from models.evaluations import SelfEvaluation, Term
from models.journeys import Journey
from models.matches import Match, MatchStatus
from models.needs import Frequency, Need, NeedMode
from models.offer_requests import AccessActivity, AccessContent
from models.offers import Offer, OfferKind, OfferStatus
from models.organisations import (
    Employer,
    Hub,
    Organisation,
    OrganisationKind,
    Provider,
    ProviderType,
    School,
)
from models.pairings import AdviserAssignment, AdviserPairingPlan
from models.programme import PartnerType, ProgrammeActivity, ProgrammePlan
from models.pupils import Pupil, school_year_start
from models.users import Role, User
from models.volunteers import ActivityType, AdviserStatus, EnterpriseAdviser, Mode, Volunteer
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from services import journeys, offer_requests, outbox, webhook_delivery, webhooks
from services.callers import Caller
from services.tokens import digest
from services.tube_map import SharedJourney
from services.users import hash_password

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
CLIENT_SECRET = "partner-app-secret-for-tests"
_numbers = itertools.count(100000)


def hub(session: Session, name: str = "Test Hub") -> Hub:
    return _add(session, Hub(name=name, area="Testshire"))


def school(session: Session, *, hub: Hub | None = None, name: str | None = None) -> School:
    urn = next(_numbers)
    return _add(
        session,
        School(
            name=name or f"School {urn}",
            urn=urn,
            phase="Secondary",
            establishment_type="Academy converter",
            local_authority="Leeds",
            region="Yorkshire and the Humber",
            postcode="LS1 4DY",
            latitude=53.7951,
            longitude=-1.5467,
            number_of_pupils=900,
            percentage_fsm=30.0,
            hub_id=hub.id if hub else None,
        ),
    )


def employer(session: Session, name: str | None = None) -> Employer:
    return _add(session, Employer(name=name or f"Employer {next(_numbers)}", sector_code=None))


def provider(session: Session, name: str | None = None) -> Provider:
    return _add(
        session,
        Provider(name=name or f"College {next(_numbers)}", provider_type=ProviderType.FE_COLLEGE),
    )


def user(
    session: Session,
    role: Role,
    organisation_id,
    *,
    email: str | None = None,
    is_org_admin: bool = False,
) -> User:
    return _add(
        session,
        User(
            email=email or f"{role.value}.{next(_numbers)}@example.org",
            name=f"Test {role.value}",
            password_hash=PASSWORD_HASH,
            role=role,
            organisation_id=organisation_id,
            is_org_admin=is_org_admin,
        ),
    )


def pupil(
    session: Session, school_: School, reference: str = "P001", year_group: int = 9, **flags
) -> Pupil:
    """A pupil; `roll_year` (the school year of `year_group`) defaults to the current one."""
    return _add(
        session, Pupil(school_id=school_.id, reference=reference, year_group=year_group, **flags)
    )


def encounter(
    session: Session,
    school_: School,
    *,
    benchmark: int = 5,
    on: date = date(2025, 10, 1),
    pupils: tuple = (),
    meaningful: bool = True,
    mode: Mode = Mode.IN_PERSON,
    employer_: Employer | None = None,
    provider_: Provider | None = None,
    provider_type: ProviderType | None = None,
    provider_access: bool = False,
    work_experience_days: int = 0,
    activity_type: EncounterActivity = EncounterActivity.CAREERS_TALK,
    year_groups: tuple = (),
) -> Encounter:
    """An encounter with its verdict set directly (checklist tests go through the service)."""
    made = _add(
        session,
        Encounter(
            school_id=school_.id,
            title=f"Encounter {next(_numbers)}",
            activity_type=activity_type,
            benchmark=benchmark,
            occurred_on=on,
            mode=mode,
            employer_id=employer_.id if employer_ else None,
            provider_id=provider_.id if provider_ else None,
            partner_name=(employer_ or provider_).name if (employer_ or provider_) else None,
            employer_size=employer_.size_band if employer_ else None,
            employer_sector=employer_.sector_code if employer_ else None,
            provider_type=provider_type or (provider_.provider_type if provider_ else None),
            provider_access=provider_access,
            year_groups=list(year_groups),
            head_counts={},
            work_experience_days=work_experience_days,
            checklist_version=CURRENT_VERSION,
            meaningful=meaningful,
        ),
    )
    start = school_year_start(on)
    for attendee in pupils:
        session.add(
            Attendance(
                encounter_id=made.id,
                pupil_id=attendee.id,
                year_group=attendee.year_group - (attendee.roll_year - start),
            )
        )
    session.flush()
    return made


def volunteer(
    session: Session,
    employer: Employer,
    *,
    login: User | None = None,
    latitude: float = 53.7997,
    longitude: float = -1.5492,
    **profile,
) -> Volunteer:
    """A volunteer profile (with a new volunteer login unless `login` is given), in Leeds."""
    login = login or user(session, Role.VOLUNTEER, employer.id)
    values = {
        "job_title": "Site engineer",
        "activity_types": [ActivityType.CAREERS_TALK, ActivityType.MENTORING],
        "modes": [Mode.IN_PERSON],
        "year_groups": [9, 10, 11],
        "sectors": ["F"],
        "base_postcode": "LS1 4DY",
        "travel_radius_km": 20,
        "dbs_enhanced": True,
        "dbs_barred_list": True,
        "dbs_issued_on": london_today() - timedelta(days=365),
        **profile,
    }
    return _add(
        session,
        Volunteer(
            user_id=login.id,
            employer_id=employer.id,
            latitude=latitude,
            longitude=longitude,
            **values,
        ),
    )


def adviser(session: Session, volunteer: Volunteer, hub: Hub | None = None) -> EnterpriseAdviser:
    return _add(
        session,
        EnterpriseAdviser(
            volunteer_id=volunteer.id,
            hub_id=hub.id if hub else None,
            hours_per_month=8,
            school_capacity=1,
            expertise=["strategy"],
            status=AdviserStatus.ACTIVE,
        ),
    )


def adviser_assignment(
    session: Session, adviser_: EnterpriseAdviser, school_: School, *, starts_on: date | None = None
) -> AdviserAssignment:
    """The adviser serving the school (in the school's hub), since 60 days ago unless given."""
    return _add(
        session,
        AdviserAssignment(
            adviser_id=adviser_.id,
            school_id=school_.id,
            hub_id=school_.hub_id,
            starts_on=starts_on or london_today() - timedelta(days=60),
        ),
    )


def need(session: Session, school_: School, **values) -> Need:
    """An open, supervised, one-off careers talk for Y9-Y10, in person, over the next weeks."""
    starts_on = london_today() + timedelta(days=7)
    defaults = {
        "title": "Careers talk for Year 10",
        "activity_type": ActivityType.CAREERS_TALK,
        "benchmark": 5,
        "year_groups": [9, 10],
        "pupils": 60,
        "sectors": [],
        "topics": [],
        "mode": NeedMode.IN_PERSON,
        "starts_on": starts_on,
        "ends_on": starts_on + timedelta(days=28),
        "preferred_days": [],
        "supervised": True,
        "frequency": Frequency.ONE_OFF,
        "overnight": False,
    }
    return _add(session, Need(school_id=school_.id, **{**defaults, **values}))


def match(
    session: Session, need_: Need, volunteer_: Volunteer, status: MatchStatus, **values
) -> Match:
    now = datetime.now(UTC)
    defaults = {"score": 0.5, "invited_at": now, "expires_at": now + timedelta(days=3)}
    return _add(
        session,
        Match(
            need_id=need_.id, volunteer_id=volunteer_.id, status=status, **{**defaults, **values}
        ),
    )


def api_client(session: Session, organisation_id, scopes: list[str]) -> ApiClient:
    return _add(
        session,
        ApiClient(
            organisation_id=organisation_id,
            name="Partner app",
            client_id=f"eng_test{next(_numbers)}",
            secret_digest=digest(CLIENT_SECRET),
            scopes=scopes,
        ),
    )


def offer(
    session: Session,
    employer: Employer,
    *,
    kind: OfferKind = OfferKind.WORKPLACE_VISIT,
    status: OfferStatus = OfferStatus.PUBLISHED,
    **fields,
) -> Offer:
    """A bookable offer in Leeds (every host declaration made) unless told otherwise."""
    values = {
        "title": "Behind the scenes at the depot",
        "postcode": "LS1 4DY",
        "latitude": 53.7951,
        "longitude": -1.5467,
        "sectors": ["F"],
        "year_groups": [9, 10, 11],
        "risk_assessment_done": True,
        "liability_insurance": True,
        "named_supervisor": "Sam Site",
        "day_length_hours": 6,
        **fields,
    }
    return _add(session, Offer(employer_id=employer.id, kind=kind, status=status, **values))


def school_day(days_ahead: int = 14) -> date:
    """A Monday-to-Friday date about `days_ahead` days from now."""
    day = london_today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def encounter_offer(
    session: Session,
    partner: Employer | Provider,
    *,
    kind: OfferKind = OfferKind.CAREERS_TALK,
    status: OfferStatus = OfferStatus.PUBLISHED,
    **fields,
) -> Offer:
    """A published careers talk from a base in Leeds city centre (20 km travel), for
    Y9-Y11, in school or online, available on school days for the next 90 days."""
    values = {
        "title": "What a structural engineer does",
        "postcode": "LS1 4DY",
        "latitude": 53.7951,
        "longitude": -1.5467,
        "travel_radius_km": 20,
        "year_groups": [9, 10, 11],
        "modes": [Mode.IN_PERSON, Mode.VIRTUAL],
        "max_group": 120,
        "available_from": london_today(),
        "available_to": london_today() + timedelta(days=90),
        "available_weekdays": [],
        "available_dates": [],
        **fields,
    }
    partner_field = "provider_id" if isinstance(partner, Provider) else "employer_id"
    return _add(session, Offer(kind=kind, status=status, **{partner_field: partner.id}, **values))


def slot(
    session: Session,
    offer_: Offer,
    *,
    seats: int = 10,
    day: date | None = None,
    starts_at: time = time(9, 30),
    ends_at: time = time(15, 0),
    school_cap: int | None = None,
) -> Slot:
    return _add(
        session,
        Slot(
            offer_id=offer_.id,
            date=day or london_today() + timedelta(days=30),
            starts_at=starts_at,
            ends_at=ends_at,
            seats=seats,
            booked=0,
            school_cap=school_cap,
        ),
    )


def booking(
    session: Session,
    slot_: Slot,
    school_: School,
    *,
    seats: int = 2,
    status: BookingStatus = BookingStatus.REQUESTED,
    year_group: int = 10,
) -> Booking:
    """A booking holding seats (the slot's and the school's counters move with it)."""
    made = _add(
        session,
        Booking(
            slot_id=slot_.id,
            school_id=school_.id,
            year_group=year_group,
            seats=seats,
            staff_lead_name="Ms Lead",
            status=status,
        ),
    )
    if status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
        slot_.booked += seats
        if session.info.get(DEFER_FLUSH):  # a world's fresh slot: no allocation yet
            session.info[AFTER_FLUSH].append(
                SlotAllocation(slot_id=slot_.id, school_id=school_.id, booked=seats)
            )
            return made
        allocation = session.get(SlotAllocation, (slot_.id, school_.id))
        if allocation is None:
            session.add(SlotAllocation(slot_id=slot_.id, school_id=school_.id, booked=seats))
        else:
            allocation.booked += seats
        session.flush()
    return made


@dataclass
class Side:
    """One side of a two-tenant world: a hub with its school, an employer, a provider."""

    hub: Hub
    school: School
    employer: Employer
    provider: Provider
    users: dict[Role, User]
    volunteer: Volunteer | None = None  # the profile of users[Role.VOLUNTEER]
    adviser: EnterpriseAdviser | None = None  # that volunteer's commitment, in this hub
    offer: Offer | None = None  # the employer's published workplace visit
    slot: Slot | None = None  # a slot of it, 30 days ahead, 10 seats
    booking: Booking | None = None  # the side's school's requested booking of that slot


@dataclass
class World:
    """Side `a` is the callers' own; side `b` is foreign to every caller but the admin."""

    platform_admin: User
    a: Side
    b: Side

    def caller(self, role: Role) -> User:
        return self.platform_admin if role is Role.ADMIN else self.a.users[role]


def world(session: Session) -> World:
    """Built with one flush at the end (ids given up front), not one per object: nearly
    every test starts with a world."""
    session.info[DEFER_FLUSH], session.info[AFTER_FLUSH] = True, []
    try:
        platform = _add(session, Organisation(kind=OrganisationKind.PLATFORM, name="Engage"))
        admin = user(session, Role.ADMIN, platform.id, email="admin@example.org", is_org_admin=True)
        built = World(admin, _side(session, "a"), _side(session, "b"))
    finally:
        session.info.pop(DEFER_FLUSH)
        dependants = session.info.pop(AFTER_FLUSH)
    session.flush()
    session.add_all(dependants)  # rows whose keys' tables the unit of work cannot order
    session.flush()
    return built


def _side(session: Session, label: str) -> Side:
    side_hub = hub(session, f"Hub {label.upper()}")
    side_school = school(session, hub=side_hub, name=f"School {label.upper()}")
    side_employer = employer(session, f"Employer {label.upper()}")
    side_provider = provider(session, f"College {label.upper()}")
    organisation_of = {
        Role.COORDINATOR: side_hub,
        Role.SCHOOL_STAFF: side_school,
        Role.EMPLOYER_STAFF: side_employer,
        Role.VOLUNTEER: side_employer,
        Role.PROVIDER_STAFF: side_provider,
    }
    users = {
        role: user(
            session,
            role,
            organisation.id,
            email=f"{role.value}.{label}@example.org",
            is_org_admin=role is not Role.VOLUNTEER,
        )
        for role, organisation in organisation_of.items()
    }
    profile = volunteer(session, side_employer, login=users[Role.VOLUNTEER])
    commitment = adviser(session, profile, side_hub)
    visit = offer(session, side_employer)
    visit_slot = slot(session, visit)
    made = booking(session, visit_slot, side_school)
    return Side(
        side_hub,
        side_school,
        side_employer,
        side_provider,
        users,
        profile,
        commitment,
        visit,
        visit_slot,
        made,
    )


DEFER_FLUSH = "factories_defer_flush"
AFTER_FLUSH = "factories_after_flush"  # what a deferred world adds after its flush


def _add(session: Session, obj):
    if not session.info.get(DEFER_FLUSH):
        session.add(obj)
        session.flush()
        return obj
    if isinstance(obj, UUIDPrimaryKey) and obj.id is None:
        obj.id = uuid.uuid4()  # what the flush would give it, now, so others can name it
    session.add(obj)
    return obj


def role_step(
    soc: int, level: int, start: int, *, route: str = "work", sector: str = "F", end=None
) -> dict:
    """A career-journey step that is a role (SOC 2020 minor group) at an RQF level (0-8)."""
    return {
        "kind": "role",
        "sector": sector,
        "soc_minor_group": soc,
        "qualification_type": None,
        "route": route,
        "level": level,
        "start_year": start,
        "end_year": end,
    }


def qualification_step(
    qualification: str, level: int, start: int, *, route: str, sector: str | None = None, end=None
) -> dict:
    """A career-journey step that is a qualification of a type at an RQF level (0-8)."""
    return {
        "kind": "qualification",
        "sector": sector,
        "soc_minor_group": None,
        "qualification_type": qualification,
        "route": route,
        "level": level,
        "start_year": start,
        "end_year": end,
    }


def shared_journey(steps: list[dict]) -> SharedJourney:
    """A journey's steps as the tube map reads them once shared."""
    return SharedJourney(steps, journeys.summary(steps)["first_route"])


def journey(
    session: Session,
    volunteer_: Volunteer,
    steps: list[dict] | None = None,
    *,
    shared: bool = True,
    named: bool = False,
    region: str | None = None,
) -> Journey:
    """A volunteer's journey (by default GCSEs at school, then a bricklaying apprenticeship)."""
    steps = steps or [
        qualification_step("gcse", 2, 2010, route="school", end=2015),
        role_step(531, 2, 2015, route="apprenticeship"),
    ]
    return _add(
        session,
        Journey(
            volunteer_id=volunteer_.id,
            steps=steps,
            shared=shared,
            named=named,
            region=region,
            shared_at=datetime.now(UTC) if shared else None,
            **journeys.summary(steps),
        ),
    )


# The careers programme (issue 19): plans, activities, self-evaluations, leavers.


def programme_plan(
    session: Session, school_: School, *, academic_year: int | None = None, **values
):
    """A draft plan; by default for next school year (so its half-terms are still ahead)."""
    start = academic_year if academic_year is not None else school_year_start(london_today()) + 1
    return _add(session, ProgrammePlan(school_id=school_.id, academic_year=start, **values))


def programme_activity(session: Session, plan, **values):
    fields = {
        "title": "Careers talk",
        "year_group": 9,
        "half_term": 2,
        "benchmarks": [5],
        "activity_type": "careers_talk",
        "partner_type": PartnerType.EMPLOYER,
        "target_pupils": 30,
        **values,
    }
    return _add(session, ProgrammeActivity(plan_id=plan.id, **fields))


def self_evaluation(session: Session, school_: School, *, academic_year: int = 2025, **values):
    values.setdefault("term", Term.AUTUMN)
    values.setdefault("answers", {})
    values.setdefault("computed", {})
    return _add(
        session, SelfEvaluation(school_id=school_.id, academic_year=academic_year, **values)
    )


def leaver(session: Session, school_: School, reference: str = "L001", **values):
    route = values.pop("route", Route.EMPLOYMENT)
    fields = {"leaving_year": 2024, "year_group": 11, **values}
    made = _add(session, Leaver(school_id=school_.id, reference=reference, **fields))
    made.records.append(
        DestinationRecord(
            stage=0,
            route=route,
            education_level=3 if route is Route.EDUCATION else None,
            recorded_on=date(fields["leaving_year"] + 1, 9, 30),
        )
    )
    session.flush()
    return made


def webhook_subscription(
    session: Session, organisation: Organisation, url: str, types=("booking.confirmed",)
) -> WebhookSubscription:
    return _add(
        session,
        WebhookSubscription(
            organisation_id=organisation.id,
            url=url,
            event_types=list(types),
            secret=webhooks.new_secret(),
        ),
    )


def failed_delivery(session: Session, subscription: WebhookSubscription) -> WebhookDelivery:
    position = outbox.append(
        session,
        "booking.confirmed",
        {"booking_id": str(uuid.uuid4())},
        organisation_ids=[subscription.organisation_id],
    )
    return _add(
        session,
        WebhookDelivery(
            subscription_id=subscription.id,
            event_position=position,
            status=DeliveryStatus.FAILED,
            attempts=len(webhook_delivery.RETRY_DELAYS) + 1,
            next_attempt_at=None,
        ),
    )


def caller_of(user: User) -> Caller:
    """The person as the services see them."""
    return Caller(
        role=user.role,
        organisation_id=user.organisation_id,
        user_id=user.id,
        is_org_admin=user.is_org_admin,
    )


def rich_world(session: Session) -> World:
    """The two-tenant world, plus the rows that make each rule bite: a draft offer, needs
    with a volunteer from the other side invited and another who agreed, encounters the
    volunteers joined, an adviser placed in the other hub's school, one whose assignment
    there ended, and one placed in no hub."""
    built = world(session)
    for here, there in ((built.a, built.b), (built.b, built.a)):
        offer(session, here.employer, status=OfferStatus.DRAFT)
        own_need = need(session, here.school)
        need(session, here.school, title="Mock interviews")
        match(session, own_need, there.volunteer, MatchStatus.INVITED)
        agreed = volunteer(session, there.employer)
        match(session, own_need, agreed, MatchStatus.ACCEPTED)
        met = encounter(session, here.school, employer_=here.employer)
        met.volunteers.append(there.volunteer)
        encounter(session, here.school, provider_=here.provider, benchmark=7)
        adviser_assignment(session, here.adviser, there.school)
        former = adviser(session, volunteer(session, here.employer), here.hub)
        adviser_assignment(session, former, there.school).ends_on = london_today()
        adviser(session, volunteer(session, here.employer))  # no hub yet
        session.add(AdviserPairingPlan(hub_id=here.hub.id, total_score=0, solver="none"))
        _requests(session, built, here, there)
    session.commit()
    return built


def _requests(session, world, here, there):
    """A school asks for the other side's talk; the other side's college asks for access."""
    admin = caller_of(world.platform_admin)
    talk = encounter_offer(session, there.employer)
    offer_requests.request_offer(
        session,
        admin,
        offer_id=talk.id,
        school_id=here.school.id,
        date=school_day(),
        starts_at=time(10),
        ends_at=time(11),
        year_groups=[10],
        pupils=30,
    )
    offer_requests.request_access(
        session,
        admin,
        school_id=here.school.id,
        provider_id=there.provider.id,
        activity=AccessActivity.ASSEMBLY,
        year_groups=[10],
        preferred_dates=[school_day()],
        content=list(AccessContent),
    )


def callers(world) -> list[tuple[str, Caller]]:
    """Everyone in a two-tenant world, named for messages: the admin and each side's roles."""
    people = [("admin", world.platform_admin)]
    for label, side in (("a", world.a), ("b", world.b)):
        people += [(f"{role.value} {label}", user) for role, user in side.users.items()]
    return [(name, caller_of(user)) for name, user in people]
