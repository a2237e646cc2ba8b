"""Every example solves to an optimum found independently, through both backends.

The independent optima come from brute force (knapsack, the facility subsets) and from matrices written
out by hand for `scipy.optimize.linprog` — none of it goes through the ModelSpec compiler — so a compiler
bug (a wrong coefficient, a lost term, a sign) shows up here as a mismatch.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from formulation import pyomo_mirror
from formulation.compile import CompiledModel, compile_spec, load_data
from formulation.spec import load_spec
from solvers import highs
from solvers.result import SolveStatus

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _compiled(name: str) -> CompiledModel:
    path = EXAMPLES / name
    if path.is_dir():
        data = load_data(path / "data.json") if (path / "data.json").exists() else None
        return compile_spec(load_spec(path / "model.json"), data)
    return compile_spec(load_spec(path))


def _is_v2(path: Path) -> bool:
    """Language-v2 examples (statements as strings) have their own tests in tests/examples_v2."""
    variables = json.loads(path.read_text()).get("variables") or [{}]
    return isinstance(variables[0], str)


def _example_names() -> list[str]:
    names = [p.name for p in EXAMPLES.glob("*.json")]
    names += [p.parent.name for p in EXAMPLES.glob("*/model.json") if not _is_v2(p)]
    return sorted(names)


@pytest.mark.parametrize("name", _example_names())
def test_both_backends_agree(name: str) -> None:
    compiled = _compiled(name)
    direct = highs.solve(compiled.model)
    through_pyomo = pyomo_mirror.solve(compiled)
    assert direct.status is through_pyomo.status
    if direct.status is SolveStatus.OPTIMAL:
        assert through_pyomo.objective == pytest.approx(direct.objective, rel=1e-6)
    pyomo_model = pyomo_mirror.build_pyomo_model(compiled)
    for var in compiled.spec.variables:
        component = getattr(pyomo_model, var.name)
        assert component.is_indexed() == bool(var.indices)
    for con in compiled.spec.constraints:
        component = getattr(pyomo_model, con.name)
        rows = [k for f, k in compiled.row_keys if f == con.name]
        assert (len(component) if component.is_indexed() else 1) == len(rows)


def _data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name / "data.json").read_text())


def test_knapsack_matches_brute_force() -> None:
    spec = json.loads((EXAMPLES / "knapsack.json").read_text())
    params = {p["name"]: p for p in spec["parameters"]}
    items = spec["sets"][0]["elements"]
    value = {e["index"][0]: e["value"] for e in params["value"]["values"]}
    weight = {e["index"][0]: e["value"] for e in params["weight"]["values"]}
    best = 0.0
    for chosen in itertools.product([0, 1], repeat=len(items)):
        picked = [i for i, c in zip(items, chosen, strict=True) if c]
        if sum(weight[i] for i in picked) <= params["limit"]["value"] and ("tent" not in picked or "rope" in picked):
            best = max(best, sum(value[i] for i in picked))
    assert highs.solve(_compiled("knapsack.json").model).objective == pytest.approx(best)


def test_facility_location_matches_enumerating_open_sets() -> None:
    d = _data("facility_location")
    cost, cap, demand = np.array(d["unit_cost"], float), np.array(d["capacity"], float), np.array(d["demand"], float)
    m, n = cost.shape
    best = np.inf
    for opened in itertools.product([0, 1], repeat=m):
        if np.dot(opened, cap) < demand.sum():
            continue
        a_ub = np.zeros((m, m * n))
        for i in range(m):
            a_ub[i, i * n:(i + 1) * n] = 1
        a_eq = np.zeros((n, m * n))
        for j in range(n):
            a_eq[j, j::n] = 1
        lp = linprog(cost.ravel(), A_ub=a_ub, b_ub=cap * np.array(opened), A_eq=a_eq, b_eq=demand, method="highs")
        if lp.status == 0:
            best = min(best, lp.fun + float(np.dot(opened, d["fixed_cost"])))
    assert highs.solve(_compiled("facility_location").model).objective == pytest.approx(best, rel=1e-9)


def test_production_planning_matches_a_hand_built_lp() -> None:
    d = _data("production_planning")
    t = len(d["demand"])
    # variables: make[0..t-1], stock[0..t-1];  stock[k] - stock[k-1] - make[k] = -demand[k]
    c = np.concatenate([d["prod_cost"], np.full(t, d["hold_cost"])])
    a_eq = np.zeros((t, 2 * t))
    b_eq = -np.array(d["demand"], float)
    for k in range(t):
        a_eq[k, k] = -1
        a_eq[k, t + k] = 1
        if k:
            a_eq[k, t + k - 1] = -1
    b_eq[0] += d["initial_stock"]
    bounds = [(0, d["capacity"])] * t + [(0, None)] * t
    lp = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert highs.solve(_compiled("production_planning").model).objective == pytest.approx(lp.fun, rel=1e-9)


def test_diet_matches_a_hand_built_lp_with_ranges() -> None:
    spec = json.loads((EXAMPLES / "diet.json").read_text())
    params = {p["name"]: p for p in spec["parameters"]}
    foods, nutrients = spec["sets"][0]["elements"], spec["sets"][1]["elements"]
    content = {tuple(e["index"]): e["value"] for e in params["content"]["values"]}
    a = np.array([[content[(n, f)] for f in foods] for n in nutrients])
    low = np.array([e["value"] for e in params["low"]["values"]])
    high = np.array([e["value"] for e in params["high"]["values"]])
    price = [e["value"] for e in params["price"]["values"]]
    lp = linprog(price, A_ub=np.vstack([a, -a]), b_ub=np.concatenate([high, -low]), bounds=[(0, 6)] * len(foods),
                 method="highs")
    assert highs.solve(_compiled("diet.json").model).objective == pytest.approx(lp.fun, rel=1e-9)


def test_infeasible_example_names_the_conflicting_constraints() -> None:
    result = highs.solve(_compiled("infeasible.json").model)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.iis is not None and set(result.iis.rows) == {"carpentry", "chair_order", "table_order"}
