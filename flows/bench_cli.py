"""`milpflow bench` and `milpflow runs list|show|compare`: benchmark runs from the command line.

Without a Prefect API these call `flows.pipeline` directly (a run starts in about a second); the
Prefect flows wrap the same functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = ["register"]

console = Console()
err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    runs = typer.Typer(help="Stored benchmark runs.", no_args_is_help=True)
    app.add_typer(runs, name="runs")

    @app.command("bench")
    def bench_command(
        dataset: Annotated[str, typer.Argument(help="optibench, nl4opt or highs")],
        formulator: Annotated[str, typer.Option(help="reference (offline check of the harness) or llm.")] = "reference",
        model: Annotated[str | None, typer.Option("--model", help="LLM model (default MILPFLOW_MODEL).")] = None,
        strategy: Annotated[str, typer.Option(help="LLM strategy: direct, repair or vote.")] = "direct",
        concurrency: Annotated[int, typer.Option(help="Problems in flight at once.")] = 2,
        limit: Annotated[int | None, typer.Option(help="Only the first N problems.")] = None,
        resume: Annotated[str | None, typer.Option("--resume", help="Finish the missing problems of this run.")] = None,
        structured: Annotated[bool, typer.Option("--structured", help="OptiBench: structured texts.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print one summary object at the end.")] = False,
        track: Annotated[bool, typer.Option("--track", help="Run as a Prefect flow run (visible in the UI); "
                                            "implied when PREFECT_API_URL is set.")] = False,
        task_runner: Annotated[str, typer.Option(help="thread, or dask (needs the `dask` extra).")] = "thread",
        dask_address: Annotated[str | None, typer.Option(help="Existing Dask scheduler, tcp://host:8786.")] = None,
    ) -> None:
        """Run a benchmark: formulate every problem, compare with its reference, record each result."""
        import os

        if track or os.environ.get("PREFECT_API_URL") or task_runner != "thread":
            _bench_as_flow(dataset, formulator, model, strategy, concurrency, limit, resume, structured, as_json,
                           task_runner, dask_address)
            return
        from benchmarks.datasets import UnknownDatasetError, get_dataset
        from flows.pipeline import run_benchmark
        from flows.settings import get_settings
        from flows.store import RunStore

        try:
            ds = get_dataset(dataset)
        except UnknownDatasetError as exc:
            err_console.print(f"[bold red]error:[/bold red] {escape(str(exc.args[0]))}")
            raise typer.Exit(2) from None
        settings = get_settings()
        store = RunStore(settings.store_url())
        form, model_name, details = _formulator(formulator, model, strategy)
        options = {"text": "structured" if structured else "unstructured"} if ds.name == "optibench" else {}
        total = len(list(ds.problems(**options)))
        total = min(total, limit) if limit else total
        counts = {"done": 0, "failed": 0, "iso": 0, "tokens": 0, "cost": 0.0}
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.fields[stats]}"), console=err_console, transient=as_json) as progress:
            task = progress.add_task(f"{ds.name} × {form.name}", total=total, stats="")
            if resume:
                done = len(store.recorded_ids(resume))
                progress.update(task, completed=done)

            def on_record(record: Any) -> None:
                counts["done"] += 1
                counts["failed"] += record.error_category is not None and record.verdict != "isomorphic"
                counts["iso"] += record.verdict == "isomorphic"
                counts["tokens"] += record.prompt_tokens + record.completion_tokens
                counts["cost"] += record.cost_usd or 0.0
                stats = (f"failed {counts['failed']} · isomorphic {counts['iso'] / counts['done']:.0%} · "
                         f"{counts['tokens']:,} tokens · ${counts['cost']:.4f}")
                progress.update(task, advance=1, stats=stats)

            try:
                summary = run_benchmark(ds, form, store, run_id=resume, resume=resume is not None, limit=limit,
                                        concurrency=concurrency, settings=details, model=model_name,
                                        strategy=strategy if formulator == "llm" else None, on_record=on_record,
                                        problem_options=options)
            except KeyError as exc:
                err_console.print(f"[bold red]error:[/bold red] {escape(str(exc.args[0]))}")
                raise typer.Exit(2) from None
        if as_json:
            print(summary.model_dump_json())
            return
        _print_summary(summary.model_dump())

    @app.command("report")
    def report_command(
        runs_: Annotated[list[str], typer.Argument(metavar="RUN...", help="One or more run ids.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path("report.html"),
    ) -> None:
        """Write one self-contained HTML report (plots inline) for one or more runs, side by side."""
        from flows.report import write_report
        from flows.settings import get_settings
        from flows.store import RunStore

        try:
            path = write_report(RunStore(get_settings().store_url()), runs_, output)
        except KeyError as exc:
            err_console.print(f"[bold red]error:[/bold red] {escape(str(exc.args[0]))}")
            raise typer.Exit(2) from None
        console.print(f"wrote {path}")

    @runs.command("list")
    def runs_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Recent runs, newest first."""
        from flows.settings import get_settings
        from flows.store import RunStore

        rows = RunStore(get_settings().store_url()).list_runs()
        if as_json:
            print(json.dumps([r.model_dump() for r in rows]))
            return
        table = Table(title="runs")
        for column in ("run", "dataset", "version", "formulator", "model", "status", "recorded", "structural"):
            table.add_column(column)
        for r in rows:
            structural = f"{r.totals['structural_accuracy']:.1%}" if r.totals else "-"
            table.add_row(r.run_id, r.dataset, r.dataset_version, r.formulator, r.model or "-", r.status,
                          f"{r.recorded}/{r.problems}", structural)
        console.print(table)

    @runs.command("show")
    def runs_show(run: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """A run's settings and summary."""
        from flows.pipeline import summarize_run
        from flows.settings import get_settings
        from flows.store import RunStore

        store = RunStore(get_settings().store_url())
        try:
            row = store.get_run(run)
        except KeyError as exc:
            err_console.print(f"[bold red]error:[/bold red] {escape(str(exc.args[0]))}")
            raise typer.Exit(2) from None
        summary = summarize_run(store, row.run_id)
        if as_json:
            print(json.dumps({"run": row.model_dump(), "summary": summary.model_dump()}))
            return
        console.print(f"run {row.run_id} · {row.dataset}@{row.dataset_version} · {row.formulator} · "
                      f"code {row.code_version} · {row.status}")
        _print_summary(summary.model_dump())

    @runs.command("compare")
    def runs_compare(run_a: str, run_b: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Problems on which two runs disagree (verdict or error category)."""
        from flows.settings import get_settings
        from flows.store import RunStore

        store = RunStore(get_settings().store_url())
        try:
            a, b = store.get_run(run_a), store.get_run(run_b)
        except KeyError as exc:
            err_console.print(f"[bold red]error:[/bold red] {escape(str(exc.args[0]))}")
            raise typer.Exit(2) from None
        left = {r.problem_id: r for r in store.records(a.run_id)}
        right = {r.problem_id: r for r in store.records(b.run_id)}
        diffs = []
        for pid in sorted(set(left) | set(right)):
            x, y = left.get(pid), right.get(pid)
            vx, vy = (x.verdict if x else "missing"), (y.verdict if y else "missing")
            if vx != vy:
                diffs.append({"problem": pid, a.run_id: vx, b.run_id: vy,
                              "reason_b": y.payload.get("reason") if y else None})
        if as_json:
            print(json.dumps(diffs))
            return
        table = Table(title=f"{len(diffs)} problems differ between {a.run_id} and {b.run_id}")
        for column in ("problem", a.run_id, b.run_id):
            table.add_column(column)
        for d in diffs[:200]:
            table.add_row(escape(d["problem"]), str(d[a.run_id]), str(d[b.run_id]))
        console.print(table)


def _bench_as_flow(dataset: str, formulator: str, model: str | None, strategy: str, concurrency: int,
                   limit: int | None, resume: str | None, structured: bool, as_json: bool, task_runner: str,
                   dask_address: str | None) -> None:
    """The same benchmark as a Prefect flow run, on threads or on a Dask cluster."""
    from flows.pipeline import BenchmarkSummary
    from flows.prefect_flows import BenchmarkOptions, run_benchmark

    if dataset not in ("optibench", "nl4opt", "highs") or formulator not in ("reference", "llm"):
        err_console.print("[bold red]error:[/bold red] unknown dataset or formulator")
        raise typer.Exit(2)
    if task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            err_console.print("[bold red]error:[/bold red] --task-runner dask needs prefect-dask: "
                              "pip install 'milpflow[dask]'")
            raise typer.Exit(2) from None
        runner: Any = DaskTaskRunner(address=dask_address) if dask_address else DaskTaskRunner(
            cluster_kwargs={"n_workers": concurrency, "threads_per_worker": 1, "dashboard_address": None})
    elif task_runner == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        runner = ThreadPoolTaskRunner(max_workers=concurrency)
    else:
        err_console.print("[bold red]error:[/bold red] --task-runner must be thread or dask")
        raise typer.Exit(2)
    options = BenchmarkOptions(limit=limit, model=model, strategy=strategy,  # type: ignore[arg-type]
                               text="structured" if structured else "unstructured", resume_run=resume)
    result = run_benchmark.with_options(task_runner=runner)(dataset, formulator, options)  # type: ignore[arg-type]
    summary = BenchmarkSummary.model_validate(result)
    if as_json:
        print(summary.model_dump_json())
    else:
        _print_summary(summary.model_dump())


def _formulator(kind: str, model: str | None, strategy: str) -> tuple[Any, str | None, dict[str, Any]]:
    from flows.formulators import LLMFormulator, ReferenceFormulator

    if kind == "reference":
        return ReferenceFormulator(), None, {}
    if kind != "llm":
        err_console.print("[bold red]error:[/bold red] --formulator must be reference or llm")
        raise typer.Exit(2)
    from formulation.llm import LLMClient, LLMError
    from formulation.settings import LLMSettings
    from formulation.strategies import StrategyOptions

    settings = LLMSettings(**({"model": model} if model else {}))
    try:
        client = LLMClient(settings)
        options = StrategyOptions(strategy=strategy)  # type: ignore[arg-type]
    except (LLMError, ValueError) as exc:
        err_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    details = settings.model_dump(mode="json", exclude={"api_key"})
    details["strategy_options"] = options.model_dump()
    return LLMFormulator(client, options), settings.model, details


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=f"{summary['dataset']}@{summary['version']} · {summary['formulator']} · run {summary['run']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("problems recorded", f"{summary['recorded']}/{summary['problems']}")
    table.add_row("solvable references", str(summary["solvable"]))
    for key, label in (("structural_accuracy", "structural accuracy"), ("objective_accuracy", "objective (1e-6)"),
                       ("objective_accuracy_lenient", "objective (lenient)"), ("status_accuracy", "status"),
                       ("invalid_rate", "invalid")):
        table.add_row(label, f"{summary[key]:.1%}")
    table.add_row("tokens", f"{summary['prompt_tokens'] + summary['completion_tokens']:,}")
    table.add_row("cost", "unknown" if summary["cost_usd"] is None else f"${summary['cost_usd']:.4f}")
    if summary["latency_p50"] is not None:
        table.add_row("latency p50 / p95", f"{summary['latency_p50']:.2f} s / {summary['latency_p95']:.2f} s")
    for category, count in sorted(summary["error_categories"].items()):
        table.add_row(f"[dim]{escape(category)}[/dim]", str(count))
    console.print(table)
    if summary["by_class"]:
        by_class = Table(title="by problem class")
        for column in ("class", "n", "structural", "objective", "status"):
            by_class.add_column(column)
        for row in summary["by_class"]:
            by_class.add_row(escape(str(row["group"])), str(row["n"]), f"{row['structural']:.0%}",
                             f"{row['objective_strict']:.0%}", f"{row['status']:.0%}")
        console.print(by_class)
