"""Bookings through HTTP: exact seats, the lifecycle and its 409s, consent, waitlists,
partner apps, and the calendar feeds (idempotent retries: test_idempotency.py)."""

import threading
import uuid
from datetime import date, time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from models.base import london_today
from models.bookings import (
    Booking,
    BookingStatus,
    Slot,
    WaitlistEntry,
)
from models.offers import OfferKind
from models.outbox import OutboxEvent
from models.users import Role
from tests import factories

BOOKINGS = "/api/v1/bookings"


def request_body(slot, seats=2, **extra):
    return {
        "slot_id": str(slot.id),
        "seats": seats,
        "year_group": 10,
        "staff_lead_name": "Mr Lead",
        **extra,
    }


def waitlist_body(seats, **extra):
    return {"seats": seats, "year_group": 10, "staff_lead_name": "Mr Lead", **extra}


def events(session, event_type=None):
    query = select(OutboxEvent).order_by(OutboxEvent.position)
    if event_type:
        query = query.where(OutboxEvent.type == event_type)
    session.expire_all()
    return list(session.scalars(query))


def booked(session, slot) -> int:
    session.expire_all()
    return session.get(Slot, slot.id).booked


def school_headers(world, auth_headers, side="a"):
    return auth_headers(getattr(world, side).users[Role.SCHOOL_STAFF])


def employer_headers(world, auth_headers, side="a"):
    return auth_headers(getattr(world, side).users[Role.EMPLOYER_STAFF])


