"""Explanations: when two models are not isomorphic, say what does not match, by name.

Contract: `explain(candidate, reference, structural)` returns typed `Difference` items a person (or an LLM in a
repair loop) can act on, e.g. "constraint `demand_3` of the reference has no exact counterpart; the closest
candidate row `d3` differs in the coefficient of `ship[P2,M3]` (4 vs 5)". It never changes a verdict: it is
a best-effort reading of a pair already decided, built from a cheap partial correspondence:

1. nodes whose colour is unique in both graphs at some refinement round are paired, deepest round first
   (equal colours at round t mean equal t-step neighbourhoods, numbers included);
2. remaining variables and rows with the same name are paired;
3. remaining rows are paired greedily by how many paired variables (and equal coefficients) they share, then
   variables by shared paired rows, twice; leftovers are paired by equal labels;
4. every pair is compared (vectorised), and unpaired rows/variables are "without counterpart".

Numbers in messages are in the *reference's* units: a candidate row that is the reference row times 2 is
shown divided by 2, a candidate that maximises is shown in the reference's sense.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from eval.graph import GraphPair, build_pair
from eval.isomorphism import StructuralResult
from eval.normalize import NormalizedModel
from eval.numeric import close, cluster_ids, dense_ids
from eval.refine import Refinement, UnionGraph, refine, union_of
from solvers.arrays import BoolArray, IntArray, UIntArray

__all__ = ["Correspondence", "Difference", "DifferenceKind", "correspond", "explain"]

_MAX_CONTEXT_DEGREE = 400
"""Context columns (variables or rows) used by more items than this are ignored when scoring similarity."""
_MAX_SCORE_ENTRIES = 2_000_000
_MAX_CHOICES = 40
"""At most this many members of a colour class are weighed against each other when choosing a pair."""
_MAX_VAR_PAIRS = 5000
"""At most this many differing variable pairs are described (the rest are counted)."""


class DifferenceKind(StrEnum):
    """What a `Difference` is about."""

    SIZE = "size"
    STRUCTURE = "structure"
    CONSTRAINT = "constraint"
    COEFFICIENT = "coefficient"
    RHS = "rhs"
    SENSE = "sense"
    VARIABLE = "variable"
    BOUND = "bound"
    INTEGRALITY = "integrality"
    OBJECTIVE = "objective"
    OBJECTIVE_SENSE = "objective_sense"
    OBJECTIVE_CONSTANT = "objective_constant"
    INFEASIBLE = "infeasible"
    STATUS = "status"
    OBJECTIVE_VALUE = "objective_value"


class Difference(BaseModel):
    """One thing that differs between candidate and reference."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DifferenceKind = Field(description="Category of the difference.")
    where: str = Field(description="The element concerned, named as in the reference when it has one.")
    candidate: str | None = Field(default=None, description="The candidate's side (a value or a row written out).")
    reference: str | None = Field(default=None, description="The reference's side (a value or a row written out).")
    message: str = Field(description="One sentence a person can act on.")


@dataclass(eq=False)
class Correspondence:
    """A partial pairing of normalised columns and half-spaces (-1: no partner)."""

    var_c2r: IntArray
    var_r2c: IntArray
    row_c2r: IntArray
    row_r2c: IntArray


# ---------------------------------------------------------------------------------------------- pairing
def _link(c2r: IntArray, r2c: IntArray, cs: IntArray, rs: IntArray) -> None:
    c2r[cs] = rs
    r2c[rs] = cs


def _cascade(refinement: Refinement, c2r: IntArray, r2c: IntArray, *, first_round: int = 1) -> None:
    """Pair nodes whose colour is unique among unpaired nodes on both sides, deepest round first.

    Round 0 (the bare labels) is skipped by default: a unique right-hand side alone is weak evidence.
    """
    split = refinement.num_candidate_nodes
    for colours in reversed(refinement.history[first_round:]):
        uc, ur = np.flatnonzero(c2r < 0), np.flatnonzero(r2c < 0)
        if uc.size == 0 or ur.size == 0:
            return
        vc, ic, nc = np.unique(colours[uc], return_index=True, return_counts=True)
        vr, ir, nr = np.unique(colours[split + ur], return_index=True, return_counts=True)
        _, a, b = np.intersect1d(vc[nc == 1], vr[nr == 1], assume_unique=True, return_indices=True)
        _link(c2r, r2c, uc[ic[nc == 1][a]], ur[ir[nr == 1][b]])


