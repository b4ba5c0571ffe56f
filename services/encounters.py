"""Encounters: recorded by the school, or made from a completed booking or a scheduled
match (one each, in the transaction of that transition), with named attendance and the
meaningful-encounter checklist. The school records attendance and its side of the
checklist on every one of them alike.

Partners (the employer or provider) and volunteers see an encounter with its attendance
count only; pupil identities go to the school's own staff, and each read is audited.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from models.bookings import Booking
from models.checklists import ChecklistAnswer, ChecklistItem
from models.encounters import Attendance, Encounter, EncounterActivity, EncounterSource
from models.matches import Match
from models.needs import Need, NeedMode
from models.offer_requests import AccessActivity, OfferRequest, RequestKind
from models.offers import OfferKind
from models.organisations import Employer, Provider
from models.pupils import Pupil
from models.volunteers import ActivityType, Mode, Volunteer
from services import audit, checklists, outbox, school_years
from services.access import (
    checklist_parties,
    ensure_pupils_of,
    get_visible,
    hub_school_ids,
    may_record_encounters_for,
    visible_encounters,
)
from services.callers import Caller
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.pagination import Listing

EDITABLE = (
    "title",
    "activity_type",
    "benchmark",
    "occurred_on",
    "mode",
    "employer_id",
    "provider_id",
    "provider_access",
    "year_groups",
    "head_counts",
    "work_experience_days",
)


# What a booked offer or a matched need's activity is, as an encounter.
OFFER_ACTIVITIES = {
    OfferKind.WORKPLACE_VISIT: EncounterActivity.WORKPLACE_VISIT,
    OfferKind.JOB_SHADOWING: EncounterActivity.JOB_SHADOWING,
    OfferKind.WORK_EXPERIENCE: EncounterActivity.WORK_EXPERIENCE,
    OfferKind.VIRTUAL_WORK_EXPERIENCE: EncounterActivity.WORK_EXPERIENCE,
}
REQUEST_ACTIVITIES = {
    OfferKind.CAREERS_TALK: EncounterActivity.CAREERS_TALK,
    OfferKind.ASSEMBLY: EncounterActivity.CAREERS_TALK,
    OfferKind.CAREERS_FAIR: EncounterActivity.CAREERS_FAIR,
    OfferKind.MOCK_INTERVIEWS: EncounterActivity.MOCK_INTERVIEWS,
    OfferKind.CV_WORKSHOP: EncounterActivity.CV_WORKSHOP,
    OfferKind.ENTERPRISE_CHALLENGE: EncounterActivity.ENTERPRISE_CHALLENGE,
    OfferKind.QA_PANEL: EncounterActivity.CAREERS_TALK,
    OfferKind.MENTORING: EncounterActivity.MENTORING,
    OfferKind.VIRTUAL_TALK: EncounterActivity.CAREERS_TALK,
}
ACCESS_ACTIVITIES = {
    AccessActivity.ASSEMBLY: EncounterActivity.PROVIDER_TALK,
    AccessActivity.CLASS_SESSION: EncounterActivity.PROVIDER_TALK,
    AccessActivity.CAREERS_FAIR: EncounterActivity.CAREERS_FAIR,
    AccessActivity.PROVIDER_VISIT: EncounterActivity.PROVIDER_VISIT,
}
NEED_ACTIVITIES = {
    ActivityType.CAREERS_TALK: EncounterActivity.CAREERS_TALK,
    ActivityType.MOCK_INTERVIEWS: EncounterActivity.MOCK_INTERVIEWS,
    ActivityType.CV_WORKSHOP: EncounterActivity.CV_WORKSHOP,
    ActivityType.CAREERS_FAIR: EncounterActivity.CAREERS_FAIR,
    ActivityType.ENTERPRISE_CHALLENGE: EncounterActivity.ENTERPRISE_CHALLENGE,
    ActivityType.MENTORING: EncounterActivity.MENTORING,
    ActivityType.WORKPLACE_VISIT_HOST: EncounterActivity.WORKPLACE_VISIT,
    ActivityType.JOB_SHADOWING: EncounterActivity.JOB_SHADOWING,
    ActivityType.WORK_EXPERIENCE_SUPERVISOR: EncounterActivity.WORK_EXPERIENCE,
}


@dataclass(frozen=True)
class AttendanceRow:
    pupil_id: uuid.UUID
    reference: str
    year_group: int
    reflection: str | None


@dataclass(frozen=True)
class ChecklistView:
    encounter_id: uuid.UUID
    benchmark: int
    version: int
    mode: Mode
    attendance_count: int
    items: list[dict]
    meaningful: bool
    missing: list[checklists.Missing]


def _in_year(academic_year: str) -> ColumnElement[bool]:
    """Encounters that took place in the academic year (such as 2025-26)."""
    first, last = school_years.bounds(school_years.parse(academic_year))
    return Encounter.occurred_on.between(first, last)


# The encounters the caller may see, the latest first.
ENCOUNTERS = Listing(
    Encounter,
    visible=visible_encounters,
    equal=("school_id", "benchmark", "booking_id", "match_id"),
    conditions={"academic_year": _in_year},
    order=(Encounter.occurred_on.desc(), Encounter.id),
)
list_ = ENCOUNTERS.page


def get(session: Session, caller: Caller, encounter_id: uuid.UUID) -> Encounter:
    return get_visible(session, caller, Encounter, encounter_id)


def create(
    session: Session,
    caller: Caller,
    *,
    school_id: uuid.UUID,
    title: str,
    activity_type: EncounterActivity,
    benchmark: int,
    occurred_on: date,
    mode: Mode,
    employer_id: uuid.UUID | None = None,
    provider_id: uuid.UUID | None = None,
    provider_access: bool = False,
    volunteer_ids: Iterable[uuid.UUID] = (),
    year_groups: Iterable[int] = (),
    head_counts: Mapping[str, int] | None = None,
    work_experience_days: int = 0,
    source: EncounterSource = EncounterSource.RECORDED,
    checklist_version: int | None = None,
) -> Encounter:
    if not may_record_encounters_for(caller, school_id):
        if school_id in hub_school_ids(session, caller):
            raise Forbidden("Schools record their own encounters; coordinators read them.")
        raise NotFound("No such school encounters.")
    encounter = Encounter(
        school_id=school_id,
        source=source,
        title=title,
        activity_type=activity_type,
        benchmark=benchmark,
        occurred_on=occurred_on,
        mode=mode,
        employer_id=employer_id,
        provider_id=provider_id,
        provider_access=provider_access,
        year_groups=sorted(set(year_groups)),
        head_counts=dict(head_counts or {}),
        work_experience_days=work_experience_days,
        checklist_version=checklist_version,
    )
    return _add(session, encounter, volunteer_ids)


def record_booking(session: Session, booking: Booking) -> Encounter:
    """The encounter a completed booking becomes, for the school to record attendance and
    the checklist on: a Benchmark 6 experience of the offer, on the slot's day, with the
    booked seats as the head count. A slot is one day, so a work-experience one is one day
    towards the ten-day guarantee. Made once: a repeated call returns the first."""
    made = session.scalar(select(Encounter).where(Encounter.booking_id == booking.id))
    if made is not None:
        return made
    offer = booking.slot.offer
    activity = OFFER_ACTIVITIES[offer.kind]
    encounter = Encounter(
        school_id=booking.school_id,
        source=EncounterSource.BOOKING,
        booking_id=booking.id,
        title=offer.title,
        activity_type=activity,
        benchmark=6,
        occurred_on=booking.slot.date,
        mode=Mode.IN_PERSON if offer.kind.in_person else Mode.VIRTUAL,
        employer_id=offer.employer_id,
        year_groups=[booking.year_group],
        head_counts={str(booking.year_group): booking.seats},
        work_experience_days=int(activity is EncounterActivity.WORK_EXPERIENCE),
    )
    return _add(session, encounter, ())


def record_match(session: Session, match: Match, *, occurred_on: date) -> Encounter:
    """The encounter a scheduled match becomes: the need's benchmark, activity, year groups
    and pupils, with the volunteer and (for Benchmarks 5 and 6) their employer; for
    Benchmark 7 the school names the provider. Made once: a repeat returns the first."""
    made = session.scalar(select(Encounter).where(Encounter.match_id == match.id))
    if made is not None:
        return made
    need, volunteer = match.need, match.volunteer
    encounter = Encounter(
        school_id=need.school_id,
        source=EncounterSource.MATCH,
        match_id=match.id,
        title=need.title,
        activity_type=NEED_ACTIVITIES[need.activity_type],
        benchmark=need.benchmark,
        occurred_on=occurred_on,
        mode=_mode(need, volunteer),
        employer_id=volunteer.employer_id if need.benchmark in (5, 6) else None,
        year_groups=sorted(need.year_groups),
        head_counts=_spread(need.pupils, need.year_groups),
    )
    return _add(session, encounter, [volunteer.id])


def record_request(session: Session, request: OfferRequest) -> Encounter:
    """The encounter a scheduled request becomes: the offer's (or the provider's) activity
    and benchmark on the agreed day, for the year groups asked, with the named volunteers;
    a provider-access request is the school's Provider Access encounter. Made once."""
    if request.encounter_id is not None:
        return session.get(Encounter, request.encounter_id)
    offer = request.offer
    if request.kind is RequestKind.PROVIDER_ACCESS:
        title, activity = "Provider access", ACCESS_ACTIVITIES[AccessActivity(request.activity)]
        benchmark = 7
    else:
        title, activity, benchmark = offer.title, REQUEST_ACTIVITIES[offer.kind], offer.benchmark
        if offer.provider_id:
            activity = EncounterActivity.PROVIDER_TALK
    encounter = Encounter(
        school_id=request.school_id,
        source=EncounterSource.REQUEST,
        title=title,
        activity_type=activity,
        benchmark=benchmark,
        occurred_on=request.date,
        mode=request.mode,
        employer_id=request.employer_id,
        provider_id=request.provider_id,
        provider_access=request.kind is RequestKind.PROVIDER_ACCESS,
        year_groups=sorted(request.year_groups),
        head_counts=_spread(request.pupils, request.year_groups) if request.pupils else {},
    )
    _add(session, encounter, request.volunteer_ids)
    request.encounter_id = encounter.id
    return encounter


