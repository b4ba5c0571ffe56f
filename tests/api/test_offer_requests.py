"""Schools request encounter offers; employers and providers answer; either side cancels."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from models.base import london_today
from models.encounters import Encounter, EncounterSource
from models.needs import Frequency
from models.offer_requests import OfferRequest
from models.offers import OfferKind
from models.outbox import OutboxEvent
from models.users import Role
from tests import factories
from tests.factories import school_day

REQUESTS = "/api/v1/offer-requests"


def request_body(offer, **changes):
    body = {
        "offer_id": str(offer.id),
        "date": school_day().isoformat(),
        "starts_at": "10:00",
        "ends_at": "11:00",
        "year_groups": [10],
        "pupils": 60,
    }
    return {**body, **changes}


def headers_of(world, auth_headers, role, side="a"):
    return auth_headers(getattr(world, side).users[role])


def requested(client, world, auth_headers, offer, side="a") -> str:
    """The id of the request the side's school makes for the offer."""
    headers = headers_of(world, auth_headers, Role.SCHOOL_STAFF, side)
    return client.post(REQUESTS, headers=headers, json=request_body(offer)).get_json()["id"]


def events(session, prefix="offer_request."):
    query = select(OutboxEvent.type).where(OutboxEvent.type.startswith(prefix))
    return list(session.scalars(query.order_by(OutboxEvent.position)))


def test_a_school_requests_and_the_employer_accepts_naming_a_volunteer(
    client, session, world, auth_headers
):
    offer = factories.encounter_offer(session, world.a.employer)
    session.commit()
    school = headers_of(world, auth_headers, Role.SCHOOL_STAFF)
    employer = headers_of(world, auth_headers, Role.EMPLOYER_STAFF)

    made = client.post(REQUESTS, headers=school, json=request_body(offer, year_groups=[10, 11]))
    request_id = made.get_json()["id"]
    listed = client.get(REQUESTS, headers=employer).get_json()
    accepted = client.post(
        f"{REQUESTS}/{request_id}/accept",
        headers=employer,
        json={"volunteer_ids": [str(world.a.volunteer.id)]},
    )

    assert made.status_code == 201
    assert made.get_json()["status"] == "requested"
    assert [r["id"] for r in listed] == [request_id]
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "scheduled"
    assert accepted.get_json()["volunteer_ids"] == [str(world.a.volunteer.id)]
    encounter = session.scalar(select(Encounter).where(Encounter.school_id == world.a.school.id))
    assert encounter.source is EncounterSource.REQUEST
    assert (encounter.benchmark, encounter.employer_id) == (5, world.a.employer.id)
    assert encounter.occurred_on == school_day()
    assert encounter.head_counts == {"10": 30, "11": 30}
    assert encounter.volunteer_ids == [world.a.volunteer.id]
    assert session.get(OfferRequest, uuid.UUID(request_id)).encounter_id == encounter.id
    assert events(session) == ["offer_request.requested", "offer_request.scheduled"]


def test_a_proposal_is_taken_or_turned_down_by_the_school(client, session, world, auth_headers):
    offer = factories.encounter_offer(session, world.a.employer)
    session.commit()
    school = headers_of(world, auth_headers, Role.SCHOOL_STAFF)
    employer = headers_of(world, auth_headers, Role.EMPLOYER_STAFF)
    later = school_day(21).isoformat()
    proposal = {
        "date": later,
        "starts_at": "13:00",
        "ends_at": "14:00",
        "volunteer_ids": [str(world.a.volunteer.id)],
        "note": "We are at a trade show that week.",
    }

    first = client.post(REQUESTS, headers=school, json=request_body(offer)).get_json()["id"]
    proposed = client.post(f"{REQUESTS}/{first}/propose", headers=employer, json=proposal)
    own_proposal = client.post(f"{REQUESTS}/{first}/accept", headers=employer, json={})
    taken = client.post(f"{REQUESTS}/{first}/accept", headers=school, json={})
    second = client.post(REQUESTS, headers=school, json=request_body(offer)).get_json()["id"]
    client.post(f"{REQUESTS}/{second}/propose", headers=employer, json=proposal)
    turned_down = client.post(
        f"{REQUESTS}/{second}/decline", headers=school, json={"reason": "Mocks that week"}
    )

    assert proposed.status_code == 200
    assert proposed.get_json()["status"] == "proposed"
    assert own_proposal.status_code == 409  # a proposal is the school's to take
    assert taken.status_code == 200
    assert (taken.get_json()["status"], taken.get_json()["date"]) == ("scheduled", later)
    assert taken.get_json()["starts_at"] == "13:00"
    assert turned_down.get_json()["status"] == "declined"
    assert events(session).count("offer_request.proposed") == 2


