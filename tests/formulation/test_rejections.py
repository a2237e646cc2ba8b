"""Hostile and malformed input is rejected with a located message, and no Python code ever runs.

Each case names where the problem must be reported (constraint, objective, parameter, variable, set or
file field) and a fragment the message must quote. A canary file proves that nothing was executed.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from formulation.compile import CompileOptions, ModelBuildError, compile_spec
from formulation.spec import ModelSpec, SpecFileError, load_spec

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = json.loads((ROOT / "examples" / "transport.json").read_text())
CON = "constraint `supply_limit`"


def _with_constraint(expression: str, forall: str | None = "i in Plants") -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    spec["constraints"][0]["expression"] = expression
    spec["constraints"][0]["forall"] = forall
    return spec


def _with_objective(expression: str) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    spec["objective"]["expression"] = expression
    return spec


CANARY = "PWNED_BY_MODEL_TEXT"

# (id, spec, where the message must point, fragment it must quote)
EXPRESSION_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("import-call", _with_constraint(f"__import__('os').system('touch {CANARY}') <= 1"), CON, "__import__"),
    ("open-call", _with_constraint(f"open('{CANARY}', 'w') <= 1"), CON, "open"),
    ("attribute", _with_constraint("ship[i,'NewYork'].__class__ <= 1"), CON, "__class__"),
    ("dunder-chain", _with_constraint("().__class__.__bases__ <= 1"), CON, "__class__"),
    ("lambda", _with_constraint("(lambda: 1)() <= supply[i]"), CON, "lambda"),
    ("abs-call", _with_constraint("abs(ship[i,'NewYork']) <= supply[i]"), CON, "abs"),
    ("max-call", _with_constraint("max(ship[i,'NewYork'], 0) <= supply[i]"), CON, "max"),
    ("sum-keywords", _with_constraint("sum((ship[i,j] for j in Markets), start=1) <= supply[i]"), CON, "sum("),
    ("sum-two-args", _with_constraint("sum(ship[i,j] for j in Markets, 1) <= supply[i]"), CON, "syntax"),
    ("range-generator", _with_constraint("sum(ship[i,'NewYork'] for k in range(10)) <= supply[i]"), CON, "range(10)"),
    ("list-generator", _with_constraint("sum(ship[i,'NewYork'] for k in [1, 2]) <= supply[i]"), CON, "[1, 2]"),
    ("param-generator", _with_constraint("sum(ship[i,'NewYork'] for k in supply) <= 1"), CON, "supply"),
    ("var-times-var", _with_constraint("sum(ship[i,j] * ship[i,j] for j in Markets) <= 1"), CON,
     "ship[i,j] * ship[i,j]"),
    ("divide-by-var", _with_constraint("supply[i] / ship[i,'Topeka'] <= 1"), CON, "/ ship[i,'Topeka']"),
    ("power", _with_constraint("ship[i,'Topeka'] ** 2 <= 1"), CON, "**"),
    ("modulo", _with_constraint("ship[i,'Topeka'] % 2 <= 1"), CON, "%"),
    ("floordiv", _with_constraint("ship[i,'Topeka'] // 2 <= 1"), CON, "//"),
    ("strict-less", _with_constraint("ship[i,'Topeka'] < 1"), CON, "strict"),
    ("mixed-chain", _with_constraint("0 <= ship[i,'Topeka'] >= 1"), CON, "range constraint"),
    ("no-comparison", _with_constraint("sum(ship[i,j] for j in Markets)"), CON, "comparison"),
    ("no-variables", _with_constraint("supply[i] <= 1000"), CON, "no decision variables"),
    ("comparison-in-objective", _with_objective("sum(ship[i,j] for i in Plants for j in Markets) <= 4"),
     "objective", "comparison"),
    ("unknown-name", _with_constraint("sum(shipp[i,j] for j in Markets) <= supply[i]"), CON, "did you mean `ship`"),
    ("arity", _with_constraint("sum(ship[i] for j in Markets) <= supply[i]"), CON, "takes 2 index"),
    ("wrong-set", _with_constraint("sum(ship[j,i] for j in Markets) <= supply[i]"), CON, "ranges over `Markets`"),
    ("unknown-element", _with_constraint("ship[i,'Boston'] <= supply[i]"), CON, "'Boston'"),
    ("walrus", _with_constraint("(y := ship[i,'Topeka']) <= 1"), CON, ":="),
    ("f-string", _with_constraint("f'{ship}' <= 1"), CON, "f-string"),
    ("starred", _with_constraint("sum(*ship) <= 1"), CON, "sum("),
    ("set-literal", _with_constraint("{1, 2} <= 1"), CON, "set literal"),
    ("dict-literal", _with_constraint("{1: 2} <= 1"), CON, "dict literal"),
    ("conditional-expr", _with_constraint("(ship[i,'Topeka'] if 1 else 0) <= 1"), CON, "conditional"),
    ("nul-byte", _with_constraint("ship[i,'Topeka']\x00 <= 1"), CON, "NUL"),
    ("empty", _with_constraint("   "), CON, "empty"),
    ("too-long", _with_constraint(" + ".join(["ship[i,'Topeka']"] * 20_000) + " <= 1"), CON, "characters"),
    ("deep-nesting", _with_constraint("-" * 250 + "ship[i,'Topeka'] <= 1"), CON, "nests deeper"),
    ("parser-limit", _with_constraint("(" * 300 + "ship[i,'Topeka']" + ")" * 300 + " <= 1"), CON, "syntax error"),
    ("bad-forall", _with_constraint("ship[i,'Topeka'] <= 1", forall="i of Plants"), CON, "forall"),
    ("forall-over-param", _with_constraint("ship[i,'Topeka'] <= 1", forall="i in supply"), CON, "not a set"),
    ("huge-literal", _with_constraint("1e999 * ship[i,'Topeka'] <= 1"), CON, "not finite"),
    ("out-of-range-arithmetic", _with_constraint("ship[i,'Topeka'] <= supply[i+1]"), CON, "supply"),
]


@pytest.mark.parametrize(("spec", "where", "fragment"), [c[1:] for c in EXPRESSION_CASES],
                         ids=[c[0] for c in EXPRESSION_CASES])
def test_expression_is_rejected_with_a_located_message(
    spec: dict[str, Any], where: str, fragment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelBuildError) as info:
        compile_spec(ModelSpec.model_validate(spec))
    message = str(info.value)
    assert where in message, message
    assert fragment in message, message
    assert not (tmp_path / CANARY).exists(), "model text must never be executed"
    assert len(message) < 4000, "messages quote fragments, not whole inputs"


def _with_param(name: str, **changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    for param in spec["parameters"]:
        if param["name"] == name:
            param.update(changes)
    return spec


DATA_CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None, str]] = [
    ("nan-in-data", _with_param("supply", values=None, data_key="supply"), {"supply": [float("nan"), 1]},
     "parameter `supply`: data `supply` at ['Seattle'] is nan"),
    ("inf-in-data", _with_param("supply", values=None, data_key="supply"), {"supply": [1, float("inf")]},
     "is inf"),
    ("null-in-data", _with_param("supply", values=None, data_key="supply"), {"supply": [None, 1]},
     "data `supply` at `['Seattle']` has a null value"),
    ("shape-mismatch", _with_param("supply", values=None, data_key="supply"), {"supply": [1, 2, 3]},
     "has length 3 at depth 0 but set `Plants` has 2 elements"),
    ("text-in-data", _with_param("supply", values=None, data_key="supply"), {"supply": ["a", "b"]},
     "where a number is needed"),
    ("missing-data-key", _with_param("supply", values=None, data_key="supply"), None, "data entry `supply` not found"),
    ("missing-index-value", _with_param("demand", values=[{"index": ["NewYork"], "value": 1}]), None,
     "constraint `meet_demand`: parameter `demand` has no value at index ('Chicago',)"),
    ("duplicate-index", _with_param("freight", indices=[], value=None,
                                    values=[{"index": [], "value": 1}, {"index": [], "value": 2}]), None,
     "a scalar parameter takes `value`, or exactly one entry with index []"),
    ("unknown-index-element", _with_param("supply", values=[{"index": ["Boston"], "value": 1}]), None,
     "'Boston' is not in set `Plants`"),
    ("division-by-zero", {**_with_param("freight", value=0.0), "objective": {
        "sense": "minimize", "description": None,
        "expression": "sum(distance[i,j] / freight * ship[i,j] for i in Plants for j in Markets)"}}, None,
     "objective: division by zero"),
]


@pytest.mark.parametrize(("spec", "data", "expected"), [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_bad_data_is_rejected_with_a_located_message(
    spec: dict[str, Any], data: dict[str, Any] | None, expected: str
) -> None:
    with pytest.raises(ModelBuildError) as info:
        compile_spec(ModelSpec.model_validate(spec), data)
    assert expected in str(info.value)


def test_huge_expansion_fails_fast_naming_the_constraint() -> None:
    spec = copy.deepcopy(BASE)
    spec["sets"].append({"name": "Big", "description": None, "elements": None, "elements_from": None,
                         "range": {"start": 0, "size": 10_000, "size_from": None, "axis": None}})
    spec["constraints"].append({"name": "explode", "description": None, "forall": "a in Big",
                                "expression": "sum(ship[i,j] for b in Big for i in Plants for j in Markets) <= 1"})
    started = time.perf_counter()
    with pytest.raises(ModelBuildError) as info:
        compile_spec(ModelSpec.model_validate(spec), options=CompileOptions(max_iterations=1_000_000))
    assert time.perf_counter() - started < 1.0
    message = str(info.value)
    assert "`explode` ≈ 600,010,000" in message and "the limit is 1,000,000" in message


def test_all_errors_are_reported_together() -> None:
    spec = _with_constraint("sum(shipp[i,j] for j in Markets) <= supply[i]")
    spec["constraints"][1]["expression"] = "sum(ship[i,j] ** 2 for i in Plants) >= demand[j]"
    spec["objective"]["expression"] = "abs(ship['Seattle','Topeka'])"
    with pytest.raises(ModelBuildError) as info:
        compile_spec(ModelSpec.model_validate(spec))
    assert len(info.value.errors) == 3


SPEC_FILE_CASES: list[tuple[str, str, str]] = [
    ("truncated", '{"name": "m", "sets": [', "invalid JSON at line 1"),
    ("top-level-list", "[1, 2]", "not a valid ModelSpec"),
    ("missing-field", json.dumps({k: v for k, v in BASE.items() if k != "objective"}), "objective: Field required"),
    ("extra-field", json.dumps({**BASE, "python": "import os"}), "python: Extra inputs are not permitted"),
    ("bad-domain", json.dumps({**BASE, "variables": [{**BASE["variables"][0], "domain": "real"}]}),
     "variables[0] (ship).domain"),
    ("bad-sense", json.dumps({**BASE, "objective": {**BASE["objective"], "sense": "minimise"}}), "objective.sense"),
    ("missing-expression", json.dumps({**BASE, "constraints": [{k: v for k, v in BASE["constraints"][0].items()
                                                                if k != "expression"}]}),
     "constraints[0] (supply_limit).expression: Field required"),
    ("reserved-name", json.dumps({**BASE, "variables": [{**BASE["variables"][0], "name": "sum"}]}), "reserved word"),
    ("not-identifier", json.dumps({**BASE, "variables": [{**BASE["variables"][0], "name": "my var"}]}),
     "not an identifier"),
    ("name-clash", json.dumps({**BASE, "variables": [{**BASE["variables"][0], "name": "supply"}]}),
     "used by a parameter and a variable"),
    ("two-set-sources", json.dumps({**BASE, "sets": [{**BASE["sets"][0], "elements_from": "x"}, BASE["sets"][1]]}),
     "exactly one of elements, range or elements_from"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SPEC_FILE_CASES], ids=[c[0] for c in SPEC_FILE_CASES])
def test_malformed_spec_files_name_the_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(text)
    with pytest.raises(SpecFileError) as info:
        load_spec(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_pydantic_validation_alone_also_rejects_shape_errors() -> None:
    with pytest.raises(ValidationError):
        ModelSpec.model_validate({**BASE, "constraints": "not a list"})