def delete_for_request(session: Session, request: OfferRequest) -> None:
    """A scheduled request called off takes its encounter with it, unless attendance was
    already recorded (then the record stands and the cancellation is refused)."""
    if request.encounter_id is None:
        return
    if attendance_count(session, request.encounter_id):
        raise Conflict("Attendance is recorded for this encounter: it has happened.")
    made = session.get(Encounter, request.encounter_id)
    request.encounter_id = None
    session.flush()
    _delete(session, made)


def _mode(need: Need, volunteer: Volunteer) -> Mode:
    """A need open to either mode met in person if the volunteer offers that."""
    if need.mode is NeedMode.EITHER:
        return Mode.IN_PERSON if Mode.IN_PERSON in volunteer.modes else Mode.VIRTUAL
    return Mode(need.mode.value)


def _spread(pupils: int, year_groups: Iterable[int]) -> dict[str, int]:
    """A need's head count across its year groups, evenly (the school corrects it after)."""
    ordered = sorted(year_groups)
    each, extra = divmod(pupils, len(ordered))
    return {str(yg): each + (i < extra) for i, yg in enumerate(ordered)}


def _add(session: Session, encounter: Encounter, volunteer_ids: Iterable[uuid.UUID]) -> Encounter:
    encounter.checklist_version = encounter.checklist_version or checklists.current_version()
    encounter.meaningful = False  # until its checklist is answered (and attendance named)
    _check_and_snapshot(session, encounter)
    encounter.volunteers = _volunteers(session, encounter, volunteer_ids)
    session.add(encounter)
    session.flush()
    outbox.publish(session, "encounter.recorded", encounter, _event_data(encounter))
    refresh_meaningful(session, encounter)
    return encounter


