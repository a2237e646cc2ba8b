"""Evaluation v2: reformulations undone by normalisation (N5, N11-N13) and the `both_infeasible` verdict.

Every rule has a positive case (now `isomorphic`, the reason names what was undone) and a negative control
(a change that looks similar but is not an equivalence must not be merged).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from eval.compare import CompareOptions, Comparison, Verdict, compare
from eval.metrics import aggregate, error_category, objective_correct, status_correct
from eval.normalize import Rule, normalize
from eval.scramble import scramble
from solvers.linear import LinearModel

INF = math.inf
NO_SOLVE = CompareOptions(solve="never")


def check(candidate: LinearModel, reference: LinearModel, **options: object) -> Comparison:
    return compare(candidate, reference, CompareOptions(solve="never", **options))  # type: ignore[arg-type]


def rescaled(model: LinearModel, factors: dict[int, float]) -> LinearModel:
    """The same model in variables ``x'_j = k_j x_j`` (coefficients and cost divided, bounds multiplied)."""
    k = np.ones(model.num_vars)
    for j, f in factors.items():
        k[j] = f
    out = model.copy()
    out.A = sp.csr_matrix(model.A @ sp.diags(1.0 / k))
    out.objective = np.asarray(model.objective) / k
    out.lower = np.asarray(model.lower) * k
    out.upper = np.asarray(model.upper) * k
    return out


# ---------------------------------------------------------------------------------------------- N11 slacks
def test_slack_of_an_equality_is_eliminated(models):
    ref = models.make([[1, 2]], [-INF], [4], c=[-1, -1], names=["x", "y"])
    cand = models.make([[1, 2, 1]], [4], [4], c=[-1, -1, 0], names=["x", "y", "s1"])
    result = compare(cand, ref, NO_SOLVE)
    assert result.verdict is Verdict.ISOMORPHIC, result.reason
    assert "the candidate's slack variable s1 of c0 was eliminated" in result.reason
    assert normalize(cand, eliminate_slacks=True).fired[Rule.SLACKS_ELIMINATED] == 1
    assert normalize(cand, eliminate_slacks=True).removed_columns == {"s1": "slack of c0, eliminated"}


def test_surplus_and_negative_coefficient_give_the_other_direction(models):
    ref = models.make([[1, 1]], [2], [INF], c=[1, 3])
    surplus = models.make([[1, 1, -1]], [2], [2], c=[1, 3, 0], names=["x0", "x1", "t"])
    result = compare(surplus, ref, NO_SOLVE)
    assert result.verdict is Verdict.ISOMORPHIC
    assert "surplus variable t" in result.reason
    # The same slack with a non-positive range (s <= 0) flips the direction again.
    upper_only = models.make([[1, 1, 1]], [2], [2], c=[1, 3, 0], lb=[0, 0, -INF], ub=[INF, INF, 0])
    assert check(upper_only, ref).verdict is Verdict.ISOMORPHIC
    assert check(surplus, models.make([[1, 1]], [-INF], [2], c=[1, 3])).verdict is Verdict.DIFFERENT


def test_bounded_slack_gives_a_ranged_row(models):
    ref = models.make([[1, 2]], [1], [4], c=[-1, -1])
    cand = models.make([[1, 2, 1]], [4], [4], c=[-1, -1, 0], ub=[INF, INF, 3])
    assert check(cand, ref).verdict is Verdict.ISOMORPHIC
    assert check(cand, models.make([[1, 2]], [-INF], [4], c=[-1, -1])).verdict is Verdict.DIFFERENT


def test_continuous_slack_in_an_integer_row(models):
    ref = models.make([[2, 3]], [-INF], [7], c=[-1, -1], integer=[True, True])
    cand = models.make([[2, 3, 1]], [7], [7], c=[-1, -1, 0], integer=[True, True, False])
    assert check(cand, ref).verdict is Verdict.ISOMORPHIC


def test_slacks_that_are_not_slacks_stay(models):
    ref = models.make([[2, 1]], [-INF], [3], c=[-1, -1])
    # Integer slack: 2x + y + s = 3 with s integer restricts 2x + y to integers, unlike 2x + y <= 3.
    integer = models.make([[2, 1, 1]], [3], [3], c=[-1, -1, 0], integer=[False, False, True])
    # Penalised slack (non-zero cost): the objective sees it.
    costly = models.make([[2, 1, 1]], [3], [3], c=[-1, -1, 1])
    # In two rows: it links them, it is no slack.
    shared = models.make([[2, 1, 1], [0, 1, 1]], [3, -INF], [3, 2], c=[-1, -1, 0])
    # In an inequality row and free: nothing to eliminate by this rule.
    for candidate in (integer, costly, shared):
        assert check(candidate, ref).verdict is Verdict.DIFFERENT
    assert not normalize(integer, eliminate_slacks=True).fired.get(Rule.SLACKS_ELIMINATED)
    assert not normalize(costly, eliminate_slacks=True).fired.get(Rule.SLACKS_ELIMINATED)
    assert not normalize(shared, eliminate_slacks=True).fired.get(Rule.SLACKS_ELIMINATED)


