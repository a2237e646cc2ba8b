"""Solve a compiled v2 model: one objective directly, several as lexicographic priorities.

Why a module: `CompiledV2` carries its objectives as `solvers.lexicographic.ObjectiveLevel` values, so solving
is one call whatever the number of priorities; callers (CLI, flows, tests) need not know which case they have.
"""

from __future__ import annotations

from formulation.v2.compiler import CompiledV2
from solvers.lexicographic import LexicographicResult, solve_lexicographic
from solvers.result import SolveOptions

__all__ = ["solve_v2", "variable_values"]


def solve_v2(compiled: CompiledV2, options: SolveOptions | None = None) -> LexicographicResult:
    """Solve `compiled` with HiGHS, priority by priority (a model without objectives is a feasibility problem)."""
    return solve_lexicographic(compiled.model, compiled.objectives, options)


def variable_values(compiled: CompiledV2, result: LexicographicResult) -> dict[str, dict[tuple[object, ...], float]]:
    """The declared variables' values by name and flat index (auxiliary columns left out); empty without a
    solution."""
    values: dict[str, dict[tuple[object, ...], float]] = {}
    if not result.result.has_solution:
        return values
    for j, (name, key) in enumerate(compiled.column_keys):
        if j in compiled.column_origins:
            continue
        values.setdefault(name, {})[key] = result.result.variables[compiled.model.var_names[j]]
    return values