def test_declines_cancels_and_impossible_transitions(client, session, world, auth_headers):
    offer = factories.encounter_offer(session, world.a.employer)
    session.commit()
    school = headers_of(world, auth_headers, Role.SCHOOL_STAFF)
    employer = headers_of(world, auth_headers, Role.EMPLOYER_STAFF)
    coordinator = headers_of(world, auth_headers, Role.COORDINATOR)
    volunteers = {"volunteer_ids": [str(world.a.volunteer.id)]}

    declined = client.post(REQUESTS, headers=school, json=request_body(offer)).get_json()["id"]
    school_accepts_own = client.post(f"{REQUESTS}/{declined}/accept", headers=school, json={})
    coordinator_declines = client.post(
        f"{REQUESTS}/{declined}/decline", headers=coordinator, json={"reason": "No"}
    )
    decline = client.post(
        f"{REQUESTS}/{declined}/decline", headers=employer, json={"reason": "Fully booked"}
    )
    accept_declined = client.post(
        f"{REQUESTS}/{declined}/accept", headers=employer, json=volunteers
    )
    scheduled = client.post(REQUESTS, headers=school, json=request_body(offer)).get_json()["id"]
    client.post(f"{REQUESTS}/{scheduled}/accept", headers=employer, json=volunteers)
    decline_scheduled = client.post(
        f"{REQUESTS}/{scheduled}/decline", headers=employer, json={"reason": "Changed our mind"}
    )
    cancel = client.post(
        f"{REQUESTS}/{scheduled}/cancel", headers=employer, json={"reason": "Speaker is ill"}
    )
    cancel_again = client.post(
        f"{REQUESTS}/{scheduled}/cancel", headers=school, json={"reason": "Again"}
    )

    assert school_accepts_own.status_code == 403
    assert coordinator_declines.status_code == 403
    assert decline.get_json()["status"] == "declined"
    assert decline.get_json()["response_note"] == "Fully booked"
    assert accept_declined.status_code == decline_scheduled.status_code == 409
    assert accept_declined.get_json()["type"].endswith("invalid-transition")
    assert cancel.get_json()["status"] == "cancelled"
    assert cancel.get_json()["cancelled_by"] == "partner"
    assert cancel_again.status_code == 409
    assert session.scalar(select(func.count()).select_from(Encounter)) == 0  # went with it
    assert events(session)[-1] == "offer_request.cancelled"


def test_acceptance_checks_each_volunteer_for_safeguarding(client, session, world, auth_headers):
    """Unsupervised weekly mentoring is regulated activity: an enhanced DBS check with the
    barred list is needed; a supervised talk needs none."""
    mentoring = factories.encounter_offer(
        session,
        world.a.employer,
        kind=OfferKind.MENTORING,
        supervised=False,
        frequency=Frequency.WEEKLY,
    )
    unchecked = factories.volunteer(session, world.a.employer, dbs_enhanced=False)
    session.commit()
    school = headers_of(world, auth_headers, Role.SCHOOL_STAFF)
    employer = headers_of(world, auth_headers, Role.EMPLOYER_STAFF)
    request_id = client.post(REQUESTS, headers=school, json=request_body(mentoring)).get_json()[
        "id"
    ]

    refused = client.post(
        f"{REQUESTS}/{request_id}/accept",
        headers=employer,
        json={"volunteer_ids": [str(unchecked.id), str(world.a.volunteer.id)]},
    )
    accepted = client.post(
        f"{REQUESTS}/{request_id}/accept",
        headers=employer,
        json={"volunteer_ids": [str(world.a.volunteer.id)]},
    )

    assert refused.status_code == 409
    assert list(refused.get_json()["errors"]) == [str(unchecked.id)]
    assert refused.get_json()["errors"][str(unchecked.id)] == [
        "Safeguarding: enhanced_dbs_with_barred_list required; no enhanced DBS check on record."
    ]
    assert accepted.status_code == 200


