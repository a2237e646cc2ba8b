"""Every construct of the v2 language, solved to a checked optimum.

Each expected optimum is computed here without milpflow: by enumerating every integer point of a tiny domain
(`brute`), every order of a few jobs, or by a hand argument written next to it. Where the language promises an
encoding (no binaries in a convex position, binaries elsewhere), the test checks that promise too.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from tests.formulation_v2.helpers import binaries, brute, build, encodings, optimum, solve

# ---------------------------------------------------------------------------------------------- data, sets
NETWORK: dict[str, Any] = {
    "nodes": {"s": 3, "a": 0, "b": 0, "t": -3},
    "arcs": [
        {"from": "s", "to": "a", "capacity": 2, "cost": 1, "fixed": 4},
        {"from": "s", "to": "b", "capacity": 3, "cost": 3, "fixed": 1},
        {"from": "a", "to": "t", "capacity": 2, "cost": 1, "fixed": 4},
        {"from": "b", "to": "t", "capacity": 3, "cost": 1, "fixed": 1},
        {"from": "a", "to": "b", "capacity": 1, "cost": 0, "fixed": 0},
    ],
}
NETWORK_SETS = [
    "N = list(nodes)",
    "A = [(a['from'], a['to']) for a in arcs]  # sparse: only the listed arcs",
    "Out = {n: [j for (i, j) in A if i == n] for n in N}",
    "In = {n: [i for (i, j) in A if j == n] for n in N}",
]
NETWORK_PARAMETERS = [
    "cap = {(a['from'], a['to']): a['capacity'] for a in arcs}",
    "c = {(a['from'], a['to']): a['cost'] for a in arcs}",
    "f = {(a['from'], a['to']): a['fixed'] for a in arcs}",
]
BALANCE = "bal = (sum(flow[n, j] for j in Out[n]) - sum(flow[i, n] for i in In[n]) == nodes[n] for n in N)"


def _network_flows() -> list[tuple[dict[tuple[str, str], int], bool]]:
    arcs = [(a["from"], a["to"]) for a in NETWORK["arcs"]]
    caps = [a["capacity"] for a in NETWORK["arcs"]]
    out = []
    for values in itertools.product(*(range(c + 1) for c in caps)):
        flow = dict(zip(arcs, values, strict=True))
        ok = all(
            sum(v for (i, _), v in flow.items() if i == n) - sum(v for (_, j), v in flow.items() if j == n) == s
            for n, s in NETWORK["nodes"].items()
        )
        out.append((flow, ok))
    return out


def test_tuple_sets_indexed_sets_records_and_bound_dicts() -> None:
    costs = {(a["from"], a["to"]): a["cost"] for a in NETWORK["arcs"]}
    expected = min(sum(costs[a] * v for a, v in flow.items()) for flow, ok in _network_flows() if ok)
    compiled, outcome = solve(
        NETWORK, sets=NETWORK_SETS, parameters=NETWORK_PARAMETERS,
        variables=["flow = integer(A, ub=cap)  # units on each arc"],
        objectives=["minimize(sum(c[a] * flow[a] for a in A))"],
        constraints=[BALANCE],
    )
    assert outcome.objectives[0] == pytest.approx(expected)
    names = compiled.model.var_names
    assert names == ["flow[s,a]", "flow[s,b]", "flow[a,t]", "flow[b,t]", "flow[a,b]"]
    assert list(compiled.model.upper) == [2, 3, 2, 3, 1]
    assert compiled.model.row_names == ["bal[s]", "bal[a]", "bal[b]", "bal[t]"]


@pytest.mark.parametrize("link", [
    "link = (implies(not use[a], flow[a] <= 0) for a in A)",
    "link = (implies(use[a] == 0, flow[a] == 0) for a in A)",
    "link = (flow[a] <= cap[a] * use[a] for a in A)",
])
def test_implies_fixed_charge(link: str) -> None:
    fixed = {(a["from"], a["to"]): a["fixed"] for a in NETWORK["arcs"]}
    costs = {(a["from"], a["to"]): a["cost"] for a in NETWORK["arcs"]}
    expected = min(sum(costs[a] * v + fixed[a] * (v > 0) for a, v in flow.items())
                   for flow, ok in _network_flows() if ok)
    compiled, outcome = solve(
        NETWORK, sets=NETWORK_SETS, parameters=NETWORK_PARAMETERS,
        variables=["flow = integer(A, ub=cap)", "use = binary(A)"],
        objectives=["minimize(sum(c[a] * flow[a] + f[a] * use[a] for a in A))"],
        constraints=[BALANCE, link],
    )
    assert outcome.objectives[0] == pytest.approx(expected)
    if link.startswith("link = (implies"):
        assert any(name.startswith("link[s,a]#M") for name in compiled.model.row_names)


def test_implies_with_several_conditions_and_a_conjunction() -> None:
    # x, y in 0..5; if a and not b then (x >= 3 and y <= 1); if b then x + y <= 4; maximise 2x + 3y - 4a + 2b
    def feasible(x: int, y: int, a: int, b: int) -> bool:
        return bool((not (a and not b) or (x >= 3 and y <= 1)) and (not b or x + y <= 4) and (a or x <= 2))

    expected = brute([range(6), range(6), range(2), range(2)], lambda x, y, a, b: 2 * x + 3 * y - 4 * a + 2 * b,
                     feasible, maximize=True)
    value = optimum(
        variables=["x = integer(ub=5)", "y = integer(ub=5)", "a = binary()", "b = binary()"],
        objectives=["maximize(2 * x + 3 * y - 4 * a + 2 * b)"],
        constraints=["c1 = implies(all(a, not b), all(x >= 3, y <= 1))", "c2 = implies(b, x + y <= 4)",
                     "c3 = implies(not a, x <= 2)"],
    )
    assert value == pytest.approx(expected)


def test_either_two_alternatives_schedules_one_machine() -> None:
    jobs = {"release": [0, 1, 3], "duration": [4, 2, 3]}
    best = min(
        _makespan(order, jobs["release"], jobs["duration"]) for order in itertools.permutations(range(3))
    )
    compiled, outcome = solve(
        jobs,
        sets=["J = range(len(duration))", "P = [(a, b) for a in J for b in J if a < b]"],
        parameters=["H = max(release) + sum(duration)"],
        variables=["s = continuous(J, lb=release, ub=H)", "T = continuous(ub=H)"],
        objectives=["minimize(T)"],
        constraints=["end = (T >= s[j] + duration[j] for j in J)",
                     "order = (either(s[a] + duration[a] <= s[b], s[b] + duration[b] <= s[a]) for (a, b) in P)"],
    )
    assert outcome.objectives[0] == pytest.approx(best)
    assert "either.order[0,1]#1" in compiled.model.row_names
    assert "either.order[0,1]#y" in compiled.model.var_names
    assert binaries(compiled) == 3


def _makespan(order: tuple[int, ...], release: list[int], duration: list[int]) -> int:
    t = 0
    for j in order:
        t = max(t, release[j]) + duration[j]
    return t


def test_either_three_alternatives_with_all() -> None:
    def feasible(x: int, y: int) -> bool:
        return x + y <= 7 and ((x <= 1 and y >= 4) or x >= 4 or x + y == 3)

    expected = brute([range(6), range(6)], lambda x, y: 3 * x + 2 * y, feasible, maximize=True)
    compiled, outcome = solve(
        variables=["x = integer(ub=5)", "y = integer(ub=5)"],
        objectives=["maximize(3 * x + 2 * y)"],
        constraints=["cap = x + y <= 7", "pick = either(all(x <= 1, y >= 4), x >= 4, x + y == 3)"],
    )
    assert outcome.objectives[0] == pytest.approx(expected)
    assert "either.pick#pick" in compiled.model.row_names
    assert binaries(compiled) == 3


def test_either_over_a_generator_and_binary_literals() -> None:
    # at least one of the open flags is set; opening costs 5, 3, 4; the cheapest single opening wins
    value = optimum(
        data={"cost": [5, 3, 4]},
        sets=["K = range(len(cost))"],
        variables=["open = binary(K)"],
        objectives=["minimize(sum(cost[k] * open[k] for k in K))"],
        constraints=["one = either(open[k] for k in K)"],
    )
    assert value == pytest.approx(3)


# ---------------------------------------------------------------------------------------------- abs
def test_abs_in_a_convex_position_needs_no_binary() -> None:
    target = [2, 7, 4]

    def cost(a: int, b: int, c: int) -> float:
        return abs(a - target[0]) + 2 * abs(b - target[1]) + abs(c - target[2])

    expected = brute([range(11)] * 3, cost, lambda a, b, c: a + b + c == 10)
    compiled, outcome = solve(
        {"target": target, "w": [1, 2, 1]},
        sets=["I = range(len(target))"],
        variables=["x = integer(I, ub=10)"],
        objectives=["minimize(sum(w[i] * abs(x[i] - target[i]) for i in I))"],
        constraints=["total = sum(x[i] for i in I) == 10"],
    )
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 0
    assert any(e.startswith("abs: epigraph") for e in encodings(compiled))


def test_abs_of_a_free_variable_in_a_convex_position() -> None:
    # |x - 3| + |x + 1| is at least the distance between 3 and -1, reached for any x in [-1, 3]
    assert optimum(variables=["x = continuous(lb=-inf)"],
                   objectives=["minimize(abs(x - 3) + abs(x + 1))"]) == pytest.approx(4)


def test_abs_maximised_needs_binaries() -> None:
    expected = brute([range(6), range(6)], lambda x, y: abs(x - 3) + abs(y - 2), lambda x, y: x + y <= 6,
                     maximize=True)
    compiled, outcome = solve(
        variables=["x = integer(ub=5)", "y = integer(ub=5)"],
        objectives=["maximize(abs(x - 3) + abs(y - 2))"],
        constraints=["c = x + y <= 6"],
    )
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 2
    assert any(e.startswith("abs: exact with one binary") for e in encodings(compiled))


def test_abs_in_an_equality() -> None:
    expected = brute([range(8), range(8)], lambda x, y: x + 2 * y, lambda x, y: abs(x - y) == 2 and x + y >= 5)
    value = optimum(variables=["x = integer(ub=7)", "y = integer(ub=7)"], objectives=["minimize(x + 2 * y)"],
                    constraints=["gap = abs(x - y) == 2", "size = x + y >= 5"])
    assert value == pytest.approx(expected)


def test_abs_of_a_signed_expression_is_substituted() -> None:
    compiled = build(variables=["x = continuous(lb=2, ub=5)"], objectives=["minimize(abs(x - 1))"])
    assert compiled.model.num_vars == 1
    assert any("never negative" in note for note in compiled.notes)


# ---------------------------------------------------------------------------------------------- max, min
def test_minimised_max_is_an_epigraph() -> None:
    sizes = [7, 5, 4, 3, 3]
    expected = brute([range(2)] * len(sizes),
                     lambda *side: max(sum(s for s, k in zip(sizes, side, strict=True) if k == m) for m in (0, 1)))
    compiled, outcome = solve(
        {"size": sizes},
        sets=["J = range(len(size))", "M = range(2)"],
        variables=["a = binary(J, M)"],
        objectives=["minimize(max(sum(size[j] * a[j, m] for j in J) for m in M))"],
        constraints=["once = (sum(a[j, m] for m in M) == 1 for j in J)"],
    )
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 0
    assert any(e.startswith("max: epigraph") for e in encodings(compiled))


def test_max_on_the_large_side_needs_binaries() -> None:
    expected = brute([range(6), range(6)], lambda x, y: x + 2 * y, lambda x, y: max(x, y) >= 4 and x <= 3)
    compiled, outcome = solve(variables=["x = integer(ub=5)", "y = integer(ub=5)"],
                              objectives=["minimize(x + 2 * y)"],
                              constraints=["big = max(x, y) >= 4", "small = x <= 3"])
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 2


def test_maximised_min_is_a_hypograph() -> None:
    expected = brute([range(11), range(11)], lambda x, y: min(2 * x, 10 - x, y + 3), lambda x, y: y <= 1,
                     maximize=True)
    compiled, outcome = solve(variables=["x = integer(ub=10)", "y = integer(ub=10)"],
                              objectives=["maximize(min(2 * x, 10 - x, y + 3))"], constraints=["c = y <= 1"])
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 0


def test_minimised_min_needs_binaries() -> None:
    expected = brute([range(6), range(6)], lambda x, y: min(x + 1, 2 * y - 1) - y, lambda x, y: x + y >= 3)
    compiled, outcome = solve(variables=["x = integer(ub=5)", "y = integer(ub=5)"],
                              objectives=["minimize(min(x + 1, 2 * y - 1) - y)"], constraints=["c = x + y >= 3"])
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 2


def test_nested_abs_inside_abs() -> None:
    # the inner abs appears with both signs in the outer one's rows, so it must be exact
    expected = brute([range(11)], lambda x: abs(abs(x - 5) - 2), lambda x: True)
    compiled, outcome = solve(variables=["x = integer(ub=10)"], objectives=["minimize(abs(abs(x - 5) - 2))"],
                              constraints=["c = x >= 0"])
    assert outcome.objectives[0] == pytest.approx(expected)
    # and maximised, the optimum is at an end of x's range
    assert optimum(variables=["x = integer(ub=10)"], objectives=["maximize(abs(abs(x - 5) - 2))"]) == \
        pytest.approx(brute([range(11)], lambda x: abs(abs(x - 5) - 2), maximize=True))
    assert binaries(compiled) == 1


# ---------------------------------------------------------------------------------------------- piecewise
def _f(x: float, bps: Sequence[float], vals: Sequence[float]) -> float:
    return float(np.interp(x, bps, vals))


def test_convex_piecewise_minimised_is_an_epigraph() -> None:
    bps, vals = [0, 2, 5, 10], [4, 1, 1, 6]
    expected = brute([range(11)], lambda x: _f(x, bps, vals) + 0.3 * x)
    compiled, outcome = solve({"b": bps, "v": vals}, variables=["x = integer(ub=10)"],
                              objectives=["minimize(piecewise(x, b, v) + 0.3 * x)"])
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 0
    assert any(e.startswith("piecewise: epigraph") for e in encodings(compiled))


def test_concave_piecewise_minimised_is_incremental() -> None:
    bps, vals = [0, 2, 5, 10], [0, 10, 16, 18]
    expected = brute([range(11)], lambda x: _f(x, bps, vals) - 2.5 * x, lambda x: x >= 1)
    compiled, outcome = solve({"b": bps, "v": vals}, variables=["x = continuous(ub=10)"],
                              objectives=["minimize(piecewise(x, b, v) - 2.5 * x)"], constraints=["c = x >= 1"])
    # over the reals the optimum of a concave piecewise function is at a breakpoint or an end: integers here
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 2


def test_general_piecewise_over_an_expression() -> None:
    bps, vals = [0, 3, 6, 9], [0, 6, 3, 9]
    # x + y lies within [0, 9] by the variables' bounds alone (a constraint would not count)
    expected = brute([range(5), range(6)], lambda x, y: _f(x + y, bps, vals) - 0.5 * x - y,
                     lambda x, y: x + 2 * y <= 12, maximize=True)
    value = optimum({"b": bps, "v": vals}, variables=["x = integer(ub=4)", "y = integer(ub=5)"],
                    objectives=["maximize(piecewise(x + y, b, v) - 0.5 * x - y)"],
                    constraints=["c = x + 2 * y <= 12"])
    assert value == pytest.approx(expected)


def test_convex_piecewise_on_the_small_side_of_a_constraint() -> None:
    bps, vals = [0, 2, 5, 10], [4, 1, 1, 6]
    expected = brute([range(11)], lambda x: x, lambda x: _f(x, bps, vals) <= 3, maximize=True)
    compiled, outcome = solve({"b": bps, "v": vals}, variables=["x = integer(ub=10)"],
                              objectives=["maximize(x)"], constraints=["cost = piecewise(x, b, v) <= 3"])
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 0


def test_piecewise_of_data_is_computed_at_compile_time() -> None:
    # a one-slope function is linear, and a constant argument is just interpolated
    assert optimum(variables=["x = continuous(ub=4)"],
                   objectives=["maximize(piecewise(x, [0, 4], [1, 9]) + piecewise(3, [0, 2, 4], [0, 4, 0]))"]) == \
        pytest.approx(9 + 2)


# ---------------------------------------------------------------------------------------------- products
def test_binary_times_bounded_expression() -> None:
    price, fixed, unit, cap = [5, 4], [6, 2], [2, 1], [3, 3]

    def profit(b0: int, b1: int, q0: int, q1: int) -> float:
        b, q = (b0, b1), (q0, q1)
        return sum(price[i] * b[i] * q[i] - fixed[i] * b[i] - unit[i] * q[i] for i in range(2))

    expected = brute([range(2), range(2), range(4), range(4)], profit, lambda b0, b1, q0, q1: q0 + q1 <= 4,
                     maximize=True)
    compiled, outcome = solve(
        {"price": price, "fixed": fixed, "unit": unit, "cap": cap},
        sets=["I = range(len(price))"],
        variables=["b = binary(I)", "q = integer(I, ub=cap)"],
        objectives=["maximize(sum(price[i] * b[i] * q[i] - fixed[i] * b[i] - unit[i] * q[i] for i in I))"],
        constraints=["total = sum(q[i] for i in I) <= 4"],
    )
    assert outcome.objectives[0] == pytest.approx(expected)
    assert binaries(compiled) == 0
    assert any(e.startswith("binary × expression") for e in encodings(compiled))


# ---------------------------------------------------------------------------------------------- rows
def test_ranges_chains_and_scalar_variables() -> None:
    expected = brute([range(6)] * 3, lambda x, y, z: x + 2 * y + 4 * z,
                     lambda x, y, z: 2 <= x + y <= 4 and x <= y <= z and z >= 1, maximize=True)
    value = optimum(variables=["x = integer(ub=5)", "y = integer(ub=5)", "z = integer(ub=5)"],
                    objectives=["maximize(x + 2 * y + 4 * z)"],
                    constraints=["r = 2 <= x + y <= 4", "chain = x <= y <= z", "low = 1 <= z"])
    assert value == pytest.approx(expected)


def test_variables_over_products_and_bounds_from_nested_lists() -> None:
    # two plants, three markets: ship within cap[i][j]; meet demand; minimise cost (a tiny transport problem)
    cost, cap, demand = [[1, 3, 2], [2, 1, 4]], [[2, 2, 2], [3, 1, 3]], [3, 2, 2]
    best = brute([range(c + 1) for row in cap for c in row],
                 lambda *s: sum(cost[i][j] * s[3 * i + j] for i in range(2) for j in range(3)),
                 lambda *s: all(s[j] + s[3 + j] == demand[j] for j in range(3)))
    compiled, outcome = solve(
        {"cost": cost, "cap": cap, "demand": demand},
        sets=["P = range(len(cost))", "M = range(len(demand))"],
        variables=["ship = integer(P, M, ub=cap)"],
        objectives=["minimize(sum(cost[i][j] * ship[i, j] for i in P for j in M))"],
        constraints=["meet = (sum(ship[i, j] for i in P) == demand[j] for j in M)"],
    )
    assert outcome.objectives[0] == pytest.approx(best)
    assert compiled.model.var_names[:2] == ["ship[0,0]", "ship[0,1]"]


def test_sets_and_parameters_in_any_order_and_comments() -> None:
    compiled, outcome = solve(
        {"w": [3, 1, 2]},
        sets=["K = [k for k in range(n) if w[k] > 1]  # items worth keeping"],
        parameters=["n = len(w)"],
        variables=["x = binary(K)"],
        objectives=["best = maximize(sum(w[k] * x[k] for k in K))  # total weight"],
        constraints=["one = sum(x[k] for k in K) <= 1  # pick one"],
    )
    assert outcome.objectives[0] == pytest.approx(3)
    assert compiled.model.var_names == ["x[0]", "x[2]"]
    assert compiled.descriptions == {"K": "items worth keeping", "best": "total weight", "one": "pick one"}
    assert compiled.model.row_descriptions == {"one": "pick one"}
    assert compiled.objectives[0].name == "best"


def test_trivial_members_add_no_row_and_are_noted() -> None:
    compiled = build(sets=["N = range(3)"], variables=["x = continuous(N, ub=1)"],
                     objectives=["maximize(sum(x[i] for i in N))"],
                     constraints=["c = (x[i] - x[i] + 1 >= 0 for i in N)", "d = (x[i] <= 1 for i in N if i > 5)"])
    assert compiled.model.num_rows == 0
    assert any("hold for any values" in note for note in compiled.notes)
    assert any("has no members" in note for note in compiled.notes)


def test_nested_logic() -> None:
    def feasible(x: int, y: int, b: int, c: int) -> bool:
        return bool(((not b) or x <= 1 or y <= 1) and ((b or x + y <= 3) or x >= 5)
                    and ((x <= 2 and c) or (y >= 3 and not c) or x + y == 10))

    expected = brute([range(6), range(6), range(2), range(2)], lambda x, y, b, c: x + 2 * y + b - 3 * c, feasible,
                     maximize=True)
    value = optimum(
        variables=["x = integer(ub=5)", "y = integer(ub=5)", "b = binary()", "c = binary()"],
        objectives=["maximize(x + 2 * y + b - 3 * c)"],
        constraints=["c1 = implies(b, either(x <= 1, y <= 1))",
                     "c2 = either(implies(not b, x + y <= 3), x >= 5)",
                     "c3 = either(all(x <= 2, c == 1), all(y >= 3, c == 0), x + y == 10)"],
    )
    assert value == pytest.approx(expected)


def test_a_big_m_that_is_not_needed_is_a_plain_row() -> None:
    compiled = build(variables=["x = continuous(ub=10)", "b = binary()"], objectives=["maximize(x)"],
                     constraints=["c = implies(b, x <= 10)"])
    assert [o.encoding for o in compiled.row_origins] == [
        "implies: holds on the whole box of bounds (upper side), so no big-M term is needed"]
