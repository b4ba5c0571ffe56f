"""School years run 1 September - 31 August and are named like `2025-26`."""

import re
from datetime import date

from models.base import london_date, london_today
from models.pupils import Pupil, school_year_start
from services.errors import InvalidInput

PATTERN = re.compile(r"^(\d{4})-(\d{2})$")

__all__ = [
    "bounds",
    "current_label",
    "label",
    "london_date",
    "london_today",
    "parse",
    "school_year_start",
    "year_group_in",
]


def parse(text: str) -> int:
    """`2025-26` -> 2025; refuses `2025-27` and other non-years."""
    match = PATTERN.match(text or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise InvalidInput(
            "An academic year looks like 2025-26.",
            errors={"academic_year": ["Use the form YYYY-YY, such as 2025-26."]},
        )
    return int(match[1])


def label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def current_label() -> str:
    """This school year's name, such as `2025-26` (today in Europe/London)."""
    return label(school_year_start(london_today()))


def bounds(start: int) -> tuple[date, date]:
    """The first and last day of the school year starting in September of `start`."""
    return date(start, 9, 1), date(start + 1, 8, 31)


def year_group_in(pupil: Pupil, start: int) -> int:
    """The year group a pupil is (or was, or will be) in during the school year `start`."""
    return pupil.year_group - (pupil.roll_year - start)
