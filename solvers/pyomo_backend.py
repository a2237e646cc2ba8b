"""Pyomo backend: an *indexed* Pyomo model that mirrors the spec, solved through Pyomo's HiGHS interface.

Why: interoperability (a Pyomo model can be handed to any Pyomo solver or inspected with Pyomo's tools)
and an independent cross-check of the direct HiGHS path — the two share the compiled numbers but not the
matrix hand-off, bounds handling, status mapping or result extraction.

`build_pyomo_model(compiled)` creates one ``Set`` per spec set, one ``Param`` per parameter, one ``Var``
per variable indexed over its sets, one ``Constraint`` per constraint family indexed over its forall
bindings, and the ``Objective``, all named as in the spec. Constraint bodies come from the compiled rows
(coefficient × the Pyomo variable of each column): model text is never re-parsed or evaluated here, so the
one safe expression compiler stays the only interpreter of LLM output. Models that come from LP/MPS files
have no spec; `build_pyomo_from_linear` mirrors them as flat indexed components ``x[j]`` and ``c[i]``.

`solve` maps every Pyomo `TerminationCondition` explicitly (`STATUS_MAP`). Pyomo has no IIS facility, so
for an infeasible model the IIS is computed by the direct HiGHS backend on the same compiled matrix.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from solvers.compile import CompiledModel
from solvers.linear import LinearModel, ObjectiveSense
from solvers.quiet import consume_banner
from solvers.result import SolveOptions, SolveResult, SolveStatus

if TYPE_CHECKING:
    import pyomo.environ as pyo

__all__ = ["BACKEND_NAME", "build_pyomo_from_linear", "build_pyomo_model", "solve", "status_map"]

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


def _component_name(model: pyo.ConcreteModel, name: str) -> str:
    """`name`, or `name_` if Pyomo's Block already has an attribute of that name (e.g. ``name``, ``solve``)."""
    return name if not hasattr(model, name) else f"{name}_"


def build_pyomo_model(compiled: CompiledModel) -> pyo.ConcreteModel:
    """The indexed Pyomo mirror of a compiled spec (see the module docstring)."""
    import pyomo.environ as pyo

    spec, lin, scope = compiled.spec, compiled.model, compiled.scope
    m = pyo.ConcreteModel(name=spec.name)
    names: dict[str, str] = {}  # spec name -> Pyomo component name (differs only on a clash with Block)

    def add(spec_name: str, component: Any) -> Any:
        names[spec_name] = _component_name(m, spec_name)
        m.add_component(names[spec_name], component)
        return getattr(m, names[spec_name])

    for set_name, elements in scope.sets.items():
        add(set_name, pyo.Set(initialize=list(elements), ordered=True))
    for param in scope.params.values():
        if param.indices:
            index_sets = [getattr(m, names[s]) for s in param.indices]
            values = {(k[0] if len(k) == 1 else k): v for k, v in param.values.items()}
            extra = {"default": param.default} if param.default is not None else {}
            component = pyo.Param(*index_sets, initialize=values, mutable=False, within=pyo.Reals, **extra)
        else:
            component = pyo.Param(initialize=param.value, within=pyo.Reals, mutable=False)
        add(param.name, component)

    columns: list[Any] = [None] * lin.num_vars
    by_variable: dict[str, list[tuple[tuple[Any, ...], int]]] = defaultdict(list)
    for j, (var_name, key) in enumerate(compiled.column_keys):
        by_variable[var_name].append((key, j))
    for var in spec.variables:
        domain = pyo.Binary if var.domain == "binary" else pyo.Integers if var.domain == "integer" else pyo.Reals
        entries = by_variable.get(var.name, [])
        bounds = {(_index(k)): (_bound(lin.lower[j]), _bound(lin.upper[j])) for k, j in entries}
        if var.indices:
            index_sets = [getattr(m, names[s]) for s in var.indices]
            component = add(var.name, pyo.Var(*index_sets, domain=domain,
                                              bounds=lambda _m, *k, b=bounds: b[_index(k)]))
            for key, j in entries:
                columns[j] = component[_index(key)]
        else:
            lo, hi = bounds[_index(())]
            columns[entries[0][1]] = add(var.name, pyo.Var(domain=domain, bounds=(lo, hi)))

    rows_by_family: dict[str, list[tuple[tuple[Any, ...], int]]] = defaultdict(list)
    for i, (family, key) in enumerate(compiled.row_keys):
        rows_by_family[family].append((key, i))
    for con in spec.constraints:
        entries = rows_by_family.get(con.name, [])
        if con.forall is None:
            (_, i), = entries
            add(con.name, pyo.Constraint(expr=_row_expr(lin, i, columns)))
            continue
        keys = [_index(k) for k, _ in entries]
        rows = {_index(k): i for k, i in entries}
        dimen = len(entries[0][0]) if entries else 1
        index_set = add(f"{con.name}_index", pyo.Set(initialize=keys, ordered=True, dimen=dimen))
        add(con.name, pyo.Constraint(index_set, rule=lambda _m, *k, r=rows: _row_expr(lin, r[_index(k)], columns)))
    add(
        "objective",
        pyo.Objective(expr=_linear(lin.objective, columns) + lin.objective_constant,
                      sense=pyo.maximize if lin.sense is ObjectiveSense.MAXIMIZE else pyo.minimize),
    )
    m._milpflow_columns = columns  # column j of the LinearModel → Pyomo VarData (used by solve)
    m._milpflow_rows = [None] * lin.num_rows
    for con in spec.constraints:
        component = getattr(m, names[con.name])
        for key, i in rows_by_family.get(con.name, []):
            m._milpflow_rows[i] = component if con.forall is None else component[_index(key)]
    return m


