"""Employers over HTTP: profiles with sector, size and place; updates by their own staff."""

import pytest

from models.users import Role
from tests.api.conftest import PLACES


def test_admins_register_an_employer_with_a_located_profile(client, world, places, auth_headers):
    response = client.post(
        "/api/v1/employers",
        headers=auth_headers(world.platform_admin),
        json={
            "name": "Kirkgate Digital",
            "sector_code": "J",
            "division_code": "62",
            "size_band": "small",
            "postcode": "ls14dy",
            "description": "Web studio.",
            "website": "https://kirkgate.example.org",
        },
    )

    body = response.get_json()
    assert response.status_code == 201, body
    assert (body["postcode"], body["latitude"], body["longitude"]) == (
        "LS1 4DY",
        *PLACES["LS1 4DY"],
    )
    assert (body["sector_code"], body["division_code"], body["size_band"]) == ("J", "62", "small")


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"sector_code": "Z"}, "sector_code"),
        ({"sector_code": "D"}, "sector_code"),  # a real section, but not in this database
        ({"sector_code": "C", "division_code": "62"}, "division_code"),
        ({"sector_code": "J", "division_code": "99"}, "division_code"),
        ({"size_band": "huge"}, "size_band"),
        ({"postcode": "ZZ99 9ZZ"}, "postcode"),
        ({"website": "ftp://x.example.org"}, "website"),
        ({"id": "00000000-0000-0000-0000-000000000001"}, "id"),
        ({"latitude": 50.0}, "latitude"),
    ],
)
def test_invalid_profiles_are_refused(client, world, places, auth_headers, profile, field):
    response = client.post(
        "/api/v1/employers",
        headers=auth_headers(world.platform_admin),
        json={"name": "Acme", **profile},
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_staff_update_their_own_employer_with_the_current_etag(client, world, places, auth_headers):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    path = f"/api/v1/employers/{world.a.employer.id}"
    etag = client.get(path, headers=headers).headers["ETag"]

    updated = client.patch(
        path, headers={**headers, "If-Match": etag}, json={"size_band": "self_employed"}
    )
    stale = client.patch(path, headers={**headers, "If-Match": etag}, json={"size_band": "large"})
    foreign = client.patch(
        f"/api/v1/employers/{world.b.employer.id}",
        headers={**headers, "If-Match": "*"},
        json={"size_band": "large"},
    )

    assert updated.status_code == 200
    assert stale.status_code == 412
    assert foreign.status_code == 403
    assert client.get(path, headers=headers).get_json()["size_band"] == "self_employed"


def test_search_employers_by_sector_size_and_distance(client, session, world, places, auth_headers):
    admin = auth_headers(world.platform_admin)
    for employer, postcode, size in (
        (world.a.employer, "BD1 1AF", "micro"),
        (world.b.employer, "M1 1AE", "large"),
    ):
        etag = client.get(f"/api/v1/employers/{employer.id}", headers=admin).headers["ETag"]
        response = client.patch(
            f"/api/v1/employers/{employer.id}",
            headers={**admin, "If-Match": etag},
            json={"postcode": postcode, "size_band": size, "sector_code": "F"},
        )
        assert response.status_code == 200, response.get_json()

    near = client.get("/api/v1/employers?near=LS1 4DY&within_km=30", headers=admin).get_json()
    small = client.get("/api/v1/employers?size_band=micro", headers=admin).get_json()

    assert [(e["name"], round(e["distance_km"])) for e in near] == [("Employer A", 13)]
    assert [e["name"] for e in small] == ["Employer A"]
    assert (
        client.get("/api/v1/employers?sector_code=F", headers=admin).get_json()[0]["name"]
        == "Employer A"
    )
    assert (
        client.get(f"/api/v1/employers/{world.a.employer.id}/volunteers", headers=admin).status_code
        == 200
    )


def test_unknown_employers_are_not_found(client, world, auth_headers):
    response = client.get(
        "/api/v1/employers/00000000-0000-0000-0000-000000000001",
        headers=auth_headers(world.platform_admin),
    )
    assert response.status_code == 404
