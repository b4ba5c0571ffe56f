"""Encounters through the API: recorded by the school, named attendance for the school only,
partners and volunteers see counts, never pupils."""

from datetime import date

from models.audit import AuditEntry
from models.encounters import Encounter
from models.users import Role
from tests import factories

ENCOUNTERS = "/api/v1/encounters"


def new_encounter(world, **overrides):
    return {
        "school_id": str(world.a.school.id),
        "title": "Engineering careers talk",
        "activity_type": "careers_talk",
        "benchmark": 5,
        "occurred_on": "2025-10-01",
        "mode": "in_person",
        "employer_id": str(world.a.employer.id),
        "volunteer_ids": [str(world.a.volunteer.id)],
        "year_groups": [9],
        "head_counts": {"9": 30},
        **overrides,
    }


def record(client, auth_headers, world, **overrides):
    response = client.post(
        ENCOUNTERS,
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json=new_encounter(world, **overrides),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def put_attendance(client, headers, encounter_id, pupil_ids, reflections=None):
    path = f"{ENCOUNTERS}/{encounter_id}/attendance"
    read = client.get(path, headers=headers)
    body = {"pupil_ids": [str(p) for p in pupil_ids], "reflections": reflections or {}}
    return client.put(path, headers={**headers, "If-Match": read.headers["ETag"]}, json=body)


def test_a_school_records_an_encounter_with_a_snapshot_of_its_employer(
    client, session, world, auth_headers
):
    world.a.employer.size_band = "small"
    session.commit()
    created = record(client, auth_headers, world)
    assert created["partner_name"] == "Employer A"
    assert created["employer_size"] == "small"
    assert created["volunteer_ids"] == [str(world.a.volunteer.id)]
    assert (created["meaningful"], created["attendance_count"]) == (False, 0)
    assert created["checklist_version"] == 2
    assert created["booking_id"] is None and created["source"] == "recorded"


def test_the_encounter_must_fit_its_benchmark(client, world, auth_headers):
    response = client.post(
        ENCOUNTERS,
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json=new_encounter(world, benchmark=7, provider_access=False),
    )
    assert response.status_code == 422
    assert "employer_id" in response.get_json()["errors"]


def test_attendance_is_the_schools_own_pupils_and_reads_are_audited(
    client, session, world, auth_headers
):
    own = factories.pupil(session, world.a.school, "A1", 9, roll_year=2025)
    foreign = factories.pupil(session, world.b.school, "B1", 9, roll_year=2025)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    encounter = record(client, auth_headers, world)

    refused = put_attendance(client, headers, encounter["id"], [foreign.id])
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"pupil_ids.0": ["Not a pupil of this school."]}
    done = put_attendance(client, headers, encounter["id"], [own.id], {str(own.id): "Loved it"})
    assert done.status_code == 200
    assert done.get_json() == [
        {"pupil_id": str(own.id), "reference": "A1", "year_group": 9, "reflection": "Loved it"}
    ]
    session.expire_all()
    reads = session.query(AuditEntry).filter_by(action="pupil.read", object_id=str(own.id))
    assert reads.count() >= 1


def test_partners_and_volunteers_see_counts_never_pupils(client, session, world, auth_headers):
    pupils = [factories.pupil(session, world.a.school, f"A{i}", 9, roll_year=2025) for i in (1, 2)]
    session.commit()
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    encounter = record(client, auth_headers, world)
    put_attendance(client, school, encounter["id"], [p.id for p in pupils])
    pupil_ids = {str(p.id) for p in pupils} | {"A1", "A2"}

    for role in (Role.EMPLOYER_STAFF, Role.VOLUNTEER):
        headers = auth_headers(world.a.users[role])
        seen = [
            client.get(f"{ENCOUNTERS}/{encounter['id']}", headers=headers),
            client.get(ENCOUNTERS, headers=headers),
            client.get(f"{ENCOUNTERS}/{encounter['id']}/checklist", headers=headers),
        ]
        assert [r.status_code for r in seen] == [200, 200, 200]
        assert seen[0].get_json()["attendance_count"] == 2
        for response in seen:
            assert not any(p in response.get_data(as_text=True) for p in pupil_ids)
        attendance = client.get(f"{ENCOUNTERS}/{encounter['id']}/attendance", headers=headers)
        assert attendance.status_code == 404


def test_lists_show_only_what_each_caller_may_see(client, session, world, auth_headers):
    record(client, auth_headers, world)
    factories.encounter(session, world.b.school)
    session.commit()
    for role, expected in (
        (Role.SCHOOL_STAFF, 1),
        (Role.COORDINATOR, 1),
        (Role.EMPLOYER_STAFF, 1),
        (Role.PROVIDER_STAFF, 0),
        (Role.ADMIN, 2),
    ):
        listed = client.get(ENCOUNTERS, headers=auth_headers(world.caller(role)))
        assert len(listed.get_json()) == expected, role


def test_list_filters_by_school_year(client, session, world, auth_headers):
    factories.encounter(session, world.a.school, on=date(2025, 8, 31))
    factories.encounter(session, world.a.school, on=date(2025, 9, 1))
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    listed = client.get(ENCOUNTERS, headers=headers, query_string={"academic_year": "2025-26"})
    assert [e["occurred_on"] for e in listed.get_json()] == ["2025-09-01"]


def test_the_school_changes_and_deletes_its_encounter(client, session, world, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    encounter = record(client, auth_headers, world)
    path = f"{ENCOUNTERS}/{encounter['id']}"
    read = client.get(path, headers=headers)
    changed = client.patch(
        path, headers={**headers, "If-Match": read.headers["ETag"]}, json={"title": "Renamed"}
    )
    assert changed.status_code == 200 and changed.get_json()["title"] == "Renamed"
    stale = client.delete(path, headers={**headers, "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412
    gone = client.delete(path, headers={**headers, "If-Match": changed.headers["ETag"]})
    assert gone.status_code == 204
    assert session.query(Encounter).count() == 0


def test_the_employer_snapshot_is_as_on_the_day(client, session, world, auth_headers):
    world.a.employer.size_band = "small"
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    encounter = record(client, auth_headers, world)
    world.a.employer.size_band = "large"  # the employer grows later
    session.commit()
    path = f"{ENCOUNTERS}/{encounter['id']}"
    etag = client.get(path, headers=headers).headers["ETag"]
    changed = client.patch(path, headers={**headers, "If-Match": etag}, json={"title": "Talk"})
    assert changed.get_json()["employer_size"] == "small"