def test_a_school_books_seats_and_the_slot_counts_them(client, session, world, auth_headers):
    slot = world.a.slot  # 10 seats, 2 already held by school A's booking

    response = client.post(
        BOOKINGS,
        headers=school_headers(world, auth_headers),
        json=request_body(slot, seats=3, adjustments="Step-free access for one pupil"),
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "requested"
    assert body["school_id"] == str(world.a.school.id)
    assert body["adjustments"] == "Step-free access for one pupil"
    assert booked(session, slot) == 5
    [event] = events(session, "booking.requested")
    assert event.data["booking_id"] == body["id"]
    assert event.data["seats"] == 3


def test_a_full_slot_answers_409_slot_full_and_writes_nothing(client, session, world, auth_headers):
    response = client.post(
        BOOKINGS, headers=school_headers(world, auth_headers), json=request_body(world.a.slot, 9)
    )

    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.get_json()["type"] == "/problems/slot-full"
    assert booked(session, world.a.slot) == 2
    assert session.scalar(select(func.count()).select_from(Booking)) == 2
    assert events(session) == []


def test_the_per_school_cap_holds_across_bookings(client, session, world, auth_headers):
    world.a.slot.school_cap = 4
    session.commit()
    headers = school_headers(world, auth_headers)

    first = client.post(BOOKINGS, headers=headers, json=request_body(world.a.slot, 2))
    over = client.post(BOOKINGS, headers=headers, json=request_body(world.a.slot, 1))
    other_school = client.post(
        BOOKINGS,
        headers=auth_headers(world.platform_admin),
        json=request_body(world.a.slot, 3, school_id=str(world.b.school.id)),
    )

    assert first.status_code == 201
    assert over.status_code == 409
    assert over.get_json()["type"] == "/problems/school-cap-reached"
    assert other_school.status_code == 201
    assert booked(session, world.a.slot) == 7


def test_bookings_check_the_offer_the_year_group_and_the_school(
    client, session, world, auth_headers
):
    headers = school_headers(world, auth_headers)
    wrong_year = client.post(
        BOOKINGS, headers=headers, json=request_body(world.a.slot, year_group=7)
    )
    other_school = client.post(
        BOOKINGS, headers=headers, json=request_body(world.a.slot, school_id=str(world.b.school.id))
    )
    world.a.offer.risk_assessment_done = False
    session.commit()
    undeclared = client.post(BOOKINGS, headers=headers, json=request_body(world.a.slot))
    by_employer = client.post(
        BOOKINGS, headers=employer_headers(world, auth_headers), json=request_body(world.a.slot)
    )

    assert wrong_year.status_code == 422
    assert "year_group" in wrong_year.get_json()["errors"]
    assert other_school.status_code == 403
    assert undeclared.status_code == 409
    assert undeclared.get_json()["type"] == "/problems/offer-not-bookable"
    assert set(undeclared.get_json()["errors"]) == {"risk_assessment_done"}
    assert by_employer.status_code == 403
    assert booked(session, world.a.slot) == 2


def test_a_foreign_booking_is_404_and_lists_hold_only_ones_own(client, world, auth_headers):
    school_a = school_headers(world, auth_headers)
    employer_b = employer_headers(world, auth_headers, "b")

    assert client.get(f"{BOOKINGS}/{world.b.booking.id}", headers=school_a).status_code == 404
    assert client.get(f"{BOOKINGS}/{world.a.booking.id}", headers=employer_b).status_code == 404
    assert [b["id"] for b in client.get(BOOKINGS, headers=school_a).get_json()] == [
        str(world.a.booking.id)
    ]
    assert [b["id"] for b in client.get(BOOKINGS, headers=employer_b).get_json()] == [
        str(world.b.booking.id)
    ]
    volunteer = auth_headers(world.a.users[Role.VOLUNTEER])
    assert client.get(BOOKINGS, headers=volunteer).get_json() == []


def test_a_hub_coordinator_follows_its_schools_bookings_and_may_not_act(
    client, session, world, auth_headers
):
    coordinator_a = auth_headers(world.a.users[Role.COORDINATOR])
    own, foreign = f"{BOOKINGS}/{world.a.booking.id}", f"{BOOKINGS}/{world.b.booking.id}"

    assert [b["id"] for b in client.get(BOOKINGS, headers=coordinator_a).get_json()] == [
        str(world.a.booking.id)
    ]
    assert client.get(own, headers=coordinator_a).get_json()["school_id"] == str(world.a.school.id)
    assert client.get(foreign, headers=coordinator_a).status_code == 404
    cancelled = client.post(f"{own}/cancel", headers=coordinator_a, json={"reason": "Not mine"})
    assert cancelled.status_code == 403
    assert session.get(Booking, world.a.booking.id).status is BookingStatus.REQUESTED
    assert booked(session, world.a.slot) == 2


def test_the_host_confirms_and_the_visit_is_completed_after_it_happens(
    client, session, world, auth_headers
):
    url = f"{BOOKINGS}/{world.a.booking.id}"
    employer = employer_headers(world, auth_headers)

    by_school = client.post(f"{url}/confirm", headers=school_headers(world, auth_headers))
    confirmed = client.post(f"{url}/confirm", headers=employer)
    too_early = client.post(f"{url}/complete", headers=employer)
    world.a.slot.date = london_today() - timedelta(days=1)
    session.commit()
    completed = client.post(f"{url}/complete", headers=employer)

    assert by_school.status_code == 403
    assert confirmed.status_code == 200
    assert confirmed.get_json()["status"] == "confirmed"
    assert too_early.status_code == 409
    assert completed.get_json()["status"] == "completed"
    assert [e.type for e in events(session)] == [
        "booking.confirmed",
        "booking.completed",
        "encounter.recorded",  # the visit's encounter, for the school's records
    ]


def test_declining_and_cancelling_return_the_seats(client, session, world, auth_headers):
    school = school_headers(world, auth_headers)
    second = client.post(BOOKINGS, headers=school, json=request_body(world.a.slot, 3)).get_json()

    declined = client.post(
        f"{BOOKINGS}/{second['id']}/decline", headers=employer_headers(world, auth_headers)
    )
    no_reason = client.post(f"{BOOKINGS}/{world.a.booking.id}/cancel", headers=school, json={})
    cancelled = client.post(
        f"{BOOKINGS}/{world.a.booking.id}/cancel",
        headers=school,
        json={"reason": "Exam timetable moved"},
    )

    assert declined.get_json()["status"] == "declined"
    assert no_reason.status_code == 422
    body = cancelled.get_json()
    assert (body["status"], body["cancelled_by"], body["cancel_reason"]) == (
        "cancelled",
        "school",
        "Exam timetable moved",
    )
    assert booked(session, world.a.slot) == 0
    types = [e.type for e in events(session)]
    assert types == ["booking.requested", "booking.declined", "booking.cancelled"]


def test_the_host_cancels_too_and_is_recorded_as_cancelling(client, world, auth_headers):
    response = client.post(
        f"{BOOKINGS}/{world.a.booking.id}/cancel",
        headers=employer_headers(world, auth_headers),
        json={"reason": "Site closed for repairs"},
    )
    assert response.get_json()["cancelled_by"] == "employer"


IMPOSSIBLE = [
    # (status the booking is in, the transition tried)
    (BookingStatus.CONFIRMED, "confirm"),
    (BookingStatus.CONFIRMED, "decline"),
    (BookingStatus.REQUESTED, "complete"),
    (BookingStatus.DECLINED, "confirm"),
    (BookingStatus.DECLINED, "decline"),
    (BookingStatus.DECLINED, "cancel"),
    (BookingStatus.DECLINED, "complete"),
    (BookingStatus.DECLINED, "consent"),
    (BookingStatus.CANCELLED, "confirm"),
    (BookingStatus.CANCELLED, "decline"),
    (BookingStatus.CANCELLED, "cancel"),
    (BookingStatus.CANCELLED, "complete"),
    (BookingStatus.CANCELLED, "consent"),
    (BookingStatus.COMPLETED, "confirm"),
    (BookingStatus.COMPLETED, "decline"),
    (BookingStatus.COMPLETED, "cancel"),
    (BookingStatus.COMPLETED, "complete"),
    (BookingStatus.COMPLETED, "consent"),
]


@pytest.mark.parametrize(("status", "transition"), IMPOSSIBLE)
def test_every_impossible_transition_is_409(
    client, session, world, auth_headers, status, transition
):
    booking = factories.booking(session, world.a.slot, world.a.school, status=status)
    world.a.slot.date = london_today() - timedelta(days=1)  # so `complete` is not early
    session.commit()
    caller = world.a.users[Role.SCHOOL_STAFF if transition == "consent" else Role.EMPLOYER_STAFF]
    seats_before = booked(session, world.a.slot)

    response = client.post(
        f"{BOOKINGS}/{booking.id}/{transition}",
        headers=auth_headers(caller),
        json={"reason": "Because"} if transition == "cancel" else None,
    )

    assert response.status_code == 409, response.get_json()
    problem = response.get_json()
    assert (problem["type"], problem["title"]) == (
        "/problems/invalid-transition",
        "Invalid transition",
    )
    if transition != "consent":  # said in plain English: "cannot be confirmed", not "confirmd"
        past = {"cancel": "cancelled", "confirm": "confirmed", "decline": "declined"}
        done = past.get(transition, "completed")
        assert problem["detail"] == f"A {status.value} booking cannot be {done}."
    assert booked(session, world.a.slot) == seats_before
    assert events(session) == []


def test_a_placement_cannot_be_confirmed_without_parental_consent(
    client, session, world, auth_headers
):
    placement = factories.offer(session, world.a.employer, kind=OfferKind.WORK_EXPERIENCE)
    slot = factories.slot(session, placement, seats=4)
    session.commit()
    school, employer = school_headers(world, auth_headers), employer_headers(world, auth_headers)
    booking = client.post(BOOKINGS, headers=school, json=request_body(slot, 1)).get_json()
    url = f"{BOOKINGS}/{booking['id']}"

    refused = client.post(f"{url}/confirm", headers=employer)
    by_employer = client.post(f"{url}/consent", headers=employer)
    consent = client.post(f"{url}/consent", headers=school)
    again = client.post(f"{url}/consent", headers=school)
    confirmed = client.post(f"{url}/confirm", headers=employer)

    assert refused.status_code == 409
    assert refused.get_json()["type"] == "/problems/parental-consent-required"
    assert by_employer.status_code == 403
    assert consent.get_json()["parental_consent_recorded"] is True
    assert again.status_code == 409
    assert confirmed.get_json()["status"] == "confirmed"


def test_freed_seats_go_to_the_waitlist_in_order(client, session, world, auth_headers):
    slot = world.a.slot  # 10 seats, 2 held by school A
    admin = auth_headers(world.platform_admin)
    school_a, school_b = (
        school_headers(world, auth_headers),
        school_headers(world, auth_headers, "b"),
    )
    filler = client.post(
        BOOKINGS, headers=admin, json=request_body(slot, 8, school_id=str(world.b.school.id))
    ).get_json()
    waitlist = f"/api/v1/slots/{slot.id}/waitlist"

    first = client.post(waitlist, headers=school_a, json=waitlist_body(3))
    second = client.post(waitlist, headers=school_b, json=waitlist_body(1))
    # 2 seats come free: too few for the first in line, and the second may not jump it.
    client.post(
        f"{BOOKINGS}/{world.a.booking.id}/cancel", headers=school_a, json={"reason": "Clash"}
    )
    session.expire_all()
    after_two_freed = [
        e.status.value
        for e in session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.position))
    ]
    client.post(f"{BOOKINGS}/{filler['id']}/cancel", headers=admin, json={"reason": "Trip off"})
    session.expire_all()
    entries = list(session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.position)))

    assert (first.status_code, second.status_code) == (201, 201)
    assert [first.get_json()["position"], second.get_json()["position"]] == [1, 2]
    assert after_two_freed == ["waiting", "waiting"]
    assert [e.status.value for e in entries] == ["offered", "offered"]
    offered_bookings = [session.get(Booking, e.booking_id) for e in entries]
    assert [(b.school_id, b.seats, b.from_waitlist) for b in offered_bookings] == [
        (world.a.school.id, 3, True),
        (world.b.school.id, 1, True),
    ]
    assert booked(session, slot) == 4
    offered = events(session, "waitlist.offered")
    assert [e.data["position"] for e in offered] == [1, 2]


