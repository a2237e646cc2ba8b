"""Every linear OptiBench reference model recognises a scrambled copy of itself and notices a real change.

Slow (410 models, a few solves each): `./dev.sh test-slow` runs it. It reads the copy of OptiBench that ships in
`benchmarks/datasets/optibench/`, through the same loader the benchmarks use, so it never skips.
"""

from __future__ import annotations

import pytest

from benchmarks.datasets import get_dataset
from eval.compare import Verdict
from eval.selfcheck import self_check
from solvers.io import UnsupportedModelError

pytestmark = pytest.mark.slow


def test_all_linear_references() -> None:
    problems = list(get_dataset("optibench").problems())
    assert len(problems) == 410
    linear = changed = 0
    failures: list[str] = []
    for problem in problems:
        try:
            model = problem.reference()
        except UnsupportedModelError:
            continue  # quadratic: out of scope
        linear += 1
        check = self_check(model, seed=0, solve_time_limit=20.0)
        if check.scrambled.verdict is not Verdict.ISOMORPHIC:
            failures.append(f"{problem.id}: scrambled copy judged {check.scrambled.verdict.value}: "
                            f"{check.scrambled.reason}")
        if check.perturbed is not None:
            changed += 1
            if check.perturbed.verdict is not Verdict.DIFFERENT:
                failures.append(f"{problem.id}: {check.change} judged {check.perturbed.verdict.value}")
    print(f"OptiBench: {len(problems)} models, {linear} linear, {changed} with an optimum-changing coefficient")
    assert linear == 402
    assert changed > 200
    assert not failures, "\n".join(failures)
