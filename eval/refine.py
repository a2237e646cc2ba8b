"""Colour refinement (1-dimensional Weisfeiler–Lehman) with edge labels, run jointly on a graph pair.

Contract: `refine_pair(pair)` colours the disjoint union of the two graphs, starting from the shared node
labels, and repeats ``colour'(v) = (colour(v), multiset{(colour(u), label(uv)) : u ~ v})`` until the number of
colours stops growing (the partition is then stable). Colour ids are dense, shared by both graphs and
derived only from isomorphism-invariant data, so:

* different colour *histograms* prove the graphs are not isomorphic (the sound, fast rejection);
* equal histograms prove nothing (a 10-cycle and a 4-cycle plus a 6-cycle get identical colours), so every
  "same" answer is confirmed by an explicit, verified mapping or an exact isomorphism check.

One round is a sparse matrix–vector product over hashed colours: every colour gets a 64-bit hash
(splitmix64), every edge label a random odd 64-bit multiplier, and ``W @ h`` (``W`` the union's symmetric
adjacency matrix holding the multipliers, uint64 wrap-around arithmetic, so the sum is exact and independent
of the summation order) hashes each node's multiset of (neighbour colour, edge label). The new colour is the
old colour in the high bits and the neighbourhood hash in the low bits of one uint64 key, so a round never
merges two old classes and one sort of N keys numbers the new classes; a round in which no class splits is
detected without sorting. A hash collision can only *merge* colours; the colouring stays
isomorphism-invariant, so rejection stays sound and the exact check stays exact. Each round costs
O(E + N log N).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from eval.graph import GraphPair
from eval.numeric import dense_ids, splitmix64
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
    _weights: sp.csr_matrix | None = field(default=None, repr=False)

    @property
    def num_nodes(self) -> int:
        return self.num_candidate_nodes + self.num_reference_nodes

    @property
    def weights(self) -> sp.csr_matrix:
        """The symmetric (N, N) uint64 matrix of edge-label multipliers (odd), built once, used by `refine`."""
        if self._weights is None:
            n = self.num_nodes
            self._weights = sp.csr_matrix(
                (self.edge_hash | np.uint64(1), self.dst, self.indptr), shape=(n, n), dtype=np.uint64
            )
        return self._weights


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
    # One multiplier per edge label: hash the label ids once (labels << edges), then gather.
    label_hash = splitmix64(np.arange(int(lab.max()) + 1 if lab.size else 0, dtype=np.uint64) + _LABEL_SALT)
    return UnionGraph(
        num_candidate_nodes=c.num_nodes,
        num_reference_nodes=r.num_nodes,
        labels=np.concatenate([c.labels, r.labels]),
        indptr=indptr,
        dst=v[order],
        edge_hash=label_hash[lab[order]],
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
    weights = union.weights
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        rounds += 1
        mixed = splitmix64(colours.astype(np.uint64) + _COLOUR_SALT)
        agg = np.asarray(weights @ mixed, dtype=np.uint64)
        new, new_count = _split_classes(colours, count, agg)
        if new_count == count:
            break
        colours, count = new, new_count
        history.append(colours)
        if deadline is not None and time.perf_counter() > deadline:
            break
    return Refinement(colours=colours, history=history, num_candidate_nodes=union.num_candidate_nodes)


def _split_classes(colours: IntArray, count: int, agg: UIntArray) -> tuple[IntArray, int]:
    """Split every colour class by `agg`: dense ids ordered by (colour, neighbourhood hash); same `colours`
    object and `count` when no class splits (checked in O(N), without sorting)."""
    if colours.size == 0:
        return colours, count
    rep = np.empty(count, dtype=np.int64)
    rep[colours] = np.arange(colours.size, dtype=np.int64)
    if np.array_equal(agg, agg[rep[colours]]):
        return colours, count
    bits = max(1, (count - 1).bit_length())
    if bits >= 48:  # more than 2**47 colours cannot happen in memory; keep the general path anyway
        order = np.lexsort((agg, colours))
        k1, k2 = colours[order], agg[order]
        starts = np.empty(colours.size, dtype=bool)
        starts[0] = True
        starts[1:] = (k1[1:] != k1[:-1]) | (k2[1:] != k2[:-1])
    else:
        key = (colours.astype(np.uint64) << np.uint64(64 - bits)) | (splitmix64(agg) >> np.uint64(bits))
        order = np.argsort(key)
        sorted_key = key[order]
        starts = np.empty(colours.size, dtype=bool)
        starts[0] = True
        np.not_equal(sorted_key[1:], sorted_key[:-1], out=starts[1:])
    ids = np.empty(colours.size, dtype=np.int64)
    ids[order] = np.cumsum(starts) - 1
    return ids, int(ids.max()) + 1 if ids.size else 0
