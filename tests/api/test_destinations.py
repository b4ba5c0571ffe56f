"""Leavers' destinations: recorded at leaving, followed up for three years, imported from
the MIS; the summary's arithmetic, with the disadvantaged and SEND gaps."""

from sqlalchemy import func, select

from models.destinations import DestinationRecord, Leaver, Route
from models.users import Role
from services import destinations
from tests import factories


def url(school):
    return f"/api/v1/schools/{school.id}/destinations"


def staff(world):
    return world.a.users[Role.SCHOOL_STAFF]


def test_a_leaver_takes_year_group_and_flags_from_the_pupil(client, world, auth_headers, session):
    factories.pupil(session, world.a.school, reference="P42", year_group=11, disadvantaged=True)
    session.commit()
    response = client.post(
        url(world.a.school),
        json={
            "reference": "P42",
            "leaving_year": "2025-26",
            "destination": {"route": "education", "education_level": 3},
        },
        headers=auth_headers(staff(world)),
    )
    assert response.status_code == 201, response.get_json()
    leaver = response.get_json()
    assert leaver["disadvantaged"] is True and leaver["send"] is False
    assert leaver["records"][0]["stage"] == 0 and leaver["records"][0]["education_level"] == 3


def test_follow_ups_are_recorded_when_due(client, world, auth_headers, session):
    made = factories.leaver(session, world.a.school, leaving_year=2023)  # left summer 2024
    session.commit()
    headers = auth_headers(staff(world))
    item = f"{url(world.a.school)}/{made.id}"

    def patch(body):
        etag = client.get(item, headers=headers).headers["ETag"]
        return client.patch(item, json=body, headers={**headers, "If-Match": etag})

    assert patch({"stage": 1, "route": "apprenticeship"}).status_code == 200  # due Sep 2025
    early = patch({"stage": 3, "route": "employment"})  # due Sep 2027
    assert early.status_code == 422 and "2027-09-01" in early.get_json()["errors"]["stage"][0]
    no_level = patch({"stage": 2, "route": "education"})
    assert no_level.status_code == 422 and "education_level" in no_level.get_json()["errors"]
    stages = [r["stage"] for r in client.get(item, headers=headers).get_json()["records"]]
    assert stages == [0, 1]


def test_the_summary_counts_routes_and_the_gaps(session, world):
    school = world.a.school
    for i, (route, disadvantaged, send) in enumerate(
        [
            (Route.EDUCATION, False, False),
            (Route.EMPLOYMENT, False, False),
            (Route.APPRENTICESHIP, False, True),
            (Route.NEET, False, False),
            (Route.EDUCATION, True, False),
            (Route.NEET, True, True),
            (Route.UNKNOWN, True, False),
        ]
    ):
        factories.leaver(
            session, school, f"L{i}", route=route, disadvantaged=disadvantaged, send=send
        )
    factories.leaver(session, school, "OTHER-YEAR", leaving_year=2023)
    session.commit()
    summary = destinations.school_summary(session, school, 2024)
    assert summary["leavers"] == 7
    at_leaving = summary["stages"][0]
    assert at_leaving["routes"] == {
        "education": 2,
        "apprenticeship": 1,
        "employment": 1,
        "neet": 2,
        "unknown": 1,
    }
    assert at_leaving["education_levels"] == {"3": 2}
    assert at_leaving["positive_share"] == round(4 / 7, 4)
    # Others: 3 of 4 positive; disadvantaged: 1 of 3.
    assert at_leaving["disadvantaged_positive_share"] == round(1 / 3, 4)
    assert at_leaving["disadvantaged_gap"] == round(3 / 4 - 1 / 3, 4)
    # Not SEND: 3 of 5; SEND: 1 of 2.
    assert at_leaving["send_gap"] == round(3 / 5 - 1 / 2, 4)
    assert summary["stages"][1]["recorded"] == 0 and summary["stages"][1]["positive_share"] is None


CSV_HEAD = "reference,leaving_year,year_group,disadvantaged,send,stage,route,education_level\n"


def test_csv_import_is_all_or_nothing(client, world, auth_headers, session):
    headers = {**auth_headers(staff(world)), "Content-Type": "text/csv"}
    bad = CSV_HEAD + "A1,2023-24,11,1,0,0,education,3\nA2,2023-24,11,0,0,0,flying,\n"
    response = client.post(f"{url(world.a.school)}/import", data=bad, headers=headers)
    assert response.status_code == 422
    assert "3" in response.get_json()["errors"]  # line 3: the bad route
    assert session.scalar(select(func.count()).select_from(Leaver)) == 0

    good = CSV_HEAD + (
        "A1,2023-24,11,1,0,0,education,3\n"
        "A1,2023-24,,,,1,apprenticeship,\n"
        "A2,2023-24,13,0,1,0,employment,\n"
    )
    response = client.post(f"{url(world.a.school)}/import", data=good, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 2 and response.get_json()["updated"] == 1
    assert session.scalar(select(func.count()).select_from(DestinationRecord)) == 3
    summary = client.get(
        f"{url(world.a.school)}/summary",
        query_string={"leaving_year": "2023-24"},
        headers=auth_headers(world.a.users[Role.COORDINATOR]),
    ).get_json()
    assert summary["leavers"] == 2 and summary["stages"][1]["routes"]["apprenticeship"] == 1


def test_leavers_are_their_schools_alone(client, world, auth_headers, session):
    factories.leaver(session, world.a.school)
    session.commit()
    for role in (Role.COORDINATOR, Role.EMPLOYER_STAFF):
        response = client.get(url(world.a.school), headers=auth_headers(world.a.users[role]))
        assert response.status_code == 404
    admin = client.get(url(world.a.school), headers=auth_headers(world.platform_admin))
    assert admin.status_code == 404
