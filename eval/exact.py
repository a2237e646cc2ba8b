"""Exact isomorphism back-ends, used when colour refinement alone cannot decide.

Contract: every back-end takes the graph pair and a stable joint colouring (`eval.refine`) and returns a
node mapping (candidate node → reference node, over variables then rows) when it finds an isomorphism that
respects the colours and edge labels, or ``None`` when it proves there is none. Callers *always* verify a
returned mapping against the numbers (`eval.isomorphism.verify_mapping`) before trusting it.

Back-ends, in the order `eval.isomorphism` tries them:

* `symmetric_decomposition` (numpy, no search): when, in both graphs, every connected component of the
  non-singleton-coloured nodes holds each colour at most once, components with the same colours are
  interchangeable and the mapping is read off the colours (ORGEval's "symmetric decomposable" case).
* `individualise` (numpy, greedy individualisation–refinement without backtracking): pick a node of the
  smallest ambiguous colour class in each graph (or, in batch mode, pair the whole class), give both a fresh
  colour, refine, repeat until discrete. Fast on symmetric models (assignment, identical bins) but can only
  say "found", never "none".
* `bliss` (python-igraph's bliss, C, canonical-labelling search with automorphism pruning): exact both ways;
  edges with a label other than the most frequent one are subdivided so labels become node colours, and the
  stable colours are passed as the initial partition (dense ids), so the search rarely branches.
* `vf2pp` (networkx VF2++, pure Python): exact, the fallback when python-igraph is not installed; exponential
  on symmetric graphs, so always run under a time limit.

`run_with_time_limit` runs a back-end in a forked child process so that a time limit can stop it (bliss and
VF2++ cannot be interrupted in-process). Where ``fork`` is unavailable it runs inline without a limit.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from eval.graph import GraphPair, LabeledGraph
from eval.numeric import dense_ids
from eval.refine import Refinement, UnionGraph, refine
from solvers.arrays import IntArray

__all__ = [
    "ExactOutcome",
    "bliss",
    "has_igraph",
    "individualise",
    "run_with_time_limit",
    "symmetric_decomposition",
    "vf2pp",
]


class ExactOutcome(StrEnum):
    """How an exact back-end run under `run_with_time_limit` ended."""

    FOUND = "found"
    """A colour-preserving mapping was found (still to be verified against the numbers)."""
    NONE = "none"
    """The back-end proved that no isomorphism exists."""
    TIMEOUT = "timeout"
    """The time limit stopped it."""
    ERROR = "error"
    """It failed (missing library, crash); the message says why."""


def has_igraph() -> bool:
    """True when python-igraph (which carries bliss) can be imported."""
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------------- colours
def mapping_from_colours(refinement: Refinement) -> IntArray | None:
    """Candidate node → reference node for a discrete colouring with equal histograms, else ``None``."""
    c1, c2 = refinement.candidate, refinement.reference
    if c1.size != c2.size:
        return None
    o1, o2 = np.argsort(c1, kind="stable"), np.argsort(c2, kind="stable")
    if not np.array_equal(c1[o1], c2[o2]):
        return None
    mapping = np.empty(c1.size, dtype=np.int64)
    mapping[o1] = o2
    return mapping


def _adjacency(graph: LabeledGraph) -> sp.csr_matrix:
    n = graph.num_nodes
    u = graph.edge_var
    v = graph.num_vars + graph.edge_row
    data = np.ones(u.size, dtype=np.int8)
    a = sp.coo_matrix((data, (u, v)), shape=(n, n))
    return (a + a.T).tocsr()


def _sd_keys(graph: LabeledGraph, colours: IntArray) -> IntArray | None:
    """Per node: (component key, rank of the component among same-key components), or None if not SD.

    Singleton-coloured nodes get key -1. Returns an (N, 2) int64 array.
    """
    n = graph.num_nodes
    counts = np.bincount(colours, minlength=int(colours.max()) + 1 if colours.size else 0)
    ambiguous = counts[colours] > 1
    keys = np.full((n, 2), -1, dtype=np.int64)
    if not ambiguous.any():
        return keys
    adj = _adjacency(graph)
    keep = np.flatnonzero(ambiguous)
    sub = adj[keep][:, keep]
    _, comp = connected_components(sub, directed=False)
    # SD: no colour repeats inside a component.
    pairs = np.unique(np.column_stack([comp, colours[keep]]), axis=0)
    if pairs.shape[0] != keep.size:
        return None
    # Component key: its smallest colour (components over one class-graph component share their colour set).
    num_comp = int(comp.max()) + 1
    comp_min = np.full(num_comp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(comp_min, comp, colours[keep])
    comp_size = np.bincount(comp, minlength=num_comp)
    # Rank components with the same key by their index (any order works: they are interchangeable).
    order = np.lexsort((np.arange(num_comp), comp_size, comp_min))
    rank = np.empty(num_comp, dtype=np.int64)
    sorted_key = comp_min[order]
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(num_comp), 0))
    rank[order] = np.arange(num_comp) - group_start
    keys[keep, 0] = comp_min[comp]
    keys[keep, 1] = rank[comp]
    return keys


def symmetric_decomposition(pair: GraphPair, refinement: Refinement) -> IntArray | None:
    """Mapping for a pair whose graphs are both symmetric-decomposable (see the module docstring), else None."""
    k1 = _sd_keys(pair.candidate, refinement.candidate)
    if k1 is None:
        return None
    k2 = _sd_keys(pair.reference, refinement.reference)
    if k2 is None:
        return None
    c1, c2 = refinement.candidate, refinement.reference
    o1 = np.lexsort((c1, k1[:, 1], k1[:, 0]))
    o2 = np.lexsort((c2, k2[:, 1], k2[:, 0]))
    if not (np.array_equal(c1[o1], c2[o2]) and np.array_equal(k1[o1], k2[o2])):
        return None
    mapping = np.empty(c1.size, dtype=np.int64)
    mapping[o1] = o2
    return mapping


def individualise(
    union: UnionGraph,
    refinement: Refinement,
    *,
    batch: bool = False,
    max_steps: int = 200,
    deadline: float | None = None,
) -> IntArray | None:
    """Greedy individualisation–refinement: a candidate mapping, or None when the greedy path fails.

    Each step takes the smallest ambiguous colour class and gives its first member in each graph a fresh
    colour. With ``batch=True`` it first tries to pair *all* the class's members in index order at once
    (right when the class is one orbit on which the symmetry acts as a full symmetric group — identical bins,
    the rows of an assignment once one row is fixed — so a handful of steps decide a huge symmetric model)
    and keeps that only when the colour histograms still agree. ``None`` is *not* a proof of
    non-isomorphism: a different choice might have worked.
    """
    colours = refinement.colours.copy()
    split = refinement.num_candidate_nodes
    for _ in range(max_steps):
        current = Refinement(colours=colours, num_candidate_nodes=split)
        if not current.histograms_equal():
            return None
        c1 = colours[:split]
        counts = np.bincount(c1, minlength=int(colours.max()) + 1)
        ambiguous = np.flatnonzero(counts > 1)
        if ambiguous.size == 0:
            return mapping_from_colours(current)
        if deadline is not None and time.perf_counter() > deadline:
            return None
        # Smallest ambiguous class (ties: smallest colour id).
        target = int(ambiguous[np.argmin(counts[ambiguous])])
        members1 = np.flatnonzero(c1 == target)
        members2 = split + np.flatnonzero(colours[split:] == target)
        if batch and members1.size > 1:
            trial = refine(union, _individualised(colours, members1, members2), deadline=deadline).colours
            if Refinement(colours=trial, num_candidate_nodes=split).histograms_equal():
                colours = trial
                continue
        colours = refine(union, _individualised(colours, members1[:1], members2[:1]), deadline=deadline).colours
    return None


def _individualised(colours: IntArray, nodes1: IntArray, nodes2: IntArray) -> IntArray:
    """`colours` with ``nodes1[i]`` and ``nodes2[i]`` sharing a fresh colour of their own, for every i."""
    fresh = int(colours.max()) + 1 + np.arange(nodes1.size)
    start = colours.copy()
    start[nodes1] = fresh
    start[nodes2] = fresh
    return start


# ---------------------------------------------------------------------------------------------- subdivision
def _subdivided(
    graph: LabeledGraph, colours: IntArray, direct_label: int, colour_offset: int
) -> tuple[int, IntArray, IntArray]:
    """Edges labelled `direct_label` stay edges; every other edge becomes a node coloured by its label.

    Returns (number of nodes, (E', 2) edge array, node colours before the joint dense re-numbering).
    """
    n = graph.num_nodes
    u = graph.edge_var
    v = graph.num_vars + graph.edge_row
    direct = graph.edge_label == direct_label
    mid_count = int((~direct).sum())
    mids = n + np.arange(mid_count, dtype=np.int64)
    edges = np.vstack(
        [
            np.column_stack([u[direct], v[direct]]),
            np.column_stack([u[~direct], mids]),
            np.column_stack([mids, v[~direct]]),
        ]
    )
    node_colours = np.concatenate([colours, colour_offset + graph.edge_label[~direct]])
    return n + mid_count, edges, node_colours


def _subdivided_pair(
    pair: GraphPair, refinement: Refinement
) -> tuple[tuple[int, IntArray, IntArray], tuple[int, IntArray, IntArray]]:
    labels = np.concatenate([pair.candidate.edge_label, pair.reference.edge_label])
    direct = int(np.bincount(labels).argmax()) if labels.size else -1
    offset = refinement.num_colours
    g1 = _subdivided(pair.candidate, refinement.candidate, direct, offset)
    g2 = _subdivided(pair.reference, refinement.reference, direct, offset)
    # Dense colour ids 0..k-1 over both graphs (bliss is very slow with sparse ids).
    joint = dense_ids(np.concatenate([g1[2], g2[2]]))
    return (g1[0], g1[1], joint[: g1[0]]), (g2[0], g2[1], joint[g1[0] :])


def bliss(pair: GraphPair, refinement: Refinement) -> IntArray | None:
    """Exact check with bliss via python-igraph; raises ImportError when python-igraph is missing."""
    import igraph

    (n1, e1, col1), (n2, e2, col2) = _subdivided_pair(pair, refinement)
    if n1 != n2 or e1.shape != e2.shape:
        return None
    g1 = igraph.Graph(n=n1, edges=e1)
    g2 = igraph.Graph(n=n2, edges=e2)
    iso, map12, _ = g1.isomorphic_bliss(g2, return_mapping_12=True, color1=col1.tolist(), color2=col2.tolist())
    if not iso:
        return None
    return np.asarray(map12, dtype=np.int64)[: pair.candidate.num_nodes]


def vf2pp(pair: GraphPair, refinement: Refinement) -> IntArray | None:
    """Exact check with networkx VF2++ on the subdivided graphs, stable colours as node labels."""
    import networkx as nx

    graphs = []
    for n, edges, colours in _subdivided_pair(pair, refinement):
        g = nx.Graph()
        g.add_nodes_from((i, {"c": int(c)}) for i, c in enumerate(colours.tolist()))
        g.add_edges_from(edges.tolist())
        graphs.append(g)
        del n
    found = nx.vf2pp_isomorphism(graphs[0], graphs[1], node_label="c")
    if found is None:
        return None
    size = pair.candidate.num_nodes
    mapping = np.empty(size, dtype=np.int64)
    for a, b in found.items():
        if a < size:
            mapping[a] = b
    return mapping


# ---------------------------------------------------------------------------------------------- time limits
def _child(conn: multiprocessing.connection.Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - report anything, including ImportError and MemoryError
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_with_time_limit(
    fn: Callable[..., IntArray | None], args: tuple[Any, ...], time_limit: float | None
) -> tuple[ExactOutcome, IntArray | None, str | None]:
    """Run an exact back-end under a wall-clock limit.

    Returns:
        ``(outcome, mapping, message)``: ``found`` with the mapping, ``none`` (proved non-isomorphic),
        ``timeout``, or ``error`` with a message.
    """
    if time_limit is None or "fork" not in multiprocessing.get_all_start_methods():
        try:
            result = fn(*args)
        except Exception as exc:  # noqa: BLE001 - a back-end failure must not crash the evaluation
            return ExactOutcome.ERROR, None, f"{type(exc).__name__}: {exc}"
        return (ExactOutcome.FOUND, result, None) if result is not None else (ExactOutcome.NONE, None, None)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, fn, args), daemon=True)
    proc.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            return ExactOutcome.TIMEOUT, None, f"no answer within {time_limit:g} s"
        try:
            status, payload = receiver.recv()
        except EOFError:
            return ExactOutcome.ERROR, None, f"the exact check's process exited with code {proc.exitcode}"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
    if status == "error":
        return ExactOutcome.ERROR, None, str(payload)
    return (ExactOutcome.FOUND, payload, None) if payload is not None else (ExactOutcome.NONE, None, None)
