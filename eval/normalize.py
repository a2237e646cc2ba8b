"""Normalisation: rewrite a `LinearModel` so that equivalent ways of writing the same model look the same.

Contract: `normalize(model)` returns a `NormalizedModel` in the form

    minimise c·x + c0   subject to   A x <= b (every row a half-space),   lower <= x <= upper,  x_j integer

and every rule below depends only on per-row or per-column data or on commutative operations (max, min,
sums), so normalising a permuted, renamed model gives a permuted, renamed result. That property is what makes
"isomorphic after normalisation" a sound test; a property test checks it.

Rules (the spec's N0-N9; N5 and N6 are off by default because they remove variables):

* N0 ``clean_terms``: duplicate terms summed (the `LinearModel` contract already does this), coefficients with
  ``|a| <= 1e-12`` dropped, ``-0.0`` → ``0.0``, bounds beyond ``±1e20`` → ``±inf``.
* N1 ``max_to_min``: ``max f`` becomes ``min -f`` (objective vector and constant negated).
* N2 ``integer_bounds``: integer bounds rounded inwards (``ceil(lb)``, ``floor(ub)``); an integer in [0, 1]
  *is* a binary (`LinearModel` has no separate binary type), so "binary vs integer in [0,1]" vanishes here.
* N3 ``rows_to_bounds``: a row with one variable becomes a bound, sign-aware and intersected with the declared
  bounds (``-2x >= 4`` → ``x <= -2``; a declared ``x >= 0`` and a row ``x >= -5`` keep ``x >= 0``).
* N4 ``empty_rows``: rows with no terms (or no finite side) are dropped; an empty row that excludes 0 marks
  the model infeasible.
* N5 ``fixed_substituted`` (optional): variables with ``lower == upper`` move into the right-hand sides.
* N6 ``unused_dropped`` (optional): variables in no row are dropped (zero cost) or fixed at their best bound.
* N7 ``half_spaces``: ``lo <= a·x <= hi`` becomes ``a·x <= hi`` and ``-a·x <= -lo``; so ``>=`` rows,
  equalities written either way and two inequalities in place of an equality all meet in one form.
* N8 ``rows_scaled``: each half-space is divided by its largest ``|a_ij|`` (a positive factor).
* N9 ``parallel_rows_merged``: half-spaces with the same coefficients (within tolerance) are merged, keeping
  the tightest right-hand side.
* N10 ``equalities``: two half-spaces that are exact negations of each other (``a·x <= b`` and
  ``-a·x <= -b``, from one equality or from two inequalities) become one equality row ``a·x = b`` with a
  canonical sign: ``b > 0`` when ``b`` is not zero, else the first non-zero odd moment ``sum(a_j^k)``,
  k = 1, 3, 5, positive. Rows whose coefficients are symmetric under negation (``x - y = 0``) stay two
  half-spaces. Equalities are thus one graph node (half the rows, no negated coefficients to encode),
  which matters for the exact isomorphism search on symmetric models.

Reformulation rules (off in `normalize`'s defaults, on in `eval.compare.CompareOptions`; each is an exact
equivalence, argued in its function's docstring, so they can only turn a missed match into a match):

* N11 ``slacks_eliminated`` (`_eliminate_slacks`): a continuous, zero-cost column with a finite bound in
  exactly one row, an equality, is projected out (``a·x + s = b, s >= 0`` → ``a·x <= b``; two finite bounds
  give a ranged row).
* N12 ``free_splits_merged`` (`_merge_free_splits`): two continuous ``[0, inf)`` columns that are exact
  negatives in every row and in the objective become one free column.
* N13 ``columns_scaled`` (`_scale_columns`, after N9): every continuous column gets a canonical scale (log
  least squares against row and column factors) and every free continuous column a canonical sign, so
  ``x' = 2x`` or ``z = -x`` match; integer columns are never scaled.

So the normal form is ``A_le x <= b_le, A_eq x = b_eq`` (one matrix, `NormalizedModel.row_equality` flags).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import scipy.sparse as sp

from eval.numeric import ZERO_TOL, close, cluster_ids, splitmix64
from solvers.arrays import BoolArray, FloatArray, Int8Array, IntArray, UIntArray
from solvers.linear import LinearModel, ObjectiveSense

__all__ = ["BIG", "NormalizedModel", "Rule", "normalize"]

BIG = 1e20
"""Magnitudes at or beyond this are infinite (the solver convention; Gurobi writes 1e100, HiGHS 1e20 and up)."""

_INT_EPS = 1e-9
_ROW_SALT = np.uint64(0x5851F42D4C957F2D)


class Rule(StrEnum):
    """Normalisation rules, named as they appear in diagnostics."""

    CLEAN_TERMS = "clean_terms"
    MAX_TO_MIN = "max_to_min"
    INTEGER_BOUNDS = "integer_bounds"
    ROWS_TO_BOUNDS = "rows_to_bounds"
    EMPTY_ROWS = "empty_rows"
    FIXED_SUBSTITUTED = "fixed_substituted"
    UNUSED_DROPPED = "unused_dropped"
    HALF_SPACES = "half_spaces"
    ROWS_SCALED = "rows_scaled"
    PARALLEL_ROWS_MERGED = "parallel_rows_merged"
    EQUALITIES = "equalities"
    SLACKS_ELIMINATED = "slacks_eliminated"
    FREE_SPLITS_MERGED = "free_splits_merged"
    COLUMNS_SCALED = "columns_scaled"


@dataclass(eq=False)
class NormalizedModel:
    """A model in normal form, with enough bookkeeping to name things in the original model.

    Attributes:
        source: The model this came from (names and original numbers for messages).
        columns: Original column index of each kept column.
        lower, upper, integer, objective: Column data after normalisation (objective in minimise sense).
        objective_constant: Constant of the minimise-sense objective (after N5/N6 substitutions).
        flipped: True when the source maximises (N1 fired).
        A: Row matrix, CSR with sorted indices, max ``|a| = 1`` per row: ``A[k] @ x <= rhs[k]``, or
            ``== rhs[k]`` where `row_equality` is set.
        rhs: Right-hand sides.
        row_equality: True for equality rows (N10).
        col_scale: Factor of each kept column (N13): original ``x_j = col_scale[j] * x~_j``, so the normalised
            column is the original one times ``col_scale[j]`` and its bounds are divided by it (negative: the
            free column was negated). 1 for integer columns.
        row_origin: Original row index of each row.
        row_partner: For equalities built from two different original rows, the other one; else -1.
        row_side: +1 when the row is its origin's upper side (``a·x <= hi``) as written, -1 when negated.
        row_scale: Positive divisor applied by N8: original ``a = A[k] * row_scale[k] * row_side[k]``.
        fired: How often each rule changed something.
        absorbed: Original rows that left the matrix, by name, with what became of them.
        removed_columns: Original columns that left (N5/N6), by name, with what became of them.
        infeasible: Reasons the model is infeasible on its face (crossing bounds, an impossible empty row).
    """

    source: LinearModel
    columns: IntArray
    lower: FloatArray
    upper: FloatArray
    integer: BoolArray
    objective: FloatArray
    objective_constant: float
    flipped: bool
    A: sp.csr_matrix
    rhs: FloatArray
    row_origin: IntArray
    row_side: Int8Array
    row_scale: FloatArray
    row_equality: BoolArray
    row_partner: IntArray
    col_scale: FloatArray = field(default_factory=lambda: np.ones(0))
    fired: dict[Rule, int] = field(default_factory=dict)
    absorbed: dict[str, str] = field(default_factory=dict)
    removed_columns: dict[str, str] = field(default_factory=dict)
    infeasible: list[str] = field(default_factory=list)
    reformulations: list[str] = field(default_factory=list)
    """Reformulations undone (N5, N11-N13), one sentence fragment each, e.g. ``slack s1 was eliminated``."""

    @property
    def num_vars(self) -> int:
        return int(self.columns.size)

    @property
    def num_rows(self) -> int:
        return int(self.rhs.size)

    @property
    def nnz(self) -> int:
        return int(self.A.nnz)

    def var_name(self, j: int) -> str:
        """Original name of normalised column `j`."""
        return self.source.var_names[int(self.columns[j])]

    @property
    def var_names(self) -> list[str]:
        names = self.source.var_names
        return [names[int(j)] for j in self.columns]

    def row_name(self, k: int) -> str:
        """Original name of the row half-space `k` came from."""
        return self.source.row_names[int(self.row_origin[k])]

    def is_two_sided(self, k: int) -> bool:
        """True when the original row of half-space `k` has both a finite lower and upper side."""
        i = int(self.row_origin[k])
        return bool(np.isfinite(self.source.row_lower[i]) and np.isfinite(self.source.row_upper[i]))

    def row_label(self, k: int) -> str:
        """Name of row `k` for people: the row name, plus the side for half of a two-sided row, plus the
        partner for an equality assembled from two inequalities."""
        name = self.row_name(k)
        if self.row_equality[k]:
            partner = int(self.row_partner[k])
            return name if partner < 0 else f"{name} (with {self.source.row_names[partner]})"
        if not self.is_two_sided(k):
            return name
        return f"{name} ({'<=' if self.row_side[k] > 0 else '>='} side)"

    def sense(self, k: int) -> str:
        """``=`` or ``<=`` (every row is one or the other in normal form)."""
        return "=" if self.row_equality[k] else "<="

    def origin_names(self, k: int) -> list[str]:
        """Original row names that row `k` stands for (two for an equality assembled from two rows)."""
        names = [self.row_name(k)]
        partner = int(self.row_partner[k])
        if partner >= 0:
            names.append(self.source.row_names[partner])
        return names

    def fired_names(self) -> list[str]:
        """Rules that changed something, as ``rule×count`` strings in rule order."""
        return [f"{rule.value}×{self.fired[rule]}" for rule in Rule if self.fired.get(rule)]


def normalize(
    model: LinearModel,
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
    substitute_fixed: bool = False,
    drop_unused: bool = False,
    merge_parallel_rows: bool = True,
    eliminate_slacks: bool = False,
    merge_free_splits: bool = False,
    scale_columns: bool = False,
) -> NormalizedModel:
    """Bring `model` into normal form (see the module docstring for the rules and the contract).

    Args:
        model: A validated `LinearModel`; it is not modified.
        rel_tol, abs_tol: Tolerances for "equal" (crossing bounds, empty rows, parallel rows).
        substitute_fixed: Apply N5 (remove variables whose bounds fix them).
        drop_unused: Apply N6 (remove variables that appear in no row).
        merge_parallel_rows: Apply N9.
        eliminate_slacks: Apply N11 (continuous zero-cost slack columns of equality rows).
        merge_free_splits: Apply N12 (``x = x+ - x-`` column pairs become one free column).
        scale_columns: Apply N13 (canonical sign and scale of continuous columns).

    N5 and N11-N13 are off here so that `normalize(model)` stays a pure rewriting of the model as written
    (what `eval.graph.to_networkx` shows); `eval.compare.CompareOptions` turns N5, N11 and N12 on by default,
    and N13 in a second pass.

    Returns:
        The normalised model; `NormalizedModel.infeasible` is non-empty when the model is infeasible on its face.
    """
    fired: dict[Rule, int] = {}
    absorbed: dict[str, str] = {}
    removed: dict[str, str] = {}
    infeasible: list[str] = []
    reformulations: list[str] = []

    def bump(rule: Rule, count: int) -> None:
        if count:
            fired[rule] = fired.get(rule, 0) + int(count)

    n, m = model.num_vars, model.num_rows
    A = sp.csr_matrix(model.A, dtype=np.float64, copy=True)
    A.sum_duplicates()
    tiny = np.abs(A.data) <= ZERO_TOL
    if tiny.any():
        A.data[tiny] = 0.0
        A.eliminate_zeros()
    A.data += 0.0  # -0.0 → 0.0
    lower, upper = _infinite(model.lower), _infinite(model.upper)
    rlo, rhi = _infinite(model.row_lower), _infinite(model.row_upper)
    bump(
        Rule.CLEAN_TERMS,
        int(tiny.sum())
        + int(np.sum(np.isinf(lower) & np.isfinite(model.lower)))
        + int(np.sum(np.isinf(upper) & np.isfinite(model.upper)))
        + int(np.sum(np.isinf(rlo) & np.isfinite(model.row_lower)))
        + int(np.sum(np.isinf(rhi) & np.isfinite(model.row_upper))),
    )

    c = np.asarray(model.objective, dtype=np.float64).copy()
    c0 = float(model.objective_constant)
    flipped = model.sense is ObjectiveSense.MAXIMIZE
    if flipped:
        c, c0 = -c, -c0
        bump(Rule.MAX_TO_MIN, 1)
    c[np.abs(c) <= ZERO_TOL] = 0.0
    c += 0.0

    integer = np.asarray(model.integrality, dtype=bool).copy()
    bump(Rule.INTEGER_BOUNDS, _round_integer_bounds(lower, upper, integer))

    row_active = np.ones(m, dtype=bool)
    col_active = np.ones(n, dtype=bool)
    entry_row = np.repeat(np.arange(m), np.diff(A.indptr))
    names = model.var_names
    row_names = model.row_names

    while True:
        changed = False
        live = col_active[A.indices] & row_active[entry_row]
        counts = np.bincount(entry_row[live], minlength=m)

        # N3: single-variable rows become bounds.
        single = row_active & (counts == 1)
        if single.any():
            sel = live & single[entry_row]
            rows, cols, a = entry_row[sel], A.indices[sel], A.data[sel]
            with np.errstate(invalid="ignore"):
                new_lo = np.where(a > 0, rlo[rows] / a, rhi[rows] / a)
                new_hi = np.where(a > 0, rhi[rows] / a, rlo[rows] / a)
            np.maximum.at(lower, cols, new_lo)
            np.minimum.at(upper, cols, new_hi)
            row_active[rows] = False
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
                absorbed[row_names[i]] = f"bound on {names[j]}"
            bump(Rule.ROWS_TO_BOUNDS, rows.size)
            bump(Rule.INTEGER_BOUNDS, _round_integer_bounds(lower, upper, integer))

        # N4: empty rows are dropped (or make the model infeasible).
        empty = row_active & (counts == 0)
        if empty.any():
            for i in np.flatnonzero(empty).tolist():
                ok = rlo[i] <= abs_tol and rhi[i] >= -abs_tol
                absorbed[row_names[i]] = "empty row" if ok else "empty row that excludes 0"
                if not ok:
                    infeasible.append(
                        f"constraint {row_names[i]} has no terms but requires 0 to lie in "
                        f"[{rlo[i]:.12g}, {rhi[i]:.12g}]"
                    )
            row_active[empty] = False
            bump(Rule.EMPTY_ROWS, int(empty.sum()))

        if substitute_fixed:
            fixed = col_active & np.isfinite(lower) & close(lower, upper, rel_tol, abs_tol)
            if fixed.any():
                value = np.where(fixed, lower, 0.0)
                shift = A @ value
                rlo, rhi = rlo - shift, rhi - shift
                c0 += float(c @ value)
                col_active[fixed] = False
                for j in np.flatnonzero(fixed).tolist():
                    removed[names[j]] = f"fixed at {lower[j]:.12g}"
                    reformulations.append(f"fixed variable {names[j]} = {lower[j]:.12g} was substituted")
                bump(Rule.FIXED_SUBSTITUTED, int(fixed.sum()))
                changed = True

        if drop_unused:
            live = col_active[A.indices] & row_active[entry_row]
            used = np.zeros(n, dtype=bool)
            used[A.indices[live]] = True
            unused = col_active & ~used
            if unused.any():
                for j in np.flatnonzero(unused).tolist():
                    at = lower[j] if c[j] > 0 else upper[j] if c[j] < 0 else None
                    if (at is not None and not math.isfinite(at)) or lower[j] > upper[j]:
                        continue  # unbounded or infeasible on its own: keep it, the comparison will see it
                    if at is not None:
                        c0 += float(c[j] * at)
                        removed[names[j]] = f"unused, fixed at its best bound {at:.12g}"
                    else:
                        removed[names[j]] = "unused, zero cost"
                    col_active[j] = False
                    bump(Rule.UNUSED_DROPPED, 1)
        if eliminate_slacks:
            slacks = _eliminate_slacks(
                A,
                entry_row,
                row_active,
                col_active,
                lower,
                upper,
                integer,
                c,
                rlo,
                rhi,
                rel_tol,
                abs_tol,
                names,
                row_names,
                removed,
                reformulations,
            )
            if slacks:
                bump(Rule.SLACKS_ELIMINATED, slacks)
                changed = True

        if merge_free_splits:
            merged = _merge_free_splits(
                A,
                entry_row,
                row_active,
                col_active,
                lower,
                upper,
                integer,
                c,
                rel_tol,
                abs_tol,
                names,
                removed,
                reformulations,
            )
            if merged:
                bump(Rule.FREE_SPLITS_MERGED, merged)
                changed = True
        if not changed:
            break

    crossing = col_active & (lower > upper)
    for j in np.flatnonzero(crossing).tolist():
        if close(lower[j], upper[j], rel_tol, abs_tol):
            upper[j] = lower[j]
        else:
            infeasible.append(f"bounds of {names[j]} cross: lower {lower[j]:.12g} > upper {upper[j]:.12g}")

    # N7: rows become half-spaces a·x <= b.
    keep_rows = np.flatnonzero(row_active)
    keep_cols = np.flatnonzero(col_active)
    sub = A[keep_rows][:, keep_cols]
    lo_k, hi_k = rlo[keep_rows], rhi[keep_rows]
    free = np.isinf(lo_k) & np.isinf(hi_k)
    for i in keep_rows[free].tolist():
        absorbed[row_names[i]] = "free row (no finite side)"
    bump(Rule.EMPTY_ROWS, int(free.sum()))
    up = np.flatnonzero(np.isfinite(hi_k))
    dn = np.flatnonzero(np.isfinite(lo_k))
    bump(Rule.HALF_SPACES, dn.size)
    H = sp.vstack([sub[up], -sub[dn]], format="csr")
    b = np.concatenate([hi_k[up], -lo_k[dn]])
    origin = np.concatenate([keep_rows[up], keep_rows[dn]]).astype(np.int64)
    side = np.concatenate([np.ones(up.size, dtype=np.int8), -np.ones(dn.size, dtype=np.int8)])

    # N8: positive row scaling to max |a| = 1.
    H.sum_duplicates()
    H.sort_indices()
    row_len = np.diff(H.indptr)
    scale = np.ones(b.size)
    if H.nnz:
        nonempty = row_len > 0
        maxabs = np.maximum.reduceat(np.abs(H.data), H.indptr[:-1][nonempty])
        scale[nonempty] = maxabs
        H.data /= np.repeat(scale, row_len)
        b = b / scale
        bump(Rule.ROWS_SCALED, int(np.sum(scale != 1.0)))

    norm = NormalizedModel(
        source=model,
        columns=keep_cols.astype(np.int64),
        lower=lower[keep_cols],
        upper=upper[keep_cols],
        integer=integer[keep_cols],
        objective=c[keep_cols],
        objective_constant=c0 + 0.0,
        flipped=flipped,
        A=H,
        rhs=b + 0.0,
        row_origin=origin,
        row_side=side,
        row_scale=scale,
        row_equality=np.zeros(b.size, dtype=bool),
        row_partner=np.full(b.size, -1, dtype=np.int64),
        col_scale=np.ones(keep_cols.size),
        fired=fired,
        absorbed=absorbed,
        removed_columns=removed,
        infeasible=infeasible,
        reformulations=reformulations,
    )
    if merge_parallel_rows and norm.num_rows > 1:
        _merge_parallel_rows(norm, rel_tol, abs_tol)
    if scale_columns and not norm.infeasible:
        _scale_columns(norm, rel_tol, abs_tol)
    if norm.num_rows > 1:
        _merge_equalities(norm, rel_tol, abs_tol)
    return norm


def _infinite(values: FloatArray) -> FloatArray:
    """Copy of `values` with magnitudes >= `BIG` made infinite."""
    out = np.asarray(values, dtype=np.float64).copy()
    out[out >= BIG] = math.inf
    out[out <= -BIG] = -math.inf
    out += 0.0
    return out


def _round_integer_bounds(lower: FloatArray, upper: FloatArray, integer: BoolArray) -> int:
    """Round integer columns' bounds inwards in place; return how many bounds changed."""
    if not integer.any():
        return 0
    lo, hi = lower[integer], upper[integer]
    with np.errstate(invalid="ignore"):
        new_lo = np.where(np.isfinite(lo), np.ceil(lo - _INT_EPS * np.maximum(1.0, np.abs(lo))), lo)
        new_hi = np.where(np.isfinite(hi), np.floor(hi + _INT_EPS * np.maximum(1.0, np.abs(hi))), hi)
    changed = int(np.sum(new_lo != lo) + np.sum(new_hi != hi))
    lower[integer] = new_lo + 0.0
    upper[integer] = new_hi + 0.0
    return changed


