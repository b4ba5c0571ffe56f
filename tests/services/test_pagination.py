"""One way to page any query: the total, the page asked for, and nothing past the end."""

import pytest
from sqlalchemy import func, select

from models.organisations import Hub
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
