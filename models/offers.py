"""Offers: what an employer hosts for pupils (workplace visits, job shadowing, work
experience, virtual work experience), with the host's safeguarding declarations.

Needs and matching (issue 5) share this model: an offer is any activity an employer puts
up for schools to take; `kind` grows by appending values.
"""

import enum
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.organisations import Employer
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, BitSet

MAX_DAY_HOURS = 8  # DOMAIN.md: work-experience and visit days are no longer than 8 hours


class OfferKind(enum.StrEnum):
    WORKPLACE_VISIT = "workplace_visit"
    JOB_SHADOWING = "job_shadowing"
    WORK_EXPERIENCE = "work_experience"
    VIRTUAL_WORK_EXPERIENCE = "virtual_work_experience"

    @property
    def in_person(self) -> bool:
        return self is not OfferKind.VIRTUAL_WORK_EXPERIENCE

    @property
    def needs_parental_consent(self) -> bool:
        """Placements in the workplace: parents of under-18s consent before it starts."""
        return self in (OfferKind.WORK_EXPERIENCE, OfferKind.JOB_SHADOWING)


class OfferStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Offer(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "offers"

    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(4000))
    postcode: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    sectors: Mapped[list[str]] = mapped_column(BitSet(SIC_SECTIONS), default=list)
    year_groups: Mapped[list[int]] = mapped_column(BitSet(YEAR_GROUPS), default=list)
    accessibility_notes: Mapped[str | None] = mapped_column(String(2000))
    # The host's declarations (DOMAIN.md, safeguarding): all must hold before publishing.
    risk_assessment_done: Mapped[bool] = mapped_column(default=False)
    liability_insurance: Mapped[bool] = mapped_column(default=False)
    named_supervisor: Mapped[str | None] = mapped_column(String(200))
    day_length_hours: Mapped[float | None] = mapped_column(Numeric(4, 2, asdecimal=False))
    status: Mapped[OfferStatus] = mapped_column(enum_column(OfferStatus), default=OfferStatus.DRAFT)

    employer: Mapped[Employer] = relationship()

    __table_args__ = (
        Index("ix_offers_latitude_longitude", "latitude", "longitude"),
        CheckConstraint(
            "day_length_hours IS NULL OR (day_length_hours > 0 AND day_length_hours <= 24)",
            name="day_length_hours_range",
        ),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.employer_id
