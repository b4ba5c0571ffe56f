"""Idempotency keys: the first response to a caller's `Idempotency-Key`, replayed for retries."""

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UUIDPrimaryKey, utcnow


class IdempotencyKey(UUIDPrimaryKey, Base):
    """The first response to a caller's `Idempotency-Key`, replayed for retries (≥ 24 h)."""

    __tablename__ = "idempotency_keys"

    caller: Mapped[str] = mapped_column(String(80))  # "user:<uuid>" or "client:<uuid>"
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    in_progress: Mapped[bool] = mapped_column(default=True)
    status_code: Mapped[int | None]
    response_body: Mapped[dict | list | None] = mapped_column(JSON)
    response_headers: Mapped[dict | None] = mapped_column(JSON)  # Location and ETag, replayed
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    completed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("caller", "key", name="uq_idempotency_keys_caller_key"),)
