"""Needs through the API: posting, reading, changing, cancelling; ranked candidates and
a volunteer's opportunities."""

from datetime import date, timedelta

import pytest

from models.needs import NeedStatus
from models.users import Role
from tests import factories

NEEDS = "/api/v1/needs"


def body(world, **values):
    starts = date.today() + timedelta(days=7)
    return {
        "school_id": str(world.a.school.id),
        "title": "Careers talk",
        "activity_type": "careers_talk",
        "benchmark": 5,
        "year_groups": [9, 10],
        "pupils": 60,
        "mode": "in_person",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=21)).isoformat(),
        **values,
    }


def post(client, auth_headers, user, payload):
    return client.post(NEEDS, json=payload, headers=auth_headers(user))


def test_school_staff_post_read_and_list_a_need(client, world, auth_headers):
    staff = world.a.users[Role.SCHOOL_STAFF]
    response = post(client, auth_headers, staff, body(world, sectors=["F", "F"], topics=["STEM"]))
    assert response.status_code == 201, response.get_json()
    need = response.get_json()
    assert need["status"] == "open"
    assert need["sectors"] == ["F"]
    assert need["school"]["id"] == str(world.a.school.id)
    assert need["safeguarding"]["level"] == "none"

    read = client.get(f"{NEEDS}/{need['id']}", headers=auth_headers(staff))
    assert read.status_code == 200 and "ETag" in read.headers
    listed = client.get(NEEDS, headers=auth_headers(staff)).get_json()
    assert [n["id"] for n in listed] == [need["id"]]
    assert (
        client.get(NEEDS, headers=auth_headers(world.b.users[Role.SCHOOL_STAFF])).get_json() == []
    )


def test_regulated_mentoring_needs_an_enhanced_check(client, world, auth_headers):
    payload = body(world, activity_type="mentoring", supervised=False, frequency="weekly")
    need = post(client, auth_headers, world.a.users[Role.SCHOOL_STAFF], payload).get_json()
    assert need["safeguarding"]["level"] == "enhanced_dbs_with_barred_list"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"ends_on": "2020-01-01", "starts_on": "2020-02-01"}, "ends_on"),
        ({"benchmark": 6}, "benchmark"),
        ({"activity_type": "job_shadowing"}, "benchmark"),
        ({"earliest_time": "13:00", "latest_time": "09:00"}, "latest_time"),
        ({"year_groups": [6]}, "year_groups"),
        ({"status": "matched"}, "status"),
    ],
)
def test_invalid_needs_are_422(client, world, auth_headers, values, field):
    response = post(client, auth_headers, world.a.users[Role.SCHOOL_STAFF], body(world, **values))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_only_the_school_side_posts(client, world, auth_headers):
    coordinator = world.a.users[Role.COORDINATOR]
    assert post(client, auth_headers, coordinator, body(world)).status_code == 201
    for user in (world.b.users[Role.SCHOOL_STAFF], world.b.users[Role.COORDINATOR]):
        assert post(client, auth_headers, user, body(world)).status_code == 403
    assert post(client, auth_headers, world.a.users[Role.VOLUNTEER], body(world)).status_code == 403


def test_foreign_needs_are_404(client, world, session, auth_headers):
    need = factories.need(session, world.b.school)
    session.commit()
    for role in (Role.SCHOOL_STAFF, Role.COORDINATOR, Role.VOLUNTEER, Role.EMPLOYER_STAFF):
        response = client.get(f"{NEEDS}/{need.id}", headers=auth_headers(world.a.users[role]))
        assert response.status_code == 404


def test_patch_with_etag_and_only_while_open(client, world, session, auth_headers):
    need = factories.need(session, world.a.school)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    etag = client.get(f"{NEEDS}/{need.id}", headers=headers).headers["ETag"]
    response = client.patch(
        f"{NEEDS}/{need.id}", json={"pupils": 90}, headers={**headers, "If-Match": etag}
    )
    assert response.status_code == 200 and response.get_json()["pupils"] == 90
    stale = client.patch(
        f"{NEEDS}/{need.id}", json={"pupils": 10}, headers={**headers, "If-Match": etag}
    )
    assert stale.status_code == 412

    assert client.post(f"{NEEDS}/{need.id}/cancel", headers=headers).status_code == 200
    assert client.post(f"{NEEDS}/{need.id}/cancel", headers=headers).status_code == 409
    etag = client.get(f"{NEEDS}/{need.id}", headers=headers).headers["ETag"]
    closed = client.patch(
        f"{NEEDS}/{need.id}", json={"pupils": 10}, headers={**headers, "If-Match": etag}
    )
    assert closed.status_code == 409


