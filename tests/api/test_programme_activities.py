"""What a planned activity becomes, through the API: a need, a request of an encounter
offer, or a booking found by the activity's booking search; each in one call, linked
back from the activity, and refused (changing nothing) when the activity cannot be it."""

from datetime import date, timedelta

from sqlalchemy import select

from models.base import london_today
from models.bookings import Booking
from models.needs import Need
from models.offer_requests import OfferRequest
from models.offers import OfferKind
from models.outbox import OutboxEvent
from models.programme import PartnerType
from models.users import Role
from services import school_years
from services.programme import half_term_dates
from tests import factories

NEXT = school_years.school_year_start(london_today()) + 1


def staff(world):
    return world.a.users[Role.SCHOOL_STAFF]


def url(activity, what: str = "") -> str:
    return f"/api/v1/programme-activities/{activity.id}" + (f"/{what}" if what else "")


def events(session, event_type: str) -> int:
    session.expire_all()
    return len(session.scalars(select(OutboxEvent).where(OutboxEvent.type == event_type)).all())


def test_a_planned_activity_becomes_a_need_in_one_call(client, world, auth_headers, session):
    plan = factories.programme_plan(session, world.a.school)
    activity = factories.programme_activity(
        session, plan, year_group=10, half_term=3, target_pupils=45, benchmarks=[2, 5]
    )
    session.commit()
    response = client.post(
        f"/api/v1/programme-activities/{activity.id}/need",
        json={"mode": "virtual"},
        headers=auth_headers(staff(world)),
    )
    assert response.status_code == 201, response.get_json()
    need = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/needs/{need['id']}")
    assert need["year_groups"] == [10] and need["pupils"] == 45 and need["benchmark"] == 5
    assert need["mode"] == "virtual" and need["activity_type"] == "careers_talk"
    assert need["starts_on"] == f"{NEXT + 1}-01-05" and need["ends_on"] == f"{NEXT + 1}-02-13"

    linked = client.get(
        f"/api/v1/programme-activities/{activity.id}", headers=auth_headers(staff(world))
    ).get_json()
    assert linked["need_id"] == need["id"] and linked["status"] == "requested"
    twice = client.post(
        f"/api/v1/programme-activities/{activity.id}/need",
        json={},
        headers=auth_headers(staff(world)),
    )
    assert twice.status_code == 409
    assert (
        session.scalar(
            select(OutboxEvent.id).where(OutboxEvent.type == "programme_activity.need_created")
        )
        is not None
    )


def test_an_in_school_activity_cannot_become_a_need(client, world, auth_headers, session):
    plan = factories.programme_plan(session, world.a.school)
    activity = factories.programme_activity(
        session, plan, benchmarks=[1], partner_type=PartnerType.NONE, activity_type=None
    )
    session.commit()
    response = client.post(
        f"/api/v1/programme-activities/{activity.id}/need",
        json={},
        headers=auth_headers(staff(world)),
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"partner_type", "activity_type", "benchmarks"}
    assert session.scalars(select(Need)).all() == []


