"""Colour refinement (1-dimensional Weisfeiler–Lehman) with edge labels, run jointly on a graph pair.

Contract: `refine_pair(pair)` colours the disjoint union of the two graphs, starting from the shared node
labels, and repeats ``colour'(v) = (colour(v), multiset{(colour(u), label(uv)) : u ~ v})`` until the number of
colours stops growing (the partition is then stable). Colour ids are dense, shared by both graphs and
derived only from isomorphism-invariant data, so:

* different colour *histograms* prove the graphs are not isomorphic (the sound, fast rejection);
* equal histograms prove nothing (a 10-cycle and a 4-cycle plus a 6-cycle get identical colours), so every
  "same" answer is confirmed by an explicit, verified mapping or an exact isomorphism check.

The multiset is hashed (splitmix64, uint64 wrap-around sums with ``np.add.reduceat`` over a CSR-sorted edge
array). A hash collision can only *merge* colours; the colouring stays isomorphism-invariant, so rejection
stays sound and the exact check stays exact. Each round costs O((N + E) log N) (one sort).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from eval.graph import GraphPair
from eval.numeric import dense_ids, dense_pair_ids, splitmix64
from solvers.arrays import IntArray, UIntArray

__all__ = ["Refinement", "UnionGraph", "refine", "union_of"]

_COLOUR_SALT = np.uint64(0x2545F4914F6CDD1D)
_LABEL_SALT = np.uint64(0x632BE59BD9B4E019)


@dataclass(eq=False)
class UnionGraph:
    """Disjoint union of a graph pair as a symmetric, source-sorted edge list.

    Node numbering: the candidate's nodes ``0..N1-1`` (variables, then rows), the reference's ``N1..N1+N2-1``.
    """

    num_candidate_nodes: int
    num_reference_nodes: int
    labels: IntArray
    indptr: IntArray
    dst: IntArray
    edge_hash: UIntArray

    @property
    def num_nodes(self) -> int:
        return self.num_candidate_nodes + self.num_reference_nodes


def union_of(pair: GraphPair) -> UnionGraph:
    """Build the union graph used by `refine` (both edge directions, sorted by source)."""
    c, r = pair.candidate, pair.reference
    off = c.num_nodes
    u = np.concatenate([c.edge_var, c.num_vars + c.edge_row, off + r.edge_var, off + r.num_vars + r.edge_row])
    v = np.concatenate([c.num_vars + c.edge_row, c.edge_var, off + r.num_vars + r.edge_row, off + r.edge_var])
    lab = np.concatenate([c.edge_label, c.edge_label, r.edge_label, r.edge_label])
    order = np.argsort(u, kind="stable")
    total = c.num_nodes + r.num_nodes
    indptr = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=total), out=indptr[1:])
    return UnionGraph(
        num_candidate_nodes=c.num_nodes,
        num_reference_nodes=r.num_nodes,
        labels=np.concatenate([c.labels, r.labels]),
        indptr=indptr,
        dst=v[order],
        edge_hash=splitmix64(lab[order].astype(np.uint64) + _LABEL_SALT),
    )


@dataclass(eq=False)
class Refinement:
    """A stable colouring of a union graph.

    Attributes:
        colours: Stable colour of every union node (dense ids).
        history: Colours after each round; ``history[0]`` is the initial colouring, ``history[-1] is colours``.
        num_candidate_nodes: Where the reference's nodes start.
    """

    colours: IntArray
    history: list[IntArray] = field(default_factory=list)
    num_candidate_nodes: int = 0

    @property
    def rounds(self) -> int:
        """Refinement rounds that split at least one colour class."""
        return len(self.history) - 1

    @property
    def num_colours(self) -> int:
        return int(self.colours.max()) + 1 if self.colours.size else 0

    @property
    def candidate(self) -> IntArray:
        return self.colours[: self.num_candidate_nodes]

    @property
    def reference(self) -> IntArray:
        return self.colours[self.num_candidate_nodes :]

    def histograms_equal(self) -> bool:
        """True when both graphs have the same number of nodes of every colour."""
        k = self.num_colours
        return bool(np.array_equal(np.bincount(self.candidate, minlength=k), np.bincount(self.reference, minlength=k)))

    def is_discrete(self) -> bool:
        """True when every colour occurs at most once in each graph."""
        k = self.num_colours
        return bool(np.bincount(self.candidate, minlength=k).max(initial=0) <= 1) and bool(
            np.bincount(self.reference, minlength=k).max(initial=0) <= 1
        )


def refine(
    union: UnionGraph,
    initial: IntArray | None = None,
    *,
    max_rounds: int | None = None,
    deadline: float | None = None,
) -> Refinement:
    """Refine `initial` (default: the union's labels) to a stable colouring; see the module docstring.

    With `max_rounds` or `deadline` (a ``time.perf_counter()`` value) it may stop before the colouring is
    stable (long cycles need about as many rounds as nodes after one node is individualised). Every
    intermediate colouring is still isomorphism-invariant, so what the callers conclude from it stays sound.
    """
    colours = dense_ids(union.labels if initial is None else initial)
    history = [colours]
    count = int(colours.max()) + 1 if colours.size else 0
    starts = union.indptr[:-1]
    has_edges = np.diff(union.indptr) > 0
    nz_starts = starts[has_edges]
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        mixed = splitmix64(colours.astype(np.uint64) + _COLOUR_SALT)
        contrib = splitmix64(mixed[union.dst] ^ union.edge_hash)
        agg = np.zeros(colours.size, dtype=np.uint64)
        if contrib.size:
            with np.errstate(over="ignore"):
                agg[has_edges] = np.add.reduceat(contrib, nz_starts)
        new = dense_pair_ids(colours, agg)
        new_count = int(new.max()) + 1 if new.size else 0
        rounds += 1
        if new_count == count:
            break
        colours, count = new, new_count
        history.append(colours)
        if deadline is not None and time.perf_counter() > deadline:
            break
    return Refinement(colours=colours, history=history, num_candidate_nodes=union.num_candidate_nodes)
