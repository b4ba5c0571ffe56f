"""Schools over HTTP: search by codes and place, profile updates with ETags, GIAS import."""

import json

import pytest
from sqlalchemy import func, select

from api.schools import SchoolSchema
from models.organisations import School
from models.users import Role
from tests import factories
from tests.api.conftest import PLACES
from tests.api.test_volunteers import haversine


@pytest.fixture
def schools(session, world, places):
    """Schools in Bradford and Manchester beside the world's two Leeds schools."""
    built = {}
    for key, postcode, phase, la in (
        ("bradford", "BD1 1AF", "Secondary", "Bradford"),
        ("manchester", "M1 1AE", "Not applicable", "Manchester"),
    ):
        school = factories.school(session, name=f"{key.title()} Academy")
        school.postcode = postcode
        school.latitude, school.longitude = PLACES[postcode]
        school.phase, school.local_authority = phase, la
        built[key] = school
    session.commit()
    return built


def names(client, headers, **query):
    response = client.get("/api/v1/schools", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()]


def test_search_by_name_urn_phase_authority_and_hub(client, world, schools, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    assert names(client, headers, name="bradford") == ["Bradford Academy"]
    assert names(client, headers, urn=schools["manchester"].urn) == ["Manchester Academy"]
    assert names(client, headers, phase="Not applicable") == ["Manchester Academy"]
    assert names(client, headers, local_authority="Bradford") == ["Bradford Academy"]
    assert names(client, headers, hub_id=str(world.a.hub.id)) == ["School A"]
    assert names(client, headers, region="Yorkshire and the Humber", sort="-name")[:2] == [
        "School B",
        "School A",
    ]


@pytest.mark.parametrize(
    "query",
    [{}, {"name": "academy"}, {"phase": "Secondary"}, {"hub_id": "a"}, {"name": "a", "page": 2}],
)
def test_the_total_counts_what_the_filters_find(client, world, schools, auth_headers, query):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    if query.get("hub_id"):
        query["hub_id"] = str(world.a.hub.id)
    everything = names(client, headers, **{k: v for k, v in query.items() if k != "page"})

    response = client.get(
        "/api/v1/schools", headers=headers, query_string={"page_size": 1, **query}
    )

    assert json.loads(response.headers["X-Pagination"])["total"] == len(everything)
    assert len(everything) >= 1
    assert [item["name"] for item in response.get_json()] == everything[
        query.get("page", 1) - 1 : query.get("page", 1)
    ]


def test_distance_search_returns_km_and_sorts_by_it(client, world, schools, auth_headers):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])

    response = client.get(
        "/api/v1/schools", headers=headers, query_string={"near": "BD1 1AF", "within_km": 20}
    )

    body = response.get_json()
    assert [item["name"] for item in body][0] == "Bradford Academy"
    assert body[0]["distance_km"] == 0
    leeds = body[1]
    assert leeds["distance_km"] == pytest.approx(
        haversine(PLACES["BD1 1AF"], (53.7951, -1.5467)), abs=0.001
    )
    assert "Manchester Academy" not in [item["name"] for item in body]
    by_name = names(client, headers, near="BD1 1AF", within_km=20, sort="name")
    assert by_name == sorted(by_name)


def test_a_school_shows_its_hub(client, world, auth_headers):
    body = client.get(
        f"/api/v1/schools/{world.a.school.id}", headers=auth_headers(world.a.users[Role.VOLUNTEER])
    ).get_json()
    assert body["hub"] == {"id": str(world.a.hub.id), "name": "Hub A"}


def test_a_directory_page_shows_each_school_as_its_own_page_does(client, world, auth_headers):
    """A page reads only the columns it lists; every field of a listed school is there, as
    the school's own page shows it (a field added to the listing but not to the read fails)."""
    headers = auth_headers(world.a.users[Role.VOLUNTEER])
    listed = client.get("/api/v1/schools", headers=headers, query_string={"page_size": 50})
    shown = set(SchoolSchema().fields) - {"distance_km"}
    assert listed.get_json()
    for item in listed.get_json():
        assert set(item) == shown
        detail = client.get(f"/api/v1/schools/{item['id']}", headers=headers).get_json()
        assert item == {field: detail[field] for field in shown}