def test_a_planned_activity_becomes_an_offer_request_in_one_call(
    client, world, auth_headers, session
):
    plan = factories.programme_plan(session, world.a.school)
    activity = factories.programme_activity(
        session, plan, year_group=10, target_pupils=40, notes="Two classes"
    )
    talk = factories.encounter_offer(session, world.a.employer)
    session.commit()
    day = factories.school_day(21)
    headers = auth_headers(staff(world))
    body = {"offer_id": str(talk.id), "date": day.isoformat(), "starts_at": "10:00"}

    response = client.post(
        url(activity, "offer-request"), json={**body, "ends_at": "11:00"}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    request = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/offer-requests/{request['id']}")
    assert (request["offer_id"], request["date"]) == (str(talk.id), day.isoformat())
    assert (request["year_groups"], request["pupils"], request["notes"]) == (
        [10],
        40,
        "Two classes",
    )
    linked = client.get(url(activity), headers=headers).get_json()
    assert linked["offer_request_id"] == request["id"] and linked["status"] == "requested"
    assert events(session, "programme_activity.offer_requested") == 1

    twice = client.post(url(activity, "need"), json={}, headers=headers)
    assert twice.status_code == 409  # an activity becomes one thing
    assert session.scalars(select(Need)).all() == []


def test_an_offer_request_the_offer_cannot_take_changes_nothing(
    client, world, auth_headers, session
):
    plan = factories.programme_plan(session, world.a.school)
    activity = factories.programme_activity(session, plan, year_group=7)  # the talk is Y9-Y11
    talk = factories.encounter_offer(session, world.a.employer)
    in_school = factories.programme_activity(session, plan, partner_type=PartnerType.NONE)
    session.commit()
    headers = auth_headers(staff(world))
    body = {
        "offer_id": str(talk.id),
        "date": factories.school_day(21).isoformat(),
        "starts_at": "10:00",
        "ends_at": "11:00",
    }

    refused = client.post(url(activity, "offer-request"), json=body, headers=headers)
    assert refused.status_code == 422
    assert "year_groups" in refused.get_json()["errors"]
    own_staff = client.post(url(in_school, "offer-request"), json=body, headers=headers)
    assert own_staff.status_code == 422
    assert set(own_staff.get_json()["errors"]) == {"partner_type"}
    assert session.scalars(select(OfferRequest)).all() == []
    assert client.get(url(activity), headers=headers).get_json()["status"] == "planned"


def workplace_world(session, world, plan=None):
    """A Y10 workplace-visit activity in half-term 2, and slots in and around it."""
    plan = plan or factories.programme_plan(session, world.a.school)
    activity = factories.programme_activity(
        session,
        plan,
        title="Site visit",
        year_group=10,
        half_term=2,
        benchmarks=[6],
        activity_type="workplace_visit_host",
        responsible_staff="Mr Lead",
        target_pupils=8,
    )
    first, last = half_term_dates(NEXT, 2)
    visit = factories.offer(session, world.a.employer)
    shadowing = factories.offer(session, world.a.employer, kind=OfferKind.JOB_SHADOWING)
    juniors = factories.offer(session, world.a.employer, year_groups=[7, 8])
    london = factories.offer(session, world.a.employer, latitude=51.5072, longitude=-0.1276)
    slots = {
        "late": factories.slot(session, visit, day=last),
        "early": factories.slot(session, visit, day=first),
        "london": factories.slot(session, london, day=first + timedelta(days=1)),
        "after": factories.slot(session, visit, day=date(last.year + 1, 1, 20)),
        "shadowing": factories.slot(session, shadowing, day=first),
        "juniors": factories.slot(session, juniors, day=first),
        "full": factories.slot(session, visit, day=first, seats=1),
    }
    slots["full"].booked = 1
    session.commit()
    return activity, slots


def test_a_planned_activity_searches_slots_and_books_one_in_one_call_each(
    client, world, auth_headers, session
):
    activity, slots = workplace_world(session, world)
    headers = auth_headers(staff(world))

    found = client.get(url(activity, "slots"), headers=headers)
    assert found.status_code == 200, found.get_json()
    assert [item["id"] for item in found.get_json()] == [
        str(slots[name].id) for name in ("early", "london", "late")
    ]
    near = client.get(url(activity, "slots"), headers=headers, query_string={"within_km": 30})
    assert [item["id"] for item in near.get_json()] == [
        str(slots[name].id) for name in ("early", "late")
    ]
    assert client.get(url(activity), headers=headers).get_json()["status"] == "planned"

    booked = client.post(
        url(activity, "booking"), json={"slot_id": str(slots["early"].id)}, headers=headers
    )
    assert booked.status_code == 201, booked.get_json()
    booking = booked.get_json()
    assert booked.headers["Location"].endswith(f"/api/v1/bookings/{booking['id']}")
    assert (booking["seats"], booking["year_group"], booking["staff_lead_name"]) == (
        8,
        10,
        "Mr Lead",
    )
    linked = client.get(url(activity), headers=headers).get_json()
    assert linked["booking_id"] == booking["id"] and linked["status"] == "requested"
    assert events(session, "programme_activity.booked") == 1
    again = client.post(
        url(activity, "booking"), json={"slot_id": str(slots["late"].id)}, headers=headers
    )
    assert again.status_code == 409
    assert session.scalars(select(Booking).where(Booking.slot_id == slots["late"].id)).all() == []


def test_an_activity_that_is_not_a_workplace_visit_is_not_booked(
    client, world, auth_headers, session
):
    plan = factories.programme_plan(session, world.a.school)
    talk = factories.programme_activity(session, plan)  # a careers talk: requested, not booked
    activity, slots = workplace_world(session, world, plan)
    activity.responsible_staff = None
    session.commit()
    headers = auth_headers(staff(world))

    search = client.get(url(talk, "slots"), headers=headers)
    assert search.status_code == 422 and set(search.get_json()["errors"]) == {"activity_type"}
    no_lead = client.post(
        url(activity, "booking"), json={"slot_id": str(slots["early"].id)}, headers=headers
    )
    assert no_lead.status_code == 422
    assert set(no_lead.get_json()["errors"]) == {"staff_lead_name"}
    too_far = client.get(url(activity, "slots"), headers=headers, query_string={"within_km": 0})
    assert too_far.status_code == 422
    assert session.scalars(select(Booking).where(Booking.slot_id == slots["early"].id)).all() == []
    assert client.get(url(activity), headers=headers).get_json()["booking_id"] is None
