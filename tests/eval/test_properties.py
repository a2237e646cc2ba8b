"""Property tests: scrambled copies are always isomorphic, and every "isomorphic" survives an independent check.

Models are drawn from a tiny space (3 variables, small integer data) so that accidental isomorphisms between
independent draws are frequent: each one is checked with a canonical form written independently of
`eval.normalize` (rows as scaled ``<=`` half-spaces, objective in minimise form).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval.compare import CompareOptions, Verdict, compare
from eval.scramble import scramble
from solvers.linear import LinearModel, ObjectiveSense

INF = math.inf
SUPPORTS = [(0, 1), (0, 2), (1, 2), (0, 1, 2)]


@st.composite
def tiny_models(draw: st.DrawFn) -> LinearModel:
    n = 3
    supports = draw(st.lists(st.sampled_from(SUPPORTS), min_size=1, max_size=3, unique=True))
    rows = []
    lo, hi = [], []
    for support in supports:
        row = [0.0] * n
        for j in support:
            row[j] = float(draw(st.sampled_from([-2, -1, 1, 2])))
        rows.append(row)
        kind = draw(st.sampled_from(["le", "ge", "eq"]))
        b = float(draw(st.integers(-1, 3)))
        lo.append(b if kind in ("ge", "eq") else -INF)
        hi.append(b if kind in ("le", "eq") else INF)
    integer = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    upper = draw(st.lists(st.sampled_from([1.0, 3.0, INF]), min_size=n, max_size=n))
    cost = draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, -1.0]), min_size=n, max_size=n))
    sense = draw(st.sampled_from(["minimize", "maximize"]))
    return LinearModel.from_arrays(
        name="tiny",
        var_names=[f"x{j}" for j in range(n)],
        lower=[0.0] * n,
        upper=upper,
        integrality=integer,
        objective=cost,
        sense=sense,
        A=np.array(rows),
        row_lower=lo,
        row_upper=hi,
        row_names=[f"c{i}" for i in range(len(rows))],
    )


def canonical(model: LinearModel, rename: dict[str, str] | None = None) -> tuple:
    rename = rename or {}
    sign = -1.0 if model.sense is ObjectiveSense.MAXIMIZE else 1.0
    columns = {
        rename.get(name, name): (
            bool(model.integrality[j]),
            model.lower[j],
            model.upper[j] if not model.integrality[j] or math.isinf(model.upper[j]) else math.floor(model.upper[j]),
            sign * model.objective[j] + 0.0,
        )
        for j, name in enumerate(model.var_names)
    }
    halves = set()
    for i in range(model.num_rows):
        terms = [(rename.get(name, name), a) for name, a in model.row_terms(i)]
        scale = max(abs(a) for _, a in terms)
        for bound, s in ((model.row_upper[i], 1.0), (model.row_lower[i], -1.0)):
            if not math.isinf(bound):
                key = tuple(sorted((name, round(s * a / scale, 9)) for name, a in terms))
                halves.add((key, round(s * bound / scale, 9)))
    return columns, frozenset(halves), sign * model.objective_constant


# Permutation semantics only: the reformulation rules (N5, N11-N13) remove or rescale columns, after which
# the name mapping is no longer a plain renaming that `canonical` can check; tests/eval/test_reformulations.py
# covers them.
OPTIONS = CompareOptions(
    solve="never",
    merge_parallel_rows=False,
    substitute_fixed=False,
    eliminate_slacks=False,
    merge_free_splits=False,
    scale_columns=False,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_models(), st.integers(0, 10_000))
def test_scrambled_copy_is_always_isomorphic(model, seed):
    copy = scramble(model, seed)
    result = compare(copy.model, model, OPTIONS)
    assert result.verdict is Verdict.ISOMORPHIC, result.reason
    assert canonical(copy.model, result.mapping) == canonical(model)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_models(), tiny_models())
def test_isomorphic_verdicts_survive_an_independent_check(a, b):
    result = compare(a, b, OPTIONS)
    if result.verdict is Verdict.ISOMORPHIC:
        assert canonical(a, result.mapping) == canonical(b)
    else:
        assert result.mapping is None
