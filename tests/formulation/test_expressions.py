"""The expression language, one feature at a time, checked on the matrix it compiles to.

Guards the meaning of every construct of `formulation.expressions` (sums with several generators and
conditions, index arithmetic, element labels as indices, constants, unary minus, division by constants,
both-sided and ranged constraints, merging of duplicate terms): each test builds a tiny ModelSpec in Python
and asserts actual coefficients and row bounds of `compile_spec(...).model`, not merely that it compiles.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from formulation.compile import ModelBuildError, compile_spec
from solvers.linear import LinearModel

from .builders import build

INF = math.inf


# ------------------------------------------------------------------------------ helpers
def model_of(**kwargs: Any) -> LinearModel:
    return compile_spec(build(**kwargs)).model


def row(model: LinearModel, name: str) -> tuple[dict[str, float], float, float]:
    """(terms by variable name, lower, upper) of the row called `name`."""
    i = model.row_names.index(name)
    return dict(model.row_terms(i)), float(model.row_lower[i]), float(model.row_upper[i])


def objective_terms(model: LinearModel) -> dict[str, float]:
    return {name: float(c) for name, c in zip(model.var_names, model.objective, strict=True) if c != 0.0}


XY = {"x": {}, "y": {}}
ONE_ROW = "c"


def one_row(expression: str, **kwargs: Any) -> tuple[dict[str, float], float, float]:
    kwargs.setdefault("variables", XY)
    return row(model_of(constraints={ONE_ROW: expression}, **kwargs), ONE_ROW)


# ------------------------------------------------------------------------------ constants and terms
@pytest.mark.parametrize(
    ("expression", "terms", "lower", "upper"),
    [
        ("x + 5 <= 10", {"x": 1.0}, -INF, 5.0),
        ("10 >= x + 5", {"x": -1.0}, -5.0, INF),  # rows are (left - right) <op> 0, not normalised
        ("x + 5 >= 7", {"x": 1.0}, 2.0, INF),
        ("3 + x == 4 + 1", {"x": 1.0}, 2.0, 2.0),
        ("x - 2 <= -2 + 3", {"x": 1.0}, -INF, 3.0),
        ("2 * (x + 3) <= 10", {"x": 2.0}, -INF, 4.0),
        ("x <= 1e3", {"x": 1.0}, -INF, 1000.0),
        ("0.5 * x + 0.25 <= 1", {"x": 0.5}, -INF, 0.75),
    ],
    ids=["const-left", "const-flipped", "ge", "eq-both-sides", "const-both-sides", "distribute", "sci-notation",
         "fractions"],
)
def test_constants_move_to_the_right_hand_side(
    expression: str, terms: dict[str, float], lower: float, upper: float
) -> None:
    assert one_row(expression) == (terms, lower, upper)


def test_duplicate_terms_merge_into_one_coefficient() -> None:
    model = model_of(variables=XY, constraints={ONE_ROW: "x + x + 2*x <= 4"})
    assert row(model, ONE_ROW) == ({"x": 4.0}, -INF, 4.0)
    assert model.A.nnz == 1


def test_terms_that_cancel_leave_no_entry() -> None:
    model = model_of(variables=XY, constraints={ONE_ROW: "x - x + y <= 1"})
    assert row(model, ONE_ROW) == ({"y": 1.0}, -INF, 1.0)
    assert model.A.nnz == 1


@pytest.mark.parametrize(
    ("expression", "terms", "lower", "upper"),
    [
        ("x <= y", {"x": 1.0, "y": -1.0}, -INF, 0.0),
        ("x >= y", {"x": 1.0, "y": -1.0}, 0.0, INF),
        ("2*x + 3 >= y - 1", {"x": 2.0, "y": -1.0}, -4.0, INF),
        ("x == 2*y", {"x": 1.0, "y": -2.0}, 0.0, 0.0),
        ("x + y <= x + 5", {"y": 1.0}, -INF, 5.0),
    ],
    ids=["le", "ge", "ge-with-constants", "eq", "same-variable-both-sides"],
)
def test_variables_on_both_sides(expression: str, terms: dict[str, float], lower: float, upper: float) -> None:
    assert one_row(expression) == (terms, lower, upper)


@pytest.mark.parametrize(
    ("expression", "terms", "lower", "upper"),
    [
        ("-x <= 3", {"x": -1.0}, -INF, 3.0),
        ("-(x - y) >= -3", {"x": -1.0, "y": 1.0}, -3.0, INF),
        ("--x <= 1", {"x": 1.0}, -INF, 1.0),
        ("+x <= 1", {"x": 1.0}, -INF, 1.0),
        ("x <= -(-2)", {"x": 1.0}, -INF, 2.0),
        ("-2 * -x <= 4", {"x": 2.0}, -INF, 4.0),
    ],
    ids=["neg-var", "neg-group", "double-neg", "unary-plus", "neg-constant", "neg-times-neg"],
)
def test_unary_minus(expression: str, terms: dict[str, float], lower: float, upper: float) -> None:
    assert one_row(expression) == (terms, lower, upper)


@pytest.mark.parametrize(
    ("expression", "terms", "upper"),
    [
        ("x / 4 <= 1", {"x": 0.25}, 1.0),
        ("(x + y) / 2 <= 1", {"x": 0.5, "y": 0.5}, 1.0),
        ("x / p <= 1", {"x": 0.5}, 1.0),
        ("x / (p * 2) <= 1", {"x": 0.25}, 1.0),
        ("(x + 6) / 3 <= 4", {"x": 1 / 3}, 2.0),
        ("x <= 6 / p", {"x": 1.0}, 3.0),
    ],
    ids=["by-number", "group", "by-parameter", "by-product", "constant-in-numerator", "constant-side"],
)
def test_division_by_a_constant(expression: str, terms: dict[str, float], upper: float) -> None:
    got_terms, lower, got_upper = one_row(expression, params={"p": 2.0})
    assert got_terms == pytest.approx(terms) and lower == -INF and got_upper == pytest.approx(upper)


@pytest.mark.parametrize(
    ("expression", "coefficient"),
    [("p * x <= 1", 3.0), ("x * p <= 1", 3.0), ("2 * 1.5 * x <= 1", 3.0), ("(1 + p) * x <= 1 + p - p", 4.0),
     ("x * (4 - p) / 1 <= 1", 1.0)],
)
def test_constant_factors_on_either_side_of_a_product(expression: str, coefficient: float) -> None:
    assert one_row(expression, params={"p": 3.0}) == ({"x": coefficient}, -INF, 1.0)


# ------------------------------------------------------------------------------ ranges and equalities
@pytest.mark.parametrize(
    ("expression", "lower", "upper"),
    [
        ("1 <= x + y <= 5", 1.0, 5.0),
        ("5 >= x + y >= 1", 1.0, 5.0),
        ("1 <= x + y + 2 <= 5", -1.0, 3.0),
        ("p <= x + y <= 2 * p", 3.0, 6.0),
        ("-p <= x + y <= p", -3.0, 3.0),
    ],
    ids=["lo-le-hi", "hi-ge-lo", "constant-in-middle", "parameter-ends", "negative-end"],
)
def test_ranged_constraint_is_one_row_with_both_bounds(expression: str, lower: float, upper: float) -> None:
    model = model_of(variables=XY, params={"p": 3.0}, constraints={ONE_ROW: expression})
    assert model.num_rows == 1
    assert row(model, ONE_ROW) == ({"x": 1.0, "y": 1.0}, lower, upper)


def test_ranged_constraint_per_forall_binding() -> None:
    model = model_of(
        sets={"N": ["cal", "pro"], "F": ["oats", "milk"]},
        params={"lo": {"indices": ["N"], "values": {"cal": 10, "pro": 1}},
                "hi": {"indices": ["N"], "values": {"cal": 20, "pro": 2}},
                "a": {"indices": ["N", "F"], "values": {("cal", "oats"): 4, ("cal", "milk"): 1,
                                                        ("pro", "oats"): 0.5, ("pro", "milk"): 0.25}}},
        variables={"eat": {"indices": ["F"]}},
        constraints={"r": {"forall": "n in N", "expression": "lo[n] <= sum(a[n,f] * eat[f] for f in F) <= hi[n]"}},
    )
    assert row(model, "r[cal]") == ({"eat[oats]": 4.0, "eat[milk]": 1.0}, 10.0, 20.0)
    assert row(model, "r[pro]") == ({"eat[oats]": 0.5, "eat[milk]": 0.25}, 1.0, 2.0)


def test_equality_sets_both_row_bounds() -> None:
    assert one_row("x + 2*y == 7") == ({"x": 1.0, "y": 2.0}, 7.0, 7.0)


# ------------------------------------------------------------------------------ sums
TRANSPORT_SETS = {"P": ["P1", "P2"], "M": ["M1", "M2", "M3"]}
SHIP = {"ship": {"indices": ["P", "M"]}}
COST = {"cost": {"indices": ["P", "M"], "values": {("P1", "M1"): 2, ("P1", "M2"): 0, ("P1", "M3"): 5,
                                                     ("P2", "M1"): 0, ("P2", "M2"): 3, ("P2", "M3"): 1}}}


def test_sum_with_two_generators_in_the_objective() -> None:
    model = model_of(sets=TRANSPORT_SETS, params=COST, variables=SHIP,
                     objective="sum(cost[i,j] * ship[i,j] for i in P for j in M)")
    assert objective_terms(model) == {"ship[P1,M1]": 2.0, "ship[P1,M3]": 5.0, "ship[P2,M2]": 3.0,
                                      "ship[P2,M3]": 1.0}


def test_sum_condition_on_a_parameter_skips_terms() -> None:
    model = model_of(sets=TRANSPORT_SETS, params=COST, variables=SHIP,
                     constraints={"c": "sum(ship[i,j] for i in P for j in M if cost[i,j] > 0) <= 9"})
    assert row(model, "c")[0] == {"ship[P1,M1]": 1.0, "ship[P1,M3]": 1.0, "ship[P2,M2]": 1.0, "ship[P2,M3]": 1.0}


def test_sum_conditions_on_indices_between_generators() -> None:
    model = model_of(sets={"N": 3}, variables={"x": {"indices": ["N", "N"]}},
                     constraints={"c": "sum(x[i,j] for i in N if i >= 1 for j in N if j != i) <= 1"})
    assert set(row(model, "c")[0]) == {"x[1,0]", "x[1,2]", "x[2,0]", "x[2,1]"}


@pytest.mark.parametrize(
    ("condition", "kept"),
    [
        ("t >= 1 and t <= 2", [1, 2]),
        ("t == 0 or t == 3", [0, 3]),
        ("not t == 1", [0, 2, 3]),
        ("1 <= t <= 2", [1, 2]),
        ("t != 1 and not (t > 2)", [0, 2]),
        ("w[t] >= 2", [2, 3]),
        ("w[t] * 2 >= t + 2", [2, 3]),
    ],
    ids=["and", "or", "not", "chained", "and-not", "parameter", "arithmetic"],
)
def test_sum_condition_forms(condition: str, kept: list[int]) -> None:
    model = model_of(sets={"T": 4}, params={"w": {"indices": ["T"], "values": {0: 0, 1: 1, 2: 2, 3: 3}}},
                     variables={"x": {"indices": ["T"]}},
                     constraints={"c": f"sum(x[t] for t in T if {condition}) <= 1"})
    assert row(model, "c")[0] == {f"x[{t}]": 1.0 for t in kept}


def test_nested_sums_and_sum_of_sums() -> None:
    model = model_of(sets=TRANSPORT_SETS, variables=SHIP,
                     constraints={"nested": "sum(sum(ship[i,j] for j in M) for i in P) <= 1",
                                  "twice": "sum(ship[i,'M1'] for i in P) + sum(ship['P1',j] for j in M) <= 1"})
    assert row(model, "nested")[0] == {f"ship[{i},{j}]": 1.0 for i in TRANSPORT_SETS["P"] for j in TRANSPORT_SETS["M"]}
    assert row(model, "twice")[0] == {"ship[P1,M1]": 2.0, "ship[P2,M1]": 1.0, "ship[P1,M2]": 1.0,
                                      "ship[P1,M3]": 1.0}


def test_sum_of_constants_is_a_constant() -> None:
    model = model_of(sets={"S": 3}, params={"p": {"indices": ["S"], "values": {0: 1, 1: 2, 2: 3}}},
                     variables=XY,
                     constraints={"c": "x <= sum(p[s] for s in S)", "d": "x + sum(p[s] for s in S) <= 10"})
    assert row(model, "c") == ({"x": 1.0}, -INF, 6.0)
    assert row(model, "d") == ({"x": 1.0}, -INF, 4.0)


def test_sum_over_everything_filtered_out_leaves_an_empty_row() -> None:
    model = model_of(sets={"S": 3}, variables={"x": {"indices": ["S"]}},
                     constraints={"c": "sum(x[s] for s in S if s > 5) <= 1"})
    assert row(model, "c") == ({}, -INF, 1.0)


def test_list_comprehension_inside_sum_is_accepted() -> None:
    model = model_of(sets={"S": 2}, variables={"x": {"indices": ["S"]}},
                     constraints={"c": "sum([x[s] for s in S]) <= 1"})
    assert row(model, "c")[0] == {"x[0]": 1.0, "x[1]": 1.0}


def test_objective_keeps_its_constant_and_sense() -> None:
    model = model_of(variables=XY, objective="3*x - y + 7 + x", sense="maximize")
    assert objective_terms(model) == {"x": 4.0, "y": -1.0}
    assert model.objective_constant == 7.0 and model.sense == "maximize"


# ------------------------------------------------------------------------------ forall
def test_forall_with_commas_for_and_conditions() -> None:
    spec: dict[str, Any] = {"sets": TRANSPORT_SETS, "params": COST, "variables": SHIP}
    comma = model_of(**spec, constraints={"c": {"forall": "i in P, j in M if cost[i,j] > 0",
                                                "expression": "ship[i,j] <= cost[i,j]"}})
    keyword = model_of(**spec, constraints={"c": {"forall": "for i in P for j in M if cost[i,j] > 0",
                                                  "expression": "ship[i,j] <= cost[i,j]"}})
    assert comma.row_names == keyword.row_names == ["c[P1,M1]", "c[P1,M3]", "c[P2,M2]", "c[P2,M3]"]
    assert row(comma, "c[P1,M3]") == ({"ship[P1,M3]": 1.0}, -INF, 5.0)


def test_forall_condition_between_bindings() -> None:
    model = model_of(sets={"N": 3}, variables={"x": {"indices": ["N", "N"]}},
                     constraints={"c": {"forall": "i in N if i > 0, j in N if j < i", "expression": "x[i,j] <= 1"}})
    assert model.row_names == ["c[1,0]", "c[2,0]", "c[2,1]"]


# ------------------------------------------------------------------------------ indices
PLANNING: dict[str, Any] = {
    "sets": {"T": 4},
    "params": {"d": {"indices": ["T"], "values": {0: 5, 1: 6, 2: 7, 3: 8}}, "s0": 2.0},
    "variables": {"inv": {"indices": ["T"]}, "make": {"indices": ["T"]}},
}


def test_index_arithmetic_previous_period() -> None:
    model = model_of(**PLANNING, constraints={
        "first": "inv[0] == s0 + make[0] - d[0]",
        "bal": {"forall": "t in T if t >= 1", "expression": "inv[t] == inv[t-1] + make[t] - d[t]"},
    })
    assert model.row_names == ["first", "bal[1]", "bal[2]", "bal[3]"]
    assert row(model, "first") == ({"inv[0]": 1.0, "make[0]": -1.0}, -3.0, -3.0)
    assert row(model, "bal[2]") == ({"inv[1]": -1.0, "inv[2]": 1.0, "make[2]": -1.0}, -7.0, -7.0)


def test_index_arithmetic_on_parameters_and_forward() -> None:
    model = model_of(**PLANNING, constraints={
        "ahead": {"forall": "t in T if t + 1 <= 3", "expression": "make[t+1] - make[t] <= d[t+1] - d[t]"},
        "two_back": {"forall": "t in T if t >= 2", "expression": "inv[t - 2] + inv[2*t - t] <= d[t - 2]"},
    })
    assert row(model, "ahead[0]") == ({"make[0]": -1.0, "make[1]": 1.0}, -INF, 1.0)
    assert row(model, "two_back[3]") == ({"inv[1]": 1.0, "inv[3]": 1.0}, -INF, 6.0)


def test_index_arithmetic_on_a_range_starting_at_one() -> None:
    model = model_of(sets={"T": {"range": {"start": 1, "size": 3, "size_from": None, "axis": None}}},
                     variables={"x": {"indices": ["T"]}},
                     constraints={"c": {"forall": "t in T if t > 1", "expression": "x[t] - x[t-1] <= 1"}})
    assert model.var_names == ["x[1]", "x[2]", "x[3]"]
    assert row(model, "c[2]")[0] == {"x[1]": -1.0, "x[2]": 1.0}


@pytest.mark.parametrize(
    "reference",
    ['ship["P1", j]', "ship['P1', j]", "ship[P1, j]"],
    ids=["double-quoted", "single-quoted", "bare-label"],
)
def test_element_labels_as_literal_indices(reference: str) -> None:
    model = model_of(sets=TRANSPORT_SETS, variables=SHIP, constraints={"c": f"sum({reference} for j in M) <= 4"})
    assert row(model, "c") == ({"ship[P1,M1]": 1.0, "ship[P1,M2]": 1.0, "ship[P1,M3]": 1.0}, -INF, 4.0)


def test_literal_labels_in_both_positions_and_in_parameters() -> None:
    model = model_of(sets=TRANSPORT_SETS, params=COST, variables=SHIP,
                     constraints={"c": "cost[P1, M3] * ship[P2, 'M3'] <= cost['P2', M2]"})
    assert row(model, "c") == ({"ship[P2,M3]": 5.0}, -INF, 3.0)


@pytest.mark.parametrize("reference", ["x[2]", 'x["2"]', "x[1 + 1]", "x[4 / 2]"])
def test_integer_elements_accept_numbers_and_numeric_text(reference: str) -> None:
    model = model_of(sets={"S": 3}, variables={"x": {"indices": ["S"]}}, constraints={"c": f"{reference} <= 1"})
    assert row(model, "c")[0] == {"x[2]": 1.0}


def test_index_bound_over_a_subset_of_the_variable_set() -> None:
    model = model_of(sets={"All": ["a", "b", "c"], "Some": ["a", "c"]}, variables={"x": {"indices": ["All"]}},
                     constraints={"c": "sum(x[s] for s in Some) <= 1"})
    assert row(model, "c")[0] == {"x[a]": 1.0, "x[c]": 1.0}


# ------------------------------------------------------------------------------ long written-out rows
def test_flat_row_of_150_terms_compiles() -> None:
    n = 150
    expression = " + ".join(f"x[{k}]" for k in range(n)) + " <= 1"
    model = model_of(sets={"S": n}, variables={"x": {"indices": ["S"]}}, constraints={"c": expression})
    assert model.A.nnz == n and row(model, "c")[2] == 1.0


def test_flat_row_of_two_thousand_terms_is_rejected_with_advice() -> None:
    """Python's own parser stops near a thousand chained terms; the message points to sum()."""
    n = 2000
    expression = " + ".join(f"x[{k}]" for k in range(n)) + " <= 1"
    with pytest.raises(ModelBuildError, match=r"sum\(\.\.\. for i in S\)"):
        model_of(sets={"S": n}, variables={"x": {"indices": ["S"]}}, constraints={"c": expression})
