"""The seam's own pieces where they stand in for flask-smorest's."""

import json
from types import SimpleNamespace

import flask
import pytest
from flask_smorest import Blueprint as SmorestBlueprint

from api.smorest import _page_metadata


def page_params(page, page_size, total, **extra):
    return SimpleNamespace(page=page, page_size=page_size, item_count=total, **extra)


@pytest.mark.parametrize("total", [0, 1, 49, 50, 51, 100, 101, 10_001])
@pytest.mark.parametrize("page", [1, 2, 3, 250])
@pytest.mark.parametrize("page_size", [1, 10, 50])
def test_the_pagination_header_is_flask_smorests_plus_total_exact(total, page, page_size):
    expected = SmorestBlueprint._make_pagination_metadata(page, page_size, total)
    with flask.Flask(__name__).test_request_context(f"/things?page={page}"):
        built = _page_metadata(page_params(page, page_size, total))
    assert json.dumps(built) == json.dumps({**expected, "total_exact": True})  # in its order


def test_a_lower_bound_has_no_last_page_and_a_keyset_page_no_numbers():
    with flask.Flask(__name__).test_request_context("/things?page=2"):
        bound = _page_metadata(page_params(2, 50, 10_001, total_exact=False))
    assert bound == {
        "total": 10_001,
        "first_page": 1,
        "page": 2,
        "previous_page": 1,
        "next_page": 3,
        "total_exact": False,
    }
    with flask.Flask(__name__).test_request_context("/things?after=abc"):
        keyset = _page_metadata(page_params(1, 50, 120))
    assert keyset == {"total": 120, "first_page": 1, "total_exact": True}