def start_today_at_midnight(session, slot):
    """Move the slot to today at 00:00 London: it has started, whatever the time now."""
    slot.date, slot.starts_at, slot.ends_at = london_today(), time(0, 0), time(0, 30)
    session.commit()


def test_a_slot_that_has_started_takes_no_booking_and_no_waitlist(
    client, session, world, auth_headers
):
    start_today_at_midnight(session, world.a.slot)
    headers = school_headers(world, auth_headers)

    booking = client.post(BOOKINGS, headers=headers, json=request_body(world.a.slot))
    waiting = client.post(
        f"/api/v1/slots/{world.a.slot.id}/waitlist", headers=headers, json=waitlist_body(9)
    )

    for refused in (booking, waiting):
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["type"] == "/problems/offer-not-bookable"
        assert list(refused.get_json()["errors"]) == ["slot_id"]
    assert booked(session, world.a.slot) == 2
    assert session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0
    assert events(session) == []


def test_seats_freed_after_the_start_are_not_booked_for_the_waitlist(
    client, session, world, auth_headers
):
    slot = world.a.slot  # 10 seats, 2 held by school A
    admin = auth_headers(world.platform_admin)
    client.post(
        BOOKINGS, headers=admin, json=request_body(slot, 8, school_id=str(world.b.school.id))
    )
    waitlist = f"/api/v1/slots/{slot.id}/waitlist"
    joined = client.post(
        waitlist, headers=school_headers(world, auth_headers, "b"), json=waitlist_body(2)
    )
    start_today_at_midnight(session, slot)

    cancelled = client.post(
        f"{BOOKINGS}/{world.a.booking.id}/cancel",
        headers=school_headers(world, auth_headers),
        json={"reason": "Coach broke down"},
    )

    assert joined.status_code == 201
    assert cancelled.status_code == 200, cancelled.get_json()
    assert booked(session, slot) == 8
    [entry] = session.scalars(select(WaitlistEntry))
    assert entry.status.value == "waiting"
    assert events(session, "waitlist.offered") == []