def update(session: Session, caller: Caller, encounter_id: uuid.UUID, changes: dict) -> Encounter:
    encounter = _own_encounter(session, caller, encounter_id)
    partner_changed = any(
        field in changes and changes[field] != getattr(encounter, field)
        for field in ("employer_id", "provider_id", "benchmark")
    )
    for field in EDITABLE:
        if field in changes:
            value = changes[field]
            if field == "year_groups":
                value = sorted(set(value))
            setattr(encounter, field, value)
    if partner_changed:
        encounter.employer_size = encounter.employer_sector = encounter.provider_type = None
    # The snapshot is as on the day: taken again only when the partner changes.
    _check_and_snapshot(session, encounter, snapshot=partner_changed)
    if "volunteer_ids" in changes:
        encounter.volunteers = _volunteers(session, encounter, changes["volunteer_ids"])
    if "occurred_on" in changes:
        _refresh_attendance_year_groups(session, encounter)
    session.flush()
    refresh_meaningful(session, encounter)
    return encounter


def delete(session: Session, caller: Caller, encounter_id: uuid.UUID) -> None:
    _delete(session, _own_encounter(session, caller, encounter_id))


def delete_transferred(session: Session, encounter: Encounter) -> None:
    """Erasure: a transferred encounter was one pupil's alone and goes with them."""
    _delete(session, encounter)


