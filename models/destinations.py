"""Leavers' destinations (Benchmark 3): at leaving, and followed up for three years.

A leaver keeps the school's own reference and the flags the report breaks down by, copied
when they left, so the record outlives the pupil row. Each stage (0 at leaving, 1-3 the
follow-ups a year, two and three years on) holds one route.
"""

import enum
import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column

STAGES = (0, 1, 2, 3)


class Route(enum.StrEnum):
    EDUCATION = "education"  # with its RQF level
    APPRENTICESHIP = "apprenticeship"
    EMPLOYMENT = "employment"
    NEET = "neet"  # not in education, employment or training
    UNKNOWN = "unknown"


SUSTAINED = (Route.EDUCATION, Route.APPRENTICESHIP, Route.EMPLOYMENT)


class Leaver(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "leavers"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"))
    reference: Mapped[str] = mapped_column(String(50))
    leaving_year: Mapped[int]  # the school year they left in, by its first calendar year
    year_group: Mapped[int]  # at leaving
    disadvantaged: Mapped[bool] = mapped_column(default=False)
    send: Mapped[bool] = mapped_column(default=False)

    records: Mapped[list["DestinationRecord"]] = relationship(
        back_populates="leaver",
        order_by="DestinationRecord.stage",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("school_id", "reference", "leaving_year", name="uq_leavers_school_ref"),
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group_secondary"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id


class DestinationRecord(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "destination_records"

    leaver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("leavers.id", ondelete="CASCADE"))
    stage: Mapped[int]
    route: Mapped[Route] = mapped_column(enum_column(Route))
    education_level: Mapped[int | None]  # RQF 1-8, for education only
    recorded_on: Mapped[date]

    leaver: Mapped[Leaver] = relationship(back_populates="records")

    __table_args__ = (
        UniqueConstraint("leaver_id", "stage", name="uq_destination_records_leaver_stage"),
        CheckConstraint("stage BETWEEN 0 AND 3", name="stage_0_to_3"),
        CheckConstraint(
            "(route = 'education') = (education_level IS NOT NULL)", name="level_for_education"
        ),
        CheckConstraint(
            "education_level IS NULL OR education_level BETWEEN 1 AND 8", name="level_rqf"
        ),
    )
