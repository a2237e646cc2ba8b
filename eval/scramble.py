"""Equivalent and non-equivalent copies of a model, for tests and benchmarks of the evaluator.

Contract: `scramble(model, seed)` returns a model that an evaluator must call isomorphic to `model` — its
variables and rows renamed and randomly permuted, every row multiplied by a random positive factor, some rows
rewritten with the opposite sense (``a·x >= b`` as ``-a·x <= -b``), and ``min f`` written as ``max -f`` — plus
the ground-truth mapping (original name → new name). `perturb(model, ...)` changes exactly one coefficient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from solvers.linear import LinearModel, ObjectiveSense

__all__ = ["Scrambled", "perturb", "scramble"]


@dataclass(eq=False)
class Scrambled:
    """A scrambled copy and the truth about it.

    Attributes:
        model: The copy.
        var_names: Original variable name → name in the copy.
        row_names: Original constraint name → name in the copy.
    """

    model: LinearModel
    var_names: dict[str, str]
    row_names: dict[str, str]


def scramble(
    model: LinearModel,
    seed: int | np.random.Generator = 0,
    *,
    rename: bool = True,
    permute: bool = True,
    scale_rows: bool = True,
    flip_rows: bool = True,
    flip_objective: bool = True,
) -> Scrambled:
    """An isomorphic copy of `model` (see the module docstring); each transformation can be switched off."""
    rng = np.random.default_rng(seed)
    n, m = model.num_vars, model.num_rows
    p = rng.permutation(n) if permute else np.arange(n)
    q = rng.permutation(m) if permute else np.arange(m)
    factor = rng.uniform(0.25, 8.0, m) if scale_rows else np.ones(m)
    # Only one-sided rows can be flipped into the other sense as a single row; two-sided rows are negated whole.
    flip = (rng.random(m) < 0.5) if flip_rows else np.zeros(m, dtype=bool)
    sign = np.where(flip, -1.0, 1.0)
    scale = factor * sign
    A = (sp.diags(scale) @ model.A).tocsr()[q][:, p]
    lo = np.where(flip, model.row_upper * scale, model.row_lower * scale)
    hi = np.where(flip, model.row_lower * scale, model.row_upper * scale)
    var_names = [f"v{k}" for k in range(n)] if rename else [model.var_names[j] for j in p]
    row_names = [f"r{k}" for k in range(m)] if rename else [model.row_names[i] for i in q]
    c, c0, sense = model.objective[p], model.objective_constant, model.sense
    if flip_objective:
        c, c0 = -c, -c0
        sense = ObjectiveSense.MINIMIZE if sense is ObjectiveSense.MAXIMIZE else ObjectiveSense.MAXIMIZE
    copy = LinearModel.from_arrays(
        name=f"{model.name}-scrambled",
        var_names=var_names,
        lower=model.lower[p],
        upper=model.upper[p],
        integrality=model.integrality[p],
        objective=c,
        objective_constant=c0,
        sense=sense,
        A=A,
        row_lower=lo[q] + 0.0,
        row_upper=hi[q] + 0.0,
        row_names=row_names,
    )
    return Scrambled(
        model=copy,
        var_names={model.var_names[int(j)]: var_names[k] for k, j in enumerate(p)},
        row_names={model.row_names[int(i)]: row_names[k] for k, i in enumerate(q)},
    )


def perturb(model: LinearModel, row: int, column: int, value: float) -> LinearModel:
    """A copy of `model` with the coefficient at (`row`, `column`) set to `value` (a new term if it was zero)."""
    copy = model.copy()
    A = copy.A.tolil(copy=True)
    A[row, column] = value
    copy.A = sp.csr_matrix(A)
    copy.A.sum_duplicates()
    copy.A.eliminate_zeros()
    copy.validate()
    return copy


def regular_bipartite(rng: np.random.Generator, n: int, degree: int = 3) -> LinearModel:
    """A hard case for the evaluator: `n` binaries and `n` rows ``sum <= 1``, every variable in `degree` rows and
    every row with `degree` variables, all coefficients 1 (colour refinement cannot tell any two variables, or any
    two rows, apart). Used by the tests and `benchmarks/bench_equivalence.py`."""
    while True:
        rows = np.concatenate([rng.permutation(n) for _ in range(degree)])
        cols = np.tile(np.arange(n), degree)
        if np.unique(rows * n + cols).size == rows.size:
            break
    A = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    return LinearModel.from_arrays(
        name=f"regular{n}",
        var_names=[f"x{j}" for j in range(n)],
        lower=np.zeros(n),
        upper=np.ones(n),
        integrality=np.ones(n, dtype=bool),
        objective=np.ones(n),
        A=A,
        row_lower=np.full(n, -np.inf),
        row_upper=np.ones(n),
        row_names=[f"r{i}" for i in range(n)],
    )
