"""Encounters (one activity with pupils, Gatsby Benchmarks 5-8) and who attended them.

An encounter belongs to the school whose pupils took part. It keeps a snapshot of the
employer's size band and sector (or the provider's type) as they were on the day, so the
variety a school reports does not move when a directory profile changes. `meaningful` is
derived by `services.checklists` from the checklist answers and the attendance, and kept
on the row so reports aggregate it in SQL.
"""

import enum
import uuid
from datetime import date

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.organisations import EmployerSize, ProviderType
from models.volunteers import Mode, Volunteer

BENCHMARKS = (5, 6, 7, 8)


class EncounterActivity(enum.StrEnum):
    CAREERS_TALK = "careers_talk"
    CAREERS_FAIR = "careers_fair"
    MOCK_INTERVIEWS = "mock_interviews"
    CV_WORKSHOP = "cv_workshop"
    ENTERPRISE_CHALLENGE = "enterprise_challenge"
    MENTORING = "mentoring"
    WORKPLACE_VISIT = "workplace_visit"
    JOB_SHADOWING = "job_shadowing"
    WORK_EXPERIENCE = "work_experience"
    PROVIDER_TALK = "provider_talk"
    PROVIDER_VISIT = "provider_visit"
    TASTER_DAY = "taster_day"
    GUIDANCE_INTERVIEW = "guidance_interview"
    OTHER = "other"


class EncounterSource(enum.StrEnum):
    RECORDED = "recorded"  # recorded directly by the school
    BOOKING = "booking"  # from a completed booking (booking_id set)
    MATCH = "match"  # from a scheduled match (match_id set)
    REQUEST = "request"  # from a scheduled request (its offer_requests.encounter_id)
    TRANSFER = "transfer"  # part of a pupil's record brought from another school


encounter_volunteers = Table(
    "encounter_volunteers",
    Base.metadata,
    Column("encounter_id", ForeignKey("encounters.id", ondelete="CASCADE"), primary_key=True),
    Column("volunteer_id", ForeignKey("volunteers.id"), primary_key=True, index=True),
)


class Encounter(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "encounters"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"))
    source: Mapped[EncounterSource] = mapped_column(
        enum_column(EncounterSource), default=EncounterSource.RECORDED
    )
    # The booking or match it came from: one encounter each, and the record outlives them.
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), unique=True
    )
    match_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("matches.id", ondelete="SET NULL"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    activity_type: Mapped[EncounterActivity] = mapped_column(enum_column(EncounterActivity))
    benchmark: Mapped[int]
    occurred_on: Mapped[date]
    mode: Mapped[Mode] = mapped_column(enum_column(Mode))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employers.id"), index=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"), index=True)
    # Snapshots taken when the encounter is recorded (or brought in with a transfer).
    partner_name: Mapped[str | None] = mapped_column(String(200))
    employer_size: Mapped[EmployerSize | None] = mapped_column(enum_column(EmployerSize))
    employer_sector: Mapped[str | None] = mapped_column(String(1))
    provider_type: Mapped[ProviderType | None] = mapped_column(enum_column(ProviderType))
    provider_access: Mapped[bool] = mapped_column(default=False)  # Provider Access Legislation
    year_groups: Mapped[list[int]] = mapped_column(JSON, default=list)
    head_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    work_experience_days: Mapped[int] = mapped_column(default=0)
    checklist_version: Mapped[int]
    meaningful: Mapped[bool] = mapped_column(default=False)

    volunteers: Mapped[list[Volunteer]] = relationship(
        secondary=encounter_volunteers, order_by=Volunteer.id
    )

    @property
    def volunteer_ids(self) -> list[uuid.UUID]:
        return [volunteer.id for volunteer in self.volunteers]

    __table_args__ = (
        CheckConstraint("benchmark IN (5, 6, 7, 8)", name="benchmark_5_to_8"),
        CheckConstraint("work_experience_days BETWEEN 0 AND 30", name="work_experience_days"),
        Index("ix_encounters_school_id_occurred_on", "school_id", "occurred_on"),
    )


class Attendance(UUIDPrimaryKey, Base):
    """One pupil at one encounter, with the year group they were in on the day."""

    __tablename__ = "attendances"

    encounter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"))
    pupil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pupils.id"))
    year_group: Mapped[int]
    reflection: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("encounter_id", "pupil_id", name="uq_attendances_encounter_id_pupil_id"),
        Index("ix_attendances_pupil_id", "pupil_id"),
        # Covering the reports' scan: from each encounter to who attended in which year
        # group, read from the index alone.
        Index(
            "ix_attendances_encounter_id_pupil_id_year_group",
            "encounter_id",
            "pupil_id",
            "year_group",
        ),
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group_secondary"),
    )


# How many pupils are named as attending (what partners see instead of who).
Encounter.attendance_count = column_property(
    select(func.count())
    .where(Attendance.encounter_id == Encounter.id)
    .correlate_except(Attendance)
    .scalar_subquery()
)
