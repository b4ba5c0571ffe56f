"""Offer services without HTTP: when a slot counts as started, in SQL as on the model."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.base import LONDON, london_today
from models.bookings import Slot
from services.offers import not_started
from tests import factories


def test_a_slot_has_started_from_its_london_start_time_in_sql_and_in_python(session):
    offer = factories.offer(session, factories.employer(session))
    day = london_today() + timedelta(days=3)
    ten, ten_past_one = (
        factories.slot(session, offer, day=day, starts_at=time(10, 0), ends_at=time(11, 0)),
        factories.slot(session, offer, day=day, starts_at=time(10, 1), ends_at=time(11, 0)),
    )
    tomorrow = factories.slot(session, offer, day=day + timedelta(days=1), starts_at=time(8, 0))
    session.commit()

    def open_at(hour, minute, second, microsecond=0):
        now = datetime.combine(day, time(hour, minute, second, microsecond), ZoneInfo(LONDON))
        in_sql = set(session.scalars(select(Slot.id).where(not_started(now))))
        in_python = {s.id for s in (ten, ten_past_one, tomorrow) if not s.has_started(now)}
        assert in_sql == in_python
        return in_sql

    assert open_at(9, 59, 59, 999_999) == {ten.id, ten_past_one.id, tomorrow.id}
    assert open_at(10, 0, 0) == {ten_past_one.id, tomorrow.id}  # starting now is started
    assert open_at(10, 0, 30) == {ten_past_one.id, tomorrow.id}
    assert open_at(23, 59, 59) == {tomorrow.id}
