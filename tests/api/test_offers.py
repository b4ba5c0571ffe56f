"""Offers and slots through HTTP: the host's declarations gate publishing, slots keep their
seats above those booked, and schools search slots near them."""

from datetime import time, timedelta

from models.base import london_today
from models.offers import OfferKind, OfferStatus
from models.users import Role
from tests import factories

OFFERS = "/api/v1/offers"


def employer_headers(world, auth_headers, side="a"):
    return auth_headers(getattr(world, side).users[Role.EMPLOYER_STAFF])


def test_an_offer_is_published_only_when_every_declaration_holds(
    client, world, places, auth_headers
):
    headers = employer_headers(world, auth_headers)
    draft = client.post(
        OFFERS,
        headers=headers,
        json={
            "kind": "work_experience",
            "title": "A week on site",
            "postcode": "ls1 4dy",
            "year_groups": [10],
            "sectors": ["F"],
            "day_length_hours": 9,
        },
    ).get_json()

    refused = client.post(f"{OFFERS}/{draft['id']}/publish", headers=headers)
    etag = client.get(f"{OFFERS}/{draft['id']}", headers=headers).headers["ETag"]
    declared = client.patch(
        f"{OFFERS}/{draft['id']}",
        headers={**headers, "If-Match": etag},
        json={
            "risk_assessment_done": True,
            "liability_insurance": True,
            "named_supervisor": "Priya Patel",
            "day_length_hours": 7.5,
        },
    )
    published = client.post(f"{OFFERS}/{draft['id']}/publish", headers=headers)

    assert draft["status"] == "draft"
    assert draft["postcode"] == "LS1 4DY"
    assert refused.status_code == 409
    problem = refused.get_json()
    assert problem["type"] == "/problems/offer-not-bookable"
    assert set(problem["errors"]) == {
        "risk_assessment_done",
        "liability_insurance",
        "named_supervisor",
        "day_length_hours",
    }
    assert "8 hours" in problem["errors"]["day_length_hours"][0]
    assert declared.status_code == 200
    assert declared.get_json()["missing_declarations"] == {}
    assert published.get_json()["status"] == "published"


def test_a_published_offer_cannot_drop_a_declaration(client, world, auth_headers):
    headers = employer_headers(world, auth_headers)
    url = f"{OFFERS}/{world.a.offer.id}"
    etag = client.get(url, headers=headers).headers["ETag"]

    response = client.patch(
        url, headers={**headers, "If-Match": etag}, json={"liability_insurance": False}
    )
    stale = client.patch(url, headers={**headers, "If-Match": '"stale"'}, json={"title": "X"})
    no_etag = client.patch(url, headers=headers, json={"title": "X"})

    assert response.status_code == 409
    assert set(response.get_json()["errors"]) == {"liability_insurance"}
    assert stale.status_code == 412
    assert no_etag.status_code == 428


def test_drafts_are_seen_only_by_their_employer(client, session, world, auth_headers):
    draft = factories.offer(session, world.a.employer, status=OfferStatus.DRAFT)
    session.commit()

    own = client.get(f"{OFFERS}/{draft.id}", headers=employer_headers(world, auth_headers))
    other = client.get(f"{OFFERS}/{draft.id}", headers=employer_headers(world, auth_headers, "b"))
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    listed = [o["id"] for o in client.get(OFFERS, headers=school).get_json()]

    assert own.status_code == 200
    assert other.status_code == 404
    assert str(draft.id) not in listed
    assert str(world.b.offer.id) in listed


def test_server_owned_offer_fields_are_refused(client, world, auth_headers):
    response = client.post(
        OFFERS,
        headers=employer_headers(world, auth_headers),
        json={"kind": "workplace_visit", "title": "T", "status": "published"},
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"status"}


def test_slots_are_checked_and_keep_seats_above_those_booked(client, session, world, auth_headers):
    headers = employer_headers(world, auth_headers)
    future = (london_today() + timedelta(days=20)).isoformat()
    slots = f"{OFFERS}/{world.a.offer.id}/slots"

    created = client.post(
        slots,
        headers=headers,
        json={
            "date": future,
            "starts_at": "09:00",
            "ends_at": "15:30",
            "seats": 12,
            "school_cap": 4,
        },
    )
    too_long = client.post(
        slots,
        headers=headers,
        json={"date": future, "starts_at": "08:00", "ends_at": "17:00", "seats": 5},
    )
    past = client.post(
        slots,
        headers=headers,
        json={"date": "2020-01-06", "starts_at": "09:00", "ends_at": "10:00", "seats": 5},
    )
    slot_url = f"/api/v1/slots/{world.a.slot.id}"
    etag = client.get(slot_url, headers=headers).headers["ETag"]
    below = client.patch(slot_url, headers={**headers, "If-Match": etag}, json={"seats": 1})
    fine = client.patch(slot_url, headers={**headers, "If-Match": etag}, json={"seats": 2})

    assert created.status_code == 201
    body = created.get_json()
    assert (body["starts_at"], body["timezone"], body["seats_left"]) == (
        "09:00",
        "Europe/London",
        12,
    )
    assert too_long.status_code == 422
    assert "ends_at" in too_long.get_json()["errors"]
    assert past.status_code == 422
    assert below.status_code == 409
    assert fine.get_json()["seats_left"] == 0


