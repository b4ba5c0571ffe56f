"""Career journeys: a volunteer's roles and qualifications in order, shared by choice.

Only the volunteer, their employer's staff and admins read or change a journey. Sharing
is opt-in and withdrawn at any time; a shared journey counts on the tube map and in the
answers of `services.tube_map`, anonymously unless the volunteer chose to be named.
An employer's import writes steps only: it never shares a journey for anyone.
"""

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import london_today, utcnow
from models.journeys import (
    ENTRY,
    MAX_STEPS,
    REGIONS,
    Journey,
    QualificationType,
    RoleModelKind,
    Route,
    StepKind,
)
from models.organisations import Employer
from models.users import User
from models.volunteers import SIC_SECTIONS, Volunteer
from services import outbox
from services.access import get_authorized, get_visible, may_act_as_volunteer
from services.callers import Action, Caller
from services.errors import Forbidden, InvalidInput
from services.imports import ImportResult
from services.reference_data import soc_minor_groups
from services.users import normalise_email

EARLIEST_YEAR = 1950
SCHOOL_ROUTES = (Route.SCHOOL, Route.SIXTH_FORM)
# The RQF levels each qualification can be (Entry = 0).
QUALIFICATION_LEVELS: dict[QualificationType, range] = {
    QualificationType.ENTRY_LEVEL_CERTIFICATE: range(0, 1),
    QualificationType.FUNCTIONAL_SKILLS: range(0, 3),
    QualificationType.GCSE: range(1, 3),
    QualificationType.VOCATIONAL_CERTIFICATE: range(0, 5),
    QualificationType.NVQ: range(1, 8),
    QualificationType.A_LEVEL: range(3, 4),
    QualificationType.T_LEVEL: range(3, 4),
    QualificationType.APPLIED_GENERAL: range(3, 4),
    QualificationType.ACCESS_TO_HE: range(3, 4),
    QualificationType.APPRENTICESHIP: range(2, 8),
    QualificationType.HNC: range(4, 5),
    QualificationType.HND: range(5, 6),
    QualificationType.FOUNDATION_DEGREE: range(5, 6),
    QualificationType.BACHELORS_DEGREE: range(6, 7),
    QualificationType.DEGREE_APPRENTICESHIP: range(6, 8),
    QualificationType.MASTERS_DEGREE: range(7, 8),
    QualificationType.DOCTORATE: range(8, 9),
    QualificationType.PROFESSIONAL_QUALIFICATION: range(3, 9),
}
# The RQF levels a step on each route can be.
ROUTE_LEVELS: dict[Route, range] = {
    Route.SCHOOL: range(0, 4),
    Route.SIXTH_FORM: range(2, 4),
    Route.T_LEVEL: range(3, 4),
    Route.HIGHER_TECHNICAL: range(4, 6),
    Route.UNIVERSITY: range(4, 9),
}
QUALIFICATION_LABELS = {
    QualificationType.ENTRY_LEVEL_CERTIFICATE: "Entry level certificate",
    QualificationType.FUNCTIONAL_SKILLS: "Functional skills",
    QualificationType.GCSE: "GCSEs",
    QualificationType.VOCATIONAL_CERTIFICATE: "Vocational certificate",
    QualificationType.NVQ: "NVQ",
    QualificationType.A_LEVEL: "A levels",
    QualificationType.T_LEVEL: "T Level",
    QualificationType.APPLIED_GENERAL: "BTEC National",
    QualificationType.ACCESS_TO_HE: "Access to HE diploma",
    QualificationType.APPRENTICESHIP: "Apprenticeship",
    QualificationType.HNC: "HNC",
    QualificationType.HND: "HND",
    QualificationType.FOUNDATION_DEGREE: "Foundation degree",
    QualificationType.BACHELORS_DEGREE: "Bachelor's degree",
    QualificationType.DEGREE_APPRENTICESHIP: "Degree apprenticeship",
    QualificationType.MASTERS_DEGREE: "Master's degree",
    QualificationType.DOCTORATE: "Doctorate",
    QualificationType.PROFESSIONAL_QUALIFICATION: "Professional qualification",
}
STEP_FIELDS = (
    "kind",
    "sector",
    "soc_minor_group",
    "qualification_type",
    "route",
    "level",
    "start_year",
    "end_year",
)


