"""Priorities: optimise the first objective, keep it within tolerance, optimise the next.

The expected answers are brute-forced over every integer plan; the tolerance semantics are checked on a
problem whose answer follows by hand from the definition (tol·|opt| + abs_tol of slack).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from formulation.v2.solving import solve_v2
from solvers.lexicographic import ObjectiveLevel, solve_lexicographic
from solvers.linear import LinearModel, ObjectiveSense
from solvers.result import SolveStatus
from tests.formulation_v2.helpers import build

PROFIT, LABOUR, MACHINE, MACHINE_CAP = [3, 3, 5], [2, 1, 4], [1, 1, 2], 6
DATA = {"profit": PROFIT, "labour": LABOUR, "machine": MACHINE, "machine_cap": MACHINE_CAP}


def brute_force() -> tuple[float, float]:
    best: tuple[float, float] | None = None
    for x in itertools.product(range(7), repeat=3):
        if sum(m * v for m, v in zip(MACHINE, x, strict=True)) > MACHINE_CAP:
            continue
        profit = sum(p * v for p, v in zip(PROFIT, x, strict=True))
        labour = sum(h * v for h, v in zip(LABOUR, x, strict=True))
        key = (-profit, labour)
        if best is None or key < best:
            best = key
    assert best is not None
    return -best[0], best[1]


def test_maximise_profit_then_minimise_labour() -> None:
    profit, labour = brute_force()
    compiled = build(
        DATA,
        sets=["P = range(len(profit))"],
        variables=["x = integer(P, ub=machine_cap)"],
        objectives=["profit_total = maximize(sum(profit[i] * x[i] for i in P))",
                    "labour_total = minimize(sum(labour[i] * x[i] for i in P))"],
        constraints=["mach = sum(machine[i] * x[i] for i in P) <= machine_cap"],
    )
    assert [level.name for level in compiled.objectives] == ["profit_total", "labour_total"]
    assert compiled.model.sense is ObjectiveSense.MAXIMIZE  # the model's own objective is priority 1
    outcome = solve_v2(compiled)
    assert outcome.statuses == [SolveStatus.OPTIMAL, SolveStatus.OPTIMAL]
    assert outcome.objectives == pytest.approx([profit, labour])
    assert outcome.optima == pytest.approx([profit, labour])
    assert outcome.message is None


def _box(n: int = 1, upper: float = 10.0) -> LinearModel:
    return LinearModel.from_arrays(name="box", var_names=[f"x{k}" for k in range(n)], lower=[0.0] * n,
                                   upper=[upper] * n, integrality=[False] * n, objective=[0.0] * n)


def test_tolerances_give_the_later_priority_room() -> None:
    model = _box()
    levels = [
        ObjectiveLevel("big", ObjectiveSense.MAXIMIZE, np.array([1.0]), tol=0.1, abs_tol=0.5),
        ObjectiveLevel("small", ObjectiveSense.MINIMIZE, np.array([1.0])),
    ]
    outcome = solve_lexicographic(model, levels)
    # level 1: max x = 10; kept within 0.1 * 10 + 0.5 = 1.5, so level 2 reaches x = 8.5
    assert outcome.optima == pytest.approx([10.0, 8.5])
    assert outcome.objectives == pytest.approx([8.5, 8.5])
    assert outcome.result.variables["x0"] == pytest.approx(8.5)


def test_constants_are_part_of_each_level() -> None:
    levels = [ObjectiveLevel("a", ObjectiveSense.MINIMIZE, np.array([1.0]), constant=100.0, tol=0.0, abs_tol=0.0),
              ObjectiveLevel("b", ObjectiveSense.MAXIMIZE, np.array([1.0]), constant=-1.0)]
    outcome = solve_lexicographic(_box(), levels)
    assert outcome.objectives == pytest.approx([100.0, -1.0])


def test_an_unbounded_priority_stops_the_sequence_and_says_so() -> None:
    model = _box(upper=np.inf)
    levels = [ObjectiveLevel("grow", ObjectiveSense.MAXIMIZE, np.array([1.0])),
              ObjectiveLevel("never", ObjectiveSense.MINIMIZE, np.array([1.0]))]
    outcome = solve_lexicographic(model, levels)
    assert outcome.statuses[0] is SolveStatus.UNBOUNDED
    assert outcome.statuses[1] is None
    assert not outcome.complete
    assert outcome.message is not None
    assert "priority 1 (grow) stopped with status unbounded" in outcome.message
    assert "later priorities were not optimised" in outcome.message
    assert outcome.objectives == [None, None]


def test_independent_levels_are_each_optimal_within_tolerance() -> None:
    outcome = solve_lexicographic(_box(2), [
        ObjectiveLevel("first", ObjectiveSense.MAXIMIZE, np.array([1.0, 0.0])),
        ObjectiveLevel("second", ObjectiveSense.MAXIMIZE, np.array([0.0, 1.0])),
    ])
    assert outcome.complete
    # level 1 may give up its slack (1e-6 · 10 + 1e-9) while level 2 is optimised, never more
    assert 10.0 - 1e-5 - 1e-9 - 1e-9 <= outcome.objectives[0] <= 10.0  # type: ignore[operator]
    assert outcome.objectives[1] == pytest.approx(10.0)



def test_wrong_vector_length_is_refused() -> None:
    with pytest.raises(ValueError, match="has 2 coefficients; the model has 1 columns"):
        solve_lexicographic(_box(), [ObjectiveLevel("bad", ObjectiveSense.MINIMIZE, np.zeros(2))])


def test_no_objective_is_a_feasibility_solve() -> None:
    compiled = build(variables=["x = continuous(ub=3)"], constraints=["c = x >= 1"])
    outcome = solve_v2(compiled)
    assert outcome.result.status is SolveStatus.OPTIMAL
    assert outcome.objectives == []
    assert any("no objective" in note for note in compiled.notes)
