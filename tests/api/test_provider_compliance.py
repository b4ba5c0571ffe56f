"""The provider access duty, per key phase and academic year, on a hand-computed case."""

from datetime import date

from models.organisations import ProviderType
from models.users import Role
from services import school_years
from tests import factories

YEAR = school_years.label(school_years.school_year_start(school_years.london_today()))
START = school_years.bounds(school_years.parse(YEAR))[0]
DAY = date(START.year, 10, 6)


def school_case(session, world):
    """Y9: Ada and Ben; Y10: Cal; Y12: Dee. Two Y8-9 assemblies on one day (Ben misses the
    second), one Y10-11 talk Cal attends, one Y10-11 talk with no attendance recorded; Ada
    also met a university, a sixth form and an ITP (not under the duty) before Y12."""
    school, college = world.a.school, world.a.provider
    ada = factories.pupil(session, school, "ADA", 9)
    ben = factories.pupil(session, school, "BEN", 9)
    cal = factories.pupil(session, school, "CAL", 10)
    factories.pupil(session, school, "DEE", 12)
    access = {"benchmark": 7, "provider_": college, "provider_access": True, "on": DAY}
    first = factories.encounter(session, school, year_groups=(8, 9), pupils=(ada, ben), **access)
    second = factories.encounter(session, school, year_groups=(8, 9), pupils=(ada,), **access)
    factories.encounter(session, school, year_groups=(10, 11), pupils=(cal,), **access)
    factories.encounter(session, school, year_groups=(10, 11), **access)
    for kind in (ProviderType.UNIVERSITY, ProviderType.SIXTH_FORM, ProviderType.ITP):
        factories.encounter(
            session,
            school,
            benchmark=7,
            provider_=college,
            provider_type=kind,
            on=DAY,
            year_groups=(9,),
            pupils=(ada,),
        )
    session.commit()
    return first, second, ben


def read(client, auth_headers, user, path):
    return client.get(path, headers=auth_headers(user), query_string={"academic_year": YEAR})


def test_the_duty_per_phase_for_the_school_with_who_missed_what(
    client, session, world, auth_headers
):
    first, second, ben = school_case(session, world)
    path = f"/api/v1/schools/{world.a.school.id}/provider-access-compliance"

    response = read(client, auth_headers, world.a.users[Role.SCHOOL_STAFF], path)
    body = response.get_json()
    phases = {p["phase"]: p for p in body["phases"]}

    assert response.status_code == 200, body
    assert body["academic_year"] == YEAR and body["compliant"] is False
    y8_9, y10_11, y12_13 = phases["y8_9"], phases["y10_11"], phases["y12_13"]
    assert (y8_9["held"], y8_9["owed"], y8_9["pupils"]) == (2, 0, 2)  # two on one day: two
    assert y8_9["pupils_attending_every_one"] == 1 and y8_9["every_pupil_attended"] is False
    assert y8_9["missed"] == [
        {
            "pupil_id": str(ben.id),
            "reference": "BEN",
            "year_group": 9,
            "missed_encounter_ids": [str(second.id)],
        }
    ]
    assert (y10_11["held"], y10_11["owed"], y10_11["unrecorded"]) == (2, 0, 1)
    assert y10_11["every_pupil_attended"] is False  # one talk's attendance is unrecorded
    assert (y12_13["held"], y12_13["owed"], y12_13["mandatory"]) == (0, 2, False)
    assert y12_13["every_pupil_attended"] is None
    # Ada met all four types (the college's FE encounters too); Ben one; Cal one; Dee none.
    assert body["provider_range"] == {"0": 1, "1": 2, "2": 0, "3": 0, "4": 1}
    assert (body["pupils_with_full_range"], body["pupils_counted"]) == (1, 4)