def _pair_by_keys(keys_c: list[str], keys_r: list[str], c2r: IntArray, r2c: IntArray) -> None:
    """Pair unpaired items with equal keys when the key is unique among the unpaired items on both sides."""

    def unique_index(keys: list[str], free: BoolArray) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i in np.flatnonzero(free).tolist():
            seen[keys[i]] = -1 if keys[i] in seen else i
        return {k: v for k, v in seen.items() if v >= 0}

    ic = unique_index(keys_c, c2r < 0)
    ir = unique_index(keys_r, r2c < 0)
    common = sorted(ic.keys() & ir.keys())
    if common:
        _link(c2r, r2c, np.array([ic[k] for k in common]), np.array([ir[k] for k in common]))


def _greedy_similar(
    ctx_c: sp.csr_matrix,
    lab_c: IntArray,
    ctx_r: sp.csr_matrix,
    lab_r: IntArray,
    node_lab_c: IntArray,
    node_lab_r: IntArray,
    c2r: IntArray,
    r2c: IntArray,
) -> None:
    """Pair unpaired items greedily by shared (paired) context and equal labels.

    ``ctx_c`` (items × shared context space) holds the candidate items' mapped context; ``lab_c`` the label of
    each stored entry (same order as ``ctx_c.data``); likewise for the reference.
    """
    uc, ur = np.flatnonzero(c2r < 0), np.flatnonzero(r2c < 0)
    if uc.size == 0 or ur.size == 0 or ctx_c.nnz == 0 or ctx_r.nnz == 0:
        return
    width = ctx_c.shape[1]
    deg = np.bincount(ctx_c.indices, minlength=width) + np.bincount(ctx_r.indices, minlength=width)
    usable = deg <= _MAX_CONTEXT_DEGREE

    def entries(ctx: sp.csr_matrix, lab: IntArray, items: IntArray) -> tuple[IntArray, IntArray, IntArray]:
        rows = np.repeat(np.arange(ctx.shape[0]), np.diff(ctx.indptr))
        keep = (ctx.data > 0) & np.isin(rows, items) & usable[ctx.indices]
        return rows[keep], ctx.indices[keep].astype(np.int64), lab[keep]

    rc, xc, lc = entries(ctx_c, lab_c, uc)
    rr, xr, lr = entries(ctx_r, lab_r, ur)
    if rc.size == 0 or rr.size == 0:
        return
    n_c, n_r = ctx_c.shape[0], ctx_r.shape[0]
    one_c = sp.csr_matrix((np.ones(rc.size), (rc, xc)), shape=(n_c, width))
    one_r = sp.csr_matrix((np.ones(rr.size), (rr, xr)), shape=(n_r, width))
    stride = int(max(lc.max(initial=0), lr.max(initial=0))) + 1
    keys = dense_ids(np.concatenate([xc * stride + lc, xr * stride + lr]))
    k = int(keys.max()) + 1
    key_c = sp.csr_matrix((np.ones(rc.size), (rc, keys[: rc.size])), shape=(n_c, k))
    key_r = sp.csr_matrix((np.ones(rr.size), (rr, keys[rc.size :])), shape=(n_r, k))
    shared = (one_c @ one_r.T).tocoo()
    if shared.nnz == 0 or shared.nnz > _MAX_SCORE_ENTRIES:
        return
    equal = (key_c @ key_r.T).tocsr()
    score = shared.data + 2.0 * np.asarray(equal[shared.row, shared.col]).reshape(-1)
    score += (node_lab_c[shared.row] == node_lab_r[shared.col]).astype(float)
    order = np.lexsort((shared.col, shared.row, -score))
    for i, j in zip(shared.row[order].tolist(), shared.col[order].tolist(), strict=True):
        if c2r[i] < 0 and r2c[j] < 0:
            c2r[i] = j
            r2c[j] = i


def _pair_by_label(lab_c: IntArray, lab_r: IntArray, c2r: IntArray, r2c: IntArray) -> None:
    """Pair leftovers with equal labels, in index order (they are indistinguishable by cheap means)."""
    uc, ur = np.flatnonzero(c2r < 0), np.flatnonzero(r2c < 0)
    if uc.size == 0 or ur.size == 0:
        return
    for value in np.intersect1d(lab_c[uc], lab_r[ur]).tolist():
        a = uc[lab_c[uc] == value]
        b = ur[lab_r[ur] == value]
        k = min(a.size, b.size)
        _link(c2r, r2c, a[:k], b[:k])


def _mapped_rows(norm: NormalizedModel, var_map: IntArray | None, width: int) -> sp.csr_matrix:
    """Rows of ``norm.A`` with columns mapped by `var_map` (unmapped entries kept as explicit zeros)."""
    a = norm.A
    cols = a.indices.astype(np.int64) if var_map is None else var_map[a.indices]
    data = (cols >= 0).astype(np.float64)
    cols = np.where(cols >= 0, cols, 0)
    return sp.csr_matrix((data, cols, a.indptr.copy()), shape=(norm.num_rows, width))