def level_name(level: int) -> str:
    """The API's name of an RQF level: `entry`, `1` … `8`."""
    return "entry" if level == ENTRY else str(level)


def get(session: Session, caller: Caller, volunteer_id: uuid.UUID) -> Journey:
    """The volunteer's journey (an unsaved empty one if they have not recorded it)."""
    volunteer = _volunteer(session, caller, volunteer_id)
    return _journey_of(session, volunteer)


def replace(
    session: Session,
    caller: Caller,
    volunteer_id: uuid.UUID,
    *,
    steps: list[dict],
    shared: bool,
    named: bool,
    region: str | None,
) -> Journey:
    """Replace the steps and the sharing choices; shared and withdrawn are published."""
    volunteer = _volunteer(session, caller, volunteer_id)
    check(steps, shared=shared, named=named, region=region)
    journey = _journey_of(session, volunteer)
    was_shared = journey.shared
    _set_steps(journey, steps)
    journey.shared, journey.named, journey.region = shared, named, region
    if shared and not was_shared:
        journey.shared_at = utcnow()
    session.add(journey)
    session.flush()
    _publish(session, "journey.updated", journey)
    if shared != was_shared:
        _publish(session, "journey.shared" if shared else "journey.withdrawn", journey)
    return journey


def delete(session: Session, caller: Caller, volunteer_id: uuid.UUID) -> None:
    """Erase the journey (it leaves the map and every answer at once)."""
    volunteer = _volunteer(session, caller, volunteer_id)
    journey = _journey_of(session, volunteer)
    if journey.id is None:
        return
    _publish(session, "journey.deleted", journey)
    session.delete(journey)
    session.flush()


def check(steps: list[dict], *, shared: bool, named: bool, region: str | None) -> None:
    """Every rule a journey keeps; raise InvalidInput naming each broken one."""
    errors: dict[str, list[str]] = {}
    if named and not shared:
        errors["named"] = ["Only a shared journey can be shown with your name."]
    if region is not None and region not in REGIONS:
        errors["region"] = [f"Not an English region; use one of: {', '.join(REGIONS)}."]
    if len(steps) > MAX_STEPS:
        errors["steps"] = [f"At most {MAX_STEPS} steps."]
    if shared and not steps:
        errors["shared"] = ["Add at least one step before sharing the journey."]
    this_year = london_today().year
    previous = None
    for index, step in enumerate(steps):
        problems = step_problems(step, this_year)
        if previous is not None and step["start_year"] < previous["start_year"]:
            problems.setdefault("start_year", []).append(
                f"Steps go in order: this starts before the step above ({previous['start_year']})."
            )
        for name, messages in problems.items():
            errors[f"steps.{index}.{name}"] = messages
        previous = step
    if errors:
        raise InvalidInput("The journey has invalid steps or choices; see `errors`.", errors=errors)


