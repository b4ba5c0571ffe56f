"""The match workflow: invite → accept / decline → confirm → schedule, with expiry,
withdrawal and backups. Every transition is checked against the current state (Conflict
otherwise), locks the row it changes, and writes an event in the same transaction.

    invited  --accept-->   accepted  --confirm-->  confirmed  --schedule-->  scheduled
    invited  --decline-->  declined               (need: open → matched)
    accepted --decline-->  declined
    invited / accepted / confirmed  --withdraw-->  withdrawn   (a confirmed one reopens the need)
    invited  --(expires_at passes)-->  expired

Scheduling makes the match's encounter (services.encounters.record_match).
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.matches import DeclineReason, Match, MatchStatus
from models.needs import Need, NeedStatus
from models.organisations import School
from models.volunteers import Volunteer
from services import encounters, matching, outbox, safeguarding, school_years
from services.access import acts_for_school, acts_for_volunteer, get_visible, visible_matches
from services.callers import Caller
from services.errors import Conflict, Forbidden, InvalidInput
from services.pagination import Listing

DEFAULT_INVITATION_TTL = timedelta(hours=72)
MAX_INVITATIONS_PER_CALL = 20


# The matches the caller may see, the latest invitation first.
MATCHES = Listing(
    Match,
    query=select(Match)
    .join(Need, Need.id == Match.need_id)
    .join(School, School.id == Need.school_id)
    .join(Volunteer, Volunteer.id == Match.volunteer_id),
    visible=visible_matches,
    equal=("need_id", "volunteer_id", "status"),
    order=(Match.invited_at.desc(), Match.id),
)
list_ = MATCHES.page


def get(session: Session, caller: Caller, match_id: uuid.UUID) -> Match:
    return get_visible(session, caller, Match, match_id)


def _need_for_school(session: Session, caller: Caller, need_id: uuid.UUID) -> Need:
    need = get_visible(session, caller, Need, need_id)
    if not acts_for_school(caller, need):
        raise Forbidden("Only the school's staff and its hub's coordinators invite volunteers.")
    if need.status is not NeedStatus.OPEN:
        raise Conflict(f"The need is {need.status.value}: invitations need an open need.")
    return need


def invite(
    session: Session,
    caller: Caller,
    *,
    need_id: uuid.UUID,
    volunteer_ids: list[uuid.UUID],
    ttl: timedelta = DEFAULT_INVITATION_TTL,
    now: datetime | None = None,
) -> list[Match]:
    """Invite each volunteer; all or none: any who cannot take the need is a Conflict
    naming them and exactly why (for safeguarding, what their record lacks)."""
    now = now or datetime.now(UTC)
    need = _need_for_school(session, caller, need_id)
    if len(set(volunteer_ids)) > MAX_INVITATIONS_PER_CALL:
        raise InvalidInput(
            "Too many.", errors={"volunteer_ids": [f"At most {MAX_INVITATIONS_PER_CALL}."]}
        )
    errors: dict[str, list[str]] = {}
    assessed = []
    for volunteer_id in dict.fromkeys(volunteer_ids):
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None:
            errors[str(volunteer_id)] = ["No such volunteer."]
            continue
        one, reason = matching.assess(session, need, volunteer_id, now=now)
        if reason is not None:
            errors[str(volunteer_id)] = _explain(need, volunteer, reason)
        else:
            assessed.append(one)
    if errors:
        raise Conflict("Some volunteers cannot be invited; see `errors`.", errors=errors)
    return [_invite(session, caller, need, one, ttl, now) for one in assessed]


def backups(
    session: Session,
    caller: Caller,
    *,
    need_id: uuid.UUID,
    count: int,
    ttl: timedelta = DEFAULT_INVITATION_TTL,
    now: datetime | None = None,
) -> list[Match]:
    """Invite the next-best `count` eligible volunteers not yet asked, in one call."""
    now = now or datetime.now(UTC)
    need = _need_for_school(session, caller, need_id)
    best = matching.best_candidates(session, need, count=count, now=now)
    return [_invite(session, caller, need, one, ttl, now) for one in best]


def _invite(session, caller, need, one: matching.Scored, ttl, now) -> Match:
    return start(session, caller, need, one, status=MatchStatus.INVITED, ttl=ttl, now=now)


def start(
    session: Session,
    caller: Caller,
    need: Need,
    one: matching.Scored,
    *,
    status: MatchStatus,
    ttl: timedelta,
    now: datetime,
    note: str | None = None,
) -> Match:
    """A new match of the scored volunteer to the need, asked by the caller now: invited
    (by the school) or put forward (by an employer), published as `match.<status>`."""
    match = Match(
        id=uuid.uuid4(),
        need_id=need.id,
        need=need,
        volunteer_id=one.volunteer_id,
        status=status,
        score=one.score,
        invited_by_id=caller.user_id,
        invited_at=now,
        expires_at=now + ttl,
        note=note,
    )
    session.add(match)
    publish(session, f"match.{status.value}", match, score=one.score)
    session.flush()
    return match


def _explain(need: Need, volunteer: Volunteer, reason: str) -> list[str]:
    if reason != "safeguarding":
        return [reason.replace("_", " ").capitalize() + "."]
    required = safeguarding.requirement(safeguarding.need_activity(need))
    return safeguarding.volunteer_shortfalls(required, volunteer, until=need.ends_on)


def locked(session: Session, caller: Caller, match_id: uuid.UUID) -> Match:
    """The match, visible to the caller, with its row locked (PostgreSQL) for the change."""
    match = get(session, caller, match_id)
    # Lock the row alone (FOR UPDATE cannot reach the nullable side of the eager join).
    session.execute(select(Match.id).where(Match.id == match.id).with_for_update())
    session.refresh(match)
    return match


def _invitation_to_answer(session: Session, caller: Caller, match_id: uuid.UUID) -> Match:
    """The match, locked, that the caller answers as the invited volunteer (no one else may)."""
    match = locked(session, caller, match_id)
    if not acts_for_volunteer(caller, match):
        raise Forbidden("Only the invited volunteer answers an invitation.")
    return match


def _require(match: Match, *allowed: MatchStatus, action: str) -> None:
    if match.status not in allowed:
        raise Conflict(f"A {match.status.value} match cannot be {action}.")


def accept(
    session: Session, caller: Caller, match_id: uuid.UUID, *, now: datetime | None = None
) -> Match:
    now = now or datetime.now(UTC)
    match = _invitation_to_answer(session, caller, match_id)
    _require(match, MatchStatus.INVITED, action="accepted")
    if match.expires_at <= now:
        raise Conflict(f"The invitation expired at {match.expires_at.isoformat()}.")
    return mark_accepted(session, match, now=now)


def decline(
    session: Session,
    caller: Caller,
    match_id: uuid.UUID,
    *,
    reason: DeclineReason,
    note: str | None = None,
    now: datetime | None = None,
) -> Match:
    now = now or datetime.now(UTC)
    match = _invitation_to_answer(session, caller, match_id)
    _require(match, MatchStatus.INVITED, MatchStatus.ACCEPTED, action="declined")
    return close_declined(session, match, reason=reason, note=note, now=now)


def mark_accepted(session: Session, match: Match, *, now: datetime) -> Match:
    """Move a match to accepted while its need is still open: the volunteer's answer to an
    invitation, or the school's approval of a volunteer put forward."""
    if match.need.status is not NeedStatus.OPEN:
        raise Conflict(f"The need is {match.need.status.value}.")
    match.status, match.responded_at = MatchStatus.ACCEPTED, now
    publish(session, "match.accepted", match)
    session.flush()
    return match


