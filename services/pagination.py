"""One way to page through any query: a deterministic order, a count, one page of rows.

The count stops at COUNT_LIMIT, so no page of a large table counts all of it: past the
limit, `Page.exact` is False and `total` is a lower bound (more than the limit, the rows
up to this page, and one more when there is a next page), enough to say whether a next
page exists.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

COUNT_LIMIT = 10_000
MAX_OFFSET = 2**62


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    exact: bool = True  # False: more rows match than were counted; `total` is a lower bound


def paginate(
    session: Session, query: Select, *, page: int, page_size: int, count: Select | None = None
) -> Page:
    """`query` must already carry an ORDER BY that ends in a unique column; `count`, when
    given, is a cheaper query for the same total (counted in full)."""
    capped = count is None
    if capped:
        counted = query.order_by(None).limit(COUNT_LIMIT + 1).subquery()
        count = select(func.count()).select_from(counted)
    total = session.scalar(count) or 0
    offset = (page - 1) * page_size
    if not capped or total <= COUNT_LIMIT:
        return _exact(session, query, total, offset, page_size)
    at_least = COUNT_LIMIT + 1  # what the count found
    if offset > MAX_OFFSET:  # no OFFSET beyond BIGINT, and no table is that long
        return Page([], at_least, exact=False)
    rows = session.scalars(query.limit(page_size + 1).offset(offset)).all()
    seen = offset + len(rows) if rows else 0
    return Page(list(rows[:page_size]), max(at_least, seen), exact=False)


def _exact(session: Session, query: Select, total: int, offset: int, page_size: int) -> Page:
    if offset >= total:  # past the end: nothing to fetch (and no OFFSET beyond BIGINT)
        return Page([], total)
    return Page(list(session.scalars(query.limit(page_size).offset(offset)).all()), total)
