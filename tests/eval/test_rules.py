"""Every normalisation rule of the `isomorphic` semantics, with a positive and a negative case each."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from eval.compare import CompareOptions, Verdict, compare
from eval.normalize import Rule, normalize
from eval.scramble import scramble

INF = math.inf
STRUCTURE_ONLY = CompareOptions(solve="never")


def verdict(candidate, reference, **options) -> Verdict:
    return compare(candidate, reference, CompareOptions(solve="never", **options)).verdict


def base(models, **kw):
    """min x0 + 2 x1 s.t. x0 + x1 >= 2, 0.5 x0 - 0.5 x1 <= 1, x >= 0."""
    args = dict(rows=[[1, 1], [0.5, -0.5]], lo=[2, -INF], hi=[INF, 1], c=[1, 2])
    args.update(kw)
    rows, lo, hi, c = args.pop("rows"), args.pop("lo"), args.pop("hi"), args.pop("c")
    return models.make(rows, lo, hi, c=c, **args)


# ---------------------------------------------------------------------------------------------- renaming, reordering
def test_rename_and_reorder_is_isomorphic(models):
    ref = models.random_milp(1)
    cand = scramble(ref, 3, scale_rows=False, flip_rows=False, flip_objective=False).model
    assert verdict(cand, ref) is Verdict.ISOMORPHIC


def test_reordered_copy_with_one_row_moved_to_other_variables_is_not(models):
    ref = models.make([[1, 1, 0], [0, 1, 1]], [-INF, -INF], [1, 2], c=[1, 2, 3])
    cand = models.make([[1, 1, 0], [1, 0, 1]], [-INF, -INF], [1, 2], c=[1, 2, 3])
    assert verdict(cand, ref) is not Verdict.ISOMORPHIC


# ---------------------------------------------------------------------------------------------- N0 clean terms
def test_noise_coefficient_and_duplicate_terms_are_cleaned(models):
    ref = models.make([[1, 1, 0], [0, 1, 1]], [-INF, -INF], [4, 5], c=[1, 1, 1], sense="maximize")
    noise = models.make([[1, 1, 1e-14], [0, 1, 1]], [-INF, -INF], [4, 5], c=[1, 1, 1], sense="maximize")
    assert normalize(noise).fired[Rule.CLEAN_TERMS] == 1
    assert verdict(noise, ref) is Verdict.ISOMORPHIC
    # x0 written twice (0.25 x0 + 0.75 x0): summed into one term.
    dup = ref.copy()
    dup.A = sp.csr_matrix(
        (np.r_[0.25, 0.75, 1.0, 1.0, 1.0], (np.r_[0, 0, 0, 1, 1], np.r_[0, 0, 1, 1, 2])), shape=(2, 3)
    )
    assert verdict(dup, ref) is Verdict.ISOMORPHIC


def test_real_extra_term_is_not_dropped(models):
    ref = models.make([[1, 1, 0]], [-INF], [4], c=[1, 1, 1], sense="maximize", ub=[3, 3, 3])
    cand = models.make([[1, 1, 1e-3]], [-INF], [4], c=[1, 1, 1], sense="maximize", ub=[3, 3, 3])
    assert verdict(cand, ref) is Verdict.DIFFERENT


def test_huge_bounds_are_infinite(models):
    ref = base(models)
    cand = base(models, ub=[1e30, 1e21])
    assert verdict(cand, ref) is Verdict.ISOMORPHIC
    assert verdict(base(models, ub=[1e6, INF]), ref) is Verdict.DIFFERENT


# ---------------------------------------------------------------------------------------------- N1 max -> min
def test_max_f_is_min_minus_f(models):
    ref = base(models)
    cand = base(models, c=[-1, -2], sense="maximize")
    assert verdict(cand, ref) is Verdict.ISOMORPHIC


def test_max_f_is_not_min_f(models):
    ref = base(models)
    cand = base(models, sense="maximize")
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert any(d.kind == "objective_sense" for d in result.differences)


def test_objective_constant_must_match(models):
    ref = base(models, c0=5.0)
    assert verdict(base(models, c0=5.0), ref) is Verdict.ISOMORPHIC
    assert verdict(base(models, c=[-1, -2], sense="maximize", c0=-5.0), ref) is Verdict.ISOMORPHIC
    result = compare(base(models, c0=4.0), ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert [d.kind for d in result.differences] == ["objective_constant"]


# ---------------------------------------------------------------------------------------------- N2 binaries
def test_integer_in_zero_one_is_binary(models):
    ref = base(models, ub=[1, 1], integer=[True, True])  # the LinearModel spelling of two binaries
    cand = base(models, lb=[-0.5, 0], ub=[1.7, 1], integer=[True, True])  # integer in [0, 1] written loosely
    assert normalize(cand).fired[Rule.INTEGER_BOUNDS] == 2
    assert verdict(cand, ref) is Verdict.ISOMORPHIC


def test_integer_zero_two_is_not_binary_and_continuous_is_not_integer(models):
    ref = base(models, ub=[1, 1], integer=[True, True])
    assert verdict(base(models, ub=[2, 1], integer=[True, True]), ref) is Verdict.DIFFERENT
    result = compare(base(models, ub=[1, 1], integer=[False, True]), ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert any(d.kind == "integrality" and "x0" in d.message for d in result.differences)


# ---------------------------------------------------------------------------------------------- N3 rows -> bounds
def test_bound_written_as_a_row(models):
    ref = base(models, ub=[INF, 5])
    cand = base(models, rows=[[1, 1], [0.5, -0.5], [0, 2]], lo=[2, -INF, -INF], hi=[INF, 1, 10])
    assert verdict(cand, ref) is Verdict.ISOMORPHIC
    norm = normalize(cand)
    assert norm.fired[Rule.ROWS_TO_BOUNDS] == 1
    assert norm.absorbed == {"c2": "bound on x1"}


def test_bound_row_with_a_different_value_is_not_the_bound(models):
    ref = base(models, ub=[INF, 5])
    cand = base(models, rows=[[1, 1], [0.5, -0.5], [0, 1]], lo=[2, -INF, -INF], hi=[INF, 1, 6])
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert any(
        d.kind == "bound" and "upper bound of `x1`" in d.message and "6" in d.message for d in result.differences
    )


def test_sign_aware_bounds_and_intersection(models):
    # -2 x >= 4 is x <= -2 (not x >= -2); a declared x >= 0 plus a row x >= -5 keeps x >= 0.
    row_form = models.make([[1, 1], [-2, 0]], [-INF, 4], [10, INF], c=[1, 1], lb=[-INF, 0])
    bound_form = models.make([[1, 1]], [-INF], [10], c=[1, 1], lb=[-INF, 0], ub=[-2, INF])
    wrong_form = models.make([[1, 1]], [-INF], [10], c=[1, 1], lb=[-2, 0])
    assert verdict(row_form, bound_form) is Verdict.ISOMORPHIC
    assert verdict(row_form, wrong_form) is Verdict.DIFFERENT
    looser_row = models.make([[1, 1], [0, 1]], [-INF, -5], [10, INF], c=[1, 1], lb=[-INF, 0])
    plain = models.make([[1, 1]], [-INF], [10], c=[1, 1], lb=[-INF, 0])
    assert verdict(looser_row, plain) is Verdict.ISOMORPHIC
    loosened = models.make([[1, 1]], [-INF], [10], c=[1, 1], lb=[-INF, -5])
    assert verdict(looser_row, loosened) is Verdict.DIFFERENT


# ---------------------------------------------------------------------------------------------- N7 senses
def test_geq_row_is_negated_leq_row(models):
    ref = base(models)
    cand = base(models, rows=[[-1, -1], [0.5, -0.5]], lo=[-INF, -INF], hi=[-2, 1])
    assert verdict(cand, ref) is Verdict.ISOMORPHIC


def test_flipped_sense_is_different_and_named(models):
    ref = base(models)
    cand = base(models, lo=[-INF, -INF], hi=[2, 1])  # x0 + x1 <= 2 instead of >= 2
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert result.differences[0].kind == "sense"
    assert "`c0`" in result.differences[0].message


def test_equality_written_as_two_inequalities_or_negated(models):
    ref = models.make([[1, 2, 3]], [6], [6], c=[1, 1, 1])
    two = models.make([[1, 2, 3], [1, 2, 3]], [-INF, 6], [6, INF], c=[1, 1, 1])
    negated = models.make([[-1, -2, -3]], [-6], [-6], c=[1, 1, 1])
    assert verdict(two, ref) is Verdict.ISOMORPHIC
    assert verdict(negated, ref) is Verdict.ISOMORPHIC


def test_equality_is_not_one_inequality(models):
    ref = models.make([[1, 2, 3]], [6], [6], c=[1, 1, 1])
    cand = models.make([[1, 2, 3]], [-INF], [6], c=[1, 1, 1])
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert [d.kind for d in result.differences] == ["sense"]
    assert "(`<=` vs `=`)" in result.differences[0].message


# ---------------------------------------------------------------------------------------------- N8 scaling
def test_positive_row_scaling(models):
    ref = base(models)
    cand = base(models, rows=[[3, 3], [1, -1]], lo=[6, -INF], hi=[INF, 2])
    assert verdict(cand, ref) is Verdict.ISOMORPHIC


def test_negative_row_scaling_flips_the_row(models):
    ref = base(models)
    cand = base(models, rows=[[-3, -3], [0.5, -0.5]], lo=[-6, -INF], hi=[INF, 1])
    assert verdict(cand, ref) is Verdict.DIFFERENT


# ---------------------------------------------------------------------------------------------- N9 parallel rows
def test_scaled_duplicate_row_is_merged(models):
    ref = base(models)
    cand = base(models, rows=[[1, 1], [0.5, -0.5], [2, 2]], lo=[2, -INF, 1], hi=[INF, 1, INF])
    assert verdict(cand, ref) is Verdict.ISOMORPHIC
    assert normalize(cand).fired[Rule.PARALLEL_ROWS_MERGED] == 1


def test_almost_parallel_row_is_kept(models):
    ref = base(models)
    cand = base(models, rows=[[1, 1], [0.5, -0.5], [2, 2.5]], lo=[2, -INF, 1], hi=[INF, 1, INF])
    assert verdict(cand, ref) is Verdict.DIFFERENT
    assert verdict(cand, ref, merge_parallel_rows=False) is Verdict.DIFFERENT


# ---------------------------------------------------------------------------------------------- combined (spec 5)
def test_spec_example_all_rules_together(models):
    ref = models.make([[1, 1], [0.5, -0.5]], [2, -INF], [INF, 1], c=[1, 2])
    cand = models.make(
        [[-2, -2], [1, -1], [0, 1]],
        [-INF, -INF, 0],
        [-4, 2, INF],
        c=[-1, -2],
        sense="maximize",
        lb=[0, -INF],
        names=["p", "q"],
        row_names=["a", "b", "q_nonneg"],
    )
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.ISOMORPHIC
    assert result.mapping == {"p": "x0", "q": "x1"}
    assert result.constraint_mapping is not None and result.constraint_mapping["a"] == ["c0"]


# ---------------------------------------------------------------------------------------------- N5 / N6 (optional)
def test_fixed_variable_substitution_is_optional(models):
    ref = models.make([[1, 1]], [-INF], [7], c=[1, 1], c0=6.0, sense="maximize")
    cand = models.make([[1, 1, 1]], [-INF], [10], c=[1, 1, 2], lb=[0, 0, 3], ub=[INF, INF, 3], sense="maximize")
    # On by default since evaluation v2 (OptiBench writes objective constants as fixed variables).
    assert verdict(cand, ref, substitute_fixed=False) is Verdict.DIFFERENT
    assert verdict(cand, ref) is Verdict.ISOMORPHIC
    shifted = models.make([[1, 1, 1]], [-INF], [10], c=[1, 1, 2], lb=[0, 0, 4], ub=[INF, INF, 4], sense="maximize")
    assert verdict(shifted, ref, substitute_fixed=True) is Verdict.DIFFERENT


def test_unused_variable_drop_is_optional(models):
    ref = models.make([[1, 1]], [-INF], [7], c=[1, 1], sense="maximize", ub=[5, 5])
    cand = models.make([[1, 1, 0]], [-INF], [7], c=[1, 1, 0], sense="maximize", ub=[5, 5, 9])
    assert verdict(cand, ref) is Verdict.DIFFERENT
    assert verdict(cand, ref, drop_unused=True) is Verdict.ISOMORPHIC


# ---------------------------------------------------------------------------------------------- order independence
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_normal_form_does_not_depend_on_order(models, seed):
    """normalise(permuted model) equals normalise(model) as multisets of rows and columns."""
    ref = models.random_milp(seed)
    copy = scramble(ref, seed + 10, rename=False).model

    def signature(norm):
        names = norm.var_names
        cols = sorted(
            (
                names[j],
                bool(norm.integer[j]),
                round(norm.lower[j], 9),
                round(norm.upper[j], 9),
                round(norm.objective[j], 9),
            )
            for j in range(norm.num_vars)
        )
        rows = sorted(
            (
                tuple(
                    sorted(
                        (names[j], round(a, 9))
                        for j, a in zip(
                            norm.A.indices[norm.A.indptr[k] : norm.A.indptr[k + 1]],
                            norm.A.data[norm.A.indptr[k] : norm.A.indptr[k + 1]],
                            strict=True,
                        )
                    )
                ),
                round(float(norm.rhs[k]), 9),
            )
            for k in range(norm.num_rows)
        )
        return cols, rows

    a, b = normalize(ref), normalize(copy)
    assert signature(a)[0] == signature(b)[0]
    # The copy maximises -f: its normal-form objective equals the original's.
    assert signature(a)[1] == signature(b)[1]
    assert np.isclose(a.objective_constant, b.objective_constant)
