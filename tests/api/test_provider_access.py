"""Provider access: the school's policy statement, versioned, read by everyone signed in."""

from datetime import time

from sqlalchemy import select

from models.encounters import Encounter
from models.outbox import OutboxEvent
from models.users import Role
from services import provider_access
from tests.factories import school_day

POLICY = "/api/v1/schools/{}/provider-access-policy"


def policy_body(**changes):
    body = {
        "procedure": "Email the careers leader with two proposed dates.",
        "grant_criteria": "Granted when a date fits the timetable.",
        "refusal_grounds": ["Exam period", "No suitable room on the date"],
        "premises": "The main hall (200 seats) and two classrooms with projectors.",
        "key_phases": ["y12_13", "y8_9", "y10_11"],
        "contact_name": "Ms Careers",
        "contact_email": "careers@school.example.org",
    }
    return {**body, **changes}


def test_a_school_publishes_versions_and_everyone_reads_the_current_one(
    client, session, world, auth_headers
):
    school = world.a.school
    staff = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    assert client.get(POLICY.format(school.id), headers=staff).status_code == 404

    first = client.post(f"{POLICY.format(school.id)}/versions", headers=staff, json=policy_body())
    second = client.post(
        f"{POLICY.format(school.id)}/versions",
        headers=staff,
        json=policy_body(refusal_grounds=["Exam period"]),
    )
    provider = auth_headers(world.b.users[Role.PROVIDER_STAFF])
    current = client.get(POLICY.format(school.id), headers=provider)
    versions = client.get(f"{POLICY.format(school.id)}/versions", headers=provider)
    old = client.get(f"{POLICY.format(school.id)}/versions/1", headers=provider)

    assert first.status_code == second.status_code == 201
    assert (first.get_json()["version"], second.get_json()["version"]) == (1, 2)
    assert first.get_json()["key_phases"] == ["y8_9", "y10_11", "y12_13"]
    assert current.status_code == 200 and current.headers["ETag"]
    assert current.get_json()["refusal_grounds"] == ["Exam period"]
    assert [v["version"] for v in versions.get_json()] == [2, 1]
    assert old.get_json()["refusal_grounds"] == ["Exam period", "No suitable room on the date"]
    assert provider_access.get_policy(session, school_id=school.id).version == 2
    assert provider_access.get_policy(session, school_id=world.b.school.id) is None
    events = session.scalars(
        select(OutboxEvent.data).where(OutboxEvent.type == "provider_access_policy.published")
    ).all()
    assert sorted(e["version"] for e in events) == [1, 2]


def test_only_the_school_publishes_and_bad_policies_change_nothing(
    client, session, world, auth_headers
):
    path = f"{POLICY.format(world.a.school.id)}/versions"
    coordinator = client.post(
        path, headers=auth_headers(world.a.users[Role.COORDINATOR]), json=policy_body()
    )
    staff = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    empty = client.post(path, headers=staff, json=policy_body(refusal_grounds=[]))
    phase = client.post(path, headers=staff, json=policy_body(key_phases=["y7"]))
    foreign = client.post(
        f"{POLICY.format(world.b.school.id)}/versions", headers=staff, json=policy_body()
    )
    unknown_version = client.get(f"{path}/99999999999", headers=staff)

    assert coordinator.status_code == 403
    assert empty.status_code == phase.status_code == 422
    assert set(empty.get_json()["errors"]) == {"refusal_grounds"}
    assert foreign.status_code == 403
    assert unknown_version.status_code == 404
    assert provider_access.get_policy(session, school_id=world.a.school.id) is None


ACCESS = "/api/v1/provider-access-requests"
ALL_FOUR = [
    "provider_and_qualifications",
    "careers_they_lead_to",
    "what_learning_is_like",
    "pupils_questions",
]


def access_body(world, **changes):
    body = {
        "school_id": str(world.a.school.id),
        "activity": "assembly",
        "year_groups": [10, 11],
        "preferred_dates": [school_day(10).isoformat(), school_day(17).isoformat()],
        "content": ALL_FOUR,
        "pupils": 180,
    }
    return {**body, **changes}


def grant(day=None, **changes):
    return {
        "date": (day or school_day(10)).isoformat(),
        "starts_at": "09:00",
        "ends_at": "09:40",
        **changes,
    }


def publish_policy(client, world, auth_headers):
    client.post(
        f"{POLICY.format(world.a.school.id)}/versions",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json=policy_body(),
    )


