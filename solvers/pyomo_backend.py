"""Pyomo backend: a `LinearModel` as a Pyomo model, solved through Pyomo's HiGHS interface.

Why: interoperability (a Pyomo model can be handed to any Pyomo solver or inspected with Pyomo's tools)
and an independent cross-check of the direct HiGHS path — the two share the numbers but not the matrix
hand-off, bounds handling, status mapping or result extraction.

`build_pyomo_from_linear(model)` mirrors a flat model as indexed components ``x[j]`` and ``c[i]``; a model
compiled from a ModelSpec gets a richer, spec-named mirror from `formulation.pyomo_mirror`, which builds its
components with the expression helpers here and solves through `solve_pyomo_model`. Either way the
constraint bodies come from the matrix (coefficient × Pyomo variable): no model text is interpreted here.

`solve` maps every Pyomo `TerminationCondition` explicitly (`status_map`). Pyomo has no IIS facility, so
for an infeasible model the IIS is computed by the direct HiGHS backend on the same matrix.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from solvers.arrays import FloatArray
from solvers.linear import LinearModel, ObjectiveSense
from solvers.quiet import consume_banner
from solvers.result import SolveOptions, SolveResult, SolveStatus

if TYPE_CHECKING:
    import pyomo.environ as pyo

__all__ = [
    "BACKEND_NAME", "bound_or_none", "build_pyomo_from_linear", "index_key", "linear_expression", "row_expression",
    "solve", "solve_pyomo_model", "status_map",
]

BACKEND_NAME = "pyomo-highs"


def status_map() -> dict[Any, SolveStatus]:
    """Every Pyomo TerminationCondition → SolveStatus (imported lazily: Pyomo costs ~0.5 s to import)."""
    from pyomo.contrib.solver.common.results import TerminationCondition as TC

    return {
        TC.convergenceCriteriaSatisfied: SolveStatus.OPTIMAL,
        TC.provenInfeasible: SolveStatus.INFEASIBLE,
        TC.locallyInfeasible: SolveStatus.INFEASIBLE,
        TC.unbounded: SolveStatus.UNBOUNDED,
        TC.infeasibleOrUnbounded: SolveStatus.INFEASIBLE_OR_UNBOUNDED,
        TC.maxTimeLimit: SolveStatus.TIME_LIMIT,
        TC.iterationLimit: SolveStatus.OTHER_LIMIT,
        TC.objectiveLimit: SolveStatus.OTHER_LIMIT,
        TC.minStepLength: SolveStatus.OTHER_LIMIT,
        TC.interrupted: SolveStatus.OTHER_LIMIT,
        TC.emptyModel: SolveStatus.OPTIMAL,
        TC.error: SolveStatus.ERROR,
        TC.licensingProblems: SolveStatus.ERROR,
        TC.unknown: SolveStatus.ERROR,
    }


def build_pyomo_from_linear(model: LinearModel) -> pyo.ConcreteModel:
    """A flat indexed Pyomo model (``x[j]``, ``c[i]``) for a LinearModel read from a file."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name=model.name)
    m.J = pyo.RangeSet(0, model.num_vars - 1)
    m.I = pyo.RangeSet(0, model.num_rows - 1)

    def domain(_m: Any, j: int) -> Any:
        return pyo.Integers if model.integrality[j] else pyo.Reals

    def bounds(_m: Any, j: int) -> tuple[float | None, float | None]:
        return bound_or_none(float(model.lower[j])), bound_or_none(float(model.upper[j]))

    m.x = pyo.Var(m.J, domain=domain, bounds=bounds)
    columns = [m.x[j] for j in range(model.num_vars)]
    m.c = pyo.Constraint(m.I, rule=lambda _m, i: row_expression(model, i, columns))
    m.objective = pyo.Objective(expr=linear_expression(model.objective, columns) + model.objective_constant,
                                sense=pyo.maximize if model.sense is ObjectiveSense.MAXIMIZE else pyo.minimize)
    m._milpflow_columns = columns
    m._milpflow_rows = [m.c[i] for i in range(model.num_rows)]
    return m


def solve(model: LinearModel, options: SolveOptions | None = None) -> SolveResult:
    """Mirror `model` in Pyomo and solve it with Pyomo's HiGHS interface; same result contract as HiGHS direct."""
    return solve_pyomo_model(build_pyomo_from_linear(model), model, options)


