"""One way to page any query: the total, the page asked for, and nothing past the end."""

import pytest
from sqlalchemy import func, select

from models.organisations import Hub
from services import pagination
from services.pagination import paginate
from tests import factories


@pytest.fixture
def hubs(session):
    made = [factories.hub(session, f"Hub {n:02d}") for n in range(7)]
    session.commit()
    return made


QUERY = select(Hub).order_by(Hub.name, Hub.id)


def test_pages_follow_the_order_and_carry_the_total(session, hubs):
    first = paginate(session, QUERY, page=1, page_size=3)
    last = paginate(session, QUERY, page=3, page_size=3)
    assert first.total == last.total == 7
    assert [hub.name for hub in first.items] == ["Hub 00", "Hub 01", "Hub 02"]
    assert [hub.name for hub in last.items] == ["Hub 06"]


def test_a_page_past_the_end_is_empty_but_still_counts(session, hubs):
    beyond = paginate(session, QUERY, page=10**12, page_size=100)
    assert beyond.items == [] and beyond.total == 7


def test_a_cheaper_count_query_gives_the_total(session, hubs):
    count = select(func.count()).select_from(Hub).where(Hub.name >= "Hub 05")
    page = paginate(session, QUERY.where(Hub.name >= "Hub 05"), page=1, page_size=5, count=count)
    assert page.total == 2 and len(page.items) == 2


@pytest.fixture
def count_limit(monkeypatch):
    """A limit of 4 stands for 10,000: the 7 hubs are then a large table."""
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 4)


def test_past_the_count_limit_the_total_is_a_lower_bound_that_shows_a_next_page(
    session, hubs, count_limit
):
    pages = [paginate(session, QUERY, page=n, page_size=3) for n in (1, 2, 3, 4)]

    assert [len(p.items) for p in pages] == [3, 3, 1, 0]
    assert not any(p.exact for p in pages)
    # The count found more than 4; pages 1 and 2 each see one more row follow theirs, and
    # page 3 reaches the end (7 rows).
    assert [p.total for p in pages] == [5, 7, 7, 5]
    names = [hub.name for p in pages for hub in p.items]
    assert names == [f"Hub {n:02d}" for n in range(7)]


def test_under_the_count_limit_the_total_is_exact(session, hubs, count_limit):
    page = paginate(session, QUERY.where(Hub.name < "Hub 04"), page=1, page_size=3)
    assert page.exact and page.total == 4


def test_a_page_beyond_any_table_is_empty_past_the_count_limit(session, hubs, count_limit):
    beyond = paginate(session, QUERY, page=10**18, page_size=100)
    assert beyond.items == [] and not beyond.exact
