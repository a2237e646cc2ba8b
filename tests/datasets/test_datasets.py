"""The shipped datasets: counts, lazy listing, content versions, NL4Opt conversion, known answers, audit."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer import Typer
from typer.testing import CliRunner

from benchmarks.datasets import get_dataset, list_datasets
from benchmarks.datasets.audit import audit
from benchmarks.datasets.base import DATASETS_ROOT
from benchmarks.datasets.nl4opt import NL4Opt, annotation_to_spec, parse_number
from flows.cli.datasets import register
from formulation.compile import compile_spec
from solvers.highs import solve
from solvers.result import SolveStatus


def test_problem_counts_and_splits() -> None:
    counts = {ds.name: len(list(ds.problems())) for ds in list_datasets()}
    assert counts == {"optibench": 410, "nl4opt": 388, "highs": 101}
    optibench = list(get_dataset("optibench").problems())
    assert sum(p.tags.kind == "LP" for p in optibench) == 213 and sum(p.tags.kind == "MILP" for p in optibench) == 197
    assert sum(p.tags.problem_class == "Transportation" for p in optibench) == 28
    nl4opt = list(get_dataset("nl4opt").problems())
    assert sum(p.tags.split == "dev" for p in nl4opt) == 99 and sum(p.tags.split == "test" for p in nl4opt) == 289
    assert len({p.id for p in optibench}) == 410 and len({p.id for p in nl4opt}) == 388


def test_listing_optibench_is_fast_and_reads_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import benchmarks.datasets.optibench as module

    def refuse(*_: Any) -> None:
        raise AssertionError("listing must not parse LP files")

    monkeypatch.setattr(module, "read_model", refuse)
    started = time.perf_counter()
    problems = list(module.OptiBench().problems())
    assert len(problems) == 410 and time.perf_counter() - started < 1.0
    assert problems[0].id == "blending-cement_production"


def test_text_choice_and_data() -> None:
    ds = get_dataset("optibench")
    structured = ds.get("blending-cement_production", text="structured")
    plain = ds.get("blending-cement_production")
    assert "**parameters:**" in (structured.text or "") and "**parameters:**" not in (plain.text or "")
    assert structured.data is not None and set(structured.data) == {"costs", "availability", "requirements", "demand"}


def test_version_changes_when_a_file_changes(tmp_path: Path) -> None:
    copy = tmp_path / "nl4opt"
    shutil.copytree(DATASETS_ROOT / "nl4opt", copy)
    before = NL4Opt(copy).version
    assert before == get_dataset("nl4opt").version
    with (copy / "dev.jsonl").open("a") as handle:
        handle.write("\n")
    assert NL4Opt(copy).version != before


def test_optibench_blending_matches_a_greedy_computation_from_its_data() -> None:
    """One covering row plus upper bounds: the LP optimum fills the cheapest cost-per-requirement first."""
    problem = get_dataset("optibench").get("blending-cement_production")
    data = problem.data
    assert data is not None
    need, cost = data["demand"], 0.0
    for k in sorted(range(5), key=lambda i: data["costs"][i] / data["requirements"][i]):
        amount = min(data["availability"][k], need / data["requirements"][k])
        cost += amount * data["costs"][k]
        need -= amount * data["requirements"][k]
        if need <= 1e-12:
            break
    result = solve(problem.reference())
    assert result.objective == pytest.approx(cost, rel=1e-9)
    assert result.objective == pytest.approx(410326.2272876763, rel=1e-12)  # pinned: a changed file is noticed


def test_optibench_transportation_pinned_objective() -> None:
    result = solve(get_dataset("optibench").get("transportation-energy_distribution").reference())
    assert result.objective == pytest.approx(570685.9471047111, rel=1e-12)


def test_nl4opt_coconut_problem_by_hand() -> None:
    """max 50 r + 30 o s.t. 10 r + 8 o <= 200, r <= o: the vertex r = o = 200/18 gives 80·200/18 = 8000/9."""
    problem = next(p for p in get_dataset("nl4opt").problems() if p.id == "dev-m640645082")
    result = solve(problem.reference())
    assert result.status is SolveStatus.OPTIMAL and result.objective == pytest.approx(8000 / 9)


def _body(constraints: list[dict[str, Any]], objective: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"vars": ["chairs", "tables"], "var_mention_to_first_var": {"chair": "chairs", "table": "tables"},
            "obj_declaration": objective or {"type": "objective", "direction": "maximize", "name": "profit",
                                             "terms": {"chairs": "45", "tables": "$80"}},
            "const_declarations": constraints}


@pytest.mark.parametrize(
    ("annotation", "row", "lower", "upper"),
    [
        ({"type": "linear", "terms": {"chair": "5", "tables": "20"}, "limit": "1,000", "operator": "LESS_OR_EQUAL"},
         [5, 20], -np.inf, 1000),
        ({"type": "sum", "limit": "fifteen", "operator": "GREATER_OR_EQUAL"}, [1, 1], 15, np.inf),
        ({"type": "upperbound", "var": "tables", "limit": "30", "operator": "LESS_OR_EQUAL"}, [0, 1], -np.inf, 30),
        ({"type": "lowerbound", "var": "chair", "limit": "a third", "operator": "GREATER_OR_EQUAL"}, [1, 0],
         1 / 3, np.inf),
        ({"type": "xy", "x_var": "chairs", "y_var": "tables", "operator": "LESS_OR_EQUAL"}, [1, -1], -np.inf, 0),
        ({"type": "xby", "x_var": "chairs", "param": "twice", "y_var": "tables", "operator": "GREATER_OR_EQUAL"},
         [1, -2], 0, np.inf),
        ({"type": "ratio", "var": "chairs", "limit": "70%", "operator": "GREATER_OR_EQUAL"}, [0.3, -0.7], 0, np.inf),
    ],
    ids=["linear", "sum", "upperbound", "lowerbound", "xy", "xby", "ratio"],
)
def test_each_constraint_type_becomes_the_right_row(
    annotation: dict[str, Any], row: list[float], lower: float, upper: float
) -> None:
    model = compile_spec(annotation_to_spec(_body([annotation]), "t")).model
    np.testing.assert_allclose(model.A.toarray()[0], row)
    assert model.row_lower[0] == pytest.approx(lower) and model.row_upper[0] == pytest.approx(upper)
    np.testing.assert_array_equal(model.objective, [45, 80])
    assert model.sense.value == "maximize"


def test_objvar_objective_sums_the_listed_variables() -> None:
    body = _body([], {"type": "objvar", "direction": "minimize", "name": "stores", "vars": ["chairs", "tables"]})
    model = compile_spec(annotation_to_spec(body, "t")).model
    np.testing.assert_array_equal(model.objective, [1, 1])


@pytest.mark.parametrize(
    ("text", "value"),
    [("200", 200), ("$1,000", 1000), ("70%", 0.7), ("35 percent", 0.35), ("fifteen percent", 0.15),
     ("half", 0.5), ("a third", 1 / 3), ("twice", 2), ("thrice", 3), ("five times", 5), ("1.5 times", 1.5),
     ("Four", 4), ("one hundred thousand", 100_000), ("8000 minutes", 8000), ("7.5%", 0.075)],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


def test_unreadable_numbers_are_errors_not_crashes() -> None:
    with pytest.raises(ValueError, match="cannot read the number 'lots'"):
        parse_number("lots")


def test_highs_known_results_are_parsed_from_the_source_note() -> None:
    known = get_dataset("highs").known
    assert known["afiro"] == ("optimal", -464.75314286) and known["gas11"] == ("unbounded", None)
    assert sum(status == "infeasible" for status, _ in known.values()) == 8 and len(known) == 30


def test_audit_of_highs_agrees_with_every_stated_answer() -> None:
    report = audit(get_dataset("highs"), time_limit=60)
    assert report.problems == 101 and not report.disagreements
    assert report.status_counts["out_of_scope"] == 25 and report.status_counts["unbounded"] == 1
    assert all(r.message for r in report.errors)


def test_audit_json_through_the_cli() -> None:
    app = Typer()
    register(app)
    result = CliRunner().invoke(app, ["audit", "nl4opt", "--json", "--limit", "20"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dataset"] == "nl4opt" and payload["problems"] == 20 and len(payload["version"]) == 12
    assert sum(payload["status_counts"].values()) == 20 and payload["integer_differs"] is not None


def test_cli_list_show_and_unknown_names() -> None:
    app = Typer()
    register(app)
    runner = CliRunner()
    listed = runner.invoke(app, ["datasets", "list", "--json"])
    assert {row["name"] for row in json.loads(listed.stdout)} == {"optibench", "nl4opt", "highs"}
    shown = runner.invoke(app, ["datasets", "show", "nl4opt", "dev-m640645082"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "coconut" in shown.stdout and "rickshaws" in shown.stdout
    missing = runner.invoke(app, ["datasets", "show", "nl4opt", "nope"])
    assert missing.exit_code == 2 and "no problem 'nope'" in missing.stderr
    unknown = runner.invoke(app, ["audit", "miplib"])
    assert unknown.exit_code == 2 and "optibench, nl4opt, highs" in unknown.stderr
