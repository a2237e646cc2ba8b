"""Evaluation: is a candidate model equivalent to a reference model, and if not, what differs?

Public API::

    import eval
    comparison = eval.compare(candidate, reference)        # Comparison: verdict, reason, mapping, differences
    comparison.verdict                                    # eval.Verdict.ISOMORPHIC / SAME_OPTIMUM / DIFFERENT / …

In detail:

* `eval.compare(candidate, reference, options) -> Comparison` — the verdict ladder ``isomorphic`` >
  ``same_optimum`` > ``different`` (+ ``invalid``), with mapping, differences, statuses, objectives, timings;
  `CompareOptions`, `ObjectiveTolerance` (`STRICT` 1e-6, `LENIENT` 1e-4, custom), `Comparison.invalid`.
* `eval.metrics.aggregate(comparisons) -> Metrics` and `render_metrics` — benchmark accuracy tables.
* `eval.graph.to_networkx(normalize(model))` — the labelled variable–constraint graph, for inspection.
* The ``milpflow eval`` command lives with the rest of the CLI in `flows/cli/evaluate.py`.

Pipeline: `eval.normalize` (rules N0–N10) → `eval.graph` (labels shared by the pair) → `eval.refine`
(colour refinement, sound rejection) → `eval.isomorphism` (mapping from colours, symmetric decomposition,
batch individualisation, exact tier `eval.exact`; every "isomorphic" is verified entry by entry) →
`eval.explain` (named differences) → solver tier in `eval.compare`.

The exact tier uses bliss through python-igraph when it is installed (GPL-2.0-or-later; an optional
dependency) and otherwise greedy individualisation plus networkx VF2++ under a time limit.
"""

from __future__ import annotations

# `compare` is re-bound to the function here on purpose: `eval.compare(a, b)` is the stage's one verb. The module
# stays importable with `from eval.compare import …` (sys.modules); `import eval.compare as m` gives the function.
from eval.compare import (
    LENIENT,
    STRICT,
    CompareOptions,
    Comparison,
    ObjectiveTolerance,
    SolveMode,
    Verdict,
    compare,
)
from eval.metrics import Metrics, aggregate

__all__ = [
    "LENIENT",
    "STRICT",
    "CompareOptions",
    "Comparison",
    "Metrics",
    "ObjectiveTolerance",
    "SolveMode",
    "Verdict",
    "aggregate",
    "compare",
]
