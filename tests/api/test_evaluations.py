"""Self-evaluations across all eight benchmarks: the school answers 1, 2 and 4 with
evidence; 3 and 5-8 come from the ledger and cannot be typed over; per term; the hub's
side-by-side view and its CSV."""

import csv
import io
from datetime import date

from sqlalchemy import func, select

from models.evaluations import SelfEvaluation
from models.users import Role
from services import evaluations
from tests import factories

YES = {"met": True, "evidence": "Minutes of the governors' meeting"}
NO = {"met": False, "evidence": "Not yet"}


def url(school):
    return f"/api/v1/schools/{school.id}/evaluations"


def staff(world):
    return world.a.users[Role.SCHOOL_STAFF]


def test_criteria_are_public_and_name_who_answers(client):
    criteria = client.get("/api/v1/evaluations/criteria").get_json()
    assert [c["benchmark"] for c in criteria] == list(range(1, 9))
    assert {c["benchmark"] for c in criteria if c["answered_by"] == "school"} == {1, 2, 4}
    assert all(c["criteria"] == [] for c in criteria if c["answered_by"] == "ledger")


def test_a_term_is_saved_with_answers_and_the_ledgers_benchmarks(
    client, world, auth_headers, session
):
    school = world.a.school
    met, missed = (factories.pupil(session, school, reference=r, year_group=9) for r in "AB")
    factories.encounter(session, school, benchmark=5, on=date(2025, 10, 1), pupils=(met,))
    session.commit()
    answers = {cid: YES for cid in evaluations.CRITERIA[1]} | {"2.1": YES, "2.2": NO}
    response = client.post(
        url(school),
        json={"academic_year": "2025-26", "term": "autumn", "answers": answers},
        headers=auth_headers(staff(world)),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    states = {b["benchmark"]: (b["percentage"], b["state"]) for b in body["benchmarks"]}
    assert states[1] == (100.0, "met")
    assert states[2] == (20.0, "partly_met")  # one of its five criteria met
    assert states[4] == (0.0, "not_started")
    assert states[5][1] == "partly_met"
    assert states[6] == (0.0, "not_started")
    assert states[3] == (50.0, "partly_met")  # one of the two pupils has a recorded encounter
    assert response.headers["Location"].endswith(f"/api/v1/evaluations/{body['id']}")
    assert missed.id  # both pupils are on roll


def test_the_ledgers_benchmarks_cannot_be_typed_over(client, world, auth_headers, session):
    for answers in ({"5.1": YES}, {"3": YES}, {"8.2": NO}, {"9.9": YES}):
        response = client.post(
            url(world.a.school),
            json={"academic_year": "2025-26", "term": "spring", "answers": answers},
            headers=auth_headers(staff(world)),
        )
        assert response.status_code == 422, answers
        key = next(iter(answers))
        message = response.get_json()["errors"][key][0]
        if key[0] in "358":
            assert "computed from the ledger and cannot be typed over" in message
    typed = client.post(
        url(world.a.school),
        json={"academic_year": "2025-26", "term": "spring", "computed": {"5": 100}},
        headers=auth_headers(staff(world)),
    )
    assert typed.status_code == 422 and "computed" in typed.get_json()["errors"]
    assert session.scalar(select(func.count()).select_from(SelfEvaluation)) == 0


def test_answers_change_and_one_evaluation_a_term(client, world, auth_headers, session):
    headers = auth_headers(staff(world))
    created = client.post(
        url(world.a.school),
        json={"academic_year": "2025-26", "term": "autumn", "answers": {"4.1": NO}},
        headers=headers,
    ).get_json()
    duplicate = client.post(
        url(world.a.school), json={"academic_year": "2025-26", "term": "autumn"}, headers=headers
    )
    assert duplicate.status_code == 409
    item = f"/api/v1/evaluations/{created['id']}"
    etag = client.get(item, headers=headers).headers["ETag"]
    changed = client.patch(
        item, json={"answers": {"4.2": YES}}, headers={**headers, "If-Match": etag}
    ).get_json()
    assert set(changed["answers"]) == {"4.1", "4.2"}
    bm4 = next(b for b in changed["benchmarks"] if b["benchmark"] == 4)
    assert bm4["percentage"] == 25.0
    refused = client.patch(
        item,
        json={"answers": {"6.1": YES}},
        headers={**headers, "If-Match": client.get(item, headers=headers).headers["ETag"]},
    )
    assert refused.status_code == 422


def test_hub_coordinators_see_schools_side_by_side_without_pupils(
    client, world, auth_headers, session
):
    other = factories.school(session, hub=world.a.hub, name="Another School")
    factories.pupil(session, world.a.school, reference="PUPIL-REF-1")
    factories.self_evaluation(
        session, world.a.school, answers={"1.1": YES}, computed={"3": 50.0, "5": 20.0}
    )
    session.commit()
    coordinator = auth_headers(world.a.users[Role.COORDINATOR])
    query = {"academic_year": "2025-26", "term": "autumn"}
    view = client.get(
        f"/api/v1/hubs/{world.a.hub.id}/evaluations", query_string=query, headers=coordinator
    )
    assert view.status_code == 200
    schools = {s["school_name"]: s for s in view.get_json()["schools"]}
    assert schools[other.name]["evaluation_id"] is None and schools[other.name]["benchmarks"] == []
    bm = {b["benchmark"]: b for b in schools["School A"]["benchmarks"]}
    assert bm[5]["percentage"] == 20.0 and bm[1]["percentage"] == round(100 / 7, 1)
    assert "PUPIL-REF-1" not in view.get_data(as_text=True)

    exported = client.get(
        f"/api/v1/hubs/{world.a.hub.id}/evaluations",
        query_string={**query, "format": "csv"},
        headers=coordinator,
    )
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [r["school_name"] for r in rows] == ["Another School", "School A"]
    assert rows[1]["bm5_percentage"] == "20.0" and rows[1]["bm5_state"] == "partly_met"
    school_staff = client.get(
        f"/api/v1/hubs/{world.a.hub.id}/evaluations",
        query_string=query,
        headers=auth_headers(staff(world)),
    )
    assert school_staff.status_code == 403


def test_a_schools_evaluations_export_term_by_term_as_csv(client, world, auth_headers, session):
    """Oldest term first, so a spreadsheet reads the school's progress down the page."""
    school = world.a.school
    factories.pupil(session, school, reference="PUPIL-REF-2")
    for year, term, bm5 in ((2025, "spring", 40.0), (2024, "summer", 10.0), (2025, "autumn", 25.0)):
        factories.self_evaluation(
            session, school, academic_year=year, term=term, computed={"5": bm5}, answers={}
        )
    factories.self_evaluation(session, world.b.school, computed={"5": 99.0})
    session.commit()

    for reader in (staff(world), world.a.users[Role.COORDINATOR]):
        exported = client.get(f"{url(school)}.csv", headers=auth_headers(reader))
        assert exported.status_code == 200 and exported.mimetype == "text/csv"
        assert exported.headers["Content-Disposition"].endswith(f'evaluations-{school.urn}.csv"')
        text = exported.get_data(as_text=True)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0]) == evaluations.CSV_COLUMNS
        assert [(r["academic_year"], r["term"], r["bm5_percentage"]) for r in rows] == [
            ("2024-25", "summer", "10.0"),
            ("2025-26", "autumn", "25.0"),
            ("2025-26", "spring", "40.0"),
        ]
        assert {r["urn"] for r in rows} == {str(school.urn)} and rows[0][
            "bm1_state"
        ] == "not_started"
        assert "PUPIL-REF-2" not in text and "99.0" not in text
    other = client.get(f"{url(world.b.school)}.csv", headers=auth_headers(staff(world)))
    assert other.status_code == 404
