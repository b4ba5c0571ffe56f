"""One way to page through any query: a deterministic order, a count, one page of rows
(and one way to declare a list: what it reads, whom it shows what, the columns its caller
filters on by name, and its order: see `Listing`).

The count stops at COUNT_LIMIT, so no page of a large table counts all of it: past the
limit, `Page.exact` is False and `total` is a lower bound (more than the limit, the rows
up to this page, and one more when there is a next page), enough to say whether a next
page exists.

Long lists ordered by a keyset (plain, non-null columns ending in a unique one) also hand
out a cursor for the page after each one (`Page.after`): read with it, a page starts
right after the row the cursor names, by the index, however deep it is, where an OFFSET
reads and drops every row before it.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    TypeDecorator,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from services.access import get_visible
from services.callers import Caller
from services.errors import InvalidInput

COUNT_LIMIT = 10_000
MAX_OFFSET = 2**62
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,600}$"


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    exact: bool = True  # False: more rows match than were counted; `total` is a lower bound
    after: str | None = None  # keyset lists: the cursor of the next page (None: no next page)


def equal_by_name(
    source: Any, names: Collection[str], filters: Mapping[str, object]
) -> list[ColumnElement[bool]]:
    """The conditions that each column holds its value, for the filters given by name (each
    one of `names`, a column of `source`: a model, or a table's `.c`; None leaves one off)."""
    _check_names(filters, names)
    return [getattr(source, name) == value for name, value in filters.items() if value is not None]


def _check_names(filters: Mapping[str, object], *known: Collection[str]) -> None:
    """A TypeError for a filter a list does not have: a caller's mistake, not one to ignore."""
    unknown = sorted(set(filters).difference(*known))
    if unknown:
        raise TypeError(f"No filter {', '.join(map(repr, unknown))} on this list.")


@dataclass(frozen=True)
class Listing:
    """A list of `model` declared once: its order (ending in a unique column, or a keyset:
    see `paginate_by_keyset`), the WHERE clause of what a caller may see, and the filters a
    caller gives by name (None leaves one off). Each name in `equal` is a column of `model`
    that must hold the value; each function in `conditions` makes its filter's condition
    from the value. `query` is the statement read (its joins and load options) when it is
    more than `select(model)`.

    A list `within` an object (its model, and the column of `model` naming it: an
    assignment's hours, a subscription's deliveries) pages through that object's rows, for
    callers who may see it (`page_within`).

    `page` is a module's `list_`. Filters that change how a list is read (a distance
    search, a sort, a filter applied in memory) stay explicit in a `list_` of its own."""

    model: type
    order: Sequence[ColumnElement]
    visible: Callable[[Caller], ColumnElement[bool]] | None = None
    equal: Collection[str] = ()
    conditions: Mapping[str, Callable[[Any], ColumnElement[bool]]] = field(default_factory=dict)
    query: Select | None = None
    keyset: bool = False
    within: tuple[type, str] | None = None

    def __post_init__(self) -> None:
        named = (*self.equal, *(self.within[1:] if self.within else ()))
        missing = [name for name in named if not hasattr(self.model, name)]
        if missing:  # a misspelt column fails at import, not on the first request
            raise TypeError(f"{self.model.__name__} has no column {', '.join(missing)}.")

    def where(self, caller: Caller, filters: Mapping[str, object]) -> list[ColumnElement[bool]]:
        """The conditions of the rows `caller` may see that match `filters`."""
        _check_names(filters, self.equal, self.conditions)
        where = [] if self.visible is None else [self.visible(caller)]
        for name, value in filters.items():
            if value is None:
                continue
            condition = self.conditions.get(name)
            where.append(
                getattr(self.model, name) == value if condition is None else condition(value)
            )
        return where

    def matching(
        self, caller: Caller, filters: Mapping[str, object], *where: ColumnElement[bool]
    ) -> Select:
        """The rows `caller` may see that match `filters` (and `where`), in no order yet."""
        query = select(self.model) if self.query is None else self.query
        return query.where(*self.where(caller, filters), *where)

    def select(
        self, caller: Caller, filters: Mapping[str, object], *where: ColumnElement[bool]
    ) -> Select:
        """`matching`, in the listing's order."""
        return self.matching(caller, filters, *where).order_by(*self.order)

    def page(
        self,
        session: Session,
        caller: Caller,
        *,
        page: int,
        page_size: int,
        after: str | None = None,
        **filters: object,
    ) -> Page:
        """One page of what `caller` may see that matches `filters`; with a keyset, the
        page after the cursor `after` when it is given."""
        if self.keyset:
            query = self.matching(caller, filters)
            return paginate_by_keyset(
                session, query, keyset=self.order, page=page, page_size=page_size, after=after
            )
        if after is not None:
            raise TypeError("Only a list in keyset order reads on from a cursor.")
        return paginate(session, self.select(caller, filters), page=page, page_size=page_size)

    def page_within(
        self,
        session: Session,
        caller: Caller,
        object_id: uuid.UUID,
        *,
        page: int,
        page_size: int,
        **filters: object,
    ) -> Page:
        """One page of the rows of the object `object_id` of `within` (NotFound when the
        caller may not see it) that `caller` may see and that match `filters`."""
        if self.within is None:
            raise TypeError("This list is not within an object.")
        model, column = self.within
        get_visible(session, caller, model, object_id)
        query = self.select(caller, filters, getattr(self.model, column) == object_id)
        return paginate(session, query, page=page, page_size=page_size)


def paginate(
    session: Session,
    query: Select,
    *,
    page: int,
    page_size: int,
    count: Select | None = None,
    rows: bool = False,
) -> Page:
    """`query` must already carry an ORDER BY that ends in a unique column; `count`, when
    given, is a cheaper query for the same total (counted in full). The items are the
    values of the query's first column (an entity), or with `rows` each row as a mapping
    (read-only columns, where loading entities would cost several times as much)."""
    capped = count is None
    if capped:
        counted = query.order_by(None).limit(COUNT_LIMIT + 1).subquery()
        count = select(func.count()).select_from(counted)
    total = session.scalar(count) or 0
    offset = (page - 1) * page_size
    if not capped or total <= COUNT_LIMIT:
        if offset >= total:  # past the end: nothing to fetch (and no OFFSET beyond BIGINT)
            return Page([], total)
        return Page(_fetch(session, query, rows, page_size, offset), total)
    at_least = COUNT_LIMIT + 1  # what the count found
    if offset > MAX_OFFSET:  # no OFFSET beyond BIGINT, and no table is that long
        return Page([], at_least, exact=False)
    found = _fetch(session, query, rows, page_size + 1, offset)
    seen = offset + len(found) if found else 0
    return Page(found[:page_size], max(at_least, seen), exact=False)


def _fetch(session: Session, query: Select, rows: bool, limit: int, offset: int) -> list:
    window = {"page_limit": limit, "page_offset": offset}
    if rows:
        return list(session.execute(_windowed(query), window).mappings())
    return list(session.scalars(_windowed(query), window))


@lru_cache(maxsize=256)
def _windowed(query: Select) -> Select:
    """`query` with LIMIT and OFFSET as parameters, made once per statement object: the
    page of a query built once (a directory's unfiltered list) keeps its key in
    SQLAlchemy's statement cache, where a statement made anew is keyed again each time."""
    return query.limit(bindparam("page_limit", type_=Integer)).offset(
        bindparam("page_offset", type_=Integer)
    )


def page_of(items: Sequence, *, page: int, page_size: int) -> Page:
    """One page of a list already in memory (filtered or ranked here, not by the query)."""
    start = (page - 1) * page_size
    return Page(list(items[start : start + page_size]), len(items))


def paginate_by_keyset(
    session: Session,
    query: Select,
    *,
    keyset: Sequence[ColumnElement],
    page: int,
    page_size: int,
    after: str | None = None,
) -> Page:
    """A page of `query` in `keyset` order (each a column, or a column's `.desc()`; the last
    one unique): the rows after the cursor `after` when given, else page `page`. The total
    is counted as `paginate` counts it, over the whole list."""
    keys = [_key(expression) for expression in keyset]
    query = query.order_by(*keyset)
    if after is None:
        found = paginate(session, query, page=page, page_size=page_size)
        more = page * page_size < found.total
        cursor = _encode(found.items[-1], keys) if found.items and more else None
        return Page(found.items, found.total, found.exact, cursor)
    counted = query.order_by(None).limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    rows = list(
        session.scalars(query.where(_after(keys, _decode(after, keys))).limit(page_size + 1))
    )
    cursor = _encode(rows[page_size - 1], keys) if len(rows) > page_size else None
    return Page(rows[:page_size], min(total, COUNT_LIMIT + 1), total <= COUNT_LIMIT, cursor)


def _key(expression) -> tuple[ColumnElement, bool]:
    """(column, descending) of one keyset term."""
    if isinstance(expression, UnaryExpression) and expression.modifier is operators.desc_op:
        return expression.element, True
    return expression, False


def _after(keys: list[tuple[ColumnElement, bool]], values: list) -> ColumnElement:
    """Rows after the one with these key values, in the keyset's order. The first key's
    bound is also said on its own, so an index on it starts the scan at the cursor."""
    terms = []
    for i, (column, descending) in enumerate(keys):
        beyond = column < values[i] if descending else column > values[i]
        terms.append(and_(*(c == v for (c, _), v in zip(keys[:i], values, strict=False)), beyond))
    first, descending = keys[0]
    return and_(first <= values[0] if descending else first >= values[0], or_(*terms))


def _encode(row: Any, keys: list[tuple[ColumnElement, bool]]) -> str:
    values = [str(getattr(row, column.key)) for column, _ in keys]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode(cursor: str, keys: list[tuple[ColumnElement, bool]]) -> list:
    """The key values a cursor names, as their columns hold them; a 422 when it is not one
    this API handed out."""
    try:
        texts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(texts, list) or len(texts) != len(keys):
            raise ValueError("not this list's cursor")
        return [_value(column, text) for (column, _), text in zip(keys, texts, strict=True)]
    except (ValueError, TypeError, binascii.Error) as error:
        raise InvalidInput(
            "Invalid cursor.", errors={"after": ["Not a cursor this list handed out."]}
        ) from error


def _value(column: ColumnElement, text: str):
    stored = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    try:
        kind = stored.python_type
    except NotImplementedError:
        kind = str
    if kind is datetime:
        return datetime.fromisoformat(text)
    if kind is uuid.UUID:
        return uuid.UUID(text)
    return kind(text) if kind in (int, str) else text
