"""Volunteers over HTTP: search by place and offer, DBS visibility, ETags, validation, CSV."""

import math
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.base import london_today
from models.matches import MatchStatus
from models.users import Role, User
from models.volunteers import Volunteer
from tests import factories
from tests.api.conftest import PLACES


def haversine(a, b):
    """Hand-written great-circle distance, independent of services.geo."""
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def at(postcode):
    latitude, longitude = PLACES[postcode]
    return {"base_postcode": postcode, "latitude": latitude, "longitude": longitude}


@pytest.fixture
def people(session, world, places):
    """Volunteers of employer A in Bradford, Halifax and Manchester (plus the world's in Leeds)."""
    built = {
        "bradford": factories.volunteer(
            session,
            world.a.employer,
            job_title="Software developer",
            activity_types=["cv_workshop"],
            modes=["virtual"],
            year_groups=[12, 13],
            sectors=["J"],
            travel_radius_km=5,
            **at("BD1 1AF"),
        ),
        "halifax": factories.volunteer(
            session, world.a.employer, job_title="Bricklayer", travel_radius_km=30, **at("HX1 1AA")
        ),
        "manchester": factories.volunteer(session, world.a.employer, **at("M1 1AE")),
    }
    session.commit()
    return built


def search(client, headers, **query):
    response = client.get("/api/v1/volunteers", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response


def test_distance_search_matches_a_hand_computed_haversine_and_sorts_nearest_first(
    client, world, people, auth_headers
):
    admin = auth_headers(world.platform_admin)

    response = search(client, admin, near="LS1 4DY", within_km=25)

    body = response.get_json()
    ids = [item["id"] for item in body]
    # The world's two volunteers share a Leeds location; ties are broken by id.
    assert set(ids[:2]) == {str(world.a.volunteer.id), str(world.b.volunteer.id)}
    assert ids[2:] == [str(people["bradford"].id), str(people["halifax"].id)]
    by_id = {item["id"]: item["distance_km"] for item in body}
    assert by_id[str(people["bradford"].id)] == pytest.approx(
        haversine(PLACES["LS1 4DY"], PLACES["BD1 1AF"]), abs=0.001
    )
    assert by_id[str(people["halifax"].id)] == pytest.approx(
        haversine(PLACES["LS1 4DY"], PLACES["HX1 1AA"]), abs=0.001
    )
    assert 13 < by_id[str(people["bradford"].id)] < 14
    assert str(people["manchester"].id) not in by_id
    distances = [item["distance_km"] for item in body]
    assert distances == sorted(distances)
    assert response.headers["X-Pagination"]
    assert '"total": 4' in response.headers["X-Pagination"]
    # A coordinator whose hub they do not serve sees the whole kilometre, as schools do.
    seen = search(
        client, auth_headers(world.a.users[Role.COORDINATOR]), near="LS1 4DY", within_km=25
    )
    by_id = {item["id"]: item["distance_km"] for item in seen.get_json()}
    assert by_id[str(people["bradford"].id)] == 13


def test_schools_searching_by_distance_cannot_locate_a_volunteers_postcode(
    client, world, people, auth_headers
):
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    body = search(client, school, near="LS1 4DY", within_km=25).get_json()

    bradford = next(item for item in body if item["id"] == str(people["bradford"].id))
    exact = haversine(PLACES["LS1 4DY"], PLACES["BD1 1AF"])
    assert bradford["distance_km"] == round(exact)
    assert bradford["base_postcode"] == "BD1"
    # A radius just short of the exact distance reaches the whole kilometre for a school.
    just_short = search(client, school, near="LS1 4DY", within_km=round(exact - 0.01, 2))
    assert str(people["bradford"].id) in [item["id"] for item in just_short.get_json()]


def test_the_radius_bounds_the_search_exactly(client, world, people, auth_headers):
    coordinator = auth_headers(world.platform_admin)
    bradford = haversine(PLACES["LS1 4DY"], PLACES["BD1 1AF"])

    just_inside = search(client, coordinator, near="LS1 4DY", within_km=round(bradford + 0.01, 2))
    just_outside = search(client, coordinator, near="LS1 4DY", within_km=round(bradford - 0.01, 2))

    assert str(people["bradford"].id) in [i["id"] for i in just_inside.get_json()]
    assert str(people["bradford"].id) not in [i["id"] for i in just_outside.get_json()]


def test_reachable_keeps_volunteers_whose_travel_radius_covers_the_distance(
    client, world, people, auth_headers
):
    body = search(
        client,
        auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        near="LS1 4DY",
        within_km=60,
        reachable="true",
    ).get_json()

    ids = {item["id"] for item in body}
    assert str(people["halifax"].id) in ids  # 22 km away, travels 30
    assert str(people["bradford"].id) not in ids  # 13 km away, travels 5
    assert str(people["manchester"].id) not in ids  # 58 km away, travels 20


def test_filters_by_offer_year_group_mode_and_sector(client, world, people, auth_headers):
    admin = auth_headers(world.platform_admin)
    bradford = [str(people["bradford"].id)]

    def ids(**query):
        return [item["id"] for item in search(client, admin, **query).get_json()]

    assert ids(activity_type="cv_workshop") == bradford
    assert ids(year_group=13) == bradford
    assert ids(mode="virtual") == bradford
    assert ids(sector="J") == bradford
    assert ids(activity_type="cv_workshop", near="LS1 4DY", within_km=20) == bradford
    assert ids(activity_type="cv_workshop", near="LS1 4DY", within_km=5) == []
    assert str(people["bradford"].id) in ids(q="software")


def test_sort_by_name_and_bad_searches(client, world, people, auth_headers):
    admin = auth_headers(world.platform_admin)
    names = [i["name"] for i in search(client, admin, sort="name", page_size=100).get_json()]
    assert names == sorted(names)

    bad = {
        "near": {"near": "NOT A POSTCODE"},
        "within_km": {"near": "LS1 4DY", "within_km": 0},
        "year_group": {"year_group": 6},
        "activity_type": {"activity_type": "juggling"},
    }
    for field, query in bad.items():
        response = client.get("/api/v1/volunteers", headers=admin, query_string=query)
        assert response.status_code == 422, field
        assert field in response.get_json()["errors"], field
    assert client.get("/api/v1/volunteers?sort=distance", headers=admin).status_code == 422


def test_lists_contain_only_the_volunteers_the_caller_may_see(client, world, people, auth_headers):
    def ids(role):
        body = search(client, auth_headers(world.a.users[role]), page_size=100).get_json()
        return {item["id"] for item in body}

    assert ids(Role.VOLUNTEER) == {str(world.a.volunteer.id)}
    assert str(world.b.volunteer.id) not in ids(Role.EMPLOYER_STAFF)
    assert ids(Role.PROVIDER_STAFF) == set()
    assert str(world.b.volunteer.id) in ids(Role.SCHOOL_STAFF)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.ADMIN, True),
        (Role.COORDINATOR, False),  # unless the volunteer serves the hub: below
        (Role.EMPLOYER_STAFF, True),
        (Role.VOLUNTEER, True),
        (Role.SCHOOL_STAFF, False),
    ],
)
def test_dbs_details_and_the_full_postcode_are_shown_only_to_those_allowed(
    client, world, auth_headers, role, sees
):
    response = client.get(
        f"/api/v1/volunteers/{world.a.volunteer.id}", headers=auth_headers(world.caller(role))
    )

    body = response.get_json()
    assert response.status_code == 200
    assert ("safeguarding" in body) is sees
    assert body["base_postcode"] == (world.a.volunteer.base_postcode if sees else "LS1")
    if sees:
        issued = london_today() - timedelta(days=365)
        assert body["safeguarding"] == {
            "enhanced": True,
            "barred_list": True,
            "issued_on": issued.isoformat(),
            "update_service": False,
            "expires_on": issued.replace(year=issued.year + 3).isoformat(),
            "status": "current",
        }
    listed = search(client, auth_headers(world.caller(role)), page_size=100).get_json()
    assert all(("safeguarding" in item) is sees for item in listed)
    [own] = [item for item in listed if item["id"] == str(world.a.volunteer.id)]
    assert own["base_postcode"] == body["base_postcode"]


