"""Distance-search hits: a `Near` reads as the item it wraps, plus its distance; the
nearest rows found quickly are exactly those the exact distances give."""

import copy
import math
import random
import uuid

import numpy as np
import pytest

from services import search
from services.geo import Location
from services.search import SLACK_KM, Near, Origin, _nearest, _within_reach
from tests import factories


def test_a_hit_reads_as_its_item_and_keeps_its_own_distance(session):
    school = factories.school(session, name="Leeds Academy")
    hit = Near(school, 3.25)

    assert (hit.name, hit.id, hit.distance_km) == ("Leeds Academy", school.id, 3.25)
    assert copy.copy(hit) == hit  # copying does not recurse through the item
    assert not hasattr(hit, "__getitem__")  # never mistaken for a mapping when dumped


@pytest.mark.parametrize("seed", range(5))
def test_the_nearest_rows_are_those_the_exact_distances_give(seed, monkeypatch):
    rng = random.Random(seed)
    # numpy's distances may be off the exact ones by up to SLACK_KM: here they are, at random.
    approx = search.distances_km
    monkeypatch.setattr(
        search,
        "distances_km",
        lambda *args: (
            approx(*args) + np.random.default_rng(seed).uniform(-1, 1, len(args[2])) * SLACK_KM
        ),
    )
    where = Origin(Location("LS1 4DY", 53.7951, -1.5467, "postcode"), 25.0)
    places = [(53.8 + rng.uniform(-0.3, 0.3), -1.55 + rng.uniform(-0.5, 0.5)) for _ in range(300)]
    # Shared places (ties broken by id), and ids in no particular order.
    rows = [(uuid.UUID(int=rng.getrandbits(128)).hex, *rng.choice(places)) for _ in range(2000)]
    exact = _within_reach(rows, where, None, None)
    # Radii that put a row exactly on the edge, or just either side of it.
    edge = exact[len(exact) // 2][2]
    for within_km in (25.0, edge, math.nextafter(edge, 0), math.nextafter(edge, 100)):
        reach = Origin(where.location, within_km)
        hits = _within_reach(rows, reach, None, None)
        for needed in (1, 7, 50, 350, len(hits), len(hits) + 10):
            assert _nearest(rows, reach, needed) == (len(hits), hits[:needed])
    assert _nearest([], where, 50) == (0, [])
