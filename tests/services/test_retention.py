"""A retention rule: a purge may keep rows longer than the minimum, never shorter."""

from datetime import UTC, datetime, timedelta

import pytest

from services.errors import InvalidInput
from services.retention import Retention

DAY = Retention("Events", timedelta(days=1), "a day")
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("older_than", [timedelta(days=1), timedelta(days=90)])
def test_the_cutoff_is_now_less_the_age_asked_for(older_than):
    assert DAY.cutoff(older_than, NOW) == NOW - older_than


def test_a_purge_sooner_than_the_minimum_is_refused_and_says_why():
    with pytest.raises(InvalidInput) as refused:
        DAY.cutoff(timedelta(hours=23), NOW)
    assert str(refused.value) == "Events are kept at least a day."
    assert refused.value.errors == {"older_than": ["At least a day."]}


def test_without_a_moment_the_cutoff_is_counted_from_now():
    before = datetime.now(UTC)
    cutoff = DAY.cutoff(timedelta(days=2))
    assert before - timedelta(days=2) <= cutoff <= datetime.now(UTC) - timedelta(days=2)