@pytest.mark.parametrize(
    ("tie", "shared"),
    [
        ("advises a hub school", True),
        ("advised a hub school (ended)", False),
        ("agreed a hub school's match", True),
        ("invited by a hub school", False),
        ("advises another hub's school", False),
    ],
)
def test_a_coordinator_sees_dbs_details_and_the_postcode_of_volunteers_serving_its_hub(
    client, session, world, auth_headers, tie, shared
):
    volunteer = world.b.volunteer  # employer B's, the adviser of hub B
    if "advise" in tie:
        school = world.b.school if "another" in tie else world.a.school
        assignment = factories.adviser_assignment(session, world.b.adviser, school)
        assignment.ends_on = london_today() if "ended" in tie else None
    else:
        status = MatchStatus.ACCEPTED if "agreed" in tie else MatchStatus.INVITED
        factories.match(session, factories.need(session, world.a.school), volunteer, status)
    session.commit()
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])

    read = client.get(f"/api/v1/volunteers/{volunteer.id}", headers=coordinator).get_json()
    listed = search(client, coordinator, page_size=100).get_json()

    assert ("safeguarding" in read) is shared
    assert read["base_postcode"] == ("LS1 4DY" if shared else "LS1")
    [item] = [item for item in listed if item["id"] == str(volunteer.id)]
    assert ("safeguarding" in item) is shared
    [own] = [item for item in listed if item["id"] == str(world.a.volunteer.id)]
    assert "safeguarding" not in own  # hub A's adviser, but advising no school yet