def _row_hashes(norm: NormalizedModel, coef_ids: IntArray) -> UIntArray:
    """A 64-bit hash of each half-space's (column, coefficient id) multiset (collisions checked by the caller)."""
    with np.errstate(over="ignore"):
        key = norm.A.indices.astype(np.uint64) * np.uint64(1_000_003) + coef_ids.astype(np.uint64)
        term = splitmix64(key)
        row_len = np.diff(norm.A.indptr)
        out = splitmix64(row_len.astype(np.uint64) + _ROW_SALT)
        nonempty = row_len > 0
        if norm.A.nnz:
            out[nonempty] += np.add.reduceat(term, norm.A.indptr[:-1][nonempty])
    return out


def _merge_parallel_rows(norm: NormalizedModel, rel_tol: float, abs_tol: float) -> None:
    """N9 in place: among half-spaces with equal coefficients keep the one with the smallest rhs."""
    coef_ids = cluster_ids(norm.A.data, rel_tol, abs_tol).ids
    hashes = _row_hashes(norm, coef_ids)
    order = np.lexsort((norm.rhs, hashes))
    h_sorted = hashes[order]
    dup_start = np.flatnonzero(h_sorted[1:] == h_sorted[:-1])
    if dup_start.size == 0:
        return
    drop = np.zeros(norm.num_rows, dtype=bool)
    indptr, indices = norm.A.indptr, norm.A.indices
    # Walk each run of equal hashes; verify true equality (hash collisions must not merge rows).
    k = 0
    size = order.size
    while k < size - 1:
        if h_sorted[k + 1] != h_sorted[k]:
            k += 1
            continue
        end = k
        while end + 1 < size and h_sorted[end + 1] == h_sorted[k]:
            end += 1
        members = order[k : end + 1].tolist()  # rhs ascending within the run
        kept: list[int] = []
        for r in members:
            r_cols = indices[indptr[r] : indptr[r + 1]]
            r_ids = coef_ids[indptr[r] : indptr[r + 1]]
            for s in kept:
                s_cols = indices[indptr[s] : indptr[s + 1]]
                if (
                    r_cols.size == s_cols.size
                    and np.array_equal(r_cols, s_cols)
                    and np.array_equal(r_ids, coef_ids[indptr[s] : indptr[s + 1]])
                ):
                    drop[r] = True
                    norm.absorbed[norm.row_label(r)] = f"parallel to {norm.row_label(s)} (looser or equal)"
                    break
            else:
                kept.append(r)
        k = end + 1
    if not drop.any():
        return
    _keep_rows(norm, np.flatnonzero(~drop))
    norm.fired[Rule.PARALLEL_ROWS_MERGED] = norm.fired.get(Rule.PARALLEL_ROWS_MERGED, 0) + int(drop.sum())


