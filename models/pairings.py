"""Enterprise Advisers paired with schools: planned hub-wide, confirmed by a coordinator."""

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey
from models.organisations import School, enum_column
from models.volunteers import EnterpriseAdviser

MAX_ADVISERS_PER_SCHOOL = 2


class PlanStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


class AdviserAssignment(UUIDPrimaryKey, Timestamps, Base):
    """An adviser serving a school, logging hours against the monthly commitment."""

    __tablename__ = "adviser_assignments"

    adviser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise_advisers.id"), index=True)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hubs.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # None while active
    hours_logged: Mapped[float] = mapped_column(default=0.0)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("adviser_pairing_plans.id"))

    adviser: Mapped[EnterpriseAdviser] = relationship()
    school: Mapped[School] = relationship()

    __table_args__ = (
        Index("ix_adviser_assignments_adviser_id_school_id", "adviser_id", "school_id"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.hub_id


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
