"""Is an encounter meaningful, and if not, what is missing? A pure function of its answers.

DOMAIN.md: an encounter is meaningful only when every checklist item for its benchmark
holds, under the checklist version it was answered under. Virtual activities count only
with per-pupil attendance and two-way interaction. Benchmark 8 (personal guidance) has no
checklist: a guidance interview recorded for a pupil counts.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from models.checklists import CHECKLISTS, CURRENT_VERSION, ChecklistItem, Party
from models.volunteers import Mode
from services.errors import InvalidInput, NotFound

ATTENDANCE = "per_pupil_attendance"
INTERACTION = "two_way_interaction"
ATTENDANCE_TEXT = "Per-pupil attendance recorded (a virtual activity counts only with it)."
INTERACTION_TEXT = "Two-way interaction (a virtual activity counts only with it)."


@dataclass(frozen=True)
class Missing:
    key: str
    text: str
    answered_by: Party | None  # None: not a checklist answer (such as attendance)
    answer: bool | None  # False: answered no; None: not yet answered


@dataclass(frozen=True)
class Verdict:
    meaningful: bool
    missing: list[Missing]


def items(version: int, benchmark: int) -> tuple[ChecklistItem, ...]:
    try:
        return CHECKLISTS[version][benchmark]
    except KeyError:
        raise NotFound(f"No checklist version {version} for Benchmark {benchmark}.") from None


def versions() -> list[int]:
    return sorted(CHECKLISTS)


def current_version() -> int:
    return CURRENT_VERSION


def evaluate(
    *,
    benchmark: int,
    version: int,
    answers: Mapping[str, bool],
    mode: Mode,
    attendance_count: int,
) -> Verdict:
    """Every item of the benchmark's checklist must hold; a virtual activity also needs
    named attendance and two-way interaction."""
    missing = [
        Missing(item.key, item.text, item.answered_by, answers.get(item.key))
        for item in items(version, benchmark)
        if answers.get(item.key) is not True
    ]
    if mode is Mode.VIRTUAL:
        keys = {m.key for m in missing}
        interaction = answers.get(INTERACTION)
        if benchmark != 8 and INTERACTION not in keys and interaction is not True:
            missing.append(Missing(INTERACTION, INTERACTION_TEXT, Party.SCHOOL, interaction))
        if attendance_count < 1:
            missing.append(Missing(ATTENDANCE, ATTENDANCE_TEXT, None, None))
    return Verdict(meaningful=not missing, missing=missing)


def check_answers(version: int, benchmark: int, answers: Mapping[str, bool]) -> list[ChecklistItem]:
    """The items `answers` names; an item not on the checklist is refused."""
    by_key = {item.key: item for item in items(version, benchmark)}
    if benchmark == 8 and answers:
        raise InvalidInput(
            "Benchmark 8 guidance has no checklist.", errors={"answers": ["No items to answer."]}
        )
    unknown = sorted(set(answers) - set(by_key))
    if unknown:
        raise InvalidInput(
            f"Not an item of the version {version} checklist for Benchmark {benchmark}.",
            errors={f"answers.{key}": ["Unknown checklist item."] for key in unknown},
        )
    return [by_key[key] for key in answers]
