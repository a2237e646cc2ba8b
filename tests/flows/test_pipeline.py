"""Benchmark pipeline: the offline reference run is perfect, faults are recorded not lost, runs resume after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from benchmarks.datasets import get_dataset
from flows.formulators import LLMFormulator
from flows.pipeline import BenchmarkConfig, run_benchmark
from flows.store import RunStore
from formulation import llm
from formulation.llm import LLMClient
from formulation.settings import LLMSettings
from formulation.strategies import StrategyOptions
from tests.fake_openai import FakeOpenAI, RecordedRequest, Reply, completion, error, spec_reply

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-bench-NEVER-STORED-42"
TRANSPORT = json.loads((ROOT / "examples" / "transport.json").read_text())


@pytest.mark.parametrize("dataset", ["nl4opt", "optibench"])
def test_reference_formulator_scores_100_percent_on_solvable_references(tmp_path: Path, dataset: str) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    ds = get_dataset(dataset)
    summary = run_benchmark(BenchmarkConfig(dataset=dataset), store, concurrency=2)
    assert summary.recorded == summary.problems == len(list(ds.problems()))
    assert summary.solvable > 200
    assert summary.structural_accuracy == summary.objective_accuracy == summary.status_accuracy == 1.0
    assert summary.version == ds.version and set(summary.error_categories) <= {"reference_unusable"}


def _faulty_server(request: RecordedRequest, index: int) -> Reply:
    """A third of the problems fail for good (500), a third answer garbage, a third answer a (wrong) model."""
    problem = next(m["content"] for m in request.body["messages"] if "# Problem" in m["content"])
    bucket = zlib.crc32(problem.encode()) % 3
    if bucket == 0:
        return error(500, "upstream exploded")
    if bucket == 1:
        return completion("this is not json at all")
    return spec_reply(TRANSPORT)


def test_llm_benchmark_with_faults_records_every_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    llm._capabilities.clear()
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    with FakeOpenAI(_faulty_server) as server:
        settings = LLMSettings(api_key=API_KEY, base_url=server.base_url, use_cache=False, max_retries=1,
                               max_backoff=0.01, validation_retries=1, cache_dir=tmp_path)
        formulator = LLMFormulator(LLMClient(settings), StrategyOptions(strategy="direct"))
        config = BenchmarkConfig(dataset="nl4opt", formulator="llm", strategy="direct", limit=30)
        summary = run_benchmark(config, store, concurrency=4, formulator=formulator)
    assert summary.recorded == 30
    records = list(store.records(summary.run))
    categories = {r.error_category for r in records}
    assert {"server_error", "invalid_output"} <= categories
    assert all(r.verdict in {"invalid", "different", "same_optimum"} for r in records)
    assert summary.structural_accuracy == 0.0 and summary.invalid_rate > 0.3
    stored = (tmp_path / "runs.sqlite").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("*.sqlite-wal"))
    assert API_KEY.encode() not in stored


def _count(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM records").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_sigkill_mid_run_then_resume_records_each_problem_exactly_once(tmp_path: Path) -> None:
    def slow_valid(request: RecordedRequest, index: int) -> Reply:
        reply = spec_reply(TRANSPORT)
        reply.delay = 0.15
        return reply

    db = tmp_path / "data" / "runs.sqlite"
    with FakeOpenAI(slow_valid) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MILPFLOW_"))}
        env.update({"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": API_KEY,
                    "MILPFLOW_DATA_DIR": str(tmp_path / "data"), "MILPFLOW_USE_CACHE": "false"})
        exe = str(Path(sys.executable).with_name("milpflow"))
        args = [exe, "bench", "nl4opt", "--formulator", "llm", "--limit", "40", "--concurrency", "2", "--json"]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while _count(db) < 8 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = _count(db)
        assert 8 <= killed_at < 40, "the run must have been killed part-way"
        store = RunStore(f"sqlite:///{db}")
        (run,) = store.list_runs()
        assert run.status == "running"
        resumed = subprocess.run([exe, "bench", "nl4opt", "--formulator", "llm", "--resume", run.run_id, "--json"],
                                 env=env, capture_output=True, text=True, timeout=120, check=False)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["recorded"] == 40 and summary["problems"] == 40
    ids = [r.problem_id for r in store.records(run.run_id)]
    assert len(ids) == len(set(ids)) == 40
    assert store.get_run(run.run_id).status == "completed"
    assert API_KEY not in resumed.stdout + resumed.stderr


def test_records_cannot_be_duplicated(tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    run = store.create_run(dataset="d", dataset_version="v", formulator="f", model=None, strategy=None,
                           settings={"api_key": API_KEY, "nested": {"OPENAI_API_KEY": API_KEY}}, code_version="x",
                           problems=1)
    assert store.add_record(run, "p1", {"x": 1}, verdict="isomorphic", error_category=None, seconds=0.1)
    assert not store.add_record(run, "p1", {"x": 2}, verdict="different", error_category=None, seconds=0.1)
    assert [r.payload for r in store.records(run)] == [{"x": 1}]
    assert API_KEY not in json.dumps(store.get_run(run).settings)
