"""Hostile JSON and CSV bodies are clear 4xx problems that change nothing, never a 500."""

import pytest
from sqlalchemy import select

from models.pupils import Pupil
from models.users import Role

NESTED = "[" * 10_000 + "]" * 10_000
HUGE = "9" * 5_000


def _hub_patch(client, world, auth_headers, data):
    path = f"/api/v1/hubs/{world.a.hub.id}"
    headers = auth_headers(world.a.users[Role.COORDINATOR])
    etag = client.get(path, headers=headers).headers["ETag"]
    return client.patch(
        path,
        headers={**headers, "If-Match": etag},
        data=data,
        content_type="application/json",
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"area": ' + NESTED + "}", id="nested 10,000 deep"),
        pytest.param('{"area": "\\ud800"}', id="lone surrogate"),
        pytest.param('{"area": "ok \\udfff tail"}', id="lone low surrogate"),
        pytest.param('{"area": ' + HUGE + "}", id="5,000-digit integer"),
    ],
)
def test_hostile_json_is_a_4xx_problem(client, world, auth_headers, body):
    response = _hub_patch(client, world, auth_headers, body)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/problem+json"


def test_what_cannot_be_decoded_says_why(client, world, auth_headers):
    nested = _hub_patch(client, world, auth_headers, '{"area": ' + NESTED + "}")
    huge = _hub_patch(client, world, auth_headers, '{"area": ' + HUGE + "}")
    too_deep = _hub_patch(client, world, auth_headers, '{"area": ' + "[" * 40 + "]" * 40 + "}")

    assert nested.status_code == huge.status_code == too_deep.status_code == 400
    assert "nest at most" in nested.get_json()["detail"]
    assert "nest at most" in too_deep.get_json()["detail"]
    assert "4,300 digits" in huge.get_json()["detail"]


def test_a_lone_surrogate_is_a_422_naming_the_field_and_changes_nothing(
    client, world, auth_headers
):
    response = _hub_patch(client, world, auth_headers, '{"area": "North \\ud800"}')

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["area"]
    hub = client.get(
        f"/api/v1/hubs/{world.a.hub.id}", headers=auth_headers(world.a.users[Role.COORDINATOR])
    ).get_json()
    assert hub["area"] == world.a.hub.area


# --- CSV imports ----------------------------------------------------------------------


def _pupil_import(client, world, auth_headers, data: bytes):
    return client.post(
        f"/api/v1/schools/{world.a.school.id}/pupils/import",
        headers=auth_headers(world.a.users[Role.SCHOOL_STAFF]),
        data=data,
        content_type="text/csv",
    )


def _volunteer_import(client, world, auth_headers, data: bytes):
    return client.post(
        f"/api/v1/employers/{world.a.employer.id}/volunteers/import",
        headers=auth_headers(world.a.users[Role.EMPLOYER_STAFF]),
        data=data,
        content_type="text/csv",
    )


PUPILS_CSV = b"reference,year_group,disadvantaged,send,considering_higher_education\n"
VOLUNTEERS_CSV = b"name,email,job_title\n"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(PUPILS_CSV + b"P1,9,0,0,0\nP\x002,9,0,0,0\n", "3", id="NUL"),
        pytest.param(PUPILS_CSV + b"P1,9,0,0,0\nP\xe92,9,0,0,0\n", "3", id="Latin-1"),
        pytest.param(PUPILS_CSV + b"P\xed\xa0\x80,9,0,0,0\n", "2", id="encoded surrogate"),
    ],
)
def test_a_pupil_csv_that_is_not_clean_utf8_is_refused_naming_the_line(
    client, session, world, auth_headers, data, line
):
    response = _pupil_import(client, world, auth_headers, data)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [line]
    assert session.scalars(select(Pupil)).all() == []


def test_a_volunteer_csv_with_a_nul_is_refused(client, session, world, auth_headers):
    data = VOLUNTEERS_CSV + b"Ann,ann@example.org,Engineer\x00\n"
    response = _volunteer_import(client, world, auth_headers, data)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["2"]


def test_a_5000_digit_cell_is_a_field_error(client, world, auth_headers):
    pupils = _pupil_import(
        client, world, auth_headers, PUPILS_CSV + b"P1," + HUGE.encode() + b",0,0,0\n"
    )
    volunteers = _volunteer_import(
        client,
        world,
        auth_headers,
        b"name,email,job_title,travel_radius_km\nAnn,ann@example.org,Eng," + HUGE.encode() + b"\n",
    )
    assert pupils.status_code == volunteers.status_code == 422
    assert list(pupils.get_json()["errors"]["2"]) == ["year_group"]
    assert list(volunteers.get_json()["errors"]) == ["2"]


def test_many_bad_rows_list_the_first_hundred_and_count_them_all(client, world, auth_headers):
    data = b"reference,year_group\n" + b"a,7\n" * 200_000

    response = _pupil_import(client, world, auth_headers, data)

    problem = response.get_json()
    assert response.status_code == 422
    assert len(problem["errors"]) == 100
    assert problem["detail"].startswith("199999 of 200000 rows have errors")
    assert len(response.get_data()) < 20_000