def test_foreign_volunteers_are_not_found(client, world, auth_headers):
    response = client.get(
        f"/api/v1/volunteers/{world.b.volunteer.id}",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
    )
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def read(client, headers, volunteer_id):
    response = client.get(f"/api/v1/volunteers/{volunteer_id}", headers=headers)
    return response.get_json(), response.headers["ETag"]


def test_updates_need_the_current_etag(client, session, world, auth_headers, places):
    headers = auth_headers(world.a.users[Role.VOLUNTEER])
    path = f"/api/v1/volunteers/{world.a.volunteer.id}"
    _, etag = read(client, headers, world.a.volunteer.id)

    missing = client.patch(path, headers=headers, json={"job_title": "Planner"})
    changed = client.patch(
        path, headers={**headers, "If-Match": etag}, json={"job_title": "Planner"}
    )
    stale = client.patch(path, headers={**headers, "If-Match": etag}, json={"job_title": "Oops"})

    assert missing.status_code == 428
    assert changed.status_code == 200
    assert changed.get_json()["job_title"] == "Planner"
    assert changed.headers["ETag"] != etag
    assert stale.status_code == 412
    assert stale.content_type == "application/problem+json"
    session.expire_all()
    assert session.get(Volunteer, world.a.volunteer.id).job_title == "Planner"


