"""Browsers on allow-listed origins may call the API; any other origin gets no CORS headers."""

import pytest

from api.app import create_app
from tests.conftest import app_config

ALLOWED = "https://app.engage.example"


@pytest.fixture
def cors_client(database_url):
    return create_app(app_config(database_url, CORS_ORIGINS=[ALLOWED])).test_client()


def test_an_allowed_origin_gets_cors_headers_and_exposed_pagination_headers(cors_client):
    response = cors_client.get("/healthz", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert {"ETag", "Link", "X-Pagination", "X-Request-ID", "X-RateLimit-Remaining"} <= {
        h.strip() for h in exposed.split(",")
    }


def test_a_preflight_from_an_allowed_origin_is_answered(cors_client):
    response = cors_client.options(
        "/api/v1/hubs",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_an_unlisted_origin_gets_no_cors_headers(cors_client):
    response = cors_client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
