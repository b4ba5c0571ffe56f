"""The directory schools search: published encounter offers ranked for one school."""

from datetime import timedelta

from models.base import london_today
from models.offers import OfferKind, OfferStatus
from models.users import Role
from models.volunteers import Mode
from tests import factories
from tests.factories import school_day

DIRECTORY = "/api/v1/offers/directory"
BRADFORD = {"latitude": 53.795, "longitude": -1.7503, "postcode": "BD1 1AF"}  # ~13.5 km
MANCHESTER = {"latitude": 53.4835, "longitude": -2.2312, "postcode": "M1 1AE"}  # ~58 km


def found(client, headers, **query):
    response = client.get(DIRECTORY, headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return [hit["offer"]["title"] for hit in response.get_json()]


def test_in_school_offers_are_found_only_within_their_travel_radius(
    client, session, world, auth_headers
):
    factories.encounter_offer(session, world.a.employer, title="Leeds", modes=[Mode.IN_PERSON])
    factories.encounter_offer(
        session, world.a.employer, title="Bradford 20 km", modes=[Mode.IN_PERSON], **BRADFORD
    )
    factories.encounter_offer(
        session,
        world.a.employer,
        title="Bradford 10 km",
        modes=[Mode.IN_PERSON],
        travel_radius_km=10,
        **BRADFORD,
    )
    factories.encounter_offer(
        session, world.a.employer, title="Manchester online", modes=[Mode.VIRTUAL], **MANCHESTER
    )
    session.commit()
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    response = client.get(DIRECTORY, headers=school)
    hits = response.get_json()

    assert [h["offer"]["title"] for h in hits] == ["Leeds", "Bradford 20 km", "Manchester online"]
    assert [h["in_school"] for h in hits] == [True, True, False]
    assert 13 < hits[1]["distance_km"] < 14
    distance = next(f for f in hits[1]["factors"] if f["name"] == "distance")
    assert "within its 20 km" in distance["detail"]
    assert hits[0]["score"] == round(sum(f["contribution"] for f in hits[0]["factors"]), 4)
    assert response.headers["X-Pagination"]
    assert found(client, school, mode="virtual") == ["Manchester online"]
    assert found(client, school, mode="in_person", within_km=5) == ["Leeds"]


def test_every_filter_narrows_the_directory(client, session, world, auth_headers):
    employer, provider = world.a.employer, world.a.provider
    factories.encounter_offer(session, employer, title="Talk Y9-11")
    factories.encounter_offer(
        session,
        employer,
        title="Interviews Y12-13",
        kind=OfferKind.MOCK_INTERVIEWS,
        year_groups=[12, 13],
        sectors=["J"],
    )
    factories.encounter_offer(
        session,
        employer,
        title="SEND workshop",
        send_suitable=True,
        kind=OfferKind.CV_WORKSHOP,
        year_groups=[7, 8],
    )
    factories.encounter_offer(session, provider, title="College talk", kind=OfferKind.ASSEMBLY)
    later = school_day(120)
    factories.encounter_offer(
        session,
        employer,
        title="Later only",
        available_from=None,
        available_to=None,
        available_dates=[later.isoformat()],
    )
    factories.encounter_offer(session, employer, title="Draft", status=OfferStatus.DRAFT)
    factories.encounter_offer(
        session,
        employer,
        title="Fridays",
        available_weekdays=["friday"],
        available_to=london_today() + timedelta(days=6),
    )
    session.commit()
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    soon = {
        "date_from": london_today().isoformat(),
        "date_to": (london_today() + timedelta(days=6)).isoformat(),
    }

    everything = set(found(client, school))
    assert "Draft" not in everything and "Behind the scenes at the depot" not in everything
    assert set(found(client, school, benchmark=7)) == {"College talk"}
    assert set(found(client, school, kind="mock_interviews")) == {"Interviews Y12-13"}
    assert set(found(client, school, year_group=12)) == {"Interviews Y12-13"}
    assert set(found(client, school, key_stage=3)) == {
        "Talk Y9-11",
        "SEND workshop",
        "College talk",
        "Later only",
        "Fridays",
    }
    assert set(found(client, school, send="true")) == {"SEND workshop"}
    assert set(found(client, school, sector="J")) == {"Interviews Y12-13"}
    assert "Later only" not in found(client, school, **soon)
    assert "Fridays" in found(client, school, **soon)
    assert set(found(client, school, date_from=later.isoformat(), date_to=later.isoformat())) == {
        "Later only"
    }
    bad = client.get(DIRECTORY, headers=school, query_string={"benchmark": 6})
    backwards = client.get(
        DIRECTORY, headers=school, query_string={"date_from": "2030-02-01", "date_to": "2030-01-01"}
    )
    assert bad.status_code == backwards.status_code == 422


def test_the_directory_is_ranked_for_a_school_its_caller_may_rank_for(
    client, session, world, auth_headers
):
    factories.encounter_offer(session, world.a.employer, title="Talk")
    session.commit()

    def status(role, **query):
        return client.get(
            DIRECTORY, headers=auth_headers(world.a.users[role]), query_string=query
        ).status_code

    assert status(Role.SCHOOL_STAFF) == 200
    assert status(Role.SCHOOL_STAFF, school_id=str(world.b.school.id)) == 403
    assert status(Role.COORDINATOR, school_id=str(world.a.school.id)) == 200
    assert status(Role.COORDINATOR, school_id=str(world.b.school.id)) == 403
    assert status(Role.COORDINATOR) == 403  # which school?
    assert status(Role.EMPLOYER_STAFF) == 403


def test_offers_aimed_at_schools_like_this_one_rank_first(client, session, world, auth_headers):
    """The demo school has 30% free school meals and is in Leeds."""
    factories.encounter_offer(session, world.a.employer, title="Untargeted")
    factories.encounter_offer(
        session, world.a.employer, title="Disadvantaged", target_disadvantaged=True
    )
    factories.encounter_offer(
        session, world.a.employer, title="Leeds", target_local_authorities=["Leeds"]
    )
    factories.encounter_offer(
        session, world.a.employer, title="Bradford", target_local_authorities=["Bradford"]
    )
    session.commit()

    hits = client.get(DIRECTORY, headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])).get_json()
    reach = {
        h["offer"]["title"]: next(f for f in h["factors"] if f["name"] == "reach") for h in hits
    }

    assert {h["offer"]["title"] for h in hits[:2]} == {"Disadvantaged", "Leeds"}
    assert reach["Disadvantaged"]["value"] == reach["Leeds"]["value"] == 1.0
    assert reach["Untargeted"]["value"] == reach["Bradford"]["value"] == 0.0
    assert "30% free school meals" in reach["Disadvantaged"]["detail"]


