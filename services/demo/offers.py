"""Demo seeding for encounter offers, requests, provider access and the employers' side of
the market (called from services.demo.seed; idempotent, as the rest of the demo is).

- an offer of every encounter kind from the demo employers, and two from providers;
- schools' requests for them in every state (the scheduled one has its encounter);
- a provider access policy for the first four demo schools, and providers' requests in
  every state: the first school holds its two encounters in each key phase this year
  (compliant), the others owe encounters;
- needs shared with employers, one addressed to the first demo employer, and a
  volunteer that employer put forward.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.matches import Match, MatchStatus
from models.needs import Frequency, Need
from models.offer_requests import (
    AccessActivity,
    AccessContent,
    OfferRequest,
    RequestKind,
    RequestStatus,
    Side,
)
from models.offers import ENCOUNTER_KINDS, Offer, OfferKind, OfferStatus
from models.organisations import Employer, School
from models.provider_access import KeyPhase, ProviderAccessPolicy
from models.volunteers import Mode, Volunteer
from services import encounters, school_years
from services.demo.base import demo_id, get_or_add

REFUSAL_GROUNDS = [
    "The date falls in an examination period",
    "No suitable room is free on the date",
    "The year group is away on a trip that day",
]
# (offer index, school index, status)
OFFER_REQUESTS = [
    (0, 0, RequestStatus.REQUESTED),
    (1, 1, RequestStatus.PROPOSED),
    (2, 0, RequestStatus.SCHEDULED),
    (3, 2, RequestStatus.DECLINED),
    (4, 3, RequestStatus.CANCELLED),
]
# (school index, key phase year groups, status, weeks from the start of the school year)
ACCESS_REQUESTS = [
    (0, [8, 9], RequestStatus.SCHEDULED, 4),
    (0, [8, 9], RequestStatus.SCHEDULED, 10),
    (0, [10, 11], RequestStatus.SCHEDULED, 5),
    (0, [10, 11], RequestStatus.SCHEDULED, 11),
    (0, [12, 13], RequestStatus.SCHEDULED, 6),
    (0, [12, 13], RequestStatus.SCHEDULED, 12),
    (1, [10, 11], RequestStatus.SCHEDULED, 7),
    (1, [8, 9], RequestStatus.REQUESTED, 0),
    (2, [12, 13], RequestStatus.PROPOSED, 0),
    (3, [10, 11], RequestStatus.DECLINED, 0),
    (1, [12, 13], RequestStatus.CANCELLED, 0),
]


def seed(session: Session, schools: list[School], employers: list[Employer], providers) -> None:

    today = school_years.london_today()
    offers = _offers(session, schools, employers, providers, today)
    session.flush()
    for k, (o, s, status) in enumerate(OFFER_REQUESTS):
        offer, school = offers[o], schools[s]
        _request(
            session,
            demo_id(f"offer-request:{k}"),
            status,
            today,
            **{
                "kind": RequestKind.OFFER,
                "offer_id": offer.id,
                "offer": offer,
                "school_id": school.id,
                "employer_id": offer.employer_id,
                "provider_id": offer.provider_id,
                "requested_by": Side.SCHOOL,
                "activity": offer.kind.value,
                "mode": Mode.IN_PERSON,
                "date": _weekday(today + timedelta(days=21 + 7 * k)),
                "year_groups": offer.year_groups[:2],
                "pupils": 60,
            },
        )
    if providers:
        _provider_access(session, schools, providers, today)
    _market(session, employers)


def _offers(session, schools, employers, providers, today) -> list[Offer]:
    """An offer of every encounter kind from the demo employers, and two from providers."""
    return _employer_offers(session, schools, employers, today) + _provider_offers(
        session, schools, providers, today
    )


def _employer_offers(session, schools, employers, today) -> list[Offer]:
    made = []
    for i, kind in enumerate(ENCOUNTER_KINDS):
        base, employer = schools[i % len(schools)], employers[i % len(employers)]
        online = kind is OfferKind.VIRTUAL_TALK
        made.append(
            _published_offer(
                session,
                f"encounter-offer:{i}",
                base,
                today,
                employer_id=employer.id,
                kind=kind,
                title=f"{kind.value.replace('_', ' ').capitalize()} with {employer.name}",
                description="Our people talk about their jobs and how they got there.",
                sectors=[employer.sector_code] if employer.sector_code else [],
                year_groups=[[9, 10, 11], [10, 11], [12, 13], [7, 8, 9]][i % 4],
                modes=[Mode.VIRTUAL] if online else [Mode.IN_PERSON, Mode.VIRTUAL],
                max_group=[30, 60, 120, 240][i % 4],
                send_suitable=i % 3 == 0,
                travel_radius_km=25,
                notice_days=7,
                supervised=kind is not OfferKind.MENTORING,
                frequency=Frequency.WEEKLY if kind is OfferKind.MENTORING else Frequency.ONE_OFF,
                overnight=False,
                target_disadvantaged=i % 4 == 1,
                target_rural=i % 4 == 3,
                target_local_authorities=[],
            )
        )
    return made


def _provider_offers(session, schools, providers, today) -> list[Offer]:
    made = []
    for j, (kind, provider) in enumerate(
        zip((OfferKind.ASSEMBLY, OfferKind.QA_PANEL), providers, strict=False)
    ):
        made.append(
            _published_offer(
                session,
                f"provider-offer:{j}",
                schools[j],
                today,
                provider_id=provider.id,
                kind=kind,
                title=f"{provider.name}: T Levels and apprenticeships",
                year_groups=[8, 9, 10, 11],
                modes=[Mode.IN_PERSON],
                max_group=240,
                travel_radius_km=30,
            )
        )
    return made


def _published_offer(session, key: str, base: School, today: date, **fields) -> Offer:
    """A published demo offer based at the school `base`, available for the next 150 days."""
    return get_or_add(
        session,
        Offer,
        demo_id(key),
        postcode=base.postcode,
        latitude=base.latitude,
        longitude=base.longitude,
        available_from=today,
        available_to=today + timedelta(days=150),
        available_weekdays=[],
        available_dates=[],
        status=OfferStatus.PUBLISHED,
        **fields,
    )


def _request(session, request_id, status, today, **values) -> OfferRequest:
    request = get_or_add(
        session,
        OfferRequest,
        request_id,
        status=status,
        starts_at=time(10),
        ends_at=time(11),
        decided_at=datetime.now(UTC) if status is not RequestStatus.REQUESTED else None,
        response_note={
            RequestStatus.DECLINED: REFUSAL_GROUNDS[0],
            RequestStatus.PROPOSED: "Could we come a week later?",
        }.get(status),
        cancel_reason="Timetable change" if status is RequestStatus.CANCELLED else None,
        cancelled_by=Side.SCHOOL if status is RequestStatus.CANCELLED else None,
        **values,
    )
    session.flush()
    if status is RequestStatus.SCHEDULED and request.encounter_id is None:
        if request.employer_id and not request.volunteers:
            request.volunteers = list(
                session.scalars(
                    select(Volunteer).where(Volunteer.employer_id == request.employer_id).limit(1)
                )
            )
        encounters.record_request(session, request)
    return request


def _provider_access(session, schools, providers, today) -> None:
    for s, school in enumerate(schools[:4]):
        if session.scalar(
            select(ProviderAccessPolicy.id).where(ProviderAccessPolicy.school_id == school.id)
        ):
            continue
        session.add(
            ProviderAccessPolicy(
                id=demo_id(f"provider-access-policy:{s}"),
                school_id=school.id,
                version=1,
                procedure=f"Email the careers leader at {school.name} with two or three dates.",
                grant_criteria="We grant requests that fit the timetable and cover the four items.",
                refusal_grounds=REFUSAL_GROUNDS,
                premises="The main hall (240 seats) and two classrooms with projectors.",
                key_phases=[phase.value for phase in KeyPhase],
                contact_name="Careers Leader",
                contact_email=f"careers@{school.urn}.school.example",
            )
        )
    start = school_years.bounds(school_years.school_year_start(today))[0]
    for k, (s, years, status, weeks) in enumerate(ACCESS_REQUESTS):
        provider = providers[k % len(providers)]
        day = (
            _weekday(start + timedelta(weeks=weeks))
            if weeks
            else _weekday(today + timedelta(days=28))
        )
        _request(
            session,
            demo_id(f"provider-access-request:{k}"),
            status,
            today,
            **{
                "kind": RequestKind.PROVIDER_ACCESS,
                "school_id": schools[s].id,
                "provider_id": provider.id,
                "requested_by": Side.PARTNER,
                "activity": AccessActivity.ASSEMBLY.value,
                "mode": Mode.IN_PERSON,
                "preferred_dates": [day.isoformat()],
                "date": day if status is not RequestStatus.REQUESTED else None,
                "year_groups": years,
                "pupils": 180,
                "content": [item.value for item in AccessContent],
            },
        )


def _market(session, employers) -> None:
    needs = list(session.scalars(select(Need).order_by(Need.title, Need.id)))
    for i, need in enumerate(needs):
        need.shared_with_employers = i % 2 == 0
        need.addressed_employer_id = employers[0].id if i == 1 else None
    volunteer = session.scalar(
        select(Volunteer).where(Volunteer.employer_id == employers[0].id).order_by(Volunteer.id)
    )
    target = next((n for n in needs if n.shared_with_employers), None)
    if volunteer is None or target is None:
        return
    existing = session.scalar(
        select(Match).where(Match.need_id == target.id, Match.volunteer_id == volunteer.id)
    )
    if existing is not None and existing.id != demo_id("match:put-forward"):
        return
    now = datetime.now(UTC).replace(microsecond=0)
    get_or_add(
        session,
        Match,
        demo_id("match:put-forward"),
        need_id=target.id,
        volunteer_id=volunteer.id,
        status=MatchStatus.PUT_FORWARD,
        score=0.8,
        invited_at=now - timedelta(hours=5),
        expires_at=now + timedelta(days=14),
        note="Our site engineer would love to do this.",
    )


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
