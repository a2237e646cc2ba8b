"""Variable bounds that read a bare indexed parameter, and the location their errors name.

Regression (found while typing the compiler strictly): the column being bounded used to travel to the expression
in a tuple under the internal name ``__key__``, so an error inside a bound read "division by zero at
__key__=('a',)". The column's index is now bound under the variable's index-set names, which is also what the
message shows.
"""

from __future__ import annotations

import numpy as np
import pytest

from formulation.compile import ModelBuildError, compile_spec
from tests.formulation.builders import build


def test_bare_indexed_parameter_bounds_each_column_at_its_index() -> None:
    spec = build(
        sets={"P": ["a", "b"], "T": 2},
        params={"cap": {"indices": ["P"], "values": {"a": 3.0, "b": 5.0}},
                "floor": {"indices": ["T", "P"], "values": {(0, "a"): 1.0, (0, "b"): 2.0, (1, "a"): 0.5,
                                                            (1, "b"): 0.25}}},
        variables={"x": {"indices": ["P", "T"], "lower": "floor", "upper": "2 * cap + 1"}},
        objective="sum(x[p, t] for p in P for t in T)",
    )
    model = compile_spec(spec).model
    assert model.var_names == ["x[a,0]", "x[a,1]", "x[b,0]", "x[b,1]"]
    np.testing.assert_array_equal(model.upper, [7.0, 7.0, 11.0, 11.0])
    np.testing.assert_array_equal(model.lower, [1.0, 0.5, 2.0, 0.25])


def test_a_bound_error_names_the_column_by_its_index_sets() -> None:
    spec = build(
        sets={"P": ["a", "b"]},
        params={"cap": {"indices": ["P"], "values": {"a": 1.0, "b": 2.0}}, "z": 0.0},
        variables={"x": {"indices": ["P"], "upper": "cap / z"}},
        objective="sum(x[p] for p in P)",
    )
    with pytest.raises(ModelBuildError) as info:
        compile_spec(spec)
    message = str(info.value)
    assert "variable `x` upper bound: division by zero at P='a'" in message
    assert "__key__" not in message


def test_a_bare_parameter_over_a_repeated_set_still_needs_its_indices() -> None:
    spec = build(
        sets={"P": ["a", "b"]},
        params={"cap": {"indices": ["P"], "values": {"a": 1.0, "b": 2.0}}},
        variables={"x": {"indices": ["P", "P"], "upper": "cap"}},
        objective="sum(x[p, q] for p in P for q in P)",
    )
    with pytest.raises(ModelBuildError, match="parameter `cap` is indexed by"):
        compile_spec(spec)


def test_a_computed_float_index_still_finds_the_integer_member() -> None:
    """Index values are looked up as they evaluate: ``t * 1.0`` is 1.0, which finds the member 1."""
    spec = build(
        sets={"T": 3},
        variables={"x": {"indices": ["T"]}},
        objective="sum(x[t] for t in T)",
        constraints={"link": {"forall": "t in T if t >= 1", "expression": "x[t * 1.0] - x[t - 1] >= 1"}},
    )
    model = compile_spec(spec).model
    assert model.row_names == ["link[1]", "link[2]"]
    assert list(model.row_terms(0)) == [("x[0]", -1.0), ("x[1]", 1.0)]