def _delete(session: Session, encounter: Encounter) -> None:
    for row in session.scalars(select(Attendance).where(Attendance.encounter_id == encounter.id)):
        session.delete(row)
    for answer in session.scalars(
        select(ChecklistAnswer).where(ChecklistAnswer.encounter_id == encounter.id)
    ):
        session.delete(answer)
    session.delete(encounter)
    session.flush()


def attendance_count(session: Session, encounter_id: uuid.UUID) -> int:
    return session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.encounter_id == encounter_id)
    )


def list_attendance(
    session: Session, caller: Caller, encounter_id: uuid.UUID
) -> list[AttendanceRow]:
    """Who attended (the school's own staff only; each pupil read is audited)."""
    encounter = get_visible(session, caller, Encounter, encounter_id)
    ensure_pupils_of(caller, encounter.school_id)
    rows = session.execute(
        select(Attendance, Pupil.reference)
        .join(Pupil, Pupil.id == Attendance.pupil_id)
        .where(Attendance.encounter_id == encounter.id)
        .order_by(Pupil.reference, Pupil.id)
    ).all()
    read = [attendance.pupil_id for attendance, _ in rows]
    audit.record(session, action="pupil.read", object_type="pupil", object_ids=read)
    return [AttendanceRow(a.pupil_id, ref, a.year_group, a.reflection) for a, ref in rows]


def set_attendance(
    session: Session,
    caller: Caller,
    encounter_id: uuid.UUID,
    *,
    pupil_ids: list[uuid.UUID],
    reflections: Mapping[uuid.UUID, str | None] | None = None,
) -> list[AttendanceRow]:
    """Replace who attended (the school's own pupils only); set the reflections given,
    keeping those of pupils not named in `reflections`."""
    encounter = get_visible(session, caller, Encounter, encounter_id)
    ensure_pupils_of(caller, encounter.school_id)
    reflections = dict(reflections or {})
    wanted = dict.fromkeys(pupil_ids)
    pupils = _attendees(session, encounter, pupil_ids, wanted, reflections)
    start = school_years.school_year_start(encounter.occurred_on)
    current = {
        a.pupil_id: a
        for a in session.scalars(select(Attendance).where(Attendance.encounter_id == encounter.id))
    }
    for pupil_id, row in current.items():
        if pupil_id not in wanted:
            session.delete(row)
    for pupil_id in wanted:
        row = current.get(pupil_id)
        if row is None:
            session.add(
                Attendance(
                    encounter_id=encounter.id,
                    pupil_id=pupil_id,
                    year_group=school_years.year_group_in(pupils[pupil_id], start),
                    reflection=reflections.get(pupil_id),
                )
            )
        elif pupil_id in reflections and row.reflection != reflections[pupil_id]:
            row.reflection = reflections[pupil_id]
    session.flush()
    refresh_meaningful(session, encounter)
    return list_attendance(session, caller, encounter.id)


def _attendees(session, encounter, pupil_ids, wanted, reflections) -> dict[uuid.UUID, Pupil]:
    """The pupils named, each checked to be the school's, in Y7-Y13 and on roll that day."""
    errors: dict[str, list[str]] = {}
    if len(wanted) != len(pupil_ids):
        errors["pupil_ids"] = ["A pupil is listed twice."]
    for pupil_id in reflections:
        if pupil_id not in wanted:
            errors[f"reflections.{pupil_id}"] = ["Not in pupil_ids."]
    if errors:
        raise InvalidInput("The attendance is not valid.", errors=errors)
    pupils = {
        p.id: p
        for p in session.scalars(
            select(Pupil).where(Pupil.id.in_(wanted), Pupil.school_id == encounter.school_id)
        )
    }
    start = school_years.school_year_start(encounter.occurred_on)
    for index, pupil_id in enumerate(wanted):
        pupil = pupils.get(pupil_id)
        if pupil is None:
            errors[f"pupil_ids.{index}"] = ["Not a pupil of this school."]
        elif not 7 <= school_years.year_group_in(pupil, start) <= 13:
            errors[f"pupil_ids.{index}"] = ["Not in Y7-Y13 on the encounter's date."]
        elif pupil.left_on is not None and pupil.left_on < encounter.occurred_on:
            errors[f"pupil_ids.{index}"] = ["Had left the school by the encounter's date."]
    if errors:
        raise InvalidInput("Some pupils cannot be recorded as attending.", errors=errors)
    return pupils