def step_problems(step: dict, this_year: int) -> dict[str, list[str]]:
    """What is wrong with one step on its own (an empty dict when nothing is)."""
    problems: dict[str, list[str]] = {}
    kind, level, route = step["kind"], step["level"], step["route"]
    if step.get("sector") is not None and step["sector"] not in SIC_SECTIONS:
        problems["sector"] = ["Not a SIC 2007 section (A-U)."]
    if kind == StepKind.ROLE:
        if step.get("soc_minor_group") is None:
            problems["soc_minor_group"] = ["A role needs its SOC 2020 minor group."]
        elif step["soc_minor_group"] not in soc_minor_groups():
            problems["soc_minor_group"] = ["Not a SOC 2020 minor group (such as 531)."]
        if step.get("qualification_type") is not None:
            problems["qualification_type"] = ["Only a qualification has a qualification type."]
        if step.get("sector") is None:
            problems["sector"] = ["A role needs its sector (SIC 2007 section)."]
    else:
        qualification = step.get("qualification_type")
        if qualification is None:
            problems["qualification_type"] = ["A qualification needs its type."]
        elif level not in QUALIFICATION_LEVELS[qualification]:
            allowed = QUALIFICATION_LEVELS[qualification]
            problems["level"] = [
                f"{QUALIFICATION_LABELS[qualification]} is at "
                f"{_levels_text(allowed)}, not {level_name(level)}."
            ]
        if step.get("soc_minor_group") is not None:
            problems["soc_minor_group"] = ["Only a role has an occupation."]
    if route in ROUTE_LEVELS and level not in ROUTE_LEVELS[route] and "level" not in problems:
        problems["level"] = [
            f"The {route.replace('_', ' ')} route is at {_levels_text(ROUTE_LEVELS[route])}."
        ]
    problems.update(_year_problems(step["start_year"], step.get("end_year"), this_year))
    return problems


def _year_problems(start: int, end: int | None, this_year: int) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if start > this_year:
        problems["start_year"] = [f"No future years: {start} is after {this_year}."]
    elif start < EARLIEST_YEAR:
        problems["start_year"] = [f"Years start at {EARLIEST_YEAR}."]
    if end is not None:
        if end > this_year:
            problems["end_year"] = [f"No future years: {end} is after {this_year}."]
        elif end < start:
            problems["end_year"] = ["A step ends in or after the year it starts."]
    return problems


def _levels_text(levels: range) -> str:
    names = [level_name(level) for level in levels]
    return f"level {names[0]}" if len(names) == 1 else f"levels {names[0]}-{names[-1]}"


def summary(steps: list[dict]) -> dict:
    """The columns the map filters on, derived from the steps."""
    first_route = next((s["route"] for s in steps if s["route"] not in SCHOOL_ROUTES), None)
    return {
        "start_level": steps[0]["level"] if steps else None,
        "reached_level": max((s["level"] for s in steps), default=None),
        "first_route": first_route,
        "sectors": sorted({s["sector"] for s in steps if s.get("sector")}),
        "routes": sorted({Route(s["route"]) for s in steps}, key=list(Route).index),
        "path": "|".join(station_key(step) for step in steps) or None,
        "kinds": role_model_kinds(steps),
    }


def role_model_kinds(steps: list[dict]) -> list[RoleModelKind]:
    """The kinds of journey these steps make (what a need may ask its role models for)."""
    routes = {step["route"] for step in steps}
    held = {
        RoleModelKind.STARTED_AT_LEVEL_2: bool(steps) and steps[0]["level"] <= 2,
        RoleModelKind.APPRENTICESHIP: Route.APPRENTICESHIP in routes,
        RoleModelKind.T_LEVEL: Route.T_LEVEL in routes,
        RoleModelKind.REACHED_LEVEL_4: any(step["level"] >= 4 for step in steps),
        RoleModelKind.CAREER_CHANGE: Route.CAREER_CHANGE in routes,
        RoleModelKind.SELF_EMPLOYED: Route.SELF_EMPLOYED in routes,
    }
    return [kind for kind, holds in held.items() if holds]


def station_key(step: dict) -> str:
    """The step's station before grouping: a role by SOC minor group, a qualification by
    type, each at its level (`role:531:2`, `qualification:hnc:4`)."""
    code = step["soc_minor_group"] if step["kind"] == StepKind.ROLE else step["qualification_type"]
    return f"{step['kind']}:{code}:{step['level']}"


def _set_steps(journey: Journey, steps: list[dict]) -> None:
    journey.steps = [_stored(step) for step in steps]
    for name, value in summary(journey.steps).items():
        setattr(journey, name, value)


