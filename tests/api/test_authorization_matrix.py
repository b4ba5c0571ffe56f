"""Every route, called as every role, on its own side's object and on a foreign one.

The routes come from the app's URL map: a route missing from ROUTES, or a view that
declares no access policy, fails the suite. A refused call must write nothing.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from api import problems
from api.app import create_app
from api.extensions import db
from models import Base
from models.base import london_today
from models.bookings import WaitlistEntry
from models.calendars import CalendarFeed
from models.matches import MatchStatus
from models.needs import NeedStatus
from models.offer_requests import AccessActivity, AccessContent
from models.pairings import AdviserHours, AdviserPairingPlan
from models.reference import Outcode
from models.users import Invitation, Role
from services import offer_requests, provider_access, school_years
from services.callers import Caller
from services.tokens import digest
from tests import factories
from tests.conftest import app_config

ADMIN, COORD, SCHOOL, EMPLOYER, VOLUNTEER, PROVIDER = (
    Role.ADMIN,
    Role.COORDINATOR,
    Role.SCHOOL_STAFF,
    Role.EMPLOYER_STAFF,
    Role.VOLUNTEER,
    Role.PROVIDER_STAFF,
)
ROLES = [ADMIN, COORD, SCHOOL, EMPLOYER, VOLUNTEER, PROVIDER]
# Non-API endpoints that serve documents, not data.
DOCUMENT_ENDPOINTS = {
    "static",
    "docs.page",
    "docs.swagger_ui",
    "docs.static",
    "api-docs.openapi_json",
}


def everyone(status: int) -> dict[Role, int]:
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[Role, int], otherwise: int) -> dict[Role, int]:
    return {role: allowed.get(role, otherwise) for role in ROLES}


@dataclass
class Case:
    path: Callable  # (world, side) -> path
    own: dict[Role, int]
    foreign: dict[Role, int] | None = None  # None: the route names no object
    body: Callable | None = None  # (world, side) -> JSON body
    setup: Callable | None = None  # (session, world) -> None, before the call
    query: dict = field(default_factory=dict)
    if_match: bool = False  # send the target's current ETag, as `etag_reader` reads it
    etag_reader: Role = Role.ADMIN
    csv: Callable | None = None  # (world, side) -> a text/csv body instead of JSON
    error_type: str = "application/problem+json"  # OAuth's token endpoint answers RFC 6749's


HOOKS = "/api/v1/webhook-subscriptions"
PUBLIC_HOOK = "https://93.184.216.34/hook"  # a public address literal: no DNS, no traffic


def HOOK_OWNERS(status):  # noqa: N802 - (own, foreign): the school's admins; admins anywhere
    return only({ADMIN: status, SCHOOL: status}, 404), only({ADMIN: status}, 404)


def _subscriptions(session, world):
    """Each side's school has a subscription, with a delivery that failed."""
    for side in (world.a, world.b):
        side.subscription = factories.webhook_subscription(session, side.school, PUBLIC_HOOK)
        side.delivery = factories.failed_delivery(session, side.subscription)


def _client_of_school(session, world):
    for side in (world.a, world.b):
        side.client = factories.api_client(session, side.school.id, ["schools:read"])


def _outcode(session, world):
    session.add(Outcode(outcode="LS1", latitude=53.797, longitude=-1.548, country="England"))


def _pupils(session, world):
    for side in (world.a, world.b):
        side.pupil = factories.pupil(session, side.school)


PUPILS = "/api/v1/schools/{}/pupils"
ENCOUNTERS = "/api/v1/encounters"
MIS_CSV = "reference,year_group,disadvantaged,send,considering_higher_education\nP900,9,0,0,0\n"


def _encounters(session, world):
    """An encounter per side with its employer and volunteer, and a pupil of its school."""
    for side in (world.a, world.b):
        side.pupil = factories.pupil(session, side.school)
        side.encounter = factories.encounter(session, side.school, employer_=side.employer)
        side.encounter.volunteers = [side.volunteer]


def _new_encounter(world, side):
    return {
        "school_id": str(side.school.id),
        "title": "Careers talk",
        "activity_type": "careers_talk",
        "benchmark": 5,
        "occurred_on": "2025-10-01",
        "mode": "in_person",
        "employer_id": str(side.employer.id),
    }


def _transfer(world, side):
    return {
        "reference": "T-1",
        "year_group": 9,
        "record": {
            "format": "engage.pupil-record/1",
            "pupil": {
                "reference": "OLD-1",
                "year_group": 9,
                "academic_year": "2025-26",
                "disadvantaged": False,
                "send": False,
                "considering_higher_education": False,
                "left_on": None,
            },
            "encounters": [],
        },
    }


ENCOUNTER_READERS = {ADMIN: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 200, VOLUNTEER: 200}


def _invite(world, side):
    return {
        "email": "new.person@example.org",
        "role": "school_staff",
        "organisation_id": str(side.school.id),
    }


def _spare_volunteer(session, world):
    """A second volunteer per side, with no Enterprise Adviser commitment yet."""
    for side in (world.a, world.b):
        side.spare = factories.volunteer(session, side.employer)


CALENDAR_TOKEN = "calendar-token-of-school-a"


def _calendar_feed(session, world):
    session.add(
        CalendarFeed(organisation_id=world.a.school.id, token_digest=digest(CALENDAR_TOKEN))
    )


def _waitlists(session, world):
    """Each side's school waits for 9 seats on its own side's slot."""
    for side in (world.a, world.b):
        side.entry = WaitlistEntry(
            slot_id=side.slot.id,
            school_id=side.school.id,
            position=1,
            year_group=10,
            seats=9,
            staff_lead_name="Ms Lead",
        )
        session.add(side.entry)
        session.flush()


def _slot_body(world, side):
    return {
        "date": (london_today() + timedelta(days=40)).isoformat(),
        "starts_at": "09:00",
        "ends_at": "12:00",
        "seats": 5,
    }


def _booking_body(world, side):
    return {
        "slot_id": str(side.slot.id),
        "school_id": str(side.school.id),
        "seats": 1,
        "year_group": 10,
        "staff_lead_name": "Mr Lead",
    }


def _waitlist_body(world, side):
    return {
        "school_id": str(side.school.id),
        "seats": 9,
        "year_group": 10,
        "staff_lead_name": "Mr Lead",
    }


HOSTS = {ADMIN: 200, EMPLOYER: 200}
BOOKING_PARTIES = {ADMIN: 200, SCHOOL: 200, EMPLOYER: 200}
FOLLOWER = {COORD: 403}  # the school's hub coordinator sees its bookings, and may not act
BOOKING = "/api/v1/bookings/{}"


def _needs(session, world):
    for side in (world.a, world.b):
        side.need = factories.need(session, side.school)


def _matches_in(status):
    def setup(session, world):
        _needs(session, world)
        for side in (world.a, world.b):
            side.match = factories.match(session, side.need, side.volunteer, status)
            if status is MatchStatus.SCHEDULED:
                side.need.status = NeedStatus.MATCHED

    return setup


def _plans(session, world):
    for side in (world.a, world.b):
        side.plan = AdviserPairingPlan(
            hub_id=side.hub.id,
            total_score=0.5,
            pairs=[
                {"adviser_id": str(side.adviser.id), "school_id": str(side.school.id), "score": 0.5}
            ],
            solver="assignment",
        )
        session.add(side.plan)
    session.flush()


def _assignments(session, world):
    for side in (world.a, world.b):
        side.assignment = factories.adviser_assignment(session, side.adviser, side.school)


def _hours(session, world):
    _assignments(session, world)
    for side in (world.a, world.b):
        side.hours = AdviserHours(
            assignment_id=side.assignment.id, worked_on=side.assignment.starts_on, hours=2
        )
        session.add(side.hours)
    session.flush()


def _invitations(session, world):
    for side in (world.a, world.b):
        side.invitation = Invitation(
            token_digest=digest(f"invitation-{side.school.id}"),
            email="invited@example.org",
            role=Role.SCHOOL_STAFF,
            organisation_id=side.school.id,
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
        session.add(side.invitation)
    session.flush()


def _need_body(world, side):
    starts = london_today() + timedelta(days=7)
    return {
        "school_id": str(side.school.id),
        "title": "Talk",
        "activity_type": "careers_talk",
        "benchmark": 5,
        "year_groups": [9],
        "pupils": 30,
        "mode": "in_person",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=14)).isoformat(),
    }


SCHOOL_SIDE = {ADMIN: 200, COORD: 200, SCHOOL: 200}
SCHOOL_SIDE_CREATES = {ADMIN: 201, COORD: 201, SCHOOL: 201}
MATCH_READERS = {ADMIN: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 200, VOLUNTEER: 200}
NEED = "/api/v1/needs/{}"
MATCH = "/api/v1/matches/{}"
PAIRINGS = "/api/v1/hubs/{}/adviser-pairings"
ASSIGNMENT = "/api/v1/adviser-assignments/{}"
# The hub's coordinators, the school, the adviser and their employer see an assignment.
ASSIGNMENT_READERS = {ADMIN: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 200, VOLUNTEER: 200}
SCHOOLS_CSV = (
    "URN,EstablishmentName,PhaseOfEducation (name),TypeOfEstablishment (name),LA (name),"
    "GOR (name)\n999001,New School,Secondary,Academy converter,Leeds,Yorkshire and the Humber\n"
)
VOLUNTEERS_CSV = "name,email,job_title\nNew Person,new.person.csv@example.org,Engineer\n"
HUB_READERS = {ADMIN: 200, COORD: 200, SCHOOL: 200}
ORG_ADMINS = {ADMIN: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 200, PROVIDER: 200}
JOURNEY = "/api/v1/volunteers/{}/journey"
JOURNEY_KEEPERS = only({ADMIN: 200, EMPLOYER: 200, VOLUNTEER: 200, COORD: 403, SCHOOL: 403}, 404)
JOURNEY_FOREIGN = only({ADMIN: 200, COORD: 403, SCHOOL: 403}, 404)
GCSE_STEP = {
    "kind": "qualification",
    "qualification_type": "gcse",
    "route": "school",
    "level": "2",
    "start_year": 2010,
    "end_year": 2015,
}
JOURNEY_CSV = (
    "email,kind,qualification_type,route,level,start_year\n{},qualification,gcse,school,2,2010\n"
)


