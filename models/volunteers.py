"""Volunteers (an employer's people who meet pupils) and the Enterprise Advisers among them.

Sets that searches filter on (activity types, modes, year groups, sectors) are stored as
integer bitmasks, so `offers mentoring to Y10` is a portable `mask & bits != 0` on SQLite
and PostgreSQL alike. Each BitSet's value list is append-only: a bit's meaning never moves.
"""

import enum
import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.organisations import Employer, Hub
from models.users import User


class ActivityType(enum.StrEnum):
    CAREERS_TALK = "careers_talk"
    MOCK_INTERVIEWS = "mock_interviews"
    CV_WORKSHOP = "cv_workshop"
    CAREERS_FAIR = "careers_fair"
    ENTERPRISE_CHALLENGE = "enterprise_challenge"
    MENTORING = "mentoring"
    WORKPLACE_VISIT_HOST = "workplace_visit_host"
    JOB_SHADOWING = "job_shadowing"
    WORK_EXPERIENCE_SUPERVISOR = "work_experience_supervisor"


class Mode(enum.StrEnum):
    IN_PERSON = "in_person"
    VIRTUAL = "virtual"


class RoleModelAttribute(enum.StrEnum):
    """Opt-in facts a volunteer chooses to share so pupils see someone like them."""

    APPRENTICESHIP_ROUTE = "apprenticeship_route"
    T_LEVEL_ROUTE = "t_level_route"
    VOCATIONAL_ROUTE = "vocational_route"
    FIRST_IN_FAMILY_AT_UNIVERSITY = "first_in_family_at_university"
    CAREER_CHANGER = "career_changer"
    RETURNER_TO_WORK = "returner_to_work"
    SELF_EMPLOYED_FOUNDER = "self_employed_founder"
    NO_DEGREE = "no_degree"
    EX_FORCES = "ex_forces"
    CARE_EXPERIENCED = "care_experienced"
    DISABLED = "disabled"
    NEURODIVERGENT = "neurodivergent"
    WOMAN_IN_STEM = "woman_in_stem"
    MAN_IN_CARING_PROFESSION = "man_in_caring_profession"
    LGBTQ = "lgbtq"
    ENGLISH_AS_ADDITIONAL_LANGUAGE = "english_as_additional_language"


class ExpertiseArea(enum.StrEnum):
    STRATEGY = "strategy"
    EMPLOYER_ENGAGEMENT = "employer_engagement"
    MARKETING_AND_COMMUNICATIONS = "marketing_and_communications"
    HR_AND_RECRUITMENT = "hr_and_recruitment"
    FINANCE = "finance"
    DIGITAL = "digital"
    OPERATIONS = "operations"
    PROJECT_MANAGEMENT = "project_management"
    GOVERNANCE = "governance"
    SEND_AND_INCLUSION = "send_and_inclusion"
    DATA_AND_EVALUATION = "data_and_evaluation"
    SKILLS_AND_TRAINING = "skills_and_training"


class AdviserStatus(enum.StrEnum):
    APPLIED = "applied"
    ACTIVE = "active"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


YEAR_GROUPS = tuple(range(7, 14))  # Y7 .. Y13
SIC_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")
DEFAULT_MONTHLY_CAPACITY = 4  # about one a week: nobody is asked every week by default
MAX_MONTHLY_CAPACITY = 20


class BitSet(TypeDecorator):
    """A set drawn from a fixed, append-only list of values, stored as an integer bitmask."""

    impl = Integer
    cache_ok = True

    def __init__(self, values: Sequence):
        super().__init__()
        self.values = tuple(values)

    def bits(self, members: Iterable) -> int:
        return sum(1 << self.values.index(member) for member in set(members))

    def process_bind_param(self, value, dialect) -> int | None:
        if value is None:
            return None
        return value if isinstance(value, int) else self.bits(value)

    def process_result_value(self, value: int | None, dialect) -> list | None:
        if value is None:
            return None
        return [v for i, v in enumerate(self.values) if value & (1 << i)]


class Volunteer(UUIDPrimaryKey, Timestamps, Base):
    """A person (a `users` row with role volunteer) who offers time through their employer.

    Self-employed volunteers belong to an employer whose size band is `self_employed`.
    """

    __tablename__ = "volunteers"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employers.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(200))
    soc_major_group: Mapped[int | None]  # SOC 2020 major group 1-9
    sectors: Mapped[list[str]] = mapped_column(BitSet(SIC_SECTIONS), default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    activity_types: Mapped[list[ActivityType]] = mapped_column(
        BitSet(list(ActivityType)), default=list
    )
    modes: Mapped[list[Mode]] = mapped_column(BitSet(list(Mode)), default=list)
    year_groups: Mapped[list[int]] = mapped_column(BitSet(YEAR_GROUPS), default=list)
    base_postcode: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    travel_radius_km: Mapped[int] = mapped_column(default=10)
    # Encounters a month the volunteer will commit to; nobody is asked beyond it.
    monthly_capacity: Mapped[int] = mapped_column(
        default=DEFAULT_MONTHLY_CAPACITY, server_default=str(DEFAULT_MONTHLY_CAPACITY)
    )
    # [{"day": "monday", "starts_at": "09:00", "ends_at": "12:00"}, ...] (Europe/London)
    weekly_availability: Mapped[list[dict]] = mapped_column(JSON, default=list)
    unavailable_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    role_model_attributes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Safeguarding: an enhanced check with the children's barred list, for regulated activity.
    dbs_enhanced: Mapped[bool] = mapped_column(default=False)
    dbs_barred_list: Mapped[bool] = mapped_column(default=False)
    dbs_issued_on: Mapped[date | None]
    dbs_update_service: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(lazy="joined")
    employer: Mapped[Employer] = relationship()

    # Covering the distance search's candidate scan: box on the coordinates, id and radius
    # read from the index alone.
    __table_args__ = (
        Index(
            "ix_volunteers_latitude_longitude", "latitude", "longitude", "id", "travel_radius_km"
        ),
        CheckConstraint(
            f"monthly_capacity BETWEEN 1 AND {MAX_MONTHLY_CAPACITY}",
            name="monthly_capacity_range",
        ),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        """The organisation that owns the profile (the audit log files writes under it)."""
        return self.employer_id

    @property
    def name(self) -> str:
        return self.user.name


class EnterpriseAdviser(UUIDPrimaryKey, Timestamps, Base):
    """A volunteer's commitment to be a strategic critical friend to one or two schools."""

    __tablename__ = "enterprise_advisers"

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"), unique=True)
    hub_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hubs.id"), index=True)
    hours_per_month: Mapped[int] = mapped_column(default=8)
    school_capacity: Mapped[int] = mapped_column(default=1)  # 1 or 2 schools
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_phases: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_school_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[AdviserStatus] = mapped_column(
        enum_column(AdviserStatus), default=AdviserStatus.APPLIED
    )

    volunteer: Mapped[Volunteer] = relationship(lazy="joined")
    hub: Mapped[Hub | None] = relationship()

    @property
    def organisation_id(self) -> uuid.UUID | None:
        return self.volunteer.employer_id if self.volunteer else None

    @property
    def name(self) -> str:
        return self.volunteer.name
