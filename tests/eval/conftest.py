"""Model builders shared by the evaluator tests (exposed as the `models` fixture)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from solvers.linear import LinearModel

INF = math.inf


def make(
    rows: Sequence[Sequence[float]],
    lo: Sequence[float],
    hi: Sequence[float],
    *,
    c: Sequence[float],
    sense: str = "minimize",
    lb: Sequence[float] | None = None,
    ub: Sequence[float] | None = None,
    integer: Sequence[bool] | None = None,
    c0: float = 0.0,
    names: Sequence[str] | None = None,
    row_names: Sequence[str] | None = None,
    name: str = "m",
) -> LinearModel:
    """A model from a dense matrix (one list per row)."""
    n = len(c)
    m = len(rows)
    A = np.array(rows, dtype=float).reshape(m, n) if m else np.zeros((0, n))
    return LinearModel.from_arrays(
        name=name,
        var_names=list(names) if names else [f"x{j}" for j in range(n)],
        lower=lb if lb is not None else [0.0] * n,
        upper=ub if ub is not None else [INF] * n,
        integrality=integer if integer is not None else [False] * n,
        objective=c,
        objective_constant=c0,
        sense=sense,
        A=sp.csr_matrix(A),
        row_lower=lo,
        row_upper=hi,
        row_names=list(row_names) if row_names else [f"c{i}" for i in range(m)],
    )


def cycles(lengths: Sequence[int], *, name: str = "cycles") -> LinearModel:
    """Independent set on disjoint cycles: max sum x, x_u + x_v <= 1 per cycle edge, x binary."""
    edges: list[tuple[int, int]] = []
    offset = 0
    for length in lengths:
        edges += [(offset + i, offset + (i + 1) % length) for i in range(length)]
        offset += length
    return from_edges(offset, edges, name=name)


def from_edges(n: int, edges: Sequence[tuple[int, int]], *, name: str = "graph") -> LinearModel:
    m = len(edges)
    A = sp.lil_matrix((m, n))
    for r, (u, v) in enumerate(edges):
        A[r, u] = 1.0
        A[r, v] = 1.0
    return LinearModel.from_arrays(
        name=name,
        var_names=[f"x{j}" for j in range(n)],
        lower=[0.0] * n,
        upper=[1.0] * n,
        integrality=[True] * n,
        objective=[1.0] * n,
        sense="maximize",
        A=A,
        row_lower=[-INF] * m,
        row_upper=[1.0] * m,
        row_names=[f"e{r}" for r in range(m)],
    )


def assignment(n: int, cost: np.ndarray | None = None) -> LinearModel:
    """n×n assignment; uniform costs by default (a highly symmetric model: colour refinement cannot split it)."""
    A = sp.lil_matrix((2 * n, n * n))
    for i in range(n):
        for j in range(n):
            A[i, i * n + j] = 1.0
            A[n + j, i * n + j] = 1.0
    return LinearModel.from_arrays(
        name=f"assign{n}",
        var_names=[f"x[{i},{j}]" for i in range(n) for j in range(n)],
        lower=[0.0] * (n * n),
        upper=[1.0] * (n * n),
        integrality=[True] * (n * n),
        objective=np.ones(n * n) if cost is None else cost,
        A=A,
        row_lower=[1.0] * (2 * n),
        row_upper=[1.0] * (2 * n),
        row_names=[f"worker[{i}]" for i in range(n)] + [f"task[{j}]" for j in range(n)],
    )


def bin_packing(sizes: Sequence[float], bins: int, capacity: float) -> LinearModel:
    """Bin packing with identical bins: y_b opens bin b, x[i,b] puts item i in bin b; minimise open bins."""
    items = len(sizes)
    n = items * bins + bins
    names = [f"x[{i},{b}]" for i in range(items) for b in range(bins)] + [f"y[{b}]" for b in range(bins)]
    rows: list[dict[int, float]] = []
    lo: list[float] = []
    hi: list[float] = []
    row_names: list[str] = []
    for i in range(items):
        rows.append({i * bins + b: 1.0 for b in range(bins)})
        lo.append(1.0)
        hi.append(1.0)
        row_names.append(f"place[{i}]")
    for b in range(bins):
        row = {i * bins + b: float(sizes[i]) for i in range(items)}
        row[items * bins + b] = -float(capacity)
        rows.append(row)
        lo.append(-INF)
        hi.append(0.0)
        row_names.append(f"cap[{b}]")
    A = sp.lil_matrix((len(rows), n))
    for r, row in enumerate(rows):
        for j, a in row.items():
            A[r, j] = a
    return LinearModel.from_arrays(
        name="binpack",
        var_names=names,
        lower=[0.0] * n,
        upper=[1.0] * n,
        integrality=[True] * n,
        objective=[0.0] * (items * bins) + [1.0] * bins,
        A=A,
        row_lower=lo,
        row_upper=hi,
        row_names=row_names,
    )


def random_milp(seed: int, m: int = 30, n: int = 40, per_row: int = 4) -> LinearModel:
    """A random feasible-looking sparse MILP with distinct-ish data."""
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(m), per_row)
    cols = np.concatenate([rng.choice(n, per_row, replace=False) for _ in range(m)])
    vals = rng.integers(1, 30, rows.size).astype(float)
    A = sp.csr_matrix((vals, (rows, cols)), shape=(m, n))
    hi = rng.integers(20, 200, m).astype(float)
    lo = np.full(m, -INF)
    eq = rng.random(m) < 0.2
    lo[eq] = hi[eq]
    return LinearModel.from_arrays(
        name=f"random{seed}",
        var_names=[f"x[{j}]" for j in range(n)],
        lower=np.zeros(n),
        upper=rng.integers(5, 40, n).astype(float),
        integrality=rng.random(n) < 0.4,
        objective=-rng.integers(1, 25, n).astype(float),
        A=A,
        row_lower=lo,
        row_upper=hi,
        row_names=[f"c[{i}]" for i in range(m)],
    )


@pytest.fixture
def models() -> SimpleNamespace:
    """Builders: make, cycles, from_edges, assignment, bin_packing, random_milp."""
    return SimpleNamespace(
        make=make,
        cycles=cycles,
        from_edges=from_edges,
        assignment=assignment,
        bin_packing=bin_packing,
        random_milp=random_milp,
    )