def _mapped_cols(norm: NormalizedModel, row_map: IntArray | None, width: int) -> tuple[sp.csr_matrix, IntArray]:
    """Columns of ``norm.A`` as rows, with row indices mapped; returns the matrix and the entry order used."""
    a = norm.A
    rows = np.repeat(np.arange(norm.num_rows, dtype=np.int64), np.diff(a.indptr))
    mapped = rows if row_map is None else row_map[rows]
    order = np.lexsort((rows, a.indices))
    cols_sorted = a.indices[order].astype(np.int64)
    indptr = np.zeros(norm.num_vars + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols_sorted, minlength=norm.num_vars), out=indptr[1:])
    ctx = mapped[order]
    data = (ctx >= 0).astype(np.float64)
    return sp.csr_matrix((data, np.where(ctx >= 0, ctx, 0), indptr), shape=(norm.num_vars, width)), order


def _individualise(
    union: UnionGraph,
    refinement: Refinement,
    node_c2r: IntArray,
    node_r2c: IntArray,
    *,
    max_steps: int,
    deadline: float,
) -> None:
    """Extend the pairing the way an isomorphism search would, without backtracking.

    Paired nodes become anchors (a colour of their own, shared with the partner); colours are refined again
    from the labels, nodes that become unique on both sides are paired (deepest round first), and one more
    pair is taken from the smallest class, at the deepest round, that has unpaired nodes on both sides. On
    symmetric parts (identical bins, uniform assignments) any choice is as good as another, but the choices
    must fit together, which anchoring ensures; near a real difference the deepest shared round still
    carries the local structure.
    """
    split = refinement.num_candidate_nodes
    labels = refinement.history[0]
    fresh = int(labels.max()) + 1 if labels.size else 0
    for _ in range(max_steps):
        paired = np.flatnonzero(node_c2r >= 0)
        start = labels.copy()
        start[paired] = fresh + np.arange(paired.size)
        start[split + node_c2r[paired]] = fresh + np.arange(paired.size)
        current = refine(union, start, deadline=deadline)
        _cascade(current, node_c2r, node_r2c)
        if time.perf_counter() > deadline:
            return
        uc, ur = np.flatnonzero(node_c2r < 0), np.flatnonzero(node_r2c < 0)
        if uc.size == 0 or ur.size == 0:
            return
        for colours in reversed(current.history):
            cc, cr = colours[uc], colours[split + ur]
            common = np.intersect1d(cc, cr)
            if common.size:
                k = int(colours.max()) + 1
                sizes = np.bincount(cc, minlength=k)[common] + np.bincount(cr, minlength=k)[common]
                target = common[int(np.argmin(sizes))]
                u, v = _best_pair(union, uc[cc == target][:_MAX_CHOICES], ur[cr == target][:_MAX_CHOICES], node_c2r)
                _link(node_c2r, node_r2c, np.array([u]), np.array([v]))
                break
        else:
            return


def _best_pair(union: UnionGraph, cands: IntArray, refs: IntArray, node_c2r: IntArray) -> tuple[int, int]:
    """The (candidate, reference) pair from two equally coloured groups that shares most paired neighbours."""
    split = union.num_candidate_nodes

    def neighbours(node: int) -> tuple[IntArray, UIntArray]:
        lo, hi = union.indptr[node], union.indptr[node + 1]
        return union.dst[lo:hi], union.edge_hash[lo:hi]

    ref_sets = []
    for v in refs.tolist():
        nodes, hashes = neighbours(split + v)
        ids = (nodes - split).tolist()
        ref_sets.append((set(ids), set(zip(ids, hashes.tolist(), strict=True))))
    best, best_score = (int(cands[0]), int(refs[0])), -1
    for u in cands.tolist():
        nodes, hashes = neighbours(u)
        mapped = node_c2r[nodes]
        keep = mapped >= 0
        ids = mapped[keep].tolist()
        c_nodes, c_edges = set(ids), set(zip(ids, hashes[keep].tolist(), strict=True))
        for v, (r_nodes, r_edges) in zip(refs.tolist(), ref_sets, strict=True):
            score = len(c_nodes & r_nodes) + len(c_edges & r_edges)
            if score > best_score:
                best, best_score = (int(u), int(v)), score
    return best