def _keep_rows(norm: NormalizedModel, keep: IntArray) -> None:
    norm.A = norm.A[keep]
    norm.rhs = norm.rhs[keep]
    norm.row_origin = norm.row_origin[keep]
    norm.row_side = norm.row_side[keep]
    norm.row_scale = norm.row_scale[keep]
    norm.row_equality = norm.row_equality[keep]
    norm.row_partner = norm.row_partner[keep]


def _canonical_sign(a: FloatArray, b: float, rel_tol: float, abs_tol: float) -> int:
    """+1 to keep ``a·x = b`` as is, -1 to negate it, 0 when no order-free rule can choose (see N10)."""
    if abs(b) > abs_tol:
        return 1 if b > 0 else -1
    for k in (1, 3, 5):
        moment = float(np.sum(a**k))
        if abs(moment) > rel_tol * float(np.sum(np.abs(a) ** k)):
            return 1 if moment > 0 else -1
    return 0


def _merge_equalities(norm: NormalizedModel, rel_tol: float, abs_tol: float) -> None:
    """N10 in place: pairs of exactly negated half-spaces become one equality with a canonical sign."""
    m, nnz = norm.num_rows, norm.nnz
    coef = cluster_ids(np.concatenate([norm.A.data, -norm.A.data]), rel_tol, abs_tol).ids
    rhs = cluster_ids(np.concatenate([norm.rhs, -norm.rhs]), rel_tol, abs_tol).ids
    pos = _row_hashes(norm, coef[:nnz]) ^ splitmix64(rhs[:m].astype(np.uint64))
    neg = _row_hashes(norm, coef[nnz:]) ^ splitmix64(rhs[m:].astype(np.uint64))
    by_hash: dict[int, list[int]] = {}
    for k, h in enumerate(pos.tolist()):
        by_hash.setdefault(h, []).append(k)
    indptr, indices = norm.A.indptr, norm.A.indices
    partner = np.full(m, -1, dtype=np.int64)
    for k, h in enumerate(neg.tolist()):
        if partner[k] >= 0 or h not in by_hash:
            continue
        lo, hi = indptr[k], indptr[k + 1]
        for other in by_hash[h]:
            if other == k or partner[other] >= 0:
                continue
            o_lo, o_hi = indptr[other], indptr[other + 1]
            if (
                rhs[other] == rhs[m + k]
                and np.array_equal(indices[lo:hi], indices[o_lo:o_hi])
                and np.array_equal(coef[o_lo:o_hi], coef[nnz + lo : nnz + hi])
            ):
                partner[k], partner[other] = other, k
                break
    drop = np.zeros(m, dtype=bool)
    merged = 0
    for k in np.flatnonzero(partner > np.arange(m)).tolist():
        other = int(partner[k])
        sign = _canonical_sign(norm.A.data[indptr[k] : indptr[k + 1]], float(norm.rhs[k]), rel_tol, abs_tol)
        if sign == 0:
            continue  # negation-symmetric (x - y = 0): stays two half-spaces
        keep, gone = (k, other) if sign > 0 else (other, k)
        drop[gone] = True
        norm.row_equality[keep] = True
        if norm.row_origin[gone] != norm.row_origin[keep]:
            norm.row_partner[keep] = norm.row_origin[gone]
            gone_name = norm.row_name(gone)
            norm.absorbed[gone_name] = f"forms the equality {norm.row_name(keep)} with it"
        merged += 1
    if merged:
        _keep_rows(norm, np.flatnonzero(~drop))
        norm.fired[Rule.EQUALITIES] = norm.fired.get(Rule.EQUALITIES, 0) + merged


