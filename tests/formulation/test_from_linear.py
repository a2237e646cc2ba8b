"""LinearModel → ModelSpec must be exact: compiling the spec gives back the same model (up to row names)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formulation.compile import compile_spec
from formulation.from_linear import linear_to_spec
from formulation.spec import ModelSpec, load_spec
from solvers.highs import solve
from solvers.linear import LinearModel

INF = math.inf


def _assert_same_model(a: LinearModel, b: LinearModel) -> None:
    assert a.var_names == b.var_names
    np.testing.assert_array_equal(a.lower, b.lower)
    np.testing.assert_array_equal(a.upper, b.upper)
    np.testing.assert_array_equal(a.integrality, b.integrality)
    np.testing.assert_array_equal(a.objective, b.objective)
    assert a.objective_constant == b.objective_constant
    assert a.sense == b.sense
    np.testing.assert_array_equal(a.A.toarray(), b.A.toarray())
    np.testing.assert_array_equal(a.row_lower, b.row_lower)
    np.testing.assert_array_equal(a.row_upper, b.row_upper)


def _round_trip(model: LinearModel) -> tuple[ModelSpec, LinearModel]:
    """Spec of `model`, and its compilation with columns put back in `model`'s order and naming.

    Scalar columns whose names are not identifiers get identifier names in the spec and keep the original
    in their description; that is the only renaming allowed.
    """
    spec = linear_to_spec(model)
    spec = ModelSpec.model_validate_json(spec.model_dump_json())  # it must survive JSON
    rebuilt = compile_spec(spec).model
    original_of = {v.name: v.description for v in spec.variables if not v.indices and v.description}
    names = [original_of.get(n, n) for n in rebuilt.var_names]
    order = [names.index(n) for n in model.var_names]
    rebuilt.var_names = [names[k] for k in order]
    for attr in ("lower", "upper", "integrality", "objective"):
        setattr(rebuilt, attr, getattr(rebuilt, attr)[order])
    rebuilt.A = rebuilt.A[:, order].tocsr()
    return spec, rebuilt


def test_transport_lifts_the_indexed_variable_and_keeps_every_number() -> None:
    original = compile_spec(load_spec("examples/transport.json")).model
    spec, rebuilt = _round_trip(original)
    assert [v.name for v in spec.variables] == ["ship"]
    assert spec.variables[0].indices == ["ship_idx1", "ship_idx2"]
    _assert_same_model(original, rebuilt)
    assert solve(rebuilt).objective == pytest.approx(153.675, rel=1e-12)


def test_flat_names_bounds_types_ranges_and_constants_survive() -> None:
    model = LinearModel.from_arrays(
        name="odd names",
        var_names=["x#1", "2y", "sum", "z[a,1]", "z[a,2]", "z[b,1]", "z[b,2]", "w[0]", "w[1]", "w[3]"],
        lower=[0, -INF, 0, 0, 0, 0, 0, 1, 2, 3],
        upper=[10, INF, 1, 5, 6, 7, 8, INF, INF, INF],
        integrality=[1, 0, 1, 0, 0, 0, 0, 1, 1, 1],
        objective=[1, -2.5, 3, 0.1, 0.2, 0.3, 0.4, 1, 1, 1],
        objective_constant=7.25,
        sense="maximize",
        A=np.array([[1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
                    [0, 1, 1, 0, 1, 1, 0, 1, 0, 0],
                    [1, 0, 0, 0, 0, 0, 1, 0, 1, 1],
                    [0, 3, 0, 0, 0, 0, 0, 0, 0, 0]]),
        row_lower=[-INF, 2, 1, -4],
        row_upper=[8, INF, 1, 4],
        row_names=["c[1]", "c[2]", "eq", "range row"],
    )
    spec, rebuilt = _round_trip(model)
    _assert_same_model(model, rebuilt)
    z = next(v for v in spec.variables if v.name == "z")
    assert z.upper == "z_upper"  # per-index bounds became a parameter indexed like z
    assert {v.name for v in spec.variables} >= {"x_1", "n2y", "sum_", "z"}
    # w[0], w[1], w[3] is a complete product over {0, 1, 3}: lifted with a set of those elements
    w = next(v for v in spec.variables if v.name == "w")
    assert w.domain == "integer" and w.lower == "w_lower"
    assert next(s for s in spec.sets if s.name == w.indices[0]).elements == [0, 1, 3]
    assert next(v for v in spec.variables if v.name == "sum_").domain == "binary"
    assert [c.name for c in spec.constraints] == ["c_1", "c_2", "eq", "range_row"]


def test_incomplete_products_stay_scalar() -> None:
    model = LinearModel.from_arrays(
        name="sparse", var_names=["x[a,1]", "x[b,2]"], lower=[0, 0], upper=[1, 1], integrality=[0, 0],
        objective=[1, 1], A=np.array([[1, 1]]), row_lower=[1], row_upper=[INF], row_names=["cover"],
    )
    spec, rebuilt = _round_trip(model)
    assert all(not v.indices for v in spec.variables)
    assert [v.description for v in spec.variables] == ["x[a,1]", "x[b,2]"]
    np.testing.assert_array_equal(rebuilt.A.toarray(), model.A.toarray())


def test_free_rows_are_dropped_because_they_constrain_nothing() -> None:
    model = LinearModel.from_arrays(
        name="free", var_names=["x"], lower=[0], upper=[1], integrality=[0], objective=[1],
        A=np.array([[1.0], [2.0]]), row_lower=[-INF, 0.5], row_upper=[INF, INF], row_names=["free", "real"],
    )
    spec, rebuilt = _round_trip(model)
    assert [c.name for c in spec.constraints] == ["real"]
    assert rebuilt.num_rows == 1


@pytest.mark.parametrize("name", ["afiro", "25fv47", "greenbea", "bell5", "egout", "galenet", "gas11"])
def test_instances_survive_lp_to_spec_to_lp(name: str) -> None:
    """Real files (long rows, empty rows, MIPs, infeasible, unbounded) give the same outcome after conversion."""
    from solvers.io import read_model

    original = read_model(f"benchmarks/datasets/highs/{name}.mps")
    rebuilt = compile_spec(ModelSpec.model_validate_json(linear_to_spec(original).model_dump_json())).model
    a, b = solve(original), solve(rebuilt)
    assert a.status is b.status
    if a.objective is not None:
        assert b.objective == pytest.approx(a.objective, rel=1e-9)
