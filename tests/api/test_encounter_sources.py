"""Encounters made by the workflows: a completed booking and a scheduled match each become
one encounter of the school's, in the same transaction, which the school then records
attendance and the checklist on like any other."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models.base import london_today
from models.bookings import Booking, BookingStatus
from models.encounters import Encounter
from models.matches import Match, MatchStatus
from models.needs import NeedMode
from models.offers import OfferKind
from models.users import Role
from models.volunteers import ActivityType
from services import encounters
from tests import factories

ENCOUNTERS = "/api/v1/encounters"
SCHOOL_ITEMS = {
    "clear_purpose": True,
    "learning_outcomes": True,
    "two_way_interaction": True,
    "reflection_time": True,
}
BM6_PARTNER_ITEMS = {"range_of_people": True, "workplace_task": True, "employer_feedback": True}
# What each workflow fills in (None: checked against the test's own objects).
EXPECTED_FROM_BOOKING = {
    "source": "booking",
    "booking_id": None,
    "match_id": None,
    "title": "A day on site",
    "activity_type": "workplace_visit",
    "benchmark": 6,
    "occurred_on": None,
    "mode": "in_person",
    "employer_id": None,
    "partner_name": "Employer A",
    "year_groups": [10],
    "head_counts": {"10": 12},
    "work_experience_days": 0,
    "meaningful": False,
    "attendance_count": 0,
}
EXPECTED_FROM_MATCH = {
    "source": "match",
    "booking_id": None,
    "match_id": None,
    "title": "Careers talk for Year 10",
    "activity_type": "careers_talk",
    "benchmark": 5,
    "occurred_on": None,
    "mode": "in_person",  # the need allowed either; the volunteer meets in person
    "employer_id": None,
    "partner_name": "Employer A",
    "volunteer_ids": None,
    "year_groups": [9, 10],
    "head_counts": {"9": 31, "10": 30},  # 61 pupils, spread evenly
    "meaningful": False,
}


def encounter_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Encounter))


def listed(client, headers, **query) -> list[dict]:
    response = client.get(ENCOUNTERS, headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def confirmed_booking_yesterday(session, world, kind=OfferKind.WORKPLACE_VISIT) -> Booking:
    offer = factories.offer(session, world.a.employer, kind=kind, title="A day on site")
    slot = factories.slot(session, offer, seats=30, day=london_today() - timedelta(days=1))
    booking = factories.booking(
        session, slot, world.a.school, seats=12, year_group=10, status=BookingStatus.CONFIRMED
    )
    session.commit()
    return booking


def scheduled_for(day: date) -> dict:
    return {"scheduled_for": f"{day.isoformat()}T10:00:00Z"}


def confirmed_match(session, world, **need_values) -> Match:
    need = factories.need(session, world.a.school, **need_values)
    match = factories.match(session, need, world.a.volunteer, MatchStatus.CONFIRMED)
    session.commit()
    return match


# --- bookings ---------------------------------------------------------------------------


def test_completing_a_booking_makes_its_benchmark_6_encounter(client, session, world, auth_headers):
    booking = confirmed_booking_yesterday(session, world)
    employer = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    completed = client.post(f"/api/v1/bookings/{booking.id}/complete", headers=employer)
    again = client.post(f"/api/v1/bookings/{booking.id}/complete", headers=employer)

    assert completed.status_code == 200 and again.status_code == 409
    [made] = listed(client, school, booking_id=str(booking.id))
    assert {key: made[key] for key in EXPECTED_FROM_BOOKING} == {
        **EXPECTED_FROM_BOOKING,
        "booking_id": str(booking.id),
        "employer_id": str(world.a.employer.id),
        "occurred_on": (london_today() - timedelta(days=1)).isoformat(),
    }
    assert encounter_count(session) == 1
    # The host sees it too (with a count, never pupils), as any encounter with them.
    assert [e["id"] for e in listed(client, employer, booking_id=str(booking.id))] == [made["id"]]


def test_a_work_experience_slot_is_one_day_towards_the_guarantee(
    client, session, world, auth_headers
):
    booking = confirmed_booking_yesterday(session, world, kind=OfferKind.WORK_EXPERIENCE)
    response = client.post(
        f"/api/v1/bookings/{booking.id}/complete",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
    )
    assert response.status_code == 200
    [made] = listed(
        client, auth_headers(world.a.users[Role.SCHOOL_STAFF]), booking_id=str(booking.id)
    )
    assert (made["activity_type"], made["work_experience_days"]) == ("work_experience", 1)


def test_a_visit_not_yet_held_is_409_and_makes_no_encounter(client, session, world, auth_headers):
    response = client.post(
        f"/api/v1/bookings/{world.a.booking.id}/complete",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
    )
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert encounter_count(session) == 0


def test_the_school_records_attendance_and_the_checklist_on_it(
    client, session, world, auth_headers
):
    booking = confirmed_booking_yesterday(session, world)
    pupils = [factories.pupil(session, world.a.school, f"A{i}", 10) for i in (1, 2)]
    session.commit()
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    employer = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    client.post(f"/api/v1/bookings/{booking.id}/complete", headers=school)
    [made] = listed(client, school, booking_id=str(booking.id))
    path = f"{ENCOUNTERS}/{made['id']}"

    def send(method, url, headers, body):
        etag = client.get(url, headers=headers).headers["ETag"]
        return getattr(client, method)(url, headers={**headers, "If-Match": etag}, json=body)

    attended = send("put", f"{path}/attendance", school, {"pupil_ids": [str(p.id) for p in pupils]})
    ours = send("patch", f"{path}/checklist", school, {"answers": SCHOOL_ITEMS})
    theirs = send("patch", f"{path}/checklist", employer, {"answers": BM6_PARTNER_ITEMS})

    assert (attended.status_code, ours.status_code, theirs.status_code) == (200, 200, 200)
    assert theirs.get_json()["meaningful"] is True
    read = client.get(path, headers=school).get_json()
    assert (read["meaningful"], read["attendance_count"]) == (True, 2)


# --- matches ----------------------------------------------------------------------------


def test_scheduling_a_match_makes_its_encounter(client, session, world, auth_headers):
    match = confirmed_match(session, world, mode=NeedMode.EITHER, pupils=61)
    need = match.need
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    outside = client.post(
        f"/api/v1/matches/{match.id}/schedule",
        headers=school,
        json=scheduled_for(need.ends_on + timedelta(days=1)),
    )
    assert outside.status_code == 422 and encounter_count(session) == 0
    scheduled = client.post(
        f"/api/v1/matches/{match.id}/schedule", headers=school, json=scheduled_for(need.starts_on)
    )
    again = client.post(
        f"/api/v1/matches/{match.id}/schedule", headers=school, json=scheduled_for(need.starts_on)
    )

    assert scheduled.status_code == 200 and again.status_code == 409
    [made] = listed(client, school, match_id=str(match.id))
    assert {key: made[key] for key in EXPECTED_FROM_MATCH} == {
        **EXPECTED_FROM_MATCH,
        "match_id": str(match.id),
        "occurred_on": need.starts_on.isoformat(),
        "employer_id": str(world.a.employer.id),
        "volunteer_ids": [str(world.a.volunteer.id)],
    }
    assert encounter_count(session) == 1
    # The volunteer sees the encounter they joined.
    volunteer = auth_headers(world.a.users[Role.VOLUNTEER])
    assert [e["id"] for e in listed(client, volunteer, match_id=str(match.id))] == [made["id"]]


def test_a_match_is_the_encounter_of_its_london_school_day(client, session, world, auth_headers):
    match = confirmed_match(session, world, starts_on=date(2027, 6, 14), ends_on=date(2027, 6, 30))
    # 23:30 UTC on 14 June is 00:30 BST on 15 June.
    response = client.post(
        f"/api/v1/matches/{match.id}/schedule",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json={"scheduled_for": "2027-06-14T23:30:00Z"},
    )
    assert response.status_code == 200
    made = session.scalar(select(Encounter).where(Encounter.match_id == match.id))
    assert made.occurred_on == date(2027, 6, 15)


def test_a_benchmark_7_need_leaves_the_provider_to_the_school(session, world):
    match = confirmed_match(session, world, benchmark=7, activity_type=ActivityType.CAREERS_TALK)
    made = encounters.record_match(session, match, occurred_on=match.need.starts_on)
    assert (made.benchmark, made.employer_id, made.provider_id) == (7, None, None)
    assert made.volunteer_ids == [world.a.volunteer.id]


def test_encounter_filters_are_checked(client, world, auth_headers):
    response = client.get(
        ENCOUNTERS,
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        query_string={"booking_id": "not-a-uuid"},
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "booking_id" in response.get_json()["errors"]


# --- one encounter each, and the record outlives its source ------------------------------


def test_recording_twice_returns_the_first_encounter(session, world):
    booking = confirmed_booking_yesterday(session, world)
    match = confirmed_match(session, world)
    first = encounters.record_booking(session, booking)
    assert encounters.record_booking(session, booking) is first
    made = encounters.record_match(session, match, occurred_on=match.need.starts_on)
    assert encounters.record_match(session, match, occurred_on=match.need.ends_on) is made
    assert encounter_count(session) == 2


def test_the_database_refuses_a_second_encounter_for_one_booking(session, world):
    booking = confirmed_booking_yesterday(session, world)
    made = encounters.record_booking(session, booking)
    session.commit()
    twin = factories.encounter(session, world.a.school, benchmark=6)
    twin.booking_id = made.booking_id
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_deleting_the_booking_or_match_keeps_the_encounter(session, world):
    booking = confirmed_booking_yesterday(session, world)
    match = confirmed_match(session, world)
    from_booking = encounters.record_booking(session, booking).id
    from_match = encounters.record_match(session, match, occurred_on=match.need.starts_on).id
    session.commit()

    session.delete(booking)
    session.delete(match)
    session.commit()

    session.expire_all()
    kept = {e.id: e for e in session.scalars(select(Encounter))}
    assert set(kept) == {from_booking, from_match}
    assert kept[from_booking].booking_id is None and kept[from_match].match_id is None
