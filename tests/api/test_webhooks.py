"""Webhook subscriptions through the API: secrets shown once, SSRF refusals, pause, ping,
the delivery log and redelivery, and never another organisation's."""

import uuid

import pytest

from models.users import Role
from services import egress, webhooks
from services.callers import Caller
from tests import factories

HOOKS = "/api/v1/webhook-subscriptions"
PUBLIC = "https://93.184.216.34/hook"  # an address literal: checked without DNS


@pytest.fixture
def school_admin(world, auth_headers):
    return auth_headers(world.a.users[Role.SCHOOL_STAFF])


def create(client, headers, url=PUBLIC, types=("booking.confirmed",)):
    return client.post(HOOKS, json={"url": url, "event_types": list(types)}, headers=headers)


def test_the_secret_is_shown_once_in_the_standard_form(client, school_admin):
    made = create(client, school_admin)
    assert made.status_code == 201
    body = made.get_json()
    assert body["secret"].startswith("whsec_")
    assert body["subscription"]["status"] == "active"
    read = client.get(f"{HOOKS}/{body['subscription']['id']}", headers=school_admin)
    listed = client.get(HOOKS, headers=school_admin)
    assert "secret" not in read.get_json() and body["secret"] not in listed.get_data(as_text=True)


FORBIDDEN_URLS = [
    "http://93.184.216.34/hook",  # not https (outside development)
    "https://127.0.0.1/hook",
    "https://localhost./hook",
    "https://[::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped IPv6
    "https://2130706433/hook",  # 127.0.0.1 in decimal
    "https://0x7f.0.0.1/hook",  # hexadecimal
    "https://0177.0.0.1/hook",  # octal
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://224.0.0.1/hook",  # multicast
    "https://0.0.0.0/hook",  # unspecified
    "https://240.0.0.1/hook",  # reserved
    "https://user:pass@93.184.216.34/hook",  # user-info
    "https://93.184.216.34@127.0.0.1/hook",
    "ftp://93.184.216.34/hook",
    "file:///etc/passwd",
    "gopher://93.184.216.34/",
]


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
def test_forbidden_urls_are_refused(client, app, school_admin, url):
    app.config["ENGAGE_ENV"] = "production"  # https required, as in production
    response = create(client, school_admin, url=url)
    assert response.status_code == 422, url
    assert "url" in response.get_json()["errors"]


def test_a_host_name_resolving_to_a_private_address_is_refused():
    private = lambda host, port: ["93.184.216.34", "10.0.0.7"]  # noqa: E731 - any one counts
    with pytest.raises(egress.RefusedURL):
        egress.check_url("https://hooks.partner.example/x", egress.Policy(), resolve=private)
    public = lambda host, port: ["93.184.216.34"]  # noqa: E731
    assert egress.check_url("https://hooks.partner.example/x", egress.Policy(), resolve=public)


def test_loopback_only_when_configured(client, app, school_admin):
    assert create(client, school_admin, url="http://127.0.0.1:9/hook").status_code == 422
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    assert create(client, school_admin, url="http://127.0.0.1:9/hook").status_code == 201


def test_pause_resume_and_types(client, school_admin):
    made = create(client, school_admin).get_json()["subscription"]
    url = f"{HOOKS}/{made['id']}"
    etag = client.get(url, headers=school_admin).headers["ETag"]
    paused = client.patch(
        url,
        json={"status": "paused", "event_types": ["booking.cancelled", "match.accepted"]},
        headers={**school_admin, "If-Match": etag},
    )
    assert paused.status_code == 200
    assert paused.get_json()["status"] == "paused"
    assert paused.get_json()["event_types"] == ["booking.cancelled", "match.accepted"]
    stale = client.patch(url, json={"status": "active"}, headers={**school_admin, "If-Match": etag})
    assert stale.status_code == 412
    bad = create(client, school_admin, types=["booking.teleported"])
    assert bad.status_code == 422


def test_ping_rotation_deliveries_and_redelivery(client, session, world, school_admin):
    made = create(client, school_admin).get_json()["subscription"]
    url = f"{HOOKS}/{made['id']}"
    pinged = client.post(f"{url}/ping", headers=school_admin)
    assert pinged.status_code == 202 and pinged.get_json()["event_type"] == "webhook.ping"

    rotated = client.post(f"{url}/rotate-secret", json={"overlap_hours": 2}, headers=school_admin)
    assert rotated.get_json()["secret"].startswith("whsec_")
    assert rotated.get_json()["subscription"]["previous_secret_expires_at"]

    subscription = webhooks.get(session, _caller(world), uuid.UUID(made["id"]))
    failed = factories.failed_delivery(session, subscription)
    session.commit()
    log = client.get(f"{url}/deliveries", headers=school_admin).get_json()
    assert {d["status"] for d in log} == {"pending", "failed"}
    assert all("attempt_log" in d for d in log)
    redelivered = client.post(f"{url}/deliveries/{failed.id}/redeliver", headers=school_admin)
    assert redelivered.status_code == 202 and redelivered.get_json()["status"] == "pending"
    again = client.post(f"{url}/deliveries/{failed.id}/redeliver", headers=school_admin)
    assert again.status_code == 409


def test_another_organisations_subscriptions_are_not_found(client, world, auth_headers):
    theirs = create(client, auth_headers(world.b.users[Role.SCHOOL_STAFF])).get_json()
    mine = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    url = f"{HOOKS}/{theirs['subscription']['id']}"
    assert client.get(url, headers=mine).status_code == 404
    assert client.get(f"{url}/deliveries", headers=mine).status_code == 404
    assert client.get(HOOKS, headers=mine).get_json() == []


def test_a_partner_app_subscribes_with_its_scope(client, session, world):
    app_ = factories.api_client(session, world.a.employer.id, ["webhooks:read", "webhooks:write"])
    session.commit()
    token = client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app_.client_id,
            "client_secret": factories.CLIENT_SECRET,
        },
    ).get_json()["access_token"]
    made = create(client, {"Authorization": f"Bearer {token}"})
    assert made.status_code == 201
    assert made.get_json()["subscription"]["organisation_id"] == str(world.a.employer.id)


def _caller(world):
    user = world.a.users[Role.SCHOOL_STAFF]
    return Caller(
        role=user.role, organisation_id=user.organisation_id, user_id=user.id, is_org_admin=True
    )
