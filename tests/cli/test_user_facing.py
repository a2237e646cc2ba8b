"""What a new user meets: where files go, readable tables at 80 columns, honest progress, clean errors.

Most cases run the installed console script in a subprocess with real pipes (as in `test_json_pipes`), because
terminal width, TTY detection, signals and exit codes only behave for real there. Each guards a rough edge a new
user hit; the expected output is the fixed behaviour.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from flows.settings import Settings
from formulation.settings import LLMSettings
from solvers.errors import MilpflowError
from solvers.io import ModelFileError, _locate_error, read_model

ROOT = Path(__file__).resolve().parents[2]
MILPFLOW = Path(sys.executable).parent / "milpflow"
EXAMPLES = ROOT / "examples"


def _env(data: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "OPENAI_", "MILPFLOW_"))}
    return {**clean, "MILPFLOW_DATA_DIR": str(data), "NO_COLOR": "1", "COLUMNS": "80", **extra}


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MILPFLOW), *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=240, check=False)


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def bench_run(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, subprocess.CompletedProcess[str]]:
    """One small reference run (human output, non-TTY), shared by the tests that need a run in the store."""
    done = _run(["bench", "nl4opt", "--limit", "6"], _env(data_dir), tmp_path_factory.mktemp("cwd"))
    assert done.returncode == 0, done.stderr[-3000:]
    match = re.search(r"^run (\S+):", done.stderr, re.MULTILINE)
    assert match, done.stderr
    return match.group(1), done


# ------------------------------------------------------------------------------------------ the data directory
def test_store_and_cache_live_in_the_user_data_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("MILPFLOW_DATA_DIR", "MILPFLOW_CACHE_DIR", "MILPFLOW_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    home = Path(platformdirs.user_data_dir("milpflow", appauthor=False))
    assert Settings().data_dir == home
    assert Settings().store_url() == f"sqlite:///{(home / 'runs.sqlite').resolve()}"
    assert LLMSettings().cache_dir == home / "cache"
    monkeypatch.setenv("MILPFLOW_DATA_DIR", str(tmp_path / "elsewhere"))
    assert Settings().data_dir == tmp_path / "elsewhere"
    assert LLMSettings().cache_dir == tmp_path / "elsewhere" / "cache"


def test_without_a_data_dir_setting_nothing_is_written_into_the_current_folder(tmp_path: Path) -> None:
    cwd, xdg = tmp_path / "project", tmp_path / "xdg"
    cwd.mkdir()
    env = {k: v for k, v in _env(tmp_path).items() if k != "MILPFLOW_DATA_DIR"}
    done = _run(["runs", "list", "--json"], {**env, "XDG_DATA_HOME": str(xdg)}, cwd)
    assert done.returncode == 0, done.stderr
    assert list(cwd.iterdir()) == []
    assert (xdg / "milpflow" / "runs.sqlite").is_file()


# ---------------------------------------------------------------------------------------------------- report
def test_report_without_output_goes_to_the_data_directory(
    bench_run: tuple[str, subprocess.CompletedProcess[str]], data_dir: Path, tmp_path: Path,
) -> None:
    run_id, _ = bench_run
    done = _run(["report", run_id], _env(data_dir), tmp_path)
    assert done.returncode == 0, done.stderr
    expected = data_dir / "reports" / f"{run_id}.html"
    assert done.stdout.strip() == f"wrote {expected}"
    assert expected.read_text().startswith("<!doctype html>")
    assert list(tmp_path.iterdir()) == []


def test_report_to_an_unwritable_path_is_one_error_line(
    bench_run: tuple[str, subprocess.CompletedProcess[str]], data_dir: Path, tmp_path: Path,
) -> None:
    run_id, _ = bench_run
    target = tmp_path / "missing-folder" / "r.html"
    done = _run(["report", run_id, "-o", str(target)], _env(data_dir), tmp_path)
    assert done.returncode == 2
    _no_traceback(done)
    assert done.stderr.strip().splitlines() == [f"error: {target}: cannot write the report (No such file or directory)"]


# ---------------------------------------------------------------------------------------- tables at 80 columns
def test_runs_list_shows_whole_run_ids_at_80_columns(
    bench_run: tuple[str, subprocess.CompletedProcess[str]], data_dir: Path, tmp_path: Path,
) -> None:
    run_id, _ = bench_run
    done = _run(["runs", "list"], _env(data_dir), tmp_path)
    assert done.returncode == 0, done.stderr
    assert run_id in done.stdout and "…" not in done.stdout
    assert all(len(line) <= 80 for line in done.stdout.splitlines())


def test_datasets_list_is_readable_at_80_columns(tmp_path: Path) -> None:
    done = _run(["datasets", "list"], _env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), done.stdout
    listed = json.loads(_run(["datasets", "list", "--json"], _env(tmp_path), tmp_path).stdout)
    for dataset in listed:  # every value whole, on one line: nothing truncated or wrapped
        row = next(line for line in lines if f" {dataset['name']} " in line and dataset["version"] in line)
        assert str(dataset["problems"]) in row and dataset["licence"] in row
        assert any(dataset["source"] in line for line in lines)
    assert "…" not in done.stdout


def test_datasets_show_without_a_problem_lists_the_ids(tmp_path: Path) -> None:
    done = _run(["datasets", "show", "nl4opt"], _env(tmp_path, COLUMNS="120"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "dev-m640645082" in done.stdout and "388 problems" in done.stdout
    assert re.search(r"dev-m640645082\s+│\s+word problem\s+│\s+LP", done.stdout), done.stdout[:2000]


# ------------------------------------------------------------------------------------------------- bench
def test_bench_progress_lines_are_whole_and_agree_with_the_summary(
    bench_run: tuple[str, subprocess.CompletedProcess[str]], data_dir: Path, tmp_path: Path,
) -> None:
    run_id, done = bench_run
    progress = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == 6, done.stderr
    assert all(line.endswith("$0.0000") for line in progress), progress  # nothing cut off at 80 columns
    last = re.search(r"isomorphic (\d+)/(\d+) solvable", progress[-1])
    assert last, progress[-1]
    summary = json.loads(_run(["runs", "show", run_id, "--json"], _env(data_dir), tmp_path).stdout)["summary"]
    assert int(last.group(2)) == summary["solvable"]
    assert int(last.group(1)) / int(last.group(2)) == pytest.approx(summary["structural_accuracy"])


def test_ctrl_c_during_bench_says_how_to_resume(data_dir: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen([str(MILPFLOW), "bench", "optibench", "--concurrency", "1"], env=_env(data_dir),
                            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr is not None
    seen = [proc.stderr.readline() for _ in range(2)]  # the run line and a first problem: the run exists
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    run_id = re.search(r"^run (\S+):", seen[0])
    assert run_id, seen
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err
    hints = [line for line in err.splitlines() if "--resume" in line]
    assert hints == [f"error: interrupted; finish the run with: milpflow bench optibench --resume {run_id.group(1)}"]
    listed = json.loads(_run(["runs", "list", "--json"], _env(data_dir), tmp_path).stdout)
    assert run_id.group(1) in {run["run_id"] for run in listed}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bench", "nl4opt", "--resume", "no-such-run"], "error: no run 'no-such-run'"),
        (["bench", "highs", "--resume", "RUN"], "is a nl4opt run, not highs"),
        (["bench", "miplib"], "no dataset 'miplib'"),
    ],
    ids=["unknown-run", "other-dataset", "unknown-dataset"],
)
def test_bench_mismatches_are_one_error_line(
    bench_run: tuple[str, subprocess.CompletedProcess[str]], data_dir: Path, tmp_path: Path, args: list[str],
    message: str,
) -> None:
    run_id, _ = bench_run
    done = _run([run_id if a == "RUN" else a for a in args], _env(data_dir), tmp_path)
    assert done.returncode == 2
    _no_traceback(done)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], done.stderr


# ------------------------------------------------------------------------------------------------ eval
def test_eval_exit_code_says_the_verdict(tmp_path: Path) -> None:
    transport = str(EXAMPLES / "transport.json")
    assert _run(["eval", transport, transport], _env(tmp_path), tmp_path).returncode == 0
    different = _run(["eval", str(EXAMPLES / "knapsack.json"), transport, "--json"], _env(tmp_path), tmp_path)
    assert different.returncode == 1 and json.loads(different.stdout)["verdict"] == "different"
    broken = tmp_path / "broken.lp"
    broken.write_text("Minimize\n obj: x\nSubject To\n c1: x >= >= 1\nEnd\n")
    invalid = _run(["eval", str(broken), transport, "--json"], _env(tmp_path), tmp_path)
    assert invalid.returncode == 2 and json.loads(invalid.stdout)["verdict"] == "invalid"


# ---------------------------------------------------------------------------------------- model files
MALFORMED_LP = "\\ a comment\nMinimize\n obj: 3 x + 2 y\nSubject To\n c1: x + y >= 2\n c2: x + y 2\nEnd\n"


def test_lp_parse_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "model.lp"
    path.write_text(MALFORMED_LP)
    with pytest.raises(ModelFileError, match=r"line 6: c2: x \+ y 2") as caught:
        read_model(path)
    assert isinstance(caught.value, MilpflowError) and isinstance(caught.value, ValueError)
    done = _run(["solve", str(path)], _env(tmp_path), tmp_path)
    assert done.returncode == 2 and "line 6: c2: x + y 2" in done.stderr


@pytest.mark.parametrize(
    ("text", "log", "lp", "expected"),
    [
        (MALFORMED_LP, "ERROR:   expected `+` or `-`, found `2`\nERROR:   Parser error reading m.lp", True,
         "line 6: c2: x + y 2"),
        ("Minimize\n obj: x\nSubject To\n c1: x >= >= 1\nEnd\n", "ERROR:   Parser error", True,
         "line 4: c1: x >= >= 1"),
        ("Minimize\n obj: x + y\nSubject To\n c1: x + y >= 1\nGeneral\n x 3\nEnd\n", "", True, "line 6: x 3"),
        ("NAME t\nROWS\n N obj\n Q c1\nCOLUMNS\n x obj 1\nENDATA\n", 'ERROR:   Entry "Q c1" in ROWS section', False,
         "line 4: Q c1"),
        ("* comment\nthis is not MPS\n", "ERROR:   Parser error", False, "line 2: this is not MPS"),
    ],
    ids=["lp-token", "lp-double-relation", "lp-number-in-generals", "mps-token", "mps-no-section"],
)
def test_offending_line_is_found_without_a_location_in_the_log(text: str, log: str, lp: bool, expected: str) -> None:
    """Older HiGHS versions (and the MPS reader) do not say where: a simple syntax scan finds the line."""
    assert _locate_error(text, log, lp=lp) == expected


def test_export_errors_are_one_clean_message(tmp_path: Path) -> None:
    for suffix in (".lp", ".json"):
        target = tmp_path / "no-folder" / f"model{suffix}"
        done = _run(["export", str(EXAMPLES / "transport.json"), "-o", str(target)], _env(tmp_path), tmp_path)
        assert done.returncode == 2
        assert done.stderr.strip() == f"error: {target}: cannot write (No such file or directory)"
