"""Lexicographic (priority) optimisation over one `LinearModel`.

Why: "maximise profit, then among the most profitable plans minimise labour" is not a weighted sum — any finite
weight can trade a little profit for a lot of labour. The standard method solves priority 1, keeps its value
within a tolerance of that optimum with one extra row, optimises priority 2, and so on.

Contract: `solve_lexicographic(model, levels, options)` ignores `model`'s own objective and uses `levels` in
order. After level k is solved to optimality with value ``opt_k``, the row ``v_k·x + c_k <= opt_k + slack``
(minimise) or ``>= opt_k - slack`` (maximise), with ``slack = tol·|opt_k| + abs_tol``, is added for every later
level. The first level that is not optimal stops the sequence; the result says which and why. `objectives`
reports every level's value at the final solution (None where there is no solution). Like `solvers.highs.solve`,
it never raises for anything the solver can report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from solvers.arrays import FloatArray
from solvers.highs import solve
from solvers.linear import LinearModel, ObjectiveSense
from solvers.result import SolveOptions, SolveResult, SolveStatus

__all__ = ["LexicographicResult", "ObjectiveLevel", "solve_lexicographic"]


@dataclass(frozen=True, eq=False)
class ObjectiveLevel:
    """One priority: optimise ``vector · x + constant`` in `sense`, then keep it within ``tol·|opt| + abs_tol``."""

    name: str
    sense: ObjectiveSense
    vector: FloatArray
    constant: float = 0.0
    tol: float = 1e-6
    abs_tol: float = 1e-9

    def value(self, x: FloatArray) -> float:
        return float(self.vector @ x) + self.constant


@dataclass
class LexicographicResult:
    """The outcome of a priority sequence.

    Attributes:
        result: The `SolveResult` of the last solve (its variables are the final solution).
        objectives: Each level's value at the final solution, in priority order (None without a solution).
        statuses: Each level's solve status, in priority order (None for levels never solved).
        optima: The optimum each level reached when it was optimised (None if it was not optimal or not solved).
        message: Why the sequence stopped early, or None when every level was optimal.
    """

    result: SolveResult
    objectives: list[float | None]
    statuses: list[SolveStatus | None]
    optima: list[float | None] = field(default_factory=list)
    message: str | None = None

    @property
    def complete(self) -> bool:
        """True when every level was solved to optimality."""
        return all(s is SolveStatus.OPTIMAL for s in self.statuses)


def solve_lexicographic(
    model: LinearModel,
    levels: list[ObjectiveLevel],
    options: SolveOptions | None = None,
) -> LexicographicResult:
    """Optimise `levels` in priority order on `model`'s constraints (module docstring for the contract)."""
    if not levels:
        only = solve(model, options)
        return LexicographicResult(only, [], [], [], only.message)
    for level in levels:
        if level.vector.shape != (model.num_vars,):
            raise ValueError(f"objective level {level.name!r} has {level.vector.shape[0]} coefficients; the model "
                             f"has {model.num_vars} columns")
    statuses: list[SolveStatus | None] = [None] * len(levels)
    optima: list[float | None] = [None] * len(levels)
    current = model
    result: SolveResult | None = None
    message: str | None = None
    for k, level in enumerate(levels):
        stage = _with_objective(current, level)
        result = solve(stage, options)
        statuses[k] = result.status
        if result.status is not SolveStatus.OPTIMAL or result.objective is None:
            message = (f"priority {k + 1} ({level.name}) stopped with status {result.status.value}"
                       + (f": {result.message}" if result.message else "")
                       + ("; later priorities were not optimised" if k + 1 < len(levels) else ""))
            break
        optimum = float(result.objective)
        optima[k] = optimum
        if k + 1 < len(levels):
            current = _keep_level(current, level, optimum, k)
    assert result is not None
    if message is not None:
        result.message = message
    x = _solution(model, result)
    objectives = [level.value(x) if x is not None else None for level in levels]
    if len(levels) > 1:  # the final solve's bound and gap belong to the last priority, not to `objective`
        result.objectives = objectives
        result.objective = objectives[0]
        result.bound = result.gap = None
    return LexicographicResult(result, objectives, statuses, optima, message)


def _with_objective(model: LinearModel, level: ObjectiveLevel) -> LinearModel:
    stage = model.copy()
    stage.objective = np.asarray(level.vector, dtype=np.float64).copy()
    stage.objective_constant = float(level.constant)
    stage.sense = level.sense
    stage.validate()
    return stage


def _keep_level(model: LinearModel, level: ObjectiveLevel, optimum: float, k: int) -> LinearModel:
    """`model` plus the row keeping `level` within its tolerance of `optimum`."""
    slack = level.tol * abs(optimum) + level.abs_tol
    target = optimum - level.constant
    if level.sense is ObjectiveSense.MINIMIZE:
        lower, upper = -math.inf, target + slack
    else:
        lower, upper = target - slack, math.inf
    row = sp.csr_matrix(np.asarray(level.vector, dtype=np.float64).reshape(1, -1))
    name = f"priority{k + 1}.keep[{level.name}]"
    names = set(model.row_names)
    while name in names:
        name += "'"
    return LinearModel.from_arrays(
        name=model.name,
        var_names=model.var_names,
        lower=model.lower,
        upper=model.upper,
        integrality=model.integrality,
        objective=model.objective,
        objective_constant=model.objective_constant,
        sense=model.sense,
        A=sp.vstack([model.A, row], format="csr"),
        row_lower=np.append(model.row_lower, lower),
        row_upper=np.append(model.row_upper, upper),
        row_names=[*model.row_names, name],
        row_descriptions={**model.row_descriptions,
                          name: f"keeps priority {k + 1} ({level.name}) within {level.tol:g}·|{optimum:g}| + "
                                f"{level.abs_tol:g} of its optimum"},
    )


def _solution(model: LinearModel, result: SolveResult) -> FloatArray | None:
    if not result.has_solution:
        return None
    return np.asarray([result.variables.get(name, 0.0) for name in model.var_names], dtype=np.float64)