def get_checklist(session: Session, caller: Caller, encounter_id: uuid.UUID) -> ChecklistView:
    encounter = get_visible(session, caller, Encounter, encounter_id)
    return checklist_of(session, encounter)


def answer_checklist(
    session: Session, caller: Caller, encounter_id: uuid.UUID, answers: Mapping[str, bool]
) -> ChecklistView:
    """Record the caller's side's answers (the school's items, or the partner's)."""
    encounter = get_visible(session, caller, Encounter, encounter_id)
    parties = checklist_parties(caller, encounter)
    if not parties:
        raise Forbidden("Only the school and the employer or provider answer this checklist.")
    version = encounter.checklist_version
    items = checklists.check_answers(version, encounter.benchmark, answers)
    not_theirs = [item.key for item in items if item.answered_by not in parties]
    if not_theirs:
        raise Forbidden(
            "Those items are answered by the other side of the encounter.",
            errors={f"answers.{key}": ["Answered by the other side."] for key in not_theirs},
        )
    _write_answers(session, encounter, items, answers, caller.user_id)
    refresh_meaningful(session, encounter)
    return checklist_of(session, encounter)


def record_answers(
    session: Session, encounter: Encounter, answers: Mapping[str, bool], user_id=None
) -> None:
    """Write answers without a caller check (transfers and the demo, already authorised)."""
    items = checklists.check_answers(encounter.checklist_version, encounter.benchmark, answers)
    _write_answers(session, encounter, items, answers, user_id)


def _write_answers(
    session: Session,
    encounter: Encounter,
    items: list[ChecklistItem],
    answers: Mapping[str, bool],
    user_id: uuid.UUID | None,
) -> None:
    existing = {
        a.item: a
        for a in session.scalars(
            select(ChecklistAnswer).where(
                ChecklistAnswer.encounter_id == encounter.id,
                ChecklistAnswer.version == encounter.checklist_version,
            )
        )
    }
    for item in items:
        row = existing.get(item.key)
        if row is None:
            session.add(
                ChecklistAnswer(
                    encounter_id=encounter.id,
                    version=encounter.checklist_version,
                    item=item.key,
                    answer=answers[item.key],
                    answered_by=item.answered_by,
                    answered_by_user_id=user_id,
                )
            )
        elif row.answer != answers[item.key]:
            row.answer = answers[item.key]
            row.answered_by_user_id = user_id
    session.flush()


def answers_of(session: Session, encounter: Encounter) -> dict[str, bool]:
    return dict(
        session.execute(
            select(ChecklistAnswer.item, ChecklistAnswer.answer).where(
                ChecklistAnswer.encounter_id == encounter.id,
                ChecklistAnswer.version == encounter.checklist_version,
            )
        ).all()
    )


def checklist_of(session: Session, encounter: Encounter) -> ChecklistView:
    answers = answers_of(session, encounter)
    count = attendance_count(session, encounter.id)
    verdict = checklists.evaluate(
        benchmark=encounter.benchmark,
        version=encounter.checklist_version,
        answers=answers,
        mode=encounter.mode,
        attendance_count=count,
    )
    items = [
        {
            "key": item.key,
            "text": item.text,
            "answered_by": item.answered_by,
            "answer": answers.get(item.key),
        }
        for item in checklists.items(encounter.checklist_version, encounter.benchmark)
    ]
    return ChecklistView(
        encounter.id,
        encounter.benchmark,
        encounter.checklist_version,
        encounter.mode,
        count,
        items,
        verdict.meaningful,
        verdict.missing,
    )


def refresh_meaningful(session: Session, encounter: Encounter) -> None:
    """Keep the stored verdict in step with the answers and attendance (reports read it)."""
    meaningful = checklist_of(session, encounter).meaningful
    if encounter.meaningful != meaningful:
        encounter.meaningful = meaningful
        session.flush()
        verdict = "encounter.meaningful" if meaningful else "encounter.not_meaningful"
        outbox.publish(session, verdict, encounter, _event_data(encounter))