def test_requests_fit_the_offer_the_travel_radius_and_the_school_day(
    client, session, world, auth_headers
):
    near = factories.encounter_offer(session, world.a.employer, travel_radius_km=5)
    far_base = factories.encounter_offer(
        session, world.a.employer, latitude=53.4835, longitude=-2.2312, postcode="M1 1AE"
    )
    session.commit()
    school = headers_of(world, auth_headers, Role.SCHOOL_STAFF)

    too_far = client.post(REQUESTS, headers=school, json=request_body(far_base))
    online = client.post(REQUESTS, headers=school, json=request_body(far_base, mode="virtual"))
    early = client.post(REQUESTS, headers=school, json=request_body(near, starts_at="07:00"))
    weekend = london_today() + timedelta(days=(5 - london_today().weekday()) % 7 + 7)
    saturday = client.post(REQUESTS, headers=school, json=request_body(near, date=str(weekend)))
    wrong_year = client.post(REQUESTS, headers=school, json=request_body(near, year_groups=[7]))
    too_many = client.post(REQUESTS, headers=school, json=request_body(near, pupils=500))
    workplace = client.post(REQUESTS, headers=school, json=request_body(world.a.offer))

    assert too_far.status_code == 409
    assert "travel 20 km" in too_far.get_json()["detail"]
    assert online.status_code == 201
    assert early.status_code == 422 and set(early.get_json()["errors"]) == {"starts_at"}
    assert saturday.status_code == 422 and set(saturday.get_json()["errors"]) == {"date"}
    assert set(wrong_year.get_json()["errors"]) == {"year_groups"}
    assert set(too_many.get_json()["errors"]) == {"pupils"}
    assert workplace.status_code == 409
    assert session.scalar(select(func.count()).select_from(OfferRequest)) == 1


def test_a_partner_app_retries_with_an_idempotency_key(client, session, world, auth_headers):
    offer = factories.encounter_offer(session, world.a.employer)
    app = factories.api_client(session, world.a.school.id, ["offer_requests:write"])
    session.commit()
    token = client.post(
        "/api/v1/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": factories.CLIENT_SECRET,
        },
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "order-77"}

    first = client.post(REQUESTS, headers=headers, json=request_body(offer))
    retry = client.post(REQUESTS, headers=headers, json=request_body(offer))
    other = client.post(REQUESTS, headers=headers, json=request_body(offer, pupils=30))

    assert first.status_code == retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert other.status_code == 422
    assert session.scalar(select(func.count()).select_from(OfferRequest)) == 1
    assert events(session) == ["offer_request.requested"]


def test_each_side_sees_only_its_own_requests(client, session, world, auth_headers):
    offer = factories.encounter_offer(session, world.a.employer)
    session.commit()
    made = requested(client, world, auth_headers, offer)

    def seen(role, side="a"):
        return client.get(f"{REQUESTS}/{made}", headers=headers_of(world, auth_headers, role, side))

    assert seen(Role.COORDINATOR).status_code == 200
    assert seen(Role.EMPLOYER_STAFF).status_code == 200
    assert seen(Role.VOLUNTEER).status_code == 404
    assert seen(Role.SCHOOL_STAFF, "b").status_code == 404
    assert seen(Role.EMPLOYER_STAFF, "b").status_code == 404
    assert (
        client.get(
            REQUESTS, headers=headers_of(world, auth_headers, Role.EMPLOYER_STAFF, "b")
        ).get_json()
        == []
    )


def test_requests_from_the_schools_an_offer_aims_at_rank_first_for_its_partner(
    client, session, world, auth_headers
):
    world.a.school.combined_authority = "West Yorkshire"
    world.b.school.combined_authority = None
    world.b.school.percentage_fsm = 10.0
    offer = factories.encounter_offer(
        session, world.a.employer, target_combined_authorities=["West Yorkshire"]
    )
    session.commit()
    aimed_at = requested(client, world, auth_headers, offer)
    other = requested(client, world, auth_headers, offer, side="b")

    partner = client.get(REQUESTS, headers=headers_of(world, auth_headers, Role.EMPLOYER_STAFF))
    school = client.get(REQUESTS, headers=headers_of(world, auth_headers, Role.SCHOOL_STAFF, "b"))

    assert [(r["id"], r["targeted"]) for r in partner.get_json()] == [
        (aimed_at, "aimed at schools in West Yorkshire (combined authority)"),
        (other, None),
    ]
    assert [r["id"] for r in school.get_json()] == [other]  # newest first, as before
