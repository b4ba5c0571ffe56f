"""The pairing solver is exact: equal to brute force on small random instances and to
HiGHS' linear programme on larger ones, never worse than greedy, within capacities, and
never pairs the same two twice."""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from services.pairing_solver import fit_units, solve_edges


def solve(fit, allowed, capacity, places) -> tuple[list[tuple[int, int]], str]:
    """Dense form: pairs (adviser row, school column) from the solver."""
    a, s = np.nonzero(allowed)
    solution = solve_edges(a, s, fit[a, s], np.asarray(capacity), np.asarray(places))
    return sorted((int(a[e]), int(s[e])) for e in solution.edges), solution.method


def brute_force(units, allowed, capacity, places) -> int:
    """The best total fit (in millionths) over every feasible set of allowed pairs."""
    edges = list(zip(*np.nonzero(allowed), strict=True))
    best = 0
    for chosen in itertools.product((0, 1), repeat=len(edges)):
        taken = [edge for take, edge in zip(chosen, edges, strict=True) if take]
        used_a = np.bincount([i for i, _ in taken], minlength=len(capacity))
        used_s = np.bincount([j for _, j in taken], minlength=len(places))
        if (used_a <= capacity).all() and (used_s <= places).all():
            best = max(best, sum(int(units[i, j]) for i, j in taken))
    return best


def greedy(fit, allowed, capacity, places) -> list[tuple[int, int]]:
    """Best pair first while capacity lasts: the baseline the solver must never lose to."""
    capacity, places = capacity.copy(), places.copy()
    pairs = []
    for flat in np.argsort(-fit, axis=None, kind="stable"):
        i, j = divmod(int(flat), fit.shape[1])
        if allowed[i, j] and capacity[i] > 0 and places[j] > 0:
            pairs.append((i, j))
            capacity[i] -= 1
            places[j] -= 1
    return pairs


def total(units, pairs) -> int:
    return sum(int(units[i, j]) for i, j in pairs)


def check(allowed, capacity, places, pairs):
    assert len(set(pairs)) == len(pairs)
    assert all(allowed[i, j] for i, j in pairs)
    assert (np.bincount([i for i, _ in pairs], minlength=len(capacity)) <= capacity).all()
    assert (np.bincount([j for _, j in pairs], minlength=len(places)) <= places).all()


def random_instance(seed: int, coarse: bool):
    """Up to 4 advisers (capacity 0-2) and 3 schools (1 or 2 places); about one pair in
    five is already serving (not allowed). Coarse fits (tenths) make many ties."""
    rng = np.random.default_rng(seed)
    n_a, n_s = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    fit = rng.integers(0, 11, (n_a, n_s)) / 10 if coarse else rng.random((n_a, n_s))
    allowed = rng.random((n_a, n_s)) < 0.8
    while allowed.sum() > 12:  # keep the brute force small
        allowed[np.unravel_index(np.flatnonzero(allowed)[0], allowed.shape)] = False
    return fit, allowed, rng.integers(0, 3, n_a), rng.integers(1, 3, n_s)


@pytest.mark.parametrize("coarse", [False, True], ids=["fine", "ties"])
@pytest.mark.parametrize("seed", range(60))
def test_equal_to_brute_force_and_never_worse_than_greedy(seed, coarse):
    fit, allowed, capacity, places = random_instance(seed, coarse)
    units = fit_units(fit)
    pairs, _ = solve(fit, allowed, capacity, places)
    check(allowed, capacity, places, pairs)
    assert total(units, pairs) == brute_force(units, allowed, capacity, places)
    assert total(units, pairs) >= total(units, greedy(fit, allowed, capacity, places))


@pytest.mark.parametrize("seed", range(5))
def test_equal_to_the_linear_programme_on_larger_instances(seed):
    # Bipartite b-matching is totally unimodular: HiGHS' simplex optimum is the integral one.
    rng = np.random.default_rng(500 + seed)
    n_a, n_s = 40, 30
    allowed = rng.random((n_a, n_s)) < 0.3
    fit = rng.random((n_a, n_s))
    capacity, places = rng.integers(0, 3, n_a), rng.integers(1, 3, n_s)
    a, s = np.nonzero(allowed)
    units = fit_units(fit[a, s])
    edges = np.arange(len(a))
    rows = np.concatenate([a, n_a + s])
    constraints = coo_matrix(
        (np.ones(2 * len(a)), (rows, np.concatenate([edges, edges]))), shape=(n_a + n_s, len(a))
    )
    best = linprog(
        -units.astype(float),
        A_ub=constraints.tocsr(),
        b_ub=np.concatenate([capacity, places]).astype(float),
        bounds=(0, 1),
        method="highs",
    )
    pairs, method = solve(fit, allowed, capacity, places)
    check(allowed, capacity, places, pairs)
    assert method == "min_cost_flow"
    assert total(fit_units(fit), pairs) == round(-best.fun)


def test_greedy_is_beaten_where_it_goes_wrong():
    # Greedy takes the single best pair (0, 0) and leaves school 1 unserved.
    fit = np.array([[0.9, 0.8], [0.7, 0.0]])
    allowed = np.array([[True, True], [True, False]])
    one = np.ones(2, dtype=int)
    pairs, method = solve(fit, allowed, one, one)
    assert pairs == [(0, 1), (1, 0)]
    assert method == "min_cost_flow"
    assert total(fit_units(fit), greedy(fit, allowed, one, one)) < total(fit_units(fit), pairs)


def test_an_adviser_never_takes_both_places_of_one_school():
    # An assignment over capacity copies would give this adviser's two copies both places
    # of school 0 (1.8); the best real plan is school 0 and school 1 (1.0).
    fit = np.array([[0.9, 0.1]])
    pairs, _ = solve(fit, np.ones((1, 2), dtype=bool), np.array([2]), np.array([2, 2]))
    assert pairs == [(0, 0), (0, 1)]
    alone, _ = solve(fit[:, :1], np.ones((1, 1), dtype=bool), np.array([2]), np.array([2]))
    assert alone == [(0, 0)]


def test_nothing_to_pair():
    fit = np.zeros((2, 2))
    one = np.ones(2, dtype=int)
    assert solve(fit, np.zeros((2, 2), dtype=bool), one, one) == ([], "none")
    assert solve(fit + 0.5, np.ones((2, 2), dtype=bool), np.zeros(2, int), one)[0] == []
