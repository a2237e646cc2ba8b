"""What `formulation.compile.compile_spec` makes of sets, parameters, data and variables, checked on the matrix.

Guards: variable bounds (numbers, null, "-inf", parameter expressions, a bare indexed parameter meaning "at the
variable's own index"), domains (binary clipping, integrality), parameter defaults, every data-binding shape
(nested lists, dicts by label, bools, label lists via `elements_from`, `size_from` on a scalar and on a list
with an axis) with the located errors for shape mismatches, generated column/row names, kept row
descriptions, and that all errors of a spec are reported together.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from formulation.compile import CompiledModel, CompileOptions, ModelBuildError, compile_spec, element_label, load_data
from solvers.linear import LinearModel

from .builders import build

INF = math.inf


# ------------------------------------------------------------------------------ helpers
def compiled(data: dict[str, Any] | None = None, **kwargs: Any) -> CompiledModel:
    return compile_spec(build(**kwargs), data)


def build_error(data: dict[str, Any] | None = None, **kwargs: Any) -> str:
    with pytest.raises(ModelBuildError) as info:
        compile_spec(build(**kwargs), data)
    return str(info.value)


def bounds(model: LinearModel) -> dict[str, tuple[float, float]]:
    return {name: (float(lo), float(hi)) for name, lo, hi in zip(model.var_names, model.lower, model.upper,
                                                                  strict=True)}


def row(model: LinearModel, name: str) -> tuple[dict[str, float], float, float]:
    i = model.row_names.index(name)
    return dict(model.row_terms(i)), float(model.row_lower[i]), float(model.row_upper[i])


def rhs_by_row(model: LinearModel) -> dict[str, float]:
    """Upper row bound by row name (every probe row below is `x[...] <= value`)."""
    return dict(zip(model.row_names, model.row_upper.tolist(), strict=True))


def probe(param_fields: dict[str, Any], data: dict[str, Any] | None, sets: dict[str, Any],
          reference: str = "p[i]", forall: str = "i in S") -> dict[str, float]:
    """Bind parameter `p`, then read it back through rows `c[...]: x[i] <= <reference>`."""
    model = compiled(data, sets=sets, params={"p": param_fields}, variables={"x": {"indices": ["S"]}},
                     constraints={"c": {"forall": forall, "expression": f"x[i] <= {reference}"}}).model
    return rhs_by_row(model)


# ------------------------------------------------------------------------------ bounds
@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [
        (None, None, (0.0, INF)),
        (2.0, 7.5, (2.0, 7.5)),
        ("-inf", None, (-INF, INF)),
        ("-inf", "inf", (-INF, INF)),
        (" -inf ", "+inf", (-INF, INF)),
        ("-M", "2*M", (-4.0, 8.0)),
        ("M / 2 - 1", "M + M", (1.0, 8.0)),
        (-3.0, "3", (-3.0, 3.0)),
    ],
    ids=["null", "numbers", "minus-inf", "both-infinite", "spaced", "parameter-expressions", "arithmetic",
         "numeric-text"],
)
def test_scalar_bounds(lower: float | str | None, upper: float | str | None, expected: tuple[float, float]) -> None:
    model = compiled(params={"M": 4.0}, variables={"x": {"lower": lower, "upper": upper}}).model
    assert bounds(model) == {"x": expected}


CAP = {"cap": {"indices": ["S"], "values": {"a": 3, "b": 5}}, "M": 10.0}


@pytest.mark.parametrize(
    ("upper", "expected"),
    [
        ("cap", {"x[a]": 3.0, "x[b]": 5.0}),
        ("2 * cap + M", {"x[a]": 16.0, "x[b]": 20.0}),
        ("cap['b']", {"x[a]": 5.0, "x[b]": 5.0}),
        ("cap[a]", {"x[a]": 3.0, "x[b]": 3.0}),
    ],
    ids=["bare-indexed-parameter", "bare-in-arithmetic", "quoted-label", "bare-label"],
)
def test_indexed_bounds_from_parameters(upper: str, expected: dict[str, float]) -> None:
    model = compiled(sets={"S": ["a", "b"]}, params=CAP, variables={"x": {"indices": ["S"], "upper": upper}}).model
    assert {name: hi for name, (_, hi) in bounds(model).items()} == expected


def test_bare_parameter_bound_follows_the_variable_index_order() -> None:
    model = compiled(
        sets={"S": ["a", "b"], "T": [1, 2]},
        params={"q": {"indices": ["T", "S"], "values": {(1, "a"): 1, (2, "a"): 2, (1, "b"): 3, (2, "b"): 4}}},
        variables={"x": {"indices": ["S", "T"], "lower": "q", "upper": "q + 1"}},
    ).model
    assert bounds(model) == {"x[a,1]": (1.0, 2.0), "x[a,2]": (2.0, 3.0), "x[b,1]": (3.0, 4.0), "x[b,2]": (4.0, 5.0)}


def test_bare_parameter_over_a_set_the_variable_lacks_is_rejected() -> None:
    message = build_error(sets={"S": ["a", "b"], "T": [1]}, params={"r": {"indices": ["T"], "values": {1: 1}}},
                          variables={"x": {"indices": ["S"], "upper": "r"}})
    assert "variable `x` upper bound" in message and "parameter `r` is indexed by ['T']" in message


def test_bound_naming_an_index_says_to_use_the_bare_parameter() -> None:
    message = build_error(sets={"S": ["a", "b"]}, params=CAP, variables={"x": {"indices": ["S"], "upper": "cap[i]"}})
    assert "variable `x` upper bound: unknown name `i`" in message and "write the parameter alone" in message


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [(None, None, (0.0, 1.0)), (-3.0, 5.0, (0.0, 1.0)), ("-inf", "inf", (0.0, 1.0)), (1.0, None, (1.0, 1.0))],
    ids=["default", "clipped", "infinite-clipped", "fixed-at-one"],
)
def test_binary_bounds_are_clipped_to_zero_one(
    lower: float | str | None, upper: float | str | None, expected: tuple[float, float]
) -> None:
    model = compiled(variables={"b": {"domain": "binary", "lower": lower, "upper": upper}}).model
    assert bounds(model) == {"b": expected}
    assert model.integrality.tolist() == [True]


def test_domains_set_integrality() -> None:
    model = compiled(variables={"c": {}, "n": {"domain": "integer", "lower": -5.0, "upper": 5.0},
                                "b": {"domain": "binary"}}).model
    assert model.integrality.tolist() == [False, True, True]
    assert bounds(model)["n"] == (-5.0, 5.0)
    assert [model.var_type(j) for j in range(3)] == ["continuous", "integer", "binary"]


def test_crossed_bounds_are_rejected_naming_the_variable() -> None:
    message = build_error(variables={"x": {"lower": 5.0, "upper": 1.0}})
    assert "x" in message and "lower bound 5.0 above its upper bound 1.0" in message


def test_bound_that_is_not_a_number_is_rejected() -> None:
    message = build_error(sets={"S": ["a"]}, variables={"x": {"indices": ["S"], "upper": "1 == 1"}})
    assert "variable `x` upper bound: `1 == 1` gives True at x[a], not a number" in message


# ------------------------------------------------------------------------------ parameters
def test_default_fills_missing_entries_only() -> None:
    got = probe({"indices": ["S"], "values": {"b": 2}, "default": 7.5}, None, {"S": ["a", "b", "c"]})
    assert got == {"c[a]": 7.5, "c[b]": 2.0, "c[c]": 7.5}


def test_missing_entry_without_default_names_constraint_and_index() -> None:
    message = build_error(sets={"S": ["a", "b"]}, params={"p": {"indices": ["S"], "values": {"a": 1}}},
                          variables={"x": {"indices": ["S"]}},
                          constraints={"c": {"forall": "i in S", "expression": "x[i] <= p[i]"}})
    assert "constraint `c`: parameter `p` has no value at index ('b',) in `p[i]`" in message
    assert "default" in message


def test_inline_values_accept_numeric_text_for_integer_elements() -> None:
    assert probe({"indices": ["S"], "values": {"0": 4, 1: 5}}, None, {"S": 2}) == {"c[0]": 4.0, "c[1]": 5.0}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"indices": ["S"], "values": {"z": 1}}, "parameter `p`: entry ['z']: 'z' is not in set `S`"),
        ({"indices": ["S"], "values": {("a", "b"): 1}}, "entry ['a', 'b'] has 2 index element(s), expected 1"),
        ({"indices": ["Q"], "values": {"a": 1}}, "parameter `p`: index set `Q` is not declared under sets"),
        ({"indices": ["S"], "values": [{"index": ["a"], "value": 1}, {"index": ["a"], "value": 2}]},
         "index ['a'] is given twice"),
        ({"indices": ["S"], "values": {"a": float("nan")}}, "parameter `p`: value at ['a'] is nan"),
        ({"indices": ["S"], "values": {"a": 1}, "default": float("inf")}, "parameter `p`: default is inf"),
    ],
    ids=["unknown-element", "arity", "undeclared-set", "duplicate", "nan-value", "infinite-default"],
)
def test_bad_inline_parameter_values(fields: dict[str, Any], expected: str) -> None:
    message = build_error(sets={"S": ["a", "b"]}, params={"p": fields}, variables={"x": {}})
    assert expected in message


def test_scalar_parameter_given_as_one_entry_without_index() -> None:
    model = compiled(params={"p": {"values": [{"index": [], "value": 5}]}}, variables={"x": {}},
                     constraints={"c": "x <= p"}).model
    assert row(model, "c")[2] == 5.0


# ------------------------------------------------------------------------------ data binding
def test_nested_lists_map_positionally_to_set_elements() -> None:
    data = {"cost": [[1, 2, 3], [4, 5, 6]]}
    model = compiled(data, sets={"P": ["p1", "p2"], "M": ["m1", "m2", "m3"]},
                     params={"cost": {"indices": ["P", "M"], "data_key": "cost"}},
                     variables={"x": {"indices": ["P", "M"]}},
                     objective="sum(cost[i,j] * x[i,j] for i in P for j in M)").model
    assert dict(zip(model.var_names, model.objective.tolist(), strict=True)) == {
        "x[p1,m1]": 1.0, "x[p1,m2]": 2.0, "x[p1,m3]": 3.0, "x[p2,m1]": 4.0, "x[p2,m2]": 5.0, "x[p2,m3]": 6.0}


def test_nested_list_on_a_range_starting_at_one() -> None:
    sets = {"S": {"range": {"start": 1, "size": 3, "size_from": None, "axis": None}}}
    assert probe({"indices": ["S"], "data_key": "p"}, {"p": [10, 20, 30]}, sets) == {
        "c[1]": 10.0, "c[2]": 20.0, "c[3]": 30.0}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"p": {"a": 1, "b": 2}}, {"c[a]": 1.0, "c[b]": 2.0}),
        ({"p": {"b": 2.5, "a": -1}}, {"c[a]": -1.0, "c[b]": 2.5}),
        ({"p": [True, False]}, {"c[a]": 1.0, "c[b]": 0.0}),
        ({"p": {"a": True, "b": 3}}, {"c[a]": 1.0, "c[b]": 3.0}),
    ],
    ids=["dict-by-label", "dict-any-order", "bools", "dict-with-bool"],
)
def test_one_dimensional_data_shapes(data: dict[str, Any], expected: dict[str, float]) -> None:
    assert probe({"indices": ["S"], "data_key": "p"}, data, {"S": ["a", "b"]}) == expected


@pytest.mark.parametrize(
    "data",
    [{"m": {"a": [1, 2], "b": [3, 4]}}, {"m": {"a": {"0": 1, "1": 2}, "b": {"1": 4, "0": 3}}}, {"m": [[1, 2], [3, 4]]},
     {"m": [{"0": 1, "1": 2}, {"0": 3, "1": 4}]}],
    ids=["dict-of-lists", "dict-of-dicts", "list-of-lists", "list-of-dicts"],
)
def test_two_dimensional_data_shapes(data: dict[str, Any]) -> None:
    model = compiled(data, sets={"S": ["a", "b"], "T": 2}, params={"m": {"indices": ["S", "T"], "data_key": "m"}},
                     variables={"x": {"indices": ["S", "T"]}},
                     constraints={"c": {"forall": "i in S, t in T", "expression": "x[i,t] <= m[i,t]"}}).model
    assert rhs_by_row(model) == {"c[a,0]": 1.0, "c[a,1]": 2.0, "c[b,0]": 3.0, "c[b,1]": 4.0}


def test_partial_dict_data_with_default() -> None:
    got = probe({"indices": ["S"], "data_key": "p", "default": 0.0}, {"p": {"b": 4}}, {"S": ["a", "b"]})
    assert got == {"c[a]": 0.0, "c[b]": 4.0}


def test_scalar_parameters_from_data() -> None:
    model = compiled({"cap": 12, "ok": True, "rate": 0.25}, variables={"x": {}},
                     params={"cap": {"data_key": "cap"}, "ok": {"data_key": "ok"}, "rate": {"data_key": "rate"}},
                     constraints={"c": "rate * x <= cap + ok"}).model
    assert row(model, "c") == ({"x": 0.25}, -INF, 13.0)


def test_elements_from_reads_labels_and_integers() -> None:
    model = compiled({"cities": ["Oslo", "Rome"], "years": [2024, 2025]},
                     sets={"C": {"elements_from": "cities"}, "Y": {"elements_from": "years"}},
                     variables={"x": {"indices": ["C", "Y"]}},
                     constraints={"c": "x[Rome, 2025] + x['Oslo', 2024] <= 1"}).model
    assert model.var_names == ["x[Oslo,2024]", "x[Oslo,2025]", "x[Rome,2024]", "x[Rome,2025]"]
    assert row(model, "c")[0] == {"x[Oslo,2024]": 1.0, "x[Rome,2025]": 1.0}


@pytest.mark.parametrize(
    ("data", "axis", "size"),
    [({"n": 4}, None, 4), ({"n": 3.0}, None, 3), ({"n": [7, 8, 9]}, None, 3), ({"n": [[1, 2, 3, 4, 5]] * 2}, 0, 2),
     ({"n": [[1, 2, 3, 4, 5]] * 2}, 1, 5), ({"n": {"a": 1, "b": 2}}, None, 2), ({"n": 0}, None, 0)],
    ids=["scalar", "integral-float", "list", "axis-0", "axis-1", "dict", "zero"],
)
def test_size_from(data: dict[str, Any], axis: int | None, size: int) -> None:
    sets = {"S": {"range": {"start": 0, "size": None, "size_from": "n", "axis": axis}}}
    model = compiled(data, sets=sets, variables={"x": {"indices": ["S"]}}).model
    assert model.var_names == [f"x[{k}]" for k in range(size)]


def test_size_from_a_scalar_parameter() -> None:
    sets = {"S": {"range": {"start": 0, "size": None, "size_from": "n", "axis": None}}}
    model = compiled(sets=sets, params={"n": 3.0}, variables={"x": {"indices": ["S"]}}).model
    assert model.var_names == ["x[0]", "x[1]", "x[2]"]


@pytest.mark.parametrize(
    ("sets", "param", "data", "expected"),
    [
        ({"S": 2}, {"indices": ["S"], "data_key": "p"}, {"p": [1, 2, 3]},
         "parameter `p`: data `p` has length 3 at depth 0 but set `S` has 2 elements"),
        ({"S": 2, "T": 3}, {"indices": ["S", "T"], "data_key": "p"}, {"p": [[1, 2, 3], [1, 2]]},
         "parameter `p`: data `p` has length 2 at depth 1 but set `T` has 3 elements"),
        ({"S": 2, "T": 3}, {"indices": ["S", "T"], "data_key": "p"}, {"p": [1, 2]},
         "parameter `p`: data `p` is 1 dimension(s) short: expected a list over `T` at depth 1, found int"),
        ({"S": 2}, {"indices": ["S"], "data_key": "p"}, {"p": [[1], [2]]},
         "parameter `p`: data `p` at `[0]` holds list '[1]' where a number is needed"),
        ({"S": 2}, {"indices": ["S"], "data_key": "p"}, {"p": {"7": 1}},
         "parameter `p`: data `p` has key '7', which is not in set `S`"),
        ({"S": 2}, {"indices": [], "data_key": "p"}, {"p": [1, 2]},
         "parameter `p`: data `p` holds list '[1, 2]' where a number is needed"),
        ({"S": 2}, {"indices": ["S"], "data_key": "p"}, {"p": 5}, "parameter `p`: data `p` is 1 dimension(s) short"),
        ({"S": 2}, {"indices": ["S"], "data_key": "p"}, {"q": 5},
         "parameter `p`: data entry `p` not found; available entries: q"),
        ({"S": 2}, {"indices": ["S"], "data_key": "p"}, {"p": [1, None]},
         "parameter `p`: data `p` at `[1]` has a null value"),
        ({"S": 2}, {"indices": ["S"], "data_key": "p"}, {"p": {"0": 1, "1": None}},
         "parameter `p`: data `p` at `[1]` has a null value"),
        ({"S": 2}, {"indices": [], "data_key": "p"}, {"p": float("nan")}, "parameter `p`: value is nan"),
    ],
    ids=["too-long", "ragged", "too-shallow", "too-deep", "unknown-key", "scalar-from-list", "list-from-scalar",
         "missing-entry", "null-in-list", "null-in-dict", "nan-scalar"],
)
def test_data_shape_mismatch_is_located(
    sets: dict[str, Any], param: dict[str, Any], data: dict[str, Any], expected: str
) -> None:
    message = build_error(data, sets=sets, params={"p": param}, variables={"x": {}})
    assert expected in message


@pytest.mark.parametrize(
    ("set_fields", "data", "expected"),
    [
        ({"elements_from": "labels"}, {"labels": "abc"}, "set `S`: data entry `labels` must be a list of labels"),
        ({"elements_from": "labels"}, {"labels": ["a", "a"]}, "set `S`: data entry `labels` has duplicate labels"),
        ({"elements_from": "labels"}, {"labels": [True, False]}, "must be a list of labels or integers"),
        ({"elements_from": "labels"}, {"labels": [1.5]}, "must be a list of labels or integers"),
        ({"elements_from": "labels"}, {}, "set `S`: data entry `labels` not found"),
        ({"range": {"start": 0, "size": None, "size_from": "n", "axis": None}}, {"n": -1},
         "set `S`: size `n` = -1 is not a non-negative integer"),
        ({"range": {"start": 0, "size": None, "size_from": "n", "axis": None}}, {"n": 2.5},
         "set `S`: size `n` = 2.5 is not a non-negative integer"),
        ({"range": {"start": 0, "size": None, "size_from": "n", "axis": None}}, {"n": True},
         "set `S`: `n` is a boolean, not a size"),
        ({"range": {"start": 0, "size": None, "size_from": "n", "axis": None}}, {"n": "3"},
         "set `S`: `n` is neither an integer nor a list"),
        ({"range": {"start": 0, "size": None, "size_from": "n", "axis": 1}}, {"n": []},
         "set `S`: `n` has no axis 1"),
    ],
    ids=["labels-not-a-list", "duplicate-labels", "bool-labels", "float-labels", "labels-missing", "negative-size",
         "fractional-size", "bool-size", "text-size", "axis-of-empty"],
)
def test_bad_set_data_is_located(set_fields: dict[str, Any], data: dict[str, Any], expected: str) -> None:
    assert expected in build_error(data, sets={"S": set_fields}, variables={"x": {}})


@pytest.mark.parametrize(("value", "axis"), [([5, 6], 1), ([[1, 2, 3], [4, 5, 6]], 2)], ids=["1-d", "2-d"])
def test_size_from_axis_past_the_last_dimension_names_the_axis(value: list[Any], axis: int) -> None:
    sets = {"S": {"range": {"start": 0, "size": None, "size_from": "m", "axis": axis}}}
    assert f"has no axis {axis}" in build_error({"m": value}, sets=sets, variables={"x": {}})


def test_numeric_text_in_data_is_rejected_in_every_shape() -> None:
    as_dict = build_error({"p": {"a": "1.5", "b": "2"}}, sets={"S": ["a", "b"]},
                          params={"p": {"indices": ["S"], "data_key": "p"}}, variables={"x": {}})
    assert "holds str '1.5' where a number is needed" in as_dict
    as_list = build_error({"p": ["1.5", "2"]}, sets={"S": ["a", "b"]},
                          params={"p": {"indices": ["S"], "data_key": "p"}}, variables={"x": {}})
    assert "holds str '1.5' where a number is needed" in as_list


def test_load_data_reads_a_file_and_rejects_non_objects(tmp_path: Any) -> None:
    good = tmp_path / "data.json"
    good.write_text('{"n": 3, "labels": ["a", "b"], "m": [[1, 2], [3, 4]], "x": NaN}')
    data = load_data(good)
    assert data["n"] == 3 and data["m"] == [[1, 2], [3, 4]] and math.isnan(data["x"])
    bad = tmp_path / "list.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"list\.json: the data file must hold a JSON object"):
        load_data(bad)


# ------------------------------------------------------------------------------ names and structure
def test_generated_column_and_row_names() -> None:
    result = compiled(
        sets={"Plants": ["Plant1", "Plant2"], "Markets": ["Market1", "Market2"]},
        params={"supply": {"indices": ["Plants"], "values": {"Plant1": 5, "Plant2": 6}}},
        variables={"ship": {"indices": ["Plants", "Markets"]}, "slack": {}},
        constraints={"supply": {"forall": "i in Plants", "expression": "sum(ship[i,j] for j in Markets) <= supply[i]"},
                     "link": {"forall": "i in Plants, j in Markets", "expression": "ship[i,j] <= 3 + slack"},
                     "total": "sum(ship[i,j] for i in Plants for j in Markets) <= 9"},
    )
    model = result.model
    assert model.var_names == ["ship[Plant1,Market1]", "ship[Plant1,Market2]", "ship[Plant2,Market1]",
                               "ship[Plant2,Market2]", "slack"]
    assert "ship[Plant1,Market2]" in model.var_names
    assert model.row_names[:2] == ["supply[Plant1]", "supply[Plant2]"]
    assert model.row_names[2:6] == ["link[Plant1,Market1]", "link[Plant1,Market2]", "link[Plant2,Market1]",
                                    "link[Plant2,Market2]"]
    assert model.row_names[6] == "total"
    assert result.column_keys[1] == ("ship", ("Plant1", "Market2"))
    assert result.row_keys[0] == ("supply", ("Plant1",)) and result.row_keys[6] == ("total", ())
    assert element_label(("P1", 2)) == "P1,2"


def test_integer_elements_in_names() -> None:
    model = compiled(sets={"T": 2, "K": ["a"]}, variables={"x": {"indices": ["T", "K"]}},
                     constraints={"c": {"forall": "t in T", "expression": "x[t, a] <= 1"}}).model
    assert model.var_names == ["x[0,a]", "x[1,a]"] and model.row_names == ["c[0]", "c[1]"]


def test_row_descriptions_are_kept_per_row() -> None:
    model = compiled(sets={"S": ["a", "b"]}, variables={"x": {"indices": ["S"]}},
                     constraints={"cap": {"forall": "i in S", "expression": "x[i] <= 1",
                                          "description": "each x is at most one"},
                                  "plain": "x['a'] + x['b'] >= 0"}).model
    assert model.row_descriptions == {"cap[a]": "each x is at most one", "cap[b]": "each x is at most one"}


def test_compiled_model_records_work_and_time() -> None:
    result = compiled(sets={"S": 3}, variables={"x": {"indices": ["S"]}}, objective="sum(x[i] for i in S)",
                      constraints={"c": {"forall": "i in S", "expression": "x[i] <= 1"}})
    assert result.iterations >= 3 + 3 + 3 and result.seconds >= 0
    assert result.model.A.shape == (3, 3)
    np.testing.assert_array_equal(result.model.A.toarray(), np.eye(3))


def test_all_errors_are_collected_in_one_exception() -> None:
    with pytest.raises(ModelBuildError) as info:
        compile_spec(build(
            sets={"S": ["a"]},
            params={"p": {"indices": ["S"], "values": {"zz": 1}}},
            variables={"x": {"indices": ["S"]}},
        ))
    assert len(info.value.errors) == 1  # parameters fail before expressions are looked at
    with pytest.raises(ModelBuildError) as info:
        compile_spec(build(
            sets={"S": ["a"]}, variables={"x": {"indices": ["S"]}}, objective="sum(y[i] for i in S)",
            constraints={"c1": "x['a'] ** 2 <= 1", "c2": "x['a'] <= 1", "c3": "abs(x['a']) <= 1"},
        ))
    errors = info.value.errors
    assert len(errors) == 3
    assert errors[0].startswith("objective: unknown parameter or variable `y`")
    assert errors[1].startswith("constraint `c1`") and errors[2].startswith("constraint `c3`")


def test_max_iterations_is_enforced_before_expansion() -> None:
    spec = build(sets={"S": 50}, variables={"x": {"indices": ["S"]}},
                 constraints={"c": {"forall": "i in S", "expression": "sum(x[j] for j in S) <= 1"}})
    assert compile_spec(spec, options=CompileOptions(max_iterations=10_000)).model.num_rows == 50
    with pytest.raises(ModelBuildError, match=r"`c` ≈ 2,550\); the limit is 1,000"):
        compile_spec(spec, options=CompileOptions(max_iterations=1_000))


def test_overflowing_constant_is_rejected_naming_the_constraint() -> None:
    message = build_error(variables={"x": {}}, constraints={"huge": "x >= 1e200 * 1e200"})
    assert "huge" in message
