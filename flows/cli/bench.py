"""`milpflow bench`: run a benchmark — formulate every problem, compare it with its reference, record the result.

Without a Prefect API the benchmark runs in this process (a run starts in about a second); with ``--track``,
``PREFECT_API_URL`` or ``--task-runner dask`` it runs as a Prefect flow. Either way the work happens behind
`_execute_benchmark`, the only place that knows how the orchestration is called; the rest of this module deals
with options, progress, interruption and output. Ctrl-C stops the run (exit code 130) and prints the command
that finishes it: ``milpflow bench DATASET --resume RUN_ID``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.errors import ExitCode, fail, user_errors
from flows.cli.options import (
    DEFAULT_STRATEGY,
    FormulatorName,
    Strategy,
    TaskRunner,
    int_option,
    parse_formulator,
    parse_strategy,
    parse_task_runner,
)

if TYPE_CHECKING:
    from flows.pipeline import BenchmarkSummary, ProblemRecord

__all__ = ["BenchOptions", "bench", "register"]


@dataclass(frozen=True)
class BenchOptions:
    """The parsed options of one `milpflow bench`."""

    dataset: str
    formulator: FormulatorName = "reference"
    model: str | None = None
    strategy: Strategy = DEFAULT_STRATEGY
    concurrency: int = 2
    limit: int | None = None
    resume: str | None = None
    structured: bool = False
    track: bool = False
    task_runner: TaskRunner = "thread"
    dask_address: str | None = None

    @property
    def as_flow(self) -> bool:
        """Whether the run goes through Prefect (tracked in a UI, or on Dask)."""
        return self.track or bool(os.environ.get("PREFECT_API_URL")) or self.task_runner != "thread"


def register(app: typer.Typer) -> None:
    """Add ``bench`` to `app`."""
    app.command("bench")(bench)


def bench(
    dataset: Annotated[str, typer.Argument(help="optibench, nl4opt or highs (milpflow datasets list).")],
    formulator: Annotated[FormulatorName, typer.Option(parser=parse_formulator, metavar="[reference|llm]",
                                                       help="reference (offline check of the harness) or llm.")
                          ] = "reference",
    model: Annotated[str | None, typer.Option("--model", help="LLM model (default MILPFLOW_MODEL).")] = None,
    strategy: Annotated[Strategy, typer.Option(parser=parse_strategy, metavar="[direct|repair|vote]",
                                               help="LLM strategy (the same default as solve).")] = DEFAULT_STRATEGY,
    concurrency: Annotated[int, typer.Option(parser=int_option(minimum=1), metavar="N",
                                             help="Problems in flight at once.")] = 2,
    limit: Annotated[int | None, typer.Option(parser=int_option(minimum=1), metavar="N",
                                              help="Only the first N problems.")] = None,
    resume: Annotated[str | None, typer.Option("--resume", metavar="RUN_ID",
                                               help="Finish the missing problems of this run.")] = None,
    structured: Annotated[bool, typer.Option("--structured", help="OptiBench: structured texts.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one summary object at the end.")] = False,
    track: Annotated[bool, typer.Option("--track", help="Run as a Prefect flow run (visible in the UI); "
                                        "implied when PREFECT_API_URL is set.")] = False,
    task_runner: Annotated[TaskRunner, typer.Option(parser=parse_task_runner, metavar="[thread|dask]",
                                                    help="thread, or dask (needs the `dask` extra).")] = "thread",
    dask_address: Annotated[str | None, typer.Option(help="Existing Dask scheduler, tcp://host:8786.")] = None,
) -> None:
    """Run a benchmark: formulate every problem, compare with its reference, record each result.

    Ctrl-C stops it (exit code 130) and prints the command that resumes the run.
    """
    from flows.cli.progress import BenchProgress
    from flows.cli.summary import print_summary

    options = BenchOptions(dataset=dataset, formulator=formulator, model=model, strategy=strategy,
                           concurrency=concurrency, limit=limit, resume=resume, structured=structured, track=track,
                           task_runner=task_runner, dask_address=dask_address)
    _check(options, as_json)
    progress = BenchProgress(f"{dataset} × {formulator}", quiet=as_json)

    def on_start(run_id: str, remaining: int) -> None:
        progress.on_start(run_id, remaining, _stored_payloads(run_id) if resume else None)

    try:
        with user_errors(as_json=as_json, also=(KeyError, ValueError)), progress:
            summary = _execute_benchmark(options, on_record=progress.on_record, on_start=on_start)
    except KeyboardInterrupt:
        run_id = progress.run_id or resume
        hint = (f"interrupted; finish the run with: milpflow bench {dataset} --resume {run_id}" if run_id
                else "interrupted before the run started; nothing was recorded")
        raise fail(hint, as_json=as_json, code=ExitCode.INTERRUPTED) from None
    if as_json:
        print(summary.model_dump_json())
        return
    print_summary(summary.model_dump())


def _check(options: BenchOptions, as_json: bool) -> None:
    """Fail fast, before a run is created or reopened, on a dataset, a run id or an LLM endpoint that cannot work
    (a resumed run uses the formulator it was started with)."""
    from benchmarks.datasets import UnknownDatasetError, get_dataset

    with user_errors(as_json=as_json, also=(UnknownDatasetError,)):
        get_dataset(options.dataset)
    formulator: str = options.formulator
    if options.resume is not None:
        from flows.cli.settings import open_store

        with user_errors(as_json=as_json, also=(KeyError,)):
            formulator = open_store(as_json).get_run(options.resume).formulator
    if formulator == "llm":
        from pydantic import ValidationError

        from flows.cli.errors import describe
        from formulation.llm import not_configured_message
        from formulation.settings import LLMSettings

        overrides: dict[str, Any] = {"model": options.model} if options.model else {}
        try:
            configured = LLMSettings(**overrides).configured
        except ValidationError as exc:
            raise fail(f"invalid LLM setting {describe(exc)}", as_json=as_json) from None
        if not configured:
            raise fail(not_configured_message(), as_json=as_json)


def _stored_payloads(run_id: str) -> list[dict[str, Any]]:
    """The records a resumed run already has, so its progress counts from where it stopped."""
    from flows.cli.settings import open_store

    return [row.payload for row in open_store(as_json=False).records(run_id)]


def _execute_benchmark(
    options: BenchOptions,
    *,
    on_record: Callable[[ProblemRecord], None],
    on_start: Callable[[str, int], None],
) -> BenchmarkSummary:
    """Run (or resume) the benchmark `options` describe and return its summary.

    The one place that calls the orchestration (`flows.pipeline` in this process, `flows.prefect_flows` for a
    tracked or Dask run). `on_start(run_id, problems_left)` is called once the run exists, `on_record` with each
    newly committed record (both only in this process: a Prefect run reports through its UI).

    Raises:
        KeyError: `options.resume` names no run.
        ValueError: `options.resume` is a run of another dataset.
        MilpflowError: the models or settings cannot be used.
        typer.Exit: Prefect-only options that cannot work here (missing prefect-dask).
    """
    if options.as_flow:
        return _execute_as_flow(options)
    from flows.cli.settings import open_store
    from flows.pipeline import BenchmarkConfig, run_benchmark

    config = BenchmarkConfig.model_validate({
        "dataset": options.dataset, "formulator": options.formulator, "model": options.model,
        "strategy": options.strategy, "limit": options.limit,
        "text": "structured" if options.structured else "unstructured",
    })
    return run_benchmark(config, open_store(as_json=False), resume_run=options.resume,
                         concurrency=options.concurrency, on_record=on_record, on_start=on_start)


def _execute_as_flow(options: BenchOptions) -> BenchmarkSummary:
    """The benchmark as a Prefect flow run, on threads or on a Dask cluster."""
    from flows.pipeline import BenchmarkSummary
    from flows.prefect_flows import BenchmarkOptions, run_benchmark

    runner: Any
    if options.task_runner == "dask":
        try:
            from prefect_dask.task_runners import DaskTaskRunner
        except ImportError:
            raise fail("--task-runner dask needs prefect-dask: pip install 'milpflow[dask]'", as_json=False) from None
        runner = DaskTaskRunner(address=options.dask_address) if options.dask_address else DaskTaskRunner(
            cluster_kwargs={"n_workers": options.concurrency, "threads_per_worker": 1, "dashboard_address": None})
    else:
        from prefect.task_runners import ThreadPoolTaskRunner

        runner = ThreadPoolTaskRunner(max_workers=options.concurrency)
    flow_options = BenchmarkOptions.model_validate({
        "limit": options.limit, "model": options.model, "strategy": options.strategy,
        "text": "structured" if options.structured else "unstructured", "resume_run": options.resume,
    })
    flow: Callable[..., dict[str, Any]] = run_benchmark.with_options(task_runner=runner)
    return BenchmarkSummary.model_validate(flow(options.dataset, options.formulator, flow_options))
