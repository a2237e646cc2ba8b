"""Accuracy aggregation, the rich renderers and the inspectable networkx graph."""

from __future__ import annotations

import math

import pytest
from rich.console import Console

from eval.compare import LENIENT, CompareOptions, Comparison, Diagnostics, Verdict, compare
from eval.graph import to_networkx
from eval.metrics import ScoredItem, aggregate, error_category, objective_correct, render_metrics, status_correct
from eval.normalize import normalize
from eval.report import render_comparison
from eval.scramble import scramble
from solvers.result import SolveStatus

INF = math.inf


def solved(
    verdict: Verdict,
    cs: SolveStatus | None,
    co: float | None,
    rs: SolveStatus | None,
    ro: float | None,
    *,
    senses_differ: bool = False,
) -> Comparison:
    return Comparison(
        verdict=verdict,
        reason="r",
        candidate_status=cs,
        candidate_objective=co,
        reference_status=rs,
        reference_objective=ro,
        diagnostics=Diagnostics(structure="x", method="y", senses_differ=senses_differ),
    )


OPT, INFEAS = SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE


def test_accuracy_fractions():
    items = [
        solved(Verdict.ISOMORPHIC, None, None, None, None),  # right everywhere without a solve
        solved(Verdict.SAME_OPTIMUM, OPT, 100.0, OPT, 100.0),
        solved(Verdict.DIFFERENT, OPT, 100.005, OPT, 100.0),  # lenient only
        solved(Verdict.DIFFERENT, OPT, 90.0, OPT, 100.0),  # status only
        solved(Verdict.SAME_OPTIMUM, INFEAS, None, INFEAS, None),
        solved(Verdict.DIFFERENT, INFEAS, None, OPT, 1.0),
        solved(Verdict.DIFFERENT, None, None, None, None),  # not solved: wrong on objective and status
        Comparison.invalid("broken"),
    ]
    m = aggregate(items)
    assert m.n == 8
    assert m.structural_accuracy == pytest.approx(1 / 8)
    assert m.objective_accuracy_strict == pytest.approx(3 / 8)
    assert m.objective_accuracy_lenient == pytest.approx(4 / 8)
    assert m.status_accuracy == pytest.approx(5 / 8)
    assert m.invalid_rate == pytest.approx(1 / 8)
    assert m.verdict_counts == {"isomorphic": 1, "same_optimum": 2, "both_infeasible": 0, "different": 4, "invalid": 1}


def test_negated_objective_counts_when_senses_differ():
    c = solved(Verdict.DIFFERENT, OPT, -5.0, OPT, 5.0, senses_differ=True)
    assert objective_correct(c, LENIENT) and status_correct(c)


def test_classes_and_categories(models):
    ref = models.random_milp(1)
    iso = compare(scramble(ref, 2).model, ref)
    bad = compare(models.random_milp(2), ref)
    items = [
        ScoredItem(comparison=iso, problem_class="knapsack"),
        ScoredItem(comparison=bad, problem_class="knapsack"),
        ScoredItem(comparison=Comparison.invalid("no"), problem_class="tsp", error_category="timeout"),
    ]
    m = aggregate(items)
    assert [row.group for row in m.by_class] == ["knapsack", "tsp"]
    assert m.by_class[0].structural == pytest.approx(0.5)
    assert m.error_categories["correct"] == 1 and m.error_categories["timeout"] == 1
    assert error_category(bad) not in ("correct", "invalid")
    console = Console(record=True, width=140)
    console.print(render_metrics(m))
    text = console.export_text()
    assert "knapsack" in text and "50.0 %" in text and "structural" in text


def test_report_renders_every_verdict(models):
    ref = models.random_milp(1)
    console = Console(record=True, width=160)
    for result in (
        compare(scramble(ref, 2).model, ref),
        compare(models.random_milp(2), ref, CompareOptions(solve="never")),
        Comparison.invalid("the candidate could not be parsed"),
    ):
        console.print(render_comparison(result, title="a vs b"))
    text = console.export_text()
    assert "ISOMORPHIC" in text and "DIFFERENT" in text and "INVALID" in text
    assert "mapping:" in text and "could not be parsed" in text


def test_networkx_graph_carries_the_labels(models):
    m = models.make(
        [[1, 2], [3, 0], [1, 1]],
        [-INF, 1, 2],
        [4, INF, 2],
        c=[5, 0],
        sense="maximize",
        ub=[1, 7],
        integer=[True, False],
        names=["a", "b"],
        row_names=["r", "bound_a", "eq"],
    )
    g = to_networkx(normalize(m))
    kinds = [d["kind"] for _, d in g.nodes(data=True)]
    assert kinds.count("variable") == 2 and kinds.count("objective") == 1
    assert kinds.count("constraint") == 2  # r and the equality; bound_a became a bound
    assert g.nodes[("var", "a")]["type"] == "binary" and g.nodes[("var", "a")]["lower"] == 1.0
    assert g.nodes[("var", "b")]["upper"] == 7.0
    assert g.edges[("objective",), ("var", "a")]["coefficient"] == -5.0  # min form
    assert g.nodes[("row", "eq")]["sense"] == "=" and g.nodes[("row", "eq")]["rhs"] == 2.0
    assert g.edges[("var", "a"), ("row", "r")]["coefficient"] == 0.5
    assert not g.has_edge(("objective",), ("var", "b"))
