"""Requests between a school and a partner (an employer or a provider) for one encounter.

One machinery serves two directions:
- a school requests a published encounter offer (kind `offer`), the partner answers;
- a provider requests access to a school's pupils under the Provider Access Legislation
  (kind `provider_access`), the school answers.

    requested --accept-->  scheduled   (the side asked; the encounter is made with it)
    requested --propose--> proposed    (the side asked names another date and time)
    proposed  --accept-->  scheduled   (the side that asked takes the new terms)
    requested --decline--> declined    (the side asked, with a reason)
    proposed  --decline--> declined    (the side that asked turns the new terms down)
    requested / proposed / scheduled --cancel--> cancelled   (either side, with a reason)

`date`, `starts_at` and `ends_at` hold the current terms: asked for, proposed, or
scheduled. Times are Europe/London wall-clock times within the school day.
"""

import enum
import uuid
from datetime import date, datetime, time

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.offers import Offer
from models.organisations import School
from models.volunteers import YEAR_GROUPS, BitSet, Mode, Volunteer


class RequestKind(enum.StrEnum):
    OFFER = "offer"
    PROVIDER_ACCESS = "provider_access"


class RequestStatus(enum.StrEnum):
    REQUESTED = "requested"
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    DECLINED = "declined"
    CANCELLED = "cancelled"


OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.PROPOSED, RequestStatus.SCHEDULED)


class Side(enum.StrEnum):
    SCHOOL = "school"
    PARTNER = "partner"  # the employer or provider
    ADMIN = "admin"


class AccessActivity(enum.StrEnum):
    """What a provider asks to do with a school's pupils."""

    ASSEMBLY = "assembly"
    CLASS_SESSION = "class_session"
    CAREERS_FAIR = "careers_fair"
    PROVIDER_VISIT = "provider_visit"


class AccessContent(enum.StrEnum):
    """The four things every provider encounter covers (DOMAIN.md)."""

    PROVIDER_AND_QUALIFICATIONS = "provider_and_qualifications"
    CAREERS_THEY_LEAD_TO = "careers_they_lead_to"
    WHAT_LEARNING_IS_LIKE = "what_learning_is_like"
    PUPILS_QUESTIONS = "pupils_questions"


offer_request_volunteers = Table(
    "offer_request_volunteers",
    Base.metadata,
    Column("request_id", ForeignKey("offer_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("volunteer_id", ForeignKey("volunteers.id"), primary_key=True, index=True),
)


class OfferRequest(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "offer_requests"

    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind))
    offer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("offers.id"), index=True)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employers.id"), index=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"), index=True)
    requested_by: Mapped[Side] = mapped_column(enum_column(Side))
    activity: Mapped[str] = mapped_column(String(32))  # the offer's kind, or AccessActivity
    mode: Mapped[Mode] = mapped_column(enum_column(Mode), default=Mode.IN_PERSON)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus), default=RequestStatus.REQUESTED
    )
    preferred_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    date: Mapped[date | None]
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    year_groups: Mapped[list[int]] = mapped_column(BitSet(YEAR_GROUPS), default=list)
    pupils: Mapped[int | None]
    content: Mapped[list[str]] = mapped_column(JSON, default=list)  # AccessContent values
    notes: Mapped[str | None] = mapped_column(String(2000))
    response_note: Mapped[str | None] = mapped_column(String(500))  # a proposal's or refusal's
    decided_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_by: Mapped[Side | None] = mapped_column(enum_column(Side, "cancelled_by_side"))
    cancelled_at: Mapped[datetime | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by_client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    # The school's encounter, made when the request is scheduled (it outlives the request).
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("encounters.id", ondelete="SET NULL"), unique=True
    )

    offer: Mapped[Offer | None] = relationship()
    school: Mapped[School] = relationship()
    volunteers: Mapped[list[Volunteer]] = relationship(
        secondary=offer_request_volunteers, order_by=Volunteer.id
    )

    __table_args__ = (
        CheckConstraint("pupils IS NULL OR pupils > 0", name="pupils_positive"),
        CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"
        ),
        CheckConstraint("(employer_id IS NULL) <> (provider_id IS NULL)", name="one_partner"),
        Index("ix_offer_requests_status_date", "status", "date"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id

    @property
    def partner_id(self) -> uuid.UUID:
        return self.employer_id or self.provider_id

    @property
    def volunteer_ids(self) -> list[uuid.UUID]:
        return [volunteer.id for volunteer in self.volunteers]

    @property
    def answering_side(self) -> Side:
        """The side asked: it accepts, proposes or declines a `requested` request."""
        return Side.PARTNER if self.requested_by is Side.SCHOOL else Side.SCHOOL
