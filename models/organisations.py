"""Organisations that users belong to: Careers Hubs, schools, employers and providers.

Joined-table inheritance gives every organisation one id in `organisations`, so users,
API clients and audit rows can hold a real foreign key to "their organisation".
"""

import enum
import uuid
from datetime import time

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column


class OrganisationKind(enum.StrEnum):
    PLATFORM = "platform"
    HUB = "hub"
    SCHOOL = "school"
    EMPLOYER = "employer"
    PROVIDER = "provider"


class EmployerSize(enum.StrEnum):
    """Size bands by headcount: micro < 10, small 10-49, medium 50-249, large 250+."""

    SELF_EMPLOYED = "self_employed"
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class ProviderType(enum.StrEnum):
    SIXTH_FORM = "sixth_form"
    FE_COLLEGE = "fe_college"
    UNIVERSITY = "university"
    ITP = "itp"


class Organisation(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "organisations"

    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    name: Mapped[str] = mapped_column(String(200))

    active_members: Mapped[list["User"]] = relationship(  # noqa: F821 (models.users)
        primaryjoin="and_(User.organisation_id == Organisation.id, User.is_active)",
        order_by="User.name, User.id",
        viewonly=True,
    )

    # Directory pages are ordered by name then id: the index walks to a page, no sort.
    __table_args__ = (Index("ix_organisations_name_id", "name", "id"),)
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": OrganisationKind.PLATFORM}


class Hub(Organisation):
    """A Careers Hub: 20-40 schools and colleges in one area, run by enterprise coordinators."""

    __tablename__ = "hubs"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(200))

    schools: Mapped[list["School"]] = relationship(
        back_populates="hub", foreign_keys="School.hub_id", order_by="School.name"
    )

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.HUB}

    @property
    def school_count(self) -> int:
        return len(self.schools)


RURAL = "Rural"  # in every rural class of the ONS rural-urban classification, as GIAS names it


class School(Organisation):
    """A state-funded secondary or special school, identified by its DfE URN."""

    __tablename__ = "schools"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    urn: Mapped[int] = mapped_column(unique=True)
    phase: Mapped[str] = mapped_column(String(50))
    establishment_type: Mapped[str] = mapped_column(String(100))
    trust: Mapped[str | None] = mapped_column(String(200))
    local_authority: Mapped[str] = mapped_column(String(100))
    # The combined authority and skills-plan (LSIP) area of its district (data/README.md).
    combined_authority: Mapped[str | None] = mapped_column(String(100))
    skills_area: Mapped[str | None] = mapped_column(String(100))
    # ONS 2011 rural-urban classification, as GIAS names it: "(England/Wales) Rural village".
    urban_rural: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(100))
    town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    statutory_low_age: Mapped[int | None]
    statutory_high_age: Mapped[int | None]
    number_of_pupils: Mapped[int | None]
    percentage_fsm: Mapped[float | None]
    hub_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hubs.id"), index=True)
    # Kept up to date by the school's own staff (the rest comes from GIAS).
    careers_leader_name: Mapped[str | None] = mapped_column(String(200))
    careers_leader_email: Mapped[str | None] = mapped_column(String(254))
    careers_leader_phone: Mapped[str | None] = mapped_column(String(30))
    careers_programme_url: Mapped[str | None] = mapped_column(String(500))
    provider_access_policy_url: Mapped[str | None] = mapped_column(String(500))
    day_starts_at: Mapped[time | None]  # Europe/London wall-clock time
    day_ends_at: Mapped[time | None]

    hub: Mapped[Hub | None] = relationship(back_populates="schools", foreign_keys=[hub_id])

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.SCHOOL}
    __table_args__ = (Index("ix_schools_latitude_longitude", "latitude", "longitude"),)

    @hybrid_property
    def rural(self) -> bool:
        """In a rural town, village or hamlet: the cold spots national programmes target."""
        return RURAL in (self.urban_rural or "")

    @rural.inplace.expression
    @classmethod
    def _rural_expression(cls):
        return cls.urban_rural.contains(RURAL)


class Employer(Organisation):
    """An employer of any size, including the self-employed (profiles grow with the directory)."""

    __tablename__ = "employers"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    sector_code: Mapped[str | None] = mapped_column(ForeignKey("sic_sections.code"))
    division_code: Mapped[str | None] = mapped_column(ForeignKey("sic_divisions.code"))
    size_band: Mapped[EmployerSize | None] = mapped_column(enum_column(EmployerSize))
    postcode: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    description: Mapped[str | None] = mapped_column(String(2000))
    website: Mapped[str | None] = mapped_column(String(500))

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.EMPLOYER}
    __table_args__ = (Index("ix_employers_latitude_longitude", "latitude", "longitude"),)


class Provider(Organisation):
    """A sixth form, FE college, university or independent training provider (Benchmark 7)."""

    __tablename__ = "providers"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    provider_type: Mapped[ProviderType] = mapped_column(enum_column(ProviderType))
    ukprn: Mapped[int | None] = mapped_column(unique=True)
    urn: Mapped[int | None]
    town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    website: Mapped[str | None] = mapped_column(String(500))

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.PROVIDER}
    __table_args__ = (Index("ix_providers_latitude_longitude", "latitude", "longitude"),)