def test_the_waitlist_is_for_full_slots_and_a_school_may_leave_it(
    client, session, world, auth_headers
):
    school = school_headers(world, auth_headers)
    waitlist = f"/api/v1/slots/{world.a.slot.id}/waitlist"

    not_full = client.post(waitlist, headers=school, json=waitlist_body(2))
    joined = client.post(waitlist, headers=school, json=waitlist_body(9)).get_json()
    host_view = client.get(waitlist, headers=employer_headers(world, auth_headers)).get_json()
    left = client.delete(f"/api/v1/waitlist/{joined['id']}", headers=school)
    again = client.delete(f"/api/v1/waitlist/{joined['id']}", headers=school)

    assert not_full.status_code == 409
    assert not_full.get_json()["type"] == "/problems/seats-available"
    assert [e["id"] for e in host_view] == [joined["id"]]
    assert left.status_code == 204
    assert again.status_code == 409


def test_a_partner_app_with_bookings_write_books_for_its_school(
    client, session, world, auth_headers
):
    app_client = factories.api_client(
        session, world.a.school.id, ["offers:read", "bookings:read", "bookings:write"]
    )
    read_only = factories.api_client(session, world.a.school.id, ["offers:read"])
    session.commit()

    def token(registered):
        answer = client.post(
            "/api/v1/auth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": registered.client_id,
                "client_secret": factories.CLIENT_SECRET,
            },
        )
        return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}

    headers = token(app_client)
    found = client.get("/api/v1/slots", headers=headers, query_string={"near": "LS1 4DY"})
    made = client.post(
        BOOKINGS, headers={**headers, "Idempotency-Key": "mis-1"}, json=request_body(world.a.slot)
    )
    refused = client.post(BOOKINGS, headers=token(read_only), json=request_body(world.a.slot))

    assert made.status_code == 201, made.get_json()
    assert refused.status_code == 403
    read = client.get(f"{BOOKINGS}/{made.get_json()['id']}", headers=headers)
    assert read.get_json()["school_id"] == str(world.a.school.id)
    session.expire_all()
    assert session.get(Booking, uuid.UUID(made.get_json()["id"])).created_by_client_id == (
        app_client.id
    )
    assert found.status_code in (200, 422)  # LS1 4DY is geocoded when the postcode is loaded