def correspond(
    candidate: NormalizedModel,
    reference: NormalizedModel,
    pair: GraphPair,
    refinement: Refinement,
    union: UnionGraph | None = None,
    *,
    time_budget: float = 0.5,
    max_steps: int = 200,
) -> Correspondence:
    """Build the best cheap partial correspondence (see the module docstring)."""
    deadline = time.perf_counter() + time_budget
    n1, n2 = candidate.num_vars, reference.num_vars
    m1, m2 = candidate.num_rows, reference.num_rows
    node_c2r = np.full(n1 + m1, -1, dtype=np.int64)
    node_r2c = np.full(n2 + m2, -1, dtype=np.int64)
    _cascade(refinement, node_c2r, node_r2c)

    def row_key(norm: NormalizedModel, k: int) -> str:
        if norm.row_equality[k]:
            return "\x00".join(sorted(norm.origin_names(k)))
        return norm.row_name(k) + (f"\x00{int(norm.row_side[k])}" if norm.is_two_sided(k) else "")

    def node_keys(norm: NormalizedModel) -> list[str]:
        rows = [row_key(norm, k) for k in range(norm.num_rows)]
        return [f"v\x00{name}" for name in norm.var_names] + [f"r\x00{name}" for name in rows]

    _pair_by_keys(node_keys(candidate), node_keys(reference), node_c2r, node_r2c)
    _individualise(
        union if union is not None else union_of(pair),
        refinement,
        node_c2r,
        node_r2c,
        max_steps=max_steps,
        deadline=deadline,
    )
    # Node pairs are of the same kind (labels carry the kind); split into variables and rows.
    var_c2r = np.where(node_c2r[:n1] >= 0, node_c2r[:n1], -1)
    row_c2r = np.where(node_c2r[n1:] >= n2, node_c2r[n1:] - n2, -1)
    var_r2c = np.full(n2, -1, dtype=np.int64)
    row_r2c = np.full(m2, -1, dtype=np.int64)
    var_r2c[var_c2r[var_c2r >= 0]] = np.flatnonzero(var_c2r >= 0)
    row_r2c[row_c2r[row_c2r >= 0]] = np.flatnonzero(row_c2r >= 0)

    var_lab_c, var_lab_r = pair.candidate.labels[:n1], pair.reference.labels[:n2]
    row_lab_c, row_lab_r = pair.candidate.labels[n1:], pair.reference.labels[n2:]
    ref_rows = _mapped_rows(reference, None, n2)
    ref_cols, ref_order = _mapped_cols(reference, None, m2)
    for _ in range(2):
        _greedy_similar(
            _mapped_rows(candidate, var_c2r, n2),
            pair.candidate.edge_label,
            ref_rows,
            pair.reference.edge_label,
            row_lab_c,
            row_lab_r,
            row_c2r,
            row_r2c,
        )
        cand_cols, cand_order = _mapped_cols(candidate, row_c2r, m2)
        _greedy_similar(
            cand_cols,
            pair.candidate.edge_label[cand_order],
            ref_cols,
            pair.reference.edge_label[ref_order],
            var_lab_c,
            var_lab_r,
            var_c2r,
            var_r2c,
        )
    _pair_by_label(row_lab_c, row_lab_r, row_c2r, row_r2c)
    _pair_by_label(var_lab_c, var_lab_r, var_c2r, var_r2c)
    return Correspondence(var_c2r=var_c2r, var_r2c=var_r2c, row_c2r=row_c2r, row_r2c=row_r2c)


# ---------------------------------------------------------------------------------------------- comparing pairs
def _num(x: float) -> str:
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.10g}"


def _row_equal(
    candidate: NormalizedModel, reference: NormalizedModel, cor: Correspondence, rel_tol: float, abs_tol: float
) -> BoolArray:
    """For every reference half-space: True when it is paired and equal (terms and rhs) to its partner."""
    n2, m2 = reference.num_vars, reference.num_rows
    ca, ra = candidate.A, reference.A
    c_rows = np.repeat(np.arange(candidate.num_rows), np.diff(ca.indptr))
    r_rows = np.repeat(np.arange(m2), np.diff(ra.indptr))
    mr, mj = cor.row_c2r[c_rows], cor.var_c2r[ca.indices]
    valid = (mr >= 0) & (mj >= 0)
    keys_c = mr[valid] * max(n2, 1) + mj[valid]
    keys_r = r_rows * max(n2, 1) + ra.indices
    order = np.argsort(keys_r, kind="stable")
    sorted_r = keys_r[order]
    pos = np.searchsorted(sorted_r, keys_c)
    pos_ok = pos < sorted_r.size
    found = np.zeros(keys_c.size, dtype=bool)
    found[pos_ok] = sorted_r[pos[pos_ok]] == keys_c[pos_ok]
    value_ok = np.zeros(keys_c.size, dtype=bool)
    if found.any():
        value_ok[found] = close(ca.data[valid][found], ra.data[order[pos[found]]], rel_tol, abs_tol)
    good = np.bincount(mr[valid][value_ok], minlength=m2)
    ref_len = np.diff(ra.indptr)
    cand_len = np.diff(ca.indptr)
    partner = cor.row_r2c
    paired = partner >= 0
    equal = np.zeros(m2, dtype=bool)
    p = partner[paired]
    equal[paired] = (
        (good[paired] == ref_len[paired])
        & (cand_len[p] == ref_len[paired])
        & close(candidate.rhs[p], reference.rhs[paired], rel_tol, abs_tol)
        & (candidate.row_equality[p] == reference.row_equality[paired])
    )
    return equal


