"""Self-check of the evaluator on one reference model: it must recognise itself and notice a real change.

Contract: `self_check(model)` compares

1. a scrambled copy (`eval.scramble`: renamed, permuted, rows scaled and some flipped, objective flipped)
   with the model: the verdict must be ``isomorphic``, with a mapping that is the true one or verifies;
2. a scrambled copy of the model with *one* coefficient changed, chosen so that the change alters the
   optimum (or the status) as HiGHS sees it: the verdict must be ``different``.

Used by the OptiBench all-references check (``benchmarks/bench_equivalence.py --optibench`` and the slow
test) and handy for any new reference set.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from eval.compare import LENIENT, CompareOptions, Comparison, Verdict, compare, objectives_agree
from eval.scramble import perturb, scramble
from solvers.highs import solve
from solvers.linear import LinearModel
from solvers.result import SolveOptions, SolveResult, SolveStatus

__all__ = ["Change", "SelfCheck", "find_breaking_change", "self_check"]


@dataclass(eq=False)
class Change:
    """One changed coefficient and the model it produced."""

    model: LinearModel
    row: str
    variable: str
    old: float
    new: float

    def describe(self) -> str:
        where = "the objective" if self.row == "objective" else self.row
        return f"coefficient of {self.variable} in {where}: {self.old:.10g} -> {self.new:.10g}"


@dataclass(eq=False)
class SelfCheck:
    """Outcome of `self_check`.

    Attributes:
        name: Model name.
        reference_status: Status of the model itself.
        scrambled: Comparison of the scrambled copy with the model (must be isomorphic).
        perturbed: Comparison of the changed copy with the model (must be different); None when no single
            coefficient change that alters the optimum was found.
        change: The change, e.g. ``coefficient of x[3] in c[2]: 4 -> 8``.
        explained: The differences of `perturbed` name the changed constraint (or variable).
    """

    name: str
    reference_status: SolveStatus
    scrambled: Comparison
    perturbed: Comparison | None
    change: str | None
    explained: bool

    @property
    def ok(self) -> bool:
        return self.scrambled.verdict is Verdict.ISOMORPHIC and (
            self.perturbed is None or self.perturbed.verdict is Verdict.DIFFERENT
        )


def _candidates(model: LinearModel, result: SolveResult, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Matrix entries to try, most promising first.

    For an optimum: entries of tight rows and of variables that are non-zero at the optimum. For an
    infeasible model: entries of the rows in its irreducible infeasible subset (changing one of those is
    the likeliest way to change the status).
    """
    A = model.A.tocoo()
    order = rng.permutation(A.nnz)
    if result.status is SolveStatus.OPTIMAL and result.variables:
        x = np.array([result.variables[name] for name in model.var_names])
        activity = model.A @ x
        scale = 1e-6 * (1.0 + np.abs(activity))
        tight = (np.abs(activity - model.row_upper) <= scale) | (np.abs(activity - model.row_lower) <= scale)
        score = tight[A.row].astype(float) * 2 + (np.abs(x[A.col]) > 1e-9).astype(float)
    elif result.iis is not None and result.iis.rows:
        in_iis = np.isin(np.array(model.row_names, dtype=object), np.array(result.iis.rows, dtype=object))
        score = in_iis[A.row].astype(float)
    else:
        score = np.zeros(A.nnz)
    ranked = order[np.argsort(-score[order], kind="stable")]
    return [(int(A.row[k]), int(A.col[k])) for k in ranked]


def find_breaking_change(
    model: LinearModel,
    reference: SolveResult,
    *,
    seed: int = 0,
    max_tries: int = 40,
    solve_options: SolveOptions | None = None,
) -> Change | None:
    """A copy with one coefficient changed so that status or optimum change (lenient tolerance).

    Matrix coefficients are tried first (``max_tries`` solves), then objective coefficients of variables that
    are non-zero at the optimum.
    """
    rng = np.random.default_rng(seed)
    A = model.A

    def attempts() -> Iterator[tuple[int, int, float, float]]:
        for row, col in _candidates(model, reference, rng):
            old = float(A[row, col])
            for new in (2.0 * old, -old, 0.5 * old, 10.0 * old):
                yield row, col, old, new

    for row, col, old, new in itertools.islice(attempts(), max_tries):
        changed = perturb(model, row, col, new)
        if objectives_agree(solve(changed, solve_options), reference, LENIENT)[0] is False:
            return Change(changed, model.row_names[row], model.var_names[col], old, new)
    # Fallback: an objective coefficient of a variable that is non-zero at the optimum.
    if reference.status is SolveStatus.OPTIMAL and reference.variables:
        used = [j for j, name in enumerate(model.var_names) if abs(reference.variables.get(name, 0.0)) > 1e-9]
        for j in used[:max_tries]:
            old = float(model.objective[j])
            new = 2.0 * old if old != 0.0 else 1.0
            changed = model.copy()
            changed.objective = model.objective.copy()
            changed.objective[j] = new
            if objectives_agree(solve(changed, solve_options), reference, LENIENT)[0] is False:
                return Change(changed, "objective", model.var_names[j], old, new)
    return None


def self_check(
    model: LinearModel,
    *,
    seed: int = 0,
    options: CompareOptions | None = None,
    solve_time_limit: float = 30.0,
    max_tries: int = 40,
) -> SelfCheck:
    """Run both checks of the module docstring on `model`."""
    opts = options or CompareOptions()
    solve_options = SolveOptions(time_limit=solve_time_limit, mip_gap=1e-7, compute_iis=False)
    reference = solve(model, solve_options.model_copy(update={"compute_iis": True}))
    scrambled = compare(scramble(model, seed).model, model, opts.model_copy(update={"solve": "never"}))
    found = find_breaking_change(model, reference, seed=seed, max_tries=max_tries, solve_options=solve_options)
    if found is None:
        return SelfCheck(model.name, reference.status, scrambled, None, None, False)
    copy = scramble(found.model, seed + 1)
    perturbed = compare(copy.model, model, opts, reference_result=reference)
    explained = any(
        d.where in (f"constraint {found.row}", f"variable {found.variable}") or f"`{found.row}`" in d.message
        for d in perturbed.differences
    )
    return SelfCheck(model.name, reference.status, scrambled, perturbed, found.describe(), explained)