def test_slack_elimination_keeps_the_optimum(models):
    ref = models.make([[1, 2], [3, 1]], [-INF, -INF], [4, 6], c=[-1, -1])
    cand = models.make([[1, 2, 1, 0], [3, 1, 0, 1]], [4, 6], [4, 6], c=[-1, -1, 0, 0])
    result = compare(cand, ref, CompareOptions(solve="always"))
    assert result.verdict is Verdict.ISOMORPHIC
    assert result.objectives_match is True


# ---------------------------------------------------------------------------------------------- N12 free splits
def _free_reference(models):
    return models.make([[1, 1], [1, -1]], [1, -INF], [INF, 2], c=[1, 2], lb=[-INF, 0], names=["x", "y"])


def test_split_free_variable_is_merged(models):
    ref = _free_reference(models)
    cand = models.make([[1, -1, 1], [1, -1, -1]], [1, -INF], [INF, 2], c=[1, -1, 2], names=["xp", "xm", "y"])
    result = compare(cand, ref, NO_SOLVE)
    assert result.verdict is Verdict.ISOMORPHIC, result.reason
    assert "split free variable" in result.reason
    # Written the other way round (x⁻ first): the kept column is negated; N13 gives free columns one sign.
    swapped = models.make([[-1, 1, 1], [-1, 1, -1]], [1, -INF], [INF, 2], c=[-1, 1, 2], names=["xm", "xp", "y"])
    assert check(swapped, ref).verdict is Verdict.ISOMORPHIC
    # A free variable declared as its negative (z = -x) matches too.
    negated = models.make([[-1, 1], [-1, -1]], [1, -INF], [INF, 2], c=[-1, 2], lb=[-INF, 0], names=["z", "y"])
    assert check(negated, ref).verdict is Verdict.ISOMORPHIC


def test_columns_that_are_not_a_split_stay(models):
    ref = _free_reference(models)
    # One coefficient is not the negative (-2 instead of -1).
    skewed = models.make([[1, -2, 1], [1, -1, -1]], [1, -INF], [INF, 2], c=[1, -1, 2])
    # The negative part has an upper bound: x >= -5 only.
    bounded = models.make([[1, -1, 1], [1, -1, -1]], [1, -INF], [INF, 2], c=[1, -1, 2], ub=[INF, 5, INF])
    # Integer parts are never merged.
    integer = models.make([[1, -1, 1], [1, -1, -1]], [1, -INF], [INF, 2], c=[1, -1, 2], integer=[True, True, False])
    for candidate in (skewed, bounded, integer):
        assert check(candidate, ref).verdict is Verdict.DIFFERENT
        assert not normalize(candidate, merge_free_splits=True).fired.get(Rule.FREE_SPLITS_MERGED)


# ---------------------------------------------------------------------------------------------- N13 column scaling
def test_rescaled_continuous_variable_matches(models):
    ref = models.make([[1, 1], [2, 1]], [4, -INF], [INF, 10], c=[3, 2], ub=[6, INF], names=["x", "y"])
    cand = rescaled(ref, {0: 2.0})  # x' = 2x
    result = compare(cand, ref, NO_SOLVE)
    assert result.verdict is Verdict.ISOMORPHIC, result.reason
    assert "canonical sign and scale" in result.reason
    assert check(rescaled(ref, {0: 0.001, 1: 7.0}), ref).verdict is Verdict.ISOMORPHIC


def test_rescaling_is_not_a_licence_to_change_numbers(models):
    ref = models.make([[1, 1], [2, 1]], [4, -INF], [INF, 10], c=[3, 2], ub=[6, INF], names=["x", "y"])
    cand = rescaled(ref, {0: 2.0})
    cand.upper = np.array([6.0, INF])  # the bound was not rescaled with the variable
    assert check(cand, ref).verdict is Verdict.DIFFERENT
    wrong_cost = rescaled(ref, {0: 2.0})
    wrong_cost.objective = np.array([3.0, 2.0])
    assert check(wrong_cost, ref).verdict is Verdict.DIFFERENT
    assert check(cand, ref, scale_columns=False).verdict is Verdict.DIFFERENT


def test_integer_columns_are_never_scaled(models):
    ref = models.make([[1, 1], [2, 1]], [4, -INF], [INF, 10], c=[3, 2], ub=[6, INF], integer=[True, False])
    assert check(rescaled(ref, {0: 2.0}), ref).verdict is Verdict.DIFFERENT
    # ... while its continuous neighbour may be.
    assert check(rescaled(ref, {1: 3.0}), ref).verdict is Verdict.ISOMORPHIC
    norm = normalize(ref, scale_columns=True)
    assert norm.col_scale[0] == 1.0


