"""`milpflow eval` through typer's CliRunner, on a small app that registers the command.

Exit codes are part of the contract: 0 isomorphic or same_optimum, 1 different, 2 invalid input; in a batch the
worst line decides (invalid > different > equivalent).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from highspy import Highs
from typer.testing import CliRunner

from eval.scramble import perturb, scramble
from flows.cli.evaluate import register
from solvers.highs import to_highs_lp
from solvers.linear import LinearModel

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transport.json"

BROKEN_LP = "Minimize\n obj: 3 x + 2 y\nSubject To\n c1: x + y >= >= 2\nEnd\n"
"""An LP file with a syntax error (HiGHS reads text without any section as an empty model, so use this)."""

app = typer.Typer()
register(app)


@app.callback()
def _root() -> None:
    """Test app (a callback keeps `eval` a sub-command)."""


runner = CliRunner()


def write(model: LinearModel, path: Path) -> Path:
    h = Highs()
    h.silent()
    h.passModel(to_highs_lp(model))
    h.writeModel(str(path))
    assert path.exists()
    return path


def plain_names(model: LinearModel) -> LinearModel:
    """The same model with LP-safe names (the LP format does not like brackets)."""
    copy = model.copy()
    copy.var_names = [f"x{j}" for j in range(model.num_vars)]
    copy.row_names = [f"c{i}" for i in range(model.num_rows)]
    return copy


@pytest.fixture
def transport() -> LinearModel:
    from formulation.loading import load_linear_model

    return load_linear_model(EXAMPLE)


def spec_variant(path: Path, *edits: tuple[str, str]) -> Path:
    """The transport example with textual edits applied, written to `path`."""
    text = EXAMPLE.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)
    return path


# The same model written differently: renamed variable, >= rows as negated <= rows, max of the negated cost.
EQUIVALENT_EDITS = (
    ("ship[", "flow["),
    ('"name": "ship"', '"name": "flow"'),
    ('"sum(flow[i,j] for i in Plants) >= demand[j]"', '"-2 * sum(flow[i,j] for i in Plants) <= -2 * demand[j]"'),
    ('"sense": "minimize"', '"sense": "maximize"'),
    ('"sum(freight * distance', '"-sum(freight * distance'),
)


def test_two_specs_written_differently_are_isomorphic(tmp_path):
    cand = spec_variant(tmp_path / "cand.json", *EQUIVALENT_EDITS)
    result = run(str(cand), str(EXAMPLE), "--json", "--solve", "always")
    assert result.exit_code == 0, result.output
    (verdict,) = json_lines(result.output)
    assert verdict["verdict"] == "isomorphic", verdict["reason"]
    assert verdict["mapping"]["flow[Seattle,NewYork]"] == "ship[Seattle,NewYork]"
    assert verdict["candidate_objective"] == pytest.approx(-verdict["reference_objective"])


def test_changed_spec_is_explained(tmp_path):
    cand = spec_variant(tmp_path / "cand.json", ('"value": 325', '"value": 300'))
    result = run(str(cand), str(EXAMPLE), "--json")
    assert result.exit_code == 1, result.output  # different
    (verdict,) = json_lines(result.output)
    assert verdict["verdict"] == "different"
    assert verdict["candidate_status"] == "optimal" and verdict["reference_status"] == "optimal"
    assert any(
        d["kind"] == "rhs" and "meet_demand[NewYork]" in d["message"] and "(300 vs 325)" in d["message"]
        for d in verdict["differences"]
    )


def test_spec_batch_and_human_report(tmp_path):
    spec_variant(tmp_path / "same.json", *EQUIVALENT_EDITS)
    spec_variant(tmp_path / "bigger.json", ('"value": 325', '"value": 300'))
    shutil.copy(EXAMPLE, tmp_path / "ref.json")
    lines = [
        {"candidate": "same.json", "reference": "ref.json"},
        {"candidate": "bigger.json", "reference": "ref.json"},
        {"candidate": "nowhere.json", "reference": "ref.json"},
    ]
    (tmp_path / "pairs.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    batch = run("--batch", str(tmp_path / "pairs.jsonl"), "--json")
    out = json_lines(batch.output)
    assert [o["verdict"] for o in out] == ["isomorphic", "different", "invalid"]
    assert batch.exit_code == 2  # an invalid line outweighs a different pair
    human = run(str(tmp_path / "bigger.json"), str(tmp_path / "ref.json"))
    assert human.exit_code == 1 and "DIFFERENT" in human.output and "meet_demand[NewYork]" in human.output


def run(*args: str):
    return runner.invoke(app, ["eval", *args])


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_spec_against_scrambled_mps_is_isomorphic(tmp_path, transport):
    ref = write(scramble(transport, 3).model, tmp_path / "reference.mps")
    result = run(str(EXAMPLE), str(ref), "--json")
    assert result.exit_code == 0, result.output
    (verdict,) = json_lines(result.output)
    assert verdict["verdict"] == "isomorphic"
    assert verdict["candidate"] == str(EXAMPLE) and verdict["reference"] == str(ref)
    assert set(verdict["mapping"]) == set(transport.var_names)
    # the structure decided, so nothing was solved (the default --solve if_needed) ...
    assert verdict["candidate_status"] is None and verdict["reference_objective"] is None
    # ... unless asked for
    (solved,) = json_lines(run(str(EXAMPLE), str(ref), "--json", "--solve", "always").output)
    assert solved["candidate_status"] == "optimal" and solved["reference_objective"] is not None
    assert verdict["seconds"] > 0


def test_lp_against_mps_with_a_changed_coefficient(tmp_path, transport):
    base = plain_names(transport)
    cand = write(base, tmp_path / "candidate.lp")
    ref = write(perturb(base, 0, 0, 2.0), tmp_path / "reference.mps")
    result = run(str(cand), str(ref), "--json")
    (verdict,) = json_lines(result.output)
    assert verdict["verdict"] in ("different", "same_optimum")
    assert result.exit_code == (1 if verdict["verdict"] == "different" else 0), result.output
    assert verdict["mapping"] is None
    assert any("`c0`" in d["message"] and "(1 vs 2)" in d["message"] for d in verdict["differences"])


def test_human_report(tmp_path, transport):
    ref = write(scramble(transport, 3).model, tmp_path / "reference.mps")
    result = run(str(EXAMPLE), str(ref), "--solve", "always")
    assert result.exit_code == 0, result.output
    assert "ISOMORPHIC" in result.output and "mapping:" in result.output and "optimal" in result.output


def test_tolerance_and_solve_options(tmp_path, transport):
    ref = write(transport, tmp_path / "reference.mps")
    lenient = json_lines(run(str(EXAMPLE), str(ref), "--json", "--lenient").output)[0]
    custom = json_lines(run(str(EXAMPLE), str(ref), "--json", "--objective-tol", "0.05").output)[0]
    unsolved = json_lines(run(str(EXAMPLE), str(ref), "--json", "--no-solve").output)[0]
    assert lenient["objective_tolerance"]["name"] == "lenient"
    assert custom["objective_tolerance"] == {"name": "custom", "rel": 0.05, "abs": 0.05}
    assert unsolved["candidate_status"] is None and unsolved["verdict"] == "isomorphic"
    assert run(str(EXAMPLE), str(ref), "--lenient", "--objective-tol", "0.1").exit_code == 2


def test_unreadable_candidate_is_an_invalid_verdict(tmp_path, transport):
    ref = write(transport, tmp_path / "reference.mps")
    garbage = tmp_path / "candidate.lp"
    garbage.write_text(BROKEN_LP)
    broken_spec = tmp_path / "candidate.json"
    broken_spec.write_text(EXAMPLE.read_text().replace("ship[i,j] for j in Markets", "shipp[i,j] for j in Markets"))
    for cand in (garbage, broken_spec):
        result = run(str(cand), str(ref), "--json")
        assert result.exit_code == 2, result.output  # invalid input
        (verdict,) = json_lines(result.output)
        assert verdict["verdict"] == "invalid"
        assert verdict["reason"].startswith("The candidate could not be read or built")
    assert "shipp" in json_lines(run(str(broken_spec), str(ref), "--json").output)[0]["reason"]


def test_bad_usage_and_paths_exit_2(tmp_path, transport):
    ref = write(transport, tmp_path / "reference.mps")
    assert run(str(tmp_path / "missing.json"), str(ref)).exit_code == 2
    assert run(str(EXAMPLE), str(tmp_path / "missing.mps")).exit_code == 2
    assert run().exit_code == 2
    assert run(str(EXAMPLE)).exit_code == 2
    assert run(str(EXAMPLE), str(ref), "--batch", str(ref)).exit_code == 2
    assert run("--batch", str(tmp_path / "missing.jsonl")).exit_code == 2
    bad_ref = tmp_path / "bad.lp"
    bad_ref.write_text(BROKEN_LP)
    result = run(str(EXAMPLE), str(bad_ref), "--json")
    assert result.exit_code == 2 and "reference" in result.output


def test_batch_with_relative_paths_and_bad_lines(tmp_path, transport):
    folder = tmp_path / "batch"
    (folder / "models").mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "models" / "cand.json")
    write(scramble(transport, 1).model, folder / "models" / "ref.mps")
    write(plain_names(transport), folder / "models" / "plain.lp")
    lines = [
        {"id": "p1", "candidate": "models/cand.json", "reference": "models/ref.mps"},
        {"candidate": "models/plain.lp", "reference": "models/ref.mps"},
        "this line is not JSON",
        {"candidate": "models/nowhere.json", "reference": "models/ref.mps"},
        {"candidate": "models/cand.json", "reference": "models/nowhere.mps"},
        {"candidate": "models/cand.json"},
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
    batch = folder / "pairs.jsonl"
    batch.write_text(text + "\n\n")
    result = runner.invoke(app, ["eval", "--batch", str(batch), "--json", "--no-solve"])
    assert result.exit_code == 2, result.output  # invalid lines
    out = json_lines(result.output)
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6]
    assert [o["verdict"] for o in out] == ["isomorphic", "isomorphic", "invalid", "invalid", "invalid", "invalid"]
    assert out[0]["id"] == "p1"
    assert "nowhere.json" in out[3]["reason"] and "nowhere.mps" in out[4]["reason"]
    human = runner.invoke(app, ["eval", "--batch", str(batch), "--no-solve"])
    assert human.exit_code == 2
    assert "Accuracy" in human.output and "isomorphic" in human.output


def test_batch_exit_code_is_the_worst_verdict(tmp_path):
    spec_variant(tmp_path / "same.json", *EQUIVALENT_EDITS)
    spec_variant(tmp_path / "bigger.json", ('"value": 325', '"value": 300'))
    shutil.copy(EXAMPLE, tmp_path / "ref.json")
    equivalent = tmp_path / "equivalent.jsonl"
    equivalent.write_text(json.dumps({"candidate": "same.json", "reference": "ref.json"}) + "\n")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(json.dumps({"candidate": c, "reference": "ref.json"})
                               for c in ("same.json", "bigger.json")))
    assert run("--batch", str(equivalent), "--json", "--no-solve").exit_code == 0
    assert run("--batch", str(mixed), "--json").exit_code == 1


LP_CANDIDATE = "Maximize\n obj: 3 pack[map] + 2 y\nSubject To\n c1: pack[map] + y <= 4\n c2: pack[map] <= 3\nEnd\n"


def test_human_report_shows_bracketed_names_and_different_sizes(tmp_path):
    """Names like `pack[map]` are not swallowed as rich markup, and a size mismatch is said in words."""
    cand = tmp_path / "cand.lp"
    cand.write_text(LP_CANDIDATE)
    ref = tmp_path / "ref.lp"
    changed = LP_CANDIDATE.replace("c1: pack[map]", "c1: 2 pack[map]")
    ref.write_text(changed.replace("End", " c3: pack[map] + y >= 1\nEnd"))
    result = runner.invoke(app, ["eval", str(cand), str(ref)], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "coefficient of `pack[map]` (1 vs 2)" in result.output
    table_rows = [line for line in result.output.splitlines() if line.lstrip("│ ").startswith("coefficient")]
    assert table_rows and all("pack[map]" in line for line in table_rows), result.output
    assert "the candidate has 2 variables and 2 constraints, the reference 2 and 3" in result.output.lower()


def test_invalid_option_values_name_the_option_and_what_is_allowed(tmp_path):
    result = run(str(EXAMPLE), str(EXAMPLE), "--rel-tol", "1")
    assert result.exit_code == 2
    assert "--rel-tol" in result.output and "1 is not allowed; use 1e-15 to 0.1" in result.output
    assert "Input should" not in result.output  # no raw pydantic message
