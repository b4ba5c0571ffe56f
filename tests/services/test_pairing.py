"""The pairing solver is optimal: equal to brute force on small random instances, never
worse than greedy, within capacities, and never pairs the same two twice."""

import itertools
from datetime import date

import numpy as np
import pytest

from models.organisations import ProviderType
from services import benchmarks, school_years
from services.pairing import greedy, solve
from tests import factories


def brute_force(fit, allowed, capacity, places) -> float:
    edges = [(i, j) for i in range(fit.shape[0]) for j in range(fit.shape[1]) if allowed[i, j]]
    best = 0.0
    for chosen in itertools.product((0, 1), repeat=len(edges)):
        used_a, used_s = np.zeros_like(capacity), np.zeros_like(places)
        total = 0.0
        for take, (i, j) in zip(chosen, edges, strict=True):
            if take:
                used_a[i] += 1
                used_s[j] += 1
                total += fit[i, j]
        if (used_a <= capacity).all() and (used_s <= places).all():
            best = max(best, total)
    return best


def total(fit, pairs) -> float:
    return float(sum(fit[i, j] for i, j in pairs))


def check(fit, allowed, capacity, places, pairs):
    assert len(set(pairs)) == len(pairs)
    assert all(allowed[i, j] for i, j in pairs)
    for i in range(fit.shape[0]):
        assert sum(1 for a, _ in pairs if a == i) <= capacity[i]
    for j in range(fit.shape[1]):
        assert sum(1 for _, s in pairs if s == j) <= places[j]


@pytest.mark.parametrize("seed", range(40))
def test_equal_to_brute_force_and_never_worse_than_greedy(seed):
    rng = np.random.default_rng(seed)
    n_a, n_s = rng.integers(1, 5), rng.integers(1, 4)
    fit = rng.random((n_a, n_s)).astype(np.float32)
    allowed = rng.random((n_a, n_s)) < 0.8
    if allowed.sum() > 12:  # keep the brute force small
        allowed[:, -1] = False
    capacity = rng.integers(0, 3, n_a)
    places = rng.integers(0, 3, n_s)
    pairs, _ = solve(fit, allowed, capacity, places)
    check(fit, allowed, capacity, places, pairs)
    assert total(fit, pairs) == pytest.approx(brute_force(fit, allowed, capacity, places), abs=1e-5)
    assert total(fit, pairs) >= total(fit, greedy(fit, allowed, capacity, places)) - 1e-6


def test_greedy_is_beaten_where_it_goes_wrong():
    # Greedy takes the single best pair (0, 0) and leaves school 1 unserved.
    fit = np.array([[0.9, 0.8], [0.7, 0.0]], dtype=np.float32)
    allowed = np.array([[True, True], [True, False]])
    one = np.ones(2, dtype=int)
    pairs, _ = solve(fit, allowed, one, one)
    assert sorted(pairs) == [(0, 1), (1, 0)]
    assert total(fit, greedy(fit, allowed, one, one)) < total(fit, pairs)


def test_an_adviser_is_never_paired_twice_with_one_school():
    # One adviser with room for two, one school with two places: the assignment relaxation
    # would pair them twice; the solver falls back to the linear programme.
    fit = np.array([[0.9]], dtype=np.float32)
    pairs, method = solve(fit, np.array([[True]]), np.array([2]), np.array([2]))
    assert pairs == [(0, 0)]
    assert method == "linear_programme"


def test_nothing_to_pair():
    fit = np.zeros((2, 2), dtype=np.float32)
    assert solve(fit, np.zeros((2, 2), dtype=bool), np.ones(2, int), np.ones(2, int)) == (
        [],
        "none",
    )


def test_large_instances_repair_a_relaxation_that_pairs_twice(monkeypatch):
    from services import pairing

    monkeypatch.setattr(pairing, "LP_MAX_EDGES", 0)
    fit = np.array([[0.9, 0.5], [0.4, 0.3]], dtype=np.float32)
    allowed = np.ones((2, 2), dtype=bool)
    capacity, places = np.array([2, 1]), np.array([2, 2])
    a, s = np.nonzero(allowed)
    solution = pairing.solve_edges(a, s, fit[a, s].astype(float), capacity, places)
    pairs = [(int(a[e]), int(s[e])) for e in solution.edges]
    check(fit, allowed, capacity, places, pairs)
    assert solution.method in ("assignment", "assignment_repaired", "greedy")
    assert total(fit, pairs) <= solution.upper_bound + 1e-6
    assert total(fit, pairs) >= total(fit, greedy(fit, allowed, capacity, places)) - 1e-6


@pytest.mark.parametrize("seed", range(30))
def test_the_large_instance_path_is_feasible_bounded_and_beats_greedy(seed, monkeypatch):
    from services import pairing

    monkeypatch.setattr(pairing, "LP_MAX_EDGES", 0)
    rng = np.random.default_rng(100 + seed)
    fit = rng.random((6, 5))
    allowed = rng.random((6, 5)) < 0.7
    capacity, places = rng.integers(0, 3, 6), rng.integers(0, 3, 5)
    a, s = np.nonzero(allowed)
    solution = pairing.solve_edges(a, s, fit[a, s], capacity, places)
    pairs = [(int(a[e]), int(s[e])) for e in solution.edges]
    check(fit, allowed, capacity, places, pairs)
    assert total(fit, pairs) <= solution.upper_bound + 1e-6
    assert total(fit, pairs) >= total(fit, greedy(fit, allowed, capacity, places)) - 1e-6


# A school's focus and priority come from its benchmark report -------------------------


def test_school_gaps_name_the_weakest_benchmarks_and_the_priority(session):
    hub = factories.hub(session)
    unrecorded, weak, strong = (factories.school(session, hub=hub) for _ in range(3))
    this_year = school_years.school_year_start(date.today())

    def attend(school, pupil, *kinds):
        for benchmark, provider_type in kinds:
            factories.encounter(
                session,
                school,
                benchmark=benchmark,
                provider_type=provider_type,
                on=date.today(),
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