def test_a_profile_update_geocodes_and_normalises(client, session, world, auth_headers, places):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    _, etag = read(client, headers, world.a.volunteer.id)

    response = client.patch(
        f"/api/v1/volunteers/{world.a.volunteer.id}",
        headers={**headers, "If-Match": etag},
        json={
            "base_postcode": "bd11af",
            "sectors": ["J", "C", "J"],
            "weekly_availability": [
                {"day": "tuesday", "starts_at": "13:00", "ends_at": "15:00"},
                {"day": "monday", "starts_at": "09:00", "ends_at": "12:00"},
            ],
            "unavailable_dates": ["2026-12-25", "2026-12-24"],
            "role_model_attributes": ["apprenticeship_route", "career_changer"],
            "safeguarding": {"enhanced": True, "barred_list": True, "issued_on": "2020-01-10"},
            "monthly_capacity": 2,
        },
    )

    body = response.get_json()
    assert response.status_code == 200, body
    assert body["base_postcode"] == "BD1 1AF"
    assert body["sectors"] == ["C", "J"]
    assert [slot["day"] for slot in body["weekly_availability"]] == ["monday", "tuesday"]
    assert body["unavailable_dates"] == ["2026-12-24", "2026-12-25"]
    assert body["safeguarding"]["status"] == "expired"
    assert body["monthly_capacity"] == 2
    session.expire_all()
    volunteer = session.get(Volunteer, world.a.volunteer.id)
    assert (volunteer.latitude, volunteer.longitude) == PLACES["BD1 1AF"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"base_postcode": "ZZ99 9ZZ"}, "base_postcode"),
        ({"base_postcode": "not a postcode"}, "base_postcode"),
        ({"sectors": ["Z"]}, "sectors"),
        ({"travel_radius_km": 500}, "travel_radius_km"),
        ({"travel_radius_km": -1}, "travel_radius_km"),
        ({"monthly_capacity": 0}, "monthly_capacity"),
        ({"monthly_capacity": 21}, "monthly_capacity"),
        ({"year_groups": [6]}, "year_groups"),
        ({"soc_major_group": 10}, "soc_major_group"),
        ({"activity_types": ["juggling"]}, "activity_types"),
        ({"modes": ["telepathy"]}, "modes"),
        (
            {
                "weekly_availability": [
                    {"day": "monday", "starts_at": "09:00", "ends_at": "12:00"},
                    {"day": "monday", "starts_at": "11:00", "ends_at": "13:00"},
                ]
            },
            "weekly_availability",
        ),
        (
            {"weekly_availability": [{"day": "monday", "starts_at": "9am", "ends_at": "12:00"}]},
            "weekly_availability",
        ),
        ({"safeguarding": {"enhanced": False, "barred_list": True}}, "dbs_barred_list"),
        ({"safeguarding": {"enhanced": True}}, "dbs_issued_on"),
        (
            {"safeguarding": {"enhanced": True, "issued_on": "2999-01-01"}},
            "dbs_issued_on",
        ),
        # Server-owned fields are not in the update schema: sending one is a 422.
        ({"employer_id": "00000000-0000-0000-0000-000000000001"}, "employer_id"),
        ({"user_id": "00000000-0000-0000-0000-000000000001"}, "user_id"),
        ({"latitude": 51.5}, "latitude"),
        ({"safeguarding": {"enhanced": True, "status": "current"}}, "safeguarding"),
    ],
)
def test_invalid_profile_fields_are_refused_and_nothing_changes(
    client, session, world, auth_headers, places, changes, field
):
    headers = auth_headers(world.a.users[Role.VOLUNTEER])
    before, etag = read(client, headers, world.a.volunteer.id)

    response = client.patch(
        f"/api/v1/volunteers/{world.a.volunteer.id}",
        headers={**headers, "If-Match": etag},
        json=changes,
    )

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert read(client, headers, world.a.volunteer.id)[0] == before


def test_employer_staff_add_a_volunteer_and_duplicates_conflict(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    path = f"/api/v1/employers/{world.a.employer.id}/volunteers"
    body = {"name": "Ada Lovelace", "email": "Ada@Example.org", "job_title": "Analyst"}

    created = client.post(path, headers=headers, json=body)
    again = client.post(path, headers=headers, json=body)

    assert created.status_code == 201, created.get_json()
    assert created.get_json()["employer"]["id"] == str(world.a.employer.id)
    assert created.get_json()["safeguarding"]["status"] == "none"
    assert again.status_code == 409
    listed = client.get(path, headers=headers).get_json()
    assert "Ada Lovelace" in [v["name"] for v in listed]


CSV_HEADER = (
    "name,email,job_title,base_postcode,activity_types,year_groups,travel_radius_km,"
    "weekly_availability,dbs_enhanced,dbs_barred_list,dbs_issued_on\n"
)
GOOD_ROW = (
    "Grace Hopper,grace@example.org,Engineer,LS1 4DY,careers_talk;mentoring,10;11,15,"
    "monday 09:00-12:00,yes,yes,2024-05-01\n"
)


def import_csv(client, headers, employer_id, text, **query):
    return client.post(
        f"/api/v1/employers/{employer_id}/volunteers/import",
        headers=headers,
        data=text,
        content_type="text/csv",
        query_string=query,
    )


def count_volunteers(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Volunteer))


