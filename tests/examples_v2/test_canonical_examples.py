"""The five canonical v2 examples: optima found by brute force, then matched by Pyomo and by the v2 compiler.

Guards: each `examples/<name>/model.json` reads every number from its `data.json` (no numeric literal but 0, 1 and
exponents in a statement), so the same model must also solve `ALT_DATA[name]`, a second data set of the same shape; the
optimum of both data sets is computed here without milpflow or any MILP solver (every tour, every machine order,
every set of open arcs with an LP, every integer split, every integer plan); the pinned optimum of the shipped
data (`EXPECTED`, also in `examples/README.md`) is that brute force; the idiomatic Pyomo scripts in
`benchmarks/pyomo_scripts/` print the same optimum on both data sets; and the v2 compiler
(`formulation.v2.compiler.compile_v2`, priorities through `solvers.lexicographic.solve_lexicographic`) reaches
the same optimum on both data sets.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import runpy
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from solvers.api import solve
from solvers.result import SolveStatus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PYOMO_SCRIPTS = ROOT / "benchmarks" / "pyomo_scripts"
NAMES = ["tsp", "job_shop", "fixed_charge", "quantity_discount", "lexicographic"]
Data = dict[str, Any]
Optimum = tuple[float, ...]  # one value per priority


# ------------------------------------------------------------------------------ brute force
def tsp_brute_force(d: Data) -> Optimum:
    """Every closed tour from point 0 (each direction once): (n-1)!/2 tours."""
    pts = list(zip(d["x"], d["y"], strict=True))
    rest = range(1, len(pts))
    best = math.inf
    for perm in itertools.permutations(rest):
        if perm[0] > perm[-1]:  # the reversed tour has the same length
            continue
        tour = (0, *perm, 0)
        best = min(best, sum(math.dist(pts[a], pts[b]) for a, b in itertools.pairwise(tour)))
    return (best,)


def job_shop_brute_force(d: Data) -> Optimum:
    """Every order of the operations on every machine; an acyclic one gives its earliest-start makespan."""
    ops = d["operations"]
    by_machine: dict[str, list[int]] = defaultdict(list)
    by_job: dict[str, list[int]] = defaultdict(list)
    for k, o in enumerate(ops):
        by_machine[o["machine"]].append(k)
        by_job[o["job"]].append(k)
    job_edges = [
        (a, b) for seq in by_job.values() for a, b in itertools.pairwise(sorted(seq, key=lambda k: ops[k]["step"]))
    ]
    best = math.inf
    for orders in itertools.product(*(itertools.permutations(seq) for seq in by_machine.values())):
        edges = job_edges + [e for order in orders for e in itertools.pairwise(order)]
        preds: dict[int, list[int]] = defaultdict(list)
        for a, b in edges:
            preds[b].append(a)
        start: dict[int, float] = {}
        pending = set(range(len(ops)))
        while pending:
            ready = [k for k in pending if all(p in start for p in preds[k])]
            if not ready:  # a cycle: these machine orders contradict the job orders
                break
            for k in ready:
                start[k] = max((start[p] + ops[p]["duration"] for p in preds[k]), default=0.0)
                pending.discard(k)
        if not pending:
            best = min(best, max(start[k] + ops[k]["duration"] for k in start))
    return (best,)


def fixed_charge_brute_force(d: Data) -> Optimum:
    """Every set of open arcs (2^|arcs|), each with the min-cost flow LP on the open arcs plus their fixed costs."""
    nodes, arcs = d["nodes"], d["arcs"]
    names = list(nodes)
    a_eq = np.zeros((len(names), len(arcs)))
    for k, a in enumerate(arcs):
        a_eq[names.index(a["from"]), k] += 1.0
        a_eq[names.index(a["to"]), k] -= 1.0
    b_eq = np.array([nodes[n] for n in names], dtype=float)
    cost = np.array([a["cost"] for a in arcs], dtype=float)
    best = math.inf
    for open_ in itertools.product([0, 1], repeat=len(arcs)):
        bounds = [(0.0, a["capacity"] * o) for a, o in zip(arcs, open_, strict=True)]
        res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status == 0:
            best = min(best, res.fun + sum(a["fixed"] * o for a, o in zip(arcs, open_, strict=True)))
    return (best,)


def quantity_discount_brute_force(d: Data) -> Optimum:
    """Every integer split qa + qb = demand. Both cost functions are linear between integer kinks, so an integer
    split is optimal among all splits."""
    br, pr = d["a_breaks"], d["a_prices"]

    def cost_a(q: int) -> float:
        return sum(p * max(0, min(q, hi) - lo) for lo, hi, p in zip(br[:-1], br[1:], pr, strict=True))

    best = math.inf
    for qa in range(math.ceil(br[0]), math.floor(br[-1]) + 1):
        qb = d["demand"] - qa
        if 0 <= qb <= d["b_max"]:
            best = min(best, cost_a(qa) + d["b_price"] * qb + (d["b_fixed"] if qb > 0 else 0.0))
    return (best,)


def lexicographic_brute_force(d: Data) -> Optimum:
    """Every integer plan within the capacities: the highest profit, then the least labour among those plans."""
    n = len(d["profit"])
    tops = [min(d["machine_cap"] // d["machine"][i], d["labour_cap"] // d["labour"][i]) for i in range(n)]
    plans = [
        (sum(d["profit"][i] * x[i] for i in range(n)), sum(d["labour"][i] * x[i] for i in range(n)))
        for x in itertools.product(*(range(int(t) + 1) for t in tops))
        if sum(d["machine"][i] * x[i] for i in range(n)) <= d["machine_cap"]
        and sum(d["labour"][i] * x[i] for i in range(n)) <= d["labour_cap"]
    ]
    profit = max(p for p, _ in plans)
    return (profit, min(lab for p, lab in plans if p >= profit - 1e-9))


BRUTE_FORCE: dict[str, Callable[[Data], Optimum]] = {
    "tsp": tsp_brute_force,
    "job_shop": job_shop_brute_force,
    "fixed_charge": fixed_charge_brute_force,
    "quantity_discount": quantity_discount_brute_force,
    "lexicographic": lexicographic_brute_force,
}

# The shipped data's optimum (examples/README.md quotes these).
EXPECTED: dict[str, Optimum] = {
    "tsp": (33.64004917703279,),
    "job_shop": (11.0,),
    "fixed_charge": (139.0,),
    "quantity_discount": (3040.0,),
    "lexicographic": (1800.0, 80.0),
}


def _ops(jobs: dict[str, list[tuple[str, int]]]) -> list[dict[str, Any]]:
    return [
        {"job": j, "step": k, "machine": m, "duration": p}
        for j, steps in jobs.items()
        for k, (m, p) in enumerate(steps, start=1)
    ]


def _arcs(rows: list[tuple[str, str, int, int, int]]) -> list[dict[str, Any]]:
    return [{"from": f, "to": t, "capacity": c, "cost": u, "fixed": x} for f, t, c, u, x in rows]


# A second data set of each shape: the same model.json must solve it too.
ALT_DATA: dict[str, Data] = {
    "tsp": {"x": [1, 8, 3, 6, 9, 2, 5, 7], "y": [5, 2, 9, 7, 4, 1, 0, 8]},
    "job_shop": {
        "operations": _ops(
            {
                "J0": [("M1", 2), ("M0", 4), ("M2", 1)],
                "J1": [("M2", 3), ("M1", 3), ("M0", 2)],
                "J2": [("M0", 2), ("M2", 2), ("M1", 3)],
            }
        )
    },
    "fixed_charge": {
        "nodes": {"p": 9, "q": 6, "h": 0, "d1": -8, "d2": -7},
        "arcs": _arcs(
            [
                ("p", "h", 12, 1, 18),
                ("q", "h", 10, 1, 14),
                ("p", "d1", 6, 4, 6),
                ("q", "d2", 5, 5, 4),
                ("h", "d1", 10, 2, 11),
                ("h", "d2", 10, 2, 9),
                ("p", "d2", 4, 6, 3),
                ("q", "d1", 3, 3, 2),
            ]
        ),
    },
    "quantity_discount": {
        "demand": 500,
        "a_breaks": [0, 100, 250, 450],
        "a_prices": [6, 5, 4.2],
        "b_price": 4.8,
        "b_fixed": 120,
        "b_max": 250,
    },
    "lexicographic": {"profit": [24, 16], "machine": [3, 2], "labour": [2, 3], "machine_cap": 100, "labour_cap": 150},
}


def _data(name: str) -> Data:
    return json.loads((EXAMPLES / name / "data.json").read_text())


def _spec(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name / "model.json").read_text())


def _cases() -> list[Any]:
    return [pytest.param(n, which, id=f"{n}-{which}") for n in NAMES for which in ("shipped", "alt")]


def _case_data(name: str, which: str) -> Data:
    return _data(name) if which == "shipped" else ALT_DATA[name]


# ------------------------------------------------------------------------------ the examples themselves
@pytest.mark.parametrize("name", NAMES)
def test_model_takes_every_number_from_the_data(name: str) -> None:
    spec = _spec(name)
    assert set(spec) == {"plan", "assumptions", "sets", "parameters", "variables", "objectives", "constraints"}
    for field in ("sets", "parameters", "variables", "objectives", "constraints"):
        for statement in spec[field]:
            tree = ast.parse(statement)
            exponents = {id(n.right) for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow)}
            literals = {
                n.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and type(n.value) in (int, float) and id(n) not in exponents
            }
            assert literals <= {0, 1}, f"{name}: {statement!r} has a number of its own"


def _shape(v: Any) -> Any:
    """Keys and types all the way down; a list is described by its first element."""
    if isinstance(v, dict):
        return {k: _shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_shape(v[0])] if v else []
    return type(v).__name__ if isinstance(v, str | bool) else "number"


@pytest.mark.parametrize("name", NAMES)
def test_alt_data_has_the_shape_of_the_shipped_data(name: str) -> None:
    shipped, alt = _data(name), ALT_DATA[name]
    assert set(shipped) == set(alt)
    for key in shipped:
        if key == "nodes":  # keyed by labels of its own: only the values' shape must agree
            assert {str(_shape(v)) for v in shipped[key].values()} == {str(_shape(v)) for v in alt[key].values()}
        else:
            assert _shape(shipped[key]) == _shape(alt[key]), key


@pytest.mark.parametrize("name", NAMES)
def test_brute_force_gives_the_pinned_optimum(name: str) -> None:
    assert BRUTE_FORCE[name](_data(name)) == pytest.approx(EXPECTED[name], rel=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_brute_force_of_the_alt_data_is_finite(name: str) -> None:
    assert all(math.isfinite(v) for v in BRUTE_FORCE[name](ALT_DATA[name]))


def test_readme_quotes_every_pinned_optimum() -> None:
    text = (EXAMPLES / "README.md").read_text()
    for name, optimum in EXPECTED.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}/`"))
        for value in optimum:
            assert f"{value:g}" in row, (name, value, row)


# ------------------------------------------------------------------------------ the idiomatic Pyomo scripts
def run_script(script: Path, data: Data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> str:
    """Run a Pyomo script as `python script data.json` would, in this process (Pyomo is imported once)."""
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    monkeypatch.setattr(sys, "argv", [str(script), str(path)])
    capsys.readouterr()
    runpy.run_path(str(script), run_name="__main__")
    return str(capsys.readouterr().out)


@pytest.mark.parametrize(("name", "which"), _cases())
def test_pyomo_script_prints_the_brute_force_optimum(
    name: str, which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _case_data(name, which)
    out = run_script(PYOMO_SCRIPTS / f"{name}.py", data, tmp_path, monkeypatch, capsys)
    printed = tuple(float(v) for v in out.strip().splitlines()[-1].split())
    assert printed == pytest.approx(BRUTE_FORCE[name](data), rel=1e-6, abs=1e-5)


# ------------------------------------------------------------------------------ the v2 compiler
def _v2_optimum(name: str, data: Data) -> Optimum:
    """Compile and solve through milpflow's v2 path; the optimum of each priority in order."""
    from formulation.v2.compiler import compile_v2
    from formulation.v2.solving import variable_values
    from formulation.v2.spec import SpecV2
    from solvers.lexicographic import solve_lexicographic

    compiled = compile_v2(SpecV2.model_validate(_spec(name)), data)
    outcome = solve_lexicographic(compiled.model, compiled.objectives)
    assert outcome.complete, outcome.message
    values = tuple(v for v in outcome.objectives if v is not None)
    assert len(values) == len(compiled.objectives)
    if len(values) == 1:  # the model's own objective is the only priority: a plain solve agrees
        plain = solve(compiled.model)
        assert plain.status is SolveStatus.OPTIMAL and plain.objective == pytest.approx(values[0], rel=1e-6, abs=1e-5)
    if name == "lexicographic":  # both priorities re-evaluated from the plan itself
        plan = variable_values(compiled, outcome)["x"]
        x = [plan[(i,)] for i in range(len(data["profit"]))]
        assert sum(m * v for m, v in zip(data["machine"], x, strict=True)) <= data["machine_cap"] + 1e-6
        assert sum(h * v for h, v in zip(data["labour"], x, strict=True)) <= data["labour_cap"] + 1e-6
        assert values == pytest.approx(
            (
                sum(p * v for p, v in zip(data["profit"], x, strict=True)),
                sum(h * v for h, v in zip(data["labour"], x, strict=True)),
            )
        )
    return values


@pytest.mark.parametrize(("name", "which"), _cases())
def test_v2_model_solves_to_the_brute_force_optimum(name: str, which: str) -> None:
    data = _case_data(name, which)
    assert _v2_optimum(name, data) == pytest.approx(BRUTE_FORCE[name](data), rel=1e-6, abs=1e-5)
