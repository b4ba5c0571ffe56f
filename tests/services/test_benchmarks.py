"""Benchmark report arithmetic on a small, hand-checked school (DOMAIN.md's counting rules).

All pupils' year groups are for 2025-26 (roll_year 2025). Each case names the rule it
exercises; the expected numbers are worked out by hand in the comments.
"""

from datetime import date

import pytest

from models.organisations import EmployerSize, ProviderType
from models.users import Role
from models.volunteers import Mode
from services import benchmarks
from services.callers import Caller
from tests import factories

SIXTH, FE, UNI, ITP = (
    ProviderType.SIXTH_FORM,
    ProviderType.FE_COLLEGE,
    ProviderType.UNIVERSITY,
    ProviderType.ITP,
)


@pytest.fixture
def school_world(session):
    hub = factories.hub(session)
    school = factories.school(session, hub=hub)
    employer = factories.employer(session)
    employer.size_band, employer.sector_code = EmployerSize.SMALL, None

    def pupil(ref, year_group, **flags):
        return factories.pupil(session, school, ref, year_group, roll_year=2025, **flags)

    p = {
        "P1": pupil("P1", 9, disadvantaged=True),
        "P2": pupil("P2", 9, send=True),
        "P3": pupil("P3", 9),
        "P4": pupil("P4", 11),
        "P5": pupil("P5", 11),
        "P6": pupil("P6", 13, considering_higher_education=True),
        "P7": pupil("P7", 13, considering_higher_education=True),
        "P8": pupil("P8", 13),
        "P9": pupil("P9", 10, left_on=date(2025, 7, 20)),
    }

    def enc(**kwargs):
        return factories.encounter(session, school, **kwargs)

    # BM5: P1 in Y7 (2023-24) and Y9 (2025-26), not in Y8 (2024-25).
    enc(benchmark=5, on=date(2023, 11, 1), pupils=(p["P1"],), employer_=employer)
    enc(benchmark=5, on=date(2025, 11, 1), pupils=(p["P1"],), employer_=employer)
    # P2: a virtual encounter with no named attendance (never meaningful, and not attended)
    enc(benchmark=5, on=date(2025, 11, 2), mode=Mode.VIRTUAL, meaningful=False)
    # ... and one on 31 August 2025: the 2024-25 school year, not 2025-26.
    enc(benchmark=5, on=date(2025, 8, 31), pupils=(p["P2"],))
    # P3: on 1 September 2025, the first day of 2025-26.
    enc(benchmark=5, on=date(2025, 9, 1), pupils=(p["P3"],))
    # BM6: P4 one meaningful experience by Y11 (and one that was not meaningful); P5 two.
    enc(benchmark=6, on=date(2024, 10, 1), pupils=(p["P4"], p["P5"]), work_experience_days=5)
    enc(benchmark=6, on=date(2025, 10, 1), pupils=(p["P4"],), meaningful=False)
    enc(benchmark=6, on=date(2026, 3, 1), pupils=(p["P5"],), work_experience_days=5)
    # BM7 by Y11: P4 meets all four provider types, P5 three.
    for on, kind in ((date(2023, 10, 1), SIXTH), (date(2024, 10, 1), FE)):
        enc(benchmark=7, on=on, pupils=(p["P4"], p["P5"]), provider_type=kind)
    enc(benchmark=7, on=date(2025, 10, 1), pupils=(p["P4"], p["P5"]), provider_type=UNI)
    enc(benchmark=7, on=date(2025, 10, 2), pupils=(p["P4"],), provider_type=ITP)
    # BM7 in Y12-Y13: P6 (considering HE) two HE visits, P7 (considering HE) one, P8 (not
    # considering HE) two, which do not count for P8.
    enc(benchmark=7, on=date(2024, 11, 1), pupils=(p["P6"], p["P8"]), provider_type=UNI)
    enc(benchmark=7, on=date(2025, 11, 1), pupils=(p["P6"], p["P7"], p["P8"]), provider_type=UNI)
    # Provider Access: P1 two in Y8-Y9 (one in Y8, one in Y9); P2 and P3 none.
    for on in (date(2024, 12, 1), date(2025, 12, 1)):
        enc(
            benchmark=7,
            on=on,
            pupils=(p["P1"],),
            provider_type=ITP,
            provider_access=True,
            year_groups=(8, 9) if on.year == 2025 else (8,),
        )
    # BM8: P4 had a guidance interview in Y10; P6 one in Y12.
    enc(benchmark=8, on=date(2024, 6, 1), pupils=(p["P4"],))
    enc(benchmark=8, on=date(2024, 10, 1), pupils=(p["P6"],))
    session.commit()
    return school, hub, p


