"""Hostile and malformed inputs are rejected quickly, with a located message, and never executed.

One table enumerates every case. Each names the error type it must raise (`ModelBuildError` from
`compile_spec`, `SpecFileError` from `load_spec`, `DataFileError` from `load_data`), where the message must
point (constraint, objective, parameter, variable bound, set, or the file and JSON field) and the offending
fragment it must quote. Every case runs in an empty temporary working directory that must still be empty
afterwards (a canary for code execution), and must be rejected in well under a second (a guard against
expansion bombs). Cases marked xfail are bugs found here; their reasons say what is wrong.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from formulation.compile import CompileOptions, DataFileError, ModelBuildError, compile_spec, load_data
from formulation.spec import ModelSpec, SpecFileError, load_spec

CANARY = "PWNED"
TARGET = "constraint `target`"
FAST_SECONDS = 1.0

BASE: dict[str, Any] = {
    "name": "hostile_base",
    "description": "plants ship to markets; a small stock model over three periods",
    "sets": [
        {"name": "Plants", "description": None, "elements": ["Seattle", "SanDiego"], "range": None,
         "elements_from": None},
        {"name": "Markets", "description": None, "elements": ["NewYork", "Chicago"], "range": None,
         "elements_from": None},
        {"name": "T", "description": None, "elements": None, "elements_from": None,
         "range": {"start": 0, "size": 3, "size_from": None, "axis": None}},
    ],
    "parameters": [
        {"name": "supply", "description": None, "indices": ["Plants"], "value": None, "data_key": None,
         "default": None, "values": [{"index": ["Seattle"], "value": 350}, {"index": ["SanDiego"], "value": 600}]},
        {"name": "demand", "description": None, "indices": ["Markets"], "value": None, "data_key": None,
         "default": None, "values": [{"index": ["NewYork"], "value": 325}, {"index": ["Chicago"], "value": 300}]},
        {"name": "cost", "description": None, "indices": ["Plants", "Markets"], "value": None, "values": None,
         "data_key": "cost", "default": None},
        {"name": "M", "description": None, "indices": [], "value": 1000, "values": None, "data_key": None,
         "default": None},
    ],
    "variables": [
        {"name": "ship", "description": None, "indices": ["Plants", "Markets"], "domain": "continuous",
         "lower": None, "upper": None},
        {"name": "inv", "description": None, "indices": ["T"], "domain": "continuous", "lower": None, "upper": None},
        {"name": "y", "description": None, "indices": [], "domain": "binary", "lower": None, "upper": None},
    ],
    "objective": {"sense": "minimize", "description": None,
                  "expression": "sum(cost[i,j] * ship[i,j] for i in Plants for j in Markets) + M * y"},
    "constraints": [
        {"name": "target", "description": None, "forall": "i in Plants",
         "expression": "sum(ship[i,j] for j in Markets) <= supply[i]"},
        {"name": "meet", "description": None, "forall": "j in Markets",
         "expression": "sum(ship[i,j] for i in Plants) >= demand[j]"},
    ],
}
DATA: dict[str, Any] = {"cost": [[2.5, 1.7], [2.5, 1.8]], "zero": 0}


# ------------------------------------------------------------------------------ spec mutations
def con(expression: str, forall: str | None = "i in Plants") -> dict[str, Any]:
    """BASE with constraint `target` replaced."""
    spec = copy.deepcopy(BASE)
    spec["constraints"][0].update(expression=expression, forall=forall)
    return spec


def obj(expression: str) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    spec["objective"]["expression"] = expression
    return spec


def var(name: str, /, **fields: Any) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    next(v for v in spec["variables"] if v["name"] == name).update(fields)
    return spec


def par(name: str, /, **fields: Any) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    next(p for p in spec["parameters"] if p["name"] == name).update(fields)
    return spec


def with_sets(spec: dict[str, Any], **sizes: int) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    for name, size in sizes.items():
        spec["sets"].append({"name": name, "description": None, "elements": None, "elements_from": None,
                             "range": {"start": 0, "size": size, "size_from": None, "axis": None}})
    return spec


def with_params(spec: dict[str, Any], *params: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    for p in params:
        spec["parameters"].append({"description": None, "indices": [], "value": None, "values": None,
                                   "data_key": None, "default": None, **p})
    return spec


def as_text(spec: dict[str, Any]) -> str:
    return json.dumps(spec)


def file_with(**changes: Any) -> str:
    return json.dumps({**BASE, **changes})


ZERO = {"name": "zero", "data_key": "zero"}
P_T = {"name": "p", "indices": ["T"], "values": [{"index": [0], "value": 1}], "default": 0}
PER = {"name": "per", "indices": ["Big2"], "values": [{"index": [0], "value": 1}], "default": 1}


def big(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` plus two sets of 200 and a parameter `per` over the second: 40,000 visits where one is nested in
    the other."""
    return with_params(with_sets(spec, Big1=200, Big2=200), PER)


