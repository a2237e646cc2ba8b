"""Numeric tolerance: printing noise matches, real differences do not, and the edges are where they should be."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eval.compare import CompareOptions, Verdict, compare
from eval.numeric import close, cluster_ids

INF = math.inf


def verdict(candidate, reference, **options) -> Verdict:
    return compare(candidate, reference, CompareOptions(solve="never", **options)).verdict


def model(models, a: float, b: float = 2.0, rhs: float = 10.0, cost: float = 3.0):
    return models.make([[a, b], [1, -1]], [-INF, -INF], [rhs, 4.0], c=[cost, 1.0], sense="maximize")


def test_float_arithmetic_noise_matches(models):
    assert 0.1 * 3 != 0.3
    assert verdict(model(models, 0.1 * 3), model(models, 0.3)) is Verdict.ISOMORPHIC
    assert verdict(model(models, 1.0, rhs=0.1 + 0.2), model(models, 1.0, rhs=0.3)) is Verdict.ISOMORPHIC


def test_sixteen_versus_seventeen_digits(models):
    x = 2.0 / 3.0
    printed16, printed17 = float(f"{x:.16g}"), float(f"{x:.17g}")
    printed12 = float(f"{x:.12g}")
    ref = model(models, x, cost=x)
    assert verdict(model(models, printed16, cost=printed17), ref) is Verdict.ISOMORPHIC
    assert verdict(model(models, printed12, cost=printed12), ref) is Verdict.ISOMORPHIC  # 5e-13 relative


def test_rounded_third_is_a_different_coefficient(models):
    result = compare(model(models, 0.333), model(models, 1 / 3), CompareOptions(solve="never"))
    assert result.verdict is Verdict.DIFFERENT
    assert any(d.kind == "coefficient" for d in result.differences)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(0.5e-6, Verdict.ISOMORPHIC), (0.9e-6, Verdict.ISOMORPHIC), (2e-6, Verdict.DIFFERENT), (1e-5, Verdict.DIFFERENT)],
)
def test_relative_tolerance_edge_on_coefficients(models, delta, expected):
    ref = model(models, 7.0)
    assert verdict(model(models, 7.0 * (1 + delta)), ref) is expected


def test_relative_tolerance_edge_on_rhs_and_costs(models):
    ref = model(models, 7.0, rhs=1000.0, cost=50.0)
    assert verdict(model(models, 7.0, rhs=1000.0005, cost=50.0), ref) is Verdict.ISOMORPHIC
    assert verdict(model(models, 7.0, rhs=1000.01, cost=50.0), ref) is Verdict.DIFFERENT
    assert verdict(model(models, 7.0, rhs=1000.0, cost=50.00001), ref) is Verdict.ISOMORPHIC
    assert verdict(model(models, 7.0, rhs=1000.0, cost=50.001), ref) is Verdict.DIFFERENT


def test_looser_tolerance_is_an_option(models):
    ref = model(models, 7.0)
    cand = model(models, 7.0 * (1 + 1e-5))
    assert verdict(cand, ref) is Verdict.DIFFERENT
    assert verdict(cand, ref, rel_tol=1e-4) is Verdict.ISOMORPHIC


def test_small_values_are_not_conflated(models):
    """Absolute rounding grids (%.6f) make 1e-7 and 4e-7 equal; relative tolerance does not."""
    ref = model(models, 1e-7 * 3, b=1e-7, rhs=1e-6, cost=1.0)
    cand = model(models, 4e-7 * 3, b=1e-7, rhs=1e-6, cost=1.0)
    assert verdict(cand, ref) is Verdict.DIFFERENT


def test_clustering_has_no_boundary_problem():
    values = np.array([0.29999999999999993, 0.30000000000000004, 0.3, 0.7, -0.0, 0.0, 1e-13, INF, INF, -INF])
    ids = cluster_ids(values, 1e-9, 1e-12).ids
    assert len(set(ids[:3])) == 1
    assert ids[3] != ids[0]
    assert ids[4] == ids[5] == ids[6]
    assert ids[7] == ids[8] != ids[9]
    assert ids[9] != ids[4] and ids[7] != ids[3]
    assert cluster_ids(values, 1e-9, 1e-12).chained == 0
    assert list(np.argsort(ids[[9, 4, 0, 3, 7]], kind="stable")) == [0, 1, 2, 3, 4]  # ids ordered like the values


def test_close_semantics():
    assert close(INF, INF, 1e-6, 0).item() and not close(INF, -INF, 1e-6, 0).item()
    assert not close(INF, 1e300, 1e-6, 0).item()
    assert close(1.0, 1.0 + 1e-7, 1e-6, 0).item() and not close(1.0, 1.0 + 1e-5, 1e-6, 0).item()
    assert close(0.0, 1e-10, 1e-6, 1e-9).item()