def test_a_csv_with_mixed_rows_writes_nothing_and_reports_every_error(
    client, session, world, auth_headers, places
):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    before = count_volunteers(session)
    text = (
        CSV_HEADER
        + GOOD_ROW
        + "No Email,,Chef,LS1 4DY,,,,,,,\n"
        + "Bad Place,bad.place@example.org,Chef,ZZ99 9ZZ,juggling,6,500,,,,\n"
        + "Overlap,overlap@example.org,Chef,,,,,monday 09:00-12:00; monday 11:00-13:00,,,\n"
        + "Twin,grace@example.org,Chef,,,,,,,,\n"
        + f"Taken,{world.b.users[Role.VOLUNTEER].email},Chef,,,,,,,,\n"
    )

    response = import_csv(client, headers, world.a.employer.id, text)

    body = response.get_json()
    assert response.status_code == 422, body
    assert body["detail"] == "5 of 6 rows have errors; nothing was written."
    errors = body["errors"]
    assert sorted(errors) == ["3", "4", "5", "6", "7"]
    assert "email" in errors["3"]
    assert set(errors["4"]) == {
        "base_postcode",
        "activity_types.0",
        "year_groups.0",
        "travel_radius_km",
    }
    assert "weekly_availability" in errors["5"]
    assert errors["6"]["email"] == ["Also on line 2."]
    assert "email" in errors["7"]
    assert count_volunteers(session) == before


def test_a_valid_csv_creates_volunteers_and_reimporting_updates_them(
    client, session, world, auth_headers, places
):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    before = count_volunteers(session)

    first = import_csv(client, headers, world.a.employer.id, CSV_HEADER + GOOD_ROW)
    second = import_csv(
        client, headers, world.a.employer.id, CSV_HEADER + GOOD_ROW.replace("Engineer", "Admiral")
    )

    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "written": True,
        "errors": [],
    }
    assert second.get_json()["updated"] == 1
    assert count_volunteers(session) == before + 1
    grace = session.scalar(select(User).where(User.email == "grace@example.org"))
    profile = session.scalar(select(Volunteer).where(Volunteer.user_id == grace.id))
    assert grace.role is Role.VOLUNTEER and grace.organisation_id == world.a.employer.id
    assert profile.job_title == "Admiral"
    assert profile.year_groups == [10, 11]
    assert profile.weekly_availability == [
        {"day": "monday", "starts_at": "09:00", "ends_at": "12:00"}
    ]


def test_a_partial_import_writes_the_good_rows_and_lists_the_bad(
    client, session, world, auth_headers, places
):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    before = count_volunteers(session)
    text = CSV_HEADER + GOOD_ROW + "Bad Place,bad@example.org,Chef,ZZ99 9ZZ,,,,,,,\n"

    response = import_csv(client, headers, world.a.employer.id, text, partial="true")

    body = response.get_json()
    assert response.status_code == 200
    assert (body["created"], body["written"]) == (1, True)
    assert body["errors"] == [
        {
            "line": 3,
            "field": "base_postcode",
            "messages": ["'ZZ99 9ZZ' is not a known UK postcode or postcode district."],
        }
    ]
    assert count_volunteers(session) == before + 1


def test_imports_refuse_unknown_columns_other_employers_and_json(
    client, world, auth_headers, places
):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])

    unknown = import_csv(client, headers, world.a.employer.id, "name,email,job_title,salary\n")
    foreign = import_csv(client, headers, world.b.employer.id, CSV_HEADER + GOOD_ROW)
    as_json = client.post(
        f"/api/v1/employers/{world.a.employer.id}/volunteers/import", headers=headers, json={}
    )

    assert unknown.status_code == 422
    assert unknown.get_json()["errors"] == {"1": {"salary": ["Unknown column."]}}
    missing = import_csv(client, headers, world.a.employer.id, "name,email\n")
    assert missing.get_json()["errors"] == {"1": {"job_title": ["Missing column."]}}
    assert foreign.status_code == 403
    assert as_json.status_code == 415