def test_a_slot_whose_start_has_passed_is_refused_and_never_found(
    client, session, world, auth_headers
):
    today = london_today().isoformat()
    created = client.post(
        f"{OFFERS}/{world.a.offer.id}/slots",
        headers=employer_headers(world, auth_headers),
        json={"date": today, "starts_at": "00:00", "ends_at": "00:30", "seats": 5},
    )
    started = factories.slot(
        session, world.a.offer, day=london_today(), starts_at=time(0, 0), ends_at=time(0, 30)
    )
    session.commit()
    found = client.get("/api/v1/slots", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]))

    assert created.status_code == 422
    assert list(created.get_json()["errors"]) == ["starts_at"]
    assert found.status_code == 200
    ids = [slot["id"] for slot in found.get_json()]
    assert str(world.a.slot.id) in ids
    assert str(started.id) not in ids


def test_offers_and_slots_carry_their_partners_names(client, session, world, auth_headers):
    talk = factories.encounter_offer(session, world.a.provider)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    visit = client.get(f"{OFFERS}/{world.a.offer.id}", headers=headers).get_json()
    provided = client.get(f"{OFFERS}/{talk.id}", headers=headers).get_json()
    listed = client.get(OFFERS, headers=headers).get_json()
    slot = client.get(f"/api/v1/slots/{world.a.slot.id}", headers=headers).get_json()
    [found] = [
        s
        for s in client.get("/api/v1/slots", headers=headers).get_json()
        if s["id"] == str(world.a.slot.id)
    ]

    employer, provider = world.a.employer.name, world.a.provider.name
    assert (visit["employer_name"], visit["provider_name"]) == (employer, None)
    assert (provided["employer_name"], provided["provider_name"]) == (None, provider)
    names = {o["id"]: (o["employer_name"], o["provider_name"]) for o in listed}
    assert names[str(talk.id)] == (None, provider)
    assert names[str(world.a.offer.id)] == (employer, None)
    assert slot["employer_name"] == employer
    assert (found["employer_name"], found["offer"]["employer_name"]) == (employer, employer)


def test_schools_search_slots_near_them_by_date_sector_year_and_seats(
    client, session, world, places, auth_headers
):
    # world.a's offer is in Leeds (sector F, Y9-11); add one in Manchester and a Y12 one.
    far = factories.offer(
        session, world.b.employer, postcode="M1 1AE", latitude=53.4835, longitude=-2.2312
    )
    sixth_form = factories.offer(
        session,
        world.b.employer,
        kind=OfferKind.JOB_SHADOWING,
        sectors=["J"],
        year_groups=[12, 13],
        postcode="BD1 1AF",
        latitude=53.795,
        longitude=-1.7503,
    )
    soon, later = london_today() + timedelta(days=5), london_today() + timedelta(days=60)
    far_slot = factories.slot(session, far, day=soon)
    sixth_slot = factories.slot(session, sixth_form, day=later, seats=3)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    def found(**query):
        response = client.get("/api/v1/slots", headers=headers, query_string=query)
        assert response.status_code == 200, response.get_json()
        return [s["id"] for s in response.get_json()]

    near_leeds = client.get(
        "/api/v1/slots", headers=headers, query_string={"near": "LS1 4DY", "within_km": 20}
    ).get_json()

    ids = [s["id"] for s in near_leeds]
    # Both sides' slots are in LS1 on the same day and time: ties are broken by id.
    assert sorted(ids[:2]) == sorted([str(world.a.slot.id), str(world.b.slot.id)])
    assert ids[2:] == [str(sixth_slot.id)]  # Bradford, 13 km; Manchester is out of reach
    assert near_leeds[0]["distance_km"] == 0.0
    assert near_leeds[0]["offer"]["title"]
    assert str(far_slot.id) in found(near="M1 1AE", within_km=5)
    assert found(sector="J") == [str(sixth_slot.id)]
    assert found(year_group=12) == [str(sixth_slot.id)]
    assert found(date_to=(soon + timedelta(days=1)).isoformat()) == [str(far_slot.id)]
    assert found(seats=9) == [str(far_slot.id)]  # the world's slots have 8 left
    assert str(sixth_slot.id) not in found(seats=4)
    world.b.offer.status = OfferStatus.WITHDRAWN
    session.commit()
    assert str(world.b.slot.id) not in found()
