"""Distance-search hits: a `Near` reads as the item it wraps, plus its distance."""

import copy

from services.search import Near
from tests import factories


def test_a_hit_reads_as_its_item_and_keeps_its_own_distance(session):
    school = factories.school(session, name="Leeds Academy")
    hit = Near(school, 3.25)

    assert (hit.name, hit.id, hit.distance_km) == ("Leeds Academy", school.id, 3.25)
    assert copy.copy(hit) == hit  # copying does not recurse through the item
    assert not hasattr(hit, "__getitem__")  # never mistaken for a mapping when dumped
