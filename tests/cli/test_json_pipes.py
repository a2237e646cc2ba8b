"""Every `--json` command, run as the installed console script with real pipes, prints only JSON on stdout.

Why a subprocess: C libraries (HiGHS prints a banner from C++ the first time a solver object is made) write to
file descriptor 1 directly, which an in-process runner such as typer's CliRunner never sees; `milpflow … --json |
jq` does. Each case parses stdout with `json.loads` — the whole of it, or each line where the command promises
one object per line — and checks a field, so a command that printed the right JSON for the wrong thing fails too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MILPFLOW = Path(sys.executable).parent / "milpflow"
EXAMPLES = ROOT / "examples"
HIGHS = ROOT / "benchmarks" / "datasets" / "highs"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MILPFLOW), *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=240, check=False)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("data")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "OPENAI_", "MILPFLOW_"))}
    return {**clean, "MILPFLOW_DATA_DIR": str(data), "NO_COLOR": "1", "COLUMNS": "80"}


def _one_object(stdout: str) -> Any:
    return json.loads(stdout)


def _lines(stdout: str) -> list[Any]:
    return [json.loads(line) for line in stdout.splitlines()]


CASES: list[tuple[str, list[str], int, Callable[[str], Any], Callable[[Any], bool]]] = [
    ("solve-spec", ["solve", str(EXAMPLES / "transport.json"), "--json"], 0, _one_object,
     lambda p: p["status"] == "optimal" and p["objective"] == pytest.approx(153.675)),
    ("solve-spec-pyomo", ["solve", str(EXAMPLES / "transport.json"), "--json", "--backend", "pyomo"], 0, _one_object,
     lambda p: p["objective"] == pytest.approx(153.675)),
    ("solve-mps", ["solve", str(HIGHS / "afiro.mps"), "--json"], 0, _one_object,
     lambda p: p["objective"] == pytest.approx(-464.75314286, rel=1e-8)),
    ("solve-infeasible", ["solve", str(EXAMPLES / "infeasible.json"), "--json"], 3, _one_object,
     lambda p: p["status"] == "infeasible" and p["iis"]["rows"]),
    ("solve-bad-file", ["solve", str(HIGHS / "garbage.mps"), "--json"], 2, _one_object,
     lambda p: p["error"]["kind"] == "bad_input" and "garbage.mps" in p["error"]["message"]),
    ("solve-v2-priorities", ["solve", str(EXAMPLES / "lexicographic"), "--json"], 0, _one_object,
     lambda p: p["objective"] == pytest.approx(1800) and p["objectives"] == pytest.approx([1800, 80])),
    ("check-v2-generated-rows", ["check", str(EXAMPLES / "fixed_charge"), "--json"], 0, _one_object,
     lambda p: len(p["generated_rows"]) == 7 and all(r["row"].startswith("link[") for r in p["generated_rows"])),
    ("check", ["check", str(EXAMPLES / "transport.json"), "--json"], 0, _one_object,
     lambda p: p["variables"] == 6),
    ("eval", ["eval", str(EXAMPLES / "transport.json"), str(EXAMPLES / "transport.json"), "--json"], 0, _lines,
     lambda lines: len(lines) == 1 and lines[0]["verdict"] == "isomorphic"),
    ("datasets-list", ["datasets", "list", "--json"], 0, _one_object,
     lambda p: {d["name"] for d in p} >= {"nl4opt", "optibench", "highs"}),
    ("audit", ["audit", "highs", "--json"], 0, _one_object,
     lambda p: p["dataset"] == "highs" and p["problems"] == 101),
    ("bench", ["bench", "nl4opt", "--formulator", "reference", "--limit", "3", "--json"], 0, _one_object,
     lambda p: p["recorded"] == 3 and p["structural_accuracy"] == 1.0),
]


@pytest.mark.parametrize(("args", "code", "parse", "check"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_json_command_prints_only_json_on_a_real_pipe(
    env: dict[str, str], tmp_path: Path, args: list[str], code: int, parse: Callable[[str], Any],
    check: Callable[[Any], bool],
) -> None:
    done = _run(args, env, tmp_path)
    assert done.returncode == code, done.stderr[-2000:]
    assert "Running HiGHS" not in done.stdout and "Running HiGHS" not in done.stderr
    assert check(parse(done.stdout)), done.stdout[-2000:]


def test_eval_batch_prints_one_json_object_per_line(env: dict[str, str], tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(json.dumps(p) for p in [
        {"candidate": str(EXAMPLES / "transport.json"), "reference": str(EXAMPLES / "transport.json")},
        {"candidate": str(EXAMPLES / "knapsack.json"), "reference": str(EXAMPLES / "transport.json")},
        {"candidate": str(tmp_path / "missing.json"), "reference": str(EXAMPLES / "transport.json")},
    ]) + "\n")
    done = _run(["eval", "--batch", str(pairs), "--json"], env, tmp_path)
    lines = _lines(done.stdout)
    assert [line["verdict"] for line in lines] == ["isomorphic", "different", "invalid"], done.stderr[-2000:]


def test_runs_commands_print_json_for_a_recorded_run(env: dict[str, str], tmp_path: Path) -> None:
    first = json.loads(_run(["bench", "nl4opt", "--formulator", "reference", "--limit", "2", "--json"], env,
                            tmp_path).stdout)
    second = json.loads(_run(["bench", "nl4opt", "--formulator", "reference", "--limit", "2", "--json"], env,
                             tmp_path).stdout)
    listed = json.loads(_run(["runs", "list", "--json"], env, tmp_path).stdout)
    assert {first["run"], second["run"]} <= {run["run_id"] for run in listed}
    shown = json.loads(_run(["runs", "show", first["run"], "--json"], env, tmp_path).stdout)
    assert shown["run"]["run_id"] == first["run"]
    compared = _run(["runs", "compare", first["run"], second["run"], "--json"], env, tmp_path)
    assert compared.returncode == 0, compared.stderr[-2000:]
    json.loads(compared.stdout)
