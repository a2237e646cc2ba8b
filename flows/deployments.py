"""Deployments served by `milpflow serve`: UI-triggered solves, a scheduled benchmark, and audits.

`prefect.serve` keeps one long-lived process that polls the Prefect API and runs each flow run in a
subprocess; no work pool is needed. Teams that use work pools and workers deploy the same flows with
`prefect.yaml` (`prefect deploy --all`). The benchmark's cron schedule and parameters come from settings
(`MILPFLOW_BENCH_CRON`, nightly at 03:00 UTC by default; `MILPFLOW_BENCH_DATASET`, `MILPFLOW_BENCH_FORMULATOR`).

The descriptions below are what the UI shows on each deployment's page (markdown); the parameter form comes
from the flows' typed, described parameters (`flows.prefect_flows`). Flow runs send milpflow's own log lines
(LLM re-asks and retries, attempts, tokens, verdicts) to their Logs tab themselves, in any process that runs
them (this one, a work-pool worker, or a plain Python call).
"""

from __future__ import annotations

from typing import Any

from flows.settings import Settings, get_settings

__all__ = ["build_deployments", "serve_all"]

_SOLVE = """Formulate a decision problem written in words with the LLM, solve it with HiGHS, and show the model and
its solution.

**Run ▸ Custom run**, type the problem (optionally a `data` object of named numbers, lists and matrices), and
submit. The run's **Artifacts** tab shows the model (sets, parameters, variables with domains and bounds,
objective, constraints), the solution (non-zero values), tokens, estimated cost, time and the strategy used;
its **Logs** tab shows each formulation attempt. The LLM endpoint is the serving process's environment
(`OPENAI_BASE_URL`, `OPENAI_API_KEY`): no key is ever a parameter."""

_BENCH = """Benchmark a formulator on a dataset: one task per problem (named `dataset/problem-id`), every result
committed to the run store, a summary artifact at the end. A task whose answer is not isomorphic to the reference
ends in a Completed state named **Wrong** (its log says why), so wrong answers stand out in the task list without
failing the run."""


def build_deployments(settings: Settings | None = None) -> list[Any]:
    from flows.prefect_flows import audit_dataset, run_benchmark, solve_problem

    settings = settings or get_settings()
    return [
        solve_problem.to_deployment(name="ui", description=_SOLVE, tags=["milpflow", "solve"]),
        run_benchmark.to_deployment(
            name="nightly", cron=settings.bench_cron,
            parameters={"dataset": settings.bench_dataset, "formulator": settings.bench_formulator},
            description=f"Scheduled benchmark run (cron `{settings.bench_cron}`, UTC).\n\n{_BENCH}",
            tags=["milpflow", "benchmark"], concurrency_limit=1,
        ),
        run_benchmark.to_deployment(name="adhoc", description=f"Benchmark on demand (Run ▸ Custom run).\n\n{_BENCH}",
                                    tags=["milpflow", "benchmark"]),
        audit_dataset.to_deployment(
            name="audit", tags=["milpflow"],
            description="Audit a dataset's references: solve each one and list the unusable ones and the status "
                        "counts (Artifacts tab).",
        ),
    ]


def serve_all(limit: int = 2) -> None:  # pragma: no cover - blocks until interrupted; exercised by hand
    from prefect import serve

    serve(*build_deployments(), limit=limit)
