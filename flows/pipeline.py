"""The benchmark pipeline as plain functions: formulate → compare with the reference → record.

Prefect flows wrap these (each problem a task); the CLI calls them directly when no Prefect API is
configured. Contract of `run_benchmark`: every problem of the (optionally limited) dataset ends with
exactly one committed record in the `RunStore` — a failure of any stage becomes a record with its error
category, never an exception that stops the run — and `resume_run` finishes only the missing problems.
Accuracies are fractions over the problems whose reference is *solvable* (it builds and solves to
optimality); the numbers over all usable references are reported beside them.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from benchmarks.datasets.base import Dataset, Problem
from eval.compare import CompareOptions, Comparison, compare
from eval.metrics import Metrics, ScoredItem, aggregate
from flows.formulators import Formulator
from flows.store import RunStore
from solvers.highs import solve
from solvers.result import SolveOptions, SolveResult, SolveStatus

__all__ = [
    "BenchmarkSummary",
    "ProblemRecord",
    "evaluate_problem",
    "record_problem",
    "run_benchmark",
    "start_run",
    "summarize_run",
]


class ProblemRecord(BaseModel):
    """What is stored per problem per run."""

    model_config = ConfigDict(extra="forbid")

    problem_id: str
    problem_class: str
    kind: str | None
    reference_status: str | None = None
    reference_objective: float | None = None
    solvable: bool = Field(False, description="The reference builds and solves to optimality.")
    verdict: str | None = None
    reason: str | None = None
    error_category: str | None = None
    error: str | None = None
    comparison: dict[str, Any] | None = None
    formulation: dict[str, Any] | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    seconds: float = 0.0


class BenchmarkSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run: str
    dataset: str
    version: str
    formulator: str
    problems: int
    recorded: int
    solvable: int
    structural_accuracy: float
    objective_accuracy: float
    objective_accuracy_lenient: float
    status_accuracy: float
    invalid_rate: float
    structural_accuracy_all_usable: float
    error_categories: dict[str, int]
    by_class: list[dict[str, Any]]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    latency_p50: float | None
    latency_p95: float | None
    seconds: float


def evaluate_problem(
    problem: Problem,
    formulator: Formulator,
    compare_options: CompareOptions | None = None,
    solve_options: SolveOptions | None = None,
) -> ProblemRecord:
    """One problem end to end. Never raises: every failure is a categorised record."""
    started = time.perf_counter()
    record = ProblemRecord(problem_id=problem.id, problem_class=problem.tags.problem_class, kind=problem.tags.kind)
    try:
        _evaluate(problem, formulator, compare_options or CompareOptions(), solve_options or SolveOptions(), record)
    except Exception as exc:  # noqa: BLE001 - the contract is one record per problem, whatever happens
        record.error_category = record.error_category or "internal_error"
        record.error = f"{type(exc).__name__}: {exc}"
    record.seconds = time.perf_counter() - started
    return record


def _evaluate(problem: Problem, formulator: Formulator, compare_options: CompareOptions,
              solve_options: SolveOptions, record: ProblemRecord) -> None:
    reference_result: SolveResult | None = None
    try:
        reference = problem.reference()
    except Exception as exc:  # noqa: BLE001 - unusable references are data, not crashes
        record.error_category, record.error = "reference_unusable", str(exc)
        return
    reference_result = solve(reference, solve_options)
    record.reference_status = reference_result.status.value
    record.reference_objective = reference_result.objective
    record.solvable = reference_result.status is SolveStatus.OPTIMAL
    formulation = formulator.formulate(problem)
    if formulation.record is not None:
        usage = formulation.record.usage
        record.formulation = formulation.record.model_dump(mode="json")
        record.prompt_tokens, record.completion_tokens, record.cost_usd = (
            usage.prompt_tokens, usage.completion_tokens, usage.cost_usd)
    if formulation.model is None:
        comparison = Comparison.invalid(formulation.error or "no model was produced")
        record.error_category = formulation.error_category or "no_model"
        record.error = formulation.error
    else:
        comparison = compare(formulation.model, reference, compare_options, reference_result=reference_result)
        if formulation.error_category and comparison.verdict.value != "isomorphic":
            record.error_category = formulation.error_category
    record.verdict = comparison.verdict.value
    record.reason = comparison.reason
    record.comparison = comparison.model_dump(mode="json")


def start_run(
    dataset: Dataset,
    formulator_name: str,
    store: RunStore,
    *,
    run_id: str | None = None,
    resume: bool = False,
    limit: int | None = None,
    settings: dict[str, Any] | None = None,
    model: str | None = None,
    strategy: str | None = None,
    problem_options: dict[str, Any] | None = None,
) -> tuple[str, list[Problem]]:
    """Create (or reopen) a run; return its id and the problems still to do."""
    problems = list(dataset.problems(**(problem_options or {})))
    if limit is not None:
        problems = problems[:limit]
    if resume:
        if run_id is None:
            raise ValueError("resume needs the run id")
        previous = store.reopen_run(run_id)
        run_id = previous.run_id
        if previous.dataset != dataset.name:
            raise ValueError(f"run {run_id} is a {previous.dataset} run, not {dataset.name}")
        limit = previous.settings.get("limit", limit)
        problems = list(dataset.problems(**(previous.settings.get("problem_options") or {})))
        if limit is not None:
            problems = problems[:limit]
    else:
        run_id = store.create_run(
            dataset=dataset.name, dataset_version=dataset.version, formulator=formulator_name, model=model,
            strategy=strategy, settings={**(settings or {}), "limit": limit, "problem_options": problem_options},
            code_version=code_version(), problems=len(problems), run_id=run_id,
        )
    done = store.recorded_ids(run_id)
    return run_id, [p for p in problems if p.id not in done]


def record_problem(store: RunStore, run_id: str, problem: Problem, formulator: Formulator) -> ProblemRecord | None:
    """Evaluate one problem and commit its record; None if it was already recorded (a resumed duplicate)."""
    record = evaluate_problem(problem, formulator)
    stored = store.add_record(run_id, problem.id, record.model_dump(mode="json"), verdict=record.verdict,
                              error_category=record.error_category, seconds=record.seconds)
    return record if stored else None


def run_benchmark(
    dataset: Dataset,
    formulator: Formulator,
    store: RunStore,
    *,
    run_id: str | None = None,
    resume: bool = False,
    limit: int | None = None,
    concurrency: int = 2,
    settings: dict[str, Any] | None = None,
    model: str | None = None,
    strategy: str | None = None,
    on_record: Callable[[ProblemRecord], None] | None = None,
    problem_options: dict[str, Any] | None = None,
) -> BenchmarkSummary:
    """Run (or resume) a benchmark in a thread pool; see the module docstring for the contract."""
    started = time.perf_counter()
    run_id, todo = start_run(dataset, formulator.name, store, run_id=run_id, resume=resume, limit=limit,
                             settings=settings, model=model, strategy=strategy, problem_options=problem_options)

    def work(problem: Problem) -> None:
        record = record_problem(store, run_id, problem, formulator)
        if record is not None and on_record is not None:
            on_record(record)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(work, todo))
    summary = summarize_run(store, run_id, seconds=time.perf_counter() - started)
    store.finish_run(run_id, summary.model_dump(mode="json"))
    return summary


def summarize_run(store: RunStore, run_id: str, *, seconds: float = 0.0) -> BenchmarkSummary:
    """Accuracy and cost of everything recorded so far in `run_id`."""
    run = store.get_run(run_id)
    records = [ProblemRecord.model_validate(row.payload) for row in store.records(run_id)]
    solvable = [r for r in records if r.solvable]
    usable = [r for r in records if r.reference_status is not None]
    metrics = _metrics(solvable)
    usable_metrics = _metrics(usable)
    categories: dict[str, int] = {}
    for r in records:
        if r.error_category:
            categories[r.error_category] = categories.get(r.error_category, 0) + 1
    latencies = sorted(r.seconds for r in records)
    costs = [r.cost_usd for r in records]
    return BenchmarkSummary(
        run=run_id, dataset=run.dataset, version=run.dataset_version, formulator=run.formulator,
        problems=run.problems, recorded=len(records), solvable=len(solvable),
        structural_accuracy=metrics.overall.structural if metrics else 0.0,
        objective_accuracy=metrics.overall.objective_strict if metrics else 0.0,
        objective_accuracy_lenient=metrics.overall.objective_lenient if metrics else 0.0,
        status_accuracy=metrics.overall.status if metrics else 0.0,
        invalid_rate=metrics.overall.invalid if metrics else 0.0,
        structural_accuracy_all_usable=usable_metrics.overall.structural if usable_metrics else 0.0,
        error_categories=categories,
        by_class=[row.model_dump() for row in metrics.by_class] if metrics else [],
        prompt_tokens=sum(r.prompt_tokens for r in records),
        completion_tokens=sum(r.completion_tokens for r in records),
        cost_usd=None if any(c is None for c in costs) else sum(c or 0.0 for c in costs),
        latency_p50=_percentile(latencies, 0.5), latency_p95=_percentile(latencies, 0.95),
        seconds=seconds,
    )


def _metrics(records: Sequence[ProblemRecord]) -> Metrics | None:
    items = [ScoredItem(comparison=Comparison.model_validate(r.comparison), problem_id=r.problem_id,
                        problem_class=r.problem_class, error_category=r.error_category)
             for r in records if r.comparison is not None]
    return aggregate(items) if items else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def code_version() -> str:
    """The git commit of the code (with ``+dirty`` for local changes), or the package version."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return version("milpflow")