def test_a_provider_asks_and_the_school_grants_a_provider_access_encounter(
    client, session, world, auth_headers
):
    provider = auth_headers(world.a.users[Role.PROVIDER_STAFF])
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    made = client.post(ACCESS, headers=provider, json=access_body(world))
    request_id = made.get_json()["id"]
    inbox = client.get(ACCESS, headers=school).get_json()
    granted = client.post(f"{ACCESS}/{request_id}/accept", headers=school, json=grant())

    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == "requested"
    assert made.get_json()["requested_by"] == "partner"
    assert [r["id"] for r in inbox] == [request_id]
    assert granted.status_code == 200, granted.get_json()
    assert granted.get_json()["status"] == "scheduled"
    encounter = session.scalar(select(Encounter).where(Encounter.school_id == world.a.school.id))
    assert (encounter.benchmark, encounter.provider_access) == (7, True)
    assert encounter.provider_id == world.a.provider.id
    assert encounter.occurred_on == school_day(10)
    assert encounter.head_counts == {"10": 90, "11": 90}
    types = session.scalars(
        select(OutboxEvent.type).where(OutboxEvent.type.startswith("provider_access_request."))
    ).all()
    assert sorted(types) == [
        "provider_access_request.requested",
        "provider_access_request.scheduled",
    ]


def test_a_school_refuses_only_on_a_ground_its_policy_publishes(client, world, auth_headers):
    provider = auth_headers(world.a.users[Role.PROVIDER_STAFF])
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    request_id = client.post(ACCESS, headers=provider, json=access_body(world)).get_json()["id"]

    without_policy = client.post(
        f"{ACCESS}/{request_id}/decline", headers=school, json={"reason": "Exam period"}
    )
    publish_policy(client, world, auth_headers)
    unlisted = client.post(
        f"{ACCESS}/{request_id}/decline", headers=school, json={"reason": "We prefer sixth forms"}
    )
    listed = client.post(
        f"{ACCESS}/{request_id}/decline", headers=school, json={"reason": "Exam period"}
    )
    again = client.post(
        f"{ACCESS}/{request_id}/decline", headers=school, json={"reason": "Exam period"}
    )

    assert without_policy.status_code == 422
    assert unlisted.status_code == 422
    assert "Exam period" in unlisted.get_json()["errors"]["reason"][0]
    assert listed.status_code == 200
    assert listed.get_json()["status"] == "declined"
    assert again.status_code == 409


def test_requests_cover_the_four_items_and_grants_fit_the_school_day(
    client, session, world, auth_headers
):
    provider = auth_headers(world.a.users[Role.PROVIDER_STAFF])
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    world.a.school.day_starts_at, world.a.school.day_ends_at = time(8, 45), time(15, 10)
    session.commit()

    missing = client.post(ACCESS, headers=provider, json=access_body(world, content=ALL_FOUR[:3]))
    year_7 = client.post(ACCESS, headers=provider, json=access_body(world, year_groups=[7, 8]))
    request_id = client.post(ACCESS, headers=provider, json=access_body(world)).get_json()["id"]
    before_school = client.post(
        f"{ACCESS}/{request_id}/accept", headers=school, json=grant(starts_at="08:30")
    )
    after_school = client.post(
        f"{ACCESS}/{request_id}/accept", headers=school, json=grant(ends_at="15:30")
    )
    no_date = client.post(f"{ACCESS}/{request_id}/accept", headers=school, json={})
    provider_grants = client.post(f"{ACCESS}/{request_id}/accept", headers=provider, json=grant())
    proposed = client.post(
        f"{ACCESS}/{request_id}/propose",
        headers=school,
        json=grant(starts_at="13:00", ends_at="14:00"),
    )
    taken = client.post(f"{ACCESS}/{request_id}/accept", headers=provider, json={})

    assert missing.status_code == 422 and set(missing.get_json()["errors"]) == {"content"}
    assert year_7.status_code == 422
    assert before_school.status_code == after_school.status_code == 422
    assert "08:45 to 15:10" in before_school.get_json()["errors"]["starts_at"][0]
    assert no_date.status_code == 422
    assert provider_grants.status_code == 403
    assert proposed.get_json()["status"] == "proposed"
    assert taken.get_json()["status"] == "scheduled"
    assert taken.get_json()["starts_at"] == "13:00"


def test_who_sees_and_acts_on_provider_access_requests(client, world, auth_headers):
    provider = auth_headers(world.a.users[Role.PROVIDER_STAFF])
    request_id = client.post(ACCESS, headers=provider, json=access_body(world)).get_json()["id"]

    def read(role, side="a"):
        return client.get(
            f"{ACCESS}/{request_id}", headers=auth_headers(getattr(world, side).users[role])
        ).status_code

    coordinator_grants = client.post(
        f"{ACCESS}/{request_id}/accept",
        headers=auth_headers(world.a.users[Role.COORDINATOR]),
        json=grant(),
    )
    as_offer_request = client.get(f"/api/v1/offer-requests/{request_id}", headers=provider)

    assert read(Role.SCHOOL_STAFF) == read(Role.COORDINATOR) == read(Role.PROVIDER_STAFF) == 200
    assert read(Role.EMPLOYER_STAFF) == read(Role.VOLUNTEER) == 404
    assert read(Role.PROVIDER_STAFF, "b") == read(Role.SCHOOL_STAFF, "b") == 404
    assert coordinator_grants.status_code == 403
    assert as_offer_request.status_code == 404