def solve_pyomo_model(
    m: pyo.ConcreteModel, lin: LinearModel, options: SolveOptions | None = None,
) -> SolveResult:
    """Solve a Pyomo mirror of `lin` (built here or by `formulation.pyomo_mirror`).

    Contract: `m` carries ``_milpflow_columns`` (column j of `lin` → its Pyomo variable) and ``_milpflow_rows``
    (row i → its Pyomo constraint); results are reported under `lin`'s names.
    """
    from pyomo.contrib.solver.common.factory import SolverFactory

    consume_banner()  # Pyomo constructs its own Highs: the banner must not reach stdout
    options = options or SolveOptions()
    solver = SolverFactory("highs")
    config: dict[str, Any] = {"load_solutions": False, "raise_exception_on_nonoptimal_result": False,
                              "tee": False}
    if options.time_limit is not None:
        config["time_limit"] = options.time_limit
    if options.mip_gap is not None:
        config["rel_gap"] = options.mip_gap
    if options.threads is not None:
        config["threads"] = options.threads
    started = time.perf_counter()
    try:
        results = solver.solve(m, **config)
    except Exception as exc:  # noqa: BLE001 - failures are reported, never allowed to crash the command
        return SolveResult(status=SolveStatus.ERROR, backend=BACKEND_NAME, message=f"Pyomo/HiGHS failed: {exc}",
                           solve_seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    status = status_map().get(results.termination_condition, SolveStatus.ERROR)
    result = SolveResult(status=status, backend=BACKEND_NAME, solve_seconds=seconds,
                         native_status=str(results.termination_condition.name))
    if options.keep_log:
        result.log = getattr(results, "solver_log", None)
    if status.is_not_solvable:
        if status is SolveStatus.INFEASIBLE and options.compute_iis:
            from solvers import highs

            result.iis = highs.solve(lin, options).iis
        if status is SolveStatus.UNBOUNDED:
            from solvers import highs

            result.unbounded_hint = highs.solve(lin, options).unbounded_hint
        return result
    if results.incumbent_objective is None:
        return result
    results.solution_loader.load_vars()
    columns = m._milpflow_columns
    result.variables = {name: float(v.value if v.value is not None else 0.0)
                        for name, v in zip(lin.var_names, columns, strict=True)}
    result.objective = float(results.incumbent_objective)
    bound = results.objective_bound
    if lin.is_mip:
        if bound is not None and math.isfinite(bound):
            result.bound = float(bound)
            result.gap = abs(result.objective - result.bound) / max(1e-10, abs(result.objective))
    elif status is SolveStatus.OPTIMAL:
        result.bound, result.gap = result.objective, 0.0
        duals = results.solution_loader.get_duals()
        result.duals = {name: float(duals.get(row, 0.0)) for name, row in zip(lin.row_names, m._milpflow_rows,
                                                                               strict=True)}
    return result


def index_key(key: tuple[Any, ...]) -> Any:
    """A Pyomo index: the element itself for one-dimensional keys, the tuple otherwise."""
    return key[0] if len(key) == 1 else key


def bound_or_none(value: float) -> float | None:
    """A Pyomo bound: None for an infinite one."""
    return None if math.isinf(value) else float(value)


def linear_expression(coefficients: FloatArray, columns: list[Any]) -> Any:
    """Σ coefficients[j] · columns[j] over the non-zeros, as a Pyomo expression."""
    from pyomo.environ import quicksum

    nz = np.flatnonzero(coefficients)
    return quicksum(float(coefficients[j]) * columns[j] for j in nz) if len(nz) else 0.0


def row_expression(model: LinearModel, i: int, columns: list[Any]) -> Any:
    """Row i of `model` as a Pyomo constraint expression (equality, range, or Feasible/Infeasible if empty)."""
    from pyomo.environ import Constraint, quicksum

    start, stop = model.A.indptr[i], model.A.indptr[i + 1]
    terms = [(float(a), columns[int(j)]) for j, a in zip(model.A.indices[start:stop], model.A.data[start:stop],
                                                           strict=True)]
    if not terms:
        return Constraint.Feasible if model.row_lower[i] <= 0 <= model.row_upper[i] else Constraint.Infeasible
    body = quicksum(a * v for a, v in terms)
    lo, hi = bound_or_none(model.row_lower[i]), bound_or_none(model.row_upper[i])
    if lo is not None and hi is not None and lo == hi:
        return body == lo
    return (lo, body, hi)
