"""A person's notification choices through the API; unsubscribing is in the services tests,
from a real message's List-Unsubscribe header."""

from models.notifications import Delivery, NotificationPreference
from models.users import Role

URL = "/api/v1/me/notification-preferences"


def test_everyone_starts_with_immediate_delivery_and_sees_what_is_always_sent(
    client, world, auth_headers
):
    response = client.get(URL, headers=auth_headers(world.a.users[Role.VOLUNTEER]))

    assert response.status_code == 200
    assert response.get_json() == {
        "delivery": "immediate",
        "essential_kinds": [
            "booking_decided",
            "invitation",
            "match_invited",
            "password_reset",
            "request_answered",
            "waitlist_offered",
        ],
    }
    assert response.headers["ETag"]


def test_a_choice_needs_the_current_etag_and_is_ones_own(client, session, world, auth_headers):
    volunteer = world.a.users[Role.VOLUNTEER]
    headers = auth_headers(volunteer)
    etag = client.get(URL, headers=headers).headers["ETag"]

    missing = client.put(URL, json={"delivery": "off"}, headers=headers)
    chosen = client.put(URL, json={"delivery": "off"}, headers={**headers, "If-Match": etag})
    stale = client.put(URL, json={"delivery": "immediate"}, headers={**headers, "If-Match": etag})

    assert missing.status_code == 428
    assert chosen.status_code == 200 and chosen.get_json()["delivery"] == "off"
    assert stale.status_code == 412
    assert session.get(NotificationPreference, volunteer.id).delivery is Delivery.OFF
    other = client.get(URL, headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]))
    assert other.get_json()["delivery"] == "immediate"


def test_unknown_choices_and_smuggled_fields_are_refused(client, session, world, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    etag = client.get(URL, headers=headers).headers["ETag"]
    headers["If-Match"] = etag

    weekly = client.put(URL, json={"delivery": "weekly"}, headers=headers)
    smuggled = client.put(URL, json={"delivery": "off", "essential_kinds": []}, headers=headers)

    assert weekly.status_code == 422 and "delivery" in weekly.get_json()["errors"]
    assert smuggled.status_code == 422 and "essential_kinds" in smuggled.get_json()["errors"]
    assert session.query(NotificationPreference).count() == 0
