"""The append-only audit log: who did what to which object, in which request."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UUIDPrimaryKey, utcnow


class AuditEntry(UUIDPrimaryKey, Base):
    __tablename__ = "audit_log"

    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor_client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_organisation_id_occurred_at", "organisation_id", "occurred_at"),
        Index("ix_audit_log_occurred_at", "occurred_at"),
    )
