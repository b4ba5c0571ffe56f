"""A volunteer invited to meet a need.

invited → accepted → confirmed → scheduled; invited/accepted → declined (with a reason)
or withdrawn; invited → expired when nobody answers in time. An employer may put its
volunteer forward for a shared need: put_forward → accepted (the school approves) or
declined (the school rejects).
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column, utcnow
from models.needs import Need
from models.volunteers import Volunteer


class MatchStatus(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    CONFIRMED = "confirmed"
    SCHEDULED = "scheduled"
    PUT_FORWARD = "put_forward"  # an employer offers its volunteer; the school answers


class DeclineReason(enum.StrEnum):
    NOT_AVAILABLE = "not_available"
    TOO_FAR = "too_far"
    NOT_MY_EXPERTISE = "not_my_expertise"
    TOO_MANY_REQUESTS = "too_many_requests"
    OTHER = "other"


class Match(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "matches"

    need_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("needs.id"), index=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    status: Mapped[MatchStatus] = mapped_column(
        enum_column(MatchStatus), default=MatchStatus.INVITED
    )
    score: Mapped[float]  # the engine's score when invited
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column(DeclineReason))
    note: Mapped[str | None] = mapped_column(String(1000))
    confirmed_at: Mapped[datetime | None]
    scheduled_for: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # declined, expired or withdrawn

    need: Mapped[Need] = relationship(lazy="joined")
    volunteer: Mapped[Volunteer] = relationship()

    __table_args__ = (
        UniqueConstraint("need_id", "volunteer_id", name="uq_matches_need_id_volunteer_id"),
        Index("ix_matches_volunteer_id_invited_at", "volunteer_id", "invited_at"),
        Index("ix_matches_status_expires_at", "status", "expires_at"),
        # Every ranking counts each volunteer's invitations of the last 30 days.
        Index("ix_matches_invited_at", "invited_at"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.need.school_id
