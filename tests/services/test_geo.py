"""Geocoding UK postcodes: exact postcode, else outcode centroid, else a clear refusal."""

import numpy as np
import pytest

from api.extensions import db
from models.users import Role
from services import reference_data
from services.errors import InvalidInput
from services.geo import (
    Location,
    distance_km,
    distances_km,
    geocode,
    located,
    normalise_postcode,
)
from tests import factories

BUCKINGHAM_PALACE = (51.501, -0.142)
LONDON = (51.5074, -0.1278)  # Charing Cross
LEEDS = (53.7997, -1.5492)  # City Square
LS1_CENTROID = (53.79764, -1.55147)  # outcodes.csv
# Well-formed, in a known district, but not in the postcode sample.
UNLISTED_LS1_POSTCODE = "LS1 9ZZ"
MALFORMED = ["", "   ", "SW1A", "12345", "SW1A 1AAA", "hello world", "SW1A-1AA", "1AA SW1A"]


def load_geo_data(session, data_dir) -> None:
    """Outcodes and the postcode sample: all that geocoding reads."""
    reference_data.load_outcodes(session, data_dir)
    reference_data.load_postcodes(session, data_dir)
    session.commit()


@pytest.fixture
def geo_session(session, data_dir):
    load_geo_data(session, data_dir)
    return session


@pytest.fixture
def geo_client(app, data_dir):
    # Loaded in its own app context, closed before any request is made.
    with app.app_context():
        load_geo_data(db.session, data_dir)
    return app.test_client()


@pytest.fixture
def signed_in(app, auth_headers):
    """Headers of a school's careers leader: any signed-in person may look postcodes up."""
    with app.app_context():
        school = factories.school(db.session)
        leader = factories.user(db.session, Role.SCHOOL_STAFF, school.id)
        db.session.commit()
        return auth_headers(leader)


@pytest.mark.parametrize("spelling", ["SW1A 1AA", "sw1a1aa", " Sw1A   1aA ", "SW1A\t1AA"])
def test_a_listed_postcode_geocodes_exactly_in_any_spelling(geo_session, spelling):
    location = geocode(geo_session, spelling)
    assert location.postcode == "SW1A 1AA"
    assert location.precision == "postcode"
    assert distance_km(location.latitude, location.longitude, *BUCKINGHAM_PALACE) < 0.2


def test_other_listed_postcodes_land_in_their_cities(geo_session):
    leeds = geocode(geo_session, "LS1 4DY")
    manchester = geocode(geo_session, "M1 1AE")
    assert distance_km(leeds.latitude, leeds.longitude, *LEEDS) < 2
    assert manchester.precision == leeds.precision == "postcode"
    assert (
        50
        < distance_km(leeds.latitude, leeds.longitude, manchester.latitude, manchester.longitude)
        < 60
    )


def test_an_unlisted_postcode_in_a_known_district_falls_back_to_the_outcode(geo_session):
    location = geocode(geo_session, UNLISTED_LS1_POSTCODE)
    assert location.postcode == UNLISTED_LS1_POSTCODE
    assert location.precision == "outcode"
    assert (location.latitude, location.longitude) == pytest.approx(LS1_CENTROID)


def test_without_the_postcode_table_every_postcode_falls_back_to_its_outcode(session, data_dir):
    reference_data.load_outcodes(session, data_dir)
    session.commit()
    location = geocode(session, "SW1A 1AA")
    assert location.precision == "outcode"
    assert distance_km(location.latitude, location.longitude, *BUCKINGHAM_PALACE) < 1.5


def test_an_unknown_postcode_is_refused(geo_session):
    with pytest.raises(InvalidInput) as refused:
        geocode(geo_session, "ZZ9 9ZZ")
    assert refused.value.errors == {
        "postcode": ["'ZZ9 9ZZ' is not a known UK postcode or postcode district."]
    }


@pytest.mark.parametrize("malformed", MALFORMED)
def test_a_malformed_postcode_is_refused_with_a_clear_message(malformed):
    with pytest.raises(InvalidInput) as refused:
        normalise_postcode(malformed)
    [message] = refused.value.errors["postcode"]
    assert "is not a valid UK postcode" in message
    assert "SW1A 1AA" in message  # an example of what would be accepted


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
        ("EC1A1BB", "EC1A 1BB"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_postcodes_are_normalised(raw, normalised):
    assert normalise_postcode(raw) == normalised


def test_distances_km_agrees_with_distance_km_for_each_point():
    lat, lon = np.array([LEEDS[0], LONDON[0]]), np.array([LEEDS[1], LONDON[1]])
    far = distances_km(*BUCKINGHAM_PALACE, lat, lon)
    assert far == pytest.approx([distance_km(*BUCKINGHAM_PALACE, *p) for p in (LEEDS, LONDON)])


def test_located_gives_what_an_object_stores_for_a_postcode_or_for_none():
    location = Location("LS1 4DY", *LEEDS, "postcode")
    assert located(location) == ("LS1 4DY", *LEEDS)
    assert located(None) == (None, None, None)


def test_distance_between_london_and_leeds_is_about_270_km():
    assert 265 < distance_km(*LONDON, *LEEDS) < 275
    assert distance_km(*LONDON, *LEEDS) == pytest.approx(distance_km(*LEEDS, *LONDON))
    assert distance_km(*LEEDS, *LEEDS) == 0


def test_the_geocode_endpoint_locates_a_postcode(geo_client, signed_in):
    response = geo_client.get(
        "/api/v1/geocode", query_string={"postcode": "sw1a 1aa"}, headers=signed_in
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["postcode"] == "SW1A 1AA"
    assert body["precision"] == "postcode"
    assert distance_km(body["latitude"], body["longitude"], *BUCKINGHAM_PALACE) < 0.2


def test_the_geocode_endpoint_says_when_it_used_the_outcode(geo_client, signed_in):
    query = {"postcode": UNLISTED_LS1_POSTCODE}
    response = geo_client.get("/api/v1/geocode", query_string=query, headers=signed_in)
    assert response.status_code == 200
    assert response.get_json()["precision"] == "outcode"


@pytest.mark.parametrize("postcode", ["ZZ9 9ZZ", "not a postcode"])
def test_the_geocode_endpoint_refuses_bad_postcodes_with_a_422_problem(
    geo_client, signed_in, postcode
):
    query = {"postcode": postcode}
    response = geo_client.get("/api/v1/geocode", query_string=query, headers=signed_in)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert problem["type"] == "/problems/invalid-input"
    assert postcode in problem["errors"]["postcode"][0]


def test_the_geocode_endpoint_requires_a_postcode(client, signed_in):
    response = client.get("/api/v1/geocode", headers=signed_in)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"postcode": ["Missing data for required field."]}


def test_the_geocode_endpoint_requires_a_login(geo_client):
    response = geo_client.get("/api/v1/geocode", query_string={"postcode": "SW1A 1AA"})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