def _journeys(session, world):
    for side in (world.a, world.b):
        factories.journey(session, side.volunteer)


POLICY = "/api/v1/schools/{}/provider-access-policy"
POLICY_BODY = {
    "procedure": "Email the careers leader.",
    "grant_criteria": "A date that fits the timetable.",
    "refusal_grounds": ["Exam period"],
    "premises": "The main hall.",
    "key_phases": ["y8_9", "y10_11", "y12_13"],
    "contact_name": "Ms Careers",
    "contact_email": "careers@example.org",
}


OFFER_REQUEST = "/api/v1/offer-requests/{}"
ACCESS_REQUEST = "/api/v1/provider-access-requests/{}"
GRANT = {"starts_at": "10:00", "ends_at": "11:00"}


def _admin(world):
    return Caller(Role.ADMIN, world.platform_admin.organisation_id)


def _offer_requests(session, world):
    """Each side's school asks for a careers talk of its own side's employer."""
    for side in (world.a, world.b):
        side.talk = factories.encounter_offer(session, side.employer)
        side.request = offer_requests.request_offer(
            session,
            _admin(world),
            offer_id=side.talk.id,
            school_id=side.school.id,
            date=factories.school_day(),
            starts_at=time(10),
            ends_at=time(11),
            year_groups=[10],
            pupils=30,
        )


def _access_requests(session, world):
    """Each side's college asks its own side's school for access (policies published)."""
    _policies(session, world)
    for side in (world.a, world.b):
        side.request = offer_requests.request_access(
            session,
            _admin(world),
            school_id=side.school.id,
            provider_id=side.provider.id,
            activity=AccessActivity.ASSEMBLY,
            year_groups=[10, 11],
            preferred_dates=[factories.school_day()],
            content=list(AccessContent),
        )


def _offer_request_body(world, side):
    return {
        "offer_id": str(side.talk.id),
        "school_id": str(side.school.id),
        "date": factories.school_day().isoformat(),
        "starts_at": "10:00",
        "ends_at": "11:00",
        "year_groups": [10],
        "pupils": 30,
    }


def _access_request_body(world, side):
    return {
        "school_id": str(side.school.id),
        "provider_id": str(side.provider.id),
        "activity": "class_session",
        "year_groups": [12],
        "preferred_dates": [factories.school_day().isoformat()],
        "content": [c.value for c in AccessContent],
    }


def _talks(session, world):
    for side in (world.a, world.b):
        side.talk = factories.encounter_offer(session, side.employer)


def _terms(world, side):
    return {"date": factories.school_day().isoformat(), **GRANT}


def _volunteers(world, side):
    return {"volunteer_ids": [str(side.volunteer.id)]}


def _shared_needs(session, world):
    for side in (world.a, world.b):
        side.need = factories.need(session, side.school, shared_with_employers=True)


def _put_forward(session, world):
    _shared_needs(session, world)
    for side in (world.a, world.b):
        side.match = factories.match(session, side.need, side.volunteer, MatchStatus.PUT_FORWARD)


OFFER_PARTNER = {ADMIN: 200, EMPLOYER: 200, SCHOOL: 403, COORD: 403}
ACCESS_SCHOOL = {ADMIN: 200, SCHOOL: 200, PROVIDER: 403, COORD: 403}


