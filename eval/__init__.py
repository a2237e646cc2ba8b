"""Evaluation: is a candidate model equivalent to a reference model, and if not, what differs?

Public API (import from the modules):

* `eval.compare.compare(candidate, reference, options) -> Comparison` — the verdict ladder ``isomorphic`` >
  ``same_optimum`` > ``different`` (+ ``invalid``), with mapping, differences, statuses, objectives, timings;
  `CompareOptions`, `ObjectiveTolerance` (`STRICT` 1e-6, `LENIENT` 1e-4, custom), `Comparison.invalid`.
* `eval.metrics.aggregate(comparisons) -> Metrics` and `render_metrics` — benchmark accuracy tables.
* `eval.graph.to_networkx(normalize(model))` — the labelled variable–constraint graph, for inspection.
* `eval.cli.register(app)` — the ``milpflow eval`` command.

Pipeline: `eval.normalize` (rules N0–N10) → `eval.graph` (labels shared by the pair) → `eval.refine`
(colour refinement, sound rejection) → `eval.isomorphism` (mapping from colours, symmetric decomposition,
batch individualisation, exact tier `eval.exact`; every "isomorphic" is verified entry by entry) →
`eval.explain` (named differences) → solver tier in `eval.compare`.

The exact tier uses bliss through python-igraph when it is installed (GPL-2.0-or-later; an optional
dependency) and otherwise greedy individualisation plus networkx VF2++ under a time limit.
"""
