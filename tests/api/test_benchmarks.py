"""Benchmark reports through the API: who sees what, audit of pupil reads, CSV."""

import csv
import io
from datetime import date

from models.audit import AuditEntry
from models.users import Role
from tests import factories


def setup_school(session, world):
    met = factories.pupil(session, world.a.school, "A1", 9, roll_year=2025)
    unmet = factories.pupil(session, world.a.school, "A2", 9, roll_year=2025)
    factories.encounter(session, world.a.school, benchmark=5, on=date(2025, 10, 1), pupils=(met,))
    session.commit()
    return met, unmet


def path(world):
    return f"/api/v1/schools/{world.a.school.id}/benchmarks"


def test_school_staff_see_the_pupils_not_meeting_and_that_read_is_audited(
    client, session, world, auth_headers
):
    met, unmet = setup_school(session, world)
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    response = client.get(path(world), headers=headers, query_string={"academic_year": "2025-26"})
    assert response.status_code == 200
    bm5 = response.get_json()["benchmarks"][0]
    assert (bm5["total"]["pupils"], bm5["total"]["meeting"], bm5["total"]["share"]) == (2, 1, 0.5)
    assert bm5["total"]["not_meeting"] == [{"id": str(unmet.id), "reference": "A2"}]
    session.expire_all()
    audited = {e.object_id for e in session.query(AuditEntry).filter_by(action="pupil.read")}
    assert str(unmet.id) in audited


def test_coordinators_and_admins_get_numbers_without_pupils(client, session, world, auth_headers):
    met, unmet = setup_school(session, world)
    for role in (Role.COORDINATOR, Role.ADMIN):
        response = client.get(
            path(world),
            headers=auth_headers(world.caller(role)),
            query_string={"academic_year": "2025-26"},
        )
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "not_meeting" not in text and str(unmet.id) not in text and "A2" not in text


def test_employers_get_no_report(client, session, world, auth_headers):
    setup_school(session, world)
    for role in (Role.EMPLOYER_STAFF, Role.VOLUNTEER, Role.PROVIDER_STAFF):
        response = client.get(path(world), headers=auth_headers(world.caller(role)))
        assert response.status_code == 404


def test_reports_as_csv(client, session, world, auth_headers):
    setup_school(session, world)
    headers = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    by_query = client.get(
        path(world), headers=headers, query_string={"academic_year": "2025-26", "format": "csv"}
    )
    by_accept = client.get(
        path(world),
        headers={**headers, "Accept": "text/csv"},
        query_string={"academic_year": "2025-26"},
    )
    assert by_query.content_type.startswith("text/csv")
    assert by_query.get_data() == by_accept.get_data()
    rows = list(csv.DictReader(io.StringIO(by_query.get_data(as_text=True))))
    bm5_y9 = next(r for r in rows if r["measure"] == "BM5" and r["year_group"] == "9")
    assert (bm5_y9["pupils"], bm5_y9["meeting"], bm5_y9["share"], bm5_y9["not_meeting"]) == (
        "2",
        "1",
        "0.5",
        "A2",
    )

    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    hub = client.get(
        f"/api/v1/hubs/{world.a.hub.id}/report",
        headers=coordinator,
        query_string={"academic_year": "2025-26", "format": "csv"},
    )
    hub_rows = list(csv.DictReader(io.StringIO(hub.get_data(as_text=True))))
    assert {r["school"] for r in hub_rows} == {world.a.school.name}
    assert all(r["not_meeting"] == "" for r in hub_rows)


def test_hub_report_for_its_coordinators(client, session, world, auth_headers):
    setup_school(session, world)
    report = f"/api/v1/hubs/{world.a.hub.id}/report"
    own = client.get(report, headers=auth_headers(world.a.users[Role.COORDINATOR]))
    assert own.status_code == 200
    assert [s["school_id"] for s in own.get_json()["schools"]] == [str(world.a.school.id)]
    assert (
        client.get(report, headers=auth_headers(world.b.users[Role.COORDINATOR])).status_code == 404
    )
    assert (
        client.get(report, headers=auth_headers(world.a.users[Role.SCHOOL_STAFF])).status_code
        == 403
    )


def test_a_malformed_school_year_is_a_422(client, world, auth_headers):
    response = client.get(
        path(world),
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        query_string={"academic_year": "2025-27"},
    )
    assert response.status_code == 422
    assert "academic_year" in response.get_json()["errors"]


def test_a_partner_app_sees_pupils_only_with_the_pupils_scope(client, session, world):
    met, unmet = setup_school(session, world)
    reports_only = factories.api_client(session, world.a.school.id, ["reports:read"])
    both = factories.api_client(session, world.a.school.id, ["reports:read", "pupils:read"])
    session.commit()

    def report_as(api_client):
        body = {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": factories.CLIENT_SECRET,
        }
        token = client.post("/api/v1/auth/token", json=body).get_json()["access_token"]
        response = client.get(path(world), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert str(unmet.id) not in report_as(reports_only)
    assert str(unmet.id) in report_as(both)
