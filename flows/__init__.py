"""Flows: orchestration of the stages — benchmarks, the run store, Prefect flows and deployments, the CLI.

Public API::

    import flows
    summary = flows.run_benchmark("nl4opt", formulator="reference", limit=20)
    summary.structural_accuracy, summary.run      # the run id, for `milpflow runs show`
    flows.__version__

Names are imported on first use (PEP 562), so importing the CLI stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.api import run_benchmark
    from flows.pipeline import BenchmarkConfig, BenchmarkSummary, ProblemRecord
    from flows.store import RunStore

__all__ = ["BenchmarkConfig", "BenchmarkSummary", "ProblemRecord", "RunStore", "__version__", "run_benchmark"]

_HOME = {
    "run_benchmark": "flows.api", "BenchmarkConfig": "flows.pipeline", "BenchmarkSummary": "flows.pipeline",
    "ProblemRecord": "flows.pipeline", "RunStore": "flows.store",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from flows.api import milpflow_version

        return milpflow_version()
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'flows' has no attribute {name!r}")
