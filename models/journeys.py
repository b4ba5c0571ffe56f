"""Career journeys: a volunteer's ordered steps (roles and qualifications), shared by choice.

The steps live in one JSON list on the journey (they are only ever read and replaced
whole); what the tube map and the questions filter on is kept beside them in plain
columns, derived from the steps whenever they change.
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey
from models.volunteers import SIC_SECTIONS, BitSet, Volunteer


class StepKind(enum.StrEnum):
    ROLE = "role"
    QUALIFICATION = "qualification"


class Route(enum.StrEnum):
    """How a step was reached. Append-only: a journey's `routes` bitmask indexes it."""

    SCHOOL = "school"
    SIXTH_FORM = "sixth_form"
    FE_COLLEGE = "fe_college"
    APPRENTICESHIP = "apprenticeship"
    T_LEVEL = "t_level"
    HIGHER_TECHNICAL = "higher_technical"
    UNIVERSITY = "university"
    WORK = "work"
    SELF_EMPLOYED = "self_employed"
    CAREER_CHANGE = "career_change"


class QualificationType(enum.StrEnum):
    ENTRY_LEVEL_CERTIFICATE = "entry_level_certificate"
    FUNCTIONAL_SKILLS = "functional_skills"
    GCSE = "gcse"
    VOCATIONAL_CERTIFICATE = "vocational_certificate"  # City & Guilds, BTEC awards, diplomas
    NVQ = "nvq"
    A_LEVEL = "a_level"
    T_LEVEL = "t_level"
    APPLIED_GENERAL = "applied_general"  # BTEC Nationals and the like
    ACCESS_TO_HE = "access_to_he"
    APPRENTICESHIP = "apprenticeship"
    HNC = "hnc"
    HND = "hnd"
    FOUNDATION_DEGREE = "foundation_degree"
    BACHELORS_DEGREE = "bachelors_degree"
    DEGREE_APPRENTICESHIP = "degree_apprenticeship"
    MASTERS_DEGREE = "masters_degree"
    DOCTORATE = "doctorate"
    PROFESSIONAL_QUALIFICATION = "professional_qualification"


class RoleModelKind(enum.StrEnum):
    """Kinds of journey a school may ask its role models to have (append-only: bitmasks)."""

    STARTED_AT_LEVEL_2 = "started_at_level_2"  # first step at Level 2 or below
    APPRENTICESHIP = "apprenticeship"  # some step came through an apprenticeship
    T_LEVEL = "t_level"
    REACHED_LEVEL_4 = "reached_level_4"  # some step at Level 4 or above
    CAREER_CHANGE = "career_change"
    SELF_EMPLOYED = "self_employed"


REGIONS = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
ENTRY = 0  # RQF Entry level, stored as 0 below Levels 1-8
MAX_STEPS = 30


class Journey(UUIDPrimaryKey, Timestamps, Base):
    """One volunteer's journey. `steps` is a list of dicts in order, each:
    `{"kind", "sector", "soc_minor_group", "qualification_type", "route", "level",
    "start_year", "end_year"}` with `level` 0 (Entry) to 8."""

    __tablename__ = "journeys"

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"), unique=True)
    steps: Mapped[list[dict]] = mapped_column(JSON, default=list)
    shared: Mapped[bool] = mapped_column(default=False)
    named: Mapped[bool] = mapped_column(default=False)  # shown with the volunteer's name
    shared_at: Mapped[datetime | None]
    region: Mapped[str | None] = mapped_column(String(40))
    # Derived from the steps (services/journeys.py keeps them in step).
    start_level: Mapped[int | None]
    reached_level: Mapped[int | None]
    first_route: Mapped[str | None] = mapped_column(String(30))  # first route after school
    sectors: Mapped[list[str]] = mapped_column(BitSet(SIC_SECTIONS), default=list)
    routes: Mapped[list[Route]] = mapped_column(BitSet(list(Route)), default=list)
    # The steps' stations in order (`role:531:2|qualification:hnc:4`): the map groups
    # journeys by it in SQL, so it reads one row per distinct route, not one per journey.
    path: Mapped[str | None] = mapped_column(Text)
    kinds: Mapped[list[RoleModelKind]] = mapped_column(
        BitSet(list(RoleModelKind)), default=list, server_default="0"
    )

    volunteer: Mapped[Volunteer] = relationship()

    __table_args__ = (
        Index("ix_journeys_shared_start_level", "shared", "start_level"),
        CheckConstraint("NOT named OR shared", name="named_only_when_shared"),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        """The volunteer's employer (the audit log files writes under it)."""
        return self.volunteer.employer_id
