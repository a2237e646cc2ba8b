"""The labelled variable–constraint graph of a normalised model, in two forms.

* `to_networkx(norm)` is the graph of record, for people and notebooks: a bipartite ``nx.Graph`` with one
  node per variable, one per normalised row and one objective node. Variable nodes carry type and bounds,
  row nodes carry sense (``<=`` or ``=`` after normalisation) and right-hand side, the objective node carries
  sense (always ``minimize``) and constant; edges carry coefficients (objective edges the cost coefficients).
* `build_pair(candidate, reference)` is the same graph pair as integer arrays for the decision path: node and
  edge labels become ids that are *shared* by the two graphs (floats are clustered jointly, see
  `eval.numeric`), so "same label" means "same number within tolerance" across the pair. The objective node
  is folded into the variable labels (its edges are the cost coefficients): an isomorphism must map the
  unique objective node to itself, so both forms have the same isomorphisms.

Array node numbering: variables ``0..n-1`` (normalised column order), rows ``n..n+m-1`` (half-space order).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from eval.normalize import NormalizedModel
from eval.numeric import cluster_ids, dense_ids
from solvers.arrays import IntArray
from solvers.linear import VarType

__all__ = ["GraphPair", "LabeledGraph", "build_pair", "to_networkx"]

_VAR, _ROW = 0, 1


@dataclass(eq=False)
class LabeledGraph:
    """A node- and edge-labelled bipartite graph in arrays (see the module docstring for the numbering).

    Attributes:
        num_vars, num_rows: Node counts of the two sides.
        labels: Initial colour (label id) of every node.
        edge_var: Variable node of every edge.
        edge_row: Row index (0-based among rows, *not* the node id) of every edge.
        edge_label: Coefficient label id of every edge.
    """

    num_vars: int
    num_rows: int
    labels: IntArray
    edge_var: IntArray
    edge_row: IntArray
    edge_label: IntArray

    @property
    def num_nodes(self) -> int:
        return self.num_vars + self.num_rows

    @property
    def num_edges(self) -> int:
        return int(self.edge_var.size)


@dataclass(eq=False)
class GraphPair:
    """The candidate's and the reference's graphs with shared label ids.

    Attributes:
        candidate, reference: The two graphs.
        num_labels: Number of distinct node labels over both graphs.
        num_edge_labels: Number of distinct edge labels over both graphs.
        chained: Number of value clusters wider than twice the tolerance (ambiguous numbers; diagnostics).
    """

    candidate: LabeledGraph
    reference: LabeledGraph
    num_labels: int
    num_edge_labels: int
    chained: int


def build_pair(candidate: NormalizedModel, reference: NormalizedModel, *, rel_tol: float, abs_tol: float) -> GraphPair:
    """Label both normalised models' graphs with shared ids (floats clustered jointly per kind of number)."""
    n1, n2 = candidate.num_vars, reference.num_vars
    m1, m2 = candidate.num_rows, reference.num_rows
    bounds = cluster_ids(
        np.concatenate([candidate.lower, candidate.upper, reference.lower, reference.upper]), rel_tol, abs_tol
    )
    cost = cluster_ids(np.concatenate([candidate.objective, reference.objective]), rel_tol, abs_tol)
    rhs = cluster_ids(np.concatenate([candidate.rhs, reference.rhs]), rel_tol, abs_tol)
    coef = cluster_ids(np.concatenate([candidate.A.data, reference.A.data]), rel_tol, abs_tol)

    b = bounds.ids
    lb_ids = np.concatenate([b[:n1], b[2 * n1 + 0 : 2 * n1 + n2]])
    ub_ids = np.concatenate([b[n1 : 2 * n1], b[2 * n1 + n2 :]])
    integer = np.concatenate([candidate.integer, reference.integer]).astype(np.int64)
    var_keys = np.column_stack([np.full(n1 + n2, _VAR, dtype=np.int64), integer, lb_ids, ub_ids, cost.ids])
    zeros = np.zeros(m1 + m2, dtype=np.int64)
    equality = np.concatenate([candidate.row_equality, reference.row_equality]).astype(np.int64)
    row_keys = np.column_stack([np.full(m1 + m2, _ROW, dtype=np.int64), equality, rhs.ids, zeros, zeros])
    keys = np.vstack([var_keys[:n1], row_keys[:m1], var_keys[n1:], row_keys[m1:]])
    labels = dense_ids(keys) if keys.size else np.zeros(0, dtype=np.int64)
    split = n1 + m1

    def graph(norm: NormalizedModel, node_labels: IntArray, edge_labels: IntArray) -> LabeledGraph:
        rows = np.repeat(np.arange(norm.num_rows, dtype=np.int64), np.diff(norm.A.indptr))
        return LabeledGraph(
            num_vars=norm.num_vars,
            num_rows=norm.num_rows,
            labels=node_labels,
            edge_var=norm.A.indices.astype(np.int64),
            edge_row=rows,
            edge_label=edge_labels,
        )

    nnz1 = candidate.nnz
    return GraphPair(
        candidate=graph(candidate, labels[:split], coef.ids[:nnz1]),
        reference=graph(reference, labels[split:], coef.ids[nnz1:]),
        num_labels=int(labels.max()) + 1 if labels.size else 0,
        num_edge_labels=coef.count,
        chained=bounds.chained + cost.chained + rhs.chained + coef.chained,
    )


def _var_type(norm: NormalizedModel, j: int) -> VarType:
    if not norm.integer[j]:
        return VarType.CONTINUOUS
    if norm.lower[j] >= 0.0 and norm.upper[j] <= 1.0:
        return VarType.BINARY
    return VarType.INTEGER


def to_networkx(norm: NormalizedModel) -> nx.Graph:
    """The normalised model as an inspectable ``nx.Graph`` (see the module docstring).

    Node keys: ``("var", name)``, ``("row", label)`` (label as in `NormalizedModel.row_label`) and
    ``("objective",)``. Every node has a ``kind`` attribute (``variable``, ``constraint``, ``objective``);
    every edge a ``coefficient``.
    """
    g = nx.Graph(name=norm.source.name)
    objective = ("objective",)
    g.add_node(
        objective,
        kind="objective",
        sense="minimize",
        constant=float(norm.objective_constant),
        flipped=bool(norm.flipped),
    )
    var_nodes = [("var", name) for name in norm.var_names]
    for j, node in enumerate(var_nodes):
        g.add_node(
            node,
            kind="variable",
            name=node[1],
            type=_var_type(norm, j).value,
            lower=float(norm.lower[j]),
            upper=float(norm.upper[j]),
        )
        if norm.objective[j] != 0.0:
            g.add_edge(objective, node, coefficient=float(norm.objective[j]))
    indptr, indices, data = norm.A.indptr, norm.A.indices, norm.A.data
    for k in range(norm.num_rows):
        row = ("row", norm.row_label(k))
        g.add_node(
            row, kind="constraint", name=row[1], origin=norm.row_name(k), sense=norm.sense(k), rhs=float(norm.rhs[k])
        )
        for p in range(indptr[k], indptr[k + 1]):
            g.add_edge(var_nodes[int(indices[p])], row, coefficient=float(data[p]))
    return g
