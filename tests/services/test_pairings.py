"""A pairing plan's inputs: a school's weakest benchmarks and priority come from one batch
of benchmark reports (the plans themselves are tested through the API, in
tests/api/test_adviser_pairings.py)."""

from models.base import london_today
from models.organisations import ProviderType
from services import benchmarks, school_years
from tests import factories

# A school's focus and priority come from its benchmark report -------------------------


def test_school_gaps_name_the_weakest_benchmarks_and_the_priority(session):
    hub = factories.hub(session)
    unrecorded, weak, strong = (factories.school(session, hub=hub) for _ in range(3))
    this_year = school_years.school_year_start(london_today())

    def attend(school, pupil, *kinds):
        for benchmark, provider_type in kinds:
            factories.encounter(
                session,
                school,
                benchmark=benchmark,
                provider_type=provider_type,
                on=london_today(),
                pupils=(pupil,),
            )

    # Half the pupils meet BM8: only BM6 and BM7 are below WEAK_SHARE.
    first, second = (factories.pupil(session, weak, f"W{n}") for n in range(2))
    attend(weak, first, (5, None), (8, None))
    attend(weak, second, (5, None))
    # Every benchmark met by at least half the pupils: the lowest shares are the weakest.
    everything = [(5, None), (6, None), (6, None), (8, None)]
    everything += [(7, kind) for kind in ProviderType]
    attend(strong, factories.pupil(session, strong, "S1"), *everything)
    attend(strong, factories.pupil(session, strong, "S2"), (5, None), (6, None), (6, None))
    session.commit()

    gaps = benchmarks.school_gaps(session, [unrecorded, weak, strong], this_year)
    assert gaps[unrecorded.id].weakest == frozenset()
    assert gaps[unrecorded.id].priority == round(0.6 + 0.2 * 0.3, 4)  # uncovered, 30% FSM
    assert gaps[weak.id].weakest == {6, 7}
    assert gaps[strong.id].weakest == {7, 8}
    assert gaps[strong.id].priority < gaps[weak.id].priority < gaps[unrecorded.id].priority
    for school in (unrecorded, weak, strong):
        assert benchmarks.school_priority(session, school.id, this_year) == gaps[school.id].priority
