"""The hand-written examples solve to their known optima, each confirmed by an independent computation.

Guards: every file under `examples/` compiles (through `load_input`, the CLI's own loader, so a folder picks up
its `data.json`) and solves to the optimum pinned here (rel 1e-6); each pinned optimum is re-derived without the
ModelSpec compiler (brute force, a dynamic programme, a dominance argument or a hand-built LP); the infeasible
example's IIS names exactly the conflicting constraints and is irreducible; and `examples/README.md` lists every
example with a command that really produces the documented result.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog
from typer.testing import CliRunner

from flows.cli import app
from formulation.compile import compile_spec
from formulation.loading import load_input
from formulation.spec import ModelSpec
from solvers import highs
from solvers.result import SolveResult, SolveStatus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# example -> (status, optimum or None)
KNOWN: dict[str, tuple[SolveStatus, float | None]] = {
    "transport.json": (SolveStatus.OPTIMAL, 153.675),  # GAMS model library `trnsport`
    "knapsack.json": (SolveStatus.OPTIMAL, 35.0),
    "facility_location": (SolveStatus.OPTIMAL, 509.0),
    "production_planning": (SolveStatus.OPTIMAL, 3705.0),
    "diet.json": (SolveStatus.OPTIMAL, 0.3 * 2000 / 389),
    "assignment.json": (SolveStatus.OPTIMAL, 16.0),
    "infeasible.json": (SolveStatus.INFEASIBLE, None),
}


def _is_v2(path: Path) -> bool:
    """Language-v2 examples (statements as strings) have their own tests in tests/examples_v2."""
    variables = json.loads(path.read_text()).get("variables") or [{}]
    return isinstance(variables[0], str)


def _example_names() -> list[str]:
    names = [p.name for p in EXAMPLES.glob("*.json")]
    names += [p.parent.name for p in EXAMPLES.glob("*/model.json") if not _is_v2(p)]
    return sorted(names)


def _solve(name: str) -> SolveResult:
    return highs.solve(load_input(EXAMPLES / name).model)


def _spec_json(name: str) -> dict[str, Any]:
    path = EXAMPLES / name
    return json.loads((path / "model.json" if path.is_dir() else path).read_text())


def _data(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name / "data.json").read_text())


def _values(spec: dict[str, Any], param: str) -> dict[tuple[Any, ...], float]:
    entry = next(p for p in spec["parameters"] if p["name"] == param)
    return {tuple(v["index"]): v["value"] for v in entry["values"]}


def test_every_example_has_a_known_result() -> None:
    assert set(_example_names()) == set(KNOWN)


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_example_solves_to_its_known_result(name: str) -> None:
    status, optimum = KNOWN[name]
    result = _solve(name)
    assert result.status is status, result.message
    if optimum is not None:
        assert result.objective == pytest.approx(optimum, rel=1e-6)


# ------------------------------------------------------------------------------ independent derivations
def test_knapsack_optimum_by_brute_force() -> None:
    spec = _spec_json("knapsack.json")
    items = spec["sets"][0]["elements"]
    value, weight = _values(spec, "value"), _values(spec, "weight")
    limit = next(p["value"] for p in spec["parameters"] if p["name"] == "limit")
    best = 0.0
    for chosen in itertools.product((0, 1), repeat=len(items)):
        picked = {i for i, c in zip(items, chosen, strict=True) if c}
        if sum(weight[(i,)] for i in picked) <= limit and ("tent" not in picked or "rope" in picked):
            best = max(best, sum(value[(i,)] for i in picked))
    assert best == KNOWN["knapsack.json"][1]
    assert len(items) == 8


def test_assignment_optimum_by_enumerating_permutations() -> None:
    spec = _spec_json("assignment.json")
    workers, tasks = spec["sets"][0]["elements"], spec["sets"][1]["elements"]
    hours = _values(spec, "hours")
    default = spec["parameters"][0]["default"]
    totals = sorted(
        sum(hours.get((w, t), default) for w, t in zip(workers, perm, strict=True))
        for perm in itertools.permutations(tasks)
    )
    assert totals[0] == KNOWN["assignment.json"][1]
    assert totals[1] > totals[0], "the optimum is unique, so the solution below is the only right one"
    result = _solve("assignment.json")
    chosen = sorted(name for name, v in result.variables.items() if v > 0.5)
    assert chosen == ["assign[Ann,weld]", "assign[Bob,paint]", "assign[Cid,wire]", "assign[Dee,test]"]


def test_production_planning_optimum_by_dynamic_programming() -> None:
    """Integer data and a network matrix: the LP optimum is attained at integer stock levels, so a DP over them
    finds it exactly."""
    d = _data("production_planning")
    demand, cost, cap, hold = d["demand"], d["prod_cost"], d["capacity"], d["hold_cost"]
    top = sum(demand) + d["initial_stock"]
    best: dict[int, float] = {d["initial_stock"]: 0.0}  # stock carried in -> cheapest cost so far
    for t, need in enumerate(demand):
        nxt: dict[int, float] = {}
        for stock, so_far in best.items():
            for make in range(cap + 1):
                left = stock + make - need
                if 0 <= left <= top:
                    total = so_far + cost[t] * make + hold * left
                    if total < nxt.get(left, np.inf):
                        nxt[left] = total
        best = nxt
    assert min(best.values()) == KNOWN["production_planning"][1]


def test_diet_optimum_by_a_dominance_argument() -> None:
    """Every diet has >= 2000 calories, so it costs at least 2000 x the cheapest price per calorie; the
    all-oats diet reaches that bound and meets every other range, so it is optimal."""
    spec = _spec_json("diet.json")
    price, content = _values(spec, "price"), _values(spec, "content")
    low, high = _values(spec, "low"), _values(spec, "high")
    foods = spec["sets"][0]["elements"]
    per_calorie = {f: price[(f,)] / content[("calories", f)] for f in foods}
    cheapest = min(per_calorie, key=per_calorie.__getitem__)
    assert cheapest == "oats"
    portions = low[("calories",)] / content[("calories", "oats")]
    assert portions <= 6  # the variable's upper bound
    for (nutrient,), lo in low.items():
        assert lo - 1e-9 <= content[(nutrient, "oats")] * portions <= high[(nutrient,)] + 1e-9
    assert portions * price[("oats",)] == pytest.approx(KNOWN["diet.json"][1], rel=1e-12)
    assert _solve("diet.json").variables["eat[oats]"] == pytest.approx(portions, rel=1e-6)


def test_facility_location_optimum_by_enumerating_open_sets() -> None:
    d = _data("facility_location")
    cost = np.array(d["unit_cost"], float)
    cap, demand, fixed = (np.array(d[k], float) for k in ("capacity", "demand", "fixed_cost"))
    m, n = cost.shape
    a_ub = np.kron(np.eye(m), np.ones(n))  # row i: sum over customers of serve[i, :]
    a_eq = np.kron(np.ones(m), np.eye(n))  # row j: sum over warehouses of serve[:, j]
    best = np.inf
    for opened in itertools.product((0, 1), repeat=m):
        lp = linprog(cost.ravel(), A_ub=a_ub, b_ub=cap * opened, A_eq=a_eq, b_eq=demand, method="highs")
        if lp.status == 0:
            best = min(best, lp.fun + float(np.dot(opened, fixed)))
    assert best == pytest.approx(KNOWN["facility_location"][1], rel=1e-9)


def test_facility_location_uses_data_by_name_and_a_big_m_link() -> None:
    loaded = load_input(EXAMPLES / "facility_location")
    spec = loaded.spec
    assert spec is not None and loaded.compiled is not None
    assert {s.name: (s.range is not None, s.elements_from) for s in spec.sets} == {
        "W": (True, None), "C": (False, "customers")}
    assert all(p.data_key for p in spec.parameters)
    model = loaded.model
    row = model.row_names.index("capacity_if_open[2]")
    terms = dict(model.row_terms(row))
    assert terms["open[2]"] == -60.0  # capacity[2] * open[2] moved to the left-hand side
    assert all(terms[f"serve[2,{c}]"] == 1.0 for c in _data("facility_location")["customers"])
    assert model.row_upper[row] == 0.0


def test_production_planning_uses_index_arithmetic_from_month_one() -> None:
    model = load_input(EXAMPLES / "production_planning").model
    assert [r for r in model.row_names if r.startswith("balance")] == [f"balance[{t}]" for t in range(1, 6)]
    assert dict(model.row_terms(model.row_names.index("balance[3]"))) == {
        "make[3]": -1.0, "stock[2]": -1.0, "stock[3]": 1.0}
    assert model.upper[model.var_names.index("make[4]")] == 70.0  # "upper": "capacity" from data.json


# ------------------------------------------------------------------------------ infeasibility
INFEASIBLE_ROWS = {"carpentry", "chair_order", "table_order"}


def test_infeasible_example_iis_names_the_conflicting_constraints() -> None:
    result = _solve("infeasible.json")
    assert result.status is SolveStatus.INFEASIBLE
    assert result.iis is not None
    assert set(result.iis.rows) == INFEASIBLE_ROWS
    assert any("chairs >= 16" in text for text in result.iis.rows_text)


@pytest.mark.parametrize("dropped", sorted(INFEASIBLE_ROWS))
def test_infeasible_example_needs_every_constraint_of_its_iis(dropped: str) -> None:
    spec = _spec_json("infeasible.json")
    spec["constraints"] = [c for c in spec["constraints"] if c["name"] != dropped]
    assert _feasible(spec)


def _feasible(spec: dict[str, Any]) -> bool:
    """Whether the constraints of `spec` can be met (its objective is replaced by 0: only feasibility counts)."""
    spec = {**spec, "objective": {**spec["objective"], "expression": "0"}}
    return highs.solve(compile_spec(ModelSpec.model_validate(spec)).model).status is SolveStatus.OPTIMAL


def _iis_is_irreducible(spec: dict[str, Any]) -> bool:
    result = highs.solve(compile_spec(ModelSpec.model_validate(spec)).model)
    assert result.status is SolveStatus.INFEASIBLE and result.iis is not None
    for dropped in result.iis.rows:
        rest = copy.deepcopy(spec)
        rest["constraints"] = [c for c in rest["constraints"] if c["name"] in result.iis.rows and c["name"] != dropped]
        if not _feasible(rest):
            return False
    return True


def test_iis_is_irreducible_when_one_order_alone_overbooks() -> None:
    spec = _spec_json("infeasible.json")
    next(c for c in spec["constraints"] if c["name"] == "chair_order")["expression"] = "chairs >= 25"
    assert _iis_is_irreducible(spec)


# ------------------------------------------------------------------------------ README
_README_ROW = re.compile(r"^\| `(?P<name>[^`]+)` \|.*\| `(?P<command>milpflow solve [^`]+)` \|$")


def _readme_rows() -> list[tuple[str, str]]:
    text = (EXAMPLES / "README.md").read_text()
    return [(m["name"].rstrip("/"), m["command"]) for m in map(_README_ROW.match, text.splitlines()) if m]


def test_readme_lists_every_example_once() -> None:
    names = [name for name, _ in _readme_rows()]
    assert sorted(names) == _example_names()


@pytest.mark.parametrize(("name", "command"), _readme_rows(), ids=[n for n, _ in _readme_rows()])
def test_readme_command_gives_the_documented_result(
    name: str, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    assert args[:2] == ["solve", f"examples/{name}"]
    result = CliRunner().invoke(app, [*args, "--json"])
    payload = json.loads(result.stdout)
    status, optimum = KNOWN[name]
    assert payload["status"] == status.value
    assert result.exit_code == (0 if status is SolveStatus.OPTIMAL else 3)
    if optimum is not None:
        assert payload["objective"] == pytest.approx(optimum, rel=1e-6)
    readme_line = next(line for line in (EXAMPLES / "README.md").read_text().splitlines() if f"`{command}`" in line)
    documented = re.search(r"\| (optimal|infeasible) ?([0-9.]*)", readme_line)
    assert documented is not None and documented[1] == status.value
    if optimum is not None:
        assert float(documented[2]) == pytest.approx(optimum, rel=1e-6)
