"""Located errors: each problem becomes one line that says where, quotes the fragment, and says how to fix it.

The fragments asserted here are the contract a repair loop relies on; every error of a spec is reported in
one `ModelBuildErrorV2`, one line per problem.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.formulation_v2.helpers import errors, one_error

TSP_SETS = ["N = range(len(x))", "A = [(i, j) for i in N for j in N if i != j]"]
POINTS = {"x": [0, 2, 5], "y": [0, 7, 3]}


def test_unknown_set_in_a_family_suggests_the_abbreviation() -> None:
    message = one_error(POINTS, sets=TSP_SETS, variables=["go = binary(A)"],
                        constraints=["leave = (sum(go[i, j] for (i, j) in A if i == k) == 1 for k in Nodes)"])
    assert message == "constraints[0] (leave): unknown set 'Nodes' in `for k in Nodes`; did you mean N?"


@pytest.mark.parametrize(("sections", "expected"), [
    ({"parameters": ["d = [cst[i] for i in range(2)]"]},
     ["parameters[0] (d): unknown name 'cst' in `cst`; did you mean cost?"]),
    ({"variables": ["x = continuous(range(2))"], "objectives": ["minimize(sum(x[i] for i in range(2)) + xx)"]},
     ["objectives[0]: unknown name 'xx' in `xx`; did you mean x?"]),
    ({"variables": ["x = continuous(range(2))"], "parameters": ["p = x[0] + 1"]},
     ["parameters[0] (p): `x` is a decision variable; sets, parameters and bounds are computed before solving"]),
    ({"variables": ["x = continous()"]},
     ["variables[0] (x): a variable is declared as `name = continuous(Sets..., lb=..., ub=...)`"]),
    ({"variables": ["x = continuous(Q)"]}, ["variables[0] (x): unknown name 'Q' in `Q`"]),
    ({"variables": ["x = continuous(ub=cost)"]}, ["ub= gives a list for x, not a number"]),
    ({"variables": ["x = continuous(range(3), ub=[5, 6])"]},
     ["variables[0] (x): ub= has no value for x[2]: position 2 is out of range for a list of 2 elements"]),
    ({"variables": ["x = continuous(up=3)"]}, ["continuous() takes the keywords lb= and ub=, not up="]),
    ({"objectives": ["optimize(3)"]}, ["objectives[0]: an objective is `minimize(expression)` or `maximize"]),
    ({"variables": ["x = continuous()"], "objectives": ["minimize(x <= 3)"]},
     ["objectives[0]: the objective must be a linear expression, not a constraint"]),
    ({"variables": ["x = continuous()"], "objectives": ["minimize(x, tol=-1)"]},
     ["tol= must be a non-negative number"]),
    ({"sets": ["S = 3"]}, ["sets[0] (S): a set must be a list of elements (or a dict of lists), not a number"]),
    ({"sets": ["S = [1.5, 2]"]}, ["sets[0] (S): element 1.5: 1.5 is not an integer"]),
    ({"parameters": ["cost = 3"]}, ["parameters[0] (cost): `cost` is already a data entry"]),
    ({"parameters": ["a = 1", "a = 2"]}, ["parameters[1] (a): `a` is already defined by parameters[0] (a)"]),
    ({"parameters": ["a = b + 1", "b = a + 1"]}, ["parameters[0] (a): circular definition: a uses b"]),
    ({"parameters": ["sum = 3"]}, ["parameters[0]", "`sum` is a word of the language and cannot be redefined"]),
    ({"parameters": ["a = 1; b = 2"]}, ["parameters[0] (a): write exactly one statement per entry"]),
    ({"parameters": ["import os"]}, ["parameters[0]: an import is not allowed"]),
    ({"parameters": ["a = (1"]}, ["parameters[0] (a): syntax error", "the parentheses do not balance"]),
    ({"parameters": ["a = 1 +"]}, ["parameters[0] (a): syntax error"]),
    ({"parameters": ["a"]}, ["parameters[0]: a statement under parameters must name what it defines"]),
    ({"constraints": ["c = z <= 1"], "variables": ["z = binary()"], "parameters": ["q = cost[0][-1]"]},
     ["parameters[0] (q): `cost[0]`[-1]: position -1 is negative (negative positions are not allowed: they would "
      "silently wrap around to the end); restrict the loop, e.g. `if t >= 1` in `cost[0][-1]`"]),
])
def test_located_messages(sections: dict[str, Any], expected: list[str]) -> None:
    found = errors({"cost": [[1, 2], [3, 4]]}, **sections)
    text = "\n".join(found)
    for fragment in expected:
        assert fragment in text, text


def test_not_linear_names_the_product() -> None:
    message = one_error(sets=["N = range(2)"], variables=["x = continuous(N)", "y = continuous(N)"],
                        constraints=["p = (x[i] * y[i] <= 1 for i in N)"])
    assert message.startswith("constraints[0] (p) at i=0: not linear: the product of two expressions that both "
                              "contain decision variables (x[0], y[0]) in `x[i] * y[i]`")


@pytest.mark.parametrize(("expression", "fragment"), [
    ("x ** 2 <= 4", "not linear: a power of an expression that contains decision variables in `x ** 2`"),
    ("3 / x <= 1", "not linear: division by an expression that contains decision variables in `3 / x`"),
    ("sqrt(x) <= 2", "not linear: `sqrt(...)` of a decision-variable expression in `sqrt(x)`"),
    ("x % 2 == 0", "not linear: // or % of an expression that contains decision variables"),
    ("x < 3", "strict inequalities (< or >) are not allowed in a MILP"),
    ("x != 3", "`!=` is not a linear constraint"),
    ("x + 1", "a constraint must be a comparison; this is a linear expression"),
    ("implies(x >= 1, x <= 3)", "the condition of implies() must be a binary variable"),
    ("x <= 3 and x >= 1", "constraints cannot be combined with `and`"),
    ("[x <= 3 for i in range(2) if x >= 0]", "a condition (`if`) cannot depend on decision variables"),
    ("v <= 3", "variable `v` is indexed by range(2); give its index"),
    ("v[5] <= 3", "variable `v` has no member [5]: it exists only for the members of range(2)"),
    ("v[0, 1] <= 3", "variable `v` takes 1 index value(s), got 2 (0,1)"),
    ("x[0] <= 3", "variable `x` is a single variable and takes no index"),
    ("x - x == 1", "the constraint can never hold: no decision variable remains and the comparison is false"),
    ("5 <= x <= 4", "the range is empty: 5 > 4"),
])
def test_refused_constraints(expression: str, fragment: str) -> None:
    message = one_error(variables=["x = continuous(ub=10)", "v = continuous(range(2))"],
                        constraints=[f"c = {expression}"])
    assert message.startswith("constraints[0] (c)"), message
    assert fragment in message, message


def test_sparse_variable_member_missing_names_binding_and_hint() -> None:
    message = one_error(POINTS, sets=TSP_SETS, variables=["go = binary(A)"],
                        constraints=["loop = (go[i, j] <= 1 for i in N for j in N)"])
    assert message.startswith("constraints[0] (loop) at i=0, j=0: variable `go` has no member [0,0]: it exists only "
                              "for the members of A in `go[i, j]`; filter the loop (e.g. `if i != j`)")


def test_implies_without_an_upper_bound_names_variable_and_direction() -> None:
    message = one_error(sets=["N = range(2)"], variables=["x = continuous(N)", "b = binary(N)"],
                        constraints=["link = (implies(b[i], x[i] <= 2) for i in N)"])
    assert message == (
        "constraints[0] (link) at i=0: implies: the big-M of `x[i] <= 2` needs a finite upper bound on x[0], which "
        "has none in `x[i] <= 2`; give the variable `ub=` in its declaration (a bound the data justifies); a guessed "
        "constant is never used"
    )


def test_implies_without_a_lower_bound_names_the_lower_direction() -> None:
    message = one_error(variables=["x = continuous(lb=-inf, ub=5)", "b = binary()"],
                        constraints=["low = implies(b, x >= 2)"])
    assert "needs a finite lower bound on x, which has none" in message
    assert "give the variable `lb=`" in message


def test_either_without_bounds_is_refused() -> None:
    message = one_error(variables=["s = continuous(range(2))"],
                        constraints=["order = either(s[0] + 3 <= s[1], s[1] + 2 <= s[0])"])
    assert "either alternative 1/2: the big-M of `s[0] + 3 <= s[1]` needs a finite upper bound on s[0]" in message


def test_abs_outside_a_convex_position_needs_bounds() -> None:
    message = one_error(variables=["x = continuous(lb=-inf, ub=3)"], objectives=["maximize(abs(x))"])
    assert "objectives[0]: abs() outside a convex position (exact with one binary) needs a finite lower bound on x" \
        in message


def test_max_outside_a_convex_position_names_the_unbounded_argument() -> None:
    message = one_error(variables=["x = continuous(ub=4)", "y = continuous()"], objectives=["minimize(x)"],
                        constraints=["c = max(x, y) == 3"])
    assert "constraints[0] (c): max() outside a convex position (exact with binaries) needs a finite upper bound " \
           "on y" in message


def test_product_with_an_unbounded_expression() -> None:
    message = one_error(variables=["b = binary()", "q = continuous()"], objectives=["maximize(b * q)"])
    assert "the product with the binary b needs a finite upper bound on q, which has none in `b * q`" in message


@pytest.mark.parametrize(("call", "fragment"), [
    ("piecewise(x, [0, 5], [0, 1])",
     "piecewise(): `x` can range over [0, 10] (from its bounds), outside the breakpoints [0, 5] in "
     "`piecewise(x, [0, 5], [0, 1])`; bound `x` to [0, 5] or extend the breakpoints to cover its range"),
    ("piecewise(y, [0, 5], [0, 1])", "piecewise(): `y` must stay within the breakpoints, so it needs a finite upper "
                                     "bound on y, which has none"),
    ("piecewise(x, [0, 5, 5, 10], [0, 1, 2, 3])", "piecewise() breakpoints must increase strictly: 5 then 5"),
    ("piecewise(x, [0, 10], [0, 1, 2])", "piecewise() has 2 breakpoints but 3 values"),
    ("piecewise(x, [0], [0])", "piecewise() needs at least two breakpoints"),
    ("piecewise(x, 10, [0])", "piecewise() breakpoints must be a list of numbers, not a number"),
    ("piecewise(12, [0, 10], [0, 1])", "piecewise(): x = 12 is outside the breakpoints [0, 10]"),
])
def test_piecewise_refusals(call: str, fragment: str) -> None:
    message = one_error(variables=["x = continuous(ub=10)", "y = continuous()"], objectives=[f"minimize({call})"])
    assert message.startswith("objectives[0]: "), message
    assert fragment in message, message


def test_every_problem_is_reported_once_and_dependents_are_skipped() -> None:
    found = errors(
        sets=["N = range(3)", "B = [i for i in Q]"],
        parameters=["p = [i * 2 for i in B]"],
        variables=["x = continuous(N)", "z = continuous(B)"],
        objectives=["minimize(sum(x[i] for i in N) + zz)"],
        constraints=["c1 = (x[i] * x[i] <= 1 for i in N)", "c2 = (z[i] <= p[i] for i in B)", "c3 = x[0] >= 0"],
    )
    assert found == [
        "sets[1] (B): unknown set 'Q' in `for i in Q`; known sets: N",
        "parameters[0] (p): not evaluated because it uses B, which has an error",
        "variables[1] (z): not evaluated because it uses B, which has an error",
        "objectives[0]: unknown name 'zz' in `zz`; known names: x, N",
        "constraints[0] (c1) at i=0: not linear: the product of two expressions that both contain decision "
        "variables (x[0]) in `x[i] * x[i]`; a linear model allows a constant × an expression, and a binary variable "
        "× a bounded expression",
        "constraints[1] (c2): not evaluated because it uses B, p and z, which have errors",
    ]


def test_duplicate_constraint_names() -> None:
    message = one_error(variables=["x = continuous()"], constraints=["c = x <= 1", "c = x <= 2"])
    assert message.startswith("constraints[1] (c): the name `c` is already used by constraints[0] (c)")


def test_work_budget_is_a_located_error() -> None:
    from formulation.v2.compiler import CompileOptionsV2

    found = errors(options=CompileOptionsV2(max_iterations=500), sets=["N = range(30)"],
                   variables=["x = continuous(N, N)"])
    assert found == ["variables[0] (x): the work budget of 500 steps (loop iterations and elements produced) is "
                     "exhausted: the variable would have 900 columns in `x = continuous(N, N)`; filter earlier (put "
                     "each `if` right after the `for` it tests), iterate over sparse sets such as `for (i, j) in A` "
                     "instead of `for i in N for j in N`, or raise max_iterations"]
