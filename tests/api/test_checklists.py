"""The meaningful-encounter checklist: published per version, answered by each side,
meaningful only when every item for the benchmark holds."""

from datetime import date

from models.users import Role
from models.volunteers import Mode
from services import encounters
from services.callers import Caller
from tests import factories

ENCOUNTERS = "/api/v1/encounters"
SCHOOL_ITEMS = {
    "clear_purpose": True,
    "learning_outcomes": True,
    "two_way_interaction": True,
    "reflection_time": True,
}
BM6_PARTNER_ITEMS = {"range_of_people": True, "workplace_task": True, "employer_feedback": True}


def test_the_checklist_is_published_per_version_and_benchmark(client):
    response = client.get("/api/v1/checklists/meaningful-encounter")
    assert response.status_code == 200
    body = response.get_json()
    assert body["current_version"] == 2
    counts = {
        (v["version"], b["benchmark"]): len(b["items"])
        for v in body["versions"]
        for b in v["benchmarks"]
    }
    assert {b: counts[(2, b)] for b in (5, 6, 7, 8)} == {5: 4, 6: 7, 7: 6, 8: 0}
    assert {b: counts[(1, b)] for b in (5, 6, 7)} == {5: 3, 6: 6, 7: 5}
    only_one = client.get("/api/v1/checklists/meaningful-encounter?version=1").get_json()
    assert [v["version"] for v in only_one["versions"]] == [1]


def make_encounter(session, world, benchmark=6, mode=Mode.IN_PERSON, version=None, pupils=()):
    staff = Caller(role=Role.SCHOOL_STAFF, organisation_id=world.a.school.id)
    encounter = encounters.create(
        session,
        staff,
        school_id=world.a.school.id,
        title="Workplace visit",
        activity_type="workplace_visit",
        benchmark=benchmark,
        occurred_on=date(2025, 10, 1),
        mode=mode,
        employer_id=world.a.employer.id,
        checklist_version=version,
    )
    if pupils:
        encounters.set_attendance(session, staff, encounter.id, pupil_ids=[p.id for p in pupils])
    session.commit()
    return encounter


def answer(client, headers, encounter_id, answers):
    path = f"{ENCOUNTERS}/{encounter_id}/checklist"
    read = client.get(path, headers=headers)
    return client.patch(
        path, headers={**headers, "If-Match": read.headers["ETag"]}, json={"answers": answers}
    )


def test_each_side_answers_its_items_and_then_the_encounter_is_meaningful(
    client, session, world, auth_headers
):
    encounter = make_encounter(session, world)
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    employer = auth_headers(world.a.users[Role.EMPLOYER_STAFF])

    refused = answer(client, school, encounter.id, {"employer_feedback": True})
    assert refused.status_code == 403
    assert "answers.employer_feedback" in refused.get_json()["errors"]

    halfway = answer(client, school, encounter.id, SCHOOL_ITEMS)
    assert halfway.status_code == 200
    assert halfway.get_json()["meaningful"] is False
    assert [m["key"] for m in halfway.get_json()["missing"]] == list(BM6_PARTNER_ITEMS)
    assert {m["answered_by"] for m in halfway.get_json()["missing"]} == {"partner"}

    done = answer(client, employer, encounter.id, BM6_PARTNER_ITEMS)
    assert done.get_json()["meaningful"] is True and done.get_json()["missing"] == []
    read = client.get(f"{ENCOUNTERS}/{encounter.id}", headers=school).get_json()
    assert read["meaningful"] is True

    no = answer(client, employer, encounter.id, {"employer_feedback": False})
    assert no.get_json()["missing"][0] == {
        "key": "employer_feedback",
        "text": "The employer gave pupils feedback on their work.",
        "answered_by": "partner",
        "answer": False,
    }


def test_another_employer_and_the_provider_cannot_answer(client, session, world, auth_headers):
    encounter = make_encounter(session, world)
    foreign = client.get(
        f"{ENCOUNTERS}/{encounter.id}/checklist",
        headers=auth_headers(world.b.users[Role.EMPLOYER_STAFF]),
    )
    assert foreign.status_code == 404
    answer_status = client.get(
        f"{ENCOUNTERS}/{encounter.id}/checklist",
        headers=auth_headers(world.a.users[Role.PROVIDER_STAFF]),
    )
    assert answer_status.status_code == 404


def test_unknown_items_are_refused(client, session, world, auth_headers):
    encounter = make_encounter(session, world, benchmark=5)
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    response = answer(client, school, encounter.id, {"employer_feedback": True})
    assert response.status_code == 422  # not a Benchmark 5 item
    assert "answers.employer_feedback" in response.get_json()["errors"]


def test_a_virtual_encounter_needs_named_attendance(client, session, world, auth_headers):
    encounter = make_encounter(session, world, benchmark=5, mode=Mode.VIRTUAL)
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    answered = answer(client, school, encounter.id, SCHOOL_ITEMS).get_json()
    assert answered["meaningful"] is False
    assert [m["key"] for m in answered["missing"]] == ["per_pupil_attendance"]

    pupil = factories.pupil(session, world.a.school, "A1", 9, roll_year=2025)
    session.commit()
    path = f"{ENCOUNTERS}/{encounter.id}/attendance"
    etag = client.get(path, headers=school).headers["ETag"]
    client.put(path, headers={**school, "If-Match": etag}, json={"pupil_ids": [str(pupil.id)]})
    after = client.get(f"{ENCOUNTERS}/{encounter.id}/checklist", headers=school).get_json()
    assert after["meaningful"] is True and after["attendance_count"] == 1


def test_a_virtual_encounter_needs_two_way_interaction(session, world):
    pupil = factories.pupil(session, world.a.school, "A1", 9, roll_year=2025)
    encounter = make_encounter(session, world, benchmark=5, mode=Mode.VIRTUAL, pupils=[pupil])
    encounters.record_answers(session, encounter, {**SCHOOL_ITEMS, "two_way_interaction": False})
    view = encounters.checklist_of(session, encounter)
    assert view.meaningful is False
    assert [m.key for m in view.missing] == ["two_way_interaction"]


def test_a_checklist_answered_under_an_older_version_keeps_it(client, session, world, auth_headers):
    encounter = make_encounter(session, world, benchmark=5, version=1)
    school = auth_headers(world.a.users[Role.SCHOOL_STAFF])
    older = {k: v for k, v in SCHOOL_ITEMS.items() if k != "reflection_time"}
    response = answer(client, school, encounter.id, older)
    body = response.get_json()
    assert (body["version"], body["meaningful"]) == (1, True)  # v1 had no reflection item
    assert answer(client, school, encounter.id, {"reflection_time": True}).status_code == 422
