"""Every kind of email, end to end: a change through the API, the worker reading the outbox,
a real SMTP server on 127.0.0.1 receiving it. Each message arrives once, parses with the
standard library, carries the right links and headers, and says nothing about any pupil."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.audit import AuditEntry
from models.base import london_today
from models.bookings import BookingStatus
from models.matches import MatchStatus
from models.notifications import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationStatus,
    RefusedAddress,
)
from models.outbox import OutboxConsumer
from models.users import Role
from services.notifications.reminders import reminder_day
from services.notifications.worker import CONSUMER, WORKER
from tests import factories
from tests.mailbox import SmtpServer, deliver, token_in

BASE = "http://127.0.0.1:5000/api/v1"
PUPIL_REFERENCE = "PUPIL-REF-7731"
LEAD = "careers.lead@school-a.example.org"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def pupils(session, world):
    """A pupil at each school, so that any leak of pupil data would show."""
    for side in (world.a, world.b):
        factories.pupil(session, side.school, reference=PUPIL_REFERENCE, year_group=10)
    session.commit()


def assert_no_pupil_data(smtp):
    for received in smtp.received:
        raw = received.message.as_string()
        assert PUPIL_REFERENCE not in raw
        assert "pupil_id" not in raw


def assert_essential(received):
    assert received.message["List-Unsubscribe"] is None
    assert received.message["List-Unsubscribe-Post"] is None
    assert "sent whatever" in received.text


def assert_unsubscribable(received):
    header = received.message["List-Unsubscribe"]
    assert header.startswith(f"<{BASE}/notifications/unsubscribe?token=") and header.endswith(">")
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_invitation_brings_its_one_time_link_by_email_only(
    app, client, session, world, auth_headers, smtp, pupils
):
    created = client.post(
        "/api/v1/invitations",
        headers=auth_headers(world.a.users[Role.COORDINATOR]),
        json={
            "email": "new.lead@example.org",
            "role": "school_staff",
            "organisation_id": str(world.a.school.id),
        },
    )
    assert created.status_code == 201
    assert "token" not in created.get_json()

    deliver(app, smtp)
    deliver(app, smtp)  # a second round owes nothing more

    message = smtp.only("new.lead@example.org", "invitation")
    assert message.message["Subject"] == "You are invited to join School A on Engage"
    assert message.message["From"] == "Engage <no-reply@engage.localhost>"
    assert message.message["Message-ID"].endswith("@engage.localhost>")
    assert_essential(message)
    [link] = [link for link in message.links() if "#token=" in link]
    assert link.startswith(f"{BASE}/invitations/accept#token=")
    assert link in message.html
    accepted = client.post(
        "/api/v1/invitations/accept",
        json={"token": token_in(link), "name": "New Lead", "password": "a passphrase of mine"},
    )
    assert accepted.status_code == 201
    assert_no_pupil_data(smtp)


def test_what_the_worker_writes_is_audited_as_the_worker(
    app, client, session, world, auth_headers, smtp
):
    created = client.post(
        "/api/v1/invitations",
        headers=auth_headers(world.a.users[Role.COORDINATOR]),
        json={
            "email": "new.lead@example.org",
            "role": "school_staff",
            "organisation_id": str(world.a.school.id),
        },
    )
    assert created.status_code == 201, created.get_json()

    deliver(app, smtp)

    session.expire_all()
    minted = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "invitation.updated",
            AuditEntry.object_id == created.get_json()["id"],
        )
    ).all()
    # The one-time link's digest the worker wrote is in the audit log, as the worker's.
    assert [(e.request_id, e.actor_user_id) for e in minted] == [(WORKER, None)]
    assert session.get(OutboxConsumer, CONSUMER).position > 0
    smtp.only("new.lead@example.org", "invitation")


def test_a_match_invitation_and_the_schools_answers(
    app, client, session, world, auth_headers, smtp, pupils
):
    need = factories.need(session, world.a.school)
    session.commit()
    school, volunteer = world.a.users[Role.SCHOOL_STAFF], world.a.users[Role.VOLUNTEER]
    invited = client.post(
        f"/api/v1/needs/{need.id}/invitations",
        json={"volunteer_ids": [str(world.a.volunteer.id)]},
        headers=auth_headers(school),
    )
    [match] = invited.get_json()
    deliver(app, smtp)

    invitation = smtp.only(volunteer.email, "match_invited")
    assert invitation.message["Subject"] == f"School A invites you: {need.title}"
    assert f"{BASE}/matches/{match['id']}/accept" in invitation.links()
    assert f"{BASE}/matches/{match['id']}/decline" in invitation.links()
    assert "60 in Y9, Y10" in invitation.text  # a group size and year groups, never who
    assert "ID checked on arrival" in invitation.text
    assert_essential(invitation)

    accept = f"/api/v1/matches/{match['id']}/accept"
    assert client.post(accept, headers=auth_headers(volunteer)).status_code == 200
    deliver(app, smtp)
    answered = smtp.only(school.email, "match_answered")
    assert answered.message["Subject"] == f"Test volunteer has accepted: {need.title}"
    assert f"{BASE}/matches/{match['id']}" in answered.links()
    assert_unsubscribable(answered)

    withdraw = f"/api/v1/matches/{match['id']}/withdraw"
    assert client.post(withdraw, json={}, headers=auth_headers(volunteer)).status_code == 200
    deliver(app, smtp)
    kinds = [r.message["X-Engage-Kind"] for r in smtp.to(school.email)]
    assert kinds == ["match_answered", "match_answered"]
    assert "has withdrawn" in smtp.to(school.email)[1].message["Subject"]
    assert_no_pupil_data(smtp)


def test_a_decline_is_told_to_the_school_and_a_schools_withdrawal_to_nobody(
    app, client, session, world, auth_headers, smtp
):
    need = factories.need(session, world.a.school)
    other = factories.need(session, world.a.school, title="Mock interviews")
    school, volunteer = world.a.users[Role.SCHOOL_STAFF], world.a.users[Role.VOLUNTEER]
    declined = factories.match(session, need, world.a.volunteer, MatchStatus.INVITED)
    declined.invited_by_id = school.id
    withdrawn = factories.match(session, other, world.a.volunteer, MatchStatus.INVITED)
    withdrawn.invited_by_id = school.id
    session.commit()

    decline = f"/api/v1/matches/{declined.id}/decline"
    body = {"reason": "too_far"}
    assert client.post(decline, json=body, headers=auth_headers(volunteer)).status_code == 200
    withdraw = f"/api/v1/matches/{withdrawn.id}/withdraw"
    assert client.post(withdraw, json={}, headers=auth_headers(school)).status_code == 200
    deliver(app, smtp)

    message = smtp.only(school.email, "match_answered")
    assert "has declined" in message.message["Subject"]
    assert "Reason given: too far." in message.text
    assert smtp.to(volunteer.email) == []


def book(client, auth_headers, world, slot, **extra):
    return client.post(
        "/api/v1/bookings",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json={
            "slot_id": str(slot.id),
            "seats": 2,
            "year_group": 10,
            "staff_lead_name": "Ms Lead",
            "staff_lead_email": LEAD,
            "adjustments": "A wheelchair user",
            **extra,
        },
    )


def test_a_booking_is_requested_of_the_host_and_its_answer_told_to_the_staff_lead(
    app, client, session, world, auth_headers, smtp, pupils
):
    host = world.a.users[Role.EMPLOYER_STAFF]
    made = book(client, auth_headers, world, world.a.slot)
    assert made.status_code == 201
    booking_id = made.get_json()["id"]
    deliver(app, smtp)

    request = smtp.only(host.email, "booking_requested")
    assert "School A asks to book Behind the scenes at the depot" in request.message["Subject"]
    assert f"{BASE}/bookings/{booking_id}/confirm" in request.links()
    assert f"{BASE}/bookings/{booking_id}/decline" in request.links()
    assert "wheelchair" not in request.message.as_string()  # free text stays in Engage
    assert "noted adjustments" in request.text
    assert_unsubscribable(request)

    confirm = f"/api/v1/bookings/{booking_id}/confirm"
    assert client.post(confirm, headers=auth_headers(host)).status_code == 200
    deliver(app, smtp)
    decided = smtp.only(LEAD, "booking_decided")
    assert decided.message["Subject"].startswith("Employer A has confirmed your booking")
    assert "Sam Site" in decided.text
    assert_essential(decided)
    assert_no_pupil_data(smtp)


def test_a_declined_booking_frees_seats_for_the_waitlist_which_is_told(
    app, client, session, world, auth_headers, smtp
):
    host = world.a.users[Role.EMPLOYER_STAFF]
    full = factories.slot(session, world.a.offer, seats=2)
    session.commit()
    booking_id = book(client, auth_headers, world, full).get_json()["id"]
    waiting = client.post(
        f"/api/v1/slots/{full.id}/waitlist",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json={
            "seats": 2,
            "year_group": 9,
            "staff_lead_name": "Mr Wait",
            "staff_lead_email": "waiting.lead@school-a.example.org",
        },
    )
    assert waiting.status_code == 201, waiting.get_json()
    decline = f"/api/v1/bookings/{booking_id}/decline"
    assert client.post(decline, headers=auth_headers(host)).status_code == 200
    deliver(app, smtp)

    assert "has declined" in smtp.only(LEAD, "booking_decided").message["Subject"]
    offered = smtp.only("waiting.lead@school-a.example.org", "waitlist_offered")
    assert str(offered.message["Subject"]).strip().startswith("Seats freed for you")
    assert len([r for r in smtp.to(host.email) if "asks to book" in r.message["Subject"]]) == 2


def london(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo("Europe/London"))


def next_weekday(weekday: int, after: date | None = None) -> date:
    day = (after or london_today()) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def test_reminders_go_two_school_days_before_to_both_sides_once(app, session, world, smtp, pupils):
    visit_day = next_weekday(0, london_today() + timedelta(days=14))  # a Monday
    slot = factories.slot(session, world.a.offer, day=visit_day)
    booking = factories.booking(session, slot, world.a.school, status=BookingStatus.CONFIRMED)
    booking.staff_lead_email = LEAD
    need = factories.need(session, world.a.school, starts_on=visit_day, ends_on=visit_day)
    factories.match(
        session,
        need,
        world.a.volunteer,
        MatchStatus.SCHEDULED,
        invited_by_id=world.a.users[Role.SCHOOL_STAFF].id,
        scheduled_for=datetime.combine(visit_day, time(10, 15), ZoneInfo("Europe/London")),
    )
    session.commit()
    assert reminder_day(visit_day) == visit_day - timedelta(days=4)  # the Thursday before

    deliver(app, smtp, now=london(visit_day - timedelta(days=5)))  # Wednesday: too early
    assert smtp.received == []
    deliver(app, smtp, now=london(visit_day - timedelta(days=4)))
    deliver(app, smtp, now=london(visit_day - timedelta(days=3)))

    for address in (LEAD, world.a.users[Role.EMPLOYER_STAFF].email):
        reminder = smtp.only(address, "visit_reminder")
        assert reminder.message["Subject"].startswith("Reminder: Behind the scenes at the depot")
        assert "Arriving: Arrive by 09:30 at LS1 4DY" in reminder.text
        assert "risk assessment" in reminder.text
    # A staff lead without an account has no choices to change; the host's staff do.
    assert smtp.only(LEAD, "visit_reminder").message["List-Unsubscribe"] is None
    assert_unsubscribable(smtp.only(world.a.users[Role.EMPLOYER_STAFF].email, "visit_reminder"))
    for user in (world.a.users[Role.VOLUNTEER], world.a.users[Role.SCHOOL_STAFF]):
        reminder = smtp.only(user.email, "encounter_reminder")
        assert "at 10:15" in reminder.text
        assert "photo ID" in reminder.text
    assert_no_pupil_data(smtp)


def test_after_an_encounter_the_school_is_asked_for_its_checklist(app, session, world, smtp):
    day = next_weekday(2)  # a Wednesday ahead
    encounter = factories.encounter(
        session, world.a.school, on=day, employer_=world.a.employer, meaningful=False
    )
    booking = world.a.booking
    booking.staff_lead_email = LEAD
    encounter.source, encounter.booking_id = "booking", booking.id
    session.commit()

    deliver(app, smtp, now=london(day))
    assert smtp.to(LEAD) == []
    deliver(app, smtp, now=london(day + timedelta(days=1)))

    message = smtp.only(LEAD, "checklist_reminder")
    assert f"{BASE}/encounters/{encounter.id}/checklist" in message.links()
    smtp.only(world.a.users[Role.EMPLOYER_STAFF].email, "checklist_reminder")


def test_coordinators_get_a_weekly_digest_of_their_hub_on_monday_morning(
    app, client, session, world, auth_headers, smtp
):
    monday = next_weekday(0)
    coordinator = world.a.users[Role.COORDINATOR]
    deliver(app, smtp, now=london(monday, hour=6))
    assert smtp.to(coordinator.email) == []
    deliver(app, smtp, now=london(monday, hour=9))
    deliver(app, smtp, now=london(monday, hour=10))

    digest = smtp.only(coordinator.email, "weekly_digest")
    assert digest.message["Subject"] == "Hub A: your weekly summary"
    assert f"{BASE}/hubs/{world.a.hub.id}/report" in digest.links()
    assert_unsubscribable(digest)
    other = smtp.only(world.b.users[Role.COORDINATOR].email, "weekly_digest")
    assert other.message["Subject"] == "Hub B: your weekly summary"


def choose(client, auth_headers, user, delivery):
    headers = auth_headers(user)
    url = "/api/v1/me/notification-preferences"
    etag = client.get(url, headers=headers).headers["ETag"]
    return client.put(url, json={"delivery": delivery}, headers={**headers, "If-Match": etag})


def test_a_daily_digest_gathers_non_essential_news_and_essential_mail_still_goes_at_once(
    app, client, session, world, auth_headers, smtp
):
    host = world.a.users[Role.EMPLOYER_STAFF]
    assert choose(client, auth_headers, host, "daily_digest").status_code == 200
    book(client, auth_headers, world, world.a.slot)
    today = london_today()
    deliver(app, smtp, now=london(today, hour=5))
    assert smtp.to(host.email) == []
    held = session.scalars(select(Notification).where(Notification.user_id == host.id)).all()
    assert [n.status for n in held] == [NotificationStatus.HELD]

    tomorrow = today + timedelta(days=1)
    deliver(app, smtp, now=london(tomorrow, hour=8))
    deliver(app, smtp, now=london(tomorrow, hour=9))

    digest = smtp.only(host.email, "daily_digest")
    assert "School A asks to book" in digest.text
    assert_unsubscribable(digest)


def test_opting_out_stops_news_but_never_essential_mail(
    app, client, session, world, auth_headers, smtp
):
    volunteer = world.a.users[Role.VOLUNTEER]
    school = world.a.users[Role.SCHOOL_STAFF]
    assert choose(client, auth_headers, school, "off").status_code == 200
    assert choose(client, auth_headers, volunteer, "off").status_code == 200
    need = factories.need(session, world.a.school)
    session.commit()
    [match] = client.post(
        f"/api/v1/needs/{need.id}/invitations",
        json={"volunteer_ids": [str(world.a.volunteer.id)]},
        headers=auth_headers(school),
    ).get_json()
    deliver(app, smtp)
    client.post(f"/api/v1/matches/{match['id']}/accept", headers=auth_headers(volunteer))
    deliver(app, smtp)

    smtp.only(volunteer.email, "match_invited")  # essential: an invitation to answer
    assert smtp.to(school.email) == []  # news of the answer: opted out
    skipped = session.scalars(select(Notification.status).where(Notification.user_id == school.id))
    assert list(skipped) == [NotificationStatus.SKIPPED]


def test_one_click_unsubscribe_from_the_header_turns_news_off(
    app, client, session, world, auth_headers, smtp
):
    host = world.a.users[Role.EMPLOYER_STAFF]
    book(client, auth_headers, world, world.a.slot)
    deliver(app, smtp)
    url = smtp.only(host.email, "booking_requested").message["List-Unsubscribe"][1:-1]

    path = url.removeprefix("http://127.0.0.1:5000")
    response = client.post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 204
    session.expire_all()
    assert session.get(NotificationPreference, host.id).delivery is Delivery.OFF
    wrong = client.post(
        "/api/v1/notifications/unsubscribe?token=not-a-token",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert wrong.status_code == 404


def test_a_refused_address_is_recorded_and_never_tried_again(
    app, client, session, world, auth_headers, smtp
):
    smtp.handler.refuse.add(LEAD)
    host = world.a.users[Role.EMPLOYER_STAFF]
    first = book(client, auth_headers, world, world.a.slot).get_json()["id"]
    client.post(f"/api/v1/bookings/{first}/confirm", headers=auth_headers(host))
    deliver(app, smtp)
    second = factories.slot(session, world.a.offer, day=london_today() + timedelta(days=31))
    session.commit()
    again = book(client, auth_headers, world, second).get_json()["id"]
    client.post(f"/api/v1/bookings/{again}/confirm", headers=auth_headers(host))
    deliver(app, smtp)

    assert smtp.to(LEAD) == []
    assert session.get(RefusedAddress, LEAD).reason.startswith("550")
    statuses = session.scalars(select(Notification.status).where(Notification.email == LEAD))
    assert list(statuses) == [NotificationStatus.REFUSED, NotificationStatus.REFUSED]
    assert smtp.handler.refusals == 1  # the second was never offered to the server


def test_a_deferred_message_is_retried_later_and_then_arrives_once(
    app, client, session, world, auth_headers, smtp
):
    smtp.handler.defer.add(LEAD)
    host = world.a.users[Role.EMPLOYER_STAFF]
    booking_id = book(client, auth_headers, world, world.a.slot).get_json()["id"]
    client.post(f"/api/v1/bookings/{booking_id}/confirm", headers=auth_headers(host))
    deliver(app, smtp)
    deliver(app, smtp)  # not due again yet: the back-off holds it
    notification = session.scalar(select(Notification).where(Notification.email == LEAD))
    assert (notification.status, notification.attempts) == (NotificationStatus.PENDING, 1)
    assert notification.last_error.startswith("451")

    smtp.handler.defer.clear()
    deliver(app, smtp, now=datetime.now(UTC) + timedelta(minutes=1))

    smtp.only(LEAD, "booking_decided")
    session.expire_all()
    assert notification.status is NotificationStatus.SENT and notification.message is None
