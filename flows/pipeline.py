"""The benchmark pipeline: formulate → compare with the reference → record — one orchestration for every path.

A run is defined by a `BenchmarkConfig`. Every way of running it — `run_benchmark` here (a thread pool; the
CLI and notebooks), the Prefect `run-benchmark` flow (one task per problem, on threads or Dask) — goes through
the same three steps: `start_run` (create or reopen the run; the config is stored whole as the run's settings,
so every path records the same thing and a resume restores it), `record_problem` per problem (its formulator
built from the config by `build_formulator`), and `finish_run`.

Contract: every problem of the (optionally limited) dataset ends with exactly one committed record in the
`RunStore` — a failure of any stage becomes a record with its error category, never an exception that stops
the run — and a resumed run finishes only the missing problems, with the settings it started with.
Accuracies are fractions over the problems whose reference is *solvable* (it builds and solves to
optimality); the numbers over all usable references are reported beside them.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from benchmarks.datasets.base import Dataset, Problem
from eval.compare import CompareOptions, Comparison, Verdict, compare
from eval.metrics import Metrics, ScoredItem, aggregate
from flows.formulators import Formulator, RecordCategory, RecordFailure
from flows.store import RunStore
from formulation.strategy_names import DEFAULT_STRATEGY, Strategy
from solvers.highs import solve
from solvers.result import SolveOptions, SolveResult, SolveStatus

__all__ = [
    "BenchmarkConfig",
    "BenchmarkSummary",
    "ProblemRecord",
    "RecordCategory",
    "RecordFailure",
    "build_formulator",
    "evaluate_problem",
    "finish_run",
    "record_problem",
    "run_benchmark",
    "start_run",
    "summarize_run",
]


FormulatorName = Literal["reference", "llm"]
TextVariant = Literal["unstructured", "structured"]


class BenchmarkConfig(BaseModel):
    """What defines a benchmark run; stored whole as the run's settings (``settings["config"]``).

    Only what changes the results belongs here. Where the LLM endpoint is and its key come from the environment
    of whoever runs the problems (`formulation.settings.LLMSettings`), never from here: a config is safe to store,
    log and show in the Prefect UI.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = Field(description="Dataset name (milpflow datasets list).")
    formulator: FormulatorName = Field("reference", description="reference (offline check of the harness) or llm.")
    model: str | None = Field(None, description="LLM model (None: MILPFLOW_MODEL); ignored by the reference.")
    strategy: Strategy = Field(DEFAULT_STRATEGY, description="LLM strategy: direct, repair or vote.")
    limit: int | None = Field(None, ge=1, description="Only the first N problems.")
    text: TextVariant = Field("unstructured", description="OptiBench: which problem text the formulator reads.")

    def problem_options(self) -> dict[str, Any]:
        """Options for `Dataset.problems` / `Dataset.get` (only OptiBench has text variants)."""
        return {"text": self.text} if self.dataset == "optibench" else {}


@lru_cache(maxsize=16)
def build_formulator(config: BenchmarkConfig) -> Formulator:
    """The formulator a config asks for, once per process (benchmark tasks on threads or Dask workers share it).

    Raises:
        formulation.llm.LLMError / ValueError: the LLM settings in the environment are unusable.
    """
    from flows.formulators import LLMFormulator, ReferenceFormulator

    if config.formulator == "reference":
        return ReferenceFormulator()
    from formulation.llm import LLMClient
    from formulation.settings import LLMSettings
    from formulation.strategies import StrategyOptions

    settings = LLMSettings(model=config.model) if config.model else LLMSettings()
    return LLMFormulator(LLMClient(settings), StrategyOptions(strategy=config.strategy))


def _llm_details(config: BenchmarkConfig) -> dict[str, Any]:
    """The endpoint settings a run used, without secrets (stored beside the config, for people)."""
    if config.formulator != "llm":
        return {}
    from formulation.settings import LLMSettings

    settings = LLMSettings(model=config.model) if config.model else LLMSettings()
    return settings.model_dump(mode="json", exclude={"api_key"})


class ProblemRecord(BaseModel):
    """What is stored per problem per run."""

    model_config = ConfigDict(extra="forbid")

    problem_id: str
    problem_class: str
    kind: str | None
    reference_status: str | None = None
    reference_objective: float | None = None
    solvable: bool = Field(False, description="The reference builds and solves to optimality.")
    verdict: Verdict | None = None
    reason: str | None = None
    error_category: RecordCategory | None = None
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
        record.error_category = record.error_category or RecordFailure.INTERNAL_ERROR
        record.error = f"{type(exc).__name__}: {exc}"
    record.seconds = time.perf_counter() - started
    return record


