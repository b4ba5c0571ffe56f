"""Provider access: the school's policy statement, versioned, read by everyone signed in."""

from sqlalchemy import select

from models.bookings import OutboxEvent
from models.users import Role
from services import provider_access

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
        select(OutboxEvent.payload).where(OutboxEvent.type == "provider_access_policy.published")
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
