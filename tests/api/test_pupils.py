"""Pupil records: their own school only, every read audited, least data, no smuggled fields."""

import pytest

from models.audit import AuditEntry
from models.pupils import Pupil
from models.users import Role
from tests import factories


def pupils_path(school):
    return f"/api/v1/schools/{school.id}/pupils"


def test_school_staff_add_list_read_change_and_erase_their_pupils(
    client, session, world, auth_headers
):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    path = pupils_path(world.a.school)

    created = client.post(
        path, headers=headers, json={"reference": "A-17", "year_group": 8, "send": True}
    )
    assert created.status_code == 201
    pupil = created.get_json()
    assert {k: pupil[k] for k in ("reference", "year_group", "send", "disadvantaged")} == {
        "reference": "A-17",
        "year_group": 8,
        "send": True,
        "disadvantaged": False,
    }
    listed = client.get(path, headers=headers)
    assert [p["id"] for p in listed.get_json()] == [pupil["id"]]
    read = client.get(f"{path}/{pupil['id']}", headers=headers)
    changed = client.patch(
        f"{path}/{pupil['id']}",
        headers={**headers, "If-Match": read.headers["ETag"]},
        json={"year_group": 9},
    )
    assert changed.status_code == 200
    assert changed.get_json()["year_group"] == 9
    erased = client.delete(
        f"{path}/{pupil['id']}", headers={**headers, "If-Match": changed.headers["ETag"]}
    )
    assert erased.status_code == 204
    assert session.query(Pupil).count() == 0


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.COORDINATOR, Role.EMPLOYER_STAFF, Role.VOLUNTEER, Role.PROVIDER_STAFF]
)
def test_nobody_but_the_schools_own_staff_sees_its_pupils(
    client, session, world, auth_headers, role
):
    pupil = factories.pupil(session, world.a.school)
    session.commit()
    headers = auth_headers(world.caller(role))

    assert client.get(pupils_path(world.a.school), headers=headers).status_code == 404
    assert (
        client.get(f"{pupils_path(world.a.school)}/{pupil.id}", headers=headers).status_code == 404
    )


def test_another_schools_staff_get_404_even_with_the_pupils_id(
    client, session, world, auth_headers
):
    pupil = factories.pupil(session, world.b.school)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    # Through their own school's path as well as the other school's.
    assert (
        client.get(f"{pupils_path(world.a.school)}/{pupil.id}", headers=headers).status_code == 404
    )
    assert (
        client.get(f"{pupils_path(world.b.school)}/{pupil.id}", headers=headers).status_code == 404
    )


def test_every_read_of_pupil_data_is_audited(client, session, world, auth_headers):
    staff = world.a.users[Role.SCHOOL_STAFF]
    first = factories.pupil(session, world.a.school, "P1")
    second = factories.pupil(session, world.a.school, "P2")
    session.commit()
    headers = {**auth_headers(staff), "X-Request-ID": "pupil-read-0001"}

    client.get(pupils_path(world.a.school), headers=headers)
    client.get(f"{pupils_path(world.a.school)}/{first.id}", headers=headers)

    reads = session.query(AuditEntry).filter_by(action="pupil.read").all()
    assert sorted(e.object_id for e in reads) == sorted(
        [str(first.id), str(second.id), str(first.id)]
    )
    assert {(e.actor_user_id, e.organisation_id, e.request_id) for e in reads} == {
        (staff.id, world.a.school.id, "pupil-read-0001")
    }


def test_a_refused_read_is_not_recorded_as_a_read(client, session, world, auth_headers):
    pupil = factories.pupil(session, world.a.school)
    session.commit()
    client.get(
        f"{pupils_path(world.a.school)}/{pupil.id}",
        headers=auth_headers(world.b.users[Role.SCHOOL_STAFF]),
    )
    assert session.query(AuditEntry).count() == 0


def test_partner_apps_need_the_pupils_scope(client, session, world):
    without = factories.api_client(session, world.a.school.id, ["schools:read"])
    with_scope = factories.api_client(session, world.a.school.id, ["pupils:read"])
    pupil = factories.pupil(session, world.a.school)
    session.commit()

    def headers(api_client):
        body = {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": factories.CLIENT_SECRET,
        }
        token = client.post("/api/v1/auth/token", json=body).get_json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    assert client.get(pupils_path(world.a.school), headers=headers(without)).status_code == 403
    assert client.get(pupils_path(world.a.school), headers=headers(with_scope)).status_code == 200
    read = session.query(AuditEntry).filter_by(action="pupil.read").one()
    assert (read.object_id, read.actor_client_id, read.actor_user_id) == (
        str(pupil.id),
        with_scope.id,
        None,
    )


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"reference": "X", "year_group": 6}, "year_group", 422),
        ({"reference": "X", "year_group": 14}, "year_group", 422),
        (
            {
                "reference": "X",
                "year_group": 9,
                "school_id": "00000000-0000-0000-0000-000000000001",
            },
            "school_id",
            422,
        ),
        ({"reference": "X", "year_group": 9, "upn": "A123456789012"}, "upn", 422),
        ({"reference": "X", "year_group": 9, "name": "Alex"}, "name", 422),
    ],
)
def test_bad_and_excess_fields_are_refused(
    client, session, world, auth_headers, body, field, status
):
    response = client.post(
        pupils_path(world.a.school),
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        json=body,
    )
    assert response.status_code == status
    assert field in response.get_json()["errors"]
    assert session.query(Pupil).count() == 0


def test_a_reference_is_unique_within_a_school(client, session, world, auth_headers):
    factories.pupil(session, world.a.school, "P1")
    factories.pupil(session, world.b.school, "P2")
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    assert (
        client.post(
            pupils_path(world.a.school), headers=headers, json={"reference": "P1", "year_group": 9}
        ).status_code
        == 409
    )
    assert (
        client.post(
            pupils_path(world.a.school), headers=headers, json={"reference": "P2", "year_group": 9}
        ).status_code
        == 201
    )
