"""Benchmark accuracy from a list of `Comparison` results.

Contract: `aggregate(items)` turns verdicts into fractions over *all* items (invalid candidates count as
wrong everywhere), so the numbers of two runs on the same problem set compare directly:

* structural accuracy: verdict ``isomorphic`` (ORGEval-style "the model is right");
* objective accuracy, strict and lenient: isomorphic, or both models reached the same status and, when
  optimal, objectives within the tolerance (execution-accuracy style; both tolerances are reported because
  published benchmarks use 1e-6, 1e-4 or 5 % and the numbers do not compare across them);
* status accuracy: isomorphic, or the same final status (optimal / infeasible / unbounded);
* invalid rate, counts by verdict and by error category (given per item, else derived from the verdict and
  the first difference's kind).

An isomorphic pair counts as objective- and status-correct without a solve (isomorphic models have the same
optimum); a non-isomorphic pair whose solver tier did not run counts as wrong on those two measures.
A ``both_infeasible`` pair counts as status-correct (the statuses do agree) but never as a structural or an
objective match: any two infeasible models agree, so agreement is no evidence that the model is right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from rich.table import Table

from eval.compare import LENIENT, STRICT, Comparison, ObjectiveTolerance, Verdict
from solvers.result import SolveStatus

__all__ = [
    "AccuracyRow",
    "Metrics",
    "ScoredItem",
    "aggregate",
    "error_category",
    "objective_correct",
    "render_metrics",
    "status_correct",
]

_DECIDED = {SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED, SolveStatus.INFEASIBLE_OR_UNBOUNDED}


class ScoredItem(BaseModel):
    """One evaluated problem: its comparison plus optional metadata for grouping."""

    model_config = ConfigDict(extra="forbid")

    comparison: Comparison
    problem_id: str | None = None
    problem_class: str | None = Field(default=None, description="E.g. 'knapsack'; rows of the per-class table.")
    error_category: str | None = Field(default=None, description="Overrides the category derived from the verdict.")


class AccuracyRow(BaseModel):
    """Accuracy fractions for one group of items."""

    model_config = ConfigDict(extra="forbid")

    group: str
    n: int
    structural: float
    objective_strict: float
    objective_lenient: float
    status: float
    invalid: float


class Metrics(BaseModel):
    """Aggregate accuracy over a benchmark run."""

    model_config = ConfigDict(extra="forbid")

    overall: AccuracyRow
    by_class: list[AccuracyRow] = Field(default_factory=list)
    verdict_counts: dict[str, int] = Field(default_factory=dict)
    error_categories: dict[str, int] = Field(default_factory=dict)
    strict: ObjectiveTolerance = STRICT
    lenient: ObjectiveTolerance = LENIENT

    @property
    def n(self) -> int:
        return self.overall.n

    @property
    def structural_accuracy(self) -> float:
        return self.overall.structural

    @property
    def objective_accuracy_strict(self) -> float:
        return self.overall.objective_strict

    @property
    def objective_accuracy_lenient(self) -> float:
        return self.overall.objective_lenient

    @property
    def status_accuracy(self) -> float:
        return self.overall.status

    @property
    def invalid_rate(self) -> float:
        return self.overall.invalid


def status_correct(comparison: Comparison) -> bool:
    """Isomorphic, both infeasible, or both solves ended with the same decided status."""
    if comparison.verdict in (Verdict.ISOMORPHIC, Verdict.BOTH_INFEASIBLE):
        return True
    if comparison.verdict is Verdict.INVALID:
        return False
    cs, rs = comparison.candidate_status, comparison.reference_status
    return cs is not None and cs == rs and cs in _DECIDED


def objective_correct(comparison: Comparison, tolerance: ObjectiveTolerance) -> bool:
    """Isomorphic, or same decided status and (when optimal) objectives within `tolerance`; never for
    ``both_infeasible`` (there is no objective to match)."""
    if comparison.verdict is Verdict.ISOMORPHIC:
        return True
    if comparison.verdict is Verdict.BOTH_INFEASIBLE:
        return False
    if not status_correct(comparison):
        return False
    if comparison.reference_status is not SolveStatus.OPTIMAL:
        return True
    c, r = comparison.candidate_objective, comparison.reference_objective
    if c is None or r is None:
        return False
    if comparison.diagnostics.senses_differ:
        c = -c
    return tolerance.allows(c, r)


def error_category(comparison: Comparison) -> str:
    """``correct`` for isomorphic, ``invalid``, ``both_infeasible``, or the kind of the first structural
    difference."""
    if comparison.verdict is Verdict.ISOMORPHIC:
        return "correct"
    if comparison.verdict is Verdict.INVALID:
        return "invalid"
    if comparison.verdict is Verdict.BOTH_INFEASIBLE:
        return "both_infeasible"
    for diff in comparison.differences:
        if diff.kind.value not in ("status", "objective_value"):
            return diff.kind.value
    return "undecided" if comparison.diagnostics.structure == "undecided" else "other"


def _row(
    group: str, comparisons: Sequence[Comparison], strict: ObjectiveTolerance, lenient: ObjectiveTolerance
) -> AccuracyRow:
    n = len(comparisons)

    def frac(count: int) -> float:
        return count / n if n else 0.0

    return AccuracyRow(
        group=group,
        n=n,
        structural=frac(sum(c.verdict is Verdict.ISOMORPHIC for c in comparisons)),
        objective_strict=frac(sum(objective_correct(c, strict) for c in comparisons)),
        objective_lenient=frac(sum(objective_correct(c, lenient) for c in comparisons)),
        status=frac(sum(status_correct(c) for c in comparisons)),
        invalid=frac(sum(c.verdict is Verdict.INVALID for c in comparisons)),
    )


def aggregate(
    items: Sequence[Comparison | ScoredItem],
    *,
    strict: ObjectiveTolerance = STRICT,
    lenient: ObjectiveTolerance = LENIENT,
) -> Metrics:
    """Accuracy fractions over `items` (see the module docstring)."""
    scored = [item if isinstance(item, ScoredItem) else ScoredItem(comparison=item) for item in items]
    comparisons = [s.comparison for s in scored]
    classes: dict[str, list[Comparison]] = {}
    for s in scored:
        if s.problem_class is not None:
            classes.setdefault(s.problem_class, []).append(s.comparison)
    categories = Counter(s.error_category or error_category(s.comparison) for s in scored)
    verdicts = Counter(c.verdict.value for c in comparisons)
    return Metrics(
        overall=_row("all", comparisons, strict, lenient),
        by_class=[_row(name, group, strict, lenient) for name, group in sorted(classes.items())],
        verdict_counts={v.value: verdicts.get(v.value, 0) for v in Verdict},
        error_categories=dict(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
        strict=strict,
        lenient=lenient,
    )


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f} %"


def render_metrics(metrics: Metrics, *, title: str = "Accuracy") -> Table:
    """A rich table: one row per problem class (if any) and one for all items, plus verdict counts."""
    table = Table(title=title, show_lines=False)
    table.add_column("group")
    table.add_column("n", justify="right")
    table.add_column("structural", justify="right")
    table.add_column(f"objective ({metrics.strict.rel:g})", justify="right")
    table.add_column(f"objective ({metrics.lenient.rel:g})", justify="right")
    table.add_column("status", justify="right")
    table.add_column("invalid", justify="right")
    for row in [*metrics.by_class, metrics.overall]:
        style = "bold" if row is metrics.overall else None
        table.add_row(
            row.group,
            str(row.n),
            _pct(row.structural),
            _pct(row.objective_strict),
            _pct(row.objective_lenient),
            _pct(row.status),
            _pct(row.invalid),
            style=style,
        )
    counts = ", ".join(f"{k}: {v}" for k, v in metrics.verdict_counts.items())
    categories = ", ".join(f"{k}: {v}" for k, v in metrics.error_categories.items())
    table.caption = f"verdicts — {counts}\ncategories — {categories}"
    return table
