"""Deployments served by `milpflow serve`: UI-triggered solves, a scheduled benchmark, and audits.

`prefect.serve` keeps one long-lived process that polls the Prefect API and runs each flow run in a
subprocess; no work pool is needed. Teams that use work pools and workers deploy the same flows with
`prefect.yaml` (`prefect deploy --all`). The benchmark's cron schedule and parameters come from settings
(`MILPFLOW_BENCH_CRON`, nightly at 03:00 UTC by default; `MILPFLOW_BENCH_DATASET`, `MILPFLOW_BENCH_FORMULATOR`).
"""

from __future__ import annotations

from typing import Any

from flows.settings import Settings, get_settings

__all__ = ["build_deployments", "serve_all"]


def build_deployments(settings: Settings | None = None) -> list[Any]:
    from flows.prefect_flows import audit_dataset, run_benchmark, solve_problem

    settings = settings or get_settings()
    return [
        solve_problem.to_deployment(
            name="ui", description="Formulate and solve a problem typed into the UI (Run ▸ Custom run).",
            tags=["milpflow", "solve"],
        ),
        run_benchmark.to_deployment(
            name="nightly", cron=settings.bench_cron,
            parameters={"dataset": settings.bench_dataset, "formulator": settings.bench_formulator},
            description="Scheduled benchmark run.", tags=["milpflow", "benchmark"], concurrency_limit=1,
        ),
        run_benchmark.to_deployment(name="adhoc", description="Benchmark on demand.", tags=["milpflow", "benchmark"]),
        audit_dataset.to_deployment(name="audit", description="Audit a dataset's references.", tags=["milpflow"]),
    ]


def serve_all(limit: int = 2) -> None:  # pragma: no cover - blocks until interrupted; exercised by hand
    from prefect import serve

    serve(*build_deployments(), limit=limit)
