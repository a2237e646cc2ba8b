"""The 8-point TSP in v2: derived Euclidean distances, sparse arcs i != j, MTZ subtour elimination.

The optimum is checked against every tour (point 0 first; each undirected tour counted once: 7!/2 = 2520).
Two MTZ formulations are compiled: the classic linear one, and one written with implies(), whose big-M the
compiler derives from u's bounds (M = n - 1 + 1 - 0 = n).
"""

from __future__ import annotations

import itertools
import math
import time

import pytest

from formulation.v2.compiler import compile_v2
from formulation.v2.solving import solve_v2, variable_values
from tests.formulation_v2.helpers import spec

POINTS = {"x": [0, 2, 5, 9, 4, 8, 1, 6], "y": [0, 7, 3, 8, 9, 1, 4, 6]}

SETS = ["N = range(len(x))  # points", "A = [(i, j) for i in N for j in N if i != j]  # arcs, no loops"]
PARAMETERS = ["n = len(N)", "d = {(i, j): sqrt((x[i] - x[j])**2 + (y[i] - y[j])**2) for (i, j) in A}"]
VARIABLES = ["go = binary(A)  # 1 if the tour goes from i to j", "u = continuous(N, lb=0, ub=n - 1)  # visit order"]
OBJECTIVES = ["minimize(sum(d[a] * go[a] for a in A))"]
DEGREE = [
    "leave = (sum(go[i, j] for (i, j) in A if i == k) == 1 for k in N)",
    "enter = (sum(go[i, j] for (i, j) in A if j == k) == 1 for k in N)",
    "start = u[0] == 0",
]
MTZ_LINEAR = "mtz = (u[i] - u[j] + n * go[i, j] <= n - 1 for (i, j) in A if j != 0)"
MTZ_IMPLIES = "mtz = (implies(go[i, j], u[j] >= u[i] + 1) for (i, j) in A if j != 0)"


def brute_force_tour() -> float:
    xs, ys = POINTS["x"], POINTS["y"]
    n = len(xs)

    def dist(a: int, b: int) -> float:
        return math.hypot(xs[a] - xs[b], ys[a] - ys[b])

    best = math.inf
    count = 0
    for perm in itertools.permutations(range(1, n)):
        if perm[0] > perm[-1]:  # the same tour backwards
            continue
        count += 1
        tour = (0, *perm, 0)
        best = min(best, sum(dist(tour[k], tour[k + 1]) for k in range(n)))
    assert count == 2520
    return best


@pytest.mark.parametrize("mtz", [MTZ_LINEAR, MTZ_IMPLIES], ids=["linear", "implies"])
def test_tsp_matches_brute_force(mtz: str) -> None:
    model = spec(sets=SETS, parameters=PARAMETERS, variables=VARIABLES, objectives=OBJECTIVES,
                 constraints=[*DEGREE, mtz])
    started = time.perf_counter()
    compiled = compile_v2(model, POINTS)
    assert time.perf_counter() - started < 2.0
    assert compiled.model.num_vars == 56 + 8
    assert compiled.model.num_rows == 8 + 8 + 1 + 7 * 7
    outcome = solve_v2(compiled)
    assert outcome.complete
    assert outcome.objectives[0] == pytest.approx(brute_force_tour(), abs=1e-6)
    # the chosen arcs form one tour through every point
    chosen = {key for key, v in variable_values(compiled, outcome)["go"].items() if v > 0.5}
    successor = {int(str(key[0])): int(str(key[1])) for key in chosen}
    seen, k = [0], successor[0]
    while k != 0:
        seen.append(k)
        k = successor[k]
    assert sorted(seen) == list(range(8))
    if mtz == MTZ_IMPLIES:
        assert any(o.encoding.startswith("implies: big-M row, M=8") for o in compiled.row_origins)
        assert "mtz[1,2]#M" in compiled.model.row_names
