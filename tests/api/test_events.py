"""The event feed: each organisation reads its own events in order after an opaque cursor."""

from models.users import Role
from services import outbox
from tests import factories

EVENTS = "/api/v1/events"


def publish_booking_events(session, world, n=3):
    for side in (world.a, world.b):
        for i in range(n):
            outbox.publish(
                session, "booking.confirmed", side.booking, {"n": i, "side": side.school.name}
            )
    session.commit()


def test_a_school_reads_only_its_own_events_in_order(client, session, world, auth_headers):
    publish_booking_events(session, world)
    response = client.get(EVENTS, headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]))

    assert response.status_code == 200
    body = response.get_json()
    assert [e["data"]["n"] for e in body["events"]] == [0, 1, 2]
    assert {e["data"]["side"] for e in body["events"]} == {"School A"}
    event = body["events"][0]
    assert set(event) == {"id", "type", "occurred_at", "organisation_ids", "data"}
    assert event["occurred_at"].endswith("Z")
    assert str(world.a.school.id) in event["organisation_ids"]
    assert body["has_more"] is False


def test_paging_with_the_cursor_never_misses_or_repeats(client, session, world, auth_headers):
    publish_booking_events(session, world, n=5)
    headers = auth_headers(world.a.users[Role.EMPLOYER_STAFF])
    seen, after = [], None
    for _ in range(4):
        query = {"limit": 2, **({"after": after} if after else {})}
        body = client.get(EVENTS, query_string=query, headers=headers).get_json()
        seen += [e["data"]["n"] for e in body["events"]]
        after = body["next_after"]
    assert seen == [0, 1, 2, 3, 4]
    assert body["events"] == [] and body["next_after"] == after  # caught up: same cursor
    publish_booking_events(session, world, n=1)
    later = client.get(EVENTS, query_string={"after": after}, headers=headers).get_json()
    assert [e["data"]["n"] for e in later["events"]] == [0]


def test_the_type_filter_and_bad_input(client, session, world, auth_headers):
    outbox.publish(session, "booking.cancelled", world.a.booking, {"n": "x"})
    publish_booking_events(session, world, n=1)
    headers = auth_headers(world.a.users[Role.COORDINATOR])  # the hub follows its schools

    cancelled = client.get(EVENTS, query_string={"type": "booking.cancelled"}, headers=headers)
    both = client.get(
        EVENTS,
        query_string=[("type", "booking.cancelled"), ("type", "booking.confirmed")],
        headers=headers,
    )
    unknown = client.get(EVENTS, query_string={"type": "booking.teleported"}, headers=headers)
    garbage = client.get(EVENTS, query_string={"after": "not-a-cursor"}, headers=headers)

    assert [e["type"] for e in cancelled.get_json()["events"]] == ["booking.cancelled"]
    assert len(both.get_json()["events"]) == 2
    assert unknown.status_code == 422 and garbage.status_code == 422
    assert garbage.content_type == "application/problem+json"
    assert "after" in garbage.get_json()["errors"]


def test_a_partner_app_reads_its_organisations_feed_with_its_scope(client, session, world):
    publish_booking_events(session, world, n=2)
    app = factories.api_client(session, world.b.school.id, ["events:read"])
    other = factories.api_client(session, world.b.school.id, ["bookings:read"])
    session.commit()

    def token(app_):
        response = client.post(
            "/api/v1/auth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": app_.client_id,
                "client_secret": factories.CLIENT_SECRET,
            },
        )
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    allowed = client.get(EVENTS, headers=token(app))
    refused = client.get(EVENTS, headers=token(other))
    assert {e["data"]["side"] for e in allowed.get_json()["events"]} == {"School B"}
    assert refused.status_code == 403


def test_events_of_a_rolled_back_change_never_reach_the_feed(client, session, world, auth_headers):
    outbox.publish(session, "booking.cancelled", world.a.booking, {})
    session.rollback()
    body = client.get(EVENTS, headers=auth_headers(world.platform_admin)).get_json()
    assert body["events"] == []
