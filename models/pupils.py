"""Pupils: the least personal data that reporting needs, scoped to their school.

No names, no national UPN: the school's own reference, a year group and the flags the
benchmark reports break down by (DOMAIN.md, "Pupils' data").
"""

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, UUIDPrimaryKey, london_today


def school_year_start(day: date) -> int:
    """The first calendar year of the school year (1 September - 31 August) holding `day`."""
    return day.year if day.month >= 9 else day.year - 1


class Pupil(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "pupils"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    reference: Mapped[str] = mapped_column(String(50))
    year_group: Mapped[int]
    disadvantaged: Mapped[bool] = mapped_column(default=False)
    send: Mapped[bool] = mapped_column(default=False)
    considering_higher_education: Mapped[bool] = mapped_column(default=False)
    # The school year `year_group` is for, by its first calendar year (2025 for 2025-26):
    # a report for another year counts back (or on) from it. Roll-over moves both.
    roll_year: Mapped[int] = mapped_column(default=lambda: school_year_start(london_today()))
    left_on: Mapped[date | None]  # left the school (or finished Y13); kept for past reports

    __table_args__ = (
        UniqueConstraint("school_id", "reference", name="uq_pupils_school_id_reference"),
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group_secondary"),
    )
