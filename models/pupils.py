"""Pupils: the least personal data that reporting needs, scoped to their school.

No names, no national UPN: the school's own reference, a year group and the flags the
benchmark reports break down by (DOMAIN.md, "Pupils' data").
"""

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, UUIDPrimaryKey


class Pupil(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "pupils"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"), index=True)
    reference: Mapped[str] = mapped_column(String(50))
    year_group: Mapped[int]
    disadvantaged: Mapped[bool] = mapped_column(default=False)
    send: Mapped[bool] = mapped_column(default=False)
    considering_higher_education: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("school_id", "reference", name="uq_pupils_school_id_reference"),
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group_secondary"),
    )
