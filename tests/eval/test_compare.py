"""The verdict ladder end to end: solver tier, tolerances, invalid candidates, explanations, JSON shape."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from eval.compare import (
    LENIENT,
    STRICT,
    CompareOptions,
    Comparison,
    ObjectiveTolerance,
    SolveMode,
    Verdict,
    compare,
    objectives_agree,
)
from eval.scramble import perturb, scramble
from solvers.result import SolveResult, SolveStatus

INF = math.inf


def lp(models, *, rhs=4.0, extra_row=False, cost=(3.0, 2.0), sense="maximize"):
    """max 3x + 2y s.t. x + y <= rhs, x + 3y <= 6, x <= 3 (optimum 11 at rhs 4)."""
    rows = [[1, 1], [1, 3]]
    lo, hi = [-INF, -INF], [rhs, 6.0]
    if extra_row:  # redundant: implied by the others
        rows.append([2, 4])
        lo.append(-INF)
        hi.append(100.0)
    return models.make(
        rows,
        lo,
        hi,
        c=list(cost),
        sense=sense,
        ub=[3, INF],
        names=["x", "y"],
        row_names=["cap", "labour", "extra"][: len(rows)],
    )


# ---------------------------------------------------------------------------------------------- solver tier
def test_redundant_row_gives_same_optimum(models):
    result = compare(lp(models, extra_row=True), lp(models))
    assert result.verdict is Verdict.SAME_OPTIMUM
    assert result.candidate_objective == pytest.approx(11.0) and result.reference_objective == pytest.approx(11.0)
    assert result.objectives_match is True
    assert "extra" in result.reason and "strict" in result.reason
    assert result.differences[0].kind == "constraint"


def test_changed_rhs_gives_different_with_both_objectives(models):
    result = compare(lp(models, rhs=3.5), lp(models))
    assert result.verdict is Verdict.DIFFERENT
    assert result.candidate_objective == pytest.approx(10.0)
    assert result.differences[0].kind == "objective_value"
    assert any(d.kind == "rhs" and "(3.5 vs 4)" in d.message and "`cap`" in d.message for d in result.differences)


def test_isomorphic_pairs_are_not_solved_unless_asked(models):
    ref = lp(models)
    cand = scramble(ref, 4).model
    result = compare(cand, ref)
    assert result.verdict is Verdict.ISOMORPHIC and result.candidate_status is None
    assert result.diagnostics.solve_seconds == 0.0
    solved = compare(cand, ref, CompareOptions(solve=SolveMode.ALWAYS))
    assert solved.verdict is Verdict.ISOMORPHIC
    # The scrambled copy minimises -f: its objective is the negative of the reference's.
    assert solved.candidate_objective == pytest.approx(-11.0) and solved.reference_objective == pytest.approx(11.0)
    assert solved.objectives_match is True


def test_no_solve_gives_different_for_non_isomorphic(models):
    result = compare(lp(models, extra_row=True), lp(models), CompareOptions(solve="never"))
    assert result.verdict is Verdict.DIFFERENT
    assert result.candidate_status is None and "skipped" in result.reason


def test_status_mismatch(models):
    infeasible = models.make([[1, 1]], [10], [INF], c=[1, 1], ub=[3, 3], names=["x", "y"], row_names=["cap"])
    feasible = models.make([[1, 1]], [5], [INF], c=[1, 1], ub=[3, 3], names=["x", "y"], row_names=["cap"])
    result = compare(infeasible, feasible)
    assert result.verdict is Verdict.DIFFERENT
    assert result.candidate_status is SolveStatus.INFEASIBLE and result.reference_status is SolveStatus.OPTIMAL
    assert result.differences[0].kind == "status"
    both = compare(
        infeasible, models.make([[1, 1]], [11], [INF], c=[1, 1], ub=[3, 3], names=["x", "y"], row_names=["cap"])
    )
    # Two infeasible models that differ have their own verdict since evaluation v2 (was same_optimum).
    assert both.verdict is Verdict.BOTH_INFEASIBLE and "infeasible" in both.reason


def test_strict_and_lenient_objective_tolerance(models):
    ref = lp(models)  # optimum 11
    cand = lp(models, cost=(3.0 * (1 + 3e-5), 2.0))  # optimum 11.00027: 2.5e-5 relative
    strict = compare(cand, ref)
    lenient = compare(cand, ref, CompareOptions(objective_tolerance=LENIENT))
    custom = compare(cand, ref, CompareOptions(objective_tolerance=ObjectiveTolerance.custom(0.05)))
    assert strict.verdict is Verdict.DIFFERENT and strict.objective_tolerance == STRICT
    assert lenient.verdict is Verdict.SAME_OPTIMUM and lenient.objective_tolerance.name == "lenient"
    assert custom.verdict is Verdict.SAME_OPTIMUM and custom.objective_tolerance.rel == 0.05


@pytest.mark.parametrize(
    ("a", "b", "tolerance", "agree"),
    [
        (100.0, 100.0 + 0.9e-4, STRICT, True),  # 1e-6 abs + 1e-4 rel-ish: 1e-6 + 1e-6*100 = 1.01e-4
        (100.0, 100.0 + 2e-4, STRICT, False),
        (100.0, 100.01, LENIENT, True),
        (100.0, 100.03, LENIENT, False),
        (0.0, 0.5e-6, STRICT, True),
        (0.0, 2e-6, STRICT, False),
    ],
)
def test_objective_tolerance_edges(a, b, tolerance, agree):
    ra = SolveResult(status=SolveStatus.OPTIMAL, objective=a, backend="test")
    rb = SolveResult(status=SolveStatus.OPTIMAL, objective=b, backend="test")
    assert objectives_agree(ra, rb, tolerance)[0] is agree


def test_limits_make_objectives_undecidable():
    done = SolveResult(status=SolveStatus.OPTIMAL, objective=1.0, backend="test")
    stopped = SolveResult(status=SolveStatus.TIME_LIMIT, objective=1.0, backend="test")
    agree, text = objectives_agree(stopped, done, STRICT)
    assert agree is None and "time_limit" in text


def test_opposite_senses_compare_negated_values():
    cand = SolveResult(status=SolveStatus.OPTIMAL, objective=-11.0, backend="test")
    ref = SolveResult(status=SolveStatus.OPTIMAL, objective=11.0, backend="test")
    assert objectives_agree(cand, ref, STRICT, senses_differ=True)[0] is True
    assert objectives_agree(cand, ref, STRICT)[0] is False


def test_cached_reference_result_is_used(models):
    ref = lp(models)
    cached = SolveResult(status=SolveStatus.OPTIMAL, objective=11.0, backend="cache")
    result = compare(lp(models, extra_row=True), ref, reference_result=cached)
    assert result.verdict is Verdict.SAME_OPTIMUM


# ---------------------------------------------------------------------------------------------- invalid
def test_invalid_constructor_and_unusable_candidate(models):
    bad = Comparison.invalid("the candidate file is not JSON")
    assert bad.verdict is Verdict.INVALID and bad.reason == "the candidate file is not JSON"
    broken = lp(models)
    broken.objective = np.array([np.nan, 1.0])
    result = compare(broken, lp(models))
    assert result.verdict is Verdict.INVALID
    assert "objective coefficient of x" in result.reason


def test_unusable_reference_is_an_error(models):
    broken = lp(models)
    broken.row_upper = np.array([1.0])
    with pytest.raises(ValueError):
        compare(lp(models), broken)


# ---------------------------------------------------------------------------------------------- explanations
def test_explanation_names_row_variable_and_values(models):
    ref = models.random_milp(3)
    row = ref.row_names.index("c[5]")
    col = int(ref.A.indices[ref.A.indptr[row]])
    old = float(ref.A.data[ref.A.indptr[row]])
    cand = scramble(perturb(ref, row, col, old + 1.0), 8, flip_objective=False).model
    result = compare(cand, ref, CompareOptions(solve="never"))
    assert result.verdict is Verdict.DIFFERENT
    first = result.differences[0]
    assert first.kind == "coefficient" and first.where == "constraint c[5]"
    assert f"`{ref.var_names[col]}`" in first.message
    assert f"({old + 1:g} vs {old:g})" in first.message
    assert "no exact counterpart" in first.message and "closest candidate row" in first.message


def test_explanation_for_missing_constraint_bound_and_type(models):
    ref = lp(models)
    fewer = models.make(
        [[1, 1]], [-INF], [4], c=[3, 2], sense="maximize", ub=[3, INF], names=["x", "y"], row_names=["cap"]
    )
    result = compare(fewer, ref, CompareOptions(solve="never"))
    assert any(
        d.kind == "constraint" and "`labour`" in d.message and "no counterpart" in d.message for d in result.differences
    )
    assert any(d.kind == "size" for d in result.differences)
    other = lp(models)
    other.upper = np.array([2.0, INF])
    other.integrality = np.array([False, True])
    result = compare(other, ref, CompareOptions(solve="never"))
    kinds = {d.kind.value: d for d in result.differences}
    assert "upper bound of `x` is 2 in the candidate but 3" in kinds["bound"].message
    assert "`y` is integer in the candidate but continuous" in kinds["integrality"].message


def test_differences_are_capped(models):
    ref = models.random_milp(4)
    cand = models.random_milp(5)
    result = compare(cand, ref, CompareOptions(solve="never", max_differences=5))
    assert len(result.differences) == 5 and result.differences_omitted > 0


# ---------------------------------------------------------------------------------------------- result shape
def test_json_shape(models):
    result = compare(lp(models, rhs=3.5), lp(models))
    data = json.loads(result.model_dump_json())
    for key in (
        "verdict",
        "reason",
        "mapping",
        "differences",
        "candidate_status",
        "candidate_objective",
        "reference_status",
        "reference_objective",
        "objective_tolerance",
        "seconds",
        "diagnostics",
    ):
        assert key in data
    assert data["verdict"] == "different" and data["mapping"] is None
    assert {"kind", "where", "candidate", "reference", "message"} <= data["differences"][0].keys()
    assert Comparison.model_validate(data).verdict is Verdict.DIFFERENT
    iso = compare(scramble(lp(models), 1).model, lp(models))
    assert set(iso.mapping) == {"v0", "v1"} and iso.differences == []


def test_repeated_differences_are_grouped(models):
    ref = models.make([[1, 1, 1, 1]], [-INF], [10], c=[1, 2, 3, 4], names=["a", "b", "c", "d"], sense="maximize")
    scaled = models.make(
        [[1, 1, 1, 1]],
        [-INF],
        [10],
        c=[10, 20, 30, 4],
        names=["a", "b", "c", "d"],
        sense="maximize",
        integer=[True, True, False, False],
    )
    result = compare(scaled, ref, CompareOptions(solve="never"))
    messages = [d.message for d in result.differences]
    assert any(m.startswith("the objective coefficients of 3 variables are 10 times the reference's") for m in messages)
    assert "2 variables are integer in the candidate but continuous in the reference: `a`, `b`" in messages
