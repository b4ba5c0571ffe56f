"""Careers Hubs: lists show only what the caller may see; schools are in at most one hub."""

import json

from models.organisations import Hub, School
from models.users import Role
from services import pagination
from tests import factories


def test_lists_contain_only_the_callers_hubs(client, world, auth_headers):
    def hub_ids(user):
        return [h["id"] for h in client.get("/api/v1/hubs", headers=auth_headers(user)).get_json()]

    assert hub_ids(world.a.users[Role.COORDINATOR]) == [str(world.a.hub.id)]
    assert hub_ids(world.a.users[Role.SCHOOL_STAFF]) == [str(world.a.hub.id)]
    assert hub_ids(world.a.users[Role.EMPLOYER_STAFF]) == []
    assert sorted(hub_ids(world.platform_admin)) == sorted(
        [str(world.a.hub.id), str(world.b.hub.id)]
    )


def test_a_hub_shows_its_coordinators_and_school_count(client, world, auth_headers):
    body = client.get(
        f"/api/v1/hubs/{world.a.hub.id}", headers=auth_headers(world.a.users[Role.COORDINATOR])
    ).get_json()
    assert body["school_count"] == 1
    assert [c["email"] for c in body["coordinators"]] == ["coordinator.a@example.org"]


def test_admins_create_hubs_and_server_owned_fields_are_refused(
    client, session, world, auth_headers
):
    admin = auth_headers(world.platform_admin)

    created = client.post("/api/v1/hubs", headers=admin, json={"name": "Leeds", "area": "Leeds"})
    smuggled = client.post(
        "/api/v1/hubs",
        headers=admin,
        json={
            "name": "X",
            "area": "Y",
            "id": "00000000-0000-0000-0000-000000000001",
            "kind": "school",
        },
    )

    assert created.status_code == 201
    assert smuggled.status_code == 422
    assert set(smuggled.get_json()["errors"]) == {"id", "kind"}
    assert session.query(Hub).count() == 3


def test_a_coordinator_adds_a_school_that_is_in_no_hub(client, session, world, auth_headers):
    free_school = factories.school(session)
    session.commit()
    headers = auth_headers(world.a.users[Role.COORDINATOR])

    added = client.put(f"/api/v1/hubs/{world.a.hub.id}/schools/{free_school.id}", headers=headers)
    taken = client.put(
        f"/api/v1/hubs/{world.a.hub.id}/schools/{world.b.school.id}", headers=headers
    )

    assert added.status_code == 204
    assert taken.status_code == 409
    session.expire_all()
    assert session.get(School, free_school.id).hub_id == world.a.hub.id
    assert session.get(School, world.b.school.id).hub_id == world.b.hub.id


def test_school_staff_follow_their_school_out_of_a_hub(client, world, auth_headers):
    staff = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    assert client.get(f"/api/v1/hubs/{world.a.hub.id}", headers=staff).status_code == 200

    removed = client.delete(
        f"/api/v1/hubs/{world.a.hub.id}/schools/{world.a.school.id}",
        headers=auth_headers(world.a.users[Role.COORDINATOR]),
    )

    assert removed.status_code == 204
    assert client.get(f"/api/v1/hubs/{world.a.hub.id}", headers=staff).status_code == 404


def test_updates_need_the_current_etag(client, session, world, auth_headers):
    headers = auth_headers(world.a.users[Role.COORDINATOR])
    path = f"/api/v1/hubs/{world.a.hub.id}"
    etag = client.get(path, headers=headers).headers["ETag"]

    missing = client.patch(path, headers=headers, json={"area": "One"})
    updated = client.patch(path, headers={**headers, "If-Match": etag}, json={"area": "Two"})
    stale = client.patch(path, headers={**headers, "If-Match": etag}, json={"area": "Three"})

    assert missing.status_code == 428
    assert updated.status_code == 200
    assert updated.headers["ETag"] != etag
    assert stale.status_code == 412
    assert stale.content_type == "application/problem+json"
    session.expire_all()
    assert session.get(Hub, world.a.hub.id).area == "Two"


def test_an_unchanged_hub_answers_304_to_if_none_match(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.COORDINATOR])
    path = f"/api/v1/hubs/{world.a.hub.id}"
    etag = client.get(path, headers=headers).headers["ETag"]

    response = client.get(path, headers={**headers, "If-None-Match": etag})

    assert response.status_code == 304
    assert response.data == b""


def test_a_list_longer_than_the_count_limit_pages_on_without_counting_it_all(
    client, session, world, auth_headers, monkeypatch
):
    """COUNT_LIMIT of 3 stands for 10,000: the list's total becomes a lower bound."""
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    for n in range(5):
        factories.hub(session, f"Extra hub {n}")
    session.commit()  # 7 hubs with the world's two
    admin = auth_headers(world.platform_admin)

    first = client.get("/api/v1/hubs?page_size=2", headers=admin)
    last = client.get("/api/v1/hubs?page=4&page_size=2", headers=admin)

    metadata = json.loads(first.headers["X-Pagination"])
    assert metadata["total_exact"] is False and metadata["total"] >= 4
    assert "last_page" not in metadata and "total_pages" not in metadata
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' not in first.headers["Link"]
    assert len(last.get_json()) == 1
    assert json.loads(last.headers["X-Pagination"])["total"] == 7
    assert 'rel="next"' not in last.headers["Link"]
    exact = json.loads(
        client.get("/api/v1/hubs", headers=auth_headers(world.a.users[Role.COORDINATOR])).headers[
            "X-Pagination"
        ]
    )
    assert exact["total_exact"] is True and exact["total"] == 1
