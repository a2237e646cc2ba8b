"""LP/MPS reading and writing: exact round trips, foreign bracketed names, and precise errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solvers.io import ModelFileError, UnsupportedModelError, read_model, sanitize_names, write_model
from solvers.linear import LinearModel

INF = np.inf
INSTANCES = Path(__file__).resolve().parents[2] / "benchmarks" / "datasets" / "highs"


def _awkward_model() -> LinearModel:
    return LinearModel.from_arrays(
        name="awkward", var_names=["x[a,1]", "y z", "w", "2v"], lower=[0, -INF, 1, 0], upper=[5, INF, 1, 1],
        integrality=[1, 0, 1, 1], objective=[1, 2, 3, -1], objective_constant=4.5, sense="maximize",
        A=np.array([[1, 1, 0, 0], [0, 2, 3, 0], [1, 0, 1, 0.5]]),
        row_lower=[-INF, 1, 2], row_upper=[10, 1, 8], row_names=["cap[1]", "eq", "range(r)"],
    )


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_round_trip_is_exact(tmp_path: Path, suffix: str) -> None:
    model = _awkward_model()
    mapping = write_model(model, tmp_path / f"m{suffix}")
    assert mapping["x(a,1)"] == "x[a,1]" and mapping["y_z"] == "y z"
    back = read_model(tmp_path / f"m{suffix}")
    assert back.var_names == model.var_names and back.row_names == model.row_names
    for attr in ("lower", "upper", "integrality", "objective", "row_lower", "row_upper"):
        np.testing.assert_array_equal(getattr(back, attr), getattr(model, attr), err_msg=attr)
    np.testing.assert_array_equal(back.A.toarray(), model.A.toarray())
    assert back.objective_constant == 4.5 and back.sense == model.sense


def test_gurobi_style_bracketed_names_read_with_their_original_names(tmp_path: Path) -> None:
    path = tmp_path / "reference_answer.lp"
    path.write_text(
        "\\ Model Transportation\nMinimize\n  3 x[0,0] + 2.5 x[0,1] + x[1,0]\nSubject To\n"
        " supply_0: x[0,0] + x[0,1] <= 10\n demand_0: x[0,0] + x[1,0] >= 4\nBounds\nEnd\n"
    )
    model = read_model(path)
    assert model.var_names == ["x[0,0]", "x[0,1]", "x[1,0]"]
    np.testing.assert_array_equal(model.objective, [3, 2.5, 1])


def test_quadratic_objective_in_brackets_is_not_mistaken_for_names(tmp_path: Path) -> None:
    path = tmp_path / "q.lp"
    path.write_text("Minimize\n obj: x + [ 2 x ^ 2 ] / 2\nSubject To\n c: x >= 1\nEnd\n")
    with pytest.raises(UnsupportedModelError, match="quadratic"):
        read_model(path)


@pytest.mark.parametrize(
    ("name", "error", "fragment"),
    [
        ("semi-continuous.mps", UnsupportedModelError, "semi-continuous"),
        ("semi-integer.lp", UnsupportedModelError, "semi-integer"),
        ("qjh.mps", UnsupportedModelError, "quadratic"),
        ("qcqp.lp", UnsupportedModelError, "quadratic constraints"),
        ("garbage.mps", ModelFileError, "Parser error"),
        ("comment.mps", ModelFileError, "Parser error"),
        ("1449a.lp", ModelFileError, "Parser error"),
        ("1449b.lp", ModelFileError, "cannot read"),
        ("nan0.mps", ModelFileError, "is nan"),
        ("nan2.mps", ModelFileError, "nan"),
        ("garbage.ems", ModelFileError, "unknown model format"),
    ],
)
def test_bad_or_out_of_scope_files_get_precise_errors(name: str, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as info:
        read_model(INSTANCES / name)
    assert name in str(info.value) and fragment in str(info.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no such file"):
        read_model(tmp_path / "nope.lp")
    with pytest.raises(ModelFileError, match="is a folder"):
        read_model(tmp_path)


def test_repeated_row_names_are_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / "dup.lp"
    path.write_text("Minimize\n obj: x + y\nSubject To\n c: x >= 1\n c: y >= 2\nEnd\n")
    assert read_model(path).row_names == ["c", "c~2"]


def test_sanitized_names_stay_unique() -> None:
    assert sanitize_names(["a[1]", "a(1)", "b c", "b_c", "1x"]) == ["a(1)", "a(1)_2", "b_c", "b_c_2", "_1x"]
