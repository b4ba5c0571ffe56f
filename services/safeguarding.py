"""What an activity needs of the adult who leads it (DOMAIN.md, Keeping Children Safe in
Education), and what a volunteer lacks against that.

`requirement` is pure: it reads only the activity's attributes. The three levels:
  none                  a supervised visitor (talk, fair, virtual session with a teacher
                        present): ID checked on arrival; a school may not demand a DBS check
  employer_assurance    at a workplace: the host confirms a risk assessment, employers'
                        liability insurance and a named supervisor
  enhanced_dbs          regulated activity: unsupervised teaching, training, mentoring or
                        supervising of children once a week or more, on 4 or more days in
                        30, or overnight: an enhanced DBS check with the children's barred
                        list, current for the whole activity
"""

import enum
from dataclasses import dataclass, field
from datetime import date

from models.needs import Frequency
from models.volunteers import Volunteer
from services.volunteers import dbs_expiry

ADULT_AGE = 18
WORKPLACE_ACTIVITIES = {"workplace_visit_host", "job_shadowing", "work_experience_supervisor"}


class Setting(enum.StrEnum):
    SCHOOL = "school"
    WORKPLACE = "workplace"
    VIRTUAL = "virtual"


class Level(enum.IntEnum):
    NONE = 0
    EMPLOYER_ASSURANCE = 1
    ENHANCED_DBS = 2


LEVEL_NAMES = {
    Level.NONE: "none",
    Level.EMPLOYER_ASSURANCE: "employer_assurance",
    Level.ENHANCED_DBS: "enhanced_dbs_with_barred_list",
}


@dataclass(frozen=True)
class Activity:
    supervised: bool
    frequency: Frequency
    overnight: bool
    youngest_age: int
    setting: Setting


@dataclass(frozen=True)
class Requirement:
    level: Level
    checks: tuple[str, ...]  # what must be in place, in words
    reasons: tuple[str, ...]  # why, from the activity's attributes

    @property
    def name(self) -> str:
        return LEVEL_NAMES[self.level]


@dataclass(frozen=True)
class Check:
    meets: bool
    missing: list[str] = field(default_factory=list)


def is_regulated(activity: Activity) -> bool:
    """Unsupervised work with children that is frequent, intensive or overnight."""
    if activity.youngest_age >= ADULT_AGE or activity.supervised:
        return False
    return activity.overnight or activity.frequency in (Frequency.WEEKLY, Frequency.FOUR_DAYS_IN_30)


def requirement(activity: Activity) -> Requirement:
    checks: list[str] = []
    reasons: list[str] = []
    level = Level.NONE
    if activity.setting is Setting.WORKPLACE:
        level = Level.EMPLOYER_ASSURANCE
        checks.append("the host confirms a risk assessment, insurance and a named supervisor")
        reasons.append("pupils are at the host's workplace")
    if is_regulated(activity):
        level = Level.ENHANCED_DBS
        checks.append("an enhanced DBS check with the children's barred list, current throughout")
        why = "overnight" if activity.overnight else f"{activity.frequency.value.replace('_', ' ')}"
        reasons.append(f"unsupervised and {why}: regulated activity")
    if level is Level.NONE:
        if activity.setting is Setting.SCHOOL:
            checks.append("ID checked on arrival; the employer's assurance of its own checks")
        else:
            checks.append("a member of staff present throughout the session")
        reasons.append("supervised or infrequent: no DBS check may be demanded")
    return Requirement(level, tuple(checks), tuple(reasons))


def setting_of(activity_type: str, mode: str) -> Setting:
    if activity_type in WORKPLACE_ACTIVITIES:
        return Setting.WORKPLACE
    return Setting.VIRTUAL if mode == "virtual" else Setting.SCHOOL


def youngest_age(year_groups: list[int]) -> int:
    """Y7 pupils are 11-12: the youngest in year group Y is Y + 4."""
    return min(year_groups) + 4 if year_groups else 11


def supervised_visit(youngest_age: int, setting: Setting) -> Activity:
    """A one-off visit, with no overnight stay, that the school's or host's staff supervise
    (a booked workplace visit, a provider's visit to a school)."""
    return Activity(
        supervised=True,
        frequency=Frequency.ONE_OFF,
        overnight=False,
        youngest_age=youngest_age,
        setting=setting,
    )


def need_activity(need) -> Activity:
    """A need's attributes as an Activity (mode `either`: judged as in person)."""
    return Activity(
        supervised=need.supervised,
        frequency=need.frequency,
        overnight=need.overnight,
        youngest_age=youngest_age(need.year_groups),
        setting=setting_of(need.activity_type, need.mode),
    )


def check_volunteer(
    required: Requirement,
    *,
    dbs_enhanced: bool,
    dbs_barred_list: bool,
    dbs_issued_on: date | None,
    dbs_update_service: bool,
    until: date,
) -> Check:
    """Does a volunteer's record meet the requirement until `until` (the activity's last day)?

    Employer assurance is the host's to give (recorded with the booking), so only the
    enhanced level asks anything of the volunteer's own record.
    """
    if required.level is not Level.ENHANCED_DBS:
        return Check(True)
    missing = []
    if not dbs_enhanced:
        missing.append("no enhanced DBS check on record")
    elif not dbs_barred_list:
        missing.append("the DBS check does not include the children's barred list")
    if dbs_enhanced and dbs_issued_on is None:
        missing.append("the DBS check has no issue date")
    elif dbs_enhanced and not dbs_update_service:
        expires_on = dbs_expiry(dbs_issued_on)
        if expires_on <= until:
            missing.append(
                f"the DBS check expires on {expires_on.isoformat()}, before the activity ends "
                f"on {until.isoformat()} (and the volunteer is not on the update service)"
            )
    return Check(not missing, missing)


def volunteer_shortfalls(required: Requirement, volunteer: Volunteer, *, until: date) -> list[str]:
    """Why the volunteer's record does not meet the requirement until `until`, each reason a
    sentence naming the requirement (none: it does)."""
    check = check_volunteer(
        required,
        dbs_enhanced=volunteer.dbs_enhanced,
        dbs_barred_list=volunteer.dbs_barred_list,
        dbs_issued_on=volunteer.dbs_issued_on,
        dbs_update_service=volunteer.dbs_update_service,
        until=until,
    )
    return [f"Safeguarding: {required.name} required; {m}." for m in check.missing]
