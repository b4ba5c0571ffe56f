"""Calendar feeds: an organisation's secret iCalendar URL, kept only as a digest."""

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey
from models.organisations import Organisation


class CalendarFeed(UUIDPrimaryKey, Timestamps, Base):
    """An organisation's subscribable calendar: only the digest of its URL token is kept."""

    __tablename__ = "calendar_feeds"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), unique=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)

    organisation: Mapped[Organisation] = relationship()