def close_declined(
    session: Session, match: Match, *, reason: DeclineReason, note: str | None, now: datetime
) -> Match:
    """Close a match as declined, with its reason: the volunteer's answer to an invitation,
    or the school's to a volunteer put forward."""
    match.status, match.decline_reason, match.note = MatchStatus.DECLINED, reason, note
    match.responded_at = match.responded_at or now
    match.closed_at = now
    publish(session, "match.declined", match, reason=reason.value)
    session.flush()
    return match


def withdraw(
    session: Session,
    caller: Caller,
    match_id: uuid.UUID,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> Match:
    """Either side steps back; a confirmed match withdrawn reopens its need."""
    now = now or datetime.now(UTC)
    match = locked(session, caller, match_id)
    if not (acts_for_volunteer(caller, match) or acts_for_school(caller, match.need)):
        raise Forbidden("Only the volunteer or the school side withdraws a match.")
    _require(
        match,
        MatchStatus.INVITED,
        MatchStatus.ACCEPTED,
        MatchStatus.CONFIRMED,
        action="withdrawn",
    )
    if match.status is MatchStatus.CONFIRMED and match.need.status is NeedStatus.MATCHED:
        match.need.status = NeedStatus.OPEN
        publish_need(session, "need.reopened", match.need)
    match.status, match.note, match.closed_at = MatchStatus.WITHDRAWN, note, now
    by = "volunteer" if acts_for_volunteer(caller, match) else "school"
    publish(session, "match.withdrawn", match, by=by)
    session.flush()
    return match


def confirm(
    session: Session, caller: Caller, match_id: uuid.UUID, *, now: datetime | None = None
) -> Match:
    """The school confirms an accepted volunteer: the need is matched, other open
    invitations on it are withdrawn."""
    now = now or datetime.now(UTC)
    match = locked(session, caller, match_id)
    if not acts_for_school(caller, match.need):
        raise Forbidden("Only the school's staff and its hub's coordinators confirm.")
    _require(match, MatchStatus.ACCEPTED, action="confirmed")
    need = match.need
    session.execute(select(Need.id).where(Need.id == need.id).with_for_update())
    session.refresh(need)
    if need.status is not NeedStatus.OPEN:
        raise Conflict(f"The need is {need.status.value}.")
    match.status, match.confirmed_at = MatchStatus.CONFIRMED, now
    need.status = NeedStatus.MATCHED
    publish(session, "match.confirmed", match)
    publish_need(session, "need.matched", need, match_id=str(match.id))
    others = session.scalars(
        select(Match).where(
            Match.need_id == need.id,
            Match.id != match.id,
            Match.status.in_((MatchStatus.INVITED, MatchStatus.ACCEPTED)),
        )
    )
    for other in others:
        other.status, other.closed_at = MatchStatus.WITHDRAWN, now
        publish(session, "match.withdrawn", other, by="school", reason="another confirmed")
    session.flush()
    return match


def schedule(
    session: Session, caller: Caller, match_id: uuid.UUID, *, scheduled_for: datetime
) -> Match:
    """Fix the encounter's date and time (within the need's window, a London school day):
    the match becomes a scheduled encounter, which the school then records on."""
    match = locked(session, caller, match_id)
    if not acts_for_school(caller, match.need):
        raise Forbidden("Only the school's staff and its hub's coordinators schedule.")
    _require(match, MatchStatus.CONFIRMED, action="scheduled")
    day = school_years.london_date(scheduled_for)
    if not match.need.starts_on <= day <= match.need.ends_on:
        raise InvalidInput(
            "Outside the need's window.",
            errors={"scheduled_for": ["Must fall within the need's date window."]},
        )
    match.status, match.scheduled_for = MatchStatus.SCHEDULED, scheduled_for
    publish(session, "match.scheduled", match, scheduled_for=scheduled_for.isoformat())
    encounters.record_match(session, match, occurred_on=day)
    session.flush()
    return match


def publish(session: Session, event_type: str, match: Match, **details) -> None:
    """Append a match's event to the outbox, in the transaction of its transition."""
    data = {
        "match_id": str(match.id),
        "need_id": str(match.need_id),
        "volunteer_id": str(match.volunteer_id),
        "status": match.status.value,
        **details,
    }
    outbox.publish(session, event_type, match, data)


def publish_need(session: Session, event_type: str, need: Need, **details) -> None:
    """Append a need's event to the outbox, in the transaction of its change."""
    data = {
        "need_id": str(need.id),
        "school_id": str(need.school_id),
        "status": need.status.value,
        **details,
    }
    outbox.publish(session, event_type, need, data)