def test_candidates_are_ranked_explained_and_exclusions_counted(
    client, world, session, auth_headers
):
    need = factories.need(session, world.a.school)
    factories.volunteer(session, world.a.employer, modes=["virtual"])  # wrong mode
    factories.volunteer(session, world.a.employer, travel_radius_km=0, latitude=53.9)  # too far
    factories.volunteer(session, world.b.employer, latitude=53.80, longitude=-1.55)
    session.commit()
    response = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    )
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert page["total"] == 3 == len(page["items"])
    assert page["excluded"]["wrong_mode"] == 1
    assert page["excluded"]["out_of_range"] == 1
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)
    for item in page["items"]:
        assert sum(f["contribution"] for f in item["breakdown"]) == pytest.approx(
            item["score"], abs=1e-4
        )
        assert item["volunteer"]["employer"]["name"]
    assert "X-Pagination" in response.headers


def test_candidates_exclude_the_unsafe_for_regulated_activity(client, world, session, auth_headers):
    need = factories.need(
        session, world.a.school, activity_type="mentoring", supervised=False, frequency="weekly"
    )
    world.b.volunteer.dbs_issued_on = date.today() - timedelta(days=4 * 365)
    session.commit()
    page = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.COORDINATOR])
    ).get_json()
    assert page["excluded"]["safeguarding"] == 1
    assert [i["volunteer"]["id"] for i in page["items"]] == [str(world.a.volunteer.id)]


def test_candidates_are_for_the_school_side(client, world, session, auth_headers):
    need = factories.need(session, world.a.school)
    session.commit()
    url = f"{NEEDS}/{need.id}/candidates"
    assert (
        client.get(url, headers=auth_headers(world.b.users[Role.SCHOOL_STAFF])).status_code == 404
    )
    assert client.get(url, headers=auth_headers(world.platform_admin)).status_code == 200


def test_a_volunteer_sees_opportunities_ranked(client, world, session, auth_headers):
    near = factories.need(session, world.a.school, title="Near")
    factories.need(session, world.b.school, title="Also near", sectors=["J"])
    factories.need(session, world.a.school, title="Virtual only", mode="virtual")
    closed = factories.need(session, world.a.school, title="Closed")
    closed.status = NeedStatus.CANCELLED
    session.commit()
    volunteer = world.a.volunteer
    response = client.get(
        f"/api/v1/volunteers/{volunteer.id}/opportunities",
        headers=auth_headers(world.a.users[Role.VOLUNTEER]),
    )
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    titles = [item["need"]["title"] for item in page["items"]]
    assert titles == ["Near", "Also near"]  # the sector asked for (J) is not the volunteer's
    assert page["excluded"]["wrong_mode"] == 1
    assert page["items"][0]["need"]["id"] == str(near.id)
    other = client.get(
        f"/api/v1/volunteers/{volunteer.id}/opportunities",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
    )
    assert other.status_code == 403


def test_load_and_variety_come_from_recent_matches(client, world, session, auth_headers):
    from models.matches import MatchStatus

    need = factories.need(session, world.a.school)
    busy = world.b.volunteer
    for _ in range(4):  # four commitments this month: at the limit
        other = factories.need(session, world.b.school)
        factories.match(session, other, busy, MatchStatus.ACCEPTED)
    asked = factories.volunteer(session, world.a.employer)
    factories.match(session, factories.need(session, world.b.school), asked, MatchStatus.DECLINED)
    session.commit()
    page = client.get(
        f"{NEEDS}/{need.id}/candidates", headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])
    ).get_json()
    assert page["excluded"]["at_monthly_limit"] == 1
    fairness = {
        item["volunteer"]["id"]: next(f for f in item["breakdown"] if f["factor"] == "fairness")
        for item in page["items"]
    }
    assert fairness[str(asked.id)]["value"] == 0.75
    assert fairness[str(world.a.volunteer.id)]["value"] == 1.0