def _policies(session, world):
    for side in (world.a, world.b):
        provider_access.publish(session, _admin(world), side.school.id, **POLICY_BODY)


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/schools/<uuid:school_id>/pupils"): Case(
        lambda w, s: PUPILS.format(s.school.id), only({SCHOOL: 200}, 404), everyone(404)
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/pupils"): Case(
        lambda w, s: PUPILS.format(s.school.id),
        only({SCHOOL: 201}, 404),
        everyone(404),
        body=lambda w, s: {"reference": "P777", "year_group": 10},
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/pupils/<uuid:pupil_id>"): Case(
        lambda w, s: f"{PUPILS.format(s.school.id)}/{s.pupil.id}",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_pupils,
    ),
    ("PATCH", "/api/v1/schools/<uuid:school_id>/pupils/<uuid:pupil_id>"): Case(
        lambda w, s: f"{PUPILS.format(s.school.id)}/{s.pupil.id}",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_pupils,
        body=lambda w, s: {"year_group": 11},
        if_match=True,
        etag_reader=SCHOOL,
    ),
    ("DELETE", "/api/v1/schools/<uuid:school_id>/pupils/<uuid:pupil_id>"): Case(
        lambda w, s: f"{PUPILS.format(s.school.id)}/{s.pupil.id}",
        only({SCHOOL: 204}, 404),
        everyone(404),
        setup=_pupils,
        if_match=True,
        etag_reader=SCHOOL,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/pupils/import"): Case(
        lambda w, s: f"{PUPILS.format(s.school.id)}/import",
        only({SCHOOL: 200}, 404),
        everyone(404),
        csv=lambda w, s: MIS_CSV,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/pupils/roll-over"): Case(
        lambda w, s: f"{PUPILS.format(s.school.id)}/roll-over",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_pupils,
        body=lambda w, s: {"academic_year": "2040-41"},
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/pupils/transfer"): Case(
        lambda w, s: f"{PUPILS.format(s.school.id)}/transfer",
        only({SCHOOL: 201}, 404),
        everyone(404),
        body=_transfer,
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/pupils/<uuid:pupil_id>/record"): Case(
        lambda w, s: f"{PUPILS.format(s.school.id)}/{s.pupil.id}/record",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_pupils,
    ),
    ("GET", "/api/v1/encounters"): Case(lambda w, s: ENCOUNTERS, everyone(200), setup=_encounters),
    ("POST", "/api/v1/encounters"): Case(
        lambda w, s: ENCOUNTERS,
        only({ADMIN: 201, SCHOOL: 201, COORD: 403}, 404),
        only({ADMIN: 201}, 404),
        body=_new_encounter,
    ),
    ("GET", "/api/v1/encounters/<uuid:encounter_id>"): Case(
        lambda w, s: f"{ENCOUNTERS}/{s.encounter.id}",
        only(ENCOUNTER_READERS, 404),
        only({ADMIN: 200}, 404),
        setup=_encounters,
    ),
    ("PATCH", "/api/v1/encounters/<uuid:encounter_id>"): Case(
        lambda w, s: f"{ENCOUNTERS}/{s.encounter.id}",
        only({ADMIN: 200, SCHOOL: 200, COORD: 403, EMPLOYER: 403, VOLUNTEER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_encounters,
        body=lambda w, s: {"title": "Renamed"},
        if_match=True,
    ),
    ("DELETE", "/api/v1/encounters/<uuid:encounter_id>"): Case(
        lambda w, s: f"{ENCOUNTERS}/{s.encounter.id}",
        only({ADMIN: 204, SCHOOL: 204, COORD: 403, EMPLOYER: 403, VOLUNTEER: 403}, 404),
        only({ADMIN: 204}, 404),
        setup=_encounters,
        if_match=True,
    ),
    ("GET", "/api/v1/encounters/<uuid:encounter_id>/attendance"): Case(
        lambda w, s: f"{ENCOUNTERS}/{s.encounter.id}/attendance",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_encounters,
    ),
    ("PUT", "/api/v1/encounters/<uuid:encounter_id>/attendance"): Case(
        lambda w, s: f"{ENCOUNTERS}/{s.encounter.id}/attendance",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_encounters,
        body=lambda w, s: {"pupil_ids": [str(s.pupil.id)]},
        if_match=True,
        etag_reader=SCHOOL,
    ),
    ("GET", "/api/v1/encounters/<uuid:encounter_id>/checklist"): Case(
        lambda w, s: f"{ENCOUNTERS}/{s.encounter.id}/checklist",
        only(ENCOUNTER_READERS, 404),
        only({ADMIN: 200}, 404),
        setup=_encounters,
    ),
    ("PATCH", "/api/v1/encounters/<uuid:encounter_id>/checklist"): Case(
        lambda w, s: f"{ENCOUNTERS}/{s.encounter.id}/checklist",
        only({ADMIN: 200, SCHOOL: 200, COORD: 403, EMPLOYER: 403, VOLUNTEER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_encounters,
        body=lambda w, s: {"answers": {"clear_purpose": True}},  # a school item
        if_match=True,
    ),
    ("GET", "/api/v1/checklists/meaningful-encounter"): Case(
        lambda w, s: "/api/v1/checklists/meaningful-encounter", everyone(200)
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/benchmarks"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/benchmarks",
        only({ADMIN: 200, COORD: 200, SCHOOL: 200}, 404),
        only({ADMIN: 200}, 404),
        setup=_encounters,
        query={"academic_year": "2025-26"},
    ),
    ("GET", "/api/v1/hubs/<uuid:hub_id>/report"): Case(
        lambda w, s: f"/api/v1/hubs/{s.hub.id}/report",
        only({ADMIN: 200, COORD: 200, SCHOOL: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_encounters,
        query={"academic_year": "2025-26"},
    ),
    ("GET", "/healthz"): Case(lambda w, s: "/healthz", everyone(200)),
    ("GET", "/readyz"): Case(lambda w, s: "/readyz", everyone(200)),
    ("POST", "/api/v1/auth/login"): Case(
        lambda w, s: "/api/v1/auth/login",
        everyone(401),
        body=lambda w, s: {"email": "admin@example.org", "password": "wrong password!"},
    ),
    ("POST", "/api/v1/auth/token"): Case(
        lambda w, s: "/api/v1/auth/token",
        everyone(401),
        body=lambda w, s: {
            "grant_type": "client_credentials",
            "client_id": "x",
            "client_secret": "y",
        },
        error_type="application/json",
    ),
    ("GET", "/api/v1/auth/client"): Case(lambda w, s: "/api/v1/auth/client", everyone(403)),
    ("POST", "/api/v1/auth/refresh"): Case(lambda w, s: "/api/v1/auth/refresh", everyone(401)),
    ("POST", "/api/v1/auth/logout"): Case(lambda w, s: "/api/v1/auth/logout", everyone(204)),
    ("POST", "/api/v1/auth/password"): Case(
        lambda w, s: "/api/v1/auth/password",
        everyone(422),
        body=lambda w, s: {"current_password": "not my password", "new_password": "a" * 20},
    ),
    ("GET", "/api/v1/me"): Case(lambda w, s: "/api/v1/me", everyone(200)),
    ("GET", "/api/v1/users"): Case(lambda w, s: "/api/v1/users", everyone(200)),
    ("GET", "/api/v1/users/<uuid:user_id>"): Case(
        lambda w, s: f"/api/v1/users/{s.users[VOLUNTEER].id}",
        only({ADMIN: 200, EMPLOYER: 200, VOLUNTEER: 200}, 404),
        only({ADMIN: 200}, 404),
    ),
    ("DELETE", "/api/v1/users/<uuid:user_id>"): Case(
        lambda w, s: f"/api/v1/users/{s.users[VOLUNTEER].id}",
        only({ADMIN: 204, EMPLOYER: 204, VOLUNTEER: 403}, 404),
        only({ADMIN: 204}, 404),
    ),
    ("POST", "/api/v1/invitations"): Case(
        lambda w, s: "/api/v1/invitations",
        only({ADMIN: 201, COORD: 201, SCHOOL: 201}, 403),
        only({ADMIN: 201}, 403),
        body=_invite,
    ),
    ("POST", "/api/v1/invitations/accept"): Case(
        lambda w, s: "/api/v1/invitations/accept",
        everyone(422),
        body=lambda w, s: {"token": "no-such-token", "name": "N", "password": "a" * 20},
    ),
    ("GET", "/api/v1/hubs"): Case(lambda w, s: "/api/v1/hubs", everyone(200)),
    ("POST", "/api/v1/hubs"): Case(
        lambda w, s: "/api/v1/hubs",
        only({ADMIN: 201}, 403),
        body=lambda w, s: {"name": "New Hub", "area": "Somewhere"},
    ),
    ("GET", "/api/v1/hubs/<uuid:hub_id>"): Case(
        lambda w, s: f"/api/v1/hubs/{s.hub.id}", only(HUB_READERS, 404), only({ADMIN: 200}, 404)
    ),
    ("PATCH", "/api/v1/hubs/<uuid:hub_id>"): Case(
        lambda w, s: f"/api/v1/hubs/{s.hub.id}",
        only({ADMIN: 200, COORD: 200, SCHOOL: 403}, 404),
        only({ADMIN: 200}, 404),
        body=lambda w, s: {"area": "Elsewhere"},
        if_match=True,
    ),
    ("PUT", "/api/v1/hubs/<uuid:hub_id>/schools/<uuid:school_id>"): Case(
        lambda w, s: f"/api/v1/hubs/{s.hub.id}/schools/{s.school.id}",
        only({ADMIN: 204, COORD: 204, SCHOOL: 403}, 404),
        only({ADMIN: 204}, 404),
    ),
    ("DELETE", "/api/v1/hubs/<uuid:hub_id>/schools/<uuid:school_id>"): Case(
        lambda w, s: f"/api/v1/hubs/{s.hub.id}/schools/{s.school.id}",
        only({ADMIN: 204, COORD: 204, SCHOOL: 403}, 404),
        only({ADMIN: 204}, 404),
    ),
    ("GET", "/api/v1/schools"): Case(lambda w, s: "/api/v1/schools", everyone(200)),
    ("GET", "/api/v1/schools/<uuid:school_id>"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}", everyone(200), everyone(200)
    ),
    ("PATCH", "/api/v1/schools/<uuid:school_id>"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}",
        only({ADMIN: 200, COORD: 200, SCHOOL: 200}, 403),
        only({ADMIN: 200}, 403),
        body=lambda w, s: {"careers_leader_name": "Ms Careers"},
        if_match=True,
    ),
    ("POST", "/api/v1/schools/import"): Case(
        lambda w, s: "/api/v1/schools/import", only({ADMIN: 200}, 403), csv=lambda w, s: SCHOOLS_CSV
    ),
    ("GET", "/api/v1/employers"): Case(lambda w, s: "/api/v1/employers", everyone(200)),
    ("POST", "/api/v1/employers"): Case(
        lambda w, s: "/api/v1/employers",
        only({ADMIN: 201}, 403),
        body=lambda w, s: {"name": "Acme"},
    ),
    ("GET", "/api/v1/employers/<uuid:employer_id>"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}", everyone(200), everyone(200)
    ),
    ("PATCH", "/api/v1/employers/<uuid:employer_id>"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}",
        only({ADMIN: 200, EMPLOYER: 200}, 403),
        only({ADMIN: 200}, 403),
        body=lambda w, s: {"description": "We build bridges."},
        if_match=True,
    ),
    ("GET", "/api/v1/employers/<uuid:employer_id>/volunteers"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/volunteers", everyone(200), everyone(200)
    ),
    ("POST", "/api/v1/employers/<uuid:employer_id>/volunteers"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/volunteers",
        only({ADMIN: 201, EMPLOYER: 201}, 403),
        only({ADMIN: 201}, 403),
        body=lambda w, s: {"name": "N", "email": "new.volunteer@example.org", "job_title": "Chef"},
    ),
    ("POST", "/api/v1/employers/<uuid:employer_id>/volunteers/import"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/volunteers/import",
        only({ADMIN: 200, EMPLOYER: 200}, 403),
        only({ADMIN: 200}, 403),
        csv=lambda w, s: VOLUNTEERS_CSV,
    ),
    ("GET", "/api/v1/volunteers"): Case(lambda w, s: "/api/v1/volunteers", everyone(200)),
    ("GET", "/api/v1/volunteers/<uuid:volunteer_id>"): Case(
        lambda w, s: f"/api/v1/volunteers/{s.volunteer.id}",
        only({PROVIDER: 404}, 200),
        only({ADMIN: 200, COORD: 200, SCHOOL: 200}, 404),
    ),
    ("PATCH", "/api/v1/volunteers/<uuid:volunteer_id>"): Case(
        lambda w, s: f"/api/v1/volunteers/{s.volunteer.id}",
        only({ADMIN: 200, EMPLOYER: 200, VOLUNTEER: 200, COORD: 403, SCHOOL: 403}, 404),
        only({ADMIN: 200, COORD: 403, SCHOOL: 403}, 404),
        body=lambda w, s: {"job_title": "Chief engineer"},
        if_match=True,
    ),
    ("GET", "/api/v1/advisers"): Case(lambda w, s: "/api/v1/advisers", everyone(200)),
    ("POST", "/api/v1/advisers"): Case(
        lambda w, s: "/api/v1/advisers",
        only({ADMIN: 201, COORD: 201, EMPLOYER: 201, SCHOOL: 403}, 404),
        only({ADMIN: 201, COORD: 201, SCHOOL: 403}, 404),
        body=lambda w, s: {"volunteer_id": str(s.spare.id), "hours_per_month": 8},
        setup=_spare_volunteer,
    ),
    ("GET", "/api/v1/advisers/<uuid:adviser_id>"): Case(
        lambda w, s: f"/api/v1/advisers/{s.adviser.id}",
        only({ADMIN: 200, COORD: 200, EMPLOYER: 200, VOLUNTEER: 200}, 404),
        only({ADMIN: 200}, 404),  # another hub's adviser
    ),
    ("PATCH", "/api/v1/advisers/<uuid:adviser_id>"): Case(
        lambda w, s: f"/api/v1/advisers/{s.adviser.id}",
        only({ADMIN: 200, COORD: 200, EMPLOYER: 200, VOLUNTEER: 200}, 404),
        only({ADMIN: 200}, 404),
        body=lambda w, s: {"hours_per_month": 10},
        if_match=True,
    ),
    ("DELETE", "/api/v1/advisers/<uuid:adviser_id>"): Case(
        lambda w, s: f"/api/v1/advisers/{s.adviser.id}",
        only({ADMIN: 204, COORD: 204, EMPLOYER: 204, VOLUNTEER: 204}, 404),
        only({ADMIN: 204}, 404),
        if_match=True,
    ),
    ("GET", "/api/v1/providers"): Case(lambda w, s: "/api/v1/providers", everyone(200)),
    ("POST", "/api/v1/providers"): Case(
        lambda w, s: "/api/v1/providers",
        only({ADMIN: 201}, 403),
        body=lambda w, s: {"name": "Uni", "provider_type": "university"},
    ),
    ("GET", "/api/v1/providers/<uuid:provider_id>"): Case(
        lambda w, s: f"/api/v1/providers/{s.provider.id}", everyone(200), everyone(200)
    ),
    ("PATCH", "/api/v1/providers/<uuid:provider_id>"): Case(
        lambda w, s: f"/api/v1/providers/{s.provider.id}",
        only({ADMIN: 200, PROVIDER: 200}, 403),
        only({ADMIN: 200}, 403),
        body=lambda w, s: {"website": "https://college.example.org"},
        if_match=True,
    ),
    ("GET", "/api/v1/api-clients"): Case(lambda w, s: "/api/v1/api-clients", only(ORG_ADMINS, 403)),
    ("POST", "/api/v1/api-clients"): Case(
        lambda w, s: "/api/v1/api-clients",
        only({COORD: 201, SCHOOL: 201, EMPLOYER: 201, PROVIDER: 201}, 403),
        body=lambda w, s: {"name": "MIS sync", "scopes": ["schools:read"]},
    ),
    ("GET", "/api/v1/api-clients/<uuid:client_uuid>"): Case(
        lambda w, s: f"/api/v1/api-clients/{s.client.id}",
        only({ADMIN: 200, SCHOOL: 200}, 404),
        only({ADMIN: 200}, 404),
        setup=_client_of_school,
    ),
    ("DELETE", "/api/v1/api-clients/<uuid:client_uuid>"): Case(
        lambda w, s: f"/api/v1/api-clients/{s.client.id}",
        only({ADMIN: 204, SCHOOL: 204}, 404),
        only({ADMIN: 204}, 404),
        setup=_client_of_school,
    ),
    ("GET", "/api/v1/audit-log"): Case(lambda w, s: "/api/v1/audit-log", only(ORG_ADMINS, 403)),
    ("GET", "/api/v1/offers"): Case(lambda w, s: "/api/v1/offers", everyone(200)),
    ("POST", "/api/v1/offers"): Case(
        lambda w, s: "/api/v1/offers",
        only({ADMIN: 201, EMPLOYER: 201}, 403),
        only({ADMIN: 201}, 403),
        body=lambda w, s: {
            "kind": "job_shadowing",
            "title": "Shadow a site manager",
            "employer_id": str(s.employer.id),
        },
    ),
    ("GET", "/api/v1/offers/<uuid:offer_id>"): Case(
        lambda w, s: f"/api/v1/offers/{s.offer.id}", everyone(200), everyone(200)
    ),
    ("PATCH", "/api/v1/offers/<uuid:offer_id>"): Case(
        lambda w, s: f"/api/v1/offers/{s.offer.id}",
        only(HOSTS, 403),
        only({ADMIN: 200}, 403),
        body=lambda w, s: {"accessibility_notes": "Lift to every floor"},
        if_match=True,
    ),
    ("POST", "/api/v1/offers/<uuid:offer_id>/publish"): Case(
        lambda w, s: f"/api/v1/offers/{s.offer.id}/publish",
        only({ADMIN: 409, EMPLOYER: 409}, 403),  # already published
        only({ADMIN: 409}, 403),
    ),
    ("POST", "/api/v1/offers/<uuid:offer_id>/withdraw"): Case(
        lambda w, s: f"/api/v1/offers/{s.offer.id}/withdraw",
        only(HOSTS, 403),
        only({ADMIN: 200}, 403),
    ),
    ("GET", "/api/v1/offers/<uuid:offer_id>/slots"): Case(
        lambda w, s: f"/api/v1/offers/{s.offer.id}/slots", everyone(200), everyone(200)
    ),
    ("POST", "/api/v1/offers/<uuid:offer_id>/slots"): Case(
        lambda w, s: f"/api/v1/offers/{s.offer.id}/slots",
        only({ADMIN: 201, EMPLOYER: 201}, 403),
        only({ADMIN: 201}, 403),
        body=_slot_body,
    ),
    ("GET", "/api/v1/slots"): Case(lambda w, s: "/api/v1/slots", everyone(200)),
    ("GET", "/api/v1/slots/<uuid:slot_id>"): Case(
        lambda w, s: f"/api/v1/slots/{s.slot.id}", everyone(200), everyone(200)
    ),
    ("PATCH", "/api/v1/slots/<uuid:slot_id>"): Case(
        lambda w, s: f"/api/v1/slots/{s.slot.id}",
        only(HOSTS, 403),
        only({ADMIN: 200}, 403),
        body=lambda w, s: {"seats": 12},
        if_match=True,
    ),
    ("DELETE", "/api/v1/slots/<uuid:slot_id>"): Case(
        lambda w, s: f"/api/v1/slots/{s.slot.id}",
        only({ADMIN: 409, EMPLOYER: 409}, 403),  # it has a booking
        only({ADMIN: 409}, 403),
        if_match=True,
    ),
    ("GET", "/api/v1/slots/<uuid:slot_id>/waitlist"): Case(
        lambda w, s: f"/api/v1/slots/{s.slot.id}/waitlist", everyone(200), everyone(200)
    ),
    ("POST", "/api/v1/slots/<uuid:slot_id>/waitlist"): Case(
        lambda w, s: f"/api/v1/slots/{s.slot.id}/waitlist",
        only({ADMIN: 201, SCHOOL: 201}, 403),
        only({ADMIN: 201}, 403),
        body=_waitlist_body,
    ),
    ("DELETE", "/api/v1/waitlist/<uuid:entry_id>"): Case(
        lambda w, s: f"/api/v1/waitlist/{s.entry.id}",
        only({ADMIN: 204, SCHOOL: 204, EMPLOYER: 403, **FOLLOWER}, 404),
        only({ADMIN: 204}, 404),
        setup=_waitlists,
    ),
    ("GET", "/api/v1/bookings"): Case(lambda w, s: "/api/v1/bookings", everyone(200)),
    ("POST", "/api/v1/bookings"): Case(
        lambda w, s: "/api/v1/bookings",
        only({ADMIN: 201, SCHOOL: 201}, 403),
        only({ADMIN: 201}, 403),
        body=_booking_body,
    ),
    ("GET", "/api/v1/bookings/<uuid:booking_id>"): Case(
        lambda w, s: BOOKING.format(s.booking.id),
        only({**BOOKING_PARTIES, COORD: 200}, 404),
        only({ADMIN: 200}, 404),
    ),
    ("POST", "/api/v1/bookings/<uuid:booking_id>/confirm"): Case(
        lambda w, s: BOOKING.format(s.booking.id) + "/confirm",
        only({ADMIN: 200, EMPLOYER: 200, SCHOOL: 403, **FOLLOWER}, 404),
        only({ADMIN: 200}, 404),
    ),
    ("POST", "/api/v1/bookings/<uuid:booking_id>/decline"): Case(
        lambda w, s: BOOKING.format(s.booking.id) + "/decline",
        only({ADMIN: 200, EMPLOYER: 200, SCHOOL: 403, **FOLLOWER}, 404),
        only({ADMIN: 200}, 404),
    ),
    ("POST", "/api/v1/bookings/<uuid:booking_id>/cancel"): Case(
        lambda w, s: BOOKING.format(s.booking.id) + "/cancel",
        only({**BOOKING_PARTIES, **FOLLOWER}, 404),
        only({ADMIN: 200}, 404),
        body=lambda w, s: {"reason": "Coach cancelled"},
    ),
    ("POST", "/api/v1/bookings/<uuid:booking_id>/complete"): Case(
        lambda w, s: BOOKING.format(s.booking.id) + "/complete",
        only({ADMIN: 409, SCHOOL: 409, EMPLOYER: 409, **FOLLOWER}, 404),  # requested, not held
        only({ADMIN: 409}, 404),
    ),
    ("POST", "/api/v1/bookings/<uuid:booking_id>/consent"): Case(
        lambda w, s: BOOKING.format(s.booking.id) + "/consent",
        only({ADMIN: 200, SCHOOL: 200, EMPLOYER: 403, **FOLLOWER}, 404),
        only({ADMIN: 200}, 404),
    ),
    ("GET", "/api/v1/calendars/<string:token>.ics"): Case(
        lambda w, s: f"/api/v1/calendars/{CALENDAR_TOKEN}.ics",
        everyone(200),
        setup=_calendar_feed,
    ),
    ("PUT", "/api/v1/schools/<uuid:school_id>/calendar-feed"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/calendar-feed",
        only({ADMIN: 201, COORD: 201, SCHOOL: 201}, 403),
        only({ADMIN: 201}, 403),
    ),
    ("DELETE", "/api/v1/schools/<uuid:school_id>/calendar-feed"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/calendar-feed",
        only({ADMIN: 204, COORD: 204, SCHOOL: 204}, 403),
        only({ADMIN: 204}, 403),
    ),
    ("PUT", "/api/v1/employers/<uuid:employer_id>/calendar-feed"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/calendar-feed",
        only({ADMIN: 201, EMPLOYER: 201}, 403),
        only({ADMIN: 201}, 403),
    ),
    ("DELETE", "/api/v1/employers/<uuid:employer_id>/calendar-feed"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/calendar-feed",
        only({ADMIN: 204, EMPLOYER: 204}, 403),
        only({ADMIN: 204}, 403),
    ),
    ("GET", "/api/v1/needs"): Case(lambda w, s: "/api/v1/needs", everyone(200), setup=_needs),
    ("POST", "/api/v1/needs"): Case(
        lambda w, s: "/api/v1/needs",
        only(SCHOOL_SIDE_CREATES, 403),
        only({ADMIN: 201}, 403),
        body=_need_body,
    ),
    ("GET", "/api/v1/needs/<uuid:need_id>"): Case(
        lambda w, s: NEED.format(s.need.id),
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_needs,
    ),
    ("PATCH", "/api/v1/needs/<uuid:need_id>"): Case(
        lambda w, s: NEED.format(s.need.id),
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_needs,
        body=lambda w, s: {"pupils": 45},
        if_match=True,
    ),
    ("POST", "/api/v1/needs/<uuid:need_id>/cancel"): Case(
        lambda w, s: NEED.format(s.need.id) + "/cancel",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_needs,
    ),
    ("POST", "/api/v1/needs/<uuid:need_id>/fulfil"): Case(
        lambda w, s: NEED.format(s.need.id) + "/fulfil",
        only({**SCHOOL_SIDE, EMPLOYER: 403, VOLUNTEER: 403}, 404),  # invited: they see it
        only({ADMIN: 200}, 404),
        setup=_matches_in(MatchStatus.SCHEDULED),
    ),
    ("GET", "/api/v1/needs/<uuid:need_id>/candidates"): Case(
        lambda w, s: NEED.format(s.need.id) + "/candidates",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_needs,
    ),
    ("POST", "/api/v1/needs/<uuid:need_id>/invitations"): Case(
        lambda w, s: NEED.format(s.need.id) + "/invitations",
        only(SCHOOL_SIDE_CREATES, 404),
        only({ADMIN: 201}, 404),
        setup=_needs,
        body=lambda w, s: {"volunteer_ids": [str(s.volunteer.id)]},
    ),
    ("POST", "/api/v1/needs/<uuid:need_id>/backups"): Case(
        lambda w, s: NEED.format(s.need.id) + "/backups",
        only(SCHOOL_SIDE_CREATES, 404),
        only({ADMIN: 201}, 404),
        setup=_needs,
        body=lambda w, s: {"count": 2},
    ),
    ("GET", "/api/v1/volunteers/<uuid:volunteer_id>/opportunities"): Case(
        lambda w, s: f"/api/v1/volunteers/{s.volunteer.id}/opportunities",
        only({ADMIN: 200, EMPLOYER: 200, VOLUNTEER: 200, COORD: 403, SCHOOL: 403}, 404),
        only({ADMIN: 200, COORD: 403, SCHOOL: 403}, 404),
        setup=_needs,
    ),
    ("GET", "/api/v1/matches"): Case(
        lambda w, s: "/api/v1/matches", everyone(200), setup=_matches_in(MatchStatus.INVITED)
    ),
    ("GET", "/api/v1/matches/<uuid:match_id>"): Case(
        lambda w, s: MATCH.format(s.match.id),
        only(MATCH_READERS, 404),
        only({ADMIN: 200}, 404),
        setup=_matches_in(MatchStatus.INVITED),
    ),
    ("POST", "/api/v1/matches/<uuid:match_id>/accept"): Case(
        lambda w, s: MATCH.format(s.match.id) + "/accept",
        only({ADMIN: 200, VOLUNTEER: 200, COORD: 403, SCHOOL: 403, EMPLOYER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_matches_in(MatchStatus.INVITED),
    ),
    ("POST", "/api/v1/matches/<uuid:match_id>/decline"): Case(
        lambda w, s: MATCH.format(s.match.id) + "/decline",
        only({ADMIN: 200, VOLUNTEER: 200, COORD: 403, SCHOOL: 403, EMPLOYER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_matches_in(MatchStatus.INVITED),
        body=lambda w, s: {"reason": "other"},
    ),
    ("POST", "/api/v1/matches/<uuid:match_id>/withdraw"): Case(
        lambda w, s: MATCH.format(s.match.id) + "/withdraw",
        only({ADMIN: 200, VOLUNTEER: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_matches_in(MatchStatus.INVITED),
        body=lambda w, s: {},
    ),
    ("POST", "/api/v1/matches/<uuid:match_id>/confirm"): Case(
        lambda w, s: MATCH.format(s.match.id) + "/confirm",
        only({**SCHOOL_SIDE, VOLUNTEER: 403, EMPLOYER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_matches_in(MatchStatus.ACCEPTED),
    ),
    ("POST", "/api/v1/matches/<uuid:match_id>/schedule"): Case(
        lambda w, s: MATCH.format(s.match.id) + "/schedule",
        only({**SCHOOL_SIDE, VOLUNTEER: 403, EMPLOYER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_matches_in(MatchStatus.CONFIRMED),
        body=lambda w, s: {"scheduled_for": f"{s.need.starts_on.isoformat()}T10:00:00Z"},
    ),
    ("GET", "/api/v1/hubs/<uuid:hub_id>/adviser-pairings"): Case(
        lambda w, s: PAIRINGS.format(s.hub.id),
        only({ADMIN: 200, COORD: 200, SCHOOL: 200}, 404),  # a school's list is empty
        only({ADMIN: 200}, 404),
        setup=_plans,
    ),
    ("POST", "/api/v1/hubs/<uuid:hub_id>/adviser-pairings"): Case(
        lambda w, s: PAIRINGS.format(s.hub.id),
        only({ADMIN: 201, COORD: 201, SCHOOL: 403}, 404),
        only({ADMIN: 201}, 404),
    ),
    ("GET", "/api/v1/hubs/<uuid:hub_id>/adviser-pairings/<uuid:plan_id>"): Case(
        lambda w, s: f"{PAIRINGS.format(s.hub.id)}/{s.plan.id}",
        only({ADMIN: 200, COORD: 200}, 404),
        only({ADMIN: 200}, 404),
        setup=_plans,
    ),
    ("POST", "/api/v1/hubs/<uuid:hub_id>/adviser-pairings/<uuid:plan_id>/confirm"): Case(
        lambda w, s: f"{PAIRINGS.format(s.hub.id)}/{s.plan.id}/confirm",
        only({ADMIN: 201, COORD: 201, SCHOOL: 403}, 404),
        only({ADMIN: 201}, 404),
        setup=_plans,
        body=lambda w, s: {},
    ),
    ("GET", "/api/v1/adviser-assignments"): Case(
        lambda w, s: "/api/v1/adviser-assignments", everyone(200), setup=_assignments
    ),
    ("GET", "/api/v1/adviser-assignments/<uuid:assignment_id>"): Case(
        lambda w, s: ASSIGNMENT.format(s.assignment.id),
        only(ASSIGNMENT_READERS, 404),
        only({ADMIN: 200}, 404),
        setup=_assignments,
    ),
    ("GET", "/api/v1/adviser-assignments/<uuid:assignment_id>/hours"): Case(
        lambda w, s: ASSIGNMENT.format(s.assignment.id) + "/hours",
        only(ASSIGNMENT_READERS, 404),
        only({ADMIN: 200}, 404),
        setup=_assignments,
    ),
    ("POST", "/api/v1/adviser-assignments/<uuid:assignment_id>/hours"): Case(
        lambda w, s: ASSIGNMENT.format(s.assignment.id) + "/hours",
        only({ADMIN: 201, COORD: 201, VOLUNTEER: 201, SCHOOL: 403, EMPLOYER: 403}, 404),
        only({ADMIN: 201}, 404),
        setup=_assignments,
        body=lambda w, s: {"worked_on": london_today().isoformat(), "hours": 1.5},
    ),
    ("POST", "/api/v1/adviser-assignments/<uuid:assignment_id>/end"): Case(
        lambda w, s: ASSIGNMENT.format(s.assignment.id) + "/end",
        only({ADMIN: 200, COORD: 200, SCHOOL: 403, EMPLOYER: 403, VOLUNTEER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_assignments,
        body=lambda w, s: {"reason": "The adviser changed jobs"},
    ),
    ("GET", "/api/v1/geocode"): Case(
        lambda w, s: "/api/v1/geocode", everyone(200), setup=_outcode, query={"postcode": "LS1 9ZZ"}
    ),
    # Career journeys and the tube map: the volunteer and their employer's staff keep a
    # journey; coordinators and schools see the volunteer but not it; counts are for all.
    ("GET", "/api/v1/volunteers/<uuid:volunteer_id>/journey"): Case(
        lambda w, s: JOURNEY.format(s.volunteer.id), JOURNEY_KEEPERS, JOURNEY_FOREIGN
    ),
    ("PUT", "/api/v1/volunteers/<uuid:volunteer_id>/journey"): Case(
        lambda w, s: JOURNEY.format(s.volunteer.id),
        JOURNEY_KEEPERS,
        JOURNEY_FOREIGN,
        body=lambda w, s: {"steps": [GCSE_STEP], "shared": True},
        if_match=True,
    ),
    ("DELETE", "/api/v1/volunteers/<uuid:volunteer_id>/journey"): Case(
        lambda w, s: JOURNEY.format(s.volunteer.id),
        {**JOURNEY_KEEPERS, ADMIN: 204, EMPLOYER: 204, VOLUNTEER: 204},
        {**JOURNEY_FOREIGN, ADMIN: 204},
        setup=_journeys,
        if_match=True,
    ),
    ("POST", "/api/v1/employers/<uuid:employer_id>/journeys/import"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/journeys/import",
        only({ADMIN: 200, EMPLOYER: 200}, 403),
        only({ADMIN: 200}, 403),
        csv=lambda w, s: JOURNEY_CSV.format(s.volunteer.user.email),
    ),
    ("GET", "/api/v1/tube-map"): Case(lambda w, s: "/api/v1/tube-map", everyone(200)),
    ("GET", "/api/v1/tube-map.svg"): Case(lambda w, s: "/api/v1/tube-map.svg", everyone(200)),
    ("GET", "/api/v1/journeys"): Case(lambda w, s: "/api/v1/journeys", everyone(200)),
    # --- offers and requests (issues 16 and 17: provider access) ---
    ("GET", "/api/v1/schools/<uuid:school_id>/provider-access-policy"): Case(
        lambda w, s: POLICY.format(s.school.id), everyone(200), everyone(200), setup=_policies
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/provider-access-policy/versions"): Case(
        lambda w, s: f"{POLICY.format(s.school.id)}/versions", everyone(200), everyone(200)
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/provider-access-policy/versions"): Case(
        lambda w, s: f"{POLICY.format(s.school.id)}/versions",
        only({ADMIN: 201, SCHOOL: 201}, 403),
        only({ADMIN: 201}, 403),
        body=lambda w, s: POLICY_BODY,
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/provider-access-policy/versions/<int:version>"): (
        Case(
            lambda w, s: f"{POLICY.format(s.school.id)}/versions/1",
            everyone(200),
            everyone(200),
            setup=_policies,
        )
    ),
    ("GET", "/api/v1/offers/directory"): Case(
        lambda w, s: "/api/v1/offers/directory", only({SCHOOL: 200}, 403), setup=_talks
    ),
    ("GET", "/api/v1/employers/<uuid:employer_id>/open-needs"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/open-needs",
        only({ADMIN: 200, EMPLOYER: 200}, 403),
        only({ADMIN: 200}, 403),
        setup=_shared_needs,
    ),
    ("GET", "/api/v1/employers/<uuid:employer_id>/impact"): Case(
        lambda w, s: f"/api/v1/employers/{s.employer.id}/impact",
        only({ADMIN: 200, EMPLOYER: 200}, 403),
        only({ADMIN: 200}, 403),
    ),
    ("POST", "/api/v1/needs/<uuid:need_id>/put-forward"): Case(
        lambda w, s: f"{NEED.format(s.need.id)}/put-forward",
        only({ADMIN: 201, EMPLOYER: 201, VOLUNTEER: 201, SCHOOL: 403, COORD: 403}, 404),
        only({ADMIN: 201, SCHOOL: 403, COORD: 403}, 404),
        setup=_shared_needs,
        body=lambda w, s: {"volunteer_id": str(s.volunteer.id)},
    ),
    ("POST", "/api/v1/matches/<uuid:match_id>/approve"): Case(
        lambda w, s: f"{MATCH.format(s.match.id)}/approve",
        only({ADMIN: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 403, VOLUNTEER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_put_forward,
    ),
    ("POST", "/api/v1/matches/<uuid:match_id>/reject"): Case(
        lambda w, s: f"{MATCH.format(s.match.id)}/reject",
        only({ADMIN: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 403, VOLUNTEER: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_put_forward,
        body=lambda w, s: {"reason": "not_available"},
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/provider-access-compliance"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/provider-access-compliance",
        only({ADMIN: 200, COORD: 200, SCHOOL: 200}, 403),
        only({ADMIN: 200}, 403),
    ),
    ("GET", "/api/v1/hubs/<uuid:hub_id>/provider-access-compliance"): Case(
        lambda w, s: f"/api/v1/hubs/{s.hub.id}/provider-access-compliance",
        only({ADMIN: 200, COORD: 200, SCHOOL: 403}, 404),
        only({ADMIN: 200}, 404),
    ),
    ("GET", "/api/v1/providers/<uuid:provider_id>/schools-owing"): Case(
        lambda w, s: f"/api/v1/providers/{s.provider.id}/schools-owing",
        only({ADMIN: 200, PROVIDER: 200}, 403),
        only({ADMIN: 200}, 403),
    ),
    ("GET", "/api/v1/offer-requests"): Case(
        lambda w, s: "/api/v1/offer-requests", everyone(200), setup=_offer_requests
    ),
    ("POST", "/api/v1/offer-requests"): Case(
        lambda w, s: "/api/v1/offer-requests",
        only({ADMIN: 201, SCHOOL: 201}, 403),
        only({ADMIN: 201}, 403),
        setup=_talks,
        body=_offer_request_body,
    ),
    ("GET", "/api/v1/offer-requests/<uuid:request_id>"): Case(
        lambda w, s: OFFER_REQUEST.format(s.request.id),
        only({ADMIN: 200, COORD: 200, SCHOOL: 200, EMPLOYER: 200}, 404),
        only({ADMIN: 200}, 404),
        setup=_offer_requests,
    ),
    ("POST", "/api/v1/offer-requests/<uuid:request_id>/accept"): Case(
        lambda w, s: OFFER_REQUEST.format(s.request.id) + "/accept",
        only(OFFER_PARTNER, 404),
        only({ADMIN: 200}, 404),
        setup=_offer_requests,
        body=_volunteers,
    ),
    ("POST", "/api/v1/offer-requests/<uuid:request_id>/propose"): Case(
        lambda w, s: OFFER_REQUEST.format(s.request.id) + "/propose",
        only(OFFER_PARTNER, 404),
        only({ADMIN: 200}, 404),
        setup=_offer_requests,
        body=lambda w, s: {**_terms(w, s), **_volunteers(w, s)},
    ),
    ("POST", "/api/v1/offer-requests/<uuid:request_id>/decline"): Case(
        lambda w, s: OFFER_REQUEST.format(s.request.id) + "/decline",
        only(OFFER_PARTNER, 404),
        only({ADMIN: 200}, 404),
        setup=_offer_requests,
        body=lambda w, s: {"reason": "Fully booked"},
    ),
    ("POST", "/api/v1/offer-requests/<uuid:request_id>/cancel"): Case(
        lambda w, s: OFFER_REQUEST.format(s.request.id) + "/cancel",
        only({ADMIN: 200, SCHOOL: 200, EMPLOYER: 200, COORD: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_offer_requests,
        body=lambda w, s: {"reason": "Timetable change"},
    ),
    ("GET", "/api/v1/provider-access-requests"): Case(
        lambda w, s: "/api/v1/provider-access-requests", everyone(200), setup=_access_requests
    ),
    ("POST", "/api/v1/provider-access-requests"): Case(
        lambda w, s: "/api/v1/provider-access-requests",
        only({ADMIN: 201, PROVIDER: 201}, 403),
        only({ADMIN: 201}, 403),
        body=_access_request_body,
    ),
    ("GET", "/api/v1/provider-access-requests/<uuid:request_id>"): Case(
        lambda w, s: ACCESS_REQUEST.format(s.request.id),
        only({ADMIN: 200, COORD: 200, SCHOOL: 200, PROVIDER: 200}, 404),
        only({ADMIN: 200}, 404),
        setup=_access_requests,
    ),
    ("POST", "/api/v1/provider-access-requests/<uuid:request_id>/accept"): Case(
        lambda w, s: ACCESS_REQUEST.format(s.request.id) + "/accept",
        only(ACCESS_SCHOOL, 404),
        only({ADMIN: 200}, 404),
        setup=_access_requests,
        body=_terms,
    ),
    ("POST", "/api/v1/provider-access-requests/<uuid:request_id>/propose"): Case(
        lambda w, s: ACCESS_REQUEST.format(s.request.id) + "/propose",
        only(ACCESS_SCHOOL, 404),
        only({ADMIN: 200}, 404),
        setup=_access_requests,
        body=_terms,
    ),
    ("POST", "/api/v1/provider-access-requests/<uuid:request_id>/decline"): Case(
        lambda w, s: ACCESS_REQUEST.format(s.request.id) + "/decline",
        only(ACCESS_SCHOOL, 404),
        only({ADMIN: 200}, 404),
        setup=_access_requests,
        body=lambda w, s: {"reason": "Exam period"},
    ),
    ("POST", "/api/v1/provider-access-requests/<uuid:request_id>/cancel"): Case(
        lambda w, s: ACCESS_REQUEST.format(s.request.id) + "/cancel",
        only({ADMIN: 200, SCHOOL: 200, PROVIDER: 200, COORD: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_access_requests,
        body=lambda w, s: {"reason": "Timetable change"},
    ),
    # Integrations: the event feed and webhook subscriptions (issue 14).
    ("GET", "/api/v1/events"): Case(lambda w, s: "/api/v1/events", only({VOLUNTEER: 403}, 200)),
    ("GET", "/api/v1/webhook-subscriptions"): Case(
        lambda w, s: HOOKS, only({VOLUNTEER: 403}, 200), setup=_subscriptions
    ),
    ("POST", "/api/v1/webhook-subscriptions"): Case(
        lambda w, s: HOOKS,
        only({VOLUNTEER: 403}, 201),
        body=lambda w, s: {"url": PUBLIC_HOOK, "event_types": ["booking.confirmed"]},
    ),
    ("GET", "/api/v1/webhook-subscriptions/<uuid:subscription_id>"): Case(
        lambda w, s: f"{HOOKS}/{s.subscription.id}", *HOOK_OWNERS(200), setup=_subscriptions
    ),
    ("PATCH", "/api/v1/webhook-subscriptions/<uuid:subscription_id>"): Case(
        lambda w, s: f"{HOOKS}/{s.subscription.id}",
        *HOOK_OWNERS(200),
        setup=_subscriptions,
        body=lambda w, s: {"status": "paused"},
        if_match=True,
    ),
    ("DELETE", "/api/v1/webhook-subscriptions/<uuid:subscription_id>"): Case(
        lambda w, s: f"{HOOKS}/{s.subscription.id}", *HOOK_OWNERS(204), setup=_subscriptions
    ),
    ("POST", "/api/v1/webhook-subscriptions/<uuid:subscription_id>/rotate-secret"): Case(
        lambda w, s: f"{HOOKS}/{s.subscription.id}/rotate-secret",
        *HOOK_OWNERS(200),
        setup=_subscriptions,
        body=lambda w, s: {},
    ),
    ("POST", "/api/v1/webhook-subscriptions/<uuid:subscription_id>/ping"): Case(
        lambda w, s: f"{HOOKS}/{s.subscription.id}/ping", *HOOK_OWNERS(202), setup=_subscriptions
    ),
    ("GET", "/api/v1/webhook-subscriptions/<uuid:subscription_id>/deliveries"): Case(
        lambda w, s: f"{HOOKS}/{s.subscription.id}/deliveries",
        *HOOK_OWNERS(200),
        setup=_subscriptions,
    ),
    (
        "POST",
        "/api/v1/webhook-subscriptions/<uuid:subscription_id>/deliveries/<uuid:delivery_id>/redeliver",
    ): Case(
        lambda w, s: f"{HOOKS}/{s.subscription.id}/deliveries/{s.delivery.id}/redeliver",
        *HOOK_OWNERS(202),
        setup=_subscriptions,
    ),
    # hardening-contract: each create's Location can be read
    ("GET", "/api/v1/waitlist/<uuid:entry_id>"): Case(
        lambda w, s: f"/api/v1/waitlist/{s.entry.id}",
        only({ADMIN: 200, SCHOOL: 200, EMPLOYER: 200, COORD: 200}, 404),
        only({ADMIN: 200}, 404),
        setup=_waitlists,
    ),
    ("GET", "/api/v1/adviser-assignments/<uuid:assignment_id>/hours/<uuid:hours_id>"): Case(
        lambda w, s: ASSIGNMENT.format(s.assignment.id) + f"/hours/{s.hours.id}",
        only(ASSIGNMENT_READERS, 404),
        only({ADMIN: 200}, 404),
        setup=_hours,
    ),
    ("GET", "/api/v1/invitations/<uuid:invitation_id>"): Case(
        lambda w, s: f"/api/v1/invitations/{s.invitation.id}",
        only({ADMIN: 200, COORD: 200, SCHOOL: 200}, 404),
        only({ADMIN: 200}, 404),
        setup=_invitations,
    ),
    # Notifications (issue 15): one's own choices, one-click unsubscribe, password reset.
    ("GET", "/api/v1/me/notification-preferences"): Case(
        lambda w, s: "/api/v1/me/notification-preferences", everyone(200)
    ),
    ("PUT", "/api/v1/me/notification-preferences"): Case(
        lambda w, s: "/api/v1/me/notification-preferences",
        everyone(200),
        body=lambda w, s: {"delivery": "daily_digest"},
        if_match=True,
    ),
    ("POST", "/api/v1/notifications/unsubscribe"): Case(
        lambda w, s: "/api/v1/notifications/unsubscribe",
        everyone(404),
        query={"token": "no-such-unsubscribe-token"},
    ),
    ("POST", "/api/v1/auth/password-reset"): Case(
        lambda w, s: "/api/v1/auth/password-reset",
        everyone(202),
        body=lambda w, s: {"email": "nobody.here@example.org"},
    ),
    ("POST", "/api/v1/auth/password-reset/confirm"): Case(
        lambda w, s: "/api/v1/auth/password-reset/confirm",
        everyone(422),
        body=lambda w, s: {"token": "no-such-token", "new_password": "a" * 20},
    ),
}


# The careers programme (issue 19): plans, activities, publication, self-evaluations,
# destinations and the governors' report.
NEXT_YEAR = school_years.school_year_start(london_today()) + 1
PLAN_PATH = "/api/v1/schools/{}/programme/" + school_years.label(NEXT_YEAR)
ACTIVITY = "/api/v1/programme-activities/{}"
EVALUATIONS = "/api/v1/schools/{}/evaluations"
DESTINATIONS = "/api/v1/schools/{}/destinations"
PLANNERS = {ADMIN: 200, SCHOOL: 200, COORD: 403}  # coordinators follow; the school plans
PLANNERS_CREATE = {ADMIN: 201, SCHOOL: 201, COORD: 403}
REPORT_READERS = {ADMIN: 200, SCHOOL: 200, COORD: 403}  # the governors' report: the school's
DESTINATIONS_CSV = "reference,leaving_year,year_group,stage,route\nL900,2024-25,11,0,employment\n"


def _programme(session, world):
    """Each side's school has next year's plan, ready to publish, with one activity."""
    for side in (world.a, world.b):
        side.school.careers_leader_name = "Ms Leader"
        side.school.careers_leader_email = "leader@example.org"
        side.programme = factories.programme_plan(
            session,
            side.school,
            summary="Our programme",
            impact_measures="Compass each term",
            next_review_on=date(NEXT_YEAR + 1, 7, 1),
        )
        side.activity = factories.programme_activity(session, side.programme)


def _requestable(session, world):
    """Each side's activity (a Y9 careers talk) and a talk its employer offers."""
    _programme(session, world)
    for side in (world.a, world.b):
        side.talk = factories.encounter_offer(session, side.employer)


def _bookable(session, world):
    """Each side's activity is a Y9 workplace visit its side's slot can take."""
    _programme(session, world)
    for side in (world.a, world.b):
        side.activity.activity_type = "workplace_visit_host"
        side.activity.responsible_staff = "Mr Lead"


def _published(session, world):
    _programme(session, world)
    for side in (world.a, world.b):
        side.programme.status = "published"
    session.flush()


def _evaluations(session, world):
    for side in (world.a, world.b):
        side.evaluation = factories.self_evaluation(session, side.school)


def _leavers(session, world):
    for side in (world.a, world.b):
        side.leaver = factories.leaver(session, side.school)


PROGRAMME_ROUTES = {
    ("GET", "/api/v1/schools/<uuid:school_id>/programme"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/programme",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/programme"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/programme",
        only(PLANNERS_CREATE, 404),
        only({ADMIN: 201}, 404),
        body=lambda w, s: {"academic_year": "2030-31", "summary": "A plan"},
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/programme/<string:academic_year>"): Case(
        lambda w, s: PLAN_PATH.format(s.school.id),
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
    ),
    ("PATCH", "/api/v1/schools/<uuid:school_id>/programme/<string:academic_year>"): Case(
        lambda w, s: PLAN_PATH.format(s.school.id),
        only(PLANNERS, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
        body=lambda w, s: {"summary": "Changed"},
        if_match=True,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/programme/<string:academic_year>/publish"): Case(
        lambda w, s: PLAN_PATH.format(s.school.id) + "/publish",
        only(PLANNERS, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/programme/<string:academic_year>/roll-over"): Case(
        lambda w, s: PLAN_PATH.format(s.school.id) + "/roll-over",
        only(PLANNERS_CREATE, 404),
        only({ADMIN: 201}, 404),
        setup=_programme,
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/programme/<string:academic_year>/coverage"): Case(
        lambda w, s: PLAN_PATH.format(s.school.id) + "/coverage",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/programme/<string:academic_year>/activities"): Case(
        lambda w, s: PLAN_PATH.format(s.school.id) + "/activities",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/programme/<string:academic_year>/activities"): Case(
        lambda w, s: PLAN_PATH.format(s.school.id) + "/activities",
        only(PLANNERS_CREATE, 404),
        only({ADMIN: 201}, 404),
        setup=_programme,
        body=lambda w, s: {
            "title": "Mock interviews",
            "year_group": 11,
            "half_term": 3,
            "benchmarks": [5],
            "target_pupils": 60,
        },
    ),
    ("GET", "/api/v1/programme-activities/<uuid:activity_id>"): Case(
        lambda w, s: ACTIVITY.format(s.activity.id),
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
    ),
    ("PATCH", "/api/v1/programme-activities/<uuid:activity_id>"): Case(
        lambda w, s: ACTIVITY.format(s.activity.id),
        only(PLANNERS, 404),
        only({ADMIN: 200}, 404),
        setup=_programme,
        body=lambda w, s: {"target_pupils": 90},
        if_match=True,
    ),
    ("DELETE", "/api/v1/programme-activities/<uuid:activity_id>"): Case(
        lambda w, s: ACTIVITY.format(s.activity.id),
        only({ADMIN: 204, SCHOOL: 204, COORD: 403}, 404),
        only({ADMIN: 204}, 404),
        setup=_programme,
        if_match=True,
    ),
    ("POST", "/api/v1/programme-activities/<uuid:activity_id>/need"): Case(
        lambda w, s: ACTIVITY.format(s.activity.id) + "/need",
        only(PLANNERS_CREATE, 404),
        only({ADMIN: 201}, 404),
        setup=_programme,
    ),
    ("POST", "/api/v1/programme-activities/<uuid:activity_id>/offer-request"): Case(
        lambda w, s: ACTIVITY.format(s.activity.id) + "/offer-request",
        only(PLANNERS_CREATE, 404),
        only({ADMIN: 201}, 404),
        setup=_requestable,
        body=lambda w, s: {
            "offer_id": str(s.talk.id),
            "date": factories.school_day(21).isoformat(),
            "starts_at": "10:00",
            "ends_at": "11:00",
        },
    ),
    ("GET", "/api/v1/programme-activities/<uuid:activity_id>/slots"): Case(
        lambda w, s: ACTIVITY.format(s.activity.id) + "/slots",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_bookable,
    ),
    ("POST", "/api/v1/programme-activities/<uuid:activity_id>/booking"): Case(
        lambda w, s: ACTIVITY.format(s.activity.id) + "/booking",
        only(PLANNERS_CREATE, 404),
        only({ADMIN: 201}, 404),
        setup=_bookable,
        body=lambda w, s: {"slot_id": str(s.slot.id), "seats": 1},
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/careers-programme"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/careers-programme",
        everyone(200),
        everyone(200),
        setup=_published,
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/careers-programme.html"): Case(
        lambda w, s: f"/api/v1/schools/{s.school.id}/careers-programme.html",
        everyone(200),
        everyone(200),
        setup=_published,
    ),
    ("GET", "/api/v1/evaluations/criteria"): Case(
        lambda w, s: "/api/v1/evaluations/criteria", everyone(200)
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/evaluations"): Case(
        lambda w, s: EVALUATIONS.format(s.school.id),
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_evaluations,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/evaluations"): Case(
        lambda w, s: EVALUATIONS.format(s.school.id),
        only(PLANNERS_CREATE, 404),
        only({ADMIN: 201}, 404),
        body=lambda w, s: {
            "academic_year": "2025-26",
            "term": "spring",
            "answers": {"1.1": {"met": True, "evidence": "The plan for every year"}},
        },
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/evaluations.csv"): Case(
        lambda w, s: EVALUATIONS.format(s.school.id) + ".csv",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_evaluations,
    ),
    ("GET", "/api/v1/evaluations/<uuid:evaluation_id>"): Case(
        lambda w, s: f"/api/v1/evaluations/{s.evaluation.id}",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_evaluations,
    ),
    ("PATCH", "/api/v1/evaluations/<uuid:evaluation_id>"): Case(
        lambda w, s: f"/api/v1/evaluations/{s.evaluation.id}",
        only(PLANNERS, 404),
        only({ADMIN: 200}, 404),
        setup=_evaluations,
        body=lambda w, s: {"answers": {"2.1": {"met": False, "evidence": "Not yet in KS3"}}},
        if_match=True,
    ),
    ("GET", "/api/v1/hubs/<uuid:hub_id>/evaluations"): Case(
        lambda w, s: f"/api/v1/hubs/{s.hub.id}/evaluations",
        only({ADMIN: 200, COORD: 200, SCHOOL: 403}, 404),
        only({ADMIN: 200}, 404),
        setup=_evaluations,
        query={"academic_year": "2025-26", "term": "autumn"},
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/destinations"): Case(
        lambda w, s: DESTINATIONS.format(s.school.id),
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_leavers,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/destinations"): Case(
        lambda w, s: DESTINATIONS.format(s.school.id),
        only({SCHOOL: 201}, 404),
        everyone(404),
        body=lambda w, s: {
            "reference": "L777",
            "leaving_year": "2024-25",
            "year_group": 11,
            "destination": {"route": "education", "education_level": 3},
        },
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/destinations/<uuid:leaver_id>"): Case(
        lambda w, s: f"{DESTINATIONS.format(s.school.id)}/{s.leaver.id}",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_leavers,
    ),
    ("PATCH", "/api/v1/schools/<uuid:school_id>/destinations/<uuid:leaver_id>"): Case(
        lambda w, s: f"{DESTINATIONS.format(s.school.id)}/{s.leaver.id}",
        only({SCHOOL: 200}, 404),
        everyone(404),
        setup=_leavers,
        body=lambda w, s: {"stage": 0, "route": "apprenticeship"},
        if_match=True,
        etag_reader=SCHOOL,
    ),
    ("POST", "/api/v1/schools/<uuid:school_id>/destinations/import"): Case(
        lambda w, s: f"{DESTINATIONS.format(s.school.id)}/import",
        only({SCHOOL: 200}, 404),
        everyone(404),
        csv=lambda w, s: DESTINATIONS_CSV,
    ),
    ("GET", "/api/v1/schools/<uuid:school_id>/destinations/summary"): Case(
        lambda w, s: f"{DESTINATIONS.format(s.school.id)}/summary",
        only(SCHOOL_SIDE, 404),
        only({ADMIN: 200}, 404),
        setup=_leavers,
        query={"leaving_year": "2024-25"},
    ),
    **{
        ("GET", f"/api/v1/schools/<uuid:school_id>/governors-report{suffix}"): Case(
            lambda w, s, suffix=suffix: f"/api/v1/schools/{s.school.id}/governors-report{suffix}",
            only(REPORT_READERS, 404),
            only({ADMIN: 200}, 404),
            setup=_evaluations,
        )
        for suffix in ("", ".html", ".pdf")
    },
}
ROUTES.update(PROGRAMME_ROUTES)


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in DOCUMENT_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule


def _policy(app, rule, method):
    view = app.view_functions[rule.endpoint]
    handler = getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
    return getattr(handler, "access_policy", None)


@pytest.fixture(scope="module")
def route_app():
    return create_app(app_config("sqlite://"))


def test_every_route_declares_a_policy_and_is_in_the_matrix(route_app):
    routes = {
        (method, rule.rule): _policy(route_app, rule, method)
        for method, rule in _api_routes(route_app)
    }
    assert [route for route, policy in routes.items() if policy is None] == []
    assert sorted(set(routes) - set(ROUTES)) == []
    assert sorted(set(ROUTES) - set(routes)) == []


def test_every_protected_route_answers_401_without_a_token(route_app, client):
    protected = [
        (method, rule)
        for method, rule in _api_routes(route_app)
        if not _policy(route_app, rule, method).public
    ]
    assert protected
    for method, rule in protected:
        path = rule.build({arg: uuid.uuid4() for arg in rule.arguments}, append_unknown=False)[1]
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, (method, rule.rule)
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


# The database reads every table's rows out itself, in one statement: reading them back
# over 56 round trips cost a refused case more than its request did.
def _table_contents(dialect: str) -> str:
    def rows_of(table) -> str:
        name = f'"{table.name}"'
        if dialect == "postgresql":  # a digest of the rows as text, in order
            ordered = "string_agg(r::text, '|' ORDER BY r::text)"
            return f"SELECT md5(coalesce({ordered}, '')) FROM {name} r"
        row = " || ',' || ".join(f'quote("{column.name}")' for column in table.columns)
        return f"SELECT group_concat(r, '|') FROM (SELECT {row} AS r FROM {name} ORDER BY r)"

    return "SELECT " + ", ".join(
        f'({rows_of(table)}) AS "{table.name}"' for table in Base.metadata.sorted_tables
    )


TABLE_CONTENTS = {dialect: text(_table_contents(dialect)) for dialect in ("sqlite", "postgresql")}


def _snapshot(app) -> dict:
    """What every table holds, by table: its rows, or on PostgreSQL a digest of them."""
    with app.app_context(), db.engine.connect() as connection:
        return dict(connection.execute(TABLE_CONTENTS[connection.dialect.name]).one()._mapping)


MATRIX = [
    pytest.param(route, role, side, id=f"{route[0]} {route[1]} as {role.value} on {side}")
    for route, case in ROUTES.items()
    for role in ROLES
    for side in (("own", "foreign") if case.foreign else ("own",))
]


@pytest.mark.parametrize(("route", "role", "side"), MATRIX)
def test_authorization_matrix(app, client, session, auth_headers, route, role, side):
    case = ROUTES[route]
    world = factories.world(session)
    if case.setup:
        case.setup(session, world)
    session.commit()
    target = world.a if side == "own" else world.b
    expected = (case.own if side == "own" else case.foreign)[role]
    headers = auth_headers(world.caller(role))
    if case.if_match:
        reader = (
            world.caller(ADMIN) if case.etag_reader is ADMIN else target.users[case.etag_reader]
        )
        read = client.get(case.path(world, target), headers=auth_headers(reader))
        headers["If-Match"] = read.headers["ETag"]
    before = _snapshot(app)

    if case.csv:
        payload = {"data": case.csv(world, target), "content_type": "text/csv"}
    else:
        payload = {"json": case.body(world, target) if case.body else None}
    response = client.open(
        case.path(world, target),
        method=route[0],
        headers=headers,
        query_string=case.query,
        **payload,
    )

    assert response.status_code == expected, response.get_json()
    if response.status_code >= 400:
        assert response.content_type == case.error_type
        assert _snapshot(app) == before, "a refused call wrote something"
        if case.error_type == "application/problem+json":
            _assert_documented_problem(response.get_json())
    if response.status_code == 201:
        _assert_created_is_readable(client, response, headers)


# Class names of models that a lower-cased class name would misspell ("enterpriseadviser").
RUN_TOGETHER = {
    m.class_.__name__.lower()
    for m in Base.registry.mappers
    if sum(map(str.isupper, m.class_.__name__)) > 1
}


def _assert_documented_problem(body):
    code = body["type"].removeprefix("/problems/")
    assert code in problems.PROBLEM_TYPES, body["type"]
    assert body["title"] == problems.PROBLEM_TYPES[code][0]
    words = set(re.findall(r"[a-z]+", body.get("detail", "").lower()))
    assert not words & RUN_TOGETHER, body["detail"]


def _assert_created_is_readable(client, response, headers):
    """201 names what it made in `Location`, with the ETag a read of it answers with."""
    location, etag = response.headers.get("Location"), response.headers.get("ETag")
    assert location and etag, "a create answers with Location and ETag"
    read = client.get(location, headers={"Authorization": headers["Authorization"]})
    assert read.status_code == 200, (location, read.get_json())
    if "?" not in location:  # a batch's Location lists it with others: another ETag
        assert read.headers["ETag"] == etag