def test_offers_aimed_at_rural_schools_rank_first_for_a_rural_school_only(
    client, session, world, auth_headers
):
    world.a.school.percentage_fsm = 10.0
    world.a.school.urban_rural = "(England/Wales) Rural village"
    world.b.school.percentage_fsm = 10.0
    world.b.school.urban_rural = "(England/Wales) Urban city and town"
    world.b.school.latitude, world.b.school.longitude = (
        world.a.school.latitude,
        world.a.school.longitude,
    )
    factories.encounter_offer(session, world.a.employer, title="Untargeted")
    factories.encounter_offer(session, world.a.employer, title="Rural", target_rural=True)
    session.commit()

    def reach(school_staff):
        hits = client.get(DIRECTORY, headers=auth_headers(school_staff)).get_json()
        return [
            (h["offer"]["title"], next(f for f in h["factors"] if f["name"] == "reach"))
            for h in hits
        ]

    rural = reach(world.a.users[Role.SCHOOL_STAFF])
    urban = reach(world.b.users[Role.SCHOOL_STAFF])

    assert [title for title, _ in rural] == ["Rural", "Untargeted"]
    assert rural[0][1] == {
        "name": "reach",
        "weight": 0.1,
        "value": 1.0,
        "contribution": 0.1,
        "detail": "aimed at rural schools (Rural village)",
    }
    assert {title: factor["value"] for title, factor in urban} == {"Rural": 0.0, "Untargeted": 0.0}


def test_offers_aimed_at_a_combined_authority_or_skills_plan_area_rank_first(
    client, session, world, auth_headers
):
    school = world.a.school
    school.percentage_fsm, school.local_authority = 10.0, "Leeds"
    school.combined_authority, school.skills_area = "West Yorkshire", "West Yorkshire"
    for title, targets in {
        "Greater Manchester": {"target_combined_authorities": ["Greater Manchester"]},
        "West Yorkshire CA": {"target_combined_authorities": ["West Yorkshire"]},
        "West Yorkshire LSIP": {"target_skills_areas": ["West Yorkshire"]},
        "Untargeted": {},
    }.items():
        factories.encounter_offer(session, world.a.employer, title=title, **targets)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    hits = client.get(DIRECTORY, headers=headers).get_json()
    reach = {
        h["offer"]["title"]: next(f for f in h["factors"] if f["name"] == "reach") for h in hits
    }
    unknown = client.post(
        "/api/v1/offers",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
        json={"kind": "careers_talk", "title": "Talk", "target_skills_areas": ["Atlantis"]},
    )

    assert {h["offer"]["title"] for h in hits[:2]} == {"West Yorkshire CA", "West Yorkshire LSIP"}
    assert reach["West Yorkshire CA"]["detail"] == (
        "aimed at schools in West Yorkshire (combined authority)"
    )
    assert reach["West Yorkshire LSIP"]["detail"] == (
        "aimed at schools in West Yorkshire (skills-plan area)"
    )
    assert reach["Greater Manchester"]["value"] == reach["Untargeted"]["value"] == 0.0
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"target_skills_areas": ["Unknown: Atlantis."]}
