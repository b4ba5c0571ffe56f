"""Needs: what a school's pupils need, posted by its staff or its hub's coordinators."""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from models.journeys import RoleModelKind
from models.matches import Match, MatchStatus
from models.needs import Need, NeedStatus
from models.organisations import Employer, School
from services import matches  # (its events: matches.publish, matches.publish_need)
from services.access import acts_for_school, get_authorized, get_visible, visible_needs
from services.callers import Action, Caller
from services.errors import Conflict, Forbidden, InvalidInput
from services.pagination import Listing
from services.safeguarding import WORKPLACE_ACTIVITIES
from services.school_years import london_today

FIELDS = (
    "title",
    "activity_type",
    "benchmark",
    "year_groups",
    "pupils",
    "sectors",
    "topics",
    "role_model_journeys",
    "mode",
    "starts_on",
    "ends_on",
    "preferred_days",
    "earliest_time",
    "latest_time",
    "supervised",
    "frequency",
    "overnight",
    "send_adjustments",
    "notes",
    "shared_with_employers",
    "addressed_employer_id",
)
OUTSTANDING = (MatchStatus.INVITED, MatchStatus.ACCEPTED, MatchStatus.CONFIRMED)


# The needs the caller may see, the soonest to start first.
NEEDS = Listing(
    Need,
    query=select(Need).join(Need.school).options(contains_eager(Need.school)),
    visible=visible_needs,
    equal=("status", "school_id"),
    order=(Need.starts_on, Need.created_at, Need.id),
)
list_ = NEEDS.page


def get(session: Session, caller: Caller, need_id: uuid.UUID) -> Need:
    return get_visible(session, caller, Need, need_id)


def get_for_update(session: Session, caller: Caller, need_id: uuid.UUID) -> Need:
    return get_authorized(session, caller, Action.UPDATE, Need, need_id)


def create(
    session: Session, caller: Caller, *, school_id: uuid.UUID, today: date | None = None, **fields
) -> Need:
    school = get_visible(session, caller, School, school_id)
    need = Need(school=school, school_id=school.id, status=NeedStatus.OPEN)
    if not acts_for_school(caller, need):
        raise Forbidden("Only the school's staff and its hub's coordinators post its needs.")
    _check_addressee(session, fields)
    _apply(need, fields, today or london_today())
    session.add(need)
    session.flush()
    matches.publish_need(session, "need.posted", need)
    return need


def update(
    session: Session, caller: Caller, need_id: uuid.UUID, changes: dict, today: date | None = None
) -> Need:
    need = get_for_update(session, caller, need_id)
    if need.status is not NeedStatus.OPEN:
        raise Conflict(f"A {need.status.value} need can no longer be changed.")
    _check_addressee(session, changes)
    _apply(need, changes, today or london_today())
    session.flush()
    return need


def cancel(session: Session, caller: Caller, need_id: uuid.UUID) -> Need:
    """Call a need off; every outstanding invitation or match on it is withdrawn."""
    need = get_for_update(session, caller, need_id)
    if need.status not in (NeedStatus.OPEN, NeedStatus.MATCHED):
        raise Conflict(f"A {need.status.value} need cannot be cancelled.")
    now = datetime.now(UTC)
    for match in session.scalars(
        select(Match).where(Match.need_id == need.id, Match.status.in_(OUTSTANDING))
    ):
        match.status, match.closed_at = MatchStatus.WITHDRAWN, now
        matches.publish(session, "match.withdrawn", match, reason="need cancelled")
    need.status = NeedStatus.CANCELLED
    matches.publish_need(session, "need.cancelled", need)
    session.flush()
    return need


def fulfil(session: Session, caller: Caller, need_id: uuid.UUID) -> Need:
    """The encounter happened: a matched need with a scheduled match is fulfilled."""
    need = get_for_update(session, caller, need_id)
    scheduled = session.scalar(
        select(Match.id).where(Match.need_id == need.id, Match.status == MatchStatus.SCHEDULED)
    )
    if need.status is not NeedStatus.MATCHED or scheduled is None:
        raise Conflict("Only a matched need with a scheduled encounter can be fulfilled.")
    need.status = NeedStatus.FULFILLED
    matches.publish_need(session, "need.fulfilled", need)
    session.flush()
    return need


def expire_due(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """Expire open needs whose window has passed and invitations nobody answered in time.

    Run by `flask --app wsgi matches expire` (a cron job); returns (needs, invitations).
    """
    now = now or datetime.now(UTC)
    needs = session.scalars(
        select(Need).where(Need.status == NeedStatus.OPEN, Need.ends_on < now.date())
    ).all()
    for need in needs:
        need.status = NeedStatus.EXPIRED
        matches.publish_need(session, "need.expired", need)
    invitations = session.scalars(
        select(Match).where(Match.status == MatchStatus.INVITED, Match.expires_at <= now)
    ).all()
    for match in invitations:
        match.status, match.closed_at = MatchStatus.EXPIRED, now
        matches.publish(session, "match.expired", match)
    session.flush()
    return len(needs), len(invitations)


def _check_addressee(session: Session, changes: dict) -> None:
    employer_id = changes.get("addressed_employer_id")
    if employer_id is not None and session.get(Employer, employer_id) is None:
        raise InvalidInput(
            "Unknown employer.", errors={"addressed_employer_id": ["No such employer."]}
        )


def _apply(need: Need, changes: dict, today: date) -> None:
    """Check the rules on the need as it would be, then apply; on any error change nothing."""
    merged = {name: changes.get(name, getattr(need, name, None)) for name in FIELDS}
    errors: dict[str, list[str]] = {}
    if merged["starts_on"] and merged["ends_on"]:
        if merged["ends_on"] < merged["starts_on"]:
            errors["ends_on"] = ["The window ends before it starts."]
        elif "ends_on" in changes and merged["ends_on"] < today:
            errors["ends_on"] = ["The window has already passed."]
    if merged["earliest_time"] and merged["latest_time"]:
        if merged["latest_time"] <= merged["earliest_time"]:
            errors["latest_time"] = ["Must be after `earliest_time`."]
    if not merged["year_groups"]:
        errors["year_groups"] = ["Name at least one year group."]
    workplace = merged["activity_type"] in WORKPLACE_ACTIVITIES
    if merged["benchmark"] == 6 and not workplace:
        errors["benchmark"] = ["Benchmark 6 needs a workplace visit, shadowing or placement."]
    if workplace and merged["benchmark"] != 6:
        errors["benchmark"] = ["A workplace activity serves Benchmark 6."]
    if errors:
        raise InvalidInput("The need has invalid fields; see `errors`.", errors=errors)
    for name in FIELDS:
        if name in changes:
            setattr(need, name, changes[name])
    if "sectors" in changes:
        need.sectors = sorted(set(changes["sectors"]))
    if "role_model_journeys" in changes:  # in the enum's order, as the column reads back
        asked = set(changes["role_model_journeys"])
        need.role_model_journeys = [kind for kind in RoleModelKind if kind in asked]
    if "year_groups" in changes:
        need.year_groups = sorted(set(changes["year_groups"]))