def build_pyomo_from_linear(model: LinearModel) -> pyo.ConcreteModel:
    """A flat indexed Pyomo model (``x[j]``, ``c[i]``) for a LinearModel read from a file."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name=model.name)
    m.J = pyo.RangeSet(0, model.num_vars - 1)
    m.I = pyo.RangeSet(0, model.num_rows - 1)

    def domain(_m: Any, j: int) -> Any:
        return pyo.Integers if model.integrality[j] else pyo.Reals

    m.x = pyo.Var(m.J, domain=domain, bounds=lambda _m, j: (_bound(model.lower[j]), _bound(model.upper[j])))
    columns = [m.x[j] for j in range(model.num_vars)]
    m.c = pyo.Constraint(m.I, rule=lambda _m, i: _row_expr(model, i, columns))
    m.objective = pyo.Objective(expr=_linear(model.objective, columns) + model.objective_constant,
                                sense=pyo.maximize if model.sense is ObjectiveSense.MAXIMIZE else pyo.minimize)
    m._milpflow_columns = columns
    m._milpflow_rows = [m.c[i] for i in range(model.num_rows)]
    return m


def solve(source: CompiledModel | LinearModel, options: SolveOptions | None = None) -> SolveResult:
    """Build the Pyomo model and solve it with Pyomo's HiGHS interface; same result contract as HiGHS direct."""
    from pyomo.contrib.solver.common.factory import SolverFactory

    consume_banner()  # Pyomo constructs its own Highs: the banner must not reach stdout
    options = options or SolveOptions()
    lin = source.model if isinstance(source, CompiledModel) else source
    m = build_pyomo_model(source) if isinstance(source, CompiledModel) else build_pyomo_from_linear(source)
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


def _index(key: tuple[Any, ...]) -> Any:
    return key[0] if len(key) == 1 else key


def _bound(value: float) -> float | None:
    return None if math.isinf(value) else float(value)


def _linear(coefficients: np.ndarray, columns: list[Any]) -> Any:
    from pyomo.environ import quicksum

    nz = np.flatnonzero(coefficients)
    return quicksum(float(coefficients[j]) * columns[j] for j in nz) if len(nz) else 0.0


def _row_expr(model: LinearModel, i: int, columns: list[Any]) -> Any:
    from pyomo.environ import Constraint, quicksum

    start, stop = model.A.indptr[i], model.A.indptr[i + 1]
    terms = [(float(a), columns[int(j)]) for j, a in zip(model.A.indices[start:stop], model.A.data[start:stop],
                                                           strict=True)]
    if not terms:
        return Constraint.Feasible if model.row_lower[i] <= 0 <= model.row_upper[i] else Constraint.Infeasible
    body = quicksum(a * v for a, v in terms)
    lo, hi = _bound(model.row_lower[i]), _bound(model.row_upper[i])
    if lo is not None and hi is not None and lo == hi:
        return body == lo
    return (lo, body, hi)
