"""Float comparison and joint quantisation: the only place where the evaluator decides "same number".

Contract:

* `close(a, b, rel_tol, abs_tol)` is the *verification* test: ``|a - b| <= abs_tol + rel_tol * max(|a|, |b|)``,
  with equal infinities close to each other and to nothing else. Every mapping is checked with it entry by
  entry before the evaluator says "isomorphic", so it is what the word "within tolerance" means.
* `cluster_ids(values, rel_tol, abs_tol)` turns floats into integer labels for hashing and colour refinement.
  It clusters the sorted values of *both* models together (a new cluster starts where the gap between two
  neighbours exceeds the tolerance), so two nearly equal values never fall on different sides of a fixed
  rounding boundary, as they do with ``round(x, k)`` or ``%.6f``. The ids are ordered like the values, which
  makes them independent of the order the values came in (needed for the isomorphism reduction).

Clustering can chain (1, 1+0.9e-6, 1+1.8e-6 form one cluster at rel_tol 1e-6); that only merges labels, which
can make the structural search try a mapping that verification then rejects: never a wrong "isomorphic".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from solvers.arrays import BoolArray, FloatArray, IntArray, UIntArray

__all__ = [
    "ZERO_TOL",
    "Clustering",
    "close",
    "cluster_ids",
    "dense_ids",
    "dense_pair_ids",
    "splitmix64",
    "tolerance",
]

ZERO_TOL = 1e-12
"""Coefficients with a smaller magnitude are dropped by normalisation (they are rounding noise)."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def tolerance(a: FloatArray | float, b: FloatArray | float, rel_tol: float, abs_tol: float) -> FloatArray:
    """The allowed difference between `a` and `b` (elementwise)."""
    return abs_tol + rel_tol * np.maximum(np.abs(a), np.abs(b))


def close(a: FloatArray | float, b: FloatArray | float, rel_tol: float, abs_tol: float) -> BoolArray:
    """Elementwise "equal within tolerance"; ``inf`` equals ``inf`` of the same sign and nothing else."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(a_arr) & np.isfinite(b_arr)
        diff = np.abs(a_arr - b_arr)
        ok = np.where(finite, diff <= tolerance(a_arr, b_arr, rel_tol, abs_tol), a_arr == b_arr)
    return np.asarray(ok, dtype=bool)


class Clustering:
    """Result of `cluster_ids`: dense ids (ordered like the values) and how trustworthy they are.

    Attributes:
        ids: One int64 id per input value; equal ids mean "same number within tolerance".
        count: Number of clusters.
        chained: Number of clusters wider than twice the tolerance (see the module docstring).
    """

    __slots__ = ("chained", "count", "ids")

    def __init__(self, ids: IntArray, count: int, chained: int) -> None:
        self.ids = ids
        self.count = count
        self.chained = chained


def cluster_ids(values: FloatArray, rel_tol: float, abs_tol: float) -> Clustering:
    """Cluster `values` (all models' values of one kind together) into ids; see the module docstring."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0:
        return Clustering(np.zeros(0, dtype=np.int64), 0, 0)
    order = np.argsort(v)  # equal values get equal ids, so the sort need not be stable
    s = v[order]
    with np.errstate(invalid="ignore"):
        gap = np.diff(s)
        finite = np.isfinite(s[:-1]) & np.isfinite(s[1:])
        same = (finite & (gap <= tolerance(s[:-1], s[1:], rel_tol, abs_tol))) | (s[1:] == s[:-1])
    starts = np.empty(s.size, dtype=bool)
    starts[0] = True
    starts[1:] = ~same
    sorted_ids = np.cumsum(starts) - 1
    ids = np.empty(s.size, dtype=np.int64)
    ids[order] = sorted_ids
    count = int(sorted_ids[-1]) + 1
    # Chaining check: first and last member of every cluster must still be close to each other.
    first = np.flatnonzero(starts)
    last = np.append(first[1:] - 1, s.size - 1)
    wide = ~close(s[first], s[last], 2.0 * rel_tol, 2.0 * abs_tol)
    return Clustering(ids, count, int(wide.sum()))


def dense_ids(values: NDArray[np.integer[Any]]) -> IntArray:
    """Dense int64 ids 0..k-1 for the distinct values (or rows of a 2-D array), ordered like the values."""
    arr = np.asarray(values)
    if arr.ndim == 1:
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        order = np.argsort(arr)
        s = arr[order]
        starts = np.empty(s.size, dtype=bool)
        starts[0] = True
        np.not_equal(s[1:], s[:-1], out=starts[1:])
    else:
        if arr.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        # Lexicographic by row (first column first), like ``np.unique(axis=0)`` but without the void view.
        order = np.lexsort(arr.T[::-1])
        s = arr[order]
        starts = np.empty(s.shape[0], dtype=bool)
        starts[0] = True
        np.any(s[1:] != s[:-1], axis=1, out=starts[1:])
    ids = np.empty(starts.size, dtype=np.int64)
    ids[order] = np.cumsum(starts) - 1
    return ids


def dense_pair_ids(first: NDArray[np.integer[Any]], second: NDArray[np.integer[Any]]) -> IntArray:
    """Dense ids for the pairs ``(first[k], second[k])``, ordered by ``first`` then ``second``.

    Faster than ``np.unique(axis=0)``; used once per colour-refinement round.
    """
    if first.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((second, first))
    f = first[order]
    s = second[order]
    starts = np.empty(f.size, dtype=bool)
    starts[0] = True
    starts[1:] = (f[1:] != f[:-1]) | (s[1:] != s[:-1])
    ids = np.empty(f.size, dtype=np.int64)
    ids[order] = np.cumsum(starts) - 1
    return ids


def splitmix64(x: NDArray[np.integer[Any]]) -> UIntArray:
    """splitmix64 finaliser on a uint64 array (wrap-around arithmetic): a fast, well-mixed 64-bit hash.

    Deterministic across processes (unlike Python's salted ``hash``), so hashes may be compared between runs.
    """
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))
