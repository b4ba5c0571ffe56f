"""One way to page through any query: a deterministic order, a count, one page of rows."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int


def paginate(
    session: Session, query: Select, *, page: int, page_size: int, count: Select | None = None
) -> Page:
    """`query` must already carry an ORDER BY that ends in a unique column; `count`, when
    given, is a cheaper query for the same total."""
    if count is None:
        count = select(func.count()).select_from(query.order_by(None).subquery())
    total = session.scalar(count) or 0
    offset = (page - 1) * page_size
    if offset >= total:  # past the end: nothing to fetch (and no OFFSET beyond BIGINT)
        return Page([], total)
    items = session.scalars(query.limit(page_size).offset(offset)).all()
    return Page(list(items), total)
