"""Adviser assignments through the API: who sees which, logging hours against the monthly
commitment, ending an assignment (and the school's place coming free for the next plan)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.outbox import OutboxEvent
from models.pairings import AdviserAssignment, AdviserHours
from models.users import Role
from services.school_years import london_today
from tests import factories

ASSIGNMENTS = "/api/v1/adviser-assignments"


def url(assignment, *rest) -> str:
    return "/".join([ASSIGNMENTS, str(assignment.id), *rest])


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def hours_rows(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AdviserHours))


@pytest.fixture
def assigned(session, world):
    """Each side's adviser serving its side's school since 60 days ago."""
    made = {
        "a": factories.adviser_assignment(session, world.a.adviser, world.a.school),
        "b": factories.adviser_assignment(session, world.b.adviser, world.b.school),
    }
    session.commit()
    return made


def test_a_confirmed_pairing_becomes_an_assignment_to_read(client, world, auth_headers):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    pairings = f"/api/v1/hubs/{world.a.hub.id}/adviser-pairings"
    plan = client.post(pairings, headers=coordinator).get_json()
    client.post(f"{pairings}/{plan['id']}/confirm", json={}, headers=coordinator)

    listed = client.get(ASSIGNMENTS, headers=coordinator)
    [assignment] = listed.get_json()
    assert assignment == {
        "id": assignment["id"],
        "adviser": {"id": str(world.a.adviser.id), "name": world.a.volunteer.name},
        "school": {"id": str(world.a.school.id), "name": "School A"},
        "hub_id": str(world.a.hub.id),
        "plan_id": plan["id"],
        "starts_on": london_today().isoformat(),
        "ends_on": None,
        "end_reason": None,
        "active": True,
        "hours_per_month": 8,
        "hours_this_month": 0,
        "hours_logged": 0,
        "created_at": assignment["created_at"],
        "updated_at": assignment["updated_at"],
    }
    read = client.get(f"{ASSIGNMENTS}/{assignment['id']}", headers=coordinator)
    assert read.status_code == 200 and read.get_json() == assignment
    unchanged = client.get(
        f"{ASSIGNMENTS}/{assignment['id']}",
        headers={**coordinator, "If-None-Match": read.headers["ETag"]},
    )
    assert unchanged.status_code == 304


def events(session) -> list[tuple[str, dict]]:
    session.expire_all()
    query = select(OutboxEvent).where(OutboxEvent.type.startswith("adviser_assignment."))
    return [(e.type, e.data) for e in session.scalars(query.order_by(OutboxEvent.position))]


def test_starting_logging_and_ending_are_published_to_the_outbox(
    client, session, world, auth_headers
):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    pairings = f"/api/v1/hubs/{world.a.hub.id}/adviser-pairings"
    plan = client.post(pairings, headers=coordinator).get_json()
    client.post(f"{pairings}/{plan['id']}/confirm", json={}, headers=coordinator)
    [assignment] = client.get(ASSIGNMENTS, headers=coordinator).get_json()
    today = london_today().isoformat()
    worked = {"worked_on": today, "hours": 1.5}
    refused = {"worked_on": today, "hours": 0.1}
    client.post(f"{ASSIGNMENTS}/{assignment['id']}/hours", json=worked, headers=coordinator)
    client.post(f"{ASSIGNMENTS}/{assignment['id']}/hours", json=refused, headers=coordinator)
    client.post(
        f"{ASSIGNMENTS}/{assignment['id']}/end", json={"reason": "Moved"}, headers=coordinator
    )

    started = {
        "assignment_id": assignment["id"],
        "adviser_id": str(world.a.adviser.id),
        "school_id": str(world.a.school.id),
        "hub_id": str(world.a.hub.id),
        "starts_on": today,
        "ends_on": None,
    }
    assert events(session) == [
        ("adviser_assignment.started", started),
        ("adviser_assignment.hours_logged", {**started, "worked_on": today, "hours": 1.5}),
        ("adviser_assignment.ended", {**started, "ends_on": today, "end_reason": "Moved"}),
    ]


@pytest.mark.parametrize(
    ("role", "sees_own"),
    [
        (Role.COORDINATOR, True),
        (Role.SCHOOL_STAFF, True),
        (Role.VOLUNTEER, True),
        (Role.EMPLOYER_STAFF, True),
        (Role.PROVIDER_STAFF, False),
    ],
)
def test_each_caller_sees_only_the_assignments_of_their_side(
    client, world, assigned, auth_headers, role, sees_own
):
    headers = auth_headers(world.a.users[role])
    assert ids(client.get(ASSIGNMENTS, headers=headers)) == (
        [str(assigned["a"].id)] if sees_own else []
    )
    assert client.get(url(assigned["a"]), headers=headers).status_code == (200 if sees_own else 404)
    foreign = client.get(url(assigned["b"]), headers=headers)
    assert foreign.status_code == 404
    assert foreign.content_type == "application/problem+json"


def test_admins_see_every_assignment(client, world, assigned, auth_headers):
    seen = ids(client.get(ASSIGNMENTS, headers=auth_headers(world.platform_admin)))
    assert sorted(seen) == sorted(str(a.id) for a in assigned.values())


def test_filters_order_and_pages(client, session, world, assigned, auth_headers):
    second = factories.school(session, hub=world.a.hub, name="School A2")
    later = factories.adviser_assignment(
        session, world.a.adviser, second, starts_on=london_today() - timedelta(days=10)
    )
    ended = factories.adviser_assignment(
        session, world.a.adviser, second, starts_on=london_today() - timedelta(days=200)
    )
    ended.ends_on = london_today() - timedelta(days=100)
    session.commit()
    admin = auth_headers(world.platform_admin)

    def listed(**query):
        return ids(client.get(ASSIGNMENTS, query_string=query, headers=admin))

    own = [str(later.id), str(assigned["a"].id), str(ended.id)]  # the latest start first
    assert listed(hub_id=world.a.hub.id) == own
    assert listed(school_id=second.id) == [str(later.id), str(ended.id)]
    assert listed(adviser_id=world.b.adviser.id) == [str(assigned["b"].id)]
    assert listed(hub_id=world.a.hub.id, active="true") == own[:2]
    assert listed(active="false") == [str(ended.id)]

    first = client.get(
        ASSIGNMENTS, query_string={"hub_id": world.a.hub.id, "page_size": 2}, headers=admin
    )
    assert ids(first) == own[:2]
    assert '"total": 3' in first.headers["X-Pagination"]
    assert 'rel="next"' in first.headers["Link"]
    bad = client.get(ASSIGNMENTS, query_string={"active": "maybe"}, headers=admin)
    assert bad.status_code == 422 and "active" in str(bad.get_json()["errors"])


def test_hours_are_logged_and_summed_this_month_and_in_all(client, world, assigned, auth_headers):
    assignment = assigned["a"]
    last_month = london_today().replace(day=1) - timedelta(days=1)
    adviser = auth_headers(world.a.users[Role.VOLUNTEER])
    entries = [
        (
            adviser,
            {"worked_on": london_today().isoformat(), "hours": 1.5, "note": "Governors' meeting"},
        ),
        (
            auth_headers(world.a.users[Role.COORDINATOR]),
            {"worked_on": last_month.isoformat(), "hours": 2},
        ),
        (
            auth_headers(world.platform_admin),
            {"worked_on": london_today().isoformat(), "hours": 0.25},
        ),
    ]
    for headers, body in entries:
        response = client.post(url(assignment, "hours"), json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
    logged = response.get_json()
    assert logged["assignment_id"] == str(assignment.id) and logged["hours"] == 0.25
    assert logged["logged_by_user_id"] == str(world.platform_admin.id)
    assert logged["note"] is None

    read = client.get(url(assignment), headers=adviser).get_json()
    assert (read["hours_this_month"], read["hours_logged"]) == (1.75, 3.75)
    listed = client.get(url(assignment, "hours"), headers=adviser)
    assert listed.status_code == 200
    assert [e["worked_on"] for e in listed.get_json()][-1] == last_month.isoformat()
    assert [e["hours"] for e in listed.get_json()] == [0.25, 1.5, 2]  # newest first
    assert '"total": 3' in listed.headers["X-Pagination"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"worked_on": (london_today() + timedelta(days=2)).isoformat(), "hours": 1}, "worked_on"),
        ({"worked_on": (london_today() - timedelta(days=61)).isoformat(), "hours": 1}, "worked_on"),
        ({"worked_on": london_today().isoformat(), "hours": 0.3}, "hours"),
        ({"worked_on": london_today().isoformat(), "hours": 0}, "hours"),
        ({"worked_on": london_today().isoformat(), "hours": 24.25}, "hours"),
        ({"worked_on": london_today().isoformat(), "hours": 1, "note": "x" * 501}, "note"),
        ({"hours": 1}, "worked_on"),
        (
            {"worked_on": london_today().isoformat(), "hours": 1, "logged_by_user_id": None},
            "logged",
        ),
    ],
)
def test_bad_hours_are_refused_and_nothing_is_written(
    client, session, world, assigned, auth_headers, body, field
):
    response = client.post(
        url(assigned["a"], "hours"), json=body, headers=auth_headers(world.a.users[Role.VOLUNTEER])
    )
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    assert field in str(response.get_json()["errors"])
    assert hours_rows(session) == 0


def test_a_day_holds_no_more_than_24_hours(client, session, world, assigned, auth_headers):
    adviser = auth_headers(world.a.users[Role.VOLUNTEER])
    day = {"worked_on": london_today().isoformat()}
    assert (
        client.post(
            url(assigned["a"], "hours"), json={**day, "hours": 20}, headers=adviser
        ).status_code
        == 201
    )
    over = client.post(url(assigned["a"], "hours"), json={**day, "hours": 4.25}, headers=adviser)
    assert over.status_code == 422 and "20 hours" in str(over.get_json()["errors"]["hours"])
    assert hours_rows(session) == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.SCHOOL_STAFF, 403), (Role.EMPLOYER_STAFF, 403), (Role.PROVIDER_STAFF, 404)],
)
def test_who_may_not_log_hours(client, session, world, assigned, auth_headers, role, status):
    body = {"worked_on": london_today().isoformat(), "hours": 1}
    headers = auth_headers(world.a.users[role])
    refused = client.post(url(assigned["a"], "hours"), json=body, headers=headers)
    assert refused.status_code == status
    assert refused.content_type == "application/problem+json"
    foreign_coordinator = auth_headers(world.b.users[Role.COORDINATOR])
    assert (
        client.post(url(assigned["a"], "hours"), json=body, headers=foreign_coordinator).status_code
        == 404
    )
    assert hours_rows(session) == 0
    if role is Role.SCHOOL_STAFF:  # the school reads what its adviser logs
        assert client.get(url(assigned["a"], "hours"), headers=headers).status_code == 200


def test_ending_an_assignment(client, session, world, assigned, auth_headers):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    adviser = auth_headers(world.a.users[Role.VOLUNTEER])
    worked = {"worked_on": (london_today() - timedelta(days=3)).isoformat(), "hours": 2}
    assert client.post(url(assigned["a"], "hours"), json=worked, headers=adviser).status_code == 201

    assert client.post(url(assigned["a"], "end"), json={}, headers=adviser).status_code == 403
    too_early = {"ends_on": (london_today() - timedelta(days=4)).isoformat()}
    ahead = {"ends_on": (london_today() + timedelta(days=1)).isoformat()}
    for body in (too_early, ahead):
        refused = client.post(url(assigned["a"], "end"), json=body, headers=coordinator)
        assert refused.status_code == 422 and "ends_on" in refused.get_json()["errors"]

    ended = client.post(
        url(assigned["a"], "end"), json={"reason": "Moved abroad"}, headers=coordinator
    )
    assert ended.status_code == 200, ended.get_json()
    body = ended.get_json()
    assert (body["active"], body["ends_on"], body["end_reason"]) == (
        False,
        london_today().isoformat(),
        "Moved abroad",
    )
    assert body["hours_logged"] == 2

    again = client.post(url(assigned["a"], "end"), json={}, headers=coordinator)
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    late = client.post(url(assigned["a"], "hours"), json={**worked, "hours": 1}, headers=adviser)
    assert late.status_code == 409
    assert hours_rows(session) == 1
    session.expire_all()
    assert session.get(AdviserAssignment, assigned["a"].id).end_reason == "Moved abroad"


def test_an_ended_assignment_frees_the_school_for_the_next_plan(client, world, auth_headers):
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    pairings = f"/api/v1/hubs/{world.a.hub.id}/adviser-pairings"
    plan = client.post(pairings, headers=coordinator).get_json()
    [assignment] = client.post(
        f"{pairings}/{plan['id']}/confirm", json={}, headers=coordinator
    ).get_json()
    assert client.post(pairings, headers=coordinator).get_json()["pairs"] == []

    ending = client.post(f"{ASSIGNMENTS}/{assignment['id']}/end", json={}, headers=coordinator)
    assert ending.status_code == 200

    [pair] = client.post(pairings, headers=coordinator).get_json()["pairs"]
    assert (pair["adviser_id"], pair["school_id"]) == (
        str(world.a.adviser.id),
        str(world.a.school.id),
    )


def test_a_partner_app_needs_the_advisers_scopes(client, session, world, assigned):
    reader = factories.api_client(session, world.a.hub.id, ["advisers:read"])
    writer = factories.api_client(session, world.a.hub.id, ["advisers:read", "advisers:write"])
    session.commit()

    def headers_of(api_client):
        body = {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": factories.CLIENT_SECRET,
        }
        token = client.post("/api/v1/auth/token", json=body).get_json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    assert ids(client.get(ASSIGNMENTS, headers=headers_of(reader))) == [str(assigned["a"].id)]
    body = {"worked_on": london_today().isoformat(), "hours": 1}
    refused = client.post(url(assigned["a"], "hours"), json=body, headers=headers_of(reader))
    assert refused.status_code == 403 and hours_rows(session) == 0
    logged = client.post(url(assigned["a"], "hours"), json=body, headers=headers_of(writer))
    assert logged.status_code == 201 and logged.get_json()["logged_by_user_id"] is None
