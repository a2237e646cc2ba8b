"""The solving stage's front door: one function for every backend.

Why: a notebook user should not need to know that HiGHS is driven through `solvers.highs` and Pyomo through
`solvers.pyomo_backend`; both take the same `LinearModel` and return the same `SolveResult`.
"""

from __future__ import annotations

from typing import Literal

from solvers.linear import LinearModel
from solvers.result import SolveOptions, SolveResult

__all__ = ["Backend", "solve"]

Backend = Literal["highs", "pyomo"]


def solve(
    model: LinearModel,
    options: SolveOptions | None = None,
    *,
    backend: Backend = "highs",
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
) -> SolveResult:
    """Solve `model` with HiGHS (directly, or through Pyomo's HiGHS interface with ``backend="pyomo"``).

    `options` wins when given; otherwise the keyword limits build one. Never raises for a model the solver cannot
    solve: the result's ``status`` says what happened (infeasible models come with an IIS).
    """
    options = options or SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    if backend == "pyomo":
        from solvers import pyomo_backend

        return pyomo_backend.solve(model, options)
    from solvers import highs

    return highs.solve(model, options)
