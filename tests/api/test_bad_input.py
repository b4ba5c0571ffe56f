"""Hostile JSON and CSV bodies are clear 4xx problems that change nothing, never a 500."""

import pytest

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
