"""One way to page any query: the total, the page asked for, and nothing past the end."""

import re
import uuid

import pytest
from sqlalchemy import event, func, select

from models.organisations import Hub, School
from models.users import Role
from services import pagination
from services.callers import Caller
from services.errors import InvalidInput, NotFound
from services.pagination import Listing, paginate, paginate_by_keyset
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


@pytest.mark.parametrize("keyset", [(Hub.name, Hub.id), (Hub.name.desc(), Hub.id)])
def test_a_keyset_list_reads_on_from_each_cursor_in_its_order_without_an_offset(
    session, hubs, keyset, count_limit
):
    statements = []
    listen = "before_cursor_execute"

    def note(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(session.get_bind(), listen, note)
    try:
        page = paginate_by_keyset(session, select(Hub), keyset=keyset, page=1, page_size=3)
        seen = [page]
        while page.after:
            page = paginate_by_keyset(
                session, select(Hub), keyset=keyset, page=1, page_size=3, after=page.after
            )
            seen.append(page)
    finally:
        event.remove(session.get_bind(), listen, note)

    expected = paginate(session, select(Hub).order_by(*keyset), page=1, page_size=7).items
    assert [hub.id for page in seen for hub in page.items] == [hub.id for hub in expected]
    assert [len(page.items) for page in seen] == [3, 3, 1]
    assert [(page.total, page.exact) for page in seen[1:]] == [(5, False), (5, False)]
    past_page_one = statements[2:]
    assert len(past_page_one) == 4  # a count and a page, for each cursor
    assert all(offset(*s) == 0 for s in past_page_one if "OFFSET" in s[0])


def offset(statement: str, parameters) -> int:
    """The OFFSET a statement was sent with (SQLite's compiler always writes one)."""
    if isinstance(parameters, dict):
        return parameters[re.search(r"OFFSET %\((\w+)\)s", statement).group(1)]
    return parameters[-1]


def test_a_cursor_the_list_did_not_hand_out_is_refused(session, hubs):
    for cursor in ("not-base64!", "bm90LWEtY3Vyc29y", "WyJhIl0"):  # junk; not JSON; one value
        with pytest.raises(InvalidInput):
            paginate_by_keyset(
                session, select(Hub), keyset=(Hub.name, Hub.id), page=1, page_size=3, after=cursor
            )


# A list declared once: the hubs the caller sees (all but "Hub 06"), filtered by name or
# from a name on, the last first.
HUBS = Listing(
    Hub,
    visible=lambda caller: Hub.name != "Hub 06",
    equal=("name",),
    conditions={"from_name": lambda name: Hub.name >= name},
    order=(Hub.name.desc(), Hub.id),
)


def test_a_listing_pages_what_the_caller_sees_that_matches_its_filters(session, hubs):
    found = HUBS.page(session, None, page=1, page_size=10, from_name="Hub 03")
    assert [hub.name for hub in found.items] == ["Hub 05", "Hub 04", "Hub 03"]
    one = HUBS.page(session, None, page=1, page_size=10, name="Hub 01", from_name=None)
    assert [hub.name for hub in one.items] == ["Hub 01"]  # None leaves a filter off
    assert HUBS.page(session, None, page=1, page_size=10).total == 6


def test_a_listing_refuses_a_filter_it_does_not_have(session, hubs):
    with pytest.raises(TypeError, match="'area'"):
        HUBS.page(session, None, page=1, page_size=10, name="Hub 01", area="North")
    with pytest.raises(TypeError, match="cursor"):  # not a keyset list
        HUBS.page(session, None, page=1, page_size=10, after="WyJIdWIgMDEiXQ")


def test_a_keyset_listing_reads_on_from_its_cursor(session, hubs):
    by_keyset = Listing(Hub, order=(Hub.name, Hub.id), keyset=True)
    first = by_keyset.page(session, None, page=1, page_size=4)
    rest = by_keyset.page(session, None, page=1, page_size=4, after=first.after)
    assert [hub.name for hub in first.items + rest.items] == [f"Hub {n:02d}" for n in range(7)]


def test_a_listing_within_an_object_pages_its_rows_for_those_who_may_see_it(session, hubs):
    schools_of = Listing(School, within=(Hub, "hub_id"), order=(School.urn, School.id))
    for n in range(3):
        factories.school(session, hub=hubs[n % 2], name=f"School {n}")
    session.commit()
    admin = Caller(role=Role.ADMIN, organisation_id=hubs[0].id)
    found = schools_of.page_within(session, admin, hubs[0].id, page=1, page_size=10)
    assert sorted(school.name for school in found.items) == ["School 0", "School 2"]
    staff = Caller(role=Role.EMPLOYER_STAFF, organisation_id=uuid.uuid4())
    with pytest.raises(NotFound):  # a hub it may not see, as if it did not exist
        schools_of.page_within(session, staff, hubs[0].id, page=1, page_size=10)
