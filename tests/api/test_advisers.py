"""Enterprise Advisers over HTTP: commitments of 8+ hours to 1-2 schools; status by hubs."""

import pytest

from models.users import Role
from tests import factories


@pytest.fixture
def spare(session, world):
    volunteer = factories.volunteer(session, world.a.employer)
    session.commit()
    return volunteer


def test_employer_staff_record_a_commitment_which_starts_as_applied(
    client, world, spare, auth_headers
):
    response = client.post(
        "/api/v1/advisers",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
        json={
            "volunteer_id": str(spare.id),
            "hours_per_month": 10,
            "school_capacity": 2,
            "expertise": ["strategy", "finance"],
            "preferred_phases": ["Secondary"],
        },
    )

    body = response.get_json()
    assert response.status_code == 201, body
    assert (body["status"], body["school_capacity"], body["volunteer"]["id"]) == (
        "applied",
        2,
        str(spare.id),
    )


@pytest.mark.parametrize(
    ("commitment", "field"),
    [
        ({"hours_per_month": 7}, "hours_per_month"),
        ({"hours_per_month": 8, "school_capacity": 3}, "school_capacity"),
        ({"hours_per_month": 8, "school_capacity": 0}, "school_capacity"),
        ({"hours_per_month": 8, "expertise": ["juggling"]}, "expertise"),
        ({"hours_per_month": 8, "status": "active"}, "status"),
    ],
)
def test_invalid_commitments_are_refused(client, world, spare, auth_headers, commitment, field):
    response = client.post(
        "/api/v1/advisers",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
        json={"volunteer_id": str(spare.id), **commitment},
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_volunteer_commits_only_once(client, world, auth_headers):
    response = client.post(
        "/api/v1/advisers",
        headers=auth_headers(world.platform_admin),
        json={"volunteer_id": str(world.a.volunteer.id), "hours_per_month": 8},
    )
    assert response.status_code == 409


def test_only_admins_and_the_hubs_coordinators_change_status(client, world, auth_headers):
    path = f"/api/v1/advisers/{world.a.adviser.id}"

    def patch(user, changes):
        headers = auth_headers(user)
        etag = client.get(path, headers=headers).headers["ETag"]
        return client.patch(path, headers={**headers, "If-Match": etag}, json=changes)

    assert patch(world.a.users[Role.VOLUNTEER], {"status": "paused"}).status_code == 403
    assert patch(world.a.users[Role.VOLUNTEER], {"hours_per_month": 12}).status_code == 200
    assert patch(world.a.users[Role.COORDINATOR], {"status": "paused"}).status_code == 200
    assert (
        patch(world.a.users[Role.COORDINATOR], {"hub_id": str(world.b.hub.id)}).status_code == 403
    )
    assert patch(world.a.users[Role.VOLUNTEER], {"hours_per_month": 4}).status_code == 422
    body = client.get(path, headers=auth_headers(world.platform_admin)).get_json()
    assert (body["status"], body["hours_per_month"]) == ("paused", 12)


def test_lists_show_only_visible_advisers_and_filter(client, world, auth_headers):
    def ids(user, **query):
        response = client.get("/api/v1/advisers", headers=auth_headers(user), query_string=query)
        return [item["id"] for item in response.get_json()]

    own, foreign = str(world.a.adviser.id), str(world.b.adviser.id)
    assert ids(world.a.users[Role.EMPLOYER_STAFF]) == [own]
    assert ids(world.a.users[Role.SCHOOL_STAFF]) == []
    assert ids(world.a.users[Role.COORDINATOR]) == [own]
    assert ids(world.platform_admin, hub_id=str(world.b.hub.id)) == [foreign]
    assert sorted(ids(world.platform_admin, expertise="strategy")) == sorted([own, foreign])
    assert ids(world.platform_admin, expertise="finance") == []
    assert ids(world.platform_admin, status="withdrawn") == []


def test_ending_a_commitment_needs_the_etag_and_keeps_the_volunteer(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    path = f"/api/v1/advisers/{world.a.adviser.id}"
    etag = client.get(path, headers=headers).headers["ETag"]

    assert client.delete(path, headers=headers).status_code == 428
    assert client.delete(path, headers={**headers, "If-Match": '"stale"'}).status_code == 412
    assert client.delete(path, headers={**headers, "If-Match": etag}).status_code == 204
    assert client.get(path, headers=headers).status_code == 404
    volunteer = client.get(f"/api/v1/volunteers/{world.a.volunteer.id}", headers=headers)
    assert volunteer.status_code == 200


def test_a_coordinator_sees_its_own_hubs_advisers_those_advising_its_schools_and_unplaced_ones(
    client, session, world, auth_headers
):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    unplaced = factories.adviser(session, factories.volunteer(session, world.b.employer))
    session.commit()

    def listed():
        return sorted(
            item["id"] for item in client.get("/api/v1/advisers", headers=coordinator).get_json()
        )

    foreign = f"/api/v1/advisers/{world.b.adviser.id}"
    before = listed(), client.get(foreign, headers=coordinator)
    etag = client.get(foreign, headers=auth_headers(world.platform_admin)).headers["ETag"]
    changed = client.patch(
        foreign, headers={**coordinator, "If-Match": etag}, json={"status": "paused"}
    )
    factories.adviser_assignment(session, world.b.adviser, world.a.school)
    session.commit()
    after = listed(), client.get(foreign, headers=coordinator)

    assert before[0] == sorted([str(world.a.adviser.id), str(unplaced.id)])
    assert before[1].status_code == 404
    assert before[1].get_json()["type"] == "/problems/not-found"
    assert changed.status_code == 404
    assert after[0] == sorted([str(world.a.adviser.id), str(world.b.adviser.id), str(unplaced.id)])
    assert after[1].status_code == 200