def _var_name_pair(candidate: NormalizedModel, reference: NormalizedModel, jc: int, jr: int) -> str:
    r_name, c_name = reference.var_name(jr), candidate.var_name(jc)
    return f"`{r_name}`" if r_name == c_name else f"`{r_name}` (candidate `{c_name}`)"


def _best_ratio(
    c_terms: dict[int, float], r_terms: dict[int, float], rhs_c: float, rhs_r: float, rel_tol: float, abs_tol: float
) -> float:
    """The factor t that makes most of ``t * candidate`` equal to the reference (ties: closest to 1)."""
    ratios = [r_terms[j] / c_terms[j] for j in r_terms.keys() & c_terms.keys()]
    if rhs_c != 0.0 and rhs_r != 0.0 and np.isfinite(rhs_c) and np.isfinite(rhs_r):
        ratios.append(rhs_r / rhs_c)
    if not ratios:
        return 1.0
    values = np.array(ratios)
    ids = cluster_ids(values, rel_tol, abs_tol).ids
    counts = np.bincount(ids)
    best = np.flatnonzero(counts == counts.max())
    centres = np.array([np.median(values[ids == b]) for b in best])
    return float(centres[np.argmin(np.abs(np.log(np.abs(centres))))])


def _describe_row_pair(
    candidate: NormalizedModel,
    reference: NormalizedModel,
    cor: Correspondence,
    kc: int,
    kr: int,
    rel_tol: float,
    abs_tol: float,
) -> Difference | None:
    factor = float(reference.row_scale[kr] * reference.row_side[kr])
    ra, ca = reference.A, candidate.A
    r_terms = dict(
        zip(
            ra.indices[ra.indptr[kr] : ra.indptr[kr + 1]].tolist(),
            ra.data[ra.indptr[kr] : ra.indptr[kr + 1]].tolist(),
            strict=True,
        )
    )
    c_terms: dict[int, float] = {}
    c_extra: list[tuple[int, float]] = []
    for j, a in zip(
        ca.indices[ca.indptr[kc] : ca.indptr[kc + 1]].tolist(),
        ca.data[ca.indptr[kc] : ca.indptr[kc + 1]].tolist(),
        strict=True,
    ):
        mapped = int(cor.var_c2r[j])
        if mapped >= 0:
            c_terms[mapped] = a
        else:
            c_extra.append((j, a))
    r_name, c_name = reference.row_name(kr), candidate.row_name(kc)
    c_text = candidate.source.format_row(int(candidate.row_origin[kc]))
    r_text = reference.source.format_row(int(reference.row_origin[kr]))
    rhs_c, rhs_r = float(candidate.rhs[kc]), float(reference.rhs[kr])

    # Align the candidate row to the reference's scale: the most common ratio r_j / c_j (rhs included) wins,
    # so a row that differs in one coefficient is not reported as differing in all the others after N8.
    t = _best_ratio(c_terms, r_terms, rhs_c, rhs_r, rel_tol, abs_tol)
    details: list[tuple[DifferenceKind, str]] = []
    # Senses as the reference writes the row (its side decides whether the normal form's <= reads as >=).
    side = float(reference.row_side[kr])
    r_sense = "=" if reference.row_equality[kr] else ("<=" if side > 0 else ">=")
    c_sense = "=" if candidate.row_equality[kc] else ("<=" if t * side > 0 else ">=")
    if c_sense != r_sense:
        details.append((DifferenceKind.SENSE, f"the sense (`{c_sense}` vs `{r_sense}`)"))
    c_index = cor.var_r2c
    for j in sorted(r_terms, key=lambda x: reference.var_name(x)):
        if j in c_terms:
            if not close(c_terms[j] * t, r_terms[j], rel_tol, abs_tol):
                details.append(
                    (
                        DifferenceKind.COEFFICIENT,
                        f"the coefficient of {_var_name_pair(candidate, reference, int(c_index[j]), j)} "
                        f"({_num(c_terms[j] * t * factor)} vs {_num(r_terms[j] * factor)})",
                    )
                )
        else:
            details.append(
                (DifferenceKind.CONSTRAINT, f"the term in `{reference.var_name(j)}` (missing in the candidate)")
            )
    for j in sorted(c_terms.keys() - r_terms.keys(), key=lambda x: reference.var_name(x)):
        details.append(
            (
                DifferenceKind.CONSTRAINT,
                f"an extra term in {_var_name_pair(candidate, reference, int(c_index[j]), j)} "
                f"(coefficient {_num(c_terms[j] * t * factor)})",
            )
        )
    for j, a in c_extra:
        details.append(
            (
                DifferenceKind.CONSTRAINT,
                f"an extra term in `{candidate.var_name(j)}` (coefficient {_num(a * t * factor)})",
            )
        )
    if not close(rhs_c * t, rhs_r, rel_tol, abs_tol):
        details.append(
            (DifferenceKind.RHS, f"the right-hand side ({_num(rhs_c * t * factor)} vs {_num(rhs_r * factor)})")
        )
    if not details:
        return None
    kinds = {kind for kind, _ in details}
    kind = kinds.pop() if len(kinds) == 1 else DifferenceKind.CONSTRAINT
    shown = [text for _, text in details[:3]]
    more = f" and {len(details) - 3} more" if len(details) > 3 else ""
    return Difference(
        kind=kind,
        where=f"constraint {r_name}",
        candidate=c_text,
        reference=r_text,
        message=f"constraint `{r_name}` of the reference has no exact counterpart; the closest candidate row "
        f"`{c_name}` differs in " + ", ".join(shown) + more,
    )


