"""School years: names, bounds, a pupil's year group in another year, and London's day."""

from datetime import UTC, date, datetime

import pytest

from models.pupils import Pupil
from services import school_years
from services.errors import InvalidInput


@pytest.mark.parametrize(("text", "start"), [("2025-26", 2025), ("1999-00", 1999)])
def test_a_year_is_named_by_its_two_calendar_years(text, start):
    assert school_years.parse(text) == start
    assert school_years.label(start) == text


@pytest.mark.parametrize("text", ["2025-27", "2025/26", "25-26", "", "2025-2026"])
def test_anything_else_is_refused_with_the_field_named(text):
    with pytest.raises(InvalidInput) as refused:
        school_years.parse(text)
    assert "academic_year" in refused.value.errors


def test_a_year_runs_from_september_to_august():
    assert school_years.bounds(2025) == (date(2025, 9, 1), date(2026, 8, 31))
    assert school_years.school_year_start(date(2026, 8, 31)) == 2025
    assert school_years.school_year_start(date(2026, 9, 1)) == 2026


def test_a_pupils_year_group_moves_with_the_year_asked_about():
    pupil = Pupil(year_group=9, roll_year=2025)
    assert school_years.year_group_in(pupil, 2025) == 9
    assert school_years.year_group_in(pupil, 2023) == 7
    assert school_years.year_group_in(pupil, 2026) == 10


def test_londons_day_is_not_utcs_in_summer():
    late_utc = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 BST on 1 July
    assert school_years.london_date(late_utc) == date(2026, 7, 1)
    winter = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # GMT: still 31 December
    assert school_years.london_date(winter) == date(2026, 12, 31)