def admin(session):
    return Caller(role=Role.ADMIN, organisation_id=factories.hub(session, "x").id)


def school_staff(school):
    return Caller(role=Role.SCHOOL_STAFF, organisation_id=school.id)


def year_group(report, benchmark, yg):
    found = next(b for b in report["benchmarks"] if b["benchmark"] == benchmark)
    return next(y for y in found["year_groups"] if y["year_group"] == yg)


def test_bm5_counts_each_school_year_on_its_own_from_1_september(session, school_world):
    school, _, p = school_world
    report = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2025-26"
    )
    y9 = year_group(report, 5, 9)
    # P1 (Y9 encounter) and P3 (1 September) meet it; P2's only one was on 31 August.
    assert (y9["pupils"], y9["meeting"], y9["share"]) == (3, 2, 0.6667)
    assert [n["reference"] for n in y9["not_meeting"]] == ["P2"]
    # Disadvantaged P1 1/1; others P2, P3 1/2: gap 0.5 - 1.0. SEND P2 0/1; others 2/2.
    assert (y9["disadvantaged_share"], y9["disadvantaged_gap"]) == (1.0, -0.5)
    assert (y9["send_share"], y9["send_gap"]) == (0.0, 1.0)

    last_year = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2024-25"
    )
    y8 = year_group(last_year, 5, 8)  # P1, P2, P3 were in Y8: only P2 met it (31 August)
    assert (y8["pupils"], y8["meeting"]) == (3, 1)
    assert [n["reference"] for n in y8["not_meeting"]] == ["P1", "P3"]
    y7 = year_group(
        benchmarks.school_report(session, school_staff(school), school.id, academic_year="2023-24"),
        5,
        7,
    )
    assert (y7["pupils"], y7["meeting"]) == (3, 1)  # P1 in Y7


def test_bm6_needs_two_experiences_by_y11(session, school_world):
    school, _, _ = school_world
    report = benchmarks.school_report(session, admin(session), school.id, academic_year="2025-26")
    y11 = year_group(report, 6, 11)
    assert (y11["pupils"], y11["meeting"], y11["share"]) == (2, 1, 0.5)  # P5, not P4
    assert "not_meeting" not in y11  # no pupil-level data but for the school's own staff


def test_bm6_in_the_sixth_form_needs_one_further_experience_in_y12_or_y13(session, school_world):
    school, _, p = school_world
    # P6 (Y13) one in Y12; P7 (Y13) two by Y11 (in Y10 and Y11) and none since; P8 none.
    factories.encounter(session, school, benchmark=6, on=date(2024, 11, 5), pupils=(p["P6"],))
    for on in (date(2022, 11, 5), date(2023, 11, 5)):
        factories.encounter(session, school, benchmark=6, on=on, pupils=(p["P7"],))
    session.commit()
    report = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2025-26"
    )
    y13 = year_group(report, 6, 13)
    assert (y13["pupils"], y13["meeting"]) == (3, 1)
    assert [n["reference"] for n in y13["not_meeting"]] == ["P7", "P8"]


def test_bm7_full_range_by_y11_and_he_visits_only_for_pupils_considering_he(session, school_world):
    school, _, _ = school_world
    report = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2025-26"
    )
    y11 = year_group(report, 7, 11)
    assert (y11["meeting"], [n["reference"] for n in y11["not_meeting"]]) == (1, ["P5"])
    y13 = year_group(report, 7, 13)
    # P6 two HE visits (considering HE); P7 one; P8 not considering HE: the full range
    # by Y11 is what counts for them, and they had none.
    assert (y13["pupils"], y13["meeting"]) == (3, 1)
    assert [n["reference"] for n in y13["not_meeting"]] == ["P7", "P8"]