def _event_data(encounter: Encounter) -> dict:
    """Thin: ids, benchmark, date and verdict (never who attended)."""
    return {
        "encounter_id": str(encounter.id),
        "school_id": str(encounter.school_id),
        "benchmark": encounter.benchmark,
        "occurred_on": encounter.occurred_on.isoformat(),
        "source": encounter.source.value,
        "booking_id": str(encounter.booking_id) if encounter.booking_id else None,
        "match_id": str(encounter.match_id) if encounter.match_id else None,
        "meaningful": encounter.meaningful,
    }


def _own_encounter(session: Session, caller: Caller, encounter_id: uuid.UUID) -> Encounter:
    encounter = get_visible(session, caller, Encounter, encounter_id)
    if not may_record_encounters_for(caller, encounter.school_id):
        raise Forbidden("Only the school changes its encounters.")
    return encounter


def _check_and_snapshot(session: Session, encounter: Encounter, *, snapshot: bool = True) -> None:
    errors: dict[str, list[str]] = {}
    if encounter.employer_id and encounter.provider_id:
        errors["provider_id"] = ["An encounter is with an employer or a provider, not both."]
    if encounter.benchmark in (5, 6) and encounter.provider_id:
        errors["provider_id"] = ["Benchmarks 5 and 6 are encounters with employers."]
    if encounter.benchmark == 7 and encounter.employer_id:
        errors["employer_id"] = ["Benchmark 7 is an encounter with a provider."]
    if encounter.provider_access and encounter.benchmark != 7:
        errors["provider_access"] = ["Provider Access encounters are Benchmark 7 encounters."]
    if encounter.work_experience_days and encounter.benchmark != 6:
        errors["work_experience_days"] = ["Work experience is a Benchmark 6 experience."]
    for key in encounter.head_counts or {}:
        if not key.isdigit() or not 7 <= int(key) <= 13:
            errors[f"head_counts.{key}"] = ["Head counts are per year group, 7 to 13."]
    if encounter.employer_id:
        employer = session.get(Employer, encounter.employer_id)
        if employer is None:
            errors["employer_id"] = ["No such employer."]
        elif snapshot:
            encounter.partner_name = employer.name
            encounter.employer_size = employer.size_band
            encounter.employer_sector = employer.sector_code
    elif encounter.provider_id:
        provider = session.get(Provider, encounter.provider_id)
        if provider is None:
            errors["provider_id"] = ["No such provider."]
        elif snapshot:
            encounter.partner_name = provider.name
            encounter.provider_type = provider.provider_type
    elif snapshot and encounter.source is not EncounterSource.TRANSFER:
        encounter.partner_name = None
    if errors:
        raise InvalidInput("The encounter is not valid.", errors=errors)


def _volunteers(
    session: Session, encounter: Encounter, volunteer_ids: Iterable[uuid.UUID]
) -> list[Volunteer]:
    ids = set(volunteer_ids)
    if not ids:
        return []
    found = list(session.scalars(select(Volunteer).where(Volunteer.id.in_(ids))))
    missing = ids - {v.id for v in found}
    if missing:
        raise InvalidInput("No such volunteer.", errors={"volunteer_ids": ["No such volunteer."]})
    if encounter.employer_id and any(v.employer_id != encounter.employer_id for v in found):
        raise InvalidInput(
            "The volunteers must work for the encounter's employer.",
            errors={"volunteer_ids": ["Not a volunteer of this employer."]},
        )
    return found


def _refresh_attendance_year_groups(session: Session, encounter: Encounter) -> None:
    start = school_years.school_year_start(encounter.occurred_on)
    rows = session.execute(
        select(Attendance, Pupil).join(Pupil).where(Attendance.encounter_id == encounter.id)
    ).all()
    for attendance, pupil in rows:
        year_group = school_years.year_group_in(pupil, start)
        if not 7 <= year_group <= 13:
            raise InvalidInput(
                "An attending pupil was not in Y7-Y13 on that date.",
                errors={"occurred_on": ["Some attending pupils were not in Y7-Y13 then."]},
            )
        attendance.year_group = year_group


def delete_attendance_of(session: Session, pupil_id: uuid.UUID) -> set[uuid.UUID]:
    """Remove a pupil's attendance (erasure); returns the encounters it touched."""
    rows = list(session.scalars(select(Attendance).where(Attendance.pupil_id == pupil_id)))
    for row in rows:
        session.delete(row)
    session.flush()
    return {row.encounter_id for row in rows}
