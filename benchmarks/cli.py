"""`milpflow datasets list|show` and `milpflow audit`: what data a score is based on, and whether it is sound."""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

__all__ = ["register"]

console = Console()
err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `datasets` group and the `audit` command to the main app."""
    datasets = typer.Typer(help="Benchmark datasets shipped with milpflow.", no_args_is_help=True)
    app.add_typer(datasets, name="datasets")

    @datasets.command("list")
    def list_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Name, problem count, LP/MILP split, licence and content version of each dataset."""
        from benchmarks.datasets import list_datasets

        rows = []
        for ds in list_datasets():
            problems = list(ds.problems())
            kinds = Counter(p.tags.kind or "n/a" for p in problems)
            rows.append({"name": ds.name, "problems": len(problems), "lp": kinds.get("LP", 0),
                         "milp": kinds.get("MILP", 0), "licence": ds.licence, "version": ds.version,
                         "source": ds.source})
        if as_json:
            print(json.dumps(rows))
            return
        table = Table(title="datasets")
        for column in ("name", "problems", "LP", "MILP", "licence", "version", "source"):
            table.add_column(column, justify="right" if column in ("problems", "LP", "MILP") else "left")
        for r in rows:
            table.add_row(r["name"], str(r["problems"]), str(r["lp"]), str(r["milp"]), r["licence"], r["version"],
                          escape(r["source"]))
        console.print(table)

    @datasets.command("show")
    def show_command(
        dataset: Annotated[str, typer.Argument(help="optibench, nl4opt or highs")],
        problem_id: Annotated[str, typer.Argument(help="Problem id, as `datasets list`/`audit` print them.")],
        structured: Annotated[bool, typer.Option("--structured", help="OptiBench: the structured text.")] = False,
    ) -> None:
        """The problem text, its data and its reference model, readably."""
        from benchmarks.datasets import UnknownDatasetError, UnknownProblemError, get_dataset
        from flows.render import render_model_spec
        from formulation.from_linear import linear_to_spec

        try:
            problem = get_dataset(dataset).get(problem_id, text="structured" if structured else "unstructured")
        except (UnknownDatasetError, UnknownProblemError) as exc:
            err_console.print(f"[bold red]error:[/bold red] {escape(str(exc.args[0]))}")
            raise typer.Exit(2) from None
        console.rule(f"{dataset}/{problem.id}  ·  {problem.tags.problem_class}  ·  {problem.tags.kind or ''}")
        if problem.text:
            console.print(escape(problem.text.strip()))
        if problem.data:
            console.rule("data")
            from formulation.messages import summarize_data

            console.print(escape(summarize_data(problem.data)))
        console.rule("reference model")
        try:
            spec = problem.reference_spec() or linear_to_spec(problem.reference())
        except Exception as exc:  # noqa: BLE001 - failures are reported, never allowed to crash the command
            console.print(f"[red]the reference cannot be used:[/red] {escape(str(exc))}")
            return
        render_model_spec(console, spec)

    @app.command("audit")
    def audit_command(
        dataset: Annotated[str, typer.Argument(help="optibench, nl4opt or highs")],
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
        limit: Annotated[int | None, typer.Option(help="Only the first N problems.")] = None,
        time_limit: Annotated[float, typer.Option(help="Seconds per solve.")] = 60.0,
        workers: Annotated[int, typer.Option(help="Parallel solves.")] = 2,
    ) -> None:
        """Solve every reference model; list infeasible, unbounded, out-of-scope and disagreeing references."""
        from benchmarks.datasets import UnknownDatasetError, get_dataset
        from benchmarks.datasets.audit import audit

        try:
            ds = get_dataset(dataset)
        except UnknownDatasetError as exc:
            err_console.print(f"[bold red]error:[/bold red] {escape(str(exc.args[0]))}")
            raise typer.Exit(2) from None
        if as_json:
            report = audit(ds, time_limit=time_limit, limit=limit, workers=workers)
            print(report.model_dump_json())
            return
        total = len(list(ds.problems())) if limit is None else limit
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"auditing {ds.name}", total=total)
            report = audit(ds, time_limit=time_limit, limit=limit, workers=workers,
                           progress=lambda _row: progress.advance(task))
        summary = Table(title=f"audit of {ds.name} (version {report.version}, {report.problems} problems, "
                              f"{report.seconds:.1f} s)")
        summary.add_column("status")
        summary.add_column("count", justify="right")
        for status, count in report.status_counts.items():
            summary.add_row(status, str(count))
        console.print(summary)
        if report.integer_differs is not None:
            console.print(f"all-integer optimum differs from the LP reference in {report.integer_differs} problems")
        for title, rows in (("out of scope", report.out_of_scope), ("errors", report.errors),
                            ("disagreeing with the stated answer", report.disagreements)):
            if not rows:
                continue
            table = Table(title=title, title_justify="left")
            table.add_column("problem")
            table.add_column("reason")
            for row in rows[:30]:
                table.add_row(escape(row.problem_id), escape(row.message or ""))
            if len(rows) > 30:
                table.caption = f"… {len(rows) - 30} more (use --json)"
            console.print(table)