def test_bm8_guidance_by_y11_and_another_attended_in_the_sixth_form(session, school_world):
    school, _, p = school_world
    # P7 (Y13) had an interview in Y11 only: an offer of another leaves no record, so
    # only an interview attended in Y12-Y13 counts (P6's, in Y12).
    factories.encounter(session, school, benchmark=8, on=date(2024, 3, 1), pupils=(p["P7"],))
    session.commit()
    report = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2025-26"
    )
    assert year_group(report, 8, 11)["meeting"] == 1  # P4, in Y10
    y13 = year_group(report, 8, 13)
    assert (y13["meeting"], [n["reference"] for n in y13["not_meeting"]]) == (1, ["P7", "P8"])


def test_overlays_provider_access_work_experience_strategy_and_variety(session, school_world):
    school, _, _ = school_world
    report = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2025-26"
    )
    phases = {p["phase"]: p for p in report["provider_access"]}
    assert (phases["Y8-Y9"]["pupils"], phases["Y8-Y9"]["meeting"]) == (3, 1)
    assert phases["Y8-Y9"]["encounters_held"] == 1  # the 2024 one was in 2024-25
    assert phases["Y10-Y11"]["pupils"] == 2  # P9 (Y10) left in July 2025
    work = report["work_experience"]
    assert (work["pupils"], work["meeting"], work["share"]) == (5, 1, 0.2)  # P5: 5 + 5 days
    assert work["mean_days_y7_y11"] == 3.0  # P1-P3 0, P4 5, P5 10: 15 / 5
    strategy = report["careers_strategy"]
    # Meaningful BM5 encounters attended, all years: P1 2, P2 1, P3 1, others 0 -> 4 / 8.
    assert (strategy["target"], strategy["employer_encounters_per_pupil"]) == (7, 0.5)
    assert report["variety"]["employer_sizes"] == {"small": 1}  # meaningful BM5/6 in 2025-26
    assert report["pupils"] == 8 and report["disadvantaged_pupils"] == 1


def test_provider_access_counts_only_meaningful_encounters(session, school_world):
    school, _, p = school_world
    # P2 (Y9) attends two Provider Access talks whose checklist does not hold: the
    # legislation's content (provider, qualifications, careers, learning, questions) is
    # the Benchmark 7 checklist, so they count neither for P2 nor as held.
    for on in (date(2025, 10, 6), date(2026, 1, 12)):
        factories.encounter(
            session,
            school,
            benchmark=7,
            on=on,
            pupils=(p["P2"],),
            provider_type=ITP,
            provider_access=True,
            year_groups=(9,),
            meaningful=False,
        )
    session.commit()
    report = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2025-26"
    )
    y8_y9 = next(phase for phase in report["provider_access"] if phase["phase"] == "Y8-Y9")
    assert (y8_y9["pupils"], y8_y9["meeting"], y8_y9["encounters_held"]) == (3, 1, 1)  # P1's


def test_the_work_experience_guarantee_is_measured_across_y7_to_y11(session, school_world):
    school, _, p = school_world
    # P1 (Y9) did ten days in Y8: the days count without the checklist. P6 (Y13) did ten
    # in Y10: Y12-Y13 pupils are past Key Stage 4 and are not measured.
    factories.encounter(
        session,
        school,
        benchmark=6,
        on=date(2025, 3, 3),
        pupils=(p["P1"],),
        work_experience_days=10,
        meaningful=False,
    )
    factories.encounter(
        session,
        school,
        benchmark=6,
        on=date(2023, 6, 5),
        pupils=(p["P6"],),
        work_experience_days=10,
    )
    session.commit()
    work = benchmarks.school_report(session, admin(session), school.id, academic_year="2025-26")[
        "work_experience"
    ]
    by_year = {y["year_group"]: (y["pupils"], y["meeting"]) for y in work["year_groups"]}
    # Y9: P1 10 days, P2 and P3 none; Y10: P9 left in July 2025; Y11: P5 10, P4 5.
    assert by_year == {7: (0, 0), 8: (0, 0), 9: (3, 1), 10: (0, 0), 11: (2, 1)}
    assert (work["pupils"], work["meeting"]) == (5, 2)
    assert work["mean_days_y7_y11"] == 5.0  # (10 + 0 + 0 + 5 + 10) / 5


