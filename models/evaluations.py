"""Termly self-evaluations across the eight Gatsby Benchmarks, in the shape Compass uses.

The school's answers to Benchmarks 1, 2 and 4 (criterion id -> met, evidence note) are
kept as answered; Benchmarks 3 and 5-8 are computed from the ledger when the evaluation is
saved and kept as a snapshot, so progress over terms reads back as it stood.
"""

import enum
import uuid

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column
from models.organisations import School


class Term(enum.StrEnum):
    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"


TERM_ORDER = {Term.AUTUMN: 0, Term.SPRING: 1, Term.SUMMER: 2}


class SelfEvaluation(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "self_evaluations"

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schools.id"))
    academic_year: Mapped[int]
    term: Mapped[Term] = mapped_column(enum_column(Term))
    # {"1.1": {"met": true, "evidence": "..."}, ...} for Benchmarks 1, 2 and 4 only.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"3": 62.5, "5": 71.0, ...}: the computed percentages when last saved.
    computed: Mapped[dict] = mapped_column(JSON, default=dict)

    school: Mapped[School] = relationship()

    __table_args__ = (
        UniqueConstraint(
            "school_id", "academic_year", "term", name="uq_self_evaluations_school_term"
        ),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.school_id
