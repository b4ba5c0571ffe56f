"""Emails about requests, end to end: a school requesting an encounter offer and a
provider requesting access, through the API, the worker reading the outbox, and a real
SMTP server on 127.0.0.1. The side asked hears of each request, the other side of each
answer, and both sides (and the volunteers named) are reminded before it happens."""

from datetime import timedelta

import pytest

from models.base import london_today
from models.users import Role
from services.notifications.reminders import reminder_day
from tests import factories
from tests.factories import school_day
from tests.mailbox import SmtpServer, deliver
from tests.services.test_notifications import (
    BASE,
    PUPIL_REFERENCE,
    assert_essential,
    assert_no_pupil_data,
    assert_unsubscribable,
    london,
    next_weekday,
)

OFFER_REQUESTS = "/api/v1/offer-requests"
ACCESS = "/api/v1/provider-access-requests"
ALL_FOUR = [
    "provider_and_qualifications",
    "careers_they_lead_to",
    "what_learning_is_like",
    "pupils_questions",
]
GROUND = "Exam period"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def email_of(world, role):
    return world.a.users[role].email


def offer_request(client, auth_headers, world, offer, day):
    made = client.post(
        OFFER_REQUESTS,
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json={
            "offer_id": str(offer.id),
            "date": day.isoformat(),
            "starts_at": "10:00",
            "ends_at": "11:00",
            "year_groups": [10],
            "pupils": 60,
            "notes": f"{PUPIL_REFERENCE} uses a wheelchair",
        },
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def test_an_offer_request_goes_to_the_employer_and_each_answer_back(
    app, client, session, world, auth_headers, smtp
):
    offer = factories.encounter_offer(session, world.a.employer)
    session.commit()
    employer = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    request_id = offer_request(client, auth_headers, world, offer, school_day())

    deliver(app, smtp)
    deliver(app, smtp)  # a second round owes nothing more

    received = smtp.only(email_of(world, Role.EMPLOYER_STAFF), "request_received")
    assert received.message["Subject"] == f"School A requests {offer.title}"
    operations = f"{BASE}/offer-requests/{request_id}"
    for action in ("accept", "propose", "decline"):
        assert f"{operations}/{action}" in received.links()
    assert "60 in Y10" in received.text
    assert "added notes: read them with the request" in received.text
    assert_unsubscribable(received)
    assert smtp.to(email_of(world, Role.SCHOOL_STAFF)) == []

    client.post(
        f"{OFFER_REQUESTS}/{request_id}/propose",
        headers=employer,
        json={
            "date": school_day(21).isoformat(),
            "starts_at": "13:00",
            "ends_at": "14:00",
            "volunteer_ids": [str(world.a.volunteer.id)],
            "note": "We are at a trade show that week.",
        },
    )
    client.post(f"{OFFER_REQUESTS}/{request_id}/accept", headers=school, json={})
    deliver(app, smtp)

    proposed = smtp.only(email_of(world, Role.SCHOOL_STAFF), "request_answered")
    assert proposed.message["Subject"].startswith(
        "Employer A has proposed another date for the request"
    )
    assert "Reason given: We are at a trade show that week." in proposed.text
    assert operations in proposed.links()
    assert_essential(proposed)
    taken = smtp.only(email_of(world, Role.EMPLOYER_STAFF), "request_answered")
    assert "School A has taken the date proposed for the request." in taken.text
    assert "13:00 to 14:00" in taken.text
    assert "It is in the school's encounters now" in taken.text
    assert_no_pupil_data(smtp)


def publish_policy(client, world, auth_headers):
    response = client.post(
        f"/api/v1/schools/{world.a.school.id}/provider-access-policy/versions",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json={
            "procedure": "Email the careers leader with two proposed dates.",
            "grant_criteria": "Granted when a date fits the timetable.",
            "refusal_grounds": [GROUND],
            "premises": "The main hall.",
            "key_phases": ["y8_9", "y10_11", "y12_13"],
            "contact_name": "Ms Careers",
            "contact_email": "careers@school.example.org",
        },
    )
    assert response.status_code == 201, response.get_json()


def access_request(client, auth_headers, world):
    made = client.post(
        ACCESS,
        headers=auth_headers(world.a.users[Role.PROVIDER_STAFF]),
        json={
            "school_id": str(world.a.school.id),
            "activity": "assembly",
            "year_groups": [10, 11],
            "preferred_dates": [school_day(10).isoformat()],
            "content": ALL_FOUR,
            "pupils": 180,
        },
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def test_provider_access_goes_to_the_school_and_the_answers_to_the_provider(
    app, client, session, world, auth_headers, smtp
):
    publish_policy(client, world, auth_headers)
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    provider_email = email_of(world, Role.PROVIDER_STAFF)
    refused = access_request(client, auth_headers, world)
    granted = access_request(client, auth_headers, world)
    deliver(app, smtp)  # the school hears of both while they wait for its answer
    client.post(f"{ACCESS}/{refused}/decline", headers=school, json={"reason": GROUND})
    client.post(
        f"{ACCESS}/{granted}/accept",
        headers=school,
        json={"date": school_day(10).isoformat(), "starts_at": "09:00", "ends_at": "09:40"},
    )
    client.post(
        f"{ACCESS}/{granted}/cancel",
        headers=school,
        json={"reason": f"{PUPIL_REFERENCE}'s year has a trip that day"},
    )

    deliver(app, smtp)

    school_email = email_of(world, Role.SCHOOL_STAFF)
    asked = [r for r in smtp.to(school_email) if r.message["X-Engage-Kind"] == "request_received"]
    assert len(asked) == 2
    assert asked[0].message["Subject"] == "College A asks for provider access to School A"
    assert f"{BASE}/provider-access-requests/{refused}/accept" in asked[0].links()
    answers = [
        r for r in smtp.to(provider_email) if r.message["X-Engage-Kind"] == "request_answered"
    ]
    by_subject = {r.message["Subject"].split(":")[0]: r for r in answers}
    assert set(by_subject) == {
        "School A has declined the request",
        "School A has accepted the request",
        "School A has cancelled the request",
    }
    # A published refusal ground is told; the school's own words are not (they may name a pupil).
    assert f"Reason given: {GROUND}." in by_subject["School A has declined the request"].text
    cancelled = by_subject["School A has cancelled the request"]
    assert "Reason given" not in cancelled.text
    assert "They gave a reason: read it with the request." in cancelled.text
    assert "180 in Y10, Y11" in by_subject["School A has accepted the request"].text
    assert_no_pupil_data(smtp)


def test_a_scheduled_request_is_a_reminder_to_both_sides_and_its_volunteers_then_a_checklist(
    app, client, session, world, auth_headers, smtp
):
    day = next_weekday(0, london_today() + timedelta(days=14))  # a Monday
    offer = factories.encounter_offer(session, world.a.employer)
    session.commit()
    request_id = offer_request(client, auth_headers, world, offer, day)
    accepted = client.post(
        f"{OFFER_REQUESTS}/{request_id}/accept",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
        json={"volunteer_ids": [str(world.a.volunteer.id)]},
    )
    assert accepted.status_code == 200, accepted.get_json()
    deliver(app, smtp, now=london(reminder_day(day) - timedelta(days=1)))
    assert not [r for r in smtp.received if r.message["X-Engage-Kind"] == "request_reminder"]

    deliver(app, smtp, now=london(reminder_day(day)))
    deliver(app, smtp, now=london(reminder_day(day) + timedelta(days=1)))

    people = [email_of(world, role) for role in (Role.SCHOOL_STAFF, Role.EMPLOYER_STAFF)]
    for address in [*people, email_of(world, Role.VOLUNTEER)]:
        reminder = smtp.only(address, "request_reminder")
        assert reminder.message["Subject"].startswith(f"Reminder: {offer.title} at School A")
        assert "10:00 to 11:00" in reminder.text
        assert "photo ID" in reminder.text
        assert "Safeguarding: " in reminder.text
        assert world.a.volunteer.user.name in reminder.text
        assert f"{BASE}/offer-requests/{request_id}" in reminder.links()
    deliver(app, smtp, now=london(day + timedelta(days=1)))
    for address in people:
        checklist = smtp.only(address, "checklist_reminder")
        assert "/checklist" in " ".join(checklist.links())
    assert_no_pupil_data(smtp)


def test_the_coordinators_weekly_digest_counts_the_hubs_requests(
    app, client, session, world, auth_headers, smtp
):
    offer = factories.encounter_offer(session, world.a.employer)
    session.commit()
    scheduled = offer_request(client, auth_headers, world, offer, school_day())
    offer_request(client, auth_headers, world, offer, school_day(21))
    client.post(
        f"{OFFER_REQUESTS}/{scheduled}/accept",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
        json={"volunteer_ids": [str(world.a.volunteer.id)]},
    )

    deliver(app, smtp, now=london(next_weekday(0), hour=9))

    digest = smtp.only(email_of(world, Role.COORDINATOR), "weekly_digest")
    assert "Requests for encounters: 2 (offers and provider access)" in digest.text
    assert "Requests scheduled:      1" in digest.text
    other = smtp.only(world.b.users[Role.COORDINATOR].email, "weekly_digest")
    assert "Requests for encounters: 0" in other.text
