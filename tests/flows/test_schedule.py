"""Deployments on a real `prefect server start`, as the README and prefect.yaml run them.

Why this test exists: with SQLAlchemy 2.1 the Prefect 3.8 server's scheduler loop raised on every pass, so the
deployment showed its cron in the UI but never got a run, while every in-process test stayed green. This starts
the server and `milpflow serve` as real processes (temporary PREFECT_HOME, 127.0.0.1, a 1-second scheduler
loop), waits for upcoming runs of `run-benchmark/nightly`, and reads the server's log for tracebacks. A second
test deploys `prefect.yaml` to the same server, as its header says, and has a worker run one of its deployments.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(api_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prefect server exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    tmp_path = tmp_path_factory.mktemp("prefect")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_UI_ENABLED": "false",
        "MILPFLOW_DATA_DIR": str(tmp_path / "data"),
        "NO_COLOR": "1",
    })
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(api_url, process, log)
        yield {**env, "PREFECT_API_URL": api_url}, log
    finally:
        _stop(process)


def _deployment_runs(env: dict[str, str], flow: str, deployment: str, state: str = "SCHEDULED") -> list[Any]:
    """Start times of one deployment's runs in `state`, or None without such a deployment (Prefect's client, in a
    subprocess so that `env`'s server is the one asked)."""
    code = f"""
import asyncio, json
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName, FlowRunFilter
from prefect.client.schemas.filters import FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType

async def main():
    async with get_client() as client:
        try:
            dep = await client.read_deployment_by_name("{flow}/{deployment}")
        except Exception:
            print(json.dumps(None)); return
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.{state}]))),
            deployment_filter=DeploymentFilter(id={{"any_": [dep.id]}}))
        print(json.dumps([str(r.expected_start_time) for r in runs]))
asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_served_nightly_deployment_gets_upcoming_runs_and_the_server_logs_no_traceback(
    server: tuple[dict[str, str], Path], tmp_path: Path,
) -> None:
    env, server_log = server
    serving, runs = _serve_until_nightly_is_scheduled(env, tmp_path / "serve.log", server_log)
    try:
        # the cron is every 5 minutes, so the runs are 5 minutes apart
        starts = sorted(datetime.fromisoformat(value) for value in runs)
        assert len(starts) >= 2 and (starts[1] - starts[0]).total_seconds() == pytest.approx(300)
        text = server_log.read_text(errors="replace")
        assert "Traceback" not in text and "InvalidRequestError" not in text, text[-3000:]
    finally:
        _stop(serving)


def _serve_until_nightly_is_scheduled(
    env: dict[str, str], serve_log: Path, server_log: Path,
) -> tuple[subprocess.Popen[bytes], list[Any]]:
    """Start `milpflow serve` (nightly cron every 5 minutes) and wait, at most 90 s, for upcoming nightly runs."""
    with serve_log.open("wb") as sink:
        serving = subprocess.Popen([str(BIN / "milpflow"), "serve"], env={**env, "MILPFLOW_BENCH_CRON": "*/5 * * * *"},
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if serving.poll() is not None:
            pytest.fail(serve_log.read_text(errors="replace")[-3000:])
        runs = _deployment_runs(env, "run-benchmark", "nightly")
        if runs:
            return serving, runs
        time.sleep(1)
    _stop(serving)
    pytest.fail(f"no scheduled run of nightly after 90 s; server log:\n{server_log.read_text()[-3000:]}")


@pytest.mark.slow  # about a minute: deploy and a worker run; `./dev.sh test-slow` runs it
def test_prefect_yaml_deploys_beside_serve_and_a_worker_runs_it(server: tuple[dict[str, str], Path],
                                                                 tmp_path: Path) -> None:
    env, server_log = server
    root = Path(__file__).resolve().parents[2]
    env = {**env, "MILPFLOW_HOME": str(root), "PATH": f"{BIN}:{env.get('PATH', '')}"}

    def prefect(*args: str, timeout: float = 120) -> str:
        done = subprocess.run(["prefect", *args], env=env, cwd=root, capture_output=True, text=True,
                              timeout=timeout, check=False)
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        return done.stdout

    _stop(_serve_until_nightly_is_scheduled(env, tmp_path / "serve.log", server_log)[0])  # serve's deployments
    prefect("work-pool", "create", "local-process", "--type", "process", "--overwrite")
    prefect("--no-prompt", "deploy", "--all")
    assert _deployment_runs(env, "run-benchmark", "nightly-pool") is not None
    assert _deployment_runs(env, "audit-dataset", "audit-pool") is not None
    assert _deployment_runs(env, "run-benchmark", "nightly") is not None, "prefect.yaml replaced serve's deployment"
    prefect("deployment", "run", "audit-dataset/audit-pool", "--param", "dataset=highs")
    prefect("worker", "start", "--pool", "local-process", "--run-once", timeout=240)
    completed = _deployment_runs(env, "audit-dataset", "audit-pool", state="COMPLETED")
    assert completed and len(completed) == 1, server_log.read_text(errors="replace")[-3000:]
