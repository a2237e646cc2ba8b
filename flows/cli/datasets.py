"""`milpflow datasets list|show` and `milpflow audit`: what data a score is based on, and whether it is sound.

Tables fit 80 columns: long fields (a dataset's source) go below the table rather than squeezed into it, and
problem ids are never truncated (they are what `datasets show` takes).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from flows.cli.console import console
from flows.cli.errors import user_errors
from flows.cli.options import JsonOpt, float_option, int_option

__all__ = ["audit", "datasets_app", "register"]

datasets_app = typer.Typer(help="Benchmark datasets shipped with milpflow.", no_args_is_help=True)
DatasetArg = Annotated[str, typer.Argument(metavar="DATASET", help="optibench, nl4opt or highs.")]


def register(app: typer.Typer) -> None:
    """Add the ``datasets`` group and ``audit`` to `app`."""
    app.add_typer(datasets_app, name="datasets")
    app.command("audit")(audit)


@datasets_app.command("list")
def list_datasets(as_json: JsonOpt = False) -> None:
    """Name, problem count, LP/MILP split, licence, content version and source of each dataset."""
    from benchmarks.datasets import list_datasets as all_datasets

    rows = []
    for ds in all_datasets():
        problems = list(ds.problems())
        kinds = Counter(p.tags.kind or "n/a" for p in problems)
        rows.append({"name": ds.name, "problems": len(problems), "lp": kinds.get("LP", 0),
                     "milp": kinds.get("MILP", 0), "licence": ds.licence, "version": ds.version,
                     "source": ds.source})
    if as_json:
        print(json.dumps(rows))
        return
    table = Table(title="datasets")
    for column in ("name", "problems", "LP", "MILP", "licence", "version"):
        table.add_column(column, justify="right" if column in ("problems", "LP", "MILP") else "left", no_wrap=True)
    for r in rows:
        table.add_row(Text(str(r["name"])), str(r["problems"]), str(r["lp"]), str(r["milp"]), Text(str(r["licence"])),
                      Text(str(r["version"])))
    console.print(table)
    console.print(Text("sources:", style="bold"))
    for r in rows:
        console.print(Text(f"  {r['name']}: {r['source']}"))


@datasets_app.command("show")
def show(
    dataset: DatasetArg,
    problem_id: Annotated[str | None, typer.Argument(
        metavar="[PROBLEM_ID]", help="Problem id; without one, list the dataset's problem ids.", show_default=False,
    )] = None,
    structured: Annotated[bool, typer.Option("--structured", help="OptiBench: the structured text.")] = False,
) -> None:
    """The problem text, its data and its reference model, readably; without PROBLEM_ID, the problem ids."""
    from benchmarks.datasets import UnknownDatasetError, UnknownProblemError, get_dataset

    text = "structured" if structured else "unstructured"
    with user_errors(as_json=False, also=(UnknownDatasetError, UnknownProblemError)):
        ds = get_dataset(dataset)
        if problem_id is None:
            _list_problems(ds.name, [(p.id, p.tags.problem_class, p.tags.kind) for p in ds.problems()])
            return
        problem = ds.get(problem_id, text=text)
    console.rule(Text(f"{ds.name}/{problem.id}  ·  {problem.tags.problem_class}  ·  {problem.tags.kind or ''}"))
    if problem.text:
        console.print(Text(problem.text.strip()))
    if problem.data:
        from formulation.messages import summarize_data

        console.rule("data")
        console.print(Text(summarize_data(problem.data)))
    console.rule("reference model")
    from flows.render import render_model_spec
    from formulation.from_linear import linear_to_spec

    try:
        spec = problem.reference_spec() or linear_to_spec(problem.reference())
    except Exception as exc:  # noqa: BLE001 - failures are reported, never allowed to crash the command
        console.print(Text("the reference cannot be used: ", style="red") + Text(str(exc)))
        return
    render_model_spec(console, spec)


def _list_problems(name: str, problems: list[tuple[str, str | None, str | None]]) -> None:
    table = Table(title=Text(f"{name}: {len(problems)} problems"),
                  caption=Text(f"details: milpflow datasets show {name} PROBLEM_ID"))
    table.add_column("problem", no_wrap=True)
    table.add_column("class", overflow="fold")
    table.add_column("kind", no_wrap=True)
    for problem_id, problem_class, kind in problems:
        table.add_row(Text(problem_id), Text(problem_class or "-"), Text(kind or "-"))
    console.print(table)


def audit(
    dataset: DatasetArg,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    limit: Annotated[int | None, typer.Option(parser=int_option(minimum=1), metavar="N",
                                              help="Only the first N problems.")] = None,
    time_limit: Annotated[float, typer.Option(parser=float_option(minimum=0, above=True, unit="seconds"),
                                              metavar="SECONDS", help="Seconds per solve.")] = 60.0,
    workers: Annotated[int, typer.Option(parser=int_option(minimum=1), metavar="N", help="Parallel solves.")] = 2,
) -> None:
    """Solve every reference model; list infeasible, unbounded, out-of-scope and disagreeing references."""
    from rich.progress import Progress

    from benchmarks.datasets import UnknownDatasetError, get_dataset
    from benchmarks.datasets.audit import audit as audit_dataset

    with user_errors(as_json=as_json, also=(UnknownDatasetError,)):
        ds = get_dataset(dataset)
    if as_json:
        print(audit_dataset(ds, time_limit=time_limit, limit=limit, workers=workers).model_dump_json())
        return
    total = len(list(ds.problems())) if limit is None else limit
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"auditing {ds.name}", total=total)
        report = audit_dataset(ds, time_limit=time_limit, limit=limit, workers=workers,
                               progress=lambda _row: progress.advance(task))
    summary = Table(title=f"audit of {ds.name} (version {report.version}, {report.problems} problems, "
                          f"{report.seconds:.1f} s)")
    summary.add_column("status")
    summary.add_column("count", justify="right")
    for status, count in report.status_counts.items():
        summary.add_row(Text(str(status)), str(count))
    console.print(summary)
    if report.integer_differs is not None:
        console.print(f"all-integer optimum differs from the LP reference in {report.integer_differs} problems")
    for title, rows in (("out of scope", report.out_of_scope), ("errors", report.errors),
                        ("disagreeing with the stated answer", report.disagreements)):
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        table.add_column("problem", no_wrap=True)
        table.add_column("reason", overflow="fold")
        for row in rows[:30]:
            table.add_row(Text(row.problem_id), Text(row.message or ""))
        if len(rows) > 30:
            table.caption = f"… {len(rows) - 30} more (use --json)"
        console.print(table)
