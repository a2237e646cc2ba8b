"""Rich renderings of models and results for people, and the JSON shape for machines.

Kept apart from the CLI so flows (Prefect artifacts) and the LLM stage can reuse the same views. Every name,
expression and message that comes from a model is escaped (or wrapped in `Text`): rich must never read
``x[bold]`` or ``pack[map]`` as markup.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from solvers.linear import LinearModel
from solvers.result import SolveResult, SolveStatus

__all__ = ["render_model_spec", "render_solution", "result_to_json"]

_STATUS_STYLE = {
    SolveStatus.OPTIMAL: "bold green",
    SolveStatus.INFEASIBLE: "bold red",
    SolveStatus.UNBOUNDED: "bold red",
    SolveStatus.INFEASIBLE_OR_UNBOUNDED: "bold red",
    SolveStatus.TIME_LIMIT: "bold yellow",
    SolveStatus.OTHER_LIMIT: "bold yellow",
    SolveStatus.ERROR: "bold red",
}


def result_to_json(
    result: SolveResult,
    model: LinearModel,
    *,
    source: str,
    compile_seconds: float | None = None,
) -> dict[str, Any]:
    """The ``--json`` object: the SolveResult fields plus what was solved."""
    payload = result.model_dump(mode="json", exclude={"log"} if result.log is None else set())
    payload["model"] = {
        "source": source,
        "name": model.name,
        "kind": "MILP" if model.is_mip else "LP",
        "variables": model.num_vars,
        "constraints": model.num_rows,
        "nonzeros": model.nnz,
        "sense": model.sense.value,
    }
    payload["compile_seconds"] = compile_seconds
    return payload


def render_solution(
    console: Console,
    result: SolveResult,
    model: LinearModel,
    *,
    source: str,
    compile_seconds: float | None = None,
    show_all: bool = False,
    max_rows: int = 40,
) -> None:
    """Status panel, then the non-zero variables (or the IIS / unbounded direction)."""
    header = Table.grid(padding=(0, 2))
    header.add_column(style="dim")
    header.add_column()
    header.add_row("model", escape(f"{source}  ({model.summary()})"))
    header.add_row("status", Text(result.status.value, style=_STATUS_STYLE[result.status]))
    if result.objective is not None:
        header.add_row("objective", f"{result.objective:.10g}  ({model.sense.value})")
    if result.gap is not None and model.is_mip:
        header.add_row("bound / gap", f"{format_number(result.bound)} / {result.gap:.3g}")
    timing = f"solve {result.solve_seconds:.3f} s ({result.backend})"
    if compile_seconds is not None:
        timing = f"build {compile_seconds:.3f} s, " + timing
    header.add_row("time", timing)
    if result.message:
        header.add_row("note", escape(result.message))
    parts: list[Any] = [header]

    if result.iis is not None:
        parts.append(_iis_table(result))
    if result.unbounded_hint:
        parts.append(Text(result.unbounded_hint, style="yellow"))  # Text: never parsed as markup
    if result.variables:
        parts.append(_variables_table(result, show_all=show_all, max_rows=max_rows))
    console.print(Panel(Group(*parts), title="milpflow solve", expand=False))


def _variables_table(result: SolveResult, *, show_all: bool, max_rows: int) -> Table:
    items = [(k, v) for k, v in result.variables.items() if show_all or abs(v) > 1e-9]
    table = Table(title=f"{'all' if show_all else 'non-zero'} variables ({len(items)})", title_justify="left")
    table.add_column("variable")
    table.add_column("value", justify="right")
    if result.reduced_costs is not None:
        table.add_column("reduced cost", justify="right")
    for name, value in items[:max_rows]:
        row = [escape(name), format_number(value)]
        if result.reduced_costs is not None:
            row.append(format_number(result.reduced_costs.get(name, 0.0)))
        table.add_row(*row)
    if len(items) > max_rows:
        table.caption = f"… {len(items) - max_rows} more (use --json for all)"
    return table


def _iis_table(result: SolveResult) -> Table:
    assert result.iis is not None
    table = Table(title="irreducible infeasible subset", title_justify="left")
    table.add_column("constraint")
    table.add_column("as written")
    texts = result.iis.rows_text or [""] * len(result.iis.rows)
    for name, text in zip(result.iis.rows, texts, strict=False):
        table.add_row(escape(name), escape(text.split(": ", 1)[-1]) if text else "")
    if result.iis.columns:
        table.add_row("[dim]variable bounds[/dim]", escape(", ".join(result.iis.columns[:20])))
    if result.iis.note:
        table.caption = escape(result.iis.note)
    return table


def render_model_spec(console: Console, spec: Any) -> None:
    """A readable listing of a ModelSpec (sets, parameters, variables, objective, constraints)."""
    table = Table(title=Text(f"model {spec.name}"), title_justify="left", show_lines=False)
    table.add_column("part", style="dim")
    table.add_column("name")
    table.add_column("definition")
    for s in spec.sets:
        if s.elements is not None:
            definition = "{" + ", ".join(map(str, s.elements[:8])) + (", …}" if len(s.elements) > 8 else "}")
        elif s.range is not None:
            size = s.range.size if s.range.size is not None else f"len({s.range.size_from})"
            definition = f"{s.range.start} .. {s.range.start} + {size} - 1"
        else:
            definition = f"labels from data `{s.elements_from}`"
        table.add_row("set", escape(s.name), escape(definition))
    for p in spec.parameters:
        idx = f"[{', '.join(p.indices)}]" if p.indices else ""
        if p.value is not None:
            definition = format_number(p.value)
        elif p.data_key is not None:
            definition = f"data `{p.data_key}`"
        else:
            definition = f"{len(p.values or [])} values"
        note = f"  — {p.description}" if p.description else ""
        table.add_row("parameter", escape(p.name + idx), escape(definition + note))
    for v in spec.variables:
        idx = f"[{', '.join(v.indices)}]" if v.indices else ""
        bounds = f"{v.lower if v.lower is not None else 0} <= · <= {v.upper if v.upper is not None else 'inf'}"
        note = f"  — {v.description}" if v.description else ""
        table.add_row("variable", escape(v.name + idx), escape(f"{v.domain}, {bounds}{note}"))
    table.add_row("objective", escape(spec.objective.sense), escape(spec.objective.expression))
    for c in spec.constraints:
        forall = f"for {c.forall}: " if c.forall else ""
        note = f"\n[dim]{escape(c.description)}[/dim]" if c.description else ""
        table.add_row("constraint", escape(c.name), escape(f"{forall}{c.expression}") + note)
    console.print(table)


def format_number(value: float | None) -> str:
    """A number for people: 10 significant digits (no 153.67499999999998), "-" for none, "inf" spelled out."""
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.10g}"
