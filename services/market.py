"""The employers' side of the market: the open needs an employer's volunteers could meet,
and putting a volunteer forward for one.

An employer sees a need only when its school shares it with employers, or addresses it to
this employer (then it comes first), and only what the school published about it: the
activity, year groups, group size, mode, window, times and adjustments, with the school's
name and town (never the school's notes, never a pupil). Fit comes from the matching
engine's own ranking of each of the employer's volunteers against the need; the best
volunteer's score and factors explain each need.

A volunteer put forward is a match at `put_forward`; the school approves it (it joins the
match workflow at `accepted`) or rejects it (`declined`).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.matches import DeclineReason, Match, MatchStatus
from models.needs import Need, NeedStatus
from models.offers import Offer, OfferStatus
from models.organisations import Employer
from models.volunteers import Volunteer
from services import matches, matching, offer_directory
from services.access import acts_for_school, get_authorized, get_visible, may_act_as_volunteer
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, NotFound
from services.pagination import Page, page_of

PUT_FORWARD_TTL = timedelta(days=14)
MAX_VOLUNTEERS = 200  # an employer's volunteers ranked per call


@dataclass(frozen=True)
class VolunteerFit:
    volunteer_id: uuid.UUID
    score: float
    distance_km: float | None


@dataclass(frozen=True)
class OpenNeed:
    need: Need
    addressed: bool  # addressed to this employer by name
    targeted: str | None  # why one of the employer's offers aims at the school
    score: float  # the best volunteer's
    factors: list  # the best volunteer's breakdown
    volunteers: list[VolunteerFit]  # every volunteer of the employer who fits, best first


def shared_with(employer_id: uuid.UUID):
    return or_(Need.shared_with_employers.is_(True), Need.addressed_employer_id == employer_id)


def open_needs(
    session: Session,
    caller: Caller,
    employer_id: uuid.UUID,
    *,
    page: int,
    page_size: int,
    now: datetime | None = None,
) -> Page:
    """Open needs the employer's volunteers could meet: addressed ones first, then those
    of schools its offers aim at, then best fit."""
    now = now or datetime.now(UTC)
    employer = get_authorized(session, caller, Action.UPDATE, Employer, employer_id)
    shared = set(
        session.scalars(
            select(Need.id).where(
                Need.status == NeedStatus.OPEN,
                Need.ends_on >= now.date(),
                shared_with(employer.id),
            )
        )
    )
    fits = _fits(session, caller, employer, shared, now) if shared else {}
    offers = session.scalars(
        select(Offer).where(Offer.employer_id == employer.id, Offer.status == OfferStatus.PUBLISHED)
    ).all()
    ranked = []
    for pairs in fits.values():
        pairs.sort(key=lambda p: (-p[0].score, str(p[1])))
        best, _ = pairs[0]
        ranked.append(
            OpenNeed(
                need=best.need,
                addressed=best.need.addressed_employer_id == employer.id,
                targeted=_targeted(offers, best.need.school),
                score=best.score,
                factors=best.breakdown,
                volunteers=[VolunteerFit(v, o.score, o.distance_km) for o, v in pairs],
            )
        )
    ranked.sort(
        key=lambda o: (
            not o.addressed,
            o.targeted is None,
            -o.score,
            o.need.ends_on,
            str(o.need.id),
        )
    )
    return page_of(ranked, page=page, page_size=page_size)


def _fits(session: Session, caller: Caller, employer: Employer, shared: set, now) -> dict:
    """For each shared need, the employer's volunteers who fit it, with how well."""
    fits: dict[uuid.UUID, list] = {}
    people = session.scalars(
        select(Volunteer.id)
        .where(Volunteer.employer_id == employer.id)
        .order_by(Volunteer.id)
        .limit(MAX_VOLUNTEERS)
    ).all()
    for volunteer_id in people:
        found, _, _ = matching.opportunities(
            session, caller, volunteer_id, page=1, page_size=10_000, now=now
        )
        for one in found:
            if one.need.id in shared:
                fits.setdefault(one.need.id, []).append((one, volunteer_id))
    return fits


def _targeted(offers: list[Offer], school) -> str | None:
    """Why one of the employer's published offers aims at this school, naming it."""
    for offer in sorted(offers, key=lambda o: (o.title, str(o.id))):
        why = offer_directory.targeted(school, *offer_directory.offer_targets(offer))
        if why:
            return f"{why}, as your offer “{offer.title}” is"
    return None


def put_forward(
    session: Session,
    caller: Caller,
    *,
    need_id: uuid.UUID,
    volunteer_id: uuid.UUID,
    note: str | None = None,
    now: datetime | None = None,
) -> Match:
    """Offer one of the employer's volunteers for a shared need; the school answers."""
    now = now or datetime.now(UTC)
    volunteer = get_visible(session, caller, Volunteer, volunteer_id)
    if not may_act_as_volunteer(caller, volunteer):
        raise Forbidden("Only the volunteer's employer (or the volunteer) puts them forward.")
    need = session.get(Need, need_id)
    if need is None or not (
        need.shared_with_employers or need.addressed_employer_id == volunteer.employer_id
    ):
        raise NotFound("No such need.")
    if need.status is not NeedStatus.OPEN:
        raise Conflict(f"The need is {need.status.value}.")
    taken = session.scalar(
        select(Match.status).where(Match.need_id == need.id, Match.volunteer_id == volunteer.id)
    )
    if taken is not None:
        raise Conflict(f"The volunteer is already on this need ({taken.value}).")
    one, reason = matching.assess(session, need, volunteer.id, now=now)
    if reason is not None:
        raise Conflict(
            "The volunteer cannot take this need.",
            errors={"volunteer_id": [reason.replace("_", " ").capitalize() + "."]},
        )
    return matches.start(
        session,
        caller,
        need,
        one,
        status=MatchStatus.PUT_FORWARD,
        ttl=PUT_FORWARD_TTL,
        now=now,
        note=note,
    )


def _put_forward_match(session: Session, caller: Caller, match_id: uuid.UUID) -> Match:
    match = matches.locked(session, caller, match_id)
    if not acts_for_school(caller, match.need):
        raise Forbidden("Only the school's staff and its hub's coordinators answer.")
    if match.status is not MatchStatus.PUT_FORWARD:
        raise Conflict(f"A {match.status.value} match was not put forward by an employer.")
    return match


def approve(
    session: Session, caller: Caller, match_id: uuid.UUID, *, now: datetime | None = None
) -> Match:
    """The school takes the volunteer: the match continues at `accepted` (confirm next)."""
    now = now or datetime.now(UTC)
    match = _put_forward_match(session, caller, match_id)
    return matches.mark_accepted(session, match, now=now)


def reject(  # the school turns the volunteer down, with a reason
    session: Session,
    caller: Caller,
    match_id: uuid.UUID,
    *,
    reason: DeclineReason,
    note: str | None = None,
    now: datetime | None = None,
) -> Match:
    now = now or datetime.now(UTC)
    match = _put_forward_match(session, caller, match_id)
    return matches.close_declined(session, match, reason=reason, note=note, now=now)
