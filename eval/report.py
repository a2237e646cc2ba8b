"""Human-readable rendering of a `Comparison` (rich): the short report `milpflow eval` prints.

Contract: rendering never changes or hides the verdict; it shows the verdict, the reason, both models'
status and objective with the tolerance used, a line saying so when the two models differ in size (number of
variables or constraints), the first differences (or a preview of the mapping), and one line on how the verdict
was reached. Every string that comes from a model or a file (names, messages, titles) is printed as plain text,
never parsed as rich markup: a name such as ``pack[map]`` must show as written.
"""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from eval.compare import Comparison, Verdict

__all__ = ["VERDICT_STYLE", "render_comparison", "size_line"]

VERDICT_STYLE: dict[Verdict, str] = {
    Verdict.ISOMORPHIC: "bold green",
    Verdict.SAME_OPTIMUM: "bold yellow",
    Verdict.BOTH_INFEASIBLE: "bold dark_orange",
    Verdict.DIFFERENT: "bold red",
    Verdict.INVALID: "bold magenta",
}

_SIZE = re.compile(r"^(\d+) variables, (\d+) constraints")


def _value(x: float | None) -> str:
    return "—" if x is None else f"{x:.10g}"


def _counts(size: str) -> tuple[int, int] | None:
    """(variables, constraints) from a `Diagnostics` size text (``"12 variables, 9 constraints, …"``)."""
    match = _SIZE.match(size)
    return None if match is None else (int(match.group(1)), int(match.group(2)))


def size_line(comparison: Comparison) -> str | None:
    """``the candidate has 12 variables and 9 constraints, the reference 12 and 10`` when the sizes differ, else
    None (also when the sizes are unknown, e.g. an invalid candidate)."""
    candidate = _counts(comparison.diagnostics.candidate_size)
    reference = _counts(comparison.diagnostics.reference_size)
    if candidate is None or reference is None or candidate == reference:
        return None
    return (f"the candidate has {candidate[0]} variables and {candidate[1]} constraints, "
            f"the reference {reference[0]} and {reference[1]}")


def render_comparison(comparison: Comparison, *, title: str | None = None, max_items: int = 10) -> RenderableType:
    """The report for one comparison as a rich renderable (a panel)."""
    parts: list[RenderableType] = [Text(comparison.reason)]
    sizes = size_line(comparison)
    if sizes is not None:
        parts.append(Text(sizes[0].upper() + sizes[1:], style="yellow"))
    if comparison.verdict is not Verdict.INVALID:
        sides = Table(box=None, show_header=True, pad_edge=False)
        sides.add_column("")
        sides.add_column("status")
        sides.add_column("objective", justify="right")
        sides.add_row(
            Text(f"candidate {comparison.candidate_name or ''}".strip()),
            comparison.candidate_status.value if comparison.candidate_status else "not solved",
            _value(comparison.candidate_objective),
        )
        sides.add_row(
            Text(f"reference {comparison.reference_name or ''}".strip()),
            comparison.reference_status.value if comparison.reference_status else "not solved",
            _value(comparison.reference_objective),
        )
        parts.append(sides)
        if comparison.candidate_status is not None:
            parts.append(Text(f"objectives compared with the {comparison.objective_tolerance.describe()}", style="dim"))
    if comparison.differences:
        diffs = Table(box=None, show_header=True, pad_edge=False)
        diffs.add_column("kind", style="cyan", no_wrap=True)
        diffs.add_column("what differs")
        for diff in comparison.differences[:max_items]:
            diffs.add_row(Text(diff.kind.value), Text(diff.message))
        hidden = len(comparison.differences) - max_items + comparison.differences_omitted
        if hidden > 0:
            diffs.add_row("", Text(f"… and {hidden} more", style="dim"))
        parts.append(diffs)
    if comparison.mapping:
        preview = list(comparison.mapping.items())[:max_items]
        shown = ", ".join(f"{a} → {b}" for a, b in preview)
        rest = len(comparison.mapping) - len(preview)
        parts.append(Text(f"mapping: {shown}" + (f", … ({rest} more)" if rest > 0 else ""), style="dim"))
    d = comparison.diagnostics
    how = f"structure: {d.structure} by {d.method}"
    if d.wl_rounds is not None:
        how += f" ({d.wl_rounds} refinement rounds, {d.colours} colours)"
    how += (
        f" · {d.structural_seconds:.3f} s structural, {d.solve_seconds:.3f} s solving, {comparison.seconds:.3f} s total"
    )
    parts.append(Text(how, style="dim"))
    style = VERDICT_STYLE[comparison.verdict]
    heading = Text(comparison.verdict.value.upper().replace("_", " "), style=style)
    if title:
        heading = Text.assemble(heading, Text(f"  {title}", style="bold"))
    return Panel(Group(*parts), title=heading, title_align="left", border_style=style.split()[-1])