def _evaluate(problem: Problem, formulator: Formulator, compare_options: CompareOptions,
              solve_options: SolveOptions, record: ProblemRecord) -> None:
    reference_result: SolveResult | None = None
    try:
        reference = problem.reference()
    except Exception as exc:  # noqa: BLE001 - unusable references are data, not crashes
        record.error_category, record.error = RecordFailure.REFERENCE_UNUSABLE, str(exc)
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
        record.error_category = formulation.error_category or RecordFailure.NO_MODEL
        record.error = formulation.error
    else:
        comparison = compare(formulation.model, reference, compare_options, reference_result=reference_result,
                             candidate_result=formulation.result)
        if formulation.error_category and comparison.verdict is not Verdict.ISOMORPHIC:
            record.error_category = formulation.error_category
    record.verdict = comparison.verdict
    record.reason = comparison.reason
    record.comparison = comparison.model_dump(mode="json")


def start_run(
    config: BenchmarkConfig,
    store: RunStore,
    dataset: Dataset,
    *,
    resume_run: str | None = None,
) -> tuple[str, BenchmarkConfig, list[Problem]]:
    """Create a run for `config` (or reopen `resume_run`); return its id, the config in force and the problems
    still to do.

    A resumed run keeps the config it was started with: the one passed in only has to name the same dataset.

    Raises:
        KeyError: `resume_run` does not exist.
        ValueError: `resume_run` is a run of another dataset.
    """
    if resume_run is not None:
        previous = store.reopen_run(resume_run)
        if previous.dataset != config.dataset:
            raise ValueError(f"run {resume_run} is a {previous.dataset} run, not {config.dataset}")
        stored = previous.settings.get("config")
        config = BenchmarkConfig.model_validate(stored) if stored else config.model_copy(
            update={"limit": previous.settings.get("limit", config.limit)})
        run_id = previous.run_id
    problems = list(dataset.problems(**config.problem_options()))
    if config.limit is not None:
        problems = problems[: config.limit]
    if resume_run is None:
        run_id = store.create_run(
            dataset=dataset.name, dataset_version=dataset.version, formulator=config.formulator,
            model=config.model if config.formulator == "llm" else None,
            strategy=config.strategy if config.formulator == "llm" else None,
            settings={"config": config.model_dump(mode="json"), "llm": _llm_details(config)},
            code_version=code_version(), problems=len(problems),
        )
    done = store.recorded_ids(run_id)
    return run_id, config, [p for p in problems if p.id not in done]


def record_problem(store: RunStore, run_id: str, problem: Problem, formulator: Formulator) -> ProblemRecord | None:
    """Evaluate one problem and commit its record; None if it was already recorded (a resumed duplicate)."""
    record = evaluate_problem(problem, formulator)
    stored = store.add_record(run_id, problem.id, record.model_dump(mode="json"),
                              verdict=record.verdict.value if record.verdict else None,
                              error_category=record.error_category.value if record.error_category else None,
                              seconds=record.seconds)
    return record if stored else None


def finish_run(store: RunStore, run_id: str, *, seconds: float) -> BenchmarkSummary:
    """Summarise what was recorded and mark the run completed."""
    summary = summarize_run(store, run_id, seconds=seconds)
    store.finish_run(run_id, summary.model_dump(mode="json"))
    return summary


def run_benchmark(
    config: BenchmarkConfig,
    store: RunStore,
    *,
    resume_run: str | None = None,
    concurrency: int = 2,
    on_record: Callable[[ProblemRecord], None] | None = None,
    on_start: Callable[[str, int], None] | None = None,
    formulator: Formulator | None = None,
) -> BenchmarkSummary:
    """Run (or resume) a benchmark in a thread pool; see the module docstring for the contract.

    Args:
        config: What to run.
        store: Where every record is committed.
        resume_run: Finish this run instead of starting one.
        concurrency: Problems in flight at once.
        on_record: Called with each newly committed record (progress display).
        on_start: Called with the run id and the number of problems left, before any is started.
        formulator: Use this formulator instead of building one from `config` (tests, custom clients).
    """
    from benchmarks.datasets import get_dataset

    started = time.perf_counter()
    dataset = get_dataset(config.dataset)
    run_id, config, todo = start_run(config, store, dataset, resume_run=resume_run)
    if on_start is not None:
        on_start(run_id, len(todo))
    form = formulator or build_formulator(config)

    def work(problem: Problem) -> None:
        record = record_problem(store, run_id, problem, form)
        if record is not None and on_record is not None:
            on_record(record)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(work, todo))
    return finish_run(store, run_id, seconds=time.perf_counter() - started)


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
