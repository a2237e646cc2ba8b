"""Prefect flows on a real (temporary) Prefect server: artifacts, a deployment triggered through the API
with a custom problem text, and no API key anywhere Prefect stores things."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fake_openai import FakeOpenAI, spec_reply

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-prefect-NEVER-SHOWN-7"
TRANSPORT = json.loads((ROOT / "examples" / "transport.json").read_text())


@pytest.fixture(scope="module")
def prefect_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOpenAI]:
    from prefect.testing.utilities import prefect_test_harness

    data_dir = tmp_path_factory.mktemp("data")
    saved = dict(os.environ)
    with FakeOpenAI(lambda request, index: spec_reply(TRANSPORT)) as server:
        os.environ.update({"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": API_KEY,
                           "MILPFLOW_USE_CACHE": "false", "MILPFLOW_DATA_DIR": str(data_dir),
                           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
        from flows.settings import get_settings

        get_settings.cache_clear()
        try:
            with prefect_test_harness(server_startup_timeout=120):
                yield server
        finally:
            os.environ.clear()
            os.environ.update(saved)
            get_settings.cache_clear()


def _read(coro_factory: Any) -> Any:
    from prefect.client.orchestration import get_client

    async def run() -> Any:
        async with get_client() as client:
            return await coro_factory(client)

    return asyncio.run(run())


def test_benchmark_flow_records_every_problem_and_publishes_artifacts(prefect_env: FakeOpenAI) -> None:
    from flows.prefect_flows import BenchmarkOptions, run_benchmark

    summary = run_benchmark("nl4opt", "reference", BenchmarkOptions(limit=15))
    assert summary["recorded"] == 15 and summary["structural_accuracy"] == 1.0
    keys = _read(lambda c: c.read_artifacts())
    by_key = {a.key: a for a in keys}
    assert "benchmark-nl4opt" in by_key and "benchmark-nl4opt-by-class" in by_key
    assert "structural accuracy | 100.0%" in by_key["benchmark-nl4opt"].data


def test_deployment_triggered_through_the_api_runs_a_custom_problem(prefect_env: FakeOpenAI) -> None:
    from prefect.deployments import run_deployment
    from prefect.runner import Runner

    from flows.deployments import build_deployments

    deployments = build_deployments()
    assert [d.name for d in deployments] == ["ui", "nightly", "adhoc", "audit"]
    nightly = deployments[1]
    assert nightly.schedules and nightly.schedules[0].schedule.cron == "0 3 * * *"
    ui = deployments[0]
    ui.apply()
    problem = "A shipping firm moves cases from two plants to three markets; minimise freight (custom UI text)."
    flow_run = run_deployment("solve-problem/ui", parameters={"problem": problem}, timeout=0)
    asyncio.run(Runner().execute_flow_run(flow_run.id))
    state = _read(lambda c: c.read_flow_run(flow_run.id))
    assert state.state.is_completed(), state.state
    assert any(problem in r.text for r in prefect_env.requests), "the UI text reached the LLM"
    artifacts = _read(lambda c: c.read_artifacts())
    solve = [a for a in artifacts if a.key == "solve-problem" and a.flow_run_id == flow_run.id]
    assert solve and "custom UI text" in solve[0].data and "153.675" in solve[0].data
    logs = _read(lambda c: c.read_logs())
    stored = (json.dumps(state.parameters) + "".join(a.data or "" for a in artifacts)
              + "".join(entry.message for entry in logs))
    assert API_KEY not in stored


def test_audit_flow_publishes_counts(prefect_env: FakeOpenAI) -> None:
    from flows.prefect_flows import AuditOptions, audit_dataset

    report = audit_dataset("highs", AuditOptions(limit=20))
    assert report["problems"] == 20
    keys = {a.key for a in _read(lambda c: c.read_artifacts())}
    assert {"audit-highs", "audit-highs-counts"} <= keys


def test_report_is_one_self_contained_html_file(prefect_env: FakeOpenAI, tmp_path: Path) -> None:
    from benchmarks.datasets import get_dataset
    from flows.formulators import ReferenceFormulator
    from flows.pipeline import run_benchmark
    from flows.report import write_report
    from flows.settings import get_settings
    from flows.store import RunStore

    store = RunStore(get_settings().store_url())
    first = run_benchmark(get_dataset("optibench"), ReferenceFormulator(), store, limit=12).run
    second = run_benchmark(get_dataset("nl4opt"), ReferenceFormulator(), store, limit=12).run
    page = write_report(store, [first, second], tmp_path / "report.html").read_text()
    assert page.count("<svg") == 5 and first in page and second in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.slow
def test_benchmark_on_a_local_dask_cluster(prefect_env: FakeOpenAI) -> None:
    prefect_dask = pytest.importorskip("prefect_dask", reason="install the `dask` extra to run this suite")
    from flows.prefect_flows import BenchmarkOptions, run_benchmark

    runner = prefect_dask.DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1,
                                                         "dashboard_address": None})
    summary = run_benchmark.with_options(task_runner=runner)("nl4opt", "reference", BenchmarkOptions(limit=10))
    assert summary["recorded"] == 10 and summary["structural_accuracy"] == 1.0