def _eliminate_slacks(
    A: sp.csr_matrix,
    entry_row: IntArray,
    row_active: BoolArray,
    col_active: BoolArray,
    lower: FloatArray,
    upper: FloatArray,
    integer: BoolArray,
    c: FloatArray,
    rlo: FloatArray,
    rhi: FloatArray,
    rel_tol: float,
    abs_tol: float,
    names: list[str],
    row_names: list[str],
    removed: dict[str, str],
    reformulations: list[str],
) -> int:
    """N11 in place: slack and surplus columns of equality rows are projected out; returns how many.

    A column ``y`` qualifies when it is continuous, has zero objective cost, at least one finite bound (a
    free column would make the row vacuous; left alone) and occurs in exactly one active row, and that row is
    an equality ``a·x + s·y = b``. Then ``a·x = b - s·y`` with ``y`` in ``[l, u]`` is the same as
    ``a·x`` in ``[b - max(s·y), b - min(s·y)]``: the row becomes an inequality (one finite bound) or a ranged
    row (two) and the column is deleted.

    Why this is safe: ``y`` is constrained by nothing but its bounds and this row and contributes nothing
    to the objective, so for every ``x`` satisfying the new interval ``y = (b - a·x) / s`` lies in
    ``[l, u]`` and completes a feasible point of equal cost, and conversely every feasible point of the old
    model satisfies the interval: the new model is the exact projection of the old one, with the same optimum
    and the same feasible ``x``. Integrality of ``y`` would break the first direction (``b - a·x`` need not
    be an integer multiple of ``s``), so integer columns are never eliminated. All slacks of one row are taken
    together (interval sums are commutative), so the result does not depend on column order.
    """
    n, m = col_active.size, row_active.size
    live = col_active[A.indices] & row_active[entry_row]
    col_count = np.bincount(A.indices[live], minlength=n)
    with np.errstate(invalid="ignore"):
        equality = row_active & np.isfinite(rlo) & np.isfinite(rhi) & close(rlo, rhi, rel_tol, abs_tol)
    slack = (
        col_active
        & ~integer
        & (c == 0.0)
        & (col_count == 1)
        & (np.isfinite(lower) | np.isfinite(upper))
        & (lower <= upper)
    )
    sel = live & slack[A.indices] & equality[entry_row]
    if not sel.any():
        return 0
    rows, cols, a = entry_row[sel], A.indices[sel], A.data[sel]
    with np.errstate(invalid="ignore"):
        lo_term, hi_term = a * lower[cols], a * upper[cols]
    lo_term = np.where(np.isnan(lo_term), 0.0, lo_term)  # 0 * inf cannot occur (a != 0); guard anyway
    hi_term = np.where(np.isnan(hi_term), 0.0, hi_term)
    smallest, largest = np.minimum(lo_term, hi_term), np.maximum(lo_term, hi_term)
    down, up = np.zeros(m), np.zeros(m)
    np.add.at(up, rows, largest)
    np.add.at(down, rows, smallest)
    touched = np.unique(rows)
    b = rlo[touched].copy()
    rlo[touched] = b - up[touched]
    rhi[touched] = b - down[touched]
    col_active[cols] = False
    for i, j, coef in zip(rows.tolist(), cols.tolist(), a.tolist(), strict=True):
        kind = "slack" if (coef > 0) == (math.isfinite(lower[j]) and lower[j] >= 0) else "surplus"
        removed[names[j]] = f"{kind} of {row_names[i]}, eliminated"
        reformulations.append(f"{kind} variable {names[j]} of {row_names[i]} was eliminated")
    return int(cols.size)


