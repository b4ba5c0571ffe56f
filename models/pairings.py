"""Enterprise Advisers paired with schools: planned hub-wide, confirmed by a coordinator."""

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, query_expression, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column, utcnow
from models.organisations import School
from models.volunteers import EnterpriseAdviser

MAX_ADVISERS_PER_SCHOOL = 2


class PlanStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


class AdviserAssignment(UUIDPrimaryKey, Timestamps, Base):
    """An adviser serving a school, logging hours against the monthly commitment.

    `hours_logged` is derived from the hours entries below; `hours_this_month` is filled in
    by the query that loads the assignment (`with_expression`), as "this month" is its date.
    """

    __tablename__ = "adviser_assignments"

    adviser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise_advisers.id"), index=True)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hubs.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # None while active
    end_reason: Mapped[str | None] = mapped_column(String(500))
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("adviser_pairing_plans.id"))

    adviser: Mapped[EnterpriseAdviser] = relationship()
    school: Mapped[School] = relationship()
    hours_this_month: Mapped[float | None] = query_expression()

    __table_args__ = (
        Index("ix_adviser_assignments_adviser_id_school_id", "adviser_id", "school_id"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.hub_id

    @property
    def active(self) -> bool:
        return self.ends_on is None


class AdviserHours(UUIDPrimaryKey, Base):
    """Time an adviser gave a school on one day: an entry, never changed, summed by month."""

    __tablename__ = "adviser_hours"

    assignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("adviser_assignments.id"))
    worked_on: Mapped[date]
    hours: Mapped[float]  # quarter hours, which binary floats hold (and sum) exactly
    note: Mapped[str | None] = mapped_column(String(500))
    logged_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # Monthly sums and the newest-first list both read one assignment's entries by date.
        Index("ix_adviser_hours_assignment_id_worked_on", "assignment_id", "worked_on"),
        CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_a_day"),
    )


def hours_between(first_day: date | None = None):
    """The hours logged on an assignment (from `first_day` on), as a correlated subquery."""
    query = select(func.coalesce(func.sum(AdviserHours.hours), 0.0)).where(
        AdviserHours.assignment_id == AdviserAssignment.id
    )
    if first_day is not None:
        query = query.where(AdviserHours.worked_on >= first_day)
    return query.correlate_except(AdviserHours).scalar_subquery()


# Declared after AdviserHours, which it sums; never stored, so it cannot drift.
AdviserAssignment.hours_logged = column_property(hours_between())


class AdviserPairingPlan(UUIDPrimaryKey, Timestamps, Base):
    """A solver's proposal: pairs with their score breakdowns, and who stays unpaired and why."""

    __tablename__ = "adviser_pairing_plans"

    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hubs.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.PROPOSED)
    total_score: Mapped[float]
    pairs: Mapped[list[dict]] = mapped_column(JSON, default=list)
    unpaired_advisers: Mapped[list[dict]] = mapped_column(JSON, default=list)
    unpaired_schools: Mapped[list[dict]] = mapped_column(JSON, default=list)
    solver: Mapped[str] = mapped_column(String(50))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.hub_id
