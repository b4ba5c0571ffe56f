"""DBS status arithmetic and availability rules, as pure functions; safeguarding visibility."""

import uuid
from datetime import date, timedelta

import pytest

from models.users import Role
from models.volunteers import Volunteer
from services.access import private_details_rule
from services.callers import Caller
from services.volunteers import DbsStatus, availability_problems, dbs_expiry, dbs_status

ISSUED = date(2023, 3, 15)
EXPIRES = date(2026, 3, 15)


def status(today: date, **overrides) -> DbsStatus:
    check = {"enhanced": True, "barred_list": True, "issued_on": ISSUED, "update_service": False}
    return dbs_status(**{**check, **overrides}, today=today)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (ISSUED, DbsStatus.CURRENT),
        (EXPIRES - timedelta(days=61), DbsStatus.CURRENT),
        (EXPIRES - timedelta(days=60), DbsStatus.EXPIRING),
        (EXPIRES - timedelta(days=1), DbsStatus.EXPIRING),
        (EXPIRES, DbsStatus.EXPIRED),
        (EXPIRES + timedelta(days=400), DbsStatus.EXPIRED),
    ],
)
def test_a_check_is_current_then_expiring_for_60_days_then_expired_at_3_years(today, expected):
    assert dbs_expiry(ISSUED) == EXPIRES
    assert status(today) is expected


def test_the_update_service_keeps_an_old_check_current():
    assert status(EXPIRES + timedelta(days=3650), update_service=True) is DbsStatus.CURRENT
    assert status(EXPIRES - timedelta(days=10), update_service=True) is DbsStatus.CURRENT


@pytest.mark.parametrize(
    "missing",
    [{"enhanced": False, "barred_list": False}, {"barred_list": False}, {"issued_on": None}],
)
def test_without_an_enhanced_check_with_the_barred_list_there_is_none(missing):
    assert status(ISSUED, **missing) is DbsStatus.NONE
    assert status(ISSUED, update_service=True, **missing) is DbsStatus.NONE


def test_a_leap_day_check_expires_on_28_february():
    assert dbs_expiry(date(2024, 2, 29)) == date(2027, 2, 28)


def test_availability_slots_must_end_after_they_start_and_not_overlap():
    def slot(day, starts_at, ends_at):
        return {"day": day, "starts_at": starts_at, "ends_at": ends_at}

    assert (
        availability_problems([slot("monday", "09:00", "12:00"), slot("monday", "12:00", "15:00")])
        == []
    )
    assert (
        availability_problems([slot("monday", "09:00", "12:00"), slot("tuesday", "10:00", "11:00")])
        == []
    )
    assert availability_problems(
        [slot("monday", "09:00", "12:00"), slot("monday", "11:30", "13:00")]
    ) == ["monday 09:00-12:00 overlaps 11:30-13:00."]
    assert availability_problems([slot("friday", "15:00", "09:00")]) == [
        "friday 15:00-09:00 ends before it starts."
    ]


def test_safeguarding_is_visible_to_admins_the_volunteer_and_their_employer(session):
    """Coordinators' share depends on their hub's ties: tests/services/test_access.py."""
    employer_id, other_id = uuid.uuid4(), uuid.uuid4()
    volunteer = Volunteer(user_id="volunteer-user", employer_id=employer_id, job_title="x")

    def sees(role, organisation_id=other_id, user_id="someone-else"):
        caller = Caller(role=role, organisation_id=organisation_id, user_id=user_id)
        return private_details_rule(session, caller)(volunteer)

    assert sees(Role.ADMIN)
    assert sees(Role.EMPLOYER_STAFF, employer_id)
    assert sees(Role.VOLUNTEER, employer_id, "volunteer-user")
    assert not sees(Role.VOLUNTEER, employer_id)
    assert not sees(Role.EMPLOYER_STAFF)
    assert not sees(Role.SCHOOL_STAFF)
    assert not sees(Role.PROVIDER_STAFF)
    assert not sees(Role.COORDINATOR)  # this volunteer serves no hub
