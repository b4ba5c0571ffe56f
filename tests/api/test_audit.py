"""The audit log: every write appends a row in the same transaction; nobody can change it."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from models.audit import AuditEntry
from models.users import Role


def update_hub(client, headers, hub_id, area):
    """PATCH a hub the way a client must: with the ETag it just read."""
    path = f"/api/v1/hubs/{hub_id}"
    etag = client.get(path, headers=headers).headers.get("ETag", "none")
    return client.patch(path, headers={**headers, "If-Match": etag}, json={"area": area})


def test_a_write_appends_an_entry_naming_actor_organisation_object_and_request(
    client, session, world, auth_headers
):
    coordinator = world.a.users[Role.COORDINATOR]

    response = update_hub(
        client,
        {**auth_headers(coordinator), "X-Request-ID": "req-audit-0001"},
        world.a.hub.id,
        "West Yorkshire",
    )

    assert response.status_code == 200
    entry = session.query(AuditEntry).one()
    assert entry.action == "hub.updated"
    assert (entry.object_type, entry.object_id) == ("hub", str(world.a.hub.id))
    assert entry.actor_user_id == coordinator.id
    assert entry.organisation_id == world.a.hub.id
    assert entry.request_id == "req-audit-0001"
    assert entry.occurred_at.tzinfo is not None


def test_a_refused_write_appends_nothing(client, session, world, auth_headers):
    response = update_hub(
        client, auth_headers(world.a.users[Role.COORDINATOR]), world.b.hub.id, "Elsewhere"
    )
    assert response.status_code == 404
    assert session.query(AuditEntry).count() == 0


def test_registering_a_partner_app_is_audited(client, session, world, auth_headers):
    registered = client.post(
        "/api/v1/api-clients",
        headers=auth_headers(world.a.users[Role.COORDINATOR]),
        json={"name": "Hub CRM", "scopes": ["hubs:read"]},
    ).get_json()
    entry = session.query(AuditEntry).filter_by(action="api_client.created").one()
    assert entry.object_id == registered["client"]["id"]
    assert entry.actor_user_id == world.a.users[Role.COORDINATOR].id


def test_admins_read_everything_and_org_admins_only_their_own(client, world, auth_headers):
    for side in (world.a, world.b):
        update_hub(client, auth_headers(side.users[Role.COORDINATOR]), side.hub.id, "Changed")

    everything = client.get("/api/v1/audit-log", headers=auth_headers(world.platform_admin))
    own = client.get("/api/v1/audit-log", headers=auth_headers(world.a.users[Role.COORDINATOR]))

    assert {e["object_id"] for e in everything.get_json()} == {
        str(world.a.hub.id),
        str(world.b.hub.id),
    }
    assert [e["object_id"] for e in own.get_json()] == [str(world.a.hub.id)]
    assert "X-Pagination" in own.headers


def test_members_who_are_not_org_admins_may_not_read_it(client, world, auth_headers):
    response = client.get("/api/v1/audit-log", headers=auth_headers(world.a.users[Role.VOLUNTEER]))
    assert response.status_code == 403


def test_filters_narrow_the_log(client, world, auth_headers):
    admin = auth_headers(world.platform_admin)
    update_hub(client, admin, world.a.hub.id, "One")
    client.post("/api/v1/hubs", headers=admin, json={"name": "New", "area": "Two"})

    created = client.get("/api/v1/audit-log?action=hub.created", headers=admin).get_json()
    by_object = client.get(
        f"/api/v1/audit-log?object_id={world.a.hub.id}", headers=admin
    ).get_json()
    by_actor = client.get(
        f"/api/v1/audit-log?actor_user_id={uuid.uuid4()}", headers=admin
    ).get_json()

    assert [e["action"] for e in created] == ["hub.created"]
    assert [e["action"] for e in by_object] == ["hub.updated"]
    assert by_actor == []


def test_no_api_call_can_change_or_delete_entries(client, world, auth_headers):
    admin = auth_headers(world.platform_admin)
    update_hub(client, admin, world.a.hub.id, "One")
    entry_id = client.get("/api/v1/audit-log", headers=admin).get_json()[0]["id"]

    for method in ("PUT", "PATCH", "DELETE", "POST"):
        assert (
            client.open("/api/v1/audit-log", method=method, headers=admin, json={}).status_code
            == 405
        )
        assert (
            client.open(f"/api/v1/audit-log/{entry_id}", method=method, headers=admin).status_code
            == 404
        )


def test_the_next_link_carries_a_cursor_that_reads_on_from_the_last_row(
    client, session, world, auth_headers
):
    admin = auth_headers(world.platform_admin)
    moment = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for i in range(25):  # ties on the time: the id orders them
        session.add(
            AuditEntry(
                occurred_at=moment - timedelta(minutes=i // 3),
                action="test.paged",
                object_type="test",
                object_id=str(i),
            )
        )
    session.commit()
    by_page = [
        entry["id"]
        for n in (1, 2, 3)
        for entry in client.get(
            f"/api/v1/audit-log?action=test.paged&page_size=10&page={n}", headers=admin
        ).get_json()
    ]

    by_cursor, url, pages = [], "/api/v1/audit-log?action=test.paged&page_size=10", []
    while url:
        response = client.get(url, headers=admin)
        assert response.status_code == 200
        by_cursor += [entry["id"] for entry in response.get_json()]
        pages.append(json.loads(response.headers["X-Pagination"]))
        nexts = [
            link for link in response.headers.get("Link", "").split(", ") if 'rel="next"' in link
        ]
        url = nexts[0][1 : nexts[0].index(">")].removeprefix("http://localhost") if nexts else None

    assert len(by_page) == 25 and by_cursor == by_page
    assert [p["total"] for p in pages] == [25, 25, 25]
    assert "page" not in pages[1]  # a cursor's page has no number
    refused = client.get("/api/v1/audit-log?after=bm90LWEtY3Vyc29y", headers=admin)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"after": ["Not a cursor this list handed out."]}
