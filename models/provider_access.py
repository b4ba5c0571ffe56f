"""Provider access (the Provider Access Legislation, DOMAIN.md): each school's published
policy statement, kept as numbered versions so its history stays readable.

A new version is a new row; a published version never changes. The current policy is the
school's highest version.
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UUIDPrimaryKey, utcnow


class KeyPhase(enum.StrEnum):
    """The three phases of the duty: two encounters each (Y8-9 and Y10-11 for all pupils,
    Y12-13 offered to all)."""

    Y8_9 = "y8_9"
    Y10_11 = "y10_11"
    Y12_13 = "y12_13"

    @property
    def year_groups(self) -> tuple[int, int]:
        return {"y8_9": (8, 9), "y10_11": (10, 11), "y12_13": (12, 13)}[self.value]

    @property
    def mandatory(self) -> bool:
        """All pupils attend (Y12-13 encounters are offered to all instead)."""
        return self is not KeyPhase.Y12_13


class ProviderAccessPolicy(UUIDPrimaryKey, Base):
    __tablename__ = "provider_access_policies"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"))
    version: Mapped[int]
    procedure: Mapped[str] = mapped_column(String(4000))  # how a provider asks
    grant_criteria: Mapped[str] = mapped_column(String(4000))  # how requests are granted
    refusal_grounds: Mapped[list[str]] = mapped_column(JSON, default=list)
    premises: Mapped[str] = mapped_column(String(4000))  # rooms and facilities offered
    key_phases: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint(
            "school_id", "version", name="uq_provider_access_policies_school_id_version"
        ),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id
