"""Pupil records: their own school only, every read audited, least data, no smuggled fields."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select

from models import Base
from models.audit import AuditEntry
from models.base import london_today
from models.encounters import Attendance, Encounter
from models.pupils import Pupil
from models.users import Role
from services import encounters
from tests import factories

BM5_ITEMS = ("clear_purpose", "learning_outcomes", "two_way_interaction", "reflection_time")


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


# --- MIS import, roll-over, the record (export, transfer-in) and erasure ----------------

MIS_HEADER = "reference,year_group,disadvantaged,send,considering_higher_education\n"


def mis_import(client, headers, school, text):
    return client.post(
        f"{pupils_path(school)}/import", headers=headers, data=text, content_type="text/csv"
    )


def test_an_mis_import_reports_added_changed_and_left_pupils(client, session, world, auth_headers):
    factories.pupil(session, world.a.school, "STAY", 9)
    factories.pupil(session, world.a.school, "MOVE", 9)
    factories.pupil(session, world.a.school, "GONE", 9)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    csv_text = MIS_HEADER + "STAY,9,0,0,0\nMOVE,9,Y,N,N\nNEW,Y7,1,0,0\n"

    response = mis_import(client, headers, world.a.school, csv_text)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["added"], body["changed"], body["left"], body["unchanged"]) == (
        ["NEW"],
        ["MOVE"],
        ["GONE"],
        1,
    )
    session.expire_all()
    pupils = {p.reference: p for p in session.scalars(select(Pupil))}
    assert pupils["MOVE"].disadvantaged is True and pupils["NEW"].year_group == 7
    assert pupils["GONE"].left_on == london_today()


def test_an_mis_import_with_a_bad_line_writes_nothing(client, session, world, auth_headers):
    factories.pupil(session, world.a.school, "GONE", 9)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    csv_text = MIS_HEADER + "NEW,7,0,0,0\nBAD,14,maybe,0,0\nNEW,8,0,0,0\n"

    response = mis_import(client, headers, world.a.school, csv_text)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"3", "4"}
    assert set(errors["3"]) == {"year_group", "disadvantaged"}
    assert errors["4"] == {"reference": ["Listed twice in the file."]}
    session.expire_all()
    assert [(p.reference, p.left_on) for p in session.scalars(select(Pupil))] == [("GONE", None)]


@pytest.mark.parametrize(
    "text", [MIS_HEADER, MIS_HEADER + "\n,,,,\n\n"], ids=["no rows", "blank rows"]
)
def test_an_mis_import_with_no_pupils_is_a_422_and_marks_nobody_left(
    client, session, world, auth_headers, text
):
    factories.pupil(session, world.a.school, "STAY", 9)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])

    response = mis_import(client, headers, world.a.school, text)

    assert response.status_code == 422
    assert "no pupils" in response.get_json()["detail"]
    session.expire_all()
    assert session.scalar(select(Pupil.left_on)) is None


def test_an_mis_import_that_would_mark_many_as_left_needs_confirming(
    client, session, world, auth_headers
):
    for n in range(20):
        factories.pupil(session, world.a.school, f"P{n:02}", 9)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    only_three = MIS_HEADER + "P00,9,0,0,0\nP01,9,0,0,0\nP02,9,0,0,0\n"

    refused = mis_import(client, headers, world.a.school, only_three)
    session.expire_all()
    still_on_roll = session.scalar(select(func.count()).where(Pupil.left_on.is_(None)))
    confirmed = client.post(
        f"{pupils_path(world.a.school)}/import?confirm_leavers=true",
        headers=headers,
        data=only_three,
        content_type="text/csv",
    )

    assert refused.status_code == 422
    assert "17 of the 20 pupils on roll as left" in refused.get_json()["detail"]
    assert list(refused.get_json()["errors"]) == ["confirm_leavers"]
    assert still_on_roll == 20
    assert confirmed.status_code == 200
    assert len(confirmed.get_json()["left"]) == 17


def test_an_mis_import_may_mark_a_few_as_left_unasked(client, session, world, auth_headers):
    for n in range(20):
        factories.pupil(session, world.a.school, f"P{n:02}", 9)
    session.commit()
    rows = "".join(f"P{n:02},9,0,0,0\n" for n in range(15))

    response = mis_import(
        client, auth_headers(world.a.users[Role.SCHOOL_STAFF]), world.a.school, MIS_HEADER + rows
    )

    assert response.status_code == 200
    assert len(response.get_json()["left"]) == 5


def test_an_mis_import_needs_its_columns(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    response = mis_import(client, headers, world.a.school, "upn,name\nX,Y\n")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["1"]) == {"reference", "year_group"}


def test_roll_over_moves_pupils_up_and_y13_leaves(client, session, world, auth_headers):
    y9 = factories.pupil(session, world.a.school, "Y9", 9, roll_year=2025)
    y13 = factories.pupil(session, world.a.school, "Y13", 13, roll_year=2025)
    session.commit()
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    path = f"{pupils_path(world.a.school)}/roll-over"

    first = client.post(path, headers=headers, json={"academic_year": "2026-27"})
    assert first.get_json() == {"academic_year": "2026-27", "moved": 1, "left": 1}
    again = client.post(path, headers=headers, json={"academic_year": "2026-27"})
    assert again.get_json() == {"academic_year": "2026-27", "moved": 0, "left": 0}
    session.expire_all()
    assert (session.get(Pupil, y9.id).year_group, session.get(Pupil, y9.id).roll_year) == (
        10,
        2026,
    )
    leaver = session.get(Pupil, y13.id)
    assert (leaver.year_group, leaver.left_on) == (13, date(2026, 8, 31))


def test_roll_over_from_the_command_line(app, session, world):
    factories.pupil(session, world.b.school, "B9", 9, roll_year=2025)
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["pupils", "roll-over", "--academic-year", "2026-27"]
    )
    assert result.exit_code == 0, result.output
    assert "1 pupils moved up, 0 left" in result.output


def _pupil_with_history(session, world):
    pupil = factories.pupil(
        session, world.a.school, "A1", 10, roll_year=2025, considering_higher_education=True
    )
    for on in (date(2024, 10, 1), date(2025, 10, 1)):
        made = factories.encounter(session, world.a.school, benchmark=5, on=on, pupils=(pupil,))
        encounters.record_answers(session, made, dict.fromkeys(BM5_ITEMS, True))
        encounters.refresh_meaningful(session, made)
    session.commit()
    session.execute(Attendance.__table__.update().values(reflection="I want to be an engineer"))
    session.commit()
    return pupil


def test_export_then_transfer_in_carries_the_record(client, session, world, auth_headers):
    pupil = _pupil_with_history(session, world)
    old = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    new = auth_headers(world.b.users[Role.SCHOOL_STAFF])

    exported = client.get(f"{pupils_path(world.a.school)}/{pupil.id}/record", headers=old)
    assert exported.status_code == 200
    record = exported.get_json()
    assert [e["year_group"] for e in record["encounters"]] == [9, 10]
    assert record["encounters"][0]["reflection"] == "I want to be an engineer"
    assert record["pupil"]["considering_higher_education"] is True
    session.expire_all()
    assert (
        session.query(AuditEntry).filter_by(action="pupil.read", object_id=str(pupil.id)).count()
        == 1
    )

    moved = client.post(
        f"{pupils_path(world.b.school)}/transfer",
        headers=new,
        json={"reference": "B-77", "year_group": 10, "record": record},
    )
    assert moved.status_code == 201, moved.get_json()
    arrived = moved.get_json()
    assert arrived["considering_higher_education"] is True
    again = client.get(f"{pupils_path(world.b.school)}/{arrived['id']}/record", headers=new)
    assert again.get_json()["encounters"] == record["encounters"]
    report = client.get(
        f"/api/v1/schools/{world.b.school.id}/benchmarks",
        headers=new,
        query_string={"academic_year": "2025-26"},
    ).get_json()
    assert report["benchmarks"][0]["total"]["meeting"] == 1  # the carried BM5 counts


def test_export_then_erase_leaves_nothing_about_the_pupil(
    engine, client, session, world, auth_headers
):
    pupil = _pupil_with_history(session, world)
    needle = str(pupil.id)
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    path = f"{pupils_path(world.a.school)}/{pupil.id}"
    assert client.get(f"{path}/record", headers=headers).status_code == 200
    etag = client.get(path, headers=headers).headers["ETag"]
    assert client.delete(path, headers={**headers, "If-Match": etag}).status_code == 204

    session.expire_all()
    assert session.query(Attendance).count() == 0
    assert session.query(Encounter).count() == 2  # the school's encounters stay, unattended
    # Nothing but the audit log (who read or changed what, by id) mentions the pupil.
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            rows = connection.execute(select(table)).all()
            assert not any(
                needle in str(row) or needle.replace("-", "") in str(row) for row in rows
            )
    assert inspect(engine).has_table("attendances")


def test_an_mis_export_with_carriage_returns_reads(client, world, auth_headers):
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    text = MIS_HEADER.replace("\n", "\r") + "NEW,7,0,0,0\r"
    response = mis_import(client, headers, world.a.school, text)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["added"] == ["NEW"]


def test_a_transferred_record_with_an_unknown_sector_is_refused(
    client, session, world, auth_headers
):
    pupil = _pupil_with_history(session, world)
    record = client.get(
        f"{pupils_path(world.a.school)}/{pupil.id}/record",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
    ).get_json()
    record["encounters"][0]["employer_sector"] = "Z"

    moved = client.post(
        f"{pupils_path(world.b.school)}/transfer",
        headers=auth_headers(world.b.users[Role.SCHOOL_STAFF]),
        json={"reference": "B-78", "year_group": 10, "record": record},
    )

    assert moved.status_code == 422
    session.expire_all()
    assert session.scalar(select(Pupil).where(Pupil.reference == "B-78")) is None


def test_the_transfer_service_checks_sectors_too(session, world):
    from services import pupils as pupils_service
    from services.callers import Caller
    from services.errors import InvalidInput

    staff = world.b.users[Role.SCHOOL_STAFF]
    caller = Caller(role=Role.SCHOOL_STAFF, organisation_id=world.b.school.id, user_id=staff.id)
    record = {"pupil": {}, "encounters": [{"employer_sector": "z"}]}
    with pytest.raises(InvalidInput) as refused:
        pupils_service.import_transfer(
            session, caller, world.b.school.id, reference="B-79", year_group=10, record=record
        )
    assert list(refused.value.errors) == ["record.encounters.0.employer_sector"]


def test_a_bad_sector_already_stored_does_not_break_ranking(client, session, world, auth_headers):
    encounter = factories.encounter(session, world.a.school, employer_=world.a.employer)
    encounter.employer_sector, encounter.occurred_on = "Z", london_today() - timedelta(days=10)
    need = factories.need(session, world.a.school)
    session.commit()

    candidates = client.get(
        f"/api/v1/needs/{need.id}/candidates",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
    )
    opportunities = client.get(
        f"/api/v1/volunteers/{world.a.volunteer.id}/opportunities",
        headers=auth_headers(world.a.users[Role.VOLUNTEER]),
    )

    assert candidates.status_code == 200
    assert opportunities.status_code == 200
