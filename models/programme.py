"""A school's careers programme for one school year: the plan and its activities.

A plan is a draft until the school publishes it (the statutory publication reads the
published one). Each activity is planned for a year group and a half-term, serves one or
more of the eight Gatsby Benchmarks, and may produce a need, a request of an encounter
offer or a booking, whose id it keeps.
"""

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.organisations import School

HALF_TERMS = (1, 2, 3, 4, 5, 6)  # autumn 1-2, spring 3-4, summer 5-6
ALL_BENCHMARKS = (1, 2, 3, 4, 5, 6, 7, 8)


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class PartnerType(enum.StrEnum):
    EMPLOYER = "employer"
    PROVIDER = "provider"
    ADVISER = "adviser"  # a qualified careers adviser (Benchmark 8)
    NONE = "none"  # delivered by the school's own staff


class ActivityStatus(enum.StrEnum):
    PLANNED = "planned"
    REQUESTED = "requested"  # a need, an offer request or a booking was made of it
    DONE = "done"
    CANCELLED = "cancelled"


class ProgrammePlan(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "programme_plans"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"))
    academic_year: Mapped[int]  # the first calendar year: 2025 for 2025-26
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)
    summary: Mapped[str | None] = mapped_column(String(4000))
    # How pupils, parents and carers, teachers and employers find out about the programme.
    access_pupils: Mapped[str | None] = mapped_column(String(2000))
    access_parents: Mapped[str | None] = mapped_column(String(2000))
    access_teachers: Mapped[str | None] = mapped_column(String(2000))
    access_employers: Mapped[str | None] = mapped_column(String(2000))
    impact_measures: Mapped[str | None] = mapped_column(String(4000))
    next_review_on: Mapped[date | None]
    published_at: Mapped[datetime | None]

    school: Mapped[School] = relationship()
    activities: Mapped[list["ProgrammeActivity"]] = relationship(
        back_populates="plan",
        order_by="ProgrammeActivity.year_group, ProgrammeActivity.half_term, "
        "ProgrammeActivity.title, ProgrammeActivity.id",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        UniqueConstraint("school_id", "academic_year", name="uq_programme_plans_school_year"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id


class ProgrammeActivity(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "programme_activities"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_plans.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    year_group: Mapped[int]
    half_term: Mapped[int]
    benchmarks: Mapped[list[int]] = mapped_column(JSON, default=list)
    # An Engage activity type (models.volunteers.ActivityType) when a need may be made of it.
    activity_type: Mapped[str | None] = mapped_column(String(32))
    responsible_staff: Mapped[str | None] = mapped_column(String(200))
    partner_type: Mapped[PartnerType] = mapped_column(
        enum_column(PartnerType), default=PartnerType.NONE
    )
    target_pupils: Mapped[int]
    status: Mapped[ActivityStatus] = mapped_column(
        enum_column(ActivityStatus), default=ActivityStatus.PLANNED
    )
    notes: Mapped[str | None] = mapped_column(String(2000))
    # What the activity became (at most one of them): a need, a request of an encounter
    # offer, or a booking of a slot found by the activity's booking search.
    need_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("needs.id", ondelete="SET NULL"), unique=True
    )
    offer_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("offer_requests.id", ondelete="SET NULL"), unique=True
    )
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), unique=True
    )

    plan: Mapped[ProgrammePlan] = relationship(back_populates="activities")

    __table_args__ = (
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group_secondary"),
        CheckConstraint("half_term BETWEEN 1 AND 6", name="half_term_1_to_6"),
        CheckConstraint("target_pupils > 0", name="target_pupils_positive"),
        Index("ix_programme_activities_plan_id", "plan_id"),
    )

    @property
    def school_id(self) -> uuid.UUID:
        return self.plan.school_id

    @property
    def produced(self) -> bool:
        """Whether a need, an offer request or a booking was made of it."""
        return any((self.need_id, self.offer_request_id, self.booking_id))

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.plan.school_id