def test_coordinators_see_counts_never_pupils_and_others_see_nothing(
    client, session, world, auth_headers
):
    school_case(session, world)
    school_path = f"/api/v1/schools/{world.a.school.id}/provider-access-compliance"
    hub_path = f"/api/v1/hubs/{world.a.hub.id}/provider-access-compliance"

    coordinator = read(client, auth_headers, world.a.users[Role.COORDINATOR], school_path)
    hub = read(client, auth_headers, world.a.users[Role.COORDINATOR], hub_path)
    other_school = read(client, auth_headers, world.b.users[Role.SCHOOL_STAFF], school_path)
    employer = read(client, auth_headers, world.a.users[Role.EMPLOYER_STAFF], school_path)
    other_hub = read(client, auth_headers, world.b.users[Role.COORDINATOR], hub_path)

    assert coordinator.status_code == 200
    assert all(p["missed"] == [] for p in coordinator.get_json()["phases"])
    assert "BEN" not in coordinator.get_data(as_text=True) + hub.get_data(as_text=True)
    assert [s["school_id"] for s in hub.get_json()["schools"]] == [str(world.a.school.id)]
    assert hub.get_json()["schools"][0]["phases"][0]["held"] == 2
    assert other_school.status_code == employer.status_code == 403
    assert other_hub.status_code == 404


def test_providers_see_nearby_schools_that_still_owe_encounters(
    client, session, world, auth_headers
):
    school_case(session, world)
    college = world.a.provider
    college.latitude, college.longitude = 53.80, -1.55  # beside both Leeds schools
    session.commit()
    path = f"/api/v1/providers/{college.id}/schools-owing"

    owing = read(client, auth_headers, world.a.users[Role.PROVIDER_STAFF], path)
    in_phase = client.get(
        path,
        headers=auth_headers(world.a.users[Role.PROVIDER_STAFF]),
        query_string={"academic_year": YEAR, "phase": "y8_9"},
    )
    other = read(client, auth_headers, world.b.users[Role.PROVIDER_STAFF], path)

    rows = {row["school"]["id"]: row for row in owing.get_json()}
    assert owing.status_code == 200
    assert [p["phase"] for p in rows[str(world.a.school.id)]["phases"]] == ["y12_13"]
    assert len(rows[str(world.b.school.id)]["phases"]) == 3  # nothing held there yet
    assert str(world.a.school.id) not in {r["school"]["id"] for r in in_phase.get_json()}
    assert other.status_code == 403


def test_a_phase_owes_two_over_its_two_years_not_two_each_year(
    client, session, world, auth_headers
):
    """Last year: a Y8 assembly (this year's Y9 had it), a Y10 talk (this year's Y11) and a
    Y11 talk (those pupils have left the phase). This year: a Y9 and a Y11 talk."""
    school, college = world.a.school, world.a.provider
    access = {"benchmark": 7, "provider_": college, "provider_access": True}
    last_year = date(START.year - 1, 11, 3)
    for year_groups, on in (((8,), last_year), ((10,), last_year), ((11,), last_year)):
        factories.encounter(session, school, year_groups=year_groups, on=on, **access)
    for year_groups in ((9,), (11,)):
        factories.encounter(session, school, year_groups=year_groups, on=DAY, **access)
    session.commit()
    path = f"/api/v1/schools/{school.id}/provider-access-compliance"

    body = read(client, auth_headers, world.a.users[Role.SCHOOL_STAFF], path).get_json()
    phases = {p["phase"]: p for p in body["phases"]}

    next_year = school_years.label(school_years.parse(YEAR) + 1)
    assert (phases["y8_9"]["held"], phases["y8_9"]["owed"]) == (1, 0)  # Y9: one a year
    assert phases["y8_9"]["cohorts"] == [
        {"year_group": 8, "held": 0, "owed": 2, "due_by": next_year},
        {"year_group": 9, "held": 2, "owed": 0, "due_by": YEAR},
    ]
    assert (phases["y10_11"]["held"], phases["y10_11"]["owed"]) == (1, 0)
    assert phases["y10_11"]["cohorts"][1] == {
        "year_group": 11,
        "held": 2,
        "owed": 0,
        "due_by": YEAR,
    }
    assert phases["y12_13"]["owed"] == 2
