"""Prefect flows: solve one problem, run a benchmark, audit a dataset — thin wrappers over `flows.pipeline`.

Layout follows Prefect's examples: flows take typed parameters (Literal choices and pydantic option models
with descriptions, so the UI renders a form), each benchmark problem is a *task* (a subflow costs ~1 s),
and every flow publishes a markdown and a table artifact a person reads in the UI. Tasks receive ids, not
objects, so they also run on Dask workers (`DaskTaskRunner`); the dataset and formulator are rebuilt once
per worker process. The API key never appears in a parameter: the LLM endpoint comes from the worker's
environment (``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``).

What a person sees in the UI, and where it comes from:

* **The Custom run form**: every parameter is described (the flows' ``Args:`` docstring sections and the
  option models' Field descriptions), and each option model is a non-optional parameter whose default is an
  instance, so the form shows its fields with their defaults (no null toggle).
* **The Logs tab**: while a flow runs, milpflow's own loggers (the ``milpflow`` namespace, e.g. the LLM client's
  re-asks and retries) are routed to the run's logs at INFO (`_milpflow_logs_to_prefect`), beside the flows'
  lines on attempts, tokens, cost and verdicts.
* **The task list** of a benchmark: each task is named ``dataset/problem-id``; a problem whose answer is not
  isomorphic to the reference ends in a Completed state named ``Wrong`` (or ``No reference`` when the
  reference itself is unusable) and logs a warning, so wrong answers stand out without failing the run.
* **The Artifacts tab**: the solve's model (sets with their elements, parameter values, variable domains and
  bounds, objective, constraints), its solution, tokens, cost, time and strategy.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, cast

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture, wait
from prefect.logging.handlers import APILogHandler
from prefect.states import Completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from pydantic import BaseModel, ConfigDict, Field

from flows.pipeline import (
    BenchmarkConfig,
    BenchmarkSummary,
    ProblemRecord,
    build_formulator,
    finish_run,
    record_problem,
    start_run,
)
from flows.render import format_number
from flows.settings import get_settings
from flows.store import RunStore
from formulation.strategy_names import DEFAULT_STRATEGY, Strategy

if TYPE_CHECKING:
    from formulation.compile import CompiledModel
    from formulation.llm import Usage
    from formulation.spec import ModelSpec, VariableSpec
    from formulation.strategies import FormulationRecord

__all__ = [
    "AuditOptions",
    "BenchmarkOptions",
    "SolveOptionsForm",
    "audit_dataset",
    "run_benchmark",
    "solve_markdown",
    "solve_problem",
]

DatasetName = Literal["optibench", "nl4opt", "highs"]
FormulatorName = Literal["reference", "llm"]
StrategyName = Strategy

WRONG = "Wrong"
"""Name of the Completed state of a benchmark task whose answer is not isomorphic to the reference."""
NO_REFERENCE = "No reference"
"""Name of the Completed state of a benchmark task whose reference could not be read or built."""


class BenchmarkOptions(BaseModel):
    """Options of a benchmark run (rendered as a form in the Prefect UI)."""

    model_config = ConfigDict(frozen=True)

    limit: int | None = Field(default=None, ge=1, description="Only the first N problems (None: all).")
    model: str | None = Field(
        default=None, description="LLM model name (None: MILPFLOW_MODEL); ignored by the reference formulator.")
    strategy: StrategyName = Field(
        default=DEFAULT_STRATEGY,
        description="LLM formulation strategy: direct, repair (solver feedback loop) or vote.")
    text: Literal["unstructured", "structured"] = Field(
        default="unstructured", description="OptiBench only: which problem text the formulator reads.")
    resume_run: str | None = Field(
        default=None, description="Finish the missing problems of this run id (None: start a new run).")


class SolveOptionsForm(BaseModel):
    """Options of a single solve."""

    model_config = ConfigDict(frozen=True)

    strategy: StrategyName = Field(
        default=DEFAULT_STRATEGY,
        description="LLM formulation strategy: direct, repair (solver feedback loop) or vote.")
    model: str | None = Field(default=None, description="LLM model name (None: MILPFLOW_MODEL).")
    max_attempts: int = Field(default=3, ge=1, le=10, description="Attempts of the repair loop.")
    votes: int = Field(default=5, ge=2, le=20, description="Samples of the vote strategy.")


class AuditOptions(BaseModel):
    """Options of a dataset audit."""

    model_config = ConfigDict(frozen=True)

    time_limit: float = Field(default=60.0, gt=0, description="Seconds per reference solve.")
    limit: int | None = Field(default=None, ge=1, description="Only the first N problems (None: all).")


# Defaults of the option parameters: instances, so the UI's form shows every field with its default (a parameter
# typed `Options | None = None` shows a null toggle instead). The models are frozen, so sharing them is safe.
_BENCHMARK_DEFAULTS = BenchmarkOptions()
_SOLVE_DEFAULTS = SolveOptionsForm()
_AUDIT_DEFAULTS = AuditOptions()

# ------------------------------------------------------------------------------------------------ run logs
_log_lock = threading.Lock()
_log_users = 0
_log_handler: APILogHandler | None = None
_log_saved_level = logging.NOTSET


@contextmanager
def _milpflow_logs_to_prefect() -> Iterator[None]:
    """While a flow runs, send the ``milpflow`` loggers' INFO lines to the run's logs (the UI's Logs tab).

    Prefect only ships its own loggers to the API (and those named in ``PREFECT_LOGGING_EXTRA_LOGGERS``, at the
    root logger's WARNING level). This attaches Prefect's API handler to the ``milpflow`` logger and lowers it to
    INFO for the duration, unless the logging configuration already did; records are filed under the flow or
    task run of the thread that logs them. Re-entrant and thread-safe: the last flow to leave restores the logger.
    """
    global _log_users, _log_handler, _log_saved_level
    logger = logging.getLogger("milpflow")
    with _log_lock:
        if _log_users == 0:
            _log_saved_level = logger.level
            if not any(isinstance(h, APILogHandler) for h in logger.handlers):
                _log_handler = APILogHandler()
                logger.addHandler(_log_handler)
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)
        _log_users += 1
    try:
        yield
    finally:
        with _log_lock:
            _log_users -= 1
            if _log_users == 0:
                if _log_handler is not None:
                    logger.removeHandler(_log_handler)
                    _log_handler = None
                logger.setLevel(_log_saved_level)


# ------------------------------------------------------------------------------------------------ shared helpers
@lru_cache(maxsize=8)
def _dataset(name: str) -> Any:
    from benchmarks.datasets import get_dataset

    return get_dataset(name)


@lru_cache(maxsize=4)
def _store(url: str) -> RunStore:
    return RunStore(url)


def _tokens(prompt: int, completion: int) -> str:
    return f"{prompt + completion:,} tokens ({prompt:,} prompt + {completion:,} completion)"


def _cost(cost_usd: float | None, model: str | None = None) -> str:
    if cost_usd is None:
        return "unknown" + (f" (no price for model `{model}`; set MILPFLOW_PRICES)" if model else "")
    return f"${cost_usd:.6f} (estimated from list prices)" if cost_usd else "$0"


# ------------------------------------------------------------------------------------------------ benchmark
def _threads(workers: int) -> TaskRunner[PrefectFuture[Any]]:
    # Prefect's `flow(task_runner=...)` is typed TaskRunner[PrefectFuture[Any]], which its own ThreadPoolTaskRunner
    # (a TaskRunner[PrefectConcurrentFuture[R]]) does not match under invariance: a cast at the library boundary.
    return cast("TaskRunner[PrefectFuture[Any]]", ThreadPoolTaskRunner(max_workers=workers))


def _problem_state(dataset: str, record: ProblemRecord | None) -> State[Any] | dict[str, Any] | None:
    """The task's result: plain for a right answer, a Completed state named `WRONG` (or `NO_REFERENCE`) otherwise,
    which the UI's task list shows as the task's state. Logs one line per problem (a warning when wrong)."""
    logger = get_run_logger()
    if record is None:
        logger.info("already recorded in this run (resumed); skipped")
        return None
    payload = record.model_dump(mode="json")
    name = f"{dataset}/{record.problem_id}"
    cost = f"{record.prompt_tokens + record.completion_tokens:,} tokens, {record.seconds:.2f} s"
    if record.verdict == "isomorphic":
        logger.info("✅ %s: isomorphic to the reference (%s)", name, cost)
        return payload
    if record.error_category == "reference_unusable":
        logger.warning("⚠️ %s: the reference is unusable: %s", name, record.error)
        return Completed(name=NO_REFERENCE, message=f"reference unusable: {record.error}", data=payload)
    what = record.verdict or record.error_category or "no verdict"
    why = record.reason or record.error or ""
    logger.warning("❌ %s: %s%s (%s)", name, what, f" — {why}" if why else "", cost)
    return Completed(name=WRONG, message=f"{what}: {why}" if why else what, data=payload)


@task(name="evaluate-problem", cache_policy=NO_CACHE, task_run_name="{dataset}/{problem_id}")
def evaluate_problem_task(
    run_id: str, dataset: str, problem_id: str, config: dict[str, Any], store_url: str
) -> State[Any] | dict[str, Any] | None:
    """Formulate, compare and commit one problem (its failure is a record, not a task failure).

    Takes ids and the run's config as plain data, so it also runs on Dask workers; the dataset and the formulator
    are rebuilt once per worker process (`flows.pipeline.build_formulator`)."""
    with _milpflow_logs_to_prefect():
        run_config = BenchmarkConfig.model_validate(config)
        problem = _dataset(dataset).get(problem_id, **run_config.problem_options())
        record = record_problem(_store(store_url), run_id, problem, build_formulator(run_config))
        return _problem_state(dataset, record)


@flow(name="run-benchmark", task_runner=_threads(4),
      description="Benchmark a formulator on a dataset: one task per problem (named dataset/problem-id; a wrong "
                  "answer ends in a Completed state named Wrong), every result committed to the run store, a "
                  "summary artifact at the end.")
def run_benchmark(
    dataset: DatasetName = "nl4opt",
    formulator: FormulatorName = "reference",
    options: BenchmarkOptions = _BENCHMARK_DEFAULTS,
) -> dict[str, Any]:
    """Benchmark a formulator on a dataset: one task per problem, every result committed to the run store.

    Args:
        dataset: Which benchmark: optibench (OptiBench), nl4opt (NL4Opt) or highs (HiGHS test instances).
        formulator: Who writes the models: reference (each problem's own reference model, an offline check of the
            harness that must score 100 %) or llm (the LLM endpoint in the serving process's environment).
        options: Problem limit, LLM model and strategy, OptiBench text variant, and a run id to resume.
    """
    with _milpflow_logs_to_prefect():
        logger = get_run_logger()
        started = time.perf_counter()
        settings = get_settings()
        store_url = settings.store_url()
        store = _store(store_url)
        config = BenchmarkConfig(dataset=dataset, formulator=formulator, model=options.model,
                                 strategy=options.strategy, limit=options.limit, text=options.text)
        run_id, config, todo = start_run(config, store, _dataset(dataset), resume_run=options.resume_run)
        logger.info("run %s: %d problem(s) of %s to formulate with the %s formulator", run_id, len(todo), dataset,
                    formulator)
        futures = evaluate_problem_task.map(
            unmapped(run_id), unmapped(dataset), [p.id for p in todo], unmapped(config.model_dump(mode="json")),
            unmapped(store_url),
        )
        wait(futures)
        summary = finish_run(store, run_id, seconds=time.perf_counter() - started)
        logger.info("run %s: structural accuracy %.1f%% over %d solvable, %s, cost %s, %.1f s", run_id,
                    100 * summary.structural_accuracy, summary.solvable,
                    _tokens(summary.prompt_tokens, summary.completion_tokens), _cost(summary.cost_usd), summary.seconds)
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


# ------------------------------------------------------------------------------------------------ solve
@flow(name="solve-problem",
      description="Formulate a decision problem written in words with the LLM, solve it with HiGHS, and publish "
                  "the model and its solution as an artifact (Run ▸ Custom run, type the problem).")
def solve_problem(
    problem: str,
    data: dict[str, Any] | None = None,
    options: SolveOptionsForm = _SOLVE_DEFAULTS,
) -> dict[str, Any]:
    """Formulate a problem in words with the LLM stage, solve it, and publish the model and solution.

    Args:
        problem: The decision problem in words: what is decided, what is optimised, the limits, and the numbers
            (unless they are in `data`). Example: "Two plants (capacities 350 and 600 cases) ship to three markets
            (demands 325, 300, 275); freight is $90 per case per thousand miles; minimise the freight cost."
        data: Optional data the model refers to by name, as a JSON object: entry name → number, list, nested list (a
            matrix, rows first) or list of labels. Example: {"supply": [350, 600], "demand": [325, 300, 275],
            "distance": [[2.5, 1.7, 1.8], [2.5, 1.8, 1.4]], "freight": 90, "plants": ["Seattle", "SanDiego"]}.
            Leave empty when the text states every number.
        options: Formulation strategy, LLM model, repair attempts and vote samples.
    """
    from formulation.llm import LLMClient
    from formulation.settings import LLMSettings
    from formulation.strategies import StrategyOptions, formulate

    with _milpflow_logs_to_prefect():
        logger = get_run_logger()
        started = time.perf_counter()
        settings = LLMSettings(model=options.model) if options.model else LLMSettings()
        logger.info("formulating with strategy %s (model %s)%s", options.strategy, settings.model,
                    f", data entries: {', '.join(sorted(data))}" if data else "")
        record = formulate(LLMClient(settings), problem, data,
                           StrategyOptions(strategy=options.strategy, max_attempts=options.max_attempts,
                                           votes=options.votes))
        for attempt in record.attempts:
            if attempt.error_category is not None:
                outcome = f"{attempt.error_category}: {attempt.error}"
            else:
                outcome = f"{attempt.status.value if attempt.status else 'built'}, objective " \
                          f"{format_number(attempt.objective)}"
            logger.info("attempt %d: %s (%s, %.2f s)", attempt.number, outcome,
                        _tokens(attempt.usage.prompt_tokens, attempt.usage.completion_tokens), attempt.seconds)
        logger.info("%s, cost %s", _tokens(record.usage.prompt_tokens, record.usage.completion_tokens),
                    _cost(record.usage.cost_usd, record.model))
        if record.result is not None and record.result.objective is not None:
            logger.info("solved: %s, objective %s", record.result.status.value, format_number(record.result.objective))
        else:
            logger.warning("no solution: %s", record.error or (record.result.status.value if record.result else "-"))
        compiled = _compile_for_display(record, data)
        markdown = solve_markdown(problem, record, compiled, seconds=time.perf_counter() - started)
        create_markdown_artifact(markdown, key="solve-problem", description="formulated model and solution")
        rows = [{"variable": k, "value": v} for k, v in (record.result.variables if record.result else {}).items()]
        create_table_artifact(rows or [{"variable": "-", "value": None}], key="solve-problem-solution",
                              description="every variable's value")
        return record.model_dump(mode="json")


def _compile_for_display(record: FormulationRecord, data: Mapping[str, Any] | None) -> CompiledModel | None:
    """The compiled model (sets and parameters resolved against `data`), or None when it does not build."""
    if record.spec is None:
        return None
    from formulation.compile import ModelBuildError, compile_spec

    try:
        return compile_spec(record.spec, data)
    except (ModelBuildError, ValueError):
        return None


_MAX_ELEMENTS = 12
_MAX_VALUES = 12
_MAX_SOLUTION_ROWS = 50


def _cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text: object) -> str:
    """Inline code safe inside a markdown table cell."""
    return "`" + _cell(text).replace("`", "'") + "`"


def _elements(elements: Sequence[object]) -> str:
    shown = [str(e) for e in elements]
    if len(shown) > _MAX_ELEMENTS:
        shown = [*shown[: _MAX_ELEMENTS - 2], "…", *shown[-2:]]
    return "{" + ", ".join(shown) + "}"


def _key(key: Sequence[object]) -> str:
    return str(key[0]) if len(key) == 1 else "(" + ", ".join(map(str, key)) + ")"


def _values(values: Mapping[tuple[Any, ...], float], default: float | None) -> str:
    """Small parameters in full, big ones summarised."""
    note = f" (default {format_number(default)})" if default is not None else ""
    if not values:
        return "no entries" + note
    if len(values) <= _MAX_VALUES:
        return ", ".join(f"{_key(k)}: {format_number(v)}" for k, v in values.items()) + note
    numbers = list(values.values())
    first = ", ".join(f"{_key(k)}: {format_number(v)}" for k, v in list(values.items())[:3])
    return (f"{len(numbers)} values, min {format_number(min(numbers))}, max {format_number(max(numbers))}, "
            f"mean {format_number(statistics.fmean(numbers))}; first {first}, …{note}")


def _bounds(variable: VariableSpec) -> str:
    def shown(bound: float | str) -> str:
        if isinstance(bound, str):
            return "-∞" if bound.strip() == "-inf" else bound
        return format_number(bound).replace("inf", "∞")

    lower = "0" if variable.lower is None else shown(variable.lower)
    upper = ("1" if variable.domain == "binary" else "∞") if variable.upper is None else shown(variable.upper)
    return f"{lower} ≤ {variable.name} ≤ {upper}"


def solve_markdown(problem: str, record: FormulationRecord, compiled: CompiledModel | None, *,
                   seconds: float) -> str:
    """The solve artifact: headline result, cost and time, the model part by part, the solution, the attempts."""
    spec = record.spec
    result = record.result
    lines = [f"# Solve{f': {spec.name}' if spec is not None else ''}", ""]
    if result is not None:
        sense = f" ({spec.objective.sense})" if spec is not None else ""
        lines += [f"**{result.status.value}** · objective **{format_number(result.objective)}**{sense}", ""]
    else:
        lines += [f"**no model** · {_cell(record.error_category or 'failed')}: {_cell(record.error or '')}", ""]
    strategy = record.strategy + (f" (vote confidence {record.vote.confidence:.0%}, class sizes "
                                  f"{record.vote.class_sizes})" if record.vote is not None else "")
    lines += ["| measure | value |", "|---|---|",
              f"| strategy | {_cell(strategy)}, {len(record.attempts)} attempt(s) |",
              f"| model | {_code(record.model)} |",
              f"| tokens | {_tokens(record.usage.prompt_tokens, record.usage.completion_tokens)}, "
              f"{record.usage.calls} call(s) |",
              f"| cost | {_cell(_cost(record.usage.cost_usd, record.model))} |",
              f"| time | {record.seconds:.2f} s formulating and solving, {seconds:.2f} s in all"
              + (f"; HiGHS {result.solve_seconds:.3f} s" if result is not None else "") + " |",
              ""]
    if record.error and result is not None:
        lines += [f"**{_cell(record.error_category)}**: {_cell(record.error)}", ""]
    lines += ["## Problem", "", *("> " + line if line.strip() else ">" for line in problem.strip().splitlines()), ""]
    if spec is not None:
        lines += _model_markdown(spec, compiled)
    if result is not None:
        lines += _solution_markdown(result.variables, result.message)
    lines += _attempts_markdown(record)
    return "\n".join(lines) + "\n"


def _model_markdown(spec: ModelSpec, compiled: CompiledModel | None) -> list[str]:
    scope = compiled.scope if compiled is not None else None
    lines = ["## Model", ""]
    if spec.description:
        lines += [_cell(spec.description), ""]
    if spec.sets:
        lines += ["### Sets", "", "| set | size | elements | description |", "|---|---|---|---|"]
        for s in spec.sets:
            members = scope.sets.get(s.name) if scope is not None else s.elements
            if members is not None:
                size, shown = str(len(members)), _elements(members)
            elif s.range is not None:
                size = str(s.range.size) if s.range.size is not None else f"len(`{s.range.size_from}`)"
                shown = f"{s.range.start}, {s.range.start + 1}, …"
            else:
                size, shown = "?", f"labels from data `{s.elements_from}`"
            lines.append(f"| {_code(s.name)} | {size} | {_cell(shown)} | {_cell(s.description or '')} |")
        lines.append("")
    if spec.parameters:
        lines += ["### Parameters", "", "| parameter | values | description |", "|---|---|---|"]
        for p in spec.parameters:
            name = p.name + (f"[{', '.join(p.indices)}]" if p.indices else "")
            bound = scope.params.get(p.name) if scope is not None else None
            if bound is not None and bound.value is not None:
                shown = format_number(bound.value)
            elif bound is not None:
                shown = _values(bound.values, bound.default)
            elif p.value is not None:
                shown = format_number(p.value)
            elif p.values is not None:
                shown = _values({tuple(v.index): v.value for v in p.values}, p.default)
            else:
                shown = f"data `{p.data_key}`"
            if p.data_key is not None and bound is not None:
                shown = f"{shown} (data `{p.data_key}`)"
            lines.append(f"| {_code(name)} | {_cell(shown)} | {_cell(p.description or '')} |")
        lines.append("")
    lines += ["### Variables", "", "| variable | domain | bounds | columns | description |", "|---|---|---|---|---|"]
    for v in spec.variables:
        name = v.name + (f"[{', '.join(v.indices)}]" if v.indices else "")
        columns = len(scope.variables[v.name].columns) if scope is not None and v.name in scope.variables else "?"
        lines.append(f"| {_code(name)} | {v.domain} | {_cell(_bounds(v))} | {columns} | {_cell(v.description or '')} |")
    lines += ["", "### Objective", "", f"{spec.objective.sense} {_code(spec.objective.expression)}"
              + (f" — {_cell(spec.objective.description)}" if spec.objective.description else ""), ""]
    if spec.constraints:
        rows: dict[str, int] = {}
        for name, _ in compiled.row_keys if compiled is not None else []:
            rows[name] = rows.get(name, 0) + 1
        lines += ["### Constraints", "", "| constraint | for | expression | rows | description |",
                  "|---|---|---|---|---|"]
        for c in spec.constraints:
            lines.append(f"| {_code(c.name)} | {_code(c.forall) if c.forall else ''} | {_code(c.expression)} | "
                         f"{rows.get(c.name, '?') if compiled is not None else '?'} | {_cell(c.description or '')} |")
        lines.append("")
    return lines


def _solution_markdown(variables: Mapping[str, float], message: str | None) -> list[str]:
    nonzero = [(k, v) for k, v in variables.items() if abs(v) > 1e-9]
    lines = ["## Solution", ""]
    if message:
        lines += [_cell(message), ""]
    if not variables:
        return [*lines, "No values (no solution was found).", ""]
    lines += [f"{len(nonzero)} non-zero of {len(variables)} variables.", "", "| variable | value |", "|---|---|"]
    lines += [f"| {_code(k)} | {format_number(v)} |" for k, v in nonzero[:_MAX_SOLUTION_ROWS]]
    if len(nonzero) > _MAX_SOLUTION_ROWS:
        lines.append(f"| … | {len(nonzero) - _MAX_SOLUTION_ROWS} more in the `solve-problem-solution` table |")
    return [*lines, ""]


def _attempts_markdown(record: FormulationRecord) -> list[str]:
    if not record.attempts:
        return []
    lines = ["## Attempts", "", "| # | outcome | objective | tokens | seconds |", "|---|---|---|---|---|"]
    for a in record.attempts:
        outcome = f"{a.error_category}: {a.error}" if a.error_category else (a.status.value if a.status else "built")
        lines.append(f"| {a.number} | {_cell(outcome)} | {format_number(a.objective)} | "
                     f"{_usage_tokens(a.usage):,} | {a.seconds:.2f} |")
    return [*lines, ""]


def _usage_tokens(usage: Usage) -> int:
    return usage.prompt_tokens + usage.completion_tokens


# ------------------------------------------------------------------------------------------------ audit
@flow(name="audit-dataset",
      description="Solve every reference model of a dataset and publish the status counts and the unusable "
                  "references.")
def audit_dataset(dataset: DatasetName = "nl4opt", options: AuditOptions = _AUDIT_DEFAULTS) -> dict[str, Any]:
    """Solve every reference model of a dataset and publish the status counts and unusable references.

    Args:
        dataset: Which benchmark: optibench (OptiBench), nl4opt (NL4Opt) or highs (HiGHS test instances).
        options: Time limit per reference solve and a problem limit.
    """
    from benchmarks.datasets.audit import audit

    with _milpflow_logs_to_prefect():
        logger = get_run_logger()
        report = audit(_dataset(dataset), time_limit=options.time_limit, limit=options.limit)
        logger.info("audited %d problems of %s@%s in %.1f s: %s", report.problems, report.dataset, report.version,
                    report.seconds, ", ".join(f"{k} {v}" for k, v in report.status_counts.items()))
        lines = [f"# Audit of {report.dataset}@{report.version}", "", f"{report.problems} problems, "
                 f"{report.seconds:.1f} s", "", "| status | count |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in report.status_counts.items()]
        for title, rows in (("Out of scope", report.out_of_scope), ("Errors", report.errors),
                            ("Disagreements", report.disagreements)):
            if rows:
                logger.warning("%s: %d problem(s)", title.lower(), len(rows))
                lines += ["", f"## {title}", ""] + [f"- {r.problem_id}: {r.message}" for r in rows[:30]]
        create_markdown_artifact("\n".join(lines), key=f"audit-{dataset}", description="dataset audit")
        create_table_artifact([{"status": k, "count": v} for k, v in report.status_counts.items()],
                              key=f"audit-{dataset}-counts")
        return report.model_dump(mode="json", exclude={"rows"})