# --- exact capacity under concurrency -------------------------------------------------


def test_racing_requests_take_exactly_the_seats_left(app, session, world, auth_headers):
    """Many threads, each with its own client (so its own session and connection), race for
    the last seats of one slot through the app."""
    slot = factories.slot(session, world.a.offer, seats=5)
    session.commit()
    slot_id = slot.id
    headers = school_headers(world, auth_headers)
    threads_count = 16
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    lock = threading.Lock()

    def race():
        client = app.test_client()
        barrier.wait()
        response = client.post(BOOKINGS, headers=headers, json=request_body(slot, 1))
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=race) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] * 5 + [409] * (threads_count - 5)
    session.expire_all()
    held = session.scalar(
        select(func.sum(Booking.seats)).where(
            Booking.slot_id == slot_id, Booking.status == BookingStatus.REQUESTED
        )
    )
    assert session.get(Slot, slot_id).booked == held == 5


# --- calendars ------------------------------------------------------------------------


def clocks_go_forward(year: int) -> date:
    """The last Sunday in March: British Summer Time starts at 01:00 UTC."""
    last = date(year, 3, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def test_calendar_feeds_list_confirmed_visits_in_london_time(client, session, world, auth_headers):
    change_day = clocks_go_forward(london_today().year + 1)
    on_change = factories.slot(
        session, world.a.offer, day=change_day, starts_at=time(10, 0), ends_at=time(12, 0)
    )
    day_before = factories.slot(
        session,
        world.a.offer,
        day=change_day - timedelta(days=1),
        starts_at=time(10, 0),
        ends_at=time(12, 0),
    )
    first = factories.booking(session, on_change, world.a.school, status=BookingStatus.CONFIRMED)
    second = factories.booking(session, day_before, world.a.school, status=BookingStatus.CONFIRMED)
    session.commit()  # world.a.booking stays requested: not in the calendar

    created = client.put(
        f"/api/v1/schools/{world.a.school.id}/calendar-feed",
        headers=school_headers(world, auth_headers),
    )
    feed_url = created.get_json()["url"]
    response = client.get(feed_url)

    assert created.status_code == 201
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    visits = {e["UID"]: e for e in calendar.walk("VEVENT")}
    assert set(visits) == {f"booking-{first.id}@engage", f"booking-{second.id}@engage"}
    after = visits[f"booking-{first.id}@engage"]["DTSTART"].dt
    before = visits[f"booking-{second.id}@engage"]["DTSTART"].dt
    assert str(after.tzinfo) == "Europe/London"
    assert (after.hour, after.utcoffset()) == (10, timedelta(hours=1))  # BST: 09:00 UTC
    assert (before.hour, before.utcoffset()) == (10, timedelta(0))  # GMT: 10:00 UTC
    assert b"TZID=Europe/London" in response.data


def test_an_employer_feed_shows_its_hosted_visits(client, session, world, auth_headers):
    world.a.booking.status = BookingStatus.CONFIRMED
    session.commit()
    created = client.put(
        f"/api/v1/employers/{world.a.employer.id}/calendar-feed",
        headers=employer_headers(world, auth_headers),
    ).get_json()

    calendar = icalendar.Calendar.from_ical(client.get(created["url"]).data)

    [visit] = calendar.walk("VEVENT")
    assert visit["UID"] == f"booking-{world.a.booking.id}@engage"
    assert "School A" in str(visit["SUMMARY"])


def test_rotating_or_revoking_a_feed_stops_the_old_url(client, world, auth_headers):
    headers = school_headers(world, auth_headers)
    url = f"/api/v1/schools/{world.a.school.id}/calendar-feed"
    old = client.put(url, headers=headers).get_json()["url"]
    new = client.put(url, headers=headers).get_json()["url"]

    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.delete(url, headers=headers).status_code == 204
    gone = client.get(new)
    assert gone.status_code == 404
    assert gone.content_type == "application/problem+json"
    assert client.get("/api/v1/calendars/not-a-token.ics").status_code == 404
