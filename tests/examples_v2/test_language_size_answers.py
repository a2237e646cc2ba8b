"""The dataset answers measured by `benchmarks/bench_language_size.py` are right, and the benchmark holds its limit.

Guards: every `benchmarks/language_size/<dataset>-<id>/` answer (a v2 model.json and an idiomatic Pyomo script)
solves to the optimum of the dataset's own reference model (OptiBench's `reference_answer.lp`, NL4Opt's annotation)
— the Pyomo script now, the v2 model through `formulation.v2.compiler.compile_v2` — on the dataset's data
(OptiBench) or the data.json written beside the answer (NL4Opt); and the benchmark's median ratio of v2 characters
to Pyomo characters stays within 1.5.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.datasets.nl4opt import NL4Opt
from benchmarks.datasets.optibench import OptiBench
from solvers import highs
from solvers.api import solve
from solvers.result import SolveStatus
from tests.examples_v2.test_canonical_examples import run_script

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = ROOT / "benchmarks" / "language_size"
FOLDERS = sorted(p.name for p in ANSWERS.iterdir() if (p / "model.json").exists())


def _problem_data_and_reference(folder: str) -> tuple[dict[str, Any], float]:
    dataset, _, pid = folder.partition("-")
    problem = (OptiBench() if dataset == "optibench" else NL4Opt()).get(pid)
    data_file = ANSWERS / folder / "data.json"
    data = json.loads(data_file.read_text()) if data_file.exists() else problem.data
    assert data is not None
    reference = highs.solve(problem.reference())
    assert reference.status is SolveStatus.OPTIMAL and reference.objective is not None
    return data, reference.objective


def test_there_are_three_optibench_and_two_nl4opt_answers() -> None:
    assert [f.split("-")[0] for f in FOLDERS].count("optibench") == 3
    assert [f.split("-")[0] for f in FOLDERS].count("nl4opt") == 2


@pytest.mark.parametrize("folder", FOLDERS)
def test_pyomo_script_reaches_the_reference_optimum(
    folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data, optimum = _problem_data_and_reference(folder)
    out = run_script(ANSWERS / folder / "pyomo_script.py", data, tmp_path, monkeypatch, capsys)
    assert float(out.split()[-1]) == pytest.approx(optimum, rel=1e-6)


@pytest.mark.parametrize("folder", FOLDERS)
def test_v2_answer_reaches_the_reference_optimum(folder: str) -> None:
    from formulation.v2.compiler import compile_v2
    from formulation.v2.spec import SpecV2

    data, optimum = _problem_data_and_reference(folder)
    compiled = compile_v2(SpecV2.model_validate_json((ANSWERS / folder / "model.json").read_text()), data)
    assert len(compiled.objectives) == 1
    result = solve(compiled.model)
    assert result.status is SolveStatus.OPTIMAL, result.message
    assert result.objective == pytest.approx(optimum, rel=1e-6)


def test_benchmark_median_ratio_is_within_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_language_size", ROOT / "benchmarks" / "bench_language_size.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main() == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in [*bench.CANONICAL, *FOLDERS])
