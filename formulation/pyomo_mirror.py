"""The spec-named Pyomo mirror of a compiled ModelSpec.

Why: a Pyomo user expects the model they described — one ``Set`` per spec set, one ``Param`` per parameter,
one ``Var`` per variable indexed over its sets, one ``Constraint`` per constraint family indexed over its
forall bindings, and the ``Objective``, all named as in the spec — not a flat matrix. It lives with the
language because it needs the spec; `solvers.pyomo_backend` knows only `LinearModel`.

Constraint bodies come from the compiled rows (coefficient × the Pyomo variable of each column): model text is
never re-parsed or evaluated here, so the one safe expression compiler stays the only interpreter of LLM output.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from formulation.compile import CompiledModel
from solvers.linear import ObjectiveSense
from solvers.pyomo_backend import bound_or_none, index_key, linear_expression, row_expression, solve_pyomo_model
from solvers.result import SolveOptions, SolveResult

if TYPE_CHECKING:
    import pyomo.environ as pyo

__all__ = ["build_pyomo_model", "solve"]


def solve(compiled: CompiledModel, options: SolveOptions | None = None) -> SolveResult:
    """Build the spec-named mirror and solve it through Pyomo's HiGHS interface."""
    return solve_pyomo_model(build_pyomo_model(compiled), compiled.model, options)


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
        bounds = {(index_key(k)): (bound_or_none(lin.lower[j]), bound_or_none(lin.upper[j])) for k, j in entries}
        if var.indices:
            index_sets = [getattr(m, names[s]) for s in var.indices]
            component = add(var.name, pyo.Var(*index_sets, domain=domain,
                                              bounds=lambda _m, *k, b=bounds: b[index_key(k)]))
            for key, j in entries:
                columns[j] = component[index_key(key)]
        else:
            lo, hi = bounds[index_key(())]
            columns[entries[0][1]] = add(var.name, pyo.Var(domain=domain, bounds=(lo, hi)))

    rows_by_family: dict[str, list[tuple[tuple[Any, ...], int]]] = defaultdict(list)
    for i, (family, key) in enumerate(compiled.row_keys):
        rows_by_family[family].append((key, i))
    for con in spec.constraints:
        entries = rows_by_family.get(con.name, [])
        if con.forall is None:
            (_, i), = entries
            add(con.name, pyo.Constraint(expr=row_expression(lin, i, columns)))
            continue
        keys = [index_key(k) for k, _ in entries]
        rows = {index_key(k): i for k, i in entries}
        dimen = len(entries[0][0]) if entries else 1
        index_set = add(f"{con.name}_index", pyo.Set(initialize=keys, ordered=True, dimen=dimen))
        add(con.name, pyo.Constraint(index_set,
                                     rule=lambda _m, *k, r=rows: row_expression(lin, r[index_key(k)], columns)))
    add(
        "objective",
        pyo.Objective(expr=linear_expression(lin.objective, columns) + lin.objective_constant,
                      sense=pyo.maximize if lin.sense is ObjectiveSense.MAXIMIZE else pyo.minimize),
    )
    m._milpflow_columns = columns  # column j of the LinearModel → Pyomo VarData (used by solve)
    m._milpflow_rows = [None] * lin.num_rows
    for con in spec.constraints:
        component = getattr(m, names[con.name])
        for key, i in rows_by_family.get(con.name, []):
            m._milpflow_rows[i] = component if con.forall is None else component[index_key(key)]
    return m