@dataclass(frozen=True)
class Hostile:
    """One hostile input. `spec` is a dict to compile, or text/bytes written to model.json and read with
    load_spec (then compiled if it loads). `data` is a dict, or text written to data.json and read with
    load_data. `where` and `fragment` must both appear in the message."""

    spec: dict[str, Any] | str | bytes
    error: type[Exception]
    where: str
    fragment: str
    data: dict[str, Any] | str | None = field(default_factory=lambda: dict(DATA))
    max_iterations: int | None = None



CASES: list[Any] = [
    # --- code execution and Python features -----------------------------------------------------------------
    pytest.param(Hostile(con(f"__import__('os').system('touch {CANARY}') <= 1"), ModelBuildError, TARGET,
                         "__import__('os').system"), id="import-os-system"),
    pytest.param(Hostile(con(f"open('{CANARY}', 'w') <= y"), ModelBuildError, TARGET, "calling `open`"),
                 id="open-call"),
    pytest.param(Hostile(con("y.__class__ <= 1"), ModelBuildError, TARGET, "y.__class__"), id="attribute"),
    pytest.param(Hostile(con("().__class__.__bases__ <= y"), ModelBuildError, TARGET, "().__class__.__bases__"),
                 id="dunder-chain"),
    pytest.param(Hostile(con("(lambda: y)() <= 1"), ModelBuildError, TARGET, "lambda: y"), id="lambda"),
    pytest.param(Hostile(con("abs(y) <= 1"), ModelBuildError, TARGET, "calling `abs`"), id="abs-call"),
    pytest.param(Hostile(con("max(y, 1) <= 1"), ModelBuildError, TARGET, "calling `max`"), id="max-call"),
    pytest.param(Hostile(con("sum((ship[i,j] for j in Markets), start=1) <= 1"), ModelBuildError, TARGET,
                         "sum((ship[i,j] for j in Markets), start=1)"), id="sum-keyword"),
    pytest.param(Hostile(con("sum((ship[i,j] for j in Markets), 1) <= 1"), ModelBuildError, TARGET,
                         "sum((ship[i,j] for j in Markets), 1)"), id="sum-two-args"),
    pytest.param(Hostile(con("sum(*ship) <= 1"), ModelBuildError, TARGET, "sum(*ship)"), id="starred"),
    pytest.param(Hostile(con("sum(y for k in range(10)) <= 1"), ModelBuildError, TARGET, "`range(10)` is not a set"),
                 id="generator-over-range"),
    pytest.param(Hostile(con("sum(y for k in [1, 2]) <= 1"), ModelBuildError, TARGET, "`[1, 2]` is not a set"),
                 id="generator-over-list"),
    pytest.param(Hostile(con("sum(y for k in supply) <= 1"), ModelBuildError, TARGET, "`supply` is not a set"),
                 id="generator-over-parameter"),
    pytest.param(Hostile(con("f'{y}' <= 1"), ModelBuildError, TARGET, "f-string"), id="f-string"),
    pytest.param(Hostile(con("(z := y) <= 1"), ModelBuildError, TARGET, "z := y"), id="walrus"),
    pytest.param(Hostile(con("{1, 2} <= y"), ModelBuildError, TARGET, "set literal is not allowed in `{1, 2}`"),
                 id="set-literal"),
    pytest.param(Hostile(con("{1: y} <= 1"), ModelBuildError, TARGET, "dict literal is not allowed in `{1: y}`"),
                 id="dict-literal"),
    pytest.param(Hostile(con("(y if M else 0) <= 1"), ModelBuildError, TARGET, "y if M else 0"),
                 id="conditional-expression"),
    pytest.param(Hostile(con("y", forall=f"i in Plants if __import__('os').system('touch {CANARY}')"),
                         ModelBuildError, TARGET, "__import__('os').system"), id="code-in-forall"),
    pytest.param(Hostile(var("ship", upper=f"__import__('os').system('touch {CANARY}')"), ModelBuildError,
                         "variable `ship` upper bound", "__import__('os').system"), id="code-in-bound"),
    # --- non-linear or malformed arithmetic -----------------------------------------------------------------
    pytest.param(Hostile(con("y * inv[0] <= 1"), ModelBuildError, TARGET, "y * inv[0]"), id="variable-product"),
    pytest.param(Hostile(con("supply[i] / y <= 1"), ModelBuildError, TARGET, "supply[i] / y"),
                 id="divide-by-variable"),
    pytest.param(Hostile(con("y ** 2 <= 1"), ModelBuildError, TARGET, "y ** 2"), id="power"),
    pytest.param(Hostile(con("y % 2 <= 1"), ModelBuildError, TARGET, "y % 2"), id="modulo"),
    pytest.param(Hostile(con("y // 2 <= 1"), ModelBuildError, TARGET, "y // 2"), id="floor-division"),
    pytest.param(Hostile(con("y < 1"), ModelBuildError, TARGET, "strict inequalities"), id="strict-less"),
    pytest.param(Hostile(con("y > 0"), ModelBuildError, TARGET, "`y > 0`"), id="strict-greater"),
    pytest.param(Hostile(con("0 <= y >= 1"), ModelBuildError, TARGET, "`0 <= y >= 1`"), id="mixed-chain"),
    pytest.param(Hostile(con("y == 1 == y"), ModelBuildError, TARGET, "`y == 1 == y`"), id="double-equality"),
    pytest.param(Hostile(con("0 <= y <= inv[0]"), ModelBuildError, TARGET, "upper end"), id="range-end-variable"),
    pytest.param(Hostile(con("0 <= y <= 1 <= 2"), ModelBuildError, TARGET, "`0 <= y <= 1 <= 2`"),
                 id="three-comparisons"),
    pytest.param(Hostile(con("sum(ship[i,j] for j in Markets)"), ModelBuildError, TARGET, "needs one comparison"),
                 id="no-comparison"),
    pytest.param(Hostile(obj("sum(ship[i,j] for i in Plants for j in Markets) <= 4"), ModelBuildError, "objective",
                         "must not contain a comparison"), id="comparison-in-objective"),
    pytest.param(Hostile(con("supply[i] <= 1000"), ModelBuildError, TARGET, "no decision variables"),
                 id="no-variables"),
    pytest.param(Hostile(con("sum(ship[i,j] for j in Markets if y > 0) <= 1"), ModelBuildError, TARGET,
                         "a condition must not contain decision variables in `y`"), id="variable-in-condition"),
    pytest.param(Hostile(var("ship", upper="2 * y"), ModelBuildError, "variable `ship` upper bound",
                         "variable `y` cannot appear here"), id="variable-in-bound"),
    pytest.param(Hostile(con("ship[i+1, NewYork] <= 1"), ModelBuildError, TARGET, "`Seattle` is not a number"),
                 id="arithmetic-on-a-label"),
    pytest.param(Hostile(con("1e999 * y <= 1"), ModelBuildError, TARGET, "not finite"), id="infinite-literal"),
    # --- names and indices ----------------------------------------------------------------------------------
    pytest.param(Hostile(con("sum(shipp[i,j] for j in Markets) <= supply[i]"), ModelBuildError, TARGET,
                         "did you mean `ship`?"), id="unknown-indexed-name"),
    pytest.param(Hostile(con("yy <= supply[i]"), ModelBuildError, TARGET, "unknown name `yy`"),
                 id="unknown-scalar-name"),
    pytest.param(Hostile(obj("sum(cots[i,j] * ship[i,j] for i in Plants for j in Markets)"), ModelBuildError,
                         "objective", "did you mean `cost`?"), id="unknown-name-in-objective"),
    pytest.param(Hostile(con("ship[i] <= 1"), ModelBuildError, TARGET, "`ship` takes 2 index/indices"),
                 id="index-arity"),
    pytest.param(Hostile(con("inv <= 1"), ModelBuildError, TARGET, "variable `inv` is indexed by ['T']"),
                 id="indexed-variable-without-index"),
    pytest.param(Hostile(con("sum(ship[j,i] for j in Markets) <= 1"), ModelBuildError, TARGET,
                         "index `j` ranges over `Markets`"), id="index-from-wrong-set"),
    pytest.param(Hostile(con("ship[i, Boston] <= 1"), ModelBuildError, TARGET, "unknown name `Boston`"),
                 id="unknown-label"),
    pytest.param(Hostile(con("inv[t-1] <= 5", forall="t in T"), ModelBuildError, TARGET,
                         "variable `inv` has no element -1 in set T"), id="index-arithmetic-out-of-range"),
    pytest.param(Hostile(con("y <= 1", forall="i in Plants, i in Markets"), ModelBuildError, TARGET,
                         "index `i` is already bound"), id="forall-rebinds-index"),
    pytest.param(Hostile(con("y <= 1", forall="i in range(3)"), ModelBuildError, TARGET, "`range(3)` is not a set"),
                 id="forall-over-range"),
    pytest.param(Hostile(con("y <= 1", forall="i of Plants"), ModelBuildError, TARGET, "forall"), id="forall-syntax"),
    pytest.param(Hostile(con("sum(ship[i,j] for j in Markets) <= supply[i]", forall="i in Plants, j in Markets"),
                         ModelBuildError, TARGET, "index `j` is already bound"), id="sum-rebinds-forall-index"),
    # --- data -----------------------------------------------------------------------------------------------
    pytest.param(Hostile(par("demand", values=[{"index": ["NewYork"], "value": 325}]), ModelBuildError,
                         "constraint `meet`", "parameter `demand` has no value at index ('Chicago',) in `demand[j]`"),
                 id="parameter-missing-at-index"),
    pytest.param(Hostile(with_params(con("y / zero <= 1"), ZERO), ModelBuildError, TARGET,
                         "division by zero at i='Seattle' in `y / zero`"), id="division-by-zero-in-data"),
    pytest.param(Hostile(BASE, ModelBuildError, "parameter `cost`", "data `cost` at ['SanDiego', 'Chicago'] is nan",
                         data='{"cost": [[2.5, 1.7], [2.5, NaN]]}'), id="nan-in-data-json"),
    pytest.param(Hostile(BASE, ModelBuildError, "parameter `cost`", "data `cost` at ['Seattle', 'NewYork'] is inf",
                         data='{"cost": [[Infinity, 1.7], [2.5, 1.8]]}'), id="infinity-in-data-json"),
    pytest.param(Hostile(BASE, ModelBuildError, "parameter `cost`", "has a null value",
                         data='{"cost": {"Seattle": {"NewYork": null}}}'), id="null-in-data-json"),
    pytest.param(Hostile(as_text(BASE).replace('"value": 350', '"value": NaN'), ModelBuildError,
                         "parameter `supply`", "value at ['Seattle'] is nan"), id="nan-in-inline-values"),
    pytest.param(Hostile(as_text(var("inv", lower=float("nan"))), ModelBuildError, "variable `inv` lower bound",
                         "NaN is not a bound"), id="nan-bound"),
    pytest.param(Hostile(BASE, ModelBuildError, "parameter `cost`", "data entry `cost` not found", data={}),
                 id="missing-data-entry"),
    pytest.param(Hostile(BASE, DataFileError, "data.json", "the data file must hold a JSON object",
                         data='["cost"]'), id="data-file-not-an-object"),
    pytest.param(Hostile(BASE, DataFileError, "data.json", "invalid JSON at line 1", data='{"cost": [[1, 2'),
                 id="data-file-truncated"),
    # --- size -----------------------------------------------------------------------------------------------
    pytest.param(Hostile(with_sets(con("sum(inv[t] for a in Big1 for b in Big2 for t in T) <= 1", forall="y0 in Big1"),
                                   Big1=10_000, Big2=10_000), ModelBuildError, "largest constraints: `target`",
                         "`target` ≈ 3,000,000,010,000"),
                 id="expansion-bomb"),
    pytest.param(Hostile(with_sets(con("sum(ship[i,j] for j in Markets) <= 1",
                                       forall="i in Plants, a in Big1, b in Big2"), Big1=10_000, Big2=10_000),
                         ModelBuildError, "largest constraints: `target`",
                         "`target` ≈ 600,000,000"),
                 id="forall-bomb"),
    pytest.param(Hostile(with_sets(var("ship", indices=["Big1", "Big2"]), Big1=10_000, Big2=10_000),
                         ModelBuildError, "variable `ship`", "would create 100,000,000 columns"), id="column-bomb"),
    pytest.param(Hostile(con(" + ".join(["ship[i,'NewYork']"] * 12_000) + " <= 1"), ModelBuildError, TARGET,
                         "the limit is 200,000"), id="expression-over-200k-chars"),
    pytest.param(Hostile(con("-" * 250 + "y <= 1"), ModelBuildError, TARGET,
                         "nests deeper than 200 levels"), id="deep-unary-nesting"),
    pytest.param(Hostile(con("(" * 300 + "y" + ")" * 300 + " <= 1"), ModelBuildError, TARGET, "syntax error"),
                 id="deep-parentheses"),
    pytest.param(Hostile(con("y\x00 <= 1"), ModelBuildError, TARGET, "NUL character"), id="nul-byte"),
    pytest.param(Hostile(con(""), ModelBuildError, TARGET, "the expression is empty"), id="empty-expression"),
    pytest.param(Hostile(obj("   \n "), ModelBuildError, "objective", "the expression is empty"),
                 id="blank-objective"),
    # --- spec files: the message names the file and the JSON location --------------------------------------
    pytest.param(Hostile(as_text(BASE)[:200], SpecFileError, "model.json", "invalid JSON at line 1"),
                 id="truncated-json"),
    pytest.param(Hostile("[1, 2]", SpecFileError, "model.json", "(top level): Input should be a valid dictionary"),
                 id="top-level-list"),
    pytest.param(Hostile(b"\xff\xfe{}", SpecFileError, "model.json", "cannot read the file"), id="not-utf8"),
    pytest.param(Hostile(file_with(constraints=[{k: v for k, v in BASE["constraints"][0].items()
                                                 if k != "expression"}]), SpecFileError, "model.json",
                         "constraints[0] (target).expression: Field required"),
                 id="missing-required-field"),
    pytest.param(Hostile(file_with(constraints=[{**BASE["constraints"][0], "python": "import os"}]), SpecFileError,
                         "model.json", "constraints[0] (target).python: Extra inputs are not permitted"),
                 id="extra-field"),
    pytest.param(Hostile(file_with(constraints=[{**BASE["constraints"][0], "expression": 42}]), SpecFileError,
                         "model.json", "constraints[0] (target).expression: Input should be a valid string"),
                 id="expression-not-a-string"),
    pytest.param(Hostile(as_text(var("ship", domain="real")), SpecFileError, "model.json",
                         "variables[0] (ship).domain: Input should be 'continuous', 'integer' or 'binary'"),
                 id="bad-domain"),
    pytest.param(Hostile(file_with(objective={**BASE["objective"], "sense": "minimise"}), SpecFileError, "model.json",
                         "objective.sense: Input should be 'minimize' or 'maximize'"), id="bad-sense"),
    pytest.param(Hostile(as_text(var("ship", name="supply")), SpecFileError, "model.json",
                         "name 'supply' is used by a parameter and a variable"), id="clash-parameter-variable"),
    pytest.param(Hostile(as_text(var("y", name="T")), SpecFileError, "model.json",
                         "name 'T' is used by a set and a variable"), id="clash-set-variable"),
    pytest.param(Hostile(as_text(par("M", name="Plants")), SpecFileError, "model.json",
                         "name 'Plants' is used by a set and a parameter"), id="clash-set-parameter"),
    pytest.param(Hostile(as_text(var("y", name="sum")), SpecFileError, "model.json",
                         "variables[2] (sum).name: Value error, variable name 'sum' is a reserved word"),
                 id="reserved-sum"),
    pytest.param(Hostile(file_with(sets=[{**BASE["sets"][0], "name": "for"}, *BASE["sets"][1:]]), SpecFileError,
                         "model.json", "sets[0] (for).name: Value error, set name 'for' is a reserved word"),
                 id="reserved-for"),
    pytest.param(Hostile(as_text(var("y", name="my var")), SpecFileError, "model.json",
                         "variable name 'my var' is not an identifier"), id="not-an-identifier"),
    pytest.param(Hostile(file_with(constraints=[*BASE["constraints"], {**BASE["constraints"][1]}]), SpecFileError,
                         "model.json", "constraint name 'meet' is used twice"), id="duplicate-constraint"),
    # --- bugs found here (fixed; kept as regression cases) -----------------------------------------------
    pytest.param(Hostile(con("      y * inv[0] <= 1"), ModelBuildError, TARGET, "in `y * inv[0]`"),
                 id="leading-space-fragment",),
    pytest.param(Hostile(with_params(con("inv[t] <= p[t+1]", forall="t in T"), P_T), ModelBuildError, TARGET,
                         "parameter `p` has no element 3 in set T"),
                 id="default-hides-out-of-range-index",),
    pytest.param(Hostile("[" * 100_000 + "]" * 100_000, SpecFileError, "model.json", "nest"),
                 id="deeply-nested-json",),
    pytest.param(Hostile(BASE, DataFileError, "data.json", "nest",
                         data='{"cost": ' + "[" * 100_000 + "]" * 100_000 + "}"),
                 id="deeply-nested-data-json",),
    pytest.param(Hostile(with_sets(BASE, Huge=2_000_000), ModelBuildError, "`Huge`", "limit",
                         max_iterations=5_000),
                 id="set-size-unbounded"),
    *(
        pytest.param(Hostile(big(spec), ModelBuildError, where, "limit", max_iterations=5_000),
                     id=f"guard-bypass-{name}")
        for name, _what, where, spec in [  # _what: where the hidden work sits
            ("sum-condition", "sum conditions", "`target`",
             con("sum(ship[Seattle, j] for j in Markets if sum(per[b] for b in Big2) > 0) <= 1", forall="a in Big1")),
            ("forall-condition", "forall conditions", "`target`",
             con("y <= 1", forall="a in Big1 if sum(per[b] for b in Big2) > 0")),
            ("divisor", "a divisor", "`target`", con("y / sum(per[b] for b in Big2) <= 1", forall="a in Big1")),
            ("range-end", "the ends of a range constraint", "`target`",
             con("sum(per[b] for b in Big2) <= y <= M", forall="a in Big1")),
            ("bound", "variable bounds", "`inv`", var("inv", indices=["Big1"], upper="sum(per[b] for b in Big2)")),
        ]
    ),
]


