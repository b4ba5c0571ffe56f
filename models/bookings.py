"""Slots on offers, the bookings schools make on them, and the waitlist.

Capacity is a counter on the slot (`booked`) moved only by conditional updates, and a
CHECK constraint backs it: `0 <= booked <= seats` holds on every committed row.
"""

import enum
import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import LONDON, Base, Timestamps, UUIDPrimaryKey, enum_column
from models.offers import Offer
from models.organisations import School


class Slot(UUIDPrimaryKey, Timestamps, Base):
    """One date and time of an offer; times are Europe/London wall-clock times."""

    __tablename__ = "slots"

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offers.id"), index=True)
    date: Mapped[date]
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    seats: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    school_cap: Mapped[int | None]  # most seats one school may hold

    offer: Mapped[Offer] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("booked <= seats", name="booked_within_seats"),
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("school_cap IS NULL OR school_cap > 0", name="school_cap_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_slots_date", "date"),
    )

    @property
    def seats_left(self) -> int:
        return self.seats - self.booked

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.offer.employer_id

    @property
    def employer_name(self) -> str:
        """The host's name (slots are on workplace experiences, which employers host)."""
        return self.offer.employer_name

    def has_started(self, now: datetime) -> bool:
        """Whether its London start time has come by the aware moment `now`."""
        return datetime.combine(self.date, self.starts_at, ZoneInfo(LONDON)) <= now


class SlotAllocation(Base):
    """Seats one school holds on one slot: the per-school cap's counter."""

    __tablename__ = "slot_allocations"

    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id"), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    booked: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint("booked >= 0", name="booked_not_negative"),)


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


HOLDING_SEATS = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


class BookingParty(enum.StrEnum):
    """Who cancelled a booking."""

    SCHOOL = "school"
    EMPLOYER = "employer"
    ADMIN = "admin"


class Booking(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "bookings"

    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id"), index=True)
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    year_group: Mapped[int]
    seats: Mapped[int]
    staff_lead_name: Mapped[str] = mapped_column(String(200))
    staff_lead_email: Mapped[str | None] = mapped_column(String(254))
    adjustments: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[BookingStatus] = mapped_column(
        enum_column(BookingStatus), default=BookingStatus.REQUESTED
    )
    parental_consent_recorded: Mapped[bool] = mapped_column(default=False)
    consent_recorded_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_by: Mapped[BookingParty | None] = mapped_column(
        enum_column(BookingParty, name="party")
    )
    cancelled_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by_client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    from_waitlist: Mapped[bool] = mapped_column(default=False)

    slot: Mapped[Slot] = relationship(lazy="joined")
    school: Mapped[School] = relationship()

    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group_secondary"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # freed seats were booked for it (a `requested` booking)
    LEFT = "left"


class WaitlistEntry(UUIDPrimaryKey, Timestamps, Base):
    """A school waiting for seats on a full slot; served in order of `position`."""

    __tablename__ = "waitlist_entries"

    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("slots.id"))
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    position: Mapped[int]
    year_group: Mapped[int]
    seats: Mapped[int]
    staff_lead_name: Mapped[str] = mapped_column(String(200))
    staff_lead_email: Mapped[str | None] = mapped_column(String(254))
    adjustments: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[WaitlistStatus] = mapped_column(
        enum_column(WaitlistStatus), default=WaitlistStatus.WAITING
    )
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bookings.id"))

    slot: Mapped[Slot] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("slot_id", "position", name="uq_waitlist_entries_slot_id_position"),
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group_secondary"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id