def _describe_unpaired_row(norm: NormalizedModel, k: int, is_reference: bool) -> Difference:
    """A row without any partner."""
    name = norm.row_name(k)
    text = norm.source.format_row(int(norm.row_origin[k]))
    whose = "of the reference" if is_reference else "of the candidate"
    other_side = "candidate" if is_reference else "reference"
    return Difference(
        kind=DifferenceKind.CONSTRAINT,
        where=f"constraint {name}",
        candidate=None if is_reference else text,
        reference=text if is_reference else None,
        message=f"constraint `{name}` {whose} has no counterpart in the {other_side}: {text}",
    )


def _names(labels: list[str], shown: int = 4) -> str:
    text = ", ".join(labels[:shown])
    return text + (f" and {len(labels) - shown} more" if len(labels) > shown else "")


def _var_differences(
    candidate: NormalizedModel,
    reference: NormalizedModel,
    pairs: list[tuple[int, int]],
    rel_tol: float,
    abs_tol: float,
    objective_negated: bool,
) -> list[Difference]:
    """Differences of paired columns, grouped: "6 variables are integer in the candidate but continuous ..."."""
    groups: dict[tuple[str, ...], list[tuple[str, str, str, str]]] = {}
    objective: list[tuple[str, str, float, float]] = []
    sign = -1.0 if reference.flipped else 1.0
    for jr, jc in pairs:
        label = _var_name_pair(candidate, reference, jc, jr)
        name = reference.var_name(jr)
        if bool(candidate.integer[jc]) != bool(reference.integer[jr]):
            kinds = ("integer", "continuous") if candidate.integer[jc] else ("continuous", "integer")
            groups.setdefault(("integrality", *kinds), []).append((label, name, kinds[0], kinds[1]))
        for side, c_val, r_val in (
            ("lower", candidate.lower[jc], reference.lower[jr]),
            ("upper", candidate.upper[jc], reference.upper[jr]),
        ):
            if not close(c_val, r_val, rel_tol, abs_tol):
                groups.setdefault(("bound", side, _num(c_val), _num(r_val)), []).append(
                    (label, name, _num(c_val), _num(r_val))
                )
        if not objective_negated and not close(candidate.objective[jc], reference.objective[jr], rel_tol, abs_tol):
            objective.append(
                (label, name, float(candidate.objective[jc] * sign), float(reference.objective[jr] * sign))
            )
    # Objective coefficients that all differ by one factor (a unit or a scaled parameter) form one group.
    if len(objective) >= 2:
        ratios = np.array([c / r if r != 0 else np.nan for _, _, c, r in objective])
        finite = np.isfinite(ratios)
        if finite.sum() >= 2:
            ids = cluster_ids(np.where(finite, ratios, 0.0), rel_tol, abs_tol).ids
            counts = np.bincount(ids[finite])
            best = int(np.argmax(counts))
            if counts[best] >= 2:
                factor = float(np.median(ratios[finite & (ids == best)]))
                ratio_key = ("objective_ratio", f"{factor:.10g}")
                keep = []
                for item, in_group in zip(objective, finite & (ids == best), strict=True):
                    if in_group:
                        groups.setdefault(ratio_key, []).append((item[0], item[1], _num(item[2]), _num(item[3])))
                    else:
                        keep.append(item)
                objective = keep
    for label, name, c_val, r_val in objective:
        groups.setdefault(("objective", _num(c_val), _num(r_val)), []).append((label, name, _num(c_val), _num(r_val)))

    out: list[Difference] = []
    for key, members in groups.items():
        labels = [m[0] for m in members]
        n = len(members)
        where = f"variable {members[0][1]}" if n == 1 else f"{n} variables"
        c_val, r_val = members[0][2], members[0][3]
        if key[0] == "integrality":
            subject = labels[0] if n == 1 else f"{n} variables"
            verb = "is" if n == 1 else "are"
            message = f"{subject} {verb} {c_val} in the candidate but {r_val} in the reference"
            kind = DifferenceKind.INTEGRALITY
        elif key[0] == "bound":
            subject = labels[0] if n == 1 else f"{n} variables"
            message = f"the {key[1]} bound of {subject} is {c_val} in the candidate but {r_val} in the reference"
            kind = DifferenceKind.BOUND
        elif key[0] == "objective_ratio":
            listed = _names([f"{m[0]} ({m[2]} vs {m[3]})" for m in members], 3)
            message = f"the objective coefficients of {n} variables are {key[1]} times the reference's: {listed}"
            kind, c_val, r_val = DifferenceKind.OBJECTIVE, f"{key[1]} × reference", "1 × reference"
            out.append(Difference(kind=kind, where=where, candidate=c_val, reference=r_val, message=message))
            continue
        else:
            subject = labels[0] if n == 1 else f"{n} variables"
            message = f"the objective coefficient of {subject} is {c_val} in the candidate but {r_val} in the reference"
            kind = DifferenceKind.OBJECTIVE
        if n > 1:
            message += f": {_names(labels)}"
        out.append(Difference(kind=kind, where=where, candidate=c_val, reference=r_val, message=message))
    return out


