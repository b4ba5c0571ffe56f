"""The careers programme: a school's plan for a school year, its activities, what became
of them, the coverage per year group and benchmark, roll-over, and the statutory
publication.

Coverage reads the ledger: an activity is *planned* for a year group and the benchmarks it
serves; what *happened* is the encounters the school recorded for that year group in that
school year under that benchmark (Benchmarks 5-8; the ledger holds no encounters for 1-4,
so there the activities marked done count); a cell is *uncovered* when nothing is planned
and nothing happened.
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.encounters import Attendance, Encounter
from models.organisations import School
from models.programme import (
    ALL_BENCHMARKS,
    ActivityStatus,
    PartnerType,
    PlanStatus,
    ProgrammeActivity,
    ProgrammePlan,
)
from services import outbox, school_years
from services.access import authorize, get_visible
from services.callers import Action, Caller
from services.errors import Conflict, InvalidInput, NotFound
from services.pagination import Page, page_of, paginate

PLAN_FIELDS = (
    "summary",
    "access_pupils",
    "access_parents",
    "access_teachers",
    "access_employers",
    "impact_measures",
    "next_review_on",
)
ACTIVITY_FIELDS = (
    "title",
    "year_group",
    "half_term",
    "benchmarks",
    "activity_type",
    "responsible_staff",
    "partner_type",
    "target_pupils",
    "status",
    "notes",
)
YEAR_GROUPS = range(7, 14)
# Half-terms as (month, day) bounds within the school year (a planning approximation:
# each school sets its own term dates).
HALF_TERM_BOUNDS = {
    1: ((9, 1), (10, 24)),
    2: ((11, 3), (12, 19)),
    3: ((1, 5), (2, 13)),
    4: ((2, 23), (3, 31)),
    5: ((4, 14), (5, 22)),
    6: ((6, 1), (7, 22)),
}


def half_term_dates(start: int, half_term: int) -> tuple[date, date]:
    (m1, d1), (m2, d2) = HALF_TERM_BOUNDS[half_term]
    year = start if half_term <= 2 else start + 1
    return date(year, m1, d1), date(year, m2, d2)


# Plans


def list_plans(
    session: Session, caller: Caller, *, school_id: uuid.UUID, page: int, page_size: int
) -> Page:
    school = get_visible(session, caller, School, school_id)
    authorize(session, caller, Action.READ, ProgrammePlan(school=school, school_id=school.id))
    query = (
        select(ProgrammePlan)
        .where(ProgrammePlan.school_id == school.id)
        .order_by(ProgrammePlan.academic_year.desc(), ProgrammePlan.id)
    )
    return paginate(session, query, page=page, page_size=page_size)


def find_plan(session: Session, school_id: uuid.UUID, start: int) -> ProgrammePlan | None:
    return session.scalar(
        select(ProgrammePlan).where(
            ProgrammePlan.school_id == school_id, ProgrammePlan.academic_year == start
        )
    )


def get_plan(
    session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str
) -> ProgrammePlan:
    school = get_visible(session, caller, School, school_id)
    plan = find_plan(session, school.id, school_years.parse(academic_year))
    if plan is None:
        authorize(session, caller, Action.READ, ProgrammePlan(school=school, school_id=school.id))
        raise NotFound(f"No programme plan for {academic_year}.")
    authorize(session, caller, Action.READ, plan)
    return plan


def get_plan_for_update(
    session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str
) -> ProgrammePlan:
    plan = get_plan(session, caller, school_id=school_id, academic_year=academic_year)
    authorize(session, caller, Action.UPDATE, plan)
    return plan


def create_plan(
    session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str, **fields
) -> ProgrammePlan:
    school = get_visible(session, caller, School, school_id)
    start = school_years.parse(academic_year)
    plan = ProgrammePlan(school=school, school_id=school.id, academic_year=start)
    authorize(session, caller, Action.UPDATE, plan)
    if find_plan(session, school.id, start) is not None:
        raise Conflict(f"The school already has a programme plan for {academic_year}.")
    _apply(plan, fields, PLAN_FIELDS)
    session.add(plan)
    _publish(session, "programme_plan.created", plan)
    return plan


def update_plan(
    session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str, changes: dict
) -> ProgrammePlan:
    plan = get_plan_for_update(session, caller, school_id=school_id, academic_year=academic_year)
    _apply(plan, changes, PLAN_FIELDS)
    _publish(session, "programme_plan.updated", plan)
    return plan


def publish(
    session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str
) -> ProgrammePlan:
    """Publish the plan (the publication then shows it); what the law asks must be there."""
    plan = get_plan_for_update(session, caller, school_id=school_id, academic_year=academic_year)
    missing = {
        name: ["Needed before the programme can be published."]
        for name in ("summary", "impact_measures", "next_review_on")
        if not getattr(plan, name)
    }
    if not plan.school.careers_leader_name or not plan.school.careers_leader_email:
        missing["careers_leader"] = [
            "Set the school's careers_leader_name and careers_leader_email first."
        ]
    if missing:
        raise InvalidInput("The statutory publication is incomplete; see `errors`.", errors=missing)
    plan.status, plan.published_at = PlanStatus.PUBLISHED, datetime.now(UTC)
    _publish(session, "programme_plan.published", plan)
    return plan


def roll_over(
    session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str
) -> ProgrammePlan:
    """Copy the plan into the next school year as a draft: every activity that was not
    cancelled, planned afresh (no need attached), the review date a year on."""
    plan = get_plan_for_update(session, caller, school_id=school_id, academic_year=academic_year)
    start = plan.academic_year + 1
    if find_plan(session, plan.school_id, start) is not None:
        raise Conflict(f"A plan for {school_years.label(start)} already exists.")
    fields = {name: getattr(plan, name) for name in PLAN_FIELDS}
    if plan.next_review_on:
        fields["next_review_on"] = _a_year_on(plan.next_review_on)
    copy = ProgrammePlan(school_id=plan.school_id, academic_year=start, **fields)
    for activity in plan.activities:
        if activity.status is ActivityStatus.CANCELLED:
            continue
        kept = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
        copy.activities.append(ProgrammeActivity(**{**kept, "status": ActivityStatus.PLANNED}))
    session.add(copy)
    _publish(session, "programme_plan.created", copy, rolled_from=str(plan.id))
    return copy


def _a_year_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# Activities


def list_activities(
    session: Session,
    caller: Caller,
    *,
    school_id: uuid.UUID,
    academic_year: str,
    page: int,
    page_size: int,
    year_group: int | None = None,
    benchmark: int | None = None,
) -> Page:
    plan = get_plan(session, caller, school_id=school_id, academic_year=academic_year)
    query = select(ProgrammeActivity).where(ProgrammeActivity.plan_id == plan.id)
    if year_group:
        query = query.where(ProgrammeActivity.year_group == year_group)
    query = query.order_by(
        ProgrammeActivity.year_group,
        ProgrammeActivity.half_term,
        ProgrammeActivity.title,
        ProgrammeActivity.id,
    )
    if benchmark:  # JSON lists are filtered here: a plan holds tens of activities
        items = [a for a in session.scalars(query) if benchmark in a.benchmarks]
        return page_of(items, page=page, page_size=page_size)
    return paginate(session, query, page=page, page_size=page_size)


def get_activity(session: Session, caller: Caller, activity_id: uuid.UUID) -> ProgrammeActivity:
    return get_visible(session, caller, ProgrammeActivity, activity_id)


def get_activity_for_update(
    session: Session, caller: Caller, activity_id: uuid.UUID
) -> ProgrammeActivity:
    activity = get_activity(session, caller, activity_id)
    authorize(session, caller, Action.UPDATE, activity)
    return activity


def create_activity(
    session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str, **fields
) -> ProgrammeActivity:
    plan = get_plan_for_update(session, caller, school_id=school_id, academic_year=academic_year)
    activity = ProgrammeActivity(plan=plan, plan_id=plan.id)
    fields.setdefault("status", ActivityStatus.PLANNED)
    fields.setdefault("partner_type", PartnerType.NONE)
    _apply_activity(activity, fields)
    session.add(activity)
    publish_activity(session, "programme_activity.created", activity)
    return activity


def update_activity(
    session: Session, caller: Caller, activity_id: uuid.UUID, changes: dict
) -> ProgrammeActivity:
    activity = get_activity_for_update(session, caller, activity_id)
    _apply_activity(activity, changes)
    publish_activity(session, "programme_activity.updated", activity)
    return activity


def delete_activity(session: Session, caller: Caller, activity_id: uuid.UUID) -> None:
    activity = get_activity_for_update(session, caller, activity_id)
    if activity.produced:
        raise Conflict("The activity has produced a need, request or booking: cancel it instead.")
    publish_activity(session, "programme_activity.deleted", activity)
    session.delete(activity)
    session.flush()


def _apply_activity(activity: ProgrammeActivity, changes: dict) -> None:
    if "benchmarks" in changes:
        changes = {**changes, "benchmarks": sorted(set(changes["benchmarks"]))}
        if not changes["benchmarks"]:
            raise InvalidInput(
                "An activity serves at least one benchmark.",
                errors={"benchmarks": ["Name at least one benchmark (1-8)."]},
            )
    if "status" in changes and not activity.produced:
        if changes["status"] is ActivityStatus.REQUESTED:
            raise InvalidInput(
                "An activity is requested when a need, offer request or booking is made of it.",
                errors={"status": ["Use POST …/need, …/offer-request or …/booking."]},
            )
    _apply(activity, changes, ACTIVITY_FIELDS)


def _apply(obj, changes: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if name in changes:
            setattr(obj, name, changes[name])


# Coverage


def coverage(session: Session, caller: Caller, *, school_id: uuid.UUID, academic_year: str):
    """Per year group and benchmark: activities planned, encounters that happened, and
    whether the cell is uncovered (the gaps a coordinator can help with)."""
    plan = get_plan(session, caller, school_id=school_id, academic_year=academic_year)
    return plan_coverage(session, plan)


def plan_coverage(session: Session, plan: ProgrammePlan) -> dict:
    planned = {(yg, b): 0 for yg in YEAR_GROUPS for b in ALL_BENCHMARKS}
    done = dict.fromkeys(planned, 0)
    for activity in plan.activities:
        if activity.status is ActivityStatus.CANCELLED:
            continue
        for benchmark in activity.benchmarks:
            planned[activity.year_group, benchmark] += 1
            if activity.status is ActivityStatus.DONE and benchmark < 5:
                done[activity.year_group, benchmark] += 1
    happened = happened_encounters(session, plan.school_id, plan.academic_year)
    cells = []
    for (yg, b), count in planned.items():
        recorded = happened.get((yg, b), (0, 0)) if b >= 5 else (done[yg, b], done[yg, b])
        cells.append(
            {
                "year_group": yg,
                "benchmark": b,
                "planned": count,
                "happened": recorded[0],
                "meaningful": recorded[1],
                "uncovered": count == 0 and recorded[0] == 0,
            }
        )
    return {
        "school_id": plan.school_id,
        "academic_year": school_years.label(plan.academic_year),
        "cells": cells,
        "gaps": [
            {"year_group": c["year_group"], "benchmark": c["benchmark"]}
            for c in cells
            if c["uncovered"]
        ],
    }


def happened_encounters(
    session: Session, school_id: uuid.UUID, start: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """(year group, benchmark) -> (encounters recorded, of them meaningful), in the school
    year: an encounter counts for the year groups it names and those who attended it."""
    first, last = school_years.bounds(start)
    in_year = (
        Encounter.school_id == school_id,
        Encounter.occurred_on >= first,
        Encounter.occurred_on <= last,
    )
    rows = session.execute(
        select(Encounter.id, Encounter.benchmark, Encounter.meaningful, Encounter.year_groups)
        .where(*in_year)
        .order_by(Encounter.id)
    ).all()
    attended: dict[uuid.UUID, set[int]] = {}
    # Joined, not `IN (ids)`: a year's thousands of ids make a statement too long to plan.
    for encounter_id, year_group in session.execute(
        select(Attendance.encounter_id, Attendance.year_group)
        .join(Encounter, Encounter.id == Attendance.encounter_id)
        .where(*in_year)
        .group_by(Attendance.encounter_id, Attendance.year_group)
    ):
        attended.setdefault(encounter_id, set()).add(year_group)
    counts: dict[tuple[int, int], list[int]] = {}
    for encounter_id, benchmark, meaningful, year_groups in rows:
        for yg in set(year_groups or ()) | attended.get(encounter_id, set()):
            cell = counts.setdefault((yg, benchmark), [0, 0])
            cell[0] += 1
            cell[1] += int(bool(meaningful))
    return {key: (a, b) for key, (a, b) in counts.items()}


# Events


def _publish(session: Session, event_type: str, plan: ProgrammePlan, **extra) -> None:
    """Flush the plan's changes, then record its event (ids and values as stored)."""
    session.flush()
    outbox.publish(
        session,
        event_type,
        plan,
        {
            "plan_id": str(plan.id),
            "school_id": str(plan.school_id),
            "academic_year": school_years.label(plan.academic_year),
            "status": plan.status.value if plan.status else PlanStatus.DRAFT.value,
            **extra,
        },
    )


def publish_activity(session: Session, event_type: str, activity: ProgrammeActivity) -> None:
    """Flush the activity's changes, then record its event (ids and values as stored)."""
    session.flush()
    outbox.publish(
        session,
        event_type,
        activity,
        {
            "activity_id": str(activity.id),
            "plan_id": str(activity.plan_id),
            "school_id": str(activity.plan.school_id),
            "status": activity.status.value,
            **{
                name: str(value) if (value := getattr(activity, name)) else None
                for name in ("need_id", "offer_request_id", "booking_id")
            },
        },
    )
