"""Dataset audit: solve every reference model and report what a benchmark author must know before scoring.

Public benchmarks ship wrong or unusable references; this says which, per dataset version. Each problem's
reference is read/built and solved in a bounded thread pool (HiGHS releases the GIL); the outcome is one of
the `SolveStatus` values, or ``out_of_scope`` (quadratic, semi-continuous) or ``error`` (unreadable or
unbuildable, with the reason). Where a dataset states an answer (the HiGHS instances), the computed one is
compared (relative 1e-6, or the printed precision when that is looser) and disagreements are listed. For
datasets without integrality information (NL4Opt) the all-integer variant is solved too and the problems
whose optimum changes are counted. One problem's failure never stops the audit.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from benchmarks.datasets.base import Dataset, Problem
from solvers.highs import solve
from solvers.io import ModelFileError, UnsupportedModelError
from solvers.result import SolveOptions, SolveStatus

__all__ = ["AuditReport", "AuditRow", "AuditStatus", "audit"]


class AuditStatus(StrEnum):
    """Outcome of one problem's audit: the reference's `SolveStatus` (same values), or why it was not solved."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    OTHER_LIMIT = "other_limit"
    ERROR = "error"
    """The solver failed, or the reference could not be read or built (the message says which)."""
    OUT_OF_SCOPE = "out_of_scope"
    """The reference uses what milpflow does not model (quadratic, semi-continuous)."""

    @classmethod
    def of(cls, status: SolveStatus) -> AuditStatus:
        """The audit status of a solve that ran."""
        return cls(status.value)

    @property
    def solved(self) -> bool:
        """The reference was read and solved (its status can be compared with a stated one)."""
        return self not in (AuditStatus.ERROR, AuditStatus.OUT_OF_SCOPE)


class AuditRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem_id: str
    problem_class: str
    status: AuditStatus
    objective: float | None = None
    integer_objective: float | None = Field(
        default=None, description="All-integer optimum (datasets without integrality)."
    )
    known_status: SolveStatus | None = None
    known_objective: float | None = None
    agrees: bool | None = Field(
        default=None, description="Computed result matches the stated one (None: nothing stated)."
    )
    message: str | None = None
    seconds: float = 0.0


class AuditReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str
    version: str
    licence: str
    source: str
    problems: int
    status_counts: dict[str, int]
    out_of_scope: list[AuditRow]
    errors: list[AuditRow]
    disagreements: list[AuditRow]
    integer_differs: int | None = Field(
        default=None, description="Problems whose all-integer optimum differs from the LP."
    )
    seconds: float
    rows: list[AuditRow]


def audit(
    dataset: Dataset,
    *,
    time_limit: float = 60.0,
    limit: int | None = None,
    workers: int = 2,
    integer_variant: bool | None = None,
    progress: Callable[[AuditRow], None] | None = None,
) -> AuditReport:
    """Audit `dataset` (the first `limit` problems if given); see the module docstring."""
    started = time.perf_counter()
    problems = list(dataset.problems())
    if limit is not None:
        problems = problems[:limit]
    check_integer = dataset.name == "nl4opt" if integer_variant is None else integer_variant
    options = SolveOptions(time_limit=time_limit)

    def one(problem: Problem) -> AuditRow:
        row = _audit_problem(problem, options, check_integer)
        if progress is not None:
            progress(row)
        return row

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        rows = list(pool.map(one, problems))
    counts = Counter(row.status.value for row in rows)
    return AuditReport(
        dataset=dataset.name,
        version=dataset.version,
        licence=dataset.licence,
        source=dataset.source,
        problems=len(rows),
        status_counts=dict(sorted(counts.items())),
        out_of_scope=[r for r in rows if r.status is AuditStatus.OUT_OF_SCOPE],
        errors=[r for r in rows if r.status is AuditStatus.ERROR],
        disagreements=[r for r in rows if r.agrees is False],
        integer_differs=sum(1 for r in rows if _integer_differs(r)) if check_integer else None,
        seconds=time.perf_counter() - started,
        rows=rows,
    )


def _audit_problem(problem: Problem, options: SolveOptions, check_integer: bool) -> AuditRow:
    t0 = time.perf_counter()
    row = AuditRow(problem_id=problem.id, problem_class=problem.tags.problem_class, status=AuditStatus.ERROR,
                   known_status=problem.known_status, known_objective=problem.known_objective)
    try:
        model = problem.reference()
    except UnsupportedModelError as exc:
        row.status, row.message = AuditStatus.OUT_OF_SCOPE, str(exc)
    except (ModelFileError, ValueError) as exc:
        row.status, row.message = AuditStatus.ERROR, f"unreadable reference: {exc}"
    except Exception as exc:  # noqa: BLE001 - failures are reported, never allowed to crash the command
        row.status, row.message = AuditStatus.ERROR, f"{type(exc).__name__}: {exc}"
    else:
        result = solve(model, options)
        row.status, row.objective = AuditStatus.of(result.status), result.objective
        if result.status is SolveStatus.ERROR:
            row.message = result.message
        if check_integer and result.status is SolveStatus.OPTIMAL:
            integer = model.copy()
            integer.integrality[:] = True
            row.integer_objective = solve(integer, options).objective
    if problem.known_status is not None and row.status.solved:
        row.agrees = row.status is AuditStatus.of(problem.known_status) and (
            problem.known_objective is None
            or (row.objective is not None and _close(row.objective, problem.known_objective))
        )
        if not row.agrees:
            row.message = (f"stated {problem.known_status} {problem.known_objective}, computed {row.status} "
                           f"{row.objective}")
    row.seconds = time.perf_counter() - t0
    return row


def _close(computed: float, stated: float) -> bool:
    printed = f"{stated:.12g}".lstrip("-").replace(".", "").lstrip("0")
    tolerance = max(1e-6, 0.5 * 10.0 ** (1 - len(printed)))
    return abs(computed - stated) <= tolerance * max(1.0, abs(stated))


def _integer_differs(row: AuditRow) -> bool:
    if row.objective is None:
        return False
    if row.integer_objective is None:
        return True
    return abs(row.integer_objective - row.objective) > 1e-6 * max(1.0, abs(row.objective))
