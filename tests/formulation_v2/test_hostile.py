"""Hostile statements are refused fast, with a located message, and never executed.

Every case runs in an empty temporary working directory that must stay empty (a canary for code execution:
several cases would create a file if Python ever ran them), and must be rejected in under two seconds (a
guard against expansion bombs: the work budget, the caps on range, exponents, integers and tuples, and the
depth limit must all trip before any real work).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from formulation.v2.compiler import ModelBuildErrorV2, compile_v2
from tests.formulation_v2.helpers import spec

FAST_SECONDS = 2.0
CANARY = "PWNED"

PARAMETER_CASES: list[tuple[str, str, str]] = [
    # (id, statement under parameters, fragment of the message)
    ("attribute", "a = ().__class__", "attribute access (`.__class__`) is not allowed in `().__class__`"),
    ("subclasses", "a = ().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("lambda", "a = (lambda: 1)()", "lambda is not allowed"),
    ("import_call", f"a = __import__('os').system('touch {CANARY}')",
     "attribute access (`.system`) is not allowed"),
    ("dunder_name", "a = __builtins__", "the name `__builtins__` is not allowed"),
    ("open", f"a = open('{CANARY}', 'w')", "`open` is not a function of the language"),
    ("eval", f"a = eval(\"open('{CANARY}', 'w')\")", "`eval` is not a function of the language"),
    ("exec", "a = exec('import os')", "`exec` is not a function of the language"),
    ("getattr", "a = getattr(1, 'real')", "`getattr` is not a function of the language"),
    ("walrus", "a = (b := 3)", "assignment expressions (:=) are not allowed in `b := 3`"),
    ("fstring_call", f"a = f\"{{open('{CANARY}', 'w')}}\"", "f-strings are not allowed"),
    ("starred", "a = max(*[1, 2])", "starred expressions (*x) are not allowed"),
    ("kwargs", "a = dict(**{'a': 1})", "**keyword unpacking is not allowed"),
    ("huge_range", "a = range(10**12)", "range() would have 1,000,000,000,000 elements"),
    ("tower", "a = 10**10**10", "the exponent 10000000000 is too large"),
    ("big_int_power", "a = 7 ** 999", "the integer power is too large"),
    ("squaring_chain", "a = (2**200) * (2**200) * (2**200)", "the integer result is too large"),
    ("float_overflow", "a = 1e308 * 10", "the result overflows to infinity"),
    ("deep_unary", "a = " + "-" * 20_000 + "1", "nests deeper than 64 levels"),
    ("deep_parens", "a = " + "(" * 5_000 + "1" + ")" * 5_000, "syntax error"),
    ("deep_lists", "a = " + "[" * 90 + "]" * 90, "nests deeper than 64 levels"),
    ("long_chain", "a = 1" + " + 1" * 20_000, "nests deeper than 64 levels"),
    ("long_statement", "a = '" + "x" * 200_000 + "'", "the statement has 200,006 characters; the limit is 100,000"),
    ("long_string", "a = '" + "x" * 20_000 + "'", "a string literal of 20,000 characters is too long"),
    ("list_repeat", "a = [0] * 10**9", "`*` cannot combine a list and a number"),
    ("string_repeat", "a = 'ab' * 10**9", "`*` cannot combine a string and a number"),
    ("product_bomb", "a = [(i, j) for i in range(10**6) for j in range(10**6)]",
     "this comprehension would loop at least 1,000,000,000,000 times"),
    ("sum_bomb", "a = sum(1 for i in range(10**6) for j in range(10**6) if i != j)",
     "this comprehension would loop at least 1,000,000,000,000 times"),
    ("dependent_bomb", "a = sum(1 for i in range(10**6) for j in range(i))", "the work budget of 1,000,000 steps"),
    ("huge_tuple", "a = tuple(range(10**5))", "a tuple may hold at most 256 values"),
    ("import_statement", "import os", "an import is not allowed"),
    ("two_statements", f"a = 1; open('{CANARY}', 'w')", "write exactly one statement per entry"),
    ("class", "class A: pass", "a class definition is not allowed"),
    ("nul", "a = 1\x00", "NUL character"),
]


def _refused(data: dict[str, Any] | None = None, **sections: Any) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(ModelBuildErrorV2) as info:
        compile_v2(spec(**sections), data)
    return str(info.value), time.perf_counter() - started


@pytest.fixture
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("statement", "fragment"), [(s, f) for _, s, f in PARAMETER_CASES],
                         ids=[c[0] for c in PARAMETER_CASES])
def test_hostile_parameter_is_refused_fast(statement: str, fragment: str, empty_cwd: Path) -> None:
    message, seconds = _refused(parameters=[statement])
    assert fragment in message, message
    assert "parameters[0]" in message
    assert seconds < FAST_SECONDS
    assert list(empty_cwd.iterdir()) == []


def test_doubling_chain_of_parameters_hits_the_budget(empty_cwd: Path) -> None:
    # each statement squares the size of the previous one: 2, 4, 16, 256, 65536, 4e9 elements
    statements = ["p0 = [0, 1]"] + [f"p{k + 1} = [(a, b) for a in p{k} for b in p{k}]" for k in range(6)]
    message, seconds = _refused(parameters=statements)
    assert "parameters[5] (p5)" in message and "work budget" in message
    assert seconds < FAST_SECONDS


def test_a_variable_over_a_huge_product_is_refused_before_any_column(empty_cwd: Path) -> None:
    message, seconds = _refused(sets=["N = range(10**5)"], variables=["x = continuous(N, N, N)"])
    assert "the variable would have 1,000,000,000,000,000 columns" in message
    assert seconds < FAST_SECONDS


def test_a_constraint_family_bomb_is_refused_before_any_row(empty_cwd: Path) -> None:
    message, seconds = _refused(sets=["N = range(10**5)"], variables=["x = continuous(N)"],
                                constraints=["c = (x[i] - x[j] <= 1 for i in N for j in N)"])
    assert "constraints[0] (c): the work budget" in message
    assert "would loop at least 10,000,000,000 times" in message
    assert seconds < FAST_SECONDS


def test_data_cannot_smuggle_names_or_code(empty_cwd: Path) -> None:
    data = {"__class__": 1, "payload": f"__import__('os').system('touch {CANARY}')"}
    message, seconds = _refused(data, parameters=["a = payload + 1", "b = __class__"])
    assert "`+` cannot combine a string and a number" in message
    assert "the name `__class__` is not allowed" in message
    assert seconds < FAST_SECONDS
    assert list(empty_cwd.iterdir()) == []


def test_hostile_constraint_and_objective_text(empty_cwd: Path) -> None:
    message, seconds = _refused(
        variables=["x = continuous(ub=1)"],
        objectives=["minimize(x.__class__)"],
        constraints=[f"c = x <= len(open('{CANARY}', 'w'))", "d = (x <= 1 for i in range(10**12))"],
    )
    assert "objectives[0]: attribute access (`.__class__`) is not allowed" in message
    assert "constraints[0] (c): `open` is not a function of the language" in message
    assert "constraints[1] (d): range() would have 1,000,000,000,000 elements" in message
    assert seconds < FAST_SECONDS
    assert list(empty_cwd.iterdir()) == []


def test_a_statement_at_the_depth_limit_still_evaluates() -> None:
    # 60 nested unary minus signs: deep but legal, and evaluated without exhausting Python's stack
    compiled = compile_v2(spec(parameters=["a = " + "-" * 60 + "1"], variables=["x = continuous(ub=a)"]))
    assert compiled.model.upper[0] == 1
