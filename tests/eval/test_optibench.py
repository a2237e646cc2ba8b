"""Every linear OptiBench reference model recognises a scrambled copy of itself and notices a real change.

Slow (410 models, a few solves each): run with ``pytest -m slow tests/eval/test_optibench.py``. Skips with a
reason when the data set is not there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.compare import Verdict
from eval.selfcheck import self_check

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = (
    ROOT / "benchmarks" / "datasets" / "optibench-equiv",
    ROOT.parent / "shared" / "datasets" / "optibench-equiv",
)
FOLDER = next((path for path in CANDIDATES if path.is_dir()), None)

pytestmark = pytest.mark.slow


@pytest.mark.skipif(FOLDER is None, reason=f"OptiBench data set not found in {' or '.join(map(str, CANDIDATES))}")
def test_all_linear_references():
    io = pytest.importorskip("solvers.io", reason="solvers.io (the LP reader for bracketed names) is not available")
    assert FOLDER is not None
    files = sorted(FOLDER.rglob("reference_answer.lp"))
    assert len(files) > 100
    linear = changed = 0
    failures: list[str] = []
    for path in files:
        try:
            model = io.read_model(path)
        except io.UnsupportedModelError:
            continue  # quadratic: out of scope
        linear += 1
        check = self_check(model, seed=0, solve_time_limit=20.0)
        label = str(path.parent.relative_to(FOLDER))
        if check.scrambled.verdict is not Verdict.ISOMORPHIC:
            failures.append(f"{label}: scrambled copy judged {check.scrambled.verdict.value}: {check.scrambled.reason}")
        if check.perturbed is not None:
            changed += 1
            if check.perturbed.verdict is not Verdict.DIFFERENT:
                failures.append(f"{label}: {check.change} judged {check.perturbed.verdict.value}")
    print(f"OptiBench: {len(files)} models, {linear} linear, {changed} with an optimum-changing coefficient")
    assert linear > 300
    assert not failures, "\n".join(failures)
