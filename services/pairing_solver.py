"""The pairing's solver: the greatest total fit within each side's capacity, exactly, as
one min-cost flow (OR-Tools) for a hub and for the whole country alike."""

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

FIT_UNITS = 1_000_000  # fits are weighed in millionths: the precision the plan reports


def fit_units(fit: np.ndarray) -> np.ndarray:
    """Fits in [0, 1] as whole millionths, the integer costs the flow solver needs."""
    return np.rint(np.asarray(fit, dtype=np.float64) * FIT_UNITS).astype(np.int64)


@dataclass(frozen=True)
class Solution:
    edges: np.ndarray  # indices of the chosen candidate pairs, ascending
    method: str  # min_cost_flow, or none when no pair is made (the solver may not run)


def solve_edges(
    a: np.ndarray, s: np.ndarray, fit: np.ndarray, capacity: np.ndarray, places: np.ndarray
) -> Solution:
    """The candidate pairs (adviser `a[e]`, school `s[e]`) with the greatest total fit in
    millionths, within each adviser's capacity and each school's places: exactly.

    A min-cost flow (OR-Tools' cost-scaling solver): source → adviser (its capacity),
    adviser → school (capacity 1 per candidate pair, cost −fit), school → sink (its places),
    and a free source → sink arc for the flow no pair would improve. With integral
    capacities some optimal flow is integral, so each pair is taken whole or not at all, and
    its capacity of 1 keeps one adviser from taking both places of a school.
    """
    supply = int(min(capacity.sum(), places.sum())) if len(a) else 0
    if not supply:  # no pair, or nobody with room: nothing to solve
        return Solution(np.empty(0, dtype=int), "none")
    n_a, n_s = len(capacity), len(places)
    source, sink = n_a + n_s, n_a + n_s + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    # The pair arcs go first so that arc e is candidate pair e.
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([a, np.full(n_a, source), n_a + np.arange(n_s), [source]]).astype(np.int32),
        np.concatenate([n_a + s, np.arange(n_a), np.full(n_s, sink), [sink]]).astype(np.int32),
        np.concatenate([np.ones(len(a)), capacity, places, [supply]]).astype(np.int64),
        np.concatenate([-fit_units(fit), np.zeros(n_a + n_s + 1, dtype=np.int64)]),
    )
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen: the source → sink arc makes it feasible
        raise RuntimeError(f"The pairing flow ended {status.name}.")
    chosen = np.flatnonzero(flow.flows(np.arange(len(a), dtype=np.int32)))
    return Solution(chosen, "min_cost_flow" if len(chosen) else "none")