def _stored(step: dict) -> dict:
    """A step as plain JSON values, every field present."""
    stored = {name: step.get(name) for name in STEP_FIELDS}
    for name in ("kind", "route", "qualification_type"):
        if stored[name] is not None:
            stored[name] = str(stored[name])
    return stored


def _volunteer(session: Session, caller: Caller, volunteer_id: uuid.UUID) -> Volunteer:
    volunteer = get_visible(session, caller, Volunteer, volunteer_id)
    if not may_act_as_volunteer(caller, volunteer):
        raise Forbidden("Only the volunteer and their employer's staff see their journey.")
    return volunteer


def _journey_of(session: Session, volunteer: Volunteer) -> Journey:
    journey = session.scalar(select(Journey).where(Journey.volunteer_id == volunteer.id))
    if journey is None:  # not added: only a change saves it
        journey = Journey(volunteer=volunteer, steps=[], shared=False, named=False)
        journey.volunteer_id = volunteer.id
    return journey


def _publish(session: Session, event_type: str, journey: Journey) -> None:
    outbox.publish(
        session,
        event_type,
        journey,
        {
            "journey_id": str(journey.id),
            "volunteer_id": str(journey.volunteer_id),
            "shared": journey.shared,
            "steps": len(journey.steps),
        },
    )


def import_(
    session: Session,
    caller: Caller,
    employer_id: uuid.UUID,
    rows: list[tuple[int, dict]],
    *,
    parse_errors: dict[int, dict[str, list[str]]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Replace the steps of an employer's volunteers from CSV rows `(line, step)`, all or
    nothing. Each row is a step with the volunteer's `email`; a volunteer's rows, in file
    order, are their whole journey. Sharing choices stay as each volunteer set them."""
    employer = get_authorized(session, caller, Action.UPDATE, Employer, employer_id)
    parse_errors = parse_errors or {}
    unread = set(parse_errors) - {line for line, _ in rows} - {1}  # rows that failed to parse
    result = ImportResult(rows=len(rows) + len(unread), errors=dict(parse_errors))
    emails = {normalise_email(step.get("email", "")) for _, step in rows}
    query = (
        select(User.email, Volunteer)
        .join(Volunteer, Volunteer.user_id == User.id)
        .where(User.email.in_(emails), Volunteer.employer_id == employer.id)
    )
    volunteers = {email: volunteer for email, volunteer in session.execute(query)}
    by_volunteer: dict[Volunteer, list[tuple[int, dict]]] = {}
    for line, step in rows:
        volunteer = volunteers.get(normalise_email(step.get("email", "")))
        if volunteer is None:
            result.errors.setdefault(line, {})["email"] = ["No volunteer of this employer."]
        else:
            by_volunteer.setdefault(volunteer, []).append((line, step))
        if progress:
            progress(1)
    for volunteer, lined in by_volunteer.items():
        _check_imported(volunteer, lined, result)
    if result.errors:
        return result
    with session.no_autoflush:
        for volunteer, lined in by_volunteer.items():
            journey = _journey_of(session, volunteer)
            _set_steps(journey, [step for _, step in lined])
            session.add(journey)
            result.updated += journey.id is not None
            result.created += journey.id is None
    session.flush()
    for volunteer in by_volunteer:
        _publish(session, "journey.updated", _journey_of(session, volunteer))
    result.written = True
    return result


def _check_imported(volunteer: Volunteer, lined: list[tuple[int, dict]], result) -> None:
    """A volunteer's imported steps, checked as a journey; errors go on their CSV lines."""
    steps = [step for _, step in lined]
    if any(line in result.errors for line, _ in lined):
        return
    try:
        check(steps, shared=False, named=False, region=None)
    except InvalidInput as error:
        for key, messages in (error.errors or {}).items():
            _, index, name = key.split(".") if key.startswith("steps.") else ("", "0", key)
            result.errors.setdefault(lined[int(index)][0], {})[name] = messages
