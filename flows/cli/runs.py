"""`milpflow runs list|show|compare` and `milpflow report`: what the run store holds, as tables, JSON or HTML.

Run ids are printed whole (never truncated: they are what the other commands take); narrow terminals lose other
columns first. `report` without ``-o`` writes into the data directory (``<data dir>/reports/<runs>.html``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from flows.cli.console import console
from flows.cli.errors import fail, user_errors
from flows.cli.options import JsonOpt
from flows.cli.settings import load_settings, open_store

__all__ = ["register", "report", "runs_app"]

runs_app = typer.Typer(help="Stored benchmark runs.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``runs`` group and ``report`` to `app`."""
    app.add_typer(runs_app, name="runs")
    app.command("report")(report)


@runs_app.command("list")
def runs_list(as_json: JsonOpt = False) -> None:
    """Recent runs, newest first."""
    rows = open_store(as_json).list_runs()
    if as_json:
        print(json.dumps([r.model_dump() for r in rows]))
        return
    columns: dict[str, list[str]] = {
        "run": [r.run_id for r in rows],
        "dataset": [r.dataset for r in rows],
        "formulator": [r.formulator for r in rows],
        "status": [r.status for r in rows],
        "done": [f"{r.recorded}/{r.problems}" for r in rows],
        "structural": [f"{r.totals['structural_accuracy']:.1%}" if r.totals else "-" for r in rows],
    }
    widths = {name: max([len(name), *map(len, values)]) for name, values in columns.items()}
    room = console.width - sum(widths.values()) - 2 * len(widths)  # two spaces between columns, none at the edges
    if room >= 8 and any(r.model for r in rows):
        columns["model"] = [r.model or "-" for r in rows]
        widths["model"] = min(room, max(len(m) for m in columns["model"]))
    table = Table(title="runs", box=None, pad_edge=False, header_style="bold underline")
    for name, width in widths.items():
        right = name in ("done", "structural")
        table.add_column(name, justify="right" if right else "left", no_wrap=True, min_width=width,
                         max_width=width if name == "model" else None, overflow="ellipsis")
    for cells in zip(*columns.values(), strict=True):
        table.add_row(*(Text(cell) for cell in cells))
    if "model" not in columns and any(r.model for r in rows):
        table.caption = "model names: a wider terminal, runs show RUN_ID or --json"
    console.print(table)


@runs_app.command("show")
def runs_show(run: Annotated[str, typer.Argument(metavar="RUN_ID")], as_json: JsonOpt = False) -> None:
    """A run's settings and summary."""
    from flows.cli.summary import print_summary
    from flows.pipeline import summarize_run

    store = open_store(as_json)
    with user_errors(as_json=as_json, also=(KeyError,)):
        row = store.get_run(run)
    summary = summarize_run(store, row.run_id)
    if as_json:
        print(json.dumps({"run": row.model_dump(), "summary": summary.model_dump()}))
        return
    console.print(Text(f"run {row.run_id} · {row.dataset}@{row.dataset_version} · {row.formulator} · "
                       f"code {row.code_version} · {row.status}"))
    print_summary(summary.model_dump())


@runs_app.command("compare")
def runs_compare(
    run_a: Annotated[str, typer.Argument(metavar="RUN_A")],
    run_b: Annotated[str, typer.Argument(metavar="RUN_B")],
    as_json: JsonOpt = False,
) -> None:
    """Problems on which two runs disagree (verdict or error category)."""
    store = open_store(as_json)
    with user_errors(as_json=as_json, also=(KeyError,)):
        a, b = store.get_run(run_a), store.get_run(run_b)
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
    table = Table(title=Text(f"{len(diffs)} problems differ between {a.run_id} and {b.run_id}"))
    table.add_column("problem", overflow="fold")
    table.add_column(Text(a.run_id), overflow="fold")
    table.add_column(Text(b.run_id), overflow="fold")
    for d in diffs[:200]:
        table.add_row(Text(str(d["problem"])), Text(str(d[a.run_id])), Text(str(d[b.run_id])))
    console.print(table)


def report(
    runs: Annotated[list[str], typer.Argument(metavar="RUN...", help="One or more run ids.", show_default=False)],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="HTML file to write (default: "
                                                "<data dir>/reports/<runs>.html).")] = None,
) -> None:
    """Write one self-contained HTML report (plots inline) for one or more runs, side by side; print its path."""
    from flows.report import write_report

    store = open_store(False)
    with user_errors(as_json=False, also=(KeyError,)):
        run_ids = [store.get_run(run).run_id for run in runs]
    if output is None:
        output = load_settings(False).reports_dir() / f"{'+'.join(run_ids)}.html"
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fail(f"{output.parent}: cannot create the reports folder ({exc.strerror or exc})",
                       as_json=False) from None
    try:
        path = write_report(store, run_ids, output)
    except OSError as exc:
        raise fail(f"{output}: cannot write the report ({exc.strerror or exc})", as_json=False) from None
    console.print(Text(f"wrote {path}"), soft_wrap=True)
