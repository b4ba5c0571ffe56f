"""Needs and volunteers' attributes as the engine's numbers: bitmasks and date codes.

Sets become integer bitmasks over a fixed vocabulary (activities, modes, year groups, SIC
sections), weekly availability becomes weekday-hour bits (07:00-19:00 as 60 bits:
day * 12 + hour - 7), free-text topics are hashed into 62 bits, and dates become
YYYYMMDD integers, so the engine compares them with integer operations.
"""

import zlib
from datetime import date, time, timedelta

from models.journeys import RoleModelKind
from models.needs import Need, NeedMode
from models.organisations import School
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, ActivityType
from services import safeguarding
from services.matching.engine import DBS_FOREVER, NO_DBS, SCHOOL_DAY, Target

RELATED = [
    {ActivityType.CAREERS_TALK, ActivityType.CAREERS_FAIR, ActivityType.ENTERPRISE_CHALLENGE},
    {ActivityType.MOCK_INTERVIEWS, ActivityType.CV_WORKSHOP, ActivityType.MENTORING},
    {
        ActivityType.WORKPLACE_VISIT_HOST,
        ActivityType.JOB_SHADOWING,
        ActivityType.WORK_EXPERIENCE_SUPERVISOR,
    },
]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
FIRST_HOUR, LAST_HOUR = 7, 19
ACTIVITIES = list(ActivityType)


def date_code(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def dbs_valid_through(
    enhanced: bool, barred_list: bool, issued_on: date | None, update_service: bool
) -> int:
    """The date code of the check's expiry (services.volunteers.dbs_expiry, as an integer)."""
    if not (enhanced and barred_list and issued_on):
        return NO_DBS
    if update_service:
        return DBS_FOREVER
    code = date_code(issued_on) + 30_000
    return code - 1 if (issued_on.month, issued_on.day) == (2, 29) else code


def availability_bits(slots: list[dict]) -> int:
    """Weekly slots ({day, starts_at, ends_at}) as weekday-hour bits; weekends carry none."""
    bits = 0
    for slot in slots or ():
        if slot.get("day") not in WEEKDAYS:
            continue
        day = WEEKDAYS.index(slot["day"])
        start, end = _hours(slot["starts_at"]), _hours(slot["ends_at"])
        bits |= _hour_bits(day, start, end)
    return bits


def _hours(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) + int(minutes) / 60


def _hour_bits(day: int, start: float, end: float) -> int:
    bits = 0
    for hour in range(FIRST_HOUR, LAST_HOUR):
        if start < hour + 1 and end > hour:  # the slot overlaps [hour, hour + 1)
            bits |= 1 << (day * 12 + hour - FIRST_HOUR)
    return bits


def topic_bits(topics: list[str]) -> int:
    """Topics hashed (case-insensitively) into 62 bits: a stable, vocabulary-free set."""
    return sum({1 << (zlib.crc32(t.strip().lower().encode()) % 62) for t in topics or ()})


def set_bits(members, values) -> int:
    """Members of `values` (a vocabulary) as bits in the vocabulary's order."""
    values = list(values)
    return sum(1 << values.index(m) for m in set(members) if m in values)


def window_dates(need: Need, limit: int = 366) -> list[date]:
    """The weekdays in the need's window that it prefers (every weekday if none)."""
    days = need.preferred_days or list(WEEKDAYS)
    dates, day = [], need.starts_on
    while day <= need.ends_on and len(dates) < limit:
        if day.weekday() < 5 and WEEKDAYS[day.weekday()] in days:
            dates.append(day)
        day += timedelta(days=1)
    return dates


def target_for(
    need: Need, school: School, met_sizes=(), met_sectors=(), priority: float = 0.0
) -> Target:
    """The need as the engine's numbers, with what its school met lately and its priority."""
    activity = ACTIVITIES.index(ActivityType(need.activity_type))
    related = next((g for g in RELATED if need.activity_type in g), set())
    dates = window_dates(need)
    required = safeguarding.requirement(safeguarding.need_activity(need))
    return Target(
        mode=NeedMode(need.mode),
        latitude=school.latitude,
        longitude=school.longitude,
        activity=1 << activity,
        related=set_bits(related - {need.activity_type}, ACTIVITIES),
        topics=topic_bits(need.topics),
        sectors=set_bits(need.sectors, SIC_SECTIONS),
        years=set_bits(need.year_groups, YEAR_GROUPS),
        availability=_window_hours(need, dates),
        window_dates=tuple(d.isoformat() for d in dates),
        dbs_required=required.level is safeguarding.Level.ENHANCED_DBS,
        until=date_code(need.ends_on),
        met_sizes=frozenset(met_sizes),
        met_sectors=frozenset(met_sectors),
        priority=priority,
        role_models=set_bits(need.role_model_journeys or (), RoleModelKind),
    )


def _window_hours(need: Need, dates: list[date]) -> int:
    """The need's hours (its times, else the school day) on its weekdays, as bits."""
    earliest: time = need.earliest_time or SCHOOL_DAY[0]
    latest: time = need.latest_time or SCHOOL_DAY[1]
    start, end = earliest.hour + earliest.minute / 60, latest.hour + latest.minute / 60
    bits = 0
    for day in {d.weekday() for d in dates}:
        bits |= _hour_bits(day, start, end)
    return bits
