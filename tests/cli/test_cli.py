"""The `milpflow` command line: output shapes, exit codes and error messages are a contract for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import ExitCode, app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_solve_prints_status_objective_and_nonzero_variables() -> None:
    code, out, _ = run("solve", str(EXAMPLES / "transport.json"))
    assert code == ExitCode.OK
    assert "optimal" in out
    assert "153.675" in out
    assert "ship[Seattle,Chicago]" in out
    assert "ship[Seattle,NewYork]" not in out  # zero-valued: hidden unless --all


def test_solve_json_has_the_documented_fields() -> None:
    code, out, _ = run("solve", str(EXAMPLES / "transport.json"), "--json")
    assert code == ExitCode.OK
    payload = json.loads(out)
    assert payload["status"] == "optimal"
    assert payload["objective"] == pytest.approx(153.675, rel=1e-9)
    assert payload["variables"]["ship[SanDiego,NewYork]"] == pytest.approx(325)
    assert len(payload["variables"]) == 6
    assert payload["solve_seconds"] >= 0
    assert payload["model"]["variables"] == 6 and payload["model"]["constraints"] == 5


def test_infeasible_model_exits_3_and_names_the_iis(tmp_path: Path) -> None:
    spec = json.loads((EXAMPLES / "transport.json").read_text())
    for param in spec["parameters"]:
        if param["name"] == "demand":
            param["values"][0]["value"] = 10_000  # more than both plants can supply
    path = tmp_path / "too_much_demand.json"
    path.write_text(json.dumps(spec))
    code, out, _ = run("solve", str(path), "--json")
    assert code == ExitCode.NOT_SOLVABLE
    payload = json.loads(out)
    assert payload["status"] == "infeasible"
    assert "meet_demand[NewYork]" in payload["iis"]["rows"]
    code, out, _ = run("solve", str(path))
    assert code == ExitCode.NOT_SOLVABLE
    assert "irreducible infeasible subset" in out and "meet_demand[NewYork]" in out


def test_unbounded_model_exits_3_with_a_hint(tmp_path: Path) -> None:
    spec = {
        "name": "unb", "description": None, "sets": [], "parameters": [],
        "variables": [{"name": "x", "description": None, "indices": [], "domain": "continuous",
                       "lower": None, "upper": None}],
        "objective": {"sense": "maximize", "expression": "x", "description": None},
        "constraints": [{"name": "c", "description": None, "forall": None, "expression": "x >= 1"}],
    }
    path = tmp_path / "unb.json"
    path.write_text(json.dumps(spec))
    code, out, _ = run("solve", str(path), "--json")
    assert code == ExitCode.NOT_SOLVABLE
    payload = json.loads(out)
    assert payload["status"] == "unbounded"
    assert "x" in payload["unbounded_hint"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "invalid JSON at line 1"),
        ('{"name": "m"}', "sets: Field required"),
        ("[]", "not a valid ModelSpec"),
    ],
    ids=["truncated-json", "missing-fields", "wrong-top-level"],
)
def test_bad_input_exits_2_with_a_located_message(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run("solve", str(path), "--json")
    assert code == ExitCode.BAD_INPUT
    message = json.loads(out)["error"]["message"]
    assert str(path) in message and expected in message
    assert expected in err


def test_missing_file_and_unknown_type_exit_2(tmp_path: Path) -> None:
    code, _, err = run("solve", str(tmp_path / "nope.json"))
    assert code == ExitCode.BAD_INPUT and "no such file" in err
    other = tmp_path / "model.xyz"  # (.txt files hold problems in words)
    other.write_text("x")
    code, _, err = run("solve", str(other))
    assert code == ExitCode.BAD_INPUT and "unknown model file type" in err


def test_spec_errors_are_all_listed(tmp_path: Path) -> None:
    spec = json.loads((EXAMPLES / "transport.json").read_text())
    spec["constraints"][0]["expression"] = "sum(ship[i,j] * ship[i,j] for j in Markets) <= supply[i]"
    spec["constraints"][1]["expression"] = "sum(shipp[i,j] for i in Plants) >= demand[j]"
    path = tmp_path / "two_errors.json"
    path.write_text(json.dumps(spec))
    code, _, err = run("check", str(path))
    assert code == ExitCode.BAD_INPUT
    assert "2 errors" in err
    assert "constraint `supply_limit`" in err and "not linear" in err
    assert "constraint `meet_demand`" in err and "did you mean `ship`" in err


def test_export_round_trips_through_lp_mps_and_json(tmp_path: Path) -> None:
    for suffix in (".lp", ".mps", ".json"):
        target = tmp_path / f"transport{suffix}"
        code, out, _ = run("export", str(EXAMPLES / "transport.json"), "-o", str(target))
        assert code == ExitCode.OK, out
        code, out, _ = run("solve", str(target), "--json")
        assert code == ExitCode.OK
        payload = json.loads(out)
        assert payload["objective"] == pytest.approx(153.675, rel=1e-9)
        assert "ship[SanDiego,Topeka]" in payload["variables"], suffix  # original names survive the file


def test_pyomo_backend_gives_the_same_answer() -> None:
    code, out, _ = run("solve", str(EXAMPLES / "transport.json"), "--json", "--backend", "pyomo")
    assert code == ExitCode.OK
    payload = json.loads(out)
    assert payload["backend"] == "pyomo-highs"
    assert payload["objective"] == pytest.approx(153.675, rel=1e-9)


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("--time-limit", "-1", "use seconds > 0"),
        ("--time-limit", "abc", "use seconds > 0"),
        ("--backend", "gurobi", "highs, pyomo"),
        ("--strategy", "best", "direct, repair, vote"),
        ("--votes", "0", "use 2 to 20"),
        ("--max-attempts", "11", "use 1 to 10"),
        ("--mip-gap", "-0.5", "use a number >= 0"),
        ("--threads", "two", "use 1 or more"),
    ],
)
def test_invalid_option_values_get_one_clear_line(option: str, value: str, allowed: str) -> None:
    """The message names the option, the bad value and what is allowed — never a pydantic dump."""
    code, _, err = run("solve", str(EXAMPLES / "transport.json"), option, value)
    assert code == ExitCode.BAD_INPUT
    line = next(line for line in err.splitlines() if "Invalid value" in line)
    assert option in line and value in line and allowed in line, err
    assert "validation error" not in err and "Input should" not in err and "pydantic" not in err


def test_bench_and_solve_share_the_default_strategy() -> None:
    from typer.core import TyperGroup
    from typer.main import get_command

    from formulation.strategy_names import DEFAULT_STRATEGY

    group = get_command(app)
    assert isinstance(group, TyperGroup)
    commands = group.commands
    defaults = {name: next(p.default for p in commands[name].params if p.name == "strategy")
                for name in ("solve", "bench")}
    assert defaults == {"solve": DEFAULT_STRATEGY, "bench": DEFAULT_STRATEGY}


def test_names_with_brackets_are_not_read_as_markup(tmp_path: Path) -> None:
    spec = json.loads((EXAMPLES / "transport.json").read_text())
    spec["name"] = "plan[map]"
    spec["constraints"][0]["description"] = "keep [bold]within[/bold] supply"
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    code, out, _ = run("solve", str(path), "--show-model")
    assert code == ExitCode.OK
    assert "model plan[map]" in out and "keep [bold]within[/bold] supply" in out


def test_console_script_runs_in_a_fresh_process() -> None:
    """The installed entry point (not just the typer object) works and returns the documented code."""
    exe = Path(sys.executable).with_name("milpflow")
    proc = subprocess.run([str(exe), "solve", str(EXAMPLES / "transport.json"), "--json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"
