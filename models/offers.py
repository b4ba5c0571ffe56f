"""Offers: what an employer or provider puts up for schools to take, in one vocabulary.

Two families share the table and the draft → published → withdrawn lifecycle:
- workplace experiences (visits, job shadowing, work experience, virtual work experience),
  hosted by an employer with the host's safeguarding declarations, booked by slot;
- encounter offers (careers talks, assemblies, fair stands, mock interviews, workshops,
  enterprise challenges, Q&A panels, mentoring, virtual talks) that happen in school or
  online, from an employer (Benchmark 5) or a provider (Benchmark 7), which schools
  request for a date (models.offer_requests).
Needs and matching (issue 5) share this model; `kind` grows by appending values.
"""

import enum
import uuid
from datetime import date

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Numeric, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.needs import Frequency
from models.organisations import Employer, Provider
from models.volunteers import SIC_SECTIONS, YEAR_GROUPS, BitSet, Mode, Volunteer

MAX_DAY_HOURS = 8  # DOMAIN.md: work-experience and visit days are no longer than 8 hours


class OfferKind(enum.StrEnum):
    WORKPLACE_VISIT = "workplace_visit"
    JOB_SHADOWING = "job_shadowing"
    WORK_EXPERIENCE = "work_experience"
    VIRTUAL_WORK_EXPERIENCE = "virtual_work_experience"
    # Encounter offers (in school or online), requested by schools for a date.
    CAREERS_TALK = "careers_talk"
    ASSEMBLY = "assembly"
    CAREERS_FAIR = "careers_fair"
    MOCK_INTERVIEWS = "mock_interviews"
    CV_WORKSHOP = "cv_workshop"
    ENTERPRISE_CHALLENGE = "enterprise_challenge"
    QA_PANEL = "qa_panel"
    MENTORING = "mentoring"
    VIRTUAL_TALK = "virtual_talk"

    @property
    def in_person(self) -> bool:
        return self not in (OfferKind.VIRTUAL_WORK_EXPERIENCE, OfferKind.VIRTUAL_TALK)

    @property
    def is_workplace(self) -> bool:
        """A workplace experience (booked by slot), not an encounter offer."""
        return self in WORKPLACE_KINDS

    @property
    def needs_parental_consent(self) -> bool:
        """Placements in the workplace: parents of under-18s consent before it starts."""
        return self in (OfferKind.WORK_EXPERIENCE, OfferKind.JOB_SHADOWING)


WORKPLACE_KINDS = frozenset(list(OfferKind)[:4])
ENCOUNTER_KINDS = tuple(kind for kind in OfferKind if kind not in WORKPLACE_KINDS)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


class OfferStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


offer_volunteers = Table(
    "offer_volunteers",
    Base.metadata,
    Column("offer_id", ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    Column("volunteer_id", ForeignKey("volunteers.id"), primary_key=True, index=True),
)


class Offer(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "offers"

    # The partner: an employer (every workplace experience) or a provider.
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employers.id"), index=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"), index=True)
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
    # Encounter offers: how, for whom, when, and how far its volunteers travel from the
    # base postcode above (virtual offers reach anywhere in England).
    modes: Mapped[list[Mode]] = mapped_column(BitSet(list(Mode)), default=list, server_default="0")
    max_group: Mapped[int | None]  # the largest group of pupils at once
    send_suitable: Mapped[bool] = mapped_column(default=False, server_default="0")
    available_from: Mapped[date | None]
    available_to: Mapped[date | None]
    # Empty: any school day (the range's weekdays); listed dates: none (NULL on offers
    # older than the column).
    available_weekdays: Mapped[list[str]] = mapped_column(
        BitSet(WEEKDAYS), default=list, server_default="0"
    )
    available_dates: Mapped[list[str] | None] = mapped_column(JSON, default=list)  # ISO dates
    travel_radius_km: Mapped[int | None]
    notice_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # The activity's safeguarding attributes (services.safeguarding computes the need).
    supervised: Mapped[bool] = mapped_column(default=True, server_default="1")
    frequency: Mapped[Frequency] = mapped_column(
        enum_column(Frequency), default=Frequency.ONE_OFF, server_default="one_off"
    )
    overnight: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Reach: schools with a high share of disadvantaged pupils, in named local
    # authorities, combined authorities or skills-plan areas, or rural ones, see it first.
    target_disadvantaged: Mapped[bool] = mapped_column(default=False, server_default="0")
    target_local_authorities: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    target_combined_authorities: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    target_skills_areas: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    target_rural: Mapped[bool] = mapped_column(default=False, server_default="0")

    employer: Mapped[Employer | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
    volunteers: Mapped[list[Volunteer]] = relationship(
        secondary=offer_volunteers, order_by=Volunteer.id
    )

    __table_args__ = (
        # With each offer's reach, so the directory's box of radii reads only the index.
        Index(
            "ix_offers_latitude_longitude_reach",
            "latitude",
            "longitude",
            "modes",
            "travel_radius_km",
        ),
        CheckConstraint(
            "day_length_hours IS NULL OR (day_length_hours > 0 AND day_length_hours <= 24)",
            name="day_length_hours_range",
        ),
        CheckConstraint("(employer_id IS NULL) <> (provider_id IS NULL)", name="one_partner"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        """The partner organisation that publishes it."""
        return self.employer_id or self.provider_id

    @property
    def employer_name(self) -> str | None:
        return self.employer.name if self.employer else None

    @property
    def provider_name(self) -> str | None:
        return self.provider.name if self.provider else None

    @property
    def benchmark(self) -> int:
        """6 for a workplace experience; an encounter offer: 5 from employers, 7 from providers."""
        if self.kind.is_workplace:
            return 6
        return 7 if self.provider_id else 5

    @property
    def volunteer_ids(self) -> list[uuid.UUID]:
        return [volunteer.id for volunteer in self.volunteers]