def _merge_free_splits(
    A: sp.csr_matrix,
    entry_row: IntArray,
    row_active: BoolArray,
    col_active: BoolArray,
    lower: FloatArray,
    upper: FloatArray,
    integer: BoolArray,
    c: FloatArray,
    rel_tol: float,
    abs_tol: float,
    names: list[str],
    removed: dict[str, str],
    reformulations: list[str],
) -> int:
    """N12 in place: a split free variable ``x = p - q`` becomes one free column; returns how many pairs.

    Two continuous columns ``p, q`` with bounds ``[0, inf)`` whose coefficients are exact negatives in every
    active row and in the objective (``A_q = -A_p``, ``c_q = -c_p``, within tolerance) are replaced by one
    free column ``x`` with ``p``'s coefficients; ``q`` is deleted.

    Why this is safe: the rows and the objective depend on ``(p, q)`` only through ``p - q``, which takes
    every real value, and every real ``x`` lifts to ``(max(x, 0), max(-x, 0))``: the map is an exact
    projection with equal objective values. Integrality is excluded (``p - q`` of integers is an integer,
    but the lift of a free integer is kept simple by not merging at all). Which partner of a group of equal
    columns is paired with which does not matter: equal columns are interchangeable, so any pairing gives
    the same model up to renaming. Keeping ``p`` rather than ``q`` fixes the sign of ``x``; N13 then gives
    every free column a canonical sign.
    """
    n = col_active.size
    cand = col_active & ~integer & close(lower, 0.0, rel_tol, abs_tol) & np.isinf(upper) & (upper > 0)
    if int(cand.sum()) < 2:
        return 0
    live = col_active[A.indices] & row_active[entry_row] & cand[A.indices]
    cols, rows, vals = A.indices[live], entry_row[live], A.data[live]
    order = np.lexsort((rows, cols))
    cols, rows, vals = cols[order], rows[order], vals[order]
    coef_ids = cluster_ids(np.concatenate([vals, -vals]), rel_tol, abs_tol).ids
    cand_idx = np.flatnonzero(cand)
    obj_ids = cluster_ids(np.concatenate([c[cand_idx], -c[cand_idx]]), rel_tol, abs_tol).ids
    obj_pos = dict(zip(cand_idx.tolist(), obj_ids[: cand_idx.size].tolist(), strict=True))
    obj_neg = dict(zip(cand_idx.tolist(), obj_ids[cand_idx.size :].tolist(), strict=True))
    starts = np.searchsorted(cols, np.arange(n + 1))
    positive: dict[tuple[object, ...], list[int]] = {}
    negative: dict[int, tuple[object, ...]] = {}
    k = vals.size
    for j in cand_idx.tolist():
        lo, hi = int(starts[j]), int(starts[j + 1])
        if lo == hi:
            continue  # in no row: nothing says it is a split
        pattern = tuple(rows[lo:hi].tolist())
        positive.setdefault((pattern, tuple(coef_ids[lo:hi].tolist()), obj_pos[j]), []).append(j)
        negative[j] = (pattern, tuple(coef_ids[k + lo : k + hi].tolist()), obj_neg[j])
    used: set[int] = set()
    merged = 0
    for q, key in negative.items():
        if q in used:
            continue
        for p in positive.get(key, []):
            if p != q and p not in used:
                used.update((p, q))
                lower[p], upper[p] = -math.inf, math.inf
                col_active[q] = False
                removed[names[q]] = f"negative part of the split free variable {names[p]} - {names[q]}"
                reformulations.append(f"split free variable {names[p]} - {names[q]} was merged into one")
                merged += 1
                break
    return merged


