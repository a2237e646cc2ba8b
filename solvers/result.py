"""Solver outcome vocabulary shared by every backend.

`SolveStatus` is deliberately small: a status says what a user can *do* next (use the solution, fix an
infeasible model, bound an unbounded one, raise a limit, report a bug). Backends map every native status
into it explicitly (see `solvers.highs.STATUS_MAP`), so no native code leaks out.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["IIS", "SolveOptions", "SolveResult", "SolveStatus"]


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"
    """Proven optimal within the gap tolerance."""
    INFEASIBLE = "infeasible"
    """No point satisfies all constraints; see `SolveResult.iis`."""
    UNBOUNDED = "unbounded"
    """The objective improves without limit."""
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    """The solver proved one of the two but not which (rare after the disambiguation re-solve)."""
    TIME_LIMIT = "time_limit"
    """Stopped at the time limit; `objective` is the best solution found, if any."""
    OTHER_LIMIT = "other_limit"
    """Stopped at another limit (iterations, solutions, objective target, memory, interrupt)."""
    ERROR = "error"
    """The solver failed; `message` says why."""

    @property
    def is_not_solvable(self) -> bool:
        """Infeasible or unbounded in any form: the model, not the solver, needs fixing."""
        return self in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED, SolveStatus.INFEASIBLE_OR_UNBOUNDED)


class SolveOptions(BaseModel):
    """Options every backend honours."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit: float | None = Field(default=None, gt=0, description="Wall-clock limit in seconds (None: no limit).")
    mip_gap: float | None = Field(
        default=None, ge=0, description="Relative MIP gap at which to stop (None: solver default 1e-4)."
    )
    threads: int | None = Field(default=None, ge=1, description="Solver threads (None: solver default).")
    compute_iis: bool = Field(
        default=True, description="Extract an irreducible infeasible subset for infeasible models."
    )
    keep_log: bool = Field(default=False, description="Capture the solver log in `SolveResult.log`.")


class IIS(BaseModel):
    """An irreducible infeasible subset: removing any one member makes the rest feasible."""

    model_config = ConfigDict(extra="forbid")

    rows: list[str] = Field(description="Constraint names in the subset.")
    columns: list[str] = Field(description="Variables whose bounds are part of the subset.")
    rows_text: list[str] = Field(default_factory=list, description="Each row written out, for feedback and display.")
    note: str | None = Field(default=None, description="Why the subset is partial or missing, if it is.")


class SolveResult(BaseModel):
    """What a solve produced. JSON-serialisable as is (it becomes `--json` output and run records)."""

    model_config = ConfigDict(extra="forbid")

    status: SolveStatus
    objective: float | None = Field(default=None, description="Objective of the returned solution (original sense).")
    objectives: list[float | None] | None = Field(
        default=None, description="With prioritised objectives: every priority's value at the returned solution, "
        "highest priority first (`objective` is the first); None for a single objective.")
    bound: float | None = Field(default=None, description="Best proven bound (MIP dual bound; the objective for LPs).")
    gap: float | None = Field(
        default=None, description="Relative MIP gap |objective - bound| / max(1e-10, |objective|)."
    )
    variables: dict[str, float] = Field(default_factory=dict, description="Primal value by variable name.")
    duals: dict[str, float] | None = Field(default=None, description="Row duals by constraint name (LPs only).")
    reduced_costs: dict[str, float] | None = Field(
        default=None, description="Column duals by variable name (LPs only)."
    )
    solve_seconds: float = Field(default=0.0, description="Wall time of the solver call (building excluded).")
    backend: str = Field(description="Which backend produced this result.")
    iis: IIS | None = None
    unbounded_hint: str | None = Field(
        default=None, description="For unbounded models: which variables can grow without limit."
    )
    message: str | None = Field(default=None, description="Human-readable detail (errors, limits, notes).")
    native_status: str | None = Field(default=None, description="The solver's own status name, for debugging.")
    log: str | None = None

    @property
    def has_solution(self) -> bool:
        return self.objective is not None and bool(self.variables)
