"""People who log in, and the invitations that bring them in."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.organisations import Organisation


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SCHOOL_STAFF = "school_staff"
    EMPLOYER_STAFF = "employer_staff"
    VOLUNTEER = "volunteer"
    PROVIDER_STAFF = "provider_staff"


class User(UUIDPrimaryKey, Timestamps, Base):
    """A person bound to one organisation with one role.

    `is_org_admin` lets a member manage their own organisation (invite colleagues,
    register partner apps, read its audit log). `token_version` is bumped to
    revoke every token issued before (on password change or deactivation).
    """

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    token_version: Mapped[int] = mapped_column(default=0)

    organisation: Mapped[Organisation] = relationship()


class Invitation(UUIDPrimaryKey, Timestamps, Base):
    """A one-time, expiring token that its invitee exchanges for a password."""

    __tablename__ = "invitations"

    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