def _scale_columns(norm: NormalizedModel, rel_tol: float, abs_tol: float) -> None:
    """N13 in place: every continuous column gets a canonical sign (free columns) and a canonical scale.

    Substituting ``x_j = s_j * x~_j`` (``s_j > 0``, or ``s_j = -1`` times that for a free column) in a
    continuous column multiplies its coefficients and cost by ``s_j`` and divides its bounds by it. It is a
    bijection between the feasible sets with equal objective values, so it is always safe; integer columns
    are never touched (``x' = 2x`` of an integer changes the lattice). The point is to pick ``s`` so that two
    models that differ only by such substitutions (and positive row scalings, N8) end in the same form:

    * sign: a free column is negated when its cost is negative, or, with zero cost, when its entries in the
      ``<=`` half-spaces are mostly negative (the two halves of an equality cancel, so equalities, whose sign
      is chosen later, do not vote); a tie keeps the sign (at worst a missed match, never a wrong one);
    * scale: ``log s`` solves the least-squares problem ``min sum (log|a_ij| + r_i + log s_j)^2`` over row
      factors ``r`` and continuous column factors (integer columns fixed at 0). Its residuals are unique, and
      rescaling a row or a column of the input shifts ``r`` or ``log s`` by exactly that amount, so the
      scaled matrix is the same for all rescaled copies; the one freedom left in a connected part without an
      integer column (all its columns times ``t``, all its rows divided by ``t``) is fixed by making the
      largest ``|cost|`` of the part 1, else the largest finite non-zero bound, else the largest ``|rhs|``.

    Rows are then rescaled to ``max |a| = 1`` again (N8). A rescaled copy that still fails to match (float
    noise beyond the tolerance) is reported as not isomorphic, never the reverse: the verdict is checked on
    the normalised numbers entry by entry.
    """
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import spsolve

    n, m = norm.num_vars, norm.num_rows
    cont = ~norm.integer
    if n == 0 or not cont.any():
        return
    H = norm.A.tocsr()
    entry_row = np.repeat(np.arange(m), np.diff(H.indptr))
    cols = H.indices.astype(np.int64)
    sign = np.ones(n)
    free = cont & np.isinf(norm.lower) & np.isinf(norm.upper)
    if free.any():
        votes = np.bincount(cols, weights=np.sign(H.data), minlength=n)
        chosen = np.where(norm.objective != 0, np.sign(norm.objective), np.where(votes < 0, -1.0, 1.0))
        sign[free] = chosen[free]

    # Least squares in the log domain: unknowns r (m rows) then g (continuous columns).
    cont_idx = np.flatnonzero(cont)
    pos = np.full(n, -1, dtype=np.int64)
    pos[cont_idx] = m + np.arange(cont_idx.size)
    size = m + cont_idx.size
    logs = np.log(np.abs(H.data)) if H.nnz else np.zeros(0)
    is_cont = cont[cols]
    e_row, e_col = entry_row[is_cont], pos[cols[is_cont]]
    diag = np.zeros(size)
    diag[:m] = np.diff(H.indptr)
    diag[m:] = np.bincount(e_col - m, minlength=cont_idx.size) if e_col.size else 0.0
    rhs = np.zeros(size)
    rhs[:m] = -np.bincount(entry_row, weights=logs, minlength=m) if m else 0.0
    if e_col.size:
        rhs[m:] = -np.bincount(e_col - m, weights=logs[is_cont], minlength=cont_idx.size)
    link = sp.csr_matrix((np.ones(e_row.size), (e_row, e_col)), shape=(size, size))
    n_comp, comp = connected_components(link, directed=False)
    anchored = np.zeros(n_comp, dtype=bool)
    if m:
        has_integer = np.bincount(entry_row[~is_cont], minlength=m) > 0
        anchored[comp[:m][has_integer]] = True
    ground = np.zeros(size, dtype=bool)
    first = np.full(n_comp, -1, dtype=np.int64)
    for node in range(size - 1, -1, -1):
        first[comp[node]] = node
    ground[first[~anchored]] = True
    off = link + link.T
    keep = ~ground
    off = sp.diags(keep.astype(float)) @ off @ sp.diags(keep.astype(float))
    system = (off + sp.diags(np.where(ground, 1.0, diag))).tocsc()
    rhs[ground] = 0.0
    solution = np.asarray(spsolve(system, rhs), dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(solution)):
        return
    scale = np.ones(n)
    scale[cont_idx] = np.exp(solution[m:])

    # Fix the remaining freedom of each part without an integer column.
    row_max = _row_max(H, scale)
    for part in np.flatnonzero(~anchored).tolist():
        members = comp == part
        jj = cont_idx[members[m:]]
        rows = np.flatnonzero(members[:m])
        costs = np.abs(norm.objective[jj] * scale[jj])
        if np.any(costs > abs_tol):
            t = 1.0 / float(costs.max())
        else:
            bounds = np.abs(np.concatenate([norm.lower[jj], norm.upper[jj]]) / np.tile(scale[jj], 2))
            bounds = bounds[np.isfinite(bounds) & (bounds > abs_tol)]
            if bounds.size:
                t = float(bounds.max())
            else:
                sides = np.abs(norm.rhs[rows] / np.where(row_max[rows] > 0, row_max[rows], 1.0))
                sides = sides[sides > abs_tol]
                t = float(sides.max()) if sides.size else 1.0
        scale[jj] *= t
    scale *= sign
    if np.all(scale == 1.0):
        return
    H = H.copy()
    H.data = H.data * scale[cols]
    lower, upper = norm.lower / scale, norm.upper / scale
    flip = scale < 0
    norm.lower = np.where(flip, upper, lower) + 0.0
    norm.upper = np.where(flip, lower, upper) + 0.0
    norm.objective = norm.objective * scale + 0.0
    factor = _row_max(H, np.ones(n))
    factor[factor == 0] = 1.0
    H.data /= np.repeat(factor, np.diff(H.indptr))
    norm.A = H
    norm.rhs = norm.rhs / factor + 0.0
    norm.row_scale = norm.row_scale * factor
    norm.col_scale = scale
    changed = int(np.sum(~close(scale, 1.0, rel_tol, abs_tol)))
    if changed:
        norm.fired[Rule.COLUMNS_SCALED] = norm.fired.get(Rule.COLUMNS_SCALED, 0) + changed
        norm.reformulations.append(f"{changed} continuous column(s) were given a canonical sign and scale")


def _row_max(H: sp.csr_matrix, scale: FloatArray) -> FloatArray:
    """``max_j |H_kj * scale_j|`` of every row (0 for an empty row)."""
    out = np.zeros(H.shape[0])
    row_len = np.diff(H.indptr)
    nonempty = row_len > 0
    if H.nnz:
        out[nonempty] = np.maximum.reduceat(np.abs(H.data * scale[H.indices]), H.indptr[:-1][nonempty])
    return out
