"""The summary table of a benchmark run, shared by `bench` and `runs show`."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from flows.cli.console import console

__all__ = ["print_summary"]


def print_summary(summary: dict[str, Any]) -> None:
    """Accuracies (over solvable references, as the pipeline defines them), cost, latency, error categories and
    the per-class breakdown of a `BenchmarkSummary` dump."""
    console.print(Text(f"{summary['dataset']}@{summary['version']} · {summary['formulator']} · run {summary['run']}",
                       style="bold"), soft_wrap=True)  # above the table: a title would wrap the run id
    table = Table()
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
        table.add_row(Text(str(category), style="dim"), str(count))
    console.print(table)
    if summary["by_class"]:
        by_class = Table(title="by problem class")
        for column in ("class", "n", "structural", "objective", "status"):
            by_class.add_column(column)
        for row in summary["by_class"]:
            by_class.add_row(Text(str(row["group"])), str(row["n"]), f"{row['structural']:.0%}",
                             f"{row['objective_strict']:.0%}", f"{row['status']:.0%}")
        console.print(by_class)
