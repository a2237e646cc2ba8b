"""Prefect flows: solve one problem, run a benchmark, audit a dataset — thin wrappers over `flows.pipeline`.

Layout follows Prefect's examples: flows take typed parameters (Literal choices and pydantic option models
with descriptions, so the UI renders a form), each benchmark problem is a *task* (a subflow costs ~1 s),
and every flow publishes a markdown and a table artifact a person reads in the UI. Tasks receive ids, not
objects, so they also run on Dask workers (`DaskTaskRunner`); the dataset and formulator are rebuilt once
per worker process. The API key never appears in a parameter: the LLM endpoint comes from the worker's
environment (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any, Literal

from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, Field

from flows.pipeline import BenchmarkSummary, ProblemRecord, record_problem, start_run, summarize_run
from flows.render import format_number
from flows.settings import get_settings
from flows.store import RunStore

__all__ = [
    "AuditOptions",
    "BenchmarkOptions",
    "SolveOptionsForm",
    "audit_dataset",
    "run_benchmark",
    "solve_problem",
]

DatasetName = Literal["optibench", "nl4opt", "highs"]
FormulatorName = Literal["reference", "llm"]


class BenchmarkOptions(BaseModel):
    """Options of a benchmark run (rendered as a form in the Prefect UI)."""

    limit: int | None = Field(None, ge=1, description="Only the first N problems (empty: all).")
    model: str | None = Field(None, description="LLM model name (empty: MILPFLOW_MODEL).")
    strategy: Literal["direct", "repair", "vote"] = Field("direct", description="LLM formulation strategy.")
    text: Literal["unstructured", "structured"] = Field("unstructured", description="OptiBench text variant.")
    resume_run: str | None = Field(None, description="Finish the missing problems of this run id.")


class SolveOptionsForm(BaseModel):
    """Options of a single solve."""

    strategy: Literal["direct", "repair", "vote"] = Field("repair", description="LLM formulation strategy.")
    model: str | None = Field(None, description="LLM model name (empty: MILPFLOW_MODEL).")
    max_attempts: int = Field(3, ge=1, le=10, description="Attempts of the repair loop.")
    votes: int = Field(5, ge=2, le=20, description="Samples of the vote strategy.")


class AuditOptions(BaseModel):
    time_limit: float = Field(60.0, gt=0, description="Seconds per reference solve.")
    limit: int | None = Field(None, ge=1, description="Only the first N problems.")


@lru_cache(maxsize=8)
def _dataset(name: str) -> Any:
    from benchmarks.datasets import get_dataset

    return get_dataset(name)


@lru_cache(maxsize=8)
def _formulator(kind: str, model: str | None, strategy: str) -> Any:
    from flows.formulators import LLMFormulator, ReferenceFormulator

    if kind == "reference":
        return ReferenceFormulator()
    from formulation.llm import LLMClient
    from formulation.settings import LLMSettings
    from formulation.strategies import StrategyOptions

    settings = LLMSettings(**({"model": model} if model else {}))
    return LLMFormulator(LLMClient(settings), StrategyOptions(strategy=strategy))  # type: ignore[arg-type]


@lru_cache(maxsize=4)
def _store(url: str) -> RunStore:
    return RunStore(url)


@task(name="evaluate-problem", cache_policy=NO_CACHE, task_run_name="{problem_id}")
def evaluate_problem_task(
    run_id: str, dataset: str, problem_id: str, formulator: str, options: dict[str, Any], store_url: str
) -> dict[str, Any] | None:
    """Formulate, compare and commit one problem (its failure is a record, not a task failure)."""
    ds = _dataset(dataset)
    problem = ds.get(problem_id, text=options.get("text", "unstructured"))
    form = _formulator(formulator, options.get("model"), options.get("strategy", "direct"))
    record = record_problem(_store(store_url), run_id, problem, form)
    return record.model_dump(mode="json") if record is not None else None


@flow(name="run-benchmark", task_runner=ThreadPoolTaskRunner(max_workers=4))
def run_benchmark(
    dataset: DatasetName = "nl4opt",
    formulator: FormulatorName = "reference",
    options: BenchmarkOptions | None = None,
) -> dict[str, Any]:
    """Benchmark a formulator on a dataset: one task per problem, every result committed to the run store."""
    options = options or BenchmarkOptions()
    started = time.perf_counter()
    settings = get_settings()
    store_url = settings.store_url()
    store = _store(store_url)
    ds = _dataset(dataset)
    problem_options = {"text": options.text} if dataset == "optibench" else {}
    run_id, todo = start_run(
        ds, formulator, store, run_id=options.resume_run, resume=options.resume_run is not None,
        limit=options.limit, settings={"options": options.model_dump()}, model=options.model,
        strategy=options.strategy if formulator == "llm" else None, problem_options=problem_options,
    )
    futures = evaluate_problem_task.map(
        unmapped(run_id), unmapped(dataset), [p.id for p in todo], unmapped(formulator),
        unmapped({**options.model_dump(), "text": options.text}), unmapped(store_url),
    )
    wait(futures)
    summary = summarize_run(store, run_id, seconds=time.perf_counter() - started)
    store.finish_run(run_id, summary.model_dump(mode="json"))
    _publish_benchmark(summary, store, run_id)
    return summary.model_dump(mode="json")


def _publish_benchmark(summary: BenchmarkSummary, store: RunStore, run_id: str) -> None:
    records = [ProblemRecord.model_validate(r.payload) for r in store.records(run_id)]
    worst = [r for r in records if r.verdict != "isomorphic"][:10]
    lines = [
        f"# Benchmark {summary.dataset}@{summary.version} · {summary.formulator} · run `{run_id}`",
        "",
        "| measure | value |",
        "|---|---|",
        f"| problems recorded | {summary.recorded}/{summary.problems} |",
        f"| solvable references | {summary.solvable} |",
        f"| structural accuracy | {summary.structural_accuracy:.1%} |",
        f"| objective accuracy (1e-6) | {summary.objective_accuracy:.1%} |",
        f"| objective accuracy (lenient) | {summary.objective_accuracy_lenient:.1%} |",
        f"| status accuracy | {summary.status_accuracy:.1%} |",
        f"| invalid rate | {summary.invalid_rate:.1%} |",
        f"| tokens | {summary.prompt_tokens + summary.completion_tokens:,} |",
        f"| cost | {'unknown' if summary.cost_usd is None else f'${summary.cost_usd:.4f}'} |",
        "",
    ]
    if worst:
        lines += ["## Failures", ""]
        lines += [f"- **{r.problem_id}** ({r.verdict or r.error_category}): {r.reason or r.error or ''}" for r in worst]
    key = f"benchmark-{summary.dataset}".lower()
    create_markdown_artifact("\n".join(lines), key=key, description=f"benchmark summary of run {run_id}")
    create_table_artifact(summary.by_class or [{"group": "all", "n": summary.solvable}], key=f"{key}-by-class",
                          description="accuracy by problem class")


@flow(name="solve-problem")
def solve_problem(
    problem: str,
    data: dict[str, Any] | None = None,
    options: SolveOptionsForm | None = None,
) -> dict[str, Any]:
    """Formulate a problem in words with the LLM stage, solve it, and publish the model and solution."""
    from formulation.llm import LLMClient
    from formulation.settings import LLMSettings
    from formulation.strategies import StrategyOptions, formulate

    options = options or SolveOptionsForm()
    settings = LLMSettings(**({"model": options.model} if options.model else {}))
    record = formulate(LLMClient(settings), problem, data,
                       StrategyOptions(strategy=options.strategy, max_attempts=options.max_attempts,
                                       votes=options.votes))
    lines = ["# Solve", "", "## Problem", "", problem.strip(), ""]
    if record.spec is not None:
        lines += ["## Model", "", f"- objective: {record.spec.objective.sense} `{record.spec.objective.expression}`"]
        lines += [f"- `{c.name}`" + (f" for `{c.forall}`" if c.forall else "") + f": `{c.expression}`"
                  + (f" — {c.description}" if c.description else "") for c in record.spec.constraints]
    if record.result is not None:
        outcome = f"status **{record.result.status.value}**, objective {format_number(record.result.objective)}"
        lines += ["", "## Solution", "", outcome, ""]
        lines += [f"- {k} = {v:g}" for k, v in record.result.variables.items() if abs(v) > 1e-9][:50]
    if record.error:
        lines += ["", f"**{record.error_category}**: {record.error}"]
    lines += ["", f"{len(record.attempts)} attempt(s), {record.usage.prompt_tokens + record.usage.completion_tokens:,} "
              "tokens"]
    create_markdown_artifact("\n".join(lines), key="solve-problem", description="formulated model and solution")
    rows = [{"variable": k, "value": v} for k, v in (record.result.variables if record.result else {}).items()]
    create_table_artifact(rows or [{"variable": "-", "value": None}], key="solve-problem-solution")
    return record.model_dump(mode="json")


@flow(name="audit-dataset")
def audit_dataset(dataset: DatasetName = "nl4opt", options: AuditOptions | None = None) -> dict[str, Any]:
    """Solve every reference model of a dataset and publish the status counts and unusable references."""
    from benchmarks.datasets.audit import audit

    options = options or AuditOptions()
    report = audit(_dataset(dataset), time_limit=options.time_limit, limit=options.limit)
    lines = [f"# Audit of {report.dataset}@{report.version}", "", f"{report.problems} problems, "
             f"{report.seconds:.1f} s", "", "| status | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in report.status_counts.items()]
    for title, rows in (("Out of scope", report.out_of_scope), ("Errors", report.errors),
                        ("Disagreements", report.disagreements)):
        if rows:
            lines += ["", f"## {title}", ""] + [f"- {r.problem_id}: {r.message}" for r in rows[:30]]
    create_markdown_artifact("\n".join(lines), key=f"audit-{dataset}", description="dataset audit")
    create_table_artifact([{"status": k, "count": v} for k, v in report.status_counts.items()],
                          key=f"audit-{dataset}-counts")
    return report.model_dump(mode="json", exclude={"rows"})
