"""Structural decision: are two normalised models the same up to renaming and reordering?

Contract of `decide`: it answers ``isomorphic`` only with a mapping that `verify_mapping` has checked entry by
entry against the normalised numbers (types, bounds, costs, right-hand sides, every coefficient, the
objective constant) within the tolerance. ``not_isomorphic`` comes from a sound argument (different sizes,
objective constant, colour histograms, or an exact search that found no isomorphism). Anything else is
``undecided`` (exact tier timed out or unavailable), which the caller must never report as isomorphic.

Order of the steps (cheapest first):

1. sizes and objective constant;
2. names: when both models use the same variable and row names, try the identity on names (O(nnz));
3. colour refinement on the disjoint union (`eval.refine`): different histograms → not isomorphic;
4. discrete colouring → the mapping is read off the colours;
5. symmetric decomposition (`eval.exact.symmetric_decomposition`);
6. batch individualisation (`eval.exact.individualise`), which decides large symmetric models in a few
   refinements when the symmetry is a product of full symmetric groups (assignment, identical bins);
7. exact tier: bliss (python-igraph) when installed, else greedy individualisation followed by VF2++,
   in a child process under `exact_time_limit`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np

from eval import exact
from eval.graph import GraphPair, build_pair
from eval.normalize import NormalizedModel
from eval.numeric import close
from eval.refine import Refinement, UnionGraph, refine, union_of
from solvers.arrays import IntArray

__all__ = ["ExactMethod", "StructuralResult", "StructureVerdict", "decide", "verify_mapping"]

ExactMethod = Literal["auto", "bliss", "vf2pp", "individualise", "none"]

_BATCH_BUDGET = 2.0
"""Seconds for batch individualisation before the exact tier proper."""


class StructureVerdict(StrEnum):
    ISOMORPHIC = "isomorphic"
    NOT_ISOMORPHIC = "not_isomorphic"
    UNDECIDED = "undecided"


@dataclass(eq=False)
class StructuralResult:
    """Outcome of `decide`.

    Attributes:
        verdict: The structural answer.
        method: What decided it (``sizes``, ``objective constant``, ``names``, ``colour refinement``,
            ``symmetric decomposition``, ``individualisation``, ``bliss``, ``vf2pp``, ``none``).
        reason: One sentence on why (for non-isomorphic and undecided results).
        var_map: Normalised candidate column → normalised reference column (isomorphic only).
        row_map: Candidate half-space → reference half-space (isomorphic only).
        identical: True when the mapping came without any search (names or a discrete colouring).
        pair: The labelled graph pair, when it was built.
        union: The union graph, when colour refinement ran.
        refinement: The stable joint colouring, when colour refinement ran.
        exact_seconds: Time spent in the exact tier.
        notes: Anything a person debugging a verdict should know (verification failures, time-outs).
    """

    verdict: StructureVerdict
    method: str
    reason: str = ""
    var_map: IntArray | None = None
    row_map: IntArray | None = None
    identical: bool = False
    pair: GraphPair | None = None
    union: UnionGraph | None = None
    refinement: Refinement | None = None
    exact_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def verify_mapping(
    candidate: NormalizedModel,
    reference: NormalizedModel,
    var_map: IntArray,
    row_map: IntArray,
    *,
    rel_tol: float,
    abs_tol: float,
) -> str | None:
    """Apply the mapping and compare entry by entry; return None when it holds, else what failed.

    The candidate's rows and columns are permuted by the mapping and every number is compared with the
    reference's within ``abs_tol + rel_tol * max(|a|, |b|)``.
    """
    n, m = reference.num_vars, reference.num_rows
    if candidate.num_vars != n or candidate.num_rows != m or candidate.nnz != reference.nnz:
        return "sizes differ"
    if var_map.shape != (n,) or row_map.shape != (m,):
        return "mapping has the wrong size"
    if n and not (np.all((var_map >= 0) & (var_map < n)) and np.bincount(var_map, minlength=n).max() == 1):
        return "variable mapping is not a bijection"
    if m and not (np.all((row_map >= 0) & (row_map < m)) and np.bincount(row_map, minlength=m).max() == 1):
        return "row mapping is not a bijection"
    if not close(candidate.objective_constant, reference.objective_constant, rel_tol, abs_tol):
        return "objective constants differ"
    inv_var = np.empty(n, dtype=np.int64)
    inv_var[var_map] = np.arange(n)
    inv_row = np.empty(m, dtype=np.int64)
    inv_row[row_map] = np.arange(m)
    checks = (
        ("integrality", np.array_equal(candidate.integer[inv_var], reference.integer)),
        ("lower bounds", bool(np.all(close(candidate.lower[inv_var], reference.lower, rel_tol, abs_tol)))),
        ("upper bounds", bool(np.all(close(candidate.upper[inv_var], reference.upper, rel_tol, abs_tol)))),
        ("objective", bool(np.all(close(candidate.objective[inv_var], reference.objective, rel_tol, abs_tol)))),
        ("row senses", np.array_equal(candidate.row_equality[inv_row], reference.row_equality)),
        ("right-hand sides", bool(np.all(close(candidate.rhs[inv_row], reference.rhs, rel_tol, abs_tol)))),
    )
    for what, ok in checks:
        if not ok:
            return f"{what} differ under the mapping"
    ca, ra = candidate.A, reference.A
    c_rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(ca.indptr))
    r_rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(ra.indptr))
    c_keys = row_map[c_rows] * max(n, 1) + var_map[ca.indices]
    r_keys = r_rows * max(n, 1) + ra.indices.astype(np.int64)
    c_order, r_order = np.argsort(c_keys, kind="stable"), np.argsort(r_keys, kind="stable")
    if not np.array_equal(c_keys[c_order], r_keys[r_order]):
        return "non-zero patterns differ under the mapping"
    if not np.all(close(ca.data[c_order], ra.data[r_order], rel_tol, abs_tol)):
        return "coefficients differ under the mapping"
    return None


def _name_mapping(candidate: NormalizedModel, reference: NormalizedModel) -> tuple[IntArray, IntArray] | None:
    """The mapping that pairs equal names, when both models use the same names; else None."""
    if candidate.num_vars != reference.num_vars:
        return None
    r_source = reference.source.var_names
    if candidate.num_vars and candidate.var_name(0) not in set(r_source):
        return None  # the common case for renamed copies, found without building the name lists
    c_names = np.asarray(candidate.source.var_names, dtype=object)[candidate.columns].tolist()
    r_names = np.asarray(r_source, dtype=object)[reference.columns].tolist()
    if set(c_names) != set(r_names):
        return None
    r_index = {name: j for j, name in enumerate(r_names)}
    var_map = np.array([r_index[name] for name in c_names], dtype=np.int64)
    c_rows: dict[str, list[int]] = defaultdict(list)
    r_rows: dict[str, list[int]] = defaultdict(list)
    for k in range(candidate.num_rows):
        c_rows[candidate.row_name(k)].append(k)
    for k in range(reference.num_rows):
        r_rows[reference.row_name(k)].append(k)
    if c_rows.keys() != r_rows.keys():
        return None
    row_map = np.empty(candidate.num_rows, dtype=np.int64)
    order = sorted(range(len(r_names)), key=r_names.__getitem__)
    r_rank = np.empty(len(r_names), dtype=np.int64)
    r_rank[order] = np.arange(len(r_names))
    c_rank = r_rank[var_map]
    for name, ks in c_rows.items():
        rs = r_rows[name]
        if len(ks) != len(rs):
            return None
        if len(ks) == 1:
            row_map[ks[0]] = rs[0]
            continue
        # Both halves of a two-sided row: pair them by the sign of the term in the first variable by name
        # (a row negated as a whole swaps which half is the "upper" one).
        by_sign = {_lead_sign(reference, r, r_rank): r for r in rs}
        if len(by_sign) != len(rs):
            return None
        for k in ks:
            sign = _lead_sign(candidate, k, c_rank)
            if sign not in by_sign:
                return None
            row_map[k] = by_sign[sign]
    return var_map, row_map


def _lead_sign(norm: NormalizedModel, k: int, rank: IntArray) -> int:
    """Sign of the coefficient, in half-space `k`, of its variable that comes first by name."""
    start, stop = norm.A.indptr[k], norm.A.indptr[k + 1]
    if start == stop:
        return 0
    lead = start + int(np.argmin(rank[norm.A.indices[start:stop]]))
    return 1 if norm.A.data[lead] > 0 else -1


def _split(mapping: IntArray, candidate: NormalizedModel, reference: NormalizedModel) -> tuple[IntArray, IntArray]:
    """Node mapping → (column mapping, half-space mapping); invalid kinds give -1 (fails verification)."""
    n1, n2 = candidate.num_vars, reference.num_vars
    var_map = mapping[:n1].copy()
    row_map = mapping[n1:] - n2
    var_map[var_map >= n2] = -1
    row_map[row_map < 0] = -1
    return var_map, row_map


def decide(
    candidate: NormalizedModel,
    reference: NormalizedModel,
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
    exact_method: ExactMethod = "auto",
    exact_time_limit: float | None = 10.0,
    use_names: bool = True,
) -> StructuralResult:
    """Decide whether the two normalised models are isomorphic (see the module docstring)."""

    def verified(var_map: IntArray, row_map: IntArray) -> str | None:
        return verify_mapping(candidate, reference, var_map, row_map, rel_tol=rel_tol, abs_tol=abs_tol)

    sizes = (candidate.num_vars, candidate.num_rows, candidate.nnz, int(candidate.integer.sum()))
    ref_sizes = (reference.num_vars, reference.num_rows, reference.nnz, int(reference.integer.sum()))
    if sizes != ref_sizes:
        what = [
            f"{label} {a} vs {b}"
            for label, a, b in zip(
                ("variables", "rows", "non-zeros", "integer variables"), sizes, ref_sizes, strict=True
            )
            if a != b
        ]
        return StructuralResult(
            StructureVerdict.NOT_ISOMORPHIC, "sizes", "after normalisation the sizes differ: " + ", ".join(what)
        )
    if not close(candidate.objective_constant, reference.objective_constant, rel_tol, abs_tol):
        return StructuralResult(
            StructureVerdict.NOT_ISOMORPHIC,
            "objective constant",
            f"objective constants differ ({candidate.objective_constant:.12g} vs "
            f"{reference.objective_constant:.12g} in minimise form)",
        )
    notes: list[str] = []
    if use_names:
        by_name = _name_mapping(candidate, reference)
        if by_name is not None:
            failure = verified(*by_name)
            if failure is None:
                return StructuralResult(
                    StructureVerdict.ISOMORPHIC, "names", var_map=by_name[0], row_map=by_name[1], identical=True
                )

    pair = build_pair(candidate, reference, rel_tol=rel_tol, abs_tol=abs_tol)
    union = union_of(pair)
    refinement = refine(union)
    result = StructuralResult(
        StructureVerdict.UNDECIDED, "colour refinement", pair=pair, union=union, refinement=refinement, notes=notes
    )
    if pair.chained:
        notes.append(f"{pair.chained} clusters of numbers are wider than the tolerance (values chain)")
    if not refinement.histograms_equal():
        result.verdict = StructureVerdict.NOT_ISOMORPHIC
        result.reason = (
            f"colour refinement separates the models after {refinement.rounds} round(s): some variables or rows "
            "have no counterpart with the same numbers and neighbourhood"
        )
        return result

    def accept(mapping: IntArray | None, method: str, identical: bool = False) -> bool:
        if mapping is None:
            return False
        var_map, row_map = _split(mapping, candidate, reference)
        failure = verified(var_map, row_map)
        if failure is not None:
            notes.append(f"{method}: proposed mapping rejected by verification ({failure})")
            return False
        result.verdict = StructureVerdict.ISOMORPHIC
        result.method = method
        result.var_map, result.row_map, result.identical = var_map, row_map, identical
        return True

    if refinement.is_discrete():
        if accept(exact.mapping_from_colours(refinement), "colour refinement", identical=True):
            return result
    elif accept(exact.symmetric_decomposition(pair, refinement), "symmetric decomposition"):
        return result
    elif exact_method != "none":
        # Batch individualisation: a few refinements decide large symmetric models (assignment, identical
        # bins) that the exact search finds hard; a wrong guess only costs one verification.
        started = time.perf_counter()
        budget = _BATCH_BUDGET if exact_time_limit is None else min(_BATCH_BUDGET, exact_time_limit)
        found = exact.individualise(union, refinement, batch=True, max_steps=1000, deadline=started + budget)
        result.exact_seconds += time.perf_counter() - started
        if accept(found, "individualisation"):
            return result

    method = exact_method
    if method == "auto":
        method = "bliss" if exact.has_igraph() else "individualise"
    if method == "none":
        result.reason = "colour refinement cannot decide and the exact check is switched off"
        return result
    started = time.perf_counter()
    deadline = None if exact_time_limit is None else started + exact_time_limit
    spent = result.exact_seconds
    try:
        if method == "individualise":
            if accept(exact.individualise(union, refinement, deadline=deadline), "individualisation"):
                return result
            method = "vf2pp" if exact_method != "individualise" else "none"
            if method == "none":
                result.reason = "greedy individualisation found no mapping and no exact check was allowed"
                return result
        remaining = None if deadline is None else max(0.05, deadline - time.perf_counter())
        backend = exact.bliss if method == "bliss" else exact.vf2pp
        outcome, mapping, message = exact.run_with_time_limit(backend, (pair, refinement), remaining)
    finally:
        result.exact_seconds = spent + time.perf_counter() - started
    if outcome is exact.ExactOutcome.FOUND:
        if accept(mapping, method):
            return result
        result.reason = f"{method} found a colour-preserving mapping that fails the numeric check"
        return result
    if outcome is exact.ExactOutcome.NONE:
        result.verdict = StructureVerdict.NOT_ISOMORPHIC
        result.method = method
        result.reason = (
            "the models look alike locally (same colour refinement) but an exact search proves they are not "
            "isomorphic: variables and rows are connected differently"
        )
        return result
    result.method = method
    result.reason = f"the exact isomorphism check ({method}) did not finish: {message}"
    notes.append(result.reason)
    return result
