"""Every state-changing route leaves an audit row naming each object it changed.

The calls come from the authorization matrix: each unsafe route, called as the first role
the matrix expects to succeed on its own side. The database is compared before and after,
row by row, and every row created, changed or deleted must have an entry in the audit log
naming it by its primary key (a link table's row by either end).
"""

import pytest
from sqlalchemy import select

from api.extensions import db
from models import Base
from models.audit import AuditEntry
from tests import factories
from tests.api.test_authorization_matrix import ROLES, ROUTES

# What is not a state change of its own: the log itself, caches and replay records, and
# seat counters (the bookings that move them are audited).
UNAUDITED_TABLES = {
    "audit_log",
    "matching_pool_generations",
    "matching_pool_changes",
    "idempotency_keys",
    "slot_allocations",
    "revoked_sessions",
    # The outbox is itself the record of each change, written in its transaction.
    "outbox_events",
    "outbox_audiences",
    "outbox_consumers",
    # A subscription's delivery log goes with it (ON DELETE CASCADE); its deletion is audited.
    "webhook_deliveries",
    "webhook_attempts",
}
DERIVED_COLUMNS = {"slots": {"booked", "updated_at"}}
STATE_CHANGES = [
    pytest.param(route, id=f"{route[0]} {route[1]}")
    for route, case in ROUTES.items()
    if route[0] in {"POST", "PUT", "PATCH", "DELETE"}
    and any(200 <= case.own[role] < 300 for role in ROLES)
]


def _rows(app) -> dict[tuple[str, str], dict]:
    """Every row of every audited table, keyed by (table, primary key as audit names it)."""
    rows = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in UNAUDITED_TABLES:
                continue
            ignored = DERIVED_COLUMNS.get(table.name, set())
            key = [column.name for column in table.primary_key.columns]
            for row in connection.execute(select(table)).mappings():
                name = "/".join(str(row[column]) for column in key)
                rows[table.name, name] = {k: v for k, v in row.items() if k not in ignored}
    return rows


def _changed(before: dict, after: dict) -> set[tuple[str, str]]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def _audited(app) -> set[str]:
    """The primary keys of every object the audit log names (ids are UUIDs: unique)."""
    with app.app_context(), db.engine.connect() as connection:
        return set(connection.scalars(select(AuditEntry.object_id)))


@pytest.mark.parametrize("route", STATE_CHANGES)
def test_every_state_changing_route_leaves_an_audit_row_naming_its_objects(
    app, client, session, auth_headers, route
):
    case = ROUTES[route]
    role = next(role for role in ROLES if 200 <= case.own[role] < 300)
    world = factories.world(session)
    if case.setup:
        case.setup(session, world)
    session.commit()
    headers = auth_headers(world.caller(role))
    path = case.path(world, world.a)
    if case.if_match:
        reader = world.caller(case.etag_reader)
        headers["If-Match"] = client.get(path, headers=auth_headers(reader)).headers["ETag"]
    before = _rows(app)
    if case.csv:
        payload = {"data": case.csv(world, world.a), "content_type": "text/csv"}
    else:
        payload = {"json": case.body(world, world.a) if case.body else None}

    response = client.open(
        path, method=route[0], headers=headers, query_string=case.query, **payload
    )

    assert response.status_code == case.own[role], response.get_json()
    audited = _audited(app)
    unaudited = [
        (table, key)
        for table, key in _changed(before, _rows(app))
        if not audited & {key, *key.split("/")}  # a link row is named by either end
    ]
    assert sorted(unaudited) == []