def test_the_schools_staff_update_its_profile_with_the_current_etag(
    client, session, world, auth_headers
):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    path = f"/api/v1/schools/{world.a.school.id}"
    etag = client.get(path, headers=headers).headers["ETag"]
    changes = {
        "careers_leader_name": "Ms Khan",
        "careers_leader_email": "careers@school.example.org",
        "careers_programme_url": "https://school.example.org/careers",
        "provider_access_policy_url": "https://school.example.org/pal",
        "day_starts_at": "08:40:00",
        "day_ends_at": "15:10:00",
    }

    missing = client.patch(path, headers=headers, json=changes)
    updated = client.patch(path, headers={**headers, "If-Match": etag}, json=changes)
    stale = client.patch(
        path, headers={**headers, "If-Match": etag}, json={"careers_leader_name": "Mr Late"}
    )

    assert missing.status_code == 428
    assert updated.status_code == 200, updated.get_json()
    assert {k: updated.get_json()[k] for k in changes} == changes
    assert stale.status_code == 412
    session.expire_all()
    assert session.get(School, world.a.school.id).careers_leader_name == "Ms Khan"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"urn": 1}, "urn"),
        ({"name": "Renamed"}, "name"),
        ({"hub_id": None}, "hub_id"),
        ({"careers_programme_url": "not a url"}, "careers_programme_url"),
        ({"careers_leader_email": "nope"}, "careers_leader_email"),
        ({"day_starts_at": "15:00:00", "day_ends_at": "09:00:00"}, "day_ends_at"),
    ],
)
def test_server_owned_and_invalid_fields_are_refused(client, world, auth_headers, changes, field):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    path = f"/api/v1/schools/{world.a.school.id}"
    etag = client.get(path, headers=headers).headers["ETag"]

    response = client.patch(path, headers={**headers, "If-Match": etag}, json=changes)

    assert response.status_code == 422
    assert field in response.get_json()["errors"]


GIAS_HEADER = (
    "URN,EstablishmentName,PhaseOfEducation (name),TypeOfEstablishment (name),LA (name),"
    "GOR (name),Town,Postcode,NumberOfPupils,PercentageFSM\n"
)
GIAS_GOOD = (
    "990001,Aire Academy,Secondary,Academy converter,Leeds,Yorkshire and the Humber,Leeds,"
    "LS1 4DY,900,21.5\n"
)


def import_gias(client, headers, text, **query):
    return client.post(
        "/api/v1/schools/import",
        headers=headers,
        data=text,
        content_type="text/csv",
        query_string=query,
    )


def count_schools(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(School))


def test_a_gias_import_with_bad_rows_writes_nothing_and_reports_each(
    client, session, world, places, auth_headers
):
    admin = auth_headers(world.platform_admin)
    before = count_schools(session)
    text = (
        GIAS_HEADER
        + GIAS_GOOD
        + "abc,No Number,Secondary,Academy converter,Leeds,Y,,,,\n"
        + "990003,,Secondary,Academy converter,Leeds,Y,,ZZ99 9ZZ,,150\n"
        + GIAS_GOOD.replace("Aire Academy", "Twin")
    )

    response = import_gias(client, admin, text)

    errors = response.get_json()["errors"]
    assert response.status_code == 422
    assert errors == {
        "3": {"URN": ["'abc' is not a number."]},
        "4": {
            "EstablishmentName": ["Required."],
            "PercentageFSM": ["Must be between 0 and 100."],
            "Postcode": ["'ZZ99 9ZZ' is not a known UK postcode or postcode district."],
        },
        "5": {"URN": ["This URN is on an earlier line."]},
    }
    assert count_schools(session) == before


def test_a_good_gias_import_creates_then_updates(client, session, world, places, auth_headers):
    admin = auth_headers(world.platform_admin)

    first = import_gias(client, admin, GIAS_HEADER + GIAS_GOOD)
    second = import_gias(client, admin, GIAS_HEADER + GIAS_GOOD.replace(",900,", ",950,"))

    assert first.get_json()["created"] == 1
    assert second.get_json()["updated"] == 1
    school = session.scalar(select(School).where(School.urn == 990001))
    assert (school.number_of_pupils, school.postcode) == (950, "LS1 4DY")
    assert (school.latitude, school.longitude) == PLACES["LS1 4DY"]
    refused = import_gias(client, auth_headers(world.a.users[Role.SCHOOL_STAFF]), GIAS_HEADER)
    assert refused.status_code == 403
    rural = GIAS_HEADER.replace("\n", ",UrbanRural (name)\n") + GIAS_GOOD.replace(
        "\n", ",(England/Wales) Rural village\n"
    )
    assert import_gias(client, admin, rural).get_json()["updated"] == 1
    session.expire_all()
    assert (school.urban_rural, school.rural) == ("(England/Wales) Rural village", True)
    not_gias = import_gias(client, admin, "urn,name\n1,X\n")
    assert not_gias.status_code == 422
    assert not_gias.get_json()["errors"]["1"]["EstablishmentName"] == ["Missing column."]