def test_a_college_needs_two_employer_encounters_a_year(session):
    """A college and a school side by side: one meaningful employer encounter a year is
    enough for the school's pupils; the college's need two (DOMAIN.md, Benchmark 5)."""
    hub = factories.hub(session)
    college = factories.school(session, hub=hub, name="A College")
    college.establishment_type = "Further education"
    school = factories.school(session, hub=hub, name="B School")
    for place in (college, school):
        one, two, none = (
            factories.pupil(session, place, ref, 12, roll_year=2025) for ref in ("R1", "R2", "R3")
        )
        for on in (date(2025, 10, 1), date(2026, 2, 1)):
            factories.encounter(session, place, benchmark=5, on=on, pupils=(two,))
        factories.encounter(session, place, benchmark=5, on=date(2025, 11, 1), pupils=(one,))
        # Last year's does not carry over, and one not meaningful does not count.
        factories.encounter(session, place, benchmark=5, on=date(2025, 6, 1), pupils=(one,))
        factories.encounter(
            session, place, benchmark=5, on=date(2026, 3, 1), pupils=(one,), meaningful=False
        )
    session.commit()
    coordinator = Caller(role=Role.COORDINATOR, organisation_id=hub.id)
    report = benchmarks.hub_report(session, coordinator, hub.id, academic_year="2025-26")
    found = {s["school_name"]: s for s in report["schools"]}
    assert (found["A College"]["college"], found["B School"]["college"]) == (True, False)
    # College: R2 only (two); school: R1 and R2 (at least one each). R3 never.
    assert year_group(found["A College"], 5, 12)["meeting"] == 1
    assert year_group(found["B School"], 5, 12)["meeting"] == 2
    assert benchmarks.is_college(college) and not benchmarks.is_college(school)


def test_a_leaver_counts_in_the_years_they_were_on_roll(session, school_world):
    school, _, _ = school_world
    before = benchmarks.school_report(session, admin(session), school.id, academic_year="2024-25")
    assert year_group(before, 5, 9)["pupils"] == 1  # P9 was in Y9 in 2024-25
    after = benchmarks.school_report(session, admin(session), school.id, academic_year="2025-26")
    assert year_group(after, 5, 10)["pupils"] == 0


def test_hub_report_has_every_school_and_no_pupils(session, school_world):
    school, hub, _ = school_world
    coordinator = Caller(role=Role.COORDINATOR, organisation_id=hub.id)
    report = benchmarks.hub_report(session, coordinator, hub.id, academic_year="2025-26")
    assert [s["school_id"] for s in report["schools"]] == [school.id]
    assert "not_meeting" not in str(report)


def test_school_priority_rises_with_gaps(session, school_world):
    school, hub, _ = school_world
    empty = factories.school(session, hub=hub)
    session.commit()
    covered = benchmarks.school_priority(session, school.id, "2025-26")
    uncovered = benchmarks.school_priority(session, empty.id, "2025-26")
    assert 0 <= covered < uncovered <= 1
    assert uncovered == round(0.6 + 0.2 * 0.3, 4)  # no pupils: uncovered, 30% FSM


def test_academic_years_are_checked(session, school_world):
    school, _, _ = school_world
    with pytest.raises(Exception, match="2025-26"):
        benchmarks.school_report(session, admin(session), school.id, academic_year="2025-27")


def test_careers_strategy_on_track_needs_an_encounter_in_every_year_from_y7(session):
    school = factories.school(session)

    def pupil(ref):
        return factories.pupil(session, school, ref, 9, roll_year=2025)

    every_year, three_this_year, a_gap = pupil("E1"), pupil("T1"), pupil("G1")
    for on in (date(2023, 10, 1), date(2024, 10, 1), date(2025, 10, 1)):  # Y7, Y8, Y9
        factories.encounter(session, school, benchmark=5, on=on, pupils=(every_year,))
    for day in (1, 2, 3):  # three in Y9 and none before: as many, but not one a year
        factories.encounter(
            session, school, benchmark=5, on=date(2025, 10, day), pupils=(three_this_year,)
        )
    for on in (date(2023, 10, 1), date(2025, 10, 1), date(2025, 11, 1)):  # none in Y8
        factories.encounter(session, school, benchmark=5, on=on, pupils=(a_gap,))
    session.commit()

    report = benchmarks.school_report(
        session, school_staff(school), school.id, academic_year="2025-26"
    )

    strategy = report["careers_strategy"]
    assert (strategy["pupils"], strategy["meeting"]) == (3, 1)  # E1 alone
    assert strategy["employer_encounters_per_pupil"] == 3.0
