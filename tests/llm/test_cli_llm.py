"""`milpflow solve "words"` end to end: a real process, real HTTP to the scripted local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fake_openai import FakeOpenAI, error, spec_reply

from .conftest import API_KEY

MILPFLOW = str(Path(sys.executable).with_name("milpflow"))
PROBLEM = "Ship cases from two plants to three markets at the least freight cost."


def _run(args: list[str], env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MILPFLOW_"))}
    env.update({"COLUMNS": "240", **env_extra})  # wide enough that rich does not wrap what we assert on
    return subprocess.run([MILPFLOW, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def _env(base_url: str, tmp_path: Path) -> dict[str, str]:
    return {"OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": API_KEY, "MILPFLOW_CACHE_DIR": str(tmp_path / "cache"),
            "MILPFLOW_MAX_BACKOFF": "0.05", "MILPFLOW_MAX_RETRIES": "2"}


def test_solve_text_end_to_end_with_save_and_cache(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    saved = tmp_path / "formulated.json"
    with FakeOpenAI([spec_reply(transport_spec)]) as srv:
        first = _run(["solve", PROBLEM, "--json", "--save", str(saved)], _env(srv.base_url, tmp_path), tmp_path)
        second = _run(["solve", PROBLEM, "--json"], _env(srv.base_url, tmp_path), tmp_path)
    assert first.returncode == 0, first.stderr
    payload = json.loads(first.stdout)
    assert payload["formulation"]["strategy"] == "repair"
    assert payload["formulation"]["usage"]["calls"] == 1
    assert payload["solution"]["status"] == "optimal" and payload["solution"]["objective"] == pytest.approx(153.675)
    assert len(srv.requests) == 1, "the second run is answered from the cache"
    assert json.loads(second.stdout)["formulation"]["usage"]["cached_calls"] == 1
    for output in (first.stdout, first.stderr, second.stdout, second.stderr, saved.read_text()):
        assert API_KEY not in output
    resolved = _run(["solve", str(saved), "--json"], {}, tmp_path)  # the saved spec needs no LLM
    assert json.loads(resolved.stdout)["objective"] == pytest.approx(153.675)


def test_human_output_shows_model_solution_and_footer(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    with FakeOpenAI([spec_reply(transport_spec)]) as srv:
        proc = _run(["solve", PROBLEM, "--no-cache", "--strategy", "direct"], _env(srv.base_url, tmp_path), tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "sum(ship[i,j] for j in Markets) <= supply[i]" in out  # the formulated model, readable
    assert "a plant ships no more than its capacity" in out  # the LLM's one-line description
    assert "153.675" in out and "direct: 1 attempt(s)" in out and "prompt" in out


def test_without_an_endpoint_it_says_what_to_set(tmp_path: Path) -> None:
    proc = _run(["solve", PROBLEM], {}, tmp_path)
    assert proc.returncode == 2
    assert "OPENAI_API_KEY" in proc.stderr and "OPENAI_BASE_URL" in proc.stderr
    assert "milpflow solve model.json" in proc.stderr


def test_persistent_rate_limit_fails_clearly_after_bounded_retries(tmp_path: Path) -> None:
    with FakeOpenAI(lambda req, i: error(429, headers={"retry-after": "0"})) as srv:
        proc = _run(["solve", PROBLEM, "--no-cache"], _env(srv.base_url, tmp_path), tmp_path)
    assert proc.returncode == 6
    assert "rate_limited" in proc.stderr and "REQUESTS_PER_MINUTE" in proc.stderr
    assert len(srv.requests) == 3
    assert API_KEY not in proc.stderr + proc.stdout
