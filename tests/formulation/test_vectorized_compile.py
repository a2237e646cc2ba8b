"""The vectorised expansion (`formulation.vectorized`) builds exactly the model the closures build.

Guards: every v1 example and every NL4Opt reference spec, plus seeded random specs made of the vectorised
shapes (conditions, several generators, duplicate terms, constants on both sides, ranges, defaults, subsets,
labels, index arithmetic), compile to identical matrices, bounds, names, keys and objective with
`CompileOptions(vectorize=True)` and `vectorize=False`; bad data (missing entries, indices outside a set,
division by zero, labels used as numbers) gives the same located messages both ways; and the benchmark
shape really takes the vectorised path.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.bench_build import transport_data, transport_spec
from benchmarks.datasets import get_dataset
from formulation import vectorized
from formulation.compile import CompiledModel, CompileOptions, ModelBuildError, compile_spec
from formulation.loading import load_input
from formulation.spec import ModelSpec
from tests.formulation.builders import build

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FAST = CompileOptions(vectorize=True)
SLOW = CompileOptions(vectorize=False)


def _v1_examples() -> list[Path]:
    paths = sorted(EXAMPLES.glob("*.json"))
    for model in sorted(EXAMPLES.glob("*/model.json")):
        variables = json.loads(model.read_text()).get("variables") or [{}]
        if isinstance(variables[0], dict):
            paths.append(model.parent)
    return paths


def assert_same(fast: CompiledModel, slow: CompiledModel) -> None:
    a, b = fast.model, slow.model
    assert a.name == b.name
    assert a.var_names == b.var_names
    assert a.row_names == b.row_names
    assert a.row_descriptions == b.row_descriptions
    assert a.sense == b.sense
    assert a.objective_constant == b.objective_constant
    for field in ("lower", "upper", "integrality", "objective", "row_lower", "row_upper"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype and np.array_equal(x, y), field
    assert a.A.shape == b.A.shape
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a.A, part), getattr(b.A, part)), part
    assert fast.column_keys == slow.column_keys
    assert fast.row_keys == slow.row_keys
    assert fast.iterations == slow.iterations


def compile_both(spec: ModelSpec, data: dict[str, Any] | None = None) -> None:
    """Both ways succeed with the same model, or both fail with the same messages."""
    try:
        slow = compile_spec(spec, data, SLOW)
    except ModelBuildError as exc:
        with pytest.raises(ModelBuildError) as fast_exc:
            compile_spec(spec, data, FAST)
        assert fast_exc.value.errors == exc.errors
        return
    assert_same(compile_spec(spec, data, FAST), slow)


@pytest.mark.parametrize("path", _v1_examples(), ids=lambda p: p.name)
def test_every_v1_example_compiles_identically(path: Path) -> None:
    fast = load_input(path, options=FAST).compiled
    slow = load_input(path, options=SLOW).compiled
    assert fast is not None and slow is not None
    assert_same(fast, slow)


def test_every_nl4opt_reference_spec_compiles_identically() -> None:
    count = 0
    for problem in get_dataset("nl4opt").problems():
        try:
            spec = problem.reference_spec()
        except ValueError:
            continue  # an annotation the converter cannot read: the dataset audit reports those
        if spec is not None:
            compile_both(spec)
            count += 1
    assert count > 100


def test_the_benchmark_shape_takes_the_vectorised_path(monkeypatch: pytest.MonkeyPatch) -> None:
    spec, data = transport_spec(), transport_data(7, 9)
    calls: list[str] = []
    original = vectorized.vectorize_constraint

    def spy(family: Any, ctx: vectorized.VectorContext) -> vectorized.FamilyTerms:
        terms = original(family, ctx)
        calls.append(family.name)
        return terms

    monkeypatch.setattr("formulation.compile.vectorize_constraint", spy)
    fast = compile_spec(spec, data, FAST)
    assert calls == ["supply_limit", "meet_demand"]
    assert_same(fast, compile_spec(spec, data, SLOW))


# ---------------------------------------------------------------------------------------------- random specs
_BODIES = [
    "sum(c[i,j] * x[i,j] for i in I for j in J)",
    "sum(2 * c[i,j] * x[i,j] for i in I for j in J if c[i,j] > 3)",
    "sum(x[i,j] / w[j] for i in I for j in J if w[j] != 0) - 0.5 * z",
    "-sum(sum(x[i,j] for j in J if j >= 1) for i in I if i != 'b') + 3",
    "sum(x[i,j] + 0.1 * x[i,j] + 0.3 * y[j] for i in I for j in J)",
    "sum(0.7 * y[j] + x['a', j] for j in J) + 0.2 * sum(y[k] for k in K) - 1.5",
    "sum(c[i, j] * x[i, j] for j in J for i in I if not (i == 'c' and j == 2))",
    "sum(y[j + 1] for j in J if j < 3) - sum(y[j - 1] for j in J if j > 0)",
    "z + sum(d[k] * y[k] for k in K)",
    "sum(x[i, j] * c[i, j] * 1.1 for i in I for j in J if c[i, j] > 2 or j == 0) / 3",
]

_ROWS = [
    ("i in I", "sum(x[i,j] for j in J) <= cap[i]"),
    ("i in I", "sum(c[i,j] * x[i,j] for j in J) + 2 >= cap[i] / 4 - 1"),
    ("j in J", "sum(x[i,j] for i in I) + y[j] == w[j] + 0.1"),
    ("j in J if j > 0", "y[j] - y[j-1] <= w[j]"),
    ("i in I, j in J if c[i,j] > 2", "x[i,j] <= cap[i] * 0.3"),
    ("k in K", "1 <= y[k] + sum(x[i, k] for i in I if i != 'a') <= d[k] + 20"),
    ("i in I", "-sum(x[i,j] + x[i,j] for j in J) + 0.25 * z >= -cap[i]"),
    ("i in I for j in J if j != 1", "x[i,j] + 0.1 * x[i,j] - 0.2 * x[i,j] >= 0"),
    ("i in I", "cap[i] >= sum(x[i, j] * c[i, j] for j in J) >= 0"),
    ("", "sum(y[j] for j in J) + z <= 50"),
    ("j in J", "sum(0.1 * x[i, j] for i in I) + sum(0.2 * x[i, j] for i in I) + 0.3 * y[j] >= w[j]"),
    ("i in I", "sum(x[i, j] for j in J) <= big"),
    ("i in I if cap[i] > 40", "x[i, 0] + x[i, 3] == 1"),
]


def _random_spec(seed: int) -> ModelSpec:
    rng = random.Random(seed)
    labels = ["a", "b", "c", "d"][: rng.randint(2, 4)]
    n = rng.randint(3, 5)

    def number() -> float:
        return round(rng.uniform(0, 9), rng.choice([0, 1, 3])) if rng.random() > 0.1 else 0.1 * rng.randint(1, 9)

    c_values = {(i, j): number() for i in labels for j in range(n)}
    params: dict[str, Any] = {
        "c": {"indices": ["I", "J"], "values": c_values},
        "cap": {"indices": ["I"], "values": {i: 10 * number() for i in labels}},
        "w": {"indices": ["J"], "values": {j: number() for j in range(n) if j % 2 == 0}, "default": 1.5},
        "d": {"indices": ["K"], "values": {k: number() for k in range(1, n)}},
        "big": 1e3,
    }
    objective = " + ".join(rng.sample(_BODIES, rng.randint(1, 3)))
    chosen = rng.sample(_ROWS, rng.randint(2, 6))
    constraints: dict[str, str | dict[str, Any]] = {
        f"r{k}": {"forall": forall or None, "expression": body} for k, (forall, body) in enumerate(chosen)
    }
    return build(
        sets={"I": labels, "J": n, "K": {"range": {"start": 1, "size": n - 1, "size_from": None, "axis": None}}},
        params=params,
        variables={"x": {"indices": ["I", "J"]}, "y": {"indices": ["J"], "upper": 10}, "z": {"domain": "integer"}},
        objective=objective,
        sense=rng.choice(["minimize", "maximize"]),
        constraints=constraints,
    )


@pytest.mark.parametrize("seed", range(60))
def test_random_specs_of_vectorised_shapes_compile_identically(seed: int) -> None:
    compile_both(_random_spec(seed))


# ---------------------------------------------------------------------------------------------- bad data
_BASE_SETS = {"I": ["a", "b"], "J": 3}


@pytest.mark.parametrize(
    ("constraint", "params"),
    [
        ({"forall": "i in I", "expression": "sum(p[i, j] * x[i, j] for j in J) <= 1"},
         {"p": {"indices": ["I", "J"], "values": {("a", 0): 1.0}}}),  # missing entry, no default
        ({"forall": "j in J", "expression": "x['a', j + 1] <= 1"}, {}),  # index outside its set
        ({"forall": "j in J", "expression": "x['a', j] / (j - 1) <= 1"}, {}),  # division by zero
        ({"forall": "i in I", "expression": "x[i, 0] * i <= 1"}, {}),  # a label used as a number
        ({"forall": "i in I if i < 2", "expression": "x[i, 0] <= 1"}, {}),  # comparing a label with a number
        ({"forall": "i in I", "expression": "x[i, 0] <= p[i]"},
         {"p": {"indices": ["I"], "values": {"a": 1.0}}}),  # missing right-hand side
        ({"forall": "i in I", "expression": "x[i, 0] >= 1e308 * 10"}, {}),  # overflow to infinity
    ],
)
def test_bad_data_gives_the_same_located_message(constraint: dict[str, Any], params: dict[str, Any]) -> None:
    spec = build(sets=_BASE_SETS, params=params, variables={"x": {"indices": ["I", "J"]}},
                 objective="sum(x[i, j] for i in I for j in J)", constraints={"bad": constraint})
    with pytest.raises(ModelBuildError) as slow:
        compile_spec(spec, None, SLOW)
    with pytest.raises(ModelBuildError) as fast:
        compile_spec(spec, None, FAST)
    assert fast.value.errors == slow.value.errors


def test_missing_objective_entry_gives_the_same_message() -> None:
    spec = build(sets=_BASE_SETS, params={"p": {"indices": ["I", "J"], "values": {("a", 0): 1.0}}},
                 variables={"x": {"indices": ["I", "J"]}}, objective="sum(p[i, j] * x[i, j] for i in I for j in J)")
    with pytest.raises(ModelBuildError) as slow:
        compile_spec(spec, None, SLOW)
    with pytest.raises(ModelBuildError) as fast:
        compile_spec(spec, None, FAST)
    assert fast.value.errors == slow.value.errors
    assert "parameter `p` has no value" in fast.value.errors[0]


def test_data_file_parameters_compile_identically() -> None:
    spec, data = transport_spec(), transport_data(13, 17, seed=3)
    compile_both(spec, data)
    bad = dict(data, cost=[[1.0] * 17] * 12)  # one row short: the slow walk reports the shape
    compile_both(spec, bad)
