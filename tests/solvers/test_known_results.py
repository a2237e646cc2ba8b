"""The HiGHS check instances solve to their published results through read_model + the HiGHS backend.

Expected values are the upstream build script's (see benchmarks/datasets/highs/SOURCE.md). They are
printed with 7–12 significant digits, so the comparison uses relative 1e-6 or the printed precision,
whichever is looser: `_tolerance` derives the latter from the number of digits given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solvers.highs import solve
from solvers.io import read_model
from solvers.result import SolveOptions, SolveStatus

INSTANCES = Path(__file__).resolve().parents[2] / "benchmarks" / "datasets" / "highs"

OPTIMAL = {
    "25fv47": "5501.8458883", "80bau3b": "987224.19241", "adlittle": "225494.96316", "afiro": "-464.75314286",
    "etamacro": "-755.7152333", "greenbea": "-72555248.13", "shell": "1208825346", "stair": "-251.26695119",
    "standata": "1257.6995", "standgub": "1257.6995", "standmps": "1406.0175",
    "bell5": "8966406.49152", "dcmulti": "188182", "egout": "568.1007", "flugpl": "1201500", "gt2": "21166",
    "lseu": "1120", "p0548": "8691", "rgn": "82.19999", "small_mip": "3.2368421", "sp150x300d": "69",
}
INFEASIBLE = ["bgetam", "box1", "ex72a", "forest6", "galenet", "gams10am", "refinery", "woodinfe"]
UNBOUNDED = ["gas11"]


def _tolerance(printed: str) -> float:
    digits = len(printed.lstrip("-").replace(".", "").lstrip("0"))
    return max(1e-6, 0.5 * 10.0 ** (1 - digits))


def _present(name: str) -> Path:
    path = INSTANCES / f"{name}.mps"
    if not path.exists():
        pytest.fail(f"{path} is missing from the shipped instances")
    return path


@pytest.mark.parametrize("name", list(OPTIMAL))  # all 21 together take about 4 s
def test_optimal_instances_reach_the_published_objective(name: str) -> None:
    result = solve(read_model(_present(name)), SolveOptions(time_limit=120))
    assert result.status is SolveStatus.OPTIMAL, result.message
    expected = float(OPTIMAL[name])
    assert result.objective == pytest.approx(expected, rel=_tolerance(OPTIMAL[name]))


@pytest.mark.parametrize("name", INFEASIBLE)
def test_infeasible_instances_are_reported_with_an_iis(name: str) -> None:
    model = read_model(_present(name))
    result = solve(model, SolveOptions(time_limit=60))
    assert result.status is SolveStatus.INFEASIBLE
    assert result.iis is not None
    assert result.iis.rows or result.iis.columns or result.iis.note, "an IIS, or a note saying why there is none"
    assert set(result.iis.rows) <= set(model.row_names)


@pytest.mark.parametrize("name", UNBOUNDED)
def test_unbounded_instances_are_reported(name: str) -> None:
    result = solve(read_model(_present(name)), SolveOptions(time_limit=60))
    assert result.status is SolveStatus.UNBOUNDED
    assert result.unbounded_hint


def test_tolerance_follows_the_printed_digits() -> None:
    assert _tolerance("69") == pytest.approx(0.05)
    assert _tolerance("5501.8458883") == 1e-6
