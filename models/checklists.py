"""The meaningful-encounter checklist (DOMAIN.md), versioned, and the answers given to it.

A checklist version is code: released with the app and never changed once answers exist
under it. Each answer keeps the version it was given under, so a record stays meaningful
(or not) by the rules that held when it was answered.
"""

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, UUIDPrimaryKey, enum_column


class Party(enum.StrEnum):
    """Who answers an item: the school, or the employer or provider that met the pupils."""

    SCHOOL = "school"
    PARTNER = "partner"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    text: str
    answered_by: Party


PURPOSE = ChecklistItem(
    "clear_purpose",
    "A clear purpose, shared with the employer or provider and the pupils beforehand.",
    Party.SCHOOL,
)
OUTCOMES = ChecklistItem(
    "learning_outcomes", "Learning outcomes appropriate to the pupils' needs.", Party.SCHOOL
)
INTERACTION = ChecklistItem(
    "two_way_interaction",
    "Two-way interaction between the pupils and the employer or provider.",
    Party.SCHOOL,
)
EXTENSIVE_INTERACTION = ChecklistItem(
    "two_way_interaction",
    "Extensive two-way interaction between the pupils and the employer.",
    Party.SCHOOL,
)
RANGE_OF_PEOPLE = ChecklistItem(
    "range_of_people", "Pupils met a range of different people from the workplace.", Party.PARTNER
)
WORKPLACE_TASK = ChecklistItem(
    "workplace_task",
    "Pupils performed a task set by the employer or produced work relevant to the workplace.",
    Party.PARTNER,
)
FEEDBACK = ChecklistItem(
    "employer_feedback", "The employer gave pupils feedback on their work.", Party.PARTNER
)
PROVIDER_INFORMATION = ChecklistItem(
    "provider_information",
    "Information about the provider: recruitment, qualifications offered, careers they lead to.",
    Party.PARTNER,
)
LEARNING_EXPERIENCE = ChecklistItem(
    "learning_experience", "What learning or training with the provider is like.", Party.PARTNER
)
REFLECTION = ChecklistItem(
    "reflection_time", "Time for pupils to reflect afterwards on what they gained.", Party.SCHOOL
)

# version -> benchmark -> items. Benchmark 8 (personal guidance) has no checklist: a
# guidance interview recorded for a pupil counts. Version 1 is the earlier checklist
# without the reflection item; records answered under it keep it. Append, never edit.
CHECKLISTS: dict[int, dict[int, tuple[ChecklistItem, ...]]] = {
    1: {
        5: (PURPOSE, OUTCOMES, INTERACTION),
        6: (PURPOSE, OUTCOMES, EXTENSIVE_INTERACTION, RANGE_OF_PEOPLE, WORKPLACE_TASK, FEEDBACK),
        7: (PURPOSE, OUTCOMES, INTERACTION, PROVIDER_INFORMATION, LEARNING_EXPERIENCE),
        8: (),
    },
    2: {
        5: (PURPOSE, OUTCOMES, INTERACTION, REFLECTION),
        6: (
            PURPOSE,
            OUTCOMES,
            EXTENSIVE_INTERACTION,
            RANGE_OF_PEOPLE,
            WORKPLACE_TASK,
            FEEDBACK,
            REFLECTION,
        ),
        7: (
            PURPOSE,
            OUTCOMES,
            INTERACTION,
            PROVIDER_INFORMATION,
            LEARNING_EXPERIENCE,
            REFLECTION,
        ),
        8: (),
    },
}
CURRENT_VERSION = max(CHECKLISTS)


class ChecklistAnswer(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "checklist_answers"

    encounter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"))
    version: Mapped[int]
    item: Mapped[str] = mapped_column(String(40))
    answer: Mapped[bool]
    answered_by: Mapped[Party] = mapped_column(enum_column(Party))
    answered_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint(
            "encounter_id", "version", "item", name="uq_checklist_answers_encounter_version_item"
        ),
    )
