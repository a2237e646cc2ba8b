"""The orchestration stage's front door for notebooks and scripts.

`run_benchmark` is the same orchestration the CLI and the Prefect flow use (`flows.pipeline`), with the run store
from the settings (``MILPFLOW_DATA_DIR`` / ``MILPFLOW_DATABASE_URL``) unless one is given.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flows.pipeline import BenchmarkConfig, BenchmarkSummary, FormulatorName, TextVariant
from flows.pipeline import run_benchmark as run_configured
from flows.store import RunStore
from formulation.strategy_names import DEFAULT_STRATEGY, Strategy

__all__ = ["milpflow_version", "run_benchmark"]


def run_benchmark(
    dataset: str,
    formulator: FormulatorName = "reference",
    *,
    model: str | None = None,
    strategy: Strategy = DEFAULT_STRATEGY,
    limit: int | None = None,
    text: TextVariant = "unstructured",
    resume_run: str | None = None,
    concurrency: int = 2,
    store_url: str | None = None,
) -> BenchmarkSummary:
    """Benchmark a formulator on a dataset and return the summary; every problem is recorded in the run store.

    ``formulator="reference"`` needs no LLM (each problem is answered with its own reference: a check of the
    loaders, the harness and the evaluator); ``"llm"`` uses the endpoint configured in the environment.
    """
    from flows.settings import get_settings

    config = BenchmarkConfig(dataset=dataset, formulator=formulator, model=model, strategy=strategy, limit=limit,
                             text=text)
    store = RunStore(store_url or get_settings().store_url())
    return run_configured(config, store, resume_run=resume_run, concurrency=concurrency)


def milpflow_version() -> str:
    """The installed milpflow version (``0+unknown`` when running from a tree that was never installed)."""
    try:
        return version("milpflow")
    except PackageNotFoundError:
        return "0+unknown"