def _objective_negated(
    candidate: NormalizedModel, reference: NormalizedModel, cor: Correspondence, rel_tol: float, abs_tol: float
) -> bool:
    paired = np.flatnonzero(cor.var_c2r >= 0)
    if paired.size == 0:
        return False
    cc = candidate.objective[paired]
    rc = reference.objective[cor.var_c2r[paired]]
    relevant = (cc != 0) | (rc != 0)
    if not relevant.any():
        return False
    same = close(cc[relevant], rc[relevant], rel_tol, abs_tol).sum()
    negated = close(cc[relevant], -rc[relevant], rel_tol, abs_tol).sum()
    return bool(negated >= 0.8 * relevant.sum() and same < negated)


# ---------------------------------------------------------------------------------------------- entry point
def explain(
    candidate: NormalizedModel,
    reference: NormalizedModel,
    structural: StructuralResult,
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
    max_differences: int = 20,
) -> tuple[list[Difference], int]:
    """Name what differs between two models that are not isomorphic.

    Returns:
        ``(differences, omitted)``: at most `max_differences` items, most important first, and how many more
        were found but not listed.
    """
    diffs: list[Difference] = []
    more = 0

    def add(items: Iterable[Difference]) -> None:
        nonlocal more
        for item in items:
            if len(diffs) >= max_differences:
                more += 1
            else:
                diffs.append(item)

    for norm, who in ((candidate, "candidate"), (reference, "reference")):
        add(
            Difference(
                kind=DifferenceKind.INFEASIBLE, where="model", message=f"the {who} is infeasible on its face: {why}"
            )
            for why in norm.infeasible[:2]
        )
    if not close(candidate.objective_constant, reference.objective_constant, rel_tol, abs_tol):
        sign = -1.0 if reference.flipped else 1.0
        c_val, r_val = candidate.objective_constant * sign, reference.objective_constant * sign
        add(
            [
                Difference(
                    kind=DifferenceKind.OBJECTIVE_CONSTANT,
                    where="objective",
                    candidate=_num(c_val),
                    reference=_num(r_val),
                    message=f"the objective constant is {_num(c_val)} in the candidate "
                    f"but {_num(r_val)} in the reference",
                )
            ]
        )

    pair, refinement = structural.pair, structural.refinement
    if pair is None or refinement is None:
        pair = build_pair(candidate, reference, rel_tol=rel_tol, abs_tol=abs_tol)
        refinement = refine(union_of(pair))
    cor = correspond(candidate, reference, pair, refinement, structural.union)

    negated = _objective_negated(candidate, reference, cor, rel_tol, abs_tol)
    if negated:
        c_sense = "maximises" if candidate.flipped else "minimises"
        r_sense = "maximises" if reference.flipped else "minimises"
        message = (
            f"the objective has the opposite sense: the candidate {c_sense} what the reference {r_sense}"
            if candidate.flipped != reference.flipped
            else "the candidate's objective is the negative of the reference's"
        )
        add(
            [
                Difference(
                    kind=DifferenceKind.OBJECTIVE_SENSE,
                    where="objective",
                    candidate=c_sense,
                    reference=r_sense,
                    message=message,
                )
            ]
        )

    # Rows: paired-but-different, then unpaired on either side; equal messages (both halves of an equality)
    # are reported once. Work is listed cheaply first and described only up to the limit.
    equal = _row_equal(candidate, reference, cor, rel_tol, abs_tol)
    row_work: list[tuple[int, int]] = [(kr, int(cor.row_r2c[kr])) for kr in np.flatnonzero(~equal).tolist()]
    row_work += [(-1, kc) for kc in np.flatnonzero(cor.row_c2r < 0).tolist()]
    seen: set[tuple[str, str]] = set()
    for index, (kr, kc) in enumerate(row_work):
        if len(diffs) >= max_differences:
            more += len(row_work) - index
            break
        if kr >= 0 and kc >= 0:
            item = _describe_row_pair(candidate, reference, cor, kc, kr, rel_tol, abs_tol)
        elif kr >= 0:
            item = _describe_unpaired_row(reference, kr, is_reference=True)
        else:
            item = _describe_unpaired_row(candidate, kc, is_reference=False)
        if item is None or (item.where, item.message) in seen:
            continue
        seen.add((item.where, item.message))
        diffs.append(item)

    var_work = _differing_vars(candidate, reference, cor, rel_tol, abs_tol, negated)
    paired_work = [(jr, jc) for jr, jc in var_work if jr >= 0 and jc >= 0]
    add(_var_differences(candidate, reference, paired_work[:_MAX_VAR_PAIRS], rel_tol, abs_tol, negated))
    more += max(0, len(paired_work) - _MAX_VAR_PAIRS)
    unpaired_work = [(jr, jc) for jr, jc in var_work if jr < 0 or jc < 0]
    for index, (jr, jc) in enumerate(unpaired_work):
        if len(diffs) >= max_differences:
            more += len(unpaired_work) - index
            break
        if jr >= 0:
            add(
                [
                    Difference(
                        kind=DifferenceKind.VARIABLE,
                        where=f"variable {reference.var_name(jr)}",
                        reference=reference.source.format_bounds(int(reference.columns[jr])),
                        message=f"variable `{reference.var_name(jr)}` of the reference "
                        "has no counterpart in the candidate",
                    )
                ]
            )
        else:
            add(
                [
                    Difference(
                        kind=DifferenceKind.VARIABLE,
                        where=f"variable {candidate.var_name(jc)}",
                        candidate=candidate.source.format_bounds(int(candidate.columns[jc])),
                        message=f"candidate variable `{candidate.var_name(jc)}` has no counterpart in the reference",
                    )
                ]
            )
    # Sizes last (the unmatched rows and variables above say more than the counts), but always listed.
    sizes_c = (candidate.num_vars, candidate.num_rows)
    sizes_r = (reference.num_vars, reference.num_rows)
    if sizes_c != sizes_r:
        if len(diffs) >= max_differences:
            diffs.pop()
            more += 1
        add(
            [
                Difference(
                    kind=DifferenceKind.SIZE,
                    where="model",
                    candidate=f"{sizes_c[0]} variables, {sizes_c[1]} rows",
                    reference=f"{sizes_r[0]} variables, {sizes_r[1]} rows",
                    message=f"after normalisation the candidate has {sizes_c[0]} variables and "
                    f"{sizes_c[1]} constraint rows, "
                    f"the reference {sizes_r[0]} and {sizes_r[1]}",
                )
            ]
        )
    if not diffs and more == 0:
        add(
            [
                Difference(
                    kind=DifferenceKind.STRUCTURE,
                    where="model",
                    message="no single variable or constraint differs, but they are connected differently"
                    + (f": {structural.reason}" if structural.reason else ""),
                )
            ]
        )
    return diffs, more


def _differing_vars(
    candidate: NormalizedModel,
    reference: NormalizedModel,
    cor: Correspondence,
    rel_tol: float,
    abs_tol: float,
    objective_negated: bool,
) -> list[tuple[int, int]]:
    """(reference column, candidate column) pairs that differ, then unpaired columns (-1 on the missing side)."""
    jr = np.arange(reference.num_vars)
    jc = cor.var_r2c
    paired = jc >= 0
    p, q = jr[paired], jc[paired]
    same = (
        (candidate.integer[q] == reference.integer[p])
        & close(candidate.lower[q], reference.lower[p], rel_tol, abs_tol)
        & close(candidate.upper[q], reference.upper[p], rel_tol, abs_tol)
    )
    if not objective_negated:
        same &= close(candidate.objective[q], reference.objective[p], rel_tol, abs_tol)
    work = [(int(a), int(b)) for a, b in zip(p[~same].tolist(), q[~same].tolist(), strict=True)]
    work += [(int(a), -1) for a in jr[~paired].tolist()]
    work += [(-1, int(b)) for b in np.flatnonzero(cor.var_c2r < 0).tolist()]
    return work
