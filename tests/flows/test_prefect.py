"""Prefect flows on a real (temporary) Prefect server: artifacts, a deployment triggered through the API
with a custom problem text, what the UI shows (described parameters, run logs, task names and states), and no API
key anywhere Prefect stores things."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.fake_openai import FakeOpenAI, RecordedRequest, Reply, completion, spec_reply

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
API_KEY = "sk-prefect-NEVER-SHOWN-7"
TRANSPORT = json.loads((ROOT / "examples" / "transport.json").read_text())
FLAKY = "(flaky answer)"
"""A problem text holding this gets one answer that is not a ModelSpec first, so the LLM client logs a re-ask."""


@pytest.fixture(scope="module")
def prefect_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOpenAI]:
    from prefect.testing.utilities import prefect_test_harness

    data_dir = tmp_path_factory.mktemp("data")
    saved = dict(os.environ)
    flaky_served = threading.Event()

    def script(request: RecordedRequest, index: int) -> Reply:
        if FLAKY in request.text and not flaky_served.is_set():
            flaky_served.set()
            return completion("{this is not a model}")
        return spec_reply(TRANSPORT)

    with FakeOpenAI(script) as server:
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


def _execute_flow_run(flow_run_id: UUID, home: Path) -> None:
    """Run a deployment's flow run as a worker or `prefect serve` would: in a process of its own, with
    `prefect flow-run execute` (Prefect's public entry point for one flow run; `Runner.execute_flow_run` is
    deprecated), against the test harness's server."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_HOME": str(home)}
    done = subprocess.run([str(BIN / "prefect"), "flow-run", "execute", str(flow_run_id)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def _run_logs(flow_run_id: UUID, until: Callable[[list[Any]], bool], timeout: float = 20) -> list[Any]:
    """The logs of a flow run once `until` holds of them (in-process runs send their logs in the background)."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    deadline = time.monotonic() + timeout
    while True:
        logs = _read(lambda c: c.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))))
        if until(logs) or time.monotonic() > deadline:
            return list(logs)
        time.sleep(0.2)


def test_benchmark_flow_records_every_problem_and_publishes_artifacts(prefect_env: FakeOpenAI) -> None:
    from flows.prefect_flows import BenchmarkOptions, run_benchmark

    summary = run_benchmark("nl4opt", "reference", BenchmarkOptions(limit=15))
    assert summary["recorded"] == 15 and summary["structural_accuracy"] == 1.0
    keys = _read(lambda c: c.read_artifacts())
    by_key = {a.key: a for a in keys}
    assert "benchmark-nl4opt" in by_key and "benchmark-nl4opt-by-class" in by_key
    assert "structural accuracy | 100.0%" in by_key["benchmark-nl4opt"].data


def test_benchmark_tasks_are_named_by_problem_and_wrong_answers_are_marked(prefect_env: FakeOpenAI) -> None:
    """The task list of a benchmark run: each task named dataset/problem-id; a wrong answer (the scripted LLM
    answers every problem with the transport model) ends in a Completed state named Wrong, with a warning."""
    from prefect.client.schemas.filters import FlowRunFilter

    from flows.prefect_flows import WRONG, BenchmarkOptions, run_benchmark

    state = run_benchmark("nl4opt", "llm", BenchmarkOptions(limit=2), return_state=True)
    assert state.is_completed(), state
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    tasks = _read(lambda c: c.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [flow_run_id]})))
    assert len(tasks) == 2
    assert all(t.name.startswith("nl4opt/") and len(t.name) > len("nl4opt/") for t in tasks), [t.name for t in tasks]
    assert all(t.state.is_completed() and t.state.name == WRONG for t in tasks), [t.state for t in tasks]
    warnings = [entry.message for entry in _run_logs(flow_run_id, until=lambda logs: sum(
        "❌ nl4opt/" in entry.message for entry in logs) >= 2) if entry.level >= logging.WARNING]
    assert sum("❌ nl4opt/" in m for m in warnings) == 2, warnings


def test_every_parameter_is_described_and_option_models_show_their_defaults(prefect_env: FakeOpenAI) -> None:
    """What the Custom run form renders: a description for every parameter and option field, option models as
    non-optional parameters with a default instance (no null toggle), and the shape of `data` with an example."""
    from flows.deployments import build_deployments

    deployments = build_deployments()
    for deployment in deployments:
        deployment_id = deployment.apply()
        schema = _read(lambda c, i=deployment_id: c.read_deployment(i)).parameter_openapi_schema
        where = f"{deployment.flow_name}/{deployment.name}"
        for name, prop in schema["properties"].items():
            assert prop.get("description"), f"{where}: parameter {name} has no description"
        for model, definition in schema.get("definitions", {}).items():
            for name, prop in definition["properties"].items():
                assert prop.get("description"), f"{where}: {model}.{name} has no description"
        options = schema["properties"]["options"]
        assert "anyOf" not in options and "$ref" in options, f"{where}: options is optional: {options}"
        assert isinstance(options["default"], dict) and options["default"], f"{where}: options has no default"
    ui = _read(lambda c: c.read_deployment_by_name("solve-problem/ui")).parameter_openapi_schema
    assert ui["required"] == ["problem"]
    data = ui["properties"]["data"]["description"]
    assert "Example" in data and '"supply": [350, 600]' in data and "nested list" in data


def test_deployment_triggered_through_the_api_runs_a_custom_problem(prefect_env: FakeOpenAI, tmp_path: Path) -> None:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.deployments import run_deployment

    from flows.deployments import build_deployments

    deployments = build_deployments()
    assert [d.name for d in deployments] == ["ui", "nightly", "adhoc", "audit"]
    nightly = deployments[1]
    assert nightly.schedules and nightly.schedules[0].schedule.cron == "0 3 * * *"
    ui = deployments[0]
    ui.apply()
    problem = (f"A shipping firm moves cases from two plants to three markets; minimise freight (custom UI text) "
               f"{FLAKY}.")
    flow_run = run_deployment("solve-problem/ui", parameters={"problem": problem}, timeout=0)
    _execute_flow_run(flow_run.id, tmp_path / "prefect-home")
    state = _read(lambda c: c.read_flow_run(flow_run.id))
    assert state.state.is_completed(), state.state
    assert any(problem in r.text for r in prefect_env.requests), "the UI text reached the LLM"
    artifacts = _read(lambda c: c.read_artifacts())
    solve = [a for a in artifacts if a.key == "solve-problem" and a.flow_run_id == flow_run.id]
    assert solve and "custom UI text" in solve[0].data and "153.675" in solve[0].data
    logs = _read(lambda c: c.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id]))))
    # the Logs tab: milpflow's own logger (the LLM client's re-ask) and the flow's lines on attempts and cost
    assert any(e.name == "milpflow.llm" and "re-asking" in e.message for e in logs), [(e.name, e.message) for e in logs]
    messages = "\n".join(e.message for e in logs)
    assert "attempt 1: optimal, objective 153.675" in messages and "tokens" in messages and "cost $" in messages
    stored = (json.dumps(state.parameters) + json.dumps([a.data for a in artifacts], default=str)
              + "".join(entry.message for entry in _read(lambda c: c.read_logs())))
    assert API_KEY not in stored


def test_solve_artifact_shows_the_model_its_data_and_the_cost() -> None:
    """The solve artifact for a model whose sets and parameters come from data: long sets truncated, small
    parameters in full, big ones summarised, domains and bounds, the non-zero solution, an unknown cost."""
    from flows.prefect_flows import solve_markdown
    from formulation.compile import compile_spec
    from formulation.llm import Usage
    from formulation.spec import ModelSpec
    from formulation.strategies import FormulationRecord
    from solvers.highs import solve

    spec = ModelSpec.model_validate({
        "name": "knapsack", "description": "Pick items | maximise value.",
        "sets": [{"name": "Items", "description": "items", "elements": None, "elements_from": None,
                  "range": {"start": 1, "size": None, "size_from": "value", "axis": None}},
                 {"name": "Kinds", "description": None, "elements": ["a", "b"], "range": None, "elements_from": None}],
        "parameters": [
            {"name": "value", "description": "value of an item", "indices": ["Items"], "value": None, "values": None,
             "data_key": "value", "default": None},
            {"name": "cap", "description": "capacity", "indices": [], "value": 10, "values": None, "data_key": None,
             "default": None},
            {"name": "bonus", "description": None, "indices": ["Kinds"], "value": None, "default": None,
             "values": [{"index": ["a"], "value": 1}, {"index": ["b"], "value": 2}], "data_key": None}],
        "variables": [{"name": "take", "description": "item taken", "indices": ["Items"], "domain": "binary",
                       "lower": None, "upper": None},
                      {"name": "y", "description": None, "indices": ["Kinds"], "domain": "continuous",
                       "lower": "-inf", "upper": 5}],
        "objective": {"sense": "maximize", "description": None,
                      "expression": "sum(value[i] * take[i] for i in Items) + sum(bonus[k] * y[k] for k in Kinds)"},
        "constraints": [{"name": "capacity", "description": "at most cap items", "forall": None,
                         "expression": "sum(take[i] for i in Items) <= cap"}],
    })
    data = {"value": [float(1 + (i * 7) % 40) for i in range(40)]}
    compiled = compile_spec(spec, data)
    result = solve(compiled.model)
    record = FormulationRecord(strategy="repair", model="local-llama", spec=spec, result=result,
                               usage=Usage(calls=1, prompt_tokens=1200, completion_tokens=300, cost_usd=None))
    page = solve_markdown("Pick at most ten of forty items.", record, compiled, seconds=1.5)
    assert "**optimal** · objective **" in page and "(maximize)" in page
    assert "| `Items` | 40 | {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …, 39, 40} |" in page
    assert "| `Kinds` | 2 | {a, b} |" in page
    assert "40 values, min 1, max 40, mean" in page and "(data `value`)" in page
    assert "| `bonus[Kinds]` | a: 1, b: 2 |" in page and "| `cap` | 10 |" in page
    assert "| `take[Items]` | binary | 0 ≤ take ≤ 1 | 40 |" in page
    assert "| `y[Kinds]` | continuous | -∞ ≤ y ≤ 5 | 2 |" in page
    assert "Pick items \\| maximise value." in page
    assert "| cost | unknown (no price for model `local-llama`; set MILPFLOW_PRICES) |" in page
    assert "1,500 tokens (1,200 prompt + 300 completion)" in page and "| strategy | repair, 0 attempt(s) |" in page
    assert "| `take[1]` |" not in page and "| `y[b]` | 5 |" in page and "non-zero of 42 variables" in page


def test_audit_flow_publishes_counts(prefect_env: FakeOpenAI) -> None:
    from flows.prefect_flows import AuditOptions, audit_dataset

    report = audit_dataset("highs", AuditOptions(limit=20))
    assert report["problems"] == 20
    keys = {a.key for a in _read(lambda c: c.read_artifacts())}
    assert {"audit-highs", "audit-highs-counts"} <= keys


def test_report_is_one_self_contained_html_file(prefect_env: FakeOpenAI, tmp_path: Path) -> None:
    from flows.pipeline import BenchmarkConfig, run_benchmark
    from flows.report import write_report
    from flows.settings import get_settings
    from flows.store import RunStore

    store = RunStore(get_settings().store_url())
    first = run_benchmark(BenchmarkConfig(dataset="optibench", limit=12), store).run
    second = run_benchmark(BenchmarkConfig(dataset="nl4opt", limit=12), store).run
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


def test_cli_path_and_prefect_flow_record_the_same_settings(prefect_env: FakeOpenAI) -> None:
    """One orchestration: a benchmark run directly (what the CLI does without a Prefect API) and the same benchmark
    as a Prefect flow store identical settings, so runs from either path compare and resume alike."""
    from flows.pipeline import BenchmarkConfig
    from flows.pipeline import run_benchmark as run_directly
    from flows.prefect_flows import BenchmarkOptions, run_benchmark
    from flows.settings import get_settings
    from flows.store import RunStore

    store = RunStore(get_settings().store_url())
    direct = run_directly(BenchmarkConfig(dataset="nl4opt", limit=3, text="structured"), store)
    flowed = run_benchmark("nl4opt", "reference", BenchmarkOptions(limit=3, text="structured"))
    settings = [store.get_run(run).settings for run in (direct.run, flowed["run"])]
    assert settings[0] == settings[1]
    assert settings[0]["config"]["dataset"] == "nl4opt" and settings[0]["config"]["limit"] == 3
