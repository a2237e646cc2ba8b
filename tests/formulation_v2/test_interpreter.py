"""The compile-time interpreter computes Python's values for the whitelisted syntax, and explains refusals.

Expected values are written out by hand (they are what Python itself gives for the same text, with the
language's documented differences: no negative positions, JSON string keys reached with integers, sets that
keep first-seen order).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from formulation.v2.interpreter import Budget, Interpreter, InterpreterError, Limits, parse_expression
from formulation.v2.values import OrderedSet

DATA: dict[str, Any] = {
    "cost": [[1, 2, 3], [4, 5, 6]],
    "nodes": {"s": 12, "a": 0, "t": -12},
    "arcs": [{"from": "s", "to": "a", "capacity": 10}, {"from": "a", "to": "t", "capacity": 7}],
    "by_label": {"1": 5, "2": 7},
    "pairs": {(1, 2): 3.5, (2, 1): 4.5},
    "N": [0, 1, 2],
    "n": 3,
}


def value(text: str, names: dict[str, Any] | None = None, limit: int = 1_000_000) -> object:
    tree = parse_expression(text)
    return Interpreter(names if names is not None else DATA, Budget(limit), text, Limits()).evaluate(tree)


def failure(text: str, names: dict[str, Any] | None = None, limit: int = 1_000_000) -> str:
    with pytest.raises(InterpreterError) as info:
        value(text, names, limit)
    return str(info.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("7 // 2", 3), ("7 % 3", 1), ("2 ** 10", 1024), ("1 / 4", 0.25), ("-3 + +2", -1), ("2 * 3.5", 7.0),
    ("1 < 2 <= 2", True), ("1 < 2 > 3", False), ("'a' in ['a', 'b']", True), ("3 not in {1: 0}", True),
    ("(1, 2) in [(1, 2), (2, 3)]", True), ("not 0", True), ("1 and 0 or 5", 5), ("'x' if n > 2 else 'y'", "x"),
    ("cost[1][0]", 4), ("cost[1, 2]", 6), ("pairs[1, 2]", 3.5), ("pairs[(2, 1)]", 4.5), ("nodes['t']", -12),
    ("arcs[1]['capacity']", 7), ("by_label[2]", 7), ("N[1:]", [1, 2]), ("N[::-1]", [2, 1, 0]),
    ("[(i, j) for i in N for j in N if i < j]", [(0, 1), (0, 2), (1, 2)]),
    ("{i: i * i for i in N if i}", {1: 1, 2: 4}), ("[a['to'] for a in arcs]", ["a", "t"]),
    ("[i + j for (i, j) in [(1, 2), (3, 4)]]", [3, 7]), ("sum(x for row in cost for x in row)", 21),
    ("len(nodes)", 3), ("list(range(2, 8, 3))", [2, 5]), ("min(3, 1, 2)", 1), ("max([4, 9])", 9),
    ("max([], default=0)", 0), ("abs(-2.5)", 2.5), ("sqrt(16)", 4.0), ("floor(2.7)", 2), ("ceil(2.1)", 3),
    ("round(2.567, 2)", 2.57), ("sorted([3, 1, 2], reverse=True)", [3, 2, 1]), ("list(nodes)", ["s", "a", "t"]),
    ("dict([('a', 1)])", {"a": 1}), ("zip([1, 2], ['a', 'b'])", [(1, "a"), (2, "b")]),
    ("enumerate(['a', 'b'], start=1)", [(1, "a"), (2, "b")]), ("keys(nodes)", ["s", "a", "t"]),
    ("values(nodes)", [12, 0, -12]), ("items(by_label)", [("1", 5), ("2", 7)]), ("int(3.9)", 3),
    ("float(2)", 2.0), ("tuple([1, 2])", (1, 2)), ("any(x > 5 for x in values(nodes))", True),
    ("all(x > 5 for x in N)", False), ("[0] + [1]", [0, 1]), ("sum([len(r) for r in cost])", 6),
    ("[n for n in nodes if nodes[n] > 0]", ["s"]), ("-inf < 0", True),
])
def test_compile_time_values(text: str, expected: object) -> None:
    assert value(text) == expected


def test_math_functions() -> None:
    assert value("exp(1)") == pytest.approx(math.e)
    assert value("log(100, 10)") == pytest.approx(2.0)
    assert value("log(exp(2))") == pytest.approx(2.0)


def test_sets_keep_first_seen_order() -> None:
    result = value("set(['b', 'a', 'b', 'c'])")
    assert isinstance(result, OrderedSet)
    assert list(result) == ["b", "a", "c"]
    assert list(value("{x % 3 for x in range(7)}")) == [0, 1, 2]  # type: ignore[call-overload]


@pytest.mark.parametrize(("text", "fragments"), [
    ("cost[0][-1]", ["position -1 is negative", "`cost[0][-1]`", "if t >= 1"]),
    ("cost[5]", ["position 5 is out of range for a list of 2 elements"]),
    ("nodes['x']", ["there is no entry 'x'", "keys look like 's', 'a', 't'"]),
    ("1 / (n - 3)", ["division by zero", "`1 / (n - 3)`"]),
    ("lenght(N)", ["`lenght` is not a function of the language", "did you mean len?"]),
    ("cots[0]", ["unknown name 'cots'", "did you mean cost?"]),
    ("[c for c in 'abc']", ["is a string; iterating over its characters is not allowed"]),
    ("[i for i in n]", ["`n` is the number 3, not a set or list", "did you mean range(n)?"]),
    ("[i for i in Nodes]", ["unknown set 'Nodes' in `for i in Nodes`"]),
    ("N == [0, 1, 2]", ["cannot compare whole lists", "len(S) == 0"]),
    ("'a' + 1", ["`+` cannot combine a string and a number"]),
    ("sqrt(-1)", ["sqrt(-1) is not defined: the argument must be non-negative"]),
    ("log(0)", ["log(0) is not defined"]),
    ("exp(1000)", ["exp(1000) is not defined: the argument must be at most 709"]),
    ("10.0 ** 400", ["too large"]),
    ("2 ** 1000", ["the integer power is too large"]),
    ("min([])", ["min() of an empty sequence", "default=0"]),
    ("sorted([[1], [2]])", ["sorted() compares numbers, labels or tuples, not lists"]),
    ("[i for (i, j) in N]", ["cannot unpack the number 0 into 2 names", "for (i, j) in A"]),
    ("range(1, 10, 0)", ["range() step cannot be 0"]),
    ("len(x for x in N)", ["len() of a generator is not defined"]),
    ("tuple(range(300))", ["a tuple may hold at most 256 values"]),
    ("[1] in [[1]]", ["`in` tests a number, label or tuple, not a list"]),
    ("sum", ["`sum` is a function; call it"]),
    ("binary(N)", ["`binary(...)` declares a variable"]),
    ("implies(1, 2)", ["`implies(...)` is a constraint: use it under constraints"]),
])
def test_located_refusals(text: str, fragments: list[str]) -> None:
    message = failure(text)
    for fragment in fragments:
        assert fragment in message, message


def test_budget_counts_iterations_and_elements() -> None:
    assert value("len([i for i in range(400)])", limit=1_000) == 400
    message = failure("len([i for i in range(600)])", limit=1_000)
    assert "the work budget of 1,000 steps" in message


def test_independent_loops_are_checked_before_they_run() -> None:
    message = failure("[(i, j) for i in range(2000) for j in range(2000)]", limit=1_000_000)
    assert "would loop at least 4,000,000 times" in message


def test_an_early_filter_keeps_a_large_product_within_budget() -> None:
    # the filter on i cuts the work, so the up-front check must not count the full product
    result = value("len([(i, j) for i in range(2000) if i < 3 for j in range(2000)])", limit=100_000)
    assert result == 6000


def test_membership_in_a_list_is_indexed_once() -> None:
    # 3000 membership tests in a 3000-element list would cost 9e6 comparisons if scanned each time
    names = {"L": list(range(3000))}
    assert value("sum(1 for i in range(3000) if i in L)", names, limit=20_000) == 3000
