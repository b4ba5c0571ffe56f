"""Every safeguarding rule of DOMAIN.md, as a table."""

from datetime import date

import pytest

from models.needs import Frequency
from models.volunteers import Volunteer
from services.safeguarding import (
    Activity,
    Level,
    Setting,
    check_volunteer,
    requirement,
    setting_of,
    volunteer_shortfalls,
    youngest_age,
)

ONE_OFF, OCCASIONAL, WEEKLY, FOUR = (
    Frequency.ONE_OFF,
    Frequency.OCCASIONAL,
    Frequency.WEEKLY,
    Frequency.FOUR_DAYS_IN_30,
)
SCHOOL, WORK, VIRTUAL = Setting.SCHOOL, Setting.WORKPLACE, Setting.VIRTUAL

RULES = [
    # supervised, frequency, overnight, youngest, setting -> level
    ("supervised one-off talk at school", True, ONE_OFF, False, 11, SCHOOL, Level.NONE),
    ("supervised careers fair", True, OCCASIONAL, False, 11, SCHOOL, Level.NONE),
    ("supervised weekly club", True, WEEKLY, False, 11, SCHOOL, Level.NONE),
    ("virtual, teacher present", True, WEEKLY, False, 11, VIRTUAL, Level.NONE),
    ("unsupervised one-off", False, ONE_OFF, False, 11, SCHOOL, Level.NONE),
    ("unsupervised occasional", False, OCCASIONAL, False, 14, SCHOOL, Level.NONE),
    ("unsupervised weekly mentoring", False, WEEKLY, False, 13, SCHOOL, Level.ENHANCED_DBS),
    ("unsupervised 4 days in 30", False, FOUR, False, 15, SCHOOL, Level.ENHANCED_DBS),
    ("unsupervised overnight", False, ONE_OFF, True, 15, SCHOOL, Level.ENHANCED_DBS),
    ("unsupervised weekly online", False, WEEKLY, False, 13, VIRTUAL, Level.ENHANCED_DBS),
    ("supervised workplace visit", True, ONE_OFF, False, 14, WORK, Level.EMPLOYER_ASSURANCE),
    ("unsupervised one-off visit", False, ONE_OFF, False, 14, WORK, Level.EMPLOYER_ASSURANCE),
    ("work experience, 5 days", False, FOUR, False, 15, WORK, Level.ENHANCED_DBS),
    ("adults only, unsupervised weekly", False, WEEKLY, False, 18, SCHOOL, Level.NONE),
    ("adults only, at a workplace", False, WEEKLY, False, 18, WORK, Level.EMPLOYER_ASSURANCE),
]


@pytest.mark.parametrize(
    ("supervised", "frequency", "overnight", "youngest", "setting", "level"),
    [pytest.param(*row[1:], id=row[0]) for row in RULES],
)
def test_requirement(supervised, frequency, overnight, youngest, setting, level):
    required = requirement(Activity(supervised, frequency, overnight, youngest, setting))
    assert required.level is level
    assert required.checks and required.reasons


def test_workplace_and_regulated_asks_for_both():
    required = requirement(Activity(False, WEEKLY, False, 14, WORK))
    assert len(required.checks) == 2


@pytest.mark.parametrize(
    ("activity_type", "mode", "setting"),
    [
        ("careers_talk", "in_person", SCHOOL),
        ("careers_talk", "either", SCHOOL),
        ("mentoring", "virtual", VIRTUAL),
        ("workplace_visit_host", "in_person", WORK),
        ("job_shadowing", "virtual", WORK),
    ],
)
def test_setting_of(activity_type, mode, setting):
    assert setting_of(activity_type, mode) is setting


def test_youngest_age_from_year_groups():
    assert youngest_age([9, 10]) == 13
    assert youngest_age([13]) == 17
    assert youngest_age([]) == 11


DBS = requirement(Activity(False, WEEKLY, False, 13, SCHOOL))
UNTIL = date(2026, 6, 30)
CHECKS = [
    ("current", dict(e=True, b=True, issued=date(2025, 1, 1), update=False), []),
    ("none", dict(e=False, b=False, issued=None, update=False), ["no enhanced DBS check"]),
    ("no barred list", dict(e=True, b=False, issued=date(2025, 1, 1), update=False), ["barred"]),
    ("no issue date", dict(e=True, b=True, issued=None, update=False), ["no issue date"]),
    ("expired", dict(e=True, b=True, issued=date(2022, 1, 1), update=False), ["expires on"]),
    (
        "expires mid-activity",
        dict(e=True, b=True, issued=date(2023, 6, 1), update=False),
        ["2026-06-01"],
    ),
    ("old but update service", dict(e=True, b=True, issued=date(2015, 1, 1), update=True), []),
]


@pytest.mark.parametrize(("record", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CHECKS])
def test_check_volunteer_says_exactly_what_is_missing(record, expected):
    check = check_volunteer(
        DBS,
        dbs_enhanced=record["e"],
        dbs_barred_list=record["b"],
        dbs_issued_on=record["issued"],
        dbs_update_service=record["update"],
        until=UNTIL,
    )
    assert check.meets is (not expected)
    assert len(check.missing) == len(expected)
    for fragment, message in zip(expected, check.missing, strict=True):
        assert fragment in message


def test_volunteer_shortfalls_name_the_requirement_in_each_sentence():
    cleared = Volunteer(
        dbs_enhanced=True, dbs_barred_list=True, dbs_issued_on=None, dbs_update_service=True
    )
    assert volunteer_shortfalls(DBS, cleared, until=UNTIL) == [
        f"Safeguarding: {DBS.name} required; the DBS check has no issue date."
    ]
    cleared.dbs_issued_on = date(2025, 1, 1)
    assert volunteer_shortfalls(DBS, cleared, until=UNTIL) == []


@pytest.mark.parametrize("level", [Level.NONE, Level.EMPLOYER_ASSURANCE])
def test_lower_levels_ask_nothing_of_the_volunteer_record(level):
    required = requirement(
        Activity(True, ONE_OFF, False, 11, WORK if level is Level.EMPLOYER_ASSURANCE else SCHOOL)
    )
    check = check_volunteer(
        required,
        dbs_enhanced=False,
        dbs_barred_list=False,
        dbs_issued_on=None,
        dbs_update_service=False,
        until=UNTIL,
    )
    assert check.meets and check.missing == []