def _reject(case: Hostile, tmp_path: Path) -> str:
    """Run the case through the same entry points the CLI uses; return the message of the expected error."""
    with pytest.raises(case.error) as info:
        if isinstance(case.spec, dict):
            spec = ModelSpec.model_validate(case.spec)
        else:
            path = tmp_path / "model.json"
            path.write_bytes(case.spec if isinstance(case.spec, bytes) else case.spec.encode())
            spec = load_spec(path)
        data = case.data
        if isinstance(data, str):
            data_path = tmp_path / "data.json"
            data_path.write_text(data)
            data = load_data(data_path)
        options = CompileOptions(max_iterations=case.max_iterations) if case.max_iterations else None
        compile_spec(spec, data, options)
    return str(info.value)


@pytest.mark.parametrize("case", CASES)
def test_hostile_input_is_rejected_with_a_located_message(
    case: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    started = time.perf_counter()
    message = _reject(case, tmp_path)
    elapsed = time.perf_counter() - started
    assert case.where in message, message
    assert case.fragment in message, message
    if case.error is SpecFileError or case.error is DataFileError:
        assert str(tmp_path) in message, "file errors name the file"
    assert len(message) < 4_000, "messages quote fragments, not whole inputs"
    assert list(workdir.iterdir()) == [], "model text must never be executed"
    assert not (tmp_path / CANARY).exists()
    assert elapsed < FAST_SECONDS, f"rejected after {elapsed:.2f} s"


def test_table_is_large_and_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 30


def test_base_spec_itself_compiles() -> None:
    compiled = compile_spec(ModelSpec.model_validate(BASE), DATA)
    assert compiled.model.num_rows == 4 and compiled.model.num_vars == 8


def test_expansion_bomb_fails_fast_with_the_default_limit() -> None:
    spec = with_sets(con("sum(inv[t] for b in Big2 for t in T) <= 1", forall="a in Big1"), Big1=10_000, Big2=10_000)
    started = time.perf_counter()
    with pytest.raises(ModelBuildError) as info:
        compile_spec(ModelSpec.model_validate(spec), DATA)
    assert time.perf_counter() - started < FAST_SECONDS
    message = str(info.value)
    assert "`target` ≈ 300,010,000" in message and "the limit is 5,000,000" in message