def test_rescaled_and_scrambled_random_models(models):
    for seed in range(6):
        ref = models.random_milp(seed)
        continuous = np.flatnonzero(~np.asarray(ref.integrality, dtype=bool))
        rng = np.random.default_rng(seed)
        factors = {int(j): float(rng.choice([0.5, 2.0, 3.0, 10.0, 0.01])) for j in continuous[::2]}
        cand = scramble(rescaled(ref, factors), seed).model
        result = compare(cand, ref, NO_SOLVE)
        assert result.verdict is Verdict.ISOMORPHIC, (seed, result.reason)
        # A real change in one continuous column's coefficient is still noticed.
        changed = rescaled(ref, factors)
        a = changed.A.tolil()
        row, col = next((int(i), int(j)) for i, j in zip(*ref.A.nonzero(), strict=True) if j in factors)
        a[row, col] *= 1.5
        changed.A = a.tocsr()
        assert check(changed, ref).verdict is Verdict.DIFFERENT, seed


# ---------------------------------------------------------------------------------------------- N5 fixed variables
def _optibench_reference(models, value: float = 1.0):
    """OptiBench style: the objective constant 5 is a variable `Constant` fixed to 1 with cost 5."""
    return models.make(
        [[1, 1, 0]],
        [-INF],
        [4],
        c=[3, 2, 5],
        sense="maximize",
        lb=[0, 0, value],
        ub=[INF, INF, value],
        names=["x", "y", "Constant"],
    )


def test_objective_constant_written_as_a_fixed_variable(models):
    ref = _optibench_reference(models)
    cand = models.make([[1, 1]], [-INF], [4], c=[3, 2], sense="maximize", c0=5.0, names=["x", "y"])
    result = compare(cand, ref)  # the default options
    assert CompareOptions().substitute_fixed is True
    assert result.verdict is Verdict.ISOMORPHIC, result.reason
    assert "the reference's fixed variable Constant = 1 was substituted" in result.reason
    assert result.candidate_status is None  # not solved: isomorphic needs no solve (solve=if_needed)
    assert check(cand, ref, substitute_fixed=False).verdict is Verdict.DIFFERENT
    assert check(cand, _optibench_reference(models, 2.0)).verdict is Verdict.DIFFERENT  # constant 10, not 5
    plain = models.make([[1, 1]], [-INF], [4], c=[3, 2], sense="maximize", names=["x", "y"])
    assert check(plain, ref).verdict is Verdict.DIFFERENT  # the constant was forgotten


# ---------------------------------------------------------------------------------------------- both infeasible
def _infeasible(models, rhs: float, cost: float = 1.0):
    return models.make([[1, 1]], [rhs], [INF], c=[1, cost], ub=[3, 3], names=["x", "y"])


def test_two_different_infeasible_models(models):
    result = compare(_infeasible(models, 10), _infeasible(models, 11, cost=2))
    assert result.verdict is Verdict.BOTH_INFEASIBLE
    assert "Both models are infeasible" in result.reason and "says nothing" in result.reason
    assert result.objectives_match is None
    assert status_correct(result)
    assert not objective_correct(result, result.objective_tolerance)
    assert error_category(result) == "both_infeasible"
    metrics = aggregate([result])
    assert metrics.structural_accuracy == 0.0 and metrics.objective_accuracy_lenient == 0.0
    assert metrics.status_accuracy == 1.0 and metrics.verdict_counts["both_infeasible"] == 1


def test_infeasible_on_their_face_without_a_solver(models):
    # A row x >= 6 on a variable bounded by 5: normalisation (N3) proves infeasibility, no solve needed.
    a = models.make([[1, 1], [1, 0]], [-INF, 6], [4, INF], c=[1, 1], ub=[5, 5])
    b = models.make([[1, 2], [0, 1]], [-INF, 7], [4, INF], c=[1, 1], ub=[5, 5])
    result = compare(a, b, NO_SOLVE)
    assert result.verdict is Verdict.BOTH_INFEASIBLE
    assert result.candidate_status is None


def test_equivalent_infeasible_models_stay_isomorphic(models):
    ref = _infeasible(models, 10)
    result = compare(scramble(ref, 1).model, ref)
    assert result.verdict is Verdict.ISOMORPHIC


def test_verdict_ladder_order():
    order = list(Verdict)
    assert order.index(Verdict.SAME_OPTIMUM) < order.index(Verdict.BOTH_INFEASIBLE) < order.index(Verdict.DIFFERENT)
    assert Verdict.BOTH_INFEASIBLE.value == "both_infeasible"


def test_substitution_that_empties_an_impossible_row_is_not_isomorphic(models):
    """Fixed variables substituted out of ``x + y >= 3`` (x = y = 1) leave the empty row ``0 >= 1``: that
    infeasibility has no node in the graph, yet a feasible model must not be isomorphic to it."""
    ref = models.make([[1, 1]], [1], [INF], c=[1, 1], lb=[1, 1], ub=[1, 1])
    cand = models.make([[1, 1]], [3], [INF], c=[1, 1], lb=[1, 1], ub=[1, 1])
    result = compare(cand, ref, NO_SOLVE)
    assert result.verdict is Verdict.DIFFERENT
    assert "infeasible" in result.reason
