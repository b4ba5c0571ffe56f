"""What a school's pupils need: an activity for some year groups within a date window.

A need is open until the school confirms a volunteer (matched), the encounter happens
(fulfilled), the school calls it off (cancelled) or its window passes unmet (expired).
"""

import enum
import uuid
from datetime import date, time

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.journeys import RoleModelKind
from models.organisations import School
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, ActivityType, BitSet


class NeedMode(enum.StrEnum):
    IN_PERSON = "in_person"
    VIRTUAL = "virtual"
    EITHER = "either"


class NeedStatus(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Frequency(enum.StrEnum):
    """How often the volunteer meets the same pupils (decides regulated activity)."""

    ONE_OFF = "one_off"
    OCCASIONAL = "occasional"  # less than weekly and on fewer than 4 days in any 30
    WEEKLY = "weekly"  # once a week or more
    FOUR_DAYS_IN_30 = "four_days_in_30"  # on 4 or more days in a 30-day period


class Need(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "needs"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    activity_type: Mapped[ActivityType] = mapped_column(enum_column(ActivityType))
    benchmark: Mapped[int]
    year_groups: Mapped[list[int]] = mapped_column(BitSet(YEAR_GROUPS), default=list)
    pupils: Mapped[int]
    sectors: Mapped[list[str]] = mapped_column(BitSet(SIC_SECTIONS), default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kinds of career journey the school would like its volunteers to have shared.
    role_model_journeys: Mapped[list[RoleModelKind]] = mapped_column(
        BitSet(list(RoleModelKind)), default=list, server_default="0"
    )
    mode: Mapped[NeedMode] = mapped_column(enum_column(NeedMode))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    preferred_days: Mapped[list[str]] = mapped_column(JSON, default=list)  # monday..friday
    earliest_time: Mapped[time | None]  # Europe/London
    latest_time: Mapped[time | None]
    # The activity's safeguarding attributes (services.safeguarding reads them).
    supervised: Mapped[bool] = mapped_column(default=True)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency), default=Frequency.ONE_OFF)
    overnight: Mapped[bool] = mapped_column(default=False)
    send_adjustments: Mapped[str | None] = mapped_column(String(2000))
    notes: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus), default=NeedStatus.OPEN)
    # The employers' side of the market: employers whose volunteers could meet it see the
    # need (its activity, year groups, group size, mode, window and adjustments; never
    # its notes or a pupil) when the school shares it, or addresses it to them.
    shared_with_employers: Mapped[bool] = mapped_column(default=False, server_default="0")
    addressed_employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employers.id"))

    school: Mapped[School] = relationship()

    __table_args__ = (
        CheckConstraint("benchmark IN (5, 6, 7)", name="benchmark_5_6_or_7"),
        CheckConstraint("pupils > 0", name="pupils_positive"),
        CheckConstraint("ends_on >= starts_on", name="window_ordered"),
        Index("ix_needs_status_ends_on", "status", "ends_on"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id
