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

from pydantic import BaseModel, ConfigDict, Field

from benchmarks.datasets.base import Dataset, Problem
from solvers.highs import solve
from solvers.io import ModelFileError, UnsupportedModelError
from solvers.result import SolveOptions, SolveStatus

__all__ = ["AuditReport", "AuditRow", "audit"]


class AuditRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem_id: str
    problem_class: str
    status: str
    objective: float | None = None
    integer_objective: float | None = Field(None, description="All-integer optimum (datasets without integrality).")
    known_status: str | None = None
    known_objective: float | None = None
    agrees: bool | None = Field(None, description="Computed result matches the stated one (None: nothing stated).")
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
    integer_differs: int | None = Field(None, description="Problems whose all-integer optimum differs from the LP.")
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
    counts = Counter(row.status for row in rows)
    return AuditReport(
        dataset=dataset.name,
        version=dataset.version,
        licence=dataset.licence,
        source=dataset.source,
        problems=len(rows),
        status_counts=dict(sorted(counts.items())),
        out_of_scope=[r for r in rows if r.status == "out_of_scope"],
        errors=[r for r in rows if r.status == "error"],
        disagreements=[r for r in rows if r.agrees is False],
        integer_differs=sum(1 for r in rows if _integer_differs(r)) if check_integer else None,
        seconds=time.perf_counter() - started,
        rows=rows,
    )


def _audit_problem(problem: Problem, options: SolveOptions, check_integer: bool) -> AuditRow:
    t0 = time.perf_counter()
    row = AuditRow(problem_id=problem.id, problem_class=problem.tags.problem_class, status="error",
                   known_status=problem.known_status, known_objective=problem.known_objective)
    try:
        model = problem.reference()
    except UnsupportedModelError as exc:
        row.status, row.message = "out_of_scope", str(exc)
    except (ModelFileError, ValueError) as exc:
        row.status, row.message = "error", f"unreadable reference: {exc}"
    except Exception as exc:  # noqa: BLE001 - failures are reported, never allowed to crash the command
        row.status, row.message = "error", f"{type(exc).__name__}: {exc}"
    else:
        result = solve(model, options)
        row.status, row.objective = result.status.value, result.objective
        if result.status is SolveStatus.ERROR:
            row.message = result.message
        if check_integer and result.status is SolveStatus.OPTIMAL:
            integer = model.copy()
            integer.integrality[:] = True
            row.integer_objective = solve(integer, options).objective
    if problem.known_status is not None and row.status not in ("error", "out_of_scope"):
        row.agrees = row.status == problem.known_status and (
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
