"""The demo's needs across the hub's schools, and invitations in every state."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from models.matches import DeclineReason, Match, MatchStatus
from models.needs import Frequency, Need, NeedMode, NeedStatus
from models.organisations import (
    School,
)
from models.volunteers import (
    ActivityType,
)
from services import school_years
from services.demo.base import (
    DAYS,
    demo_id,
    get_or_add,
)
from services.encounters import record_match

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


def seed(session: Session, schools: list[School]) -> None:
    """Open needs across the hub's schools and invitations in every state (the hub's 60
    advisers stay unpaired, for the coordinator to plan)."""
    today = school_years.london_today()
    needs = [_need(session, i, schools, today) for i in range(len(DEMO_NEEDS))]
    session.flush()
    now = datetime.now(UTC).replace(microsecond=0)
    for k, (n, v, status) in enumerate(DEMO_MATCHES):
        _match(session, k, needs[n], v, status, now)


def _need(session: Session, i: int, schools: list[School], today) -> Need:
    title, activity, benchmark, years, sector = DEMO_NEEDS[i]
    workplace = benchmark == 6  # spans the demo visits' slots, so offers rank beside people
    starts_on = today + timedelta(days=7 if workplace else 14 + 7 * i)
    return get_or_add(
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
        send_adjustments="Two wheelchair users; step-free access please." if i == 0 else None,
        notes=None,
        status=NeedStatus.OPEN,
    )


def _match(session: Session, k: int, need: Need, v: int, status: MatchStatus, now) -> None:
    invited_at = now - timedelta(hours=6 * (k + 1))
    closed = status in (MatchStatus.DECLINED, MatchStatus.EXPIRED, MatchStatus.WITHDRAWN)
    answered = status is not MatchStatus.INVITED and status is not MatchStatus.EXPIRED
    if status in (MatchStatus.CONFIRMED, MatchStatus.SCHEDULED):
        need.status = NeedStatus.MATCHED
    match = get_or_add(
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
