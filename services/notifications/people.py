"""Who hears about what: the people behind a school, an employer, a hub or a booking.

Only active accounts are written to; an address that is not an account (a booking's staff
lead may have none) is written to as it is, for the essential notices about their own
bookings.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import LONDON
from models.bookings import Booking
from models.matches import Match
from models.users import Role, User


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: uuid.UUID | None = None

    @property
    def key(self) -> str:
        """Names the recipient in a notification's key without spelling out the address."""
        if self.user_id:
            return str(self.user_id)
        return hashlib.sha256(self.email.lower().encode()).hexdigest()[:32]


def person(user: User | None) -> list[Recipient]:
    if user is None or not user.is_active:
        return []
    return [Recipient(user.email, user.id)]


def members(session: Session, organisation_id: uuid.UUID, *roles: Role) -> list[Recipient]:
    users = session.scalars(
        select(User)
        .where(User.organisation_id == organisation_id, User.is_active, User.role.in_(roles))
        .order_by(User.email)
    )
    return [Recipient(user.email, user.id) for user in users]


def by_email(session: Session, email: str) -> Recipient:
    """An address, tied to its account when it has one (so that person's choices apply)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and user.is_active:
        return Recipient(user.email, user.id)
    return Recipient(email.strip())


def school_side_of_booking(session: Session, booking: Booking) -> list[Recipient]:
    """The booking's staff lead, else whoever made it, else the school's staff."""
    if booking.staff_lead_email:
        return [by_email(session, booking.staff_lead_email)]
    if booking.created_by_user_id:
        made_by = person(session.get(User, booking.created_by_user_id))
        if made_by:
            return made_by
    return members(session, booking.school_id, Role.SCHOOL_STAFF)


def school_side_of_match(session: Session, match: Match) -> list[Recipient]:
    """Whoever invited the volunteer, else the school's staff."""
    inviter = person(session.get(User, match.invited_by_id)) if match.invited_by_id else []
    return inviter or members(session, match.need.school_id, Role.SCHOOL_STAFF)


def employer_side(session: Session, employer_id: uuid.UUID) -> list[Recipient]:
    return members(session, employer_id, Role.EMPLOYER_STAFF)


def long_date(day: date) -> str:
    """British style: Tuesday 8 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def london_time(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(LONDON)).strftime("%H:%M")


def clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def words(value) -> str:
    """`careers_talk` → `careers talk`."""
    return str(getattr(value, "value", value)).replace("_", " ")
