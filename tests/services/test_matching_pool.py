"""The per-process volunteer pool: a write refreshes only what it touched, exactly, in
commit order; a bulk load or a gap in the change log falls back to a full reload."""

import numpy as np
import pytest
from sqlalchemy import delete, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models.matching import PoolChange
from models.organisations import EmployerSize
from services.matching import changes
from services.matching import pool as held_pool
from services.matching.engine import as_uuid
from tests import factories


class Statements:
    """The SQL a block runs (to tell a refresh of a few rows from a full reload)."""

    def __init__(self, session):
        self.engine, self.seen = session.get_bind(), []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.record)
        return self.seen

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.record)

    def record(self, _connection, _cursor, statement, *_args):
        self.seen.append(statement)


def pool_reads(statements) -> list[str]:
    return [s for s in statements if "FROM volunteers JOIN employers" in s]


def row_of(session, volunteer):
    pool, rows = held_pool.volunteer_pool(session)
    return pool, rows.get(_key(session, volunteer))


def _key(session, volunteer):
    held, rows = held_pool.volunteer_pool(session)
    return next(k for k in rows if as_uuid(k) == volunteer.id)


def test_an_edit_refreshes_only_that_volunteer(session, world):
    first, _ = held_pool.volunteer_pool(session)
    volunteer = world.a.volunteer
    volunteer.travel_radius_km = 7
    session.commit()
    with Statements(session) as statements:
        pool, rows = held_pool.volunteer_pool(session)
    reads = pool_reads(statements)
    assert len(reads) == 1 and " IN " in reads[0]  # the touched volunteer, not everyone
    row = rows[_key(session, volunteer)]
    assert pool.radius[row] == 7 and pool is not first
    other = rows[_key(session, world.b.volunteer)]
    assert pool.radius[other] == first.radius[other]
    assert held_pool.volunteer_pool(session)[0] is pool  # nothing new: held as it is


def test_new_deleted_and_employer_writes_keep_the_pool_in_id_order(session, world):
    held_pool.volunteer_pool(session)
    added = [factories.volunteer(session, world.a.employer) for _ in range(3)]
    session.commit()
    pool, rows = held_pool.volunteer_pool(session)
    assert pool.ids == sorted(pool.ids) and len(pool) == 5
    assert sorted(rows.values()) == list(range(5))
    session.delete(added[1])
    world.b.employer.size_band = "micro"
    session.commit()
    pool, rows = held_pool.volunteer_pool(session)
    assert len(pool) == 4 and added[1].id not in {as_uuid(i) for i in pool.ids}
    assert pool.ids == sorted(pool.ids)
    micro = list(EmployerSize).index(EmployerSize("micro"))
    assert pool.employer_size[rows[_key(session, world.b.volunteer)]] == micro
    full = held_pool._read(session, held_pool._pool_query())
    assert full.ids == pool.ids
    for name in ("radius", "employer_size", "capacity", "dbs_through"):
        assert np.array_equal(getattr(full, name), getattr(pool, name)), name


def test_a_gap_in_the_log_or_a_bulk_load_reloads_in_full(session, world):
    held_pool.volunteer_pool(session)
    world.a.volunteer.travel_radius_km = 3
    session.commit()
    session.execute(delete(PoolChange))  # as if purged before this process caught up
    session.commit()
    with Statements(session) as statements:
        pool, rows = held_pool.volunteer_pool(session)
    assert [" IN " not in s for s in pool_reads(statements)] == [True]
    assert pool.radius[rows[_key(session, world.a.volunteer)]] == 3
    held_pool.stamp_pool_generation(session)
    session.commit()
    with Statements(session) as statements:
        held_pool.volunteer_pool(session)
    assert [" IN " not in s for s in pool_reads(statements)] == [True]


def test_an_uncommitted_write_is_not_read_and_its_commit_is(session, world, database_url):
    held_pool.volunteer_pool(session)
    writer = Session(session.get_bind())
    try:
        volunteer = writer.get(type(world.a.volunteer), world.a.volunteer.id)
        volunteer.travel_radius_km = 11
        writer.flush()  # numbered and logged, not committed
        if not database_url.startswith("sqlite"):  # SQLite has one writer at a time
            pool, rows = held_pool.volunteer_pool(session)
            assert pool.radius[rows[_key(session, world.a.volunteer)]] == 20
            session.rollback()
        writer.commit()
    finally:
        writer.close()
    pool, rows = held_pool.volunteer_pool(session)
    assert pool.radius[rows[_key(session, world.a.volunteer)]] == 11


def test_writers_take_sequence_numbers_in_commit_order(session, world, database_url):
    """A second writer waits for the first's commit before it numbers its change, so no
    reader can see number N while a lower one is still to commit."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers itself (one write transaction at a time)")
    engine = session.get_bind()
    first, second = Session(engine), Session(engine)
    try:
        first.get(type(world.a.volunteer), world.a.volunteer.id).travel_radius_km = 5
        first.flush()
        second.execute(text("SET LOCAL lock_timeout = '300ms'"))
        second.get(type(world.b.volunteer), world.b.volunteer.id).travel_radius_km = 6
        with pytest.raises(OperationalError, match="lock timeout"):
            second.flush()
        second.rollback()
        first.commit()
        second.get(type(world.b.volunteer), world.b.volunteer.id).travel_radius_km = 6
        second.commit()
    finally:
        first.close()
        second.close()
    stamp = changes.current(session)
    touched = changes.since(session, stamp.sequence - 2, stamp.sequence)
    assert set(touched.volunteer_ids) == {world.a.volunteer.id, world.b.volunteer.id}
