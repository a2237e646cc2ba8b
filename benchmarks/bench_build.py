"""Model-building overhead: ModelSpec → LinearModel → HiGHS versus handing the matrix to highspy directly.

A transport model (P plants × M markets, data in a data.json-style dict, the spec refers to it by name)
with about 100k non-zeros is built three ways in one process:

* **baseline** – the same CSR matrix, already in memory, passed with ``Highs.passModel`` (the floor);
* **milpflow** – ``compile_spec`` (parse, check, expand, assemble CSR) plus the same ``passModel``, once with the
  vectorised expansion (the default) and once with it disabled (``CompileOptions(vectorize=False)``: every
  term through the closures), so the gain is visible in one run;
* **pyomo**    – ``compile_spec`` plus building the indexed Pyomo ``ConcreteModel`` that mirrors the spec,
  then Pyomo's HiGHS interface translating it (measured as its solve call minus HiGHS' own run time).

Each build is timed best-of-N; the ratios to the baseline are printed from one run (the machine is noisy,
so compare ratios, not seconds). Run: ``.venv/bin/python benchmarks/bench_build.py [--plants 200 --markets 250]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from formulation.compile import CompiledModel, CompileOptions, DataValue, compile_spec
from formulation.spec import ModelSpec
from solvers.highs import build_highs


def transport_spec() -> ModelSpec:
    return ModelSpec.model_validate({
        "name": "transport-bench", "description": None,
        "sets": [
            {"name": "P", "description": None, "elements": None, "elements_from": None,
             "range": {"start": 0, "size": None, "size_from": "supply", "axis": None}},
            {"name": "M", "description": None, "elements": None, "elements_from": None,
             "range": {"start": 0, "size": None, "size_from": "demand", "axis": None}},
        ],
        "parameters": [
            {"name": name, "description": None, "indices": idx, "value": None, "values": None,
             "data_key": name, "default": None}
            for name, idx in (("supply", ["P"]), ("demand", ["M"]), ("cost", ["P", "M"]))
        ],
        "variables": [{"name": "ship", "description": None, "indices": ["P", "M"], "domain": "continuous",
                       "lower": None, "upper": None}],
        "objective": {"sense": "minimize", "description": None,
                      "expression": "sum(cost[i,j] * ship[i,j] for i in P for j in M)"},
        "constraints": [
            {"name": "supply_limit", "description": None, "forall": "i in P",
             "expression": "sum(ship[i,j] for j in M) <= supply[i]"},
            {"name": "meet_demand", "description": None, "forall": "j in M",
             "expression": "sum(ship[i,j] for i in P) >= demand[j]"},
        ],
    })


def transport_data(plants: int, markets: int, seed: int = 7) -> dict[str, DataValue]:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(10, 100, markets)
    supply = rng.uniform(10, 100, plants)
    supply *= 1.2 * demand.sum() / supply.sum()
    return {"supply": supply.tolist(), "demand": demand.tolist(),
            "cost": rng.uniform(1, 50, (plants, markets)).tolist()}


def best_of(repeats: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plants", type=int, default=200)
    parser.add_argument("--markets", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-pyomo", action="store_true")
    args = parser.parse_args()

    spec, data = transport_spec(), transport_data(args.plants, args.markets)
    compiled: CompiledModel = compile_spec(spec, data)
    model = compiled.model
    print(f"model: {model.summary()}")

    t_base, _ = best_of(args.repeats * 3, lambda: build_highs(model))
    t_compile, _ = best_of(args.repeats, lambda: compile_spec(spec, data))
    t_milpflow = t_compile + t_base
    closures = CompileOptions(vectorize=False)
    t_closures, _ = best_of(max(1, args.repeats // 2), lambda: compile_spec(spec, data, closures))

    rows = [
        ("highspy passModel (baseline)", t_base),
        ("milpflow compile + passModel", t_milpflow),
        ("  same, vectorize=False (closures only)", t_closures + t_base),
    ]
    if not args.no_pyomo:
        from formulation.pyomo_mirror import build_pyomo_model

        t_pyomo_build, _ = best_of(1, lambda: build_pyomo_model(compiled))
        rows.append(("milpflow compile + Pyomo model build", t_compile + t_pyomo_build))

    print(f"{'path':<42}{'seconds':>10}{'× baseline':>12}")
    for label, seconds in rows:
        print(f"{label:<42}{seconds:>10.4f}{seconds / t_base:>12.1f}")
    per_nnz_us = 1e6 * t_compile / max(1, model.nnz + model.num_vars)
    print(f"compile cost: {per_nnz_us:.2f} µs per (non-zero + objective term)")


if __name__ == "__main__":
    main()
