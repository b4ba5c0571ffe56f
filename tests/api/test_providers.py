"""Providers over HTTP: admins add sixth forms, universities and ITPs; staff keep profiles."""

from models.users import Role
from tests.api.conftest import PLACES


def test_admins_add_a_university_located_by_postcode(client, world, places, auth_headers):
    admin = auth_headers(world.platform_admin)

    created = client.post(
        "/api/v1/providers",
        headers=admin,
        json={"name": "Uni of Leeds", "provider_type": "university", "postcode": "LS1 4DY"},
    )
    refused = client.post(
        "/api/v1/providers",
        headers=auth_headers(world.a.users[Role.PROVIDER_STAFF]),
        json={"name": "Mine", "provider_type": "itp"},
    )

    body = created.get_json()
    assert created.status_code == 201, body
    assert (body["latitude"], body["longitude"]) == PLACES["LS1 4DY"]
    assert refused.status_code == 403
    listed = client.get("/api/v1/providers?provider_type=university", headers=admin).get_json()
    assert [p["name"] for p in listed] == ["Uni of Leeds"]
    near = client.get("/api/v1/providers?near=BD1 1AF&within_km=20", headers=admin).get_json()
    assert [(p["name"], round(p["distance_km"])) for p in near] == [("Uni of Leeds", 13)]


def test_provider_staff_update_their_profile_but_not_their_type(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.PROVIDER_STAFF])
    path = f"/api/v1/providers/{world.a.provider.id}"
    etag = client.get(path, headers=headers).headers["ETag"]

    retyped = client.patch(
        path, headers={**headers, "If-Match": etag}, json={"provider_type": "university"}
    )
    updated = client.patch(
        path, headers={**headers, "If-Match": etag}, json={"website": "https://college.example.org"}
    )
    stale = client.patch(path, headers={**headers, "If-Match": etag}, json={"name": "X"})
    smuggled = client.patch(path, headers={**headers, "If-Match": "*"}, json={"ukprn": 10000001})

    assert retyped.status_code == 403
    assert updated.status_code == 200
    assert stale.status_code == 412
    assert smuggled.status_code == 422
    assert client.get(path, headers=headers).get_json()["provider_type"] == "fe_college"
