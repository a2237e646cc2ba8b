"""The interpreter extended with decision variables: objectives and constraints become linear values.

Why a subclass: objectives and constraints use exactly the compile-time language (comprehensions, filters,
parameters) plus variables. `ModelEvaluator` overrides the interpreter's hooks so that a variable is a `LinExpr`,
arithmetic stays linear (constant × expression; a binary × a bounded expression is allowed and lowered), a
comparison with a variable is a constraint (`formulation.v2.logic`), and ``implies``, ``either``, ``all``,
``abs``, ``max``, ``min`` and ``piecewise`` build logic or auxiliary columns.

Contract: functions that need an encoding (``abs``, ``max``, ``min``, ``piecewise``, products) create their
auxiliary column at once — with bounds proven by interval arithmetic — and record a *definition* in the current
`ElementScope`; `formulation.v2.lowering` picks each definition's encoding after the whole statement is known
(only then is it clear whether the position is convex). Anything non-linear is a located `InterpreterError`
naming the product or function.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from formulation.v2.interpreter import Budget, Env, Interpreter, InterpreterError, Limits, shorten
from formulation.v2.linear import BoundCulprit, ColumnOrigin, Columns, Interval, LinExpr
from formulation.v2.logic import (
    FALSE,
    TRUE,
    AllOf,
    AnyOf,
    Atom,
    Constraint,
    Implies,
    atom,
    is_false,
    is_true,
    literal_of,
)
from formulation.v2.values import canonical_key, flatten, is_number, label, type_name

__all__ = [
    "AbsDef",
    "Definition",
    "ElementScope",
    "ExtremumDef",
    "ModelEvaluator",
    "PiecewiseDef",
    "ProductDef",
    "VarFamily",
    "missing_bound",
]


@dataclass
class VarFamily:
    """A declared variable: its columns by flat index key."""

    name: str
    domain: str
    sets: list[str]
    """Source text of each index set (for messages)."""
    columns: dict[tuple[object, ...], int]

    @property
    def scalar(self) -> bool:
        return not self.sets

    def find(self, key: object) -> int | None:
        """The column at `key` (a member, a tuple of members, or flat parts); None when there is none."""
        flat = canonical_key(flatten(key))
        col = self.columns.get(flat)
        if col is not None:
            return col
        alternative = tuple(_alternative(k) for k in flat)
        if alternative != flat:
            return self.columns.get(alternative)
        return None

    def sample(self, limit: int = 3) -> str:
        keys = list(self.columns)[:limit]
        more = ", …" if len(self.columns) > limit else ""
        return ", ".join(f"{self.name}[{label(k)}]" for k in keys) + more


def _alternative(part: object) -> object:
    if isinstance(part, str) and part.strip().lstrip("-").isdigit() and len(part) < 19:
        return int(part)
    if isinstance(part, int) and not isinstance(part, bool):
        return str(part)
    return part


# ------------------------------------------------------------------------------------------------ definitions
@dataclass(eq=False)
class AbsDef:
    """``t = |e|`` (e straddles 0: the simple cases are substituted at once)."""

    t: int
    e: LinExpr
    node: ast.AST


@dataclass(eq=False)
class ExtremumDef:
    """``t = max(args)`` or ``t = min(args)``."""

    kind: str  # "max" or "min"
    t: int
    args: list[LinExpr]
    node: ast.AST


@dataclass(eq=False)
class PiecewiseDef:
    """``t = f(x)``, f piecewise linear through (breakpoints[k], values[k]); `shape` is convex, concave or general."""

    t: int
    x: LinExpr
    breakpoints: list[float]
    values: list[float]
    shape: str
    node: ast.AST


@dataclass(eq=False)
class ProductDef:
    """``w = z * e`` with z binary and e within [lo, hi] (finite)."""

    w: int
    z: int
    e: LinExpr
    lo: float
    hi: float
    node: ast.AST


Definition = AbsDef | ExtremumDef | PiecewiseDef | ProductDef


@dataclass
class ElementScope:
    """One row family element (or one objective) being evaluated: names its auxiliaries, collects definitions."""

    section: str
    statement: int
    family: str
    binding: tuple[object, ...]
    base: str
    """The name of the element's own row, e.g. ``leave[3]``; auxiliaries are named ``leave[3]#abs1``."""
    definitions: list[Definition] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def aux_name(self, kind: str) -> str:
        k = self.counters.get(kind, 0) + 1
        self.counters[kind] = k
        return f"{self.base}#{kind}{k}"

    def origin(self, role: str) -> ColumnOrigin:
        return ColumnOrigin(self.section, self.statement, self.family, self.binding, role)


def missing_bound(culprit: BoundCulprit | None, purpose: str, fragment: str) -> InterpreterError:
    """The located error for a big-M (or similar) that needs a bound nobody gave."""
    if culprit is None:  # pragma: no cover - an infinite end always has a culprit
        return InterpreterError(f"{purpose} needs finite bounds", fragment)
    flag = "ub=" if culprit.side == "upper" else "lb="
    return InterpreterError(
        f"{purpose} needs a finite {culprit.side} bound on {culprit.column}, which has none",
        fragment,
        f"give the variable `{flag}` in its declaration (a bound the data justifies); a guessed constant is never used",
    )


# ------------------------------------------------------------------------------------------------ the evaluator
class ModelEvaluator(Interpreter):
    """Evaluates objective and constraint expressions into `LinExpr` and `Constraint` values."""

    CONTEXT = "an objective or constraint"

    def __init__(
        self,
        names: Mapping[str, object],
        variables: Mapping[str, VarFamily],
        columns: Columns,
        budget: Budget,
        text: str,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(names, budget, text, limits)
        self.variables = variables
        self.columns = columns
        self.scope = ElementScope("", 0, "", (), "")

    def known_names(self, env: Env) -> list[str]:
        return [*env, *self.variables, *self.names]

    def is_known(self, name: str, env: Env) -> bool:
        return name in self.variables or super().is_known(name, env)

    # ------------------------------------------------------------------------------------------ names, subscripts
    def name_value(self, node: ast.Name, env: Env) -> object:
        family = self.variables.get(node.id)
        if family is not None:
            if family.scalar:
                return LinExpr.column(family.columns[()])
            return family
        return super().name_value(node, env)

    def subscript(self, container: object, key: object, node: ast.Subscript) -> object:
        if isinstance(container, VarFamily):
            if container.scalar:
                self.fail(node, f"variable `{container.name}` is a single variable and takes no index",
                          f"write {container.name}")
            col = container.find(key)
            if col is None:
                self._missing_member(container, key, node)
            return LinExpr.column(col)
        if isinstance(container, LinExpr):
            if isinstance(node.value, ast.Name) and node.value.id in self.variables:
                self.fail(node, f"variable `{node.value.id}` is a single variable and takes no index",
                          f"write {node.value.id}, or declare it over a set")
            self.fail(node, "a linear expression cannot be indexed")
        return super().subscript(container, key, node)

    def _missing_member(self, family: VarFamily, key: object, node: ast.Subscript) -> NoReturn:
        flat = flatten(key)
        arity = {len(k) for k in family.columns}
        if arity and len(flat) not in arity:
            self.fail(node, f"variable `{family.name}` takes {'/'.join(map(str, sorted(arity)))} index value(s), "
                            f"got {len(flat)} ({label(flat)})", f"its members look like {family.sample()}")
        self.fail(
            node,
            f"variable `{family.name}` has no member [{label(flat)}]: it exists only for the members of "
            f"{' × '.join(family.sets)}",
            f"filter the loop (e.g. `if i != j`) or loop over that set; members look like {family.sample()}",
        )

    # ------------------------------------------------------------------------------------------ arithmetic
    def binary_op(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        if type(left) is not LinExpr and type(right) is not LinExpr:
            self._refuse_special(left, node)
            self._refuse_special(right, node)
            return super().binary_op(op, left, right, node)
        self._refuse_special(left, node)
        self._refuse_special(right, node)
        a = self._linear_operand(left, node)
        b = self._linear_operand(right, node)
        if isinstance(op, ast.Add):
            return a.plus(b)
        if isinstance(op, ast.Sub):
            return a.plus(b, -1.0)
        if isinstance(op, ast.Mult):
            return self._multiply(a, b, node)
        if isinstance(op, ast.Div):
            if not b.is_constant:
                self._not_linear(node, "division by an expression that contains decision variables")
            if b.const == 0:
                self.fail(node, "division by zero")
            return a.scaled(1.0 / b.const)
        if isinstance(op, ast.Pow):
            if a.is_constant and b.is_constant:
                return super().binary_op(op, a.const, b.const, node)
            self._not_linear(node, "a power of an expression that contains decision variables")
        self._not_linear(node, "// or % of an expression that contains decision variables")

    def _refuse_special(self, value: object, node: ast.AST) -> None:
        if isinstance(value, VarFamily):
            self.fail(node, f"variable `{value.name}` is indexed by {' × '.join(value.sets)}; give its index",
                      f"write e.g. {value.name}[...]; members look like {value.sample()}")
        if isinstance(value, Atom | AllOf | AnyOf | Implies):
            self.fail(node, "a constraint cannot be used in arithmetic",
                      "compare expressions only at the top of a constraint")

    def _linear_operand(self, value: object, node: ast.AST) -> LinExpr:
        if isinstance(value, LinExpr):
            return value
        if is_number(value):
            assert isinstance(value, int | float)
            if isinstance(value, float) and not math.isfinite(value):
                self.fail(node, f"{value} cannot appear in a linear expression", "coefficients must be finite")
            return LinExpr.constant(float(value))
        self.fail(node, f"a {type_name(value)} cannot be combined with a linear expression",
                  "only numbers and decision variables form linear expressions")

    def _not_linear(self, node: ast.AST, why: str) -> NoReturn:
        self.fail(node, f"not linear: {why}",
                  "a linear model allows a constant × an expression, and a binary variable × a bounded expression")

    def _multiply(self, a: LinExpr, b: LinExpr, node: ast.AST) -> LinExpr:
        if a.is_constant:
            return b.scaled(a.const)
        if b.is_constant:
            return a.scaled(b.const)
        for factor, other in ((a, b), (b, a)):
            binary = self._binary_factor(factor)
            if binary is not None:
                z, coef, const = binary
                product = self._product(z, other, node)
                return product.scaled(coef).add(other, const)
        names = ", ".join(dict.fromkeys(self.columns.names[j] for j in [*a.terms, *b.terms]))
        self._not_linear(node, f"the product of two expressions that both contain decision variables ({names})")

    def _binary_factor(self, expr: LinExpr) -> tuple[int, float, float] | None:
        clean = expr.cleaned()
        if len(clean.terms) == 1:
            ((j, coef),) = clean.terms.items()
            if self.columns.is_binary(j):
                return j, coef, clean.const
        return None

    def _product(self, z: int, e: LinExpr, node: ast.AST) -> LinExpr:
        interval = self.columns.interval(e)
        purpose = f"the product with the binary {self.columns.names[z]}"
        if math.isinf(interval.hi):
            raise missing_bound(interval.hi_culprit, purpose, self.fragment(node))
        if math.isinf(interval.lo):
            raise missing_bound(interval.lo_culprit, purpose, self.fragment(node))
        name = self.scope.aux_name("prod")
        w = self.columns.add(name, min(0.0, interval.lo), max(0.0, interval.hi), False, (name, ()),
                             self.scope.origin(f"value of {shorten(self.fragment(node), 60)}"))
        self.charge(1, node)
        self.scope.definitions.append(ProductDef(w, z, e, interval.lo, interval.hi, node))
        return LinExpr.column(w)

    def unary_op(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        self._refuse_special(value, node)
        if isinstance(value, LinExpr):
            if isinstance(op, ast.USub):
                return value.scaled(-1.0)
            if isinstance(op, ast.UAdd):
                return value
            literals = literal_of(value, self.columns)
            if isinstance(literals, tuple) and len(literals) == 1:
                return LinExpr({}, 1.0).add(value, -1.0)
            self.fail(node, "`not` applies to a binary variable (or a condition computed from data)",
                      "write `not use[a]` or `use[a] == 0` for a binary use[a]")
        return super().unary_op(op, value, node)

    # ------------------------------------------------------------------------------------------ conditions
    def truth(self, value: object, node: ast.AST) -> bool:
        self.check_condition_value(value, node, "if")
        return super().truth(value, node)

    def check_condition_value(self, value: object, node: ast.AST, word: str) -> None:
        is_constraint = isinstance(value, Atom | AllOf | AnyOf | Implies)
        if isinstance(value, LinExpr | VarFamily) or (word == "if" and is_constraint):
            self.fail(node, f"a condition (`{word}`) cannot depend on decision variables",
                      "filters and `a if c else b` are decided from data; for logic between variables use "
                      "implies(...), either(...) or all(...)")
        if is_constraint:
            self.fail(node, f"constraints cannot be combined with `{word}`",
                      "use all(c1, c2) for 'and', either(c1, c2) for 'or', implies(b, c) for 'if'")

    def compare(self, node: ast.Compare, values: list[object]) -> object:
        if not any(isinstance(v, LinExpr | VarFamily | Atom | AllOf | AnyOf | Implies) for v in values):
            return super().compare(node, values)
        for v in values:
            self._refuse_special(v, node)
        for op in node.ops:
            if isinstance(op, ast.Lt | ast.Gt):
                self.fail(node, "strict inequalities (< or >) are not allowed in a MILP", "use <= or >=")
            if isinstance(op, ast.NotEq):
                self.fail(node, "`!=` is not a linear constraint",
                          "for integers write either(x <= v - 1, x >= v + 1)")
            if isinstance(op, ast.In | ast.NotIn):
                self.fail(node, "`in` cannot test a decision variable")
        exprs = [self._linear_operand(v, node) for v in values]
        if len(node.ops) == 1:
            return self._relation(exprs[0], node.ops[0], exprs[1], node)
        if len(node.ops) == 2 and exprs[0].is_constant and exprs[2].is_constant and \
                type(node.ops[0]) is type(node.ops[1]) and isinstance(node.ops[0], ast.LtE | ast.GtE):
            lo, mid, hi = exprs
            if isinstance(node.ops[0], ast.GtE):
                lo, hi = hi, lo
            if lo.const > hi.const:
                self.fail(node, f"the range is empty: {lo.const:g} > {hi.const:g}")
            return atom(mid, lo.const, hi.const, node)
        parts = [self._relation(exprs[k], op, exprs[k + 1], node) for k, op in enumerate(node.ops)]
        return self._conjunction(parts, node)

    def _relation(self, left: LinExpr, op: ast.cmpop, right: LinExpr, node: ast.AST) -> Constraint:
        diff = left.plus(right, -1.0)
        if isinstance(op, ast.LtE):
            return atom(diff, -math.inf, 0.0, node)
        if isinstance(op, ast.GtE):
            return atom(diff, 0.0, math.inf, node)
        return atom(diff, 0.0, 0.0, node)

    # ------------------------------------------------------------------------------------------ calls
    def call_function(self, name: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        handler = {
            "sum": self._sum, "abs": self._abs, "max": self._max, "min": self._min, "piecewise": self._piecewise,
            "implies": self._implies, "either": self._either, "all": self._all,
        }.get(name)
        if handler is not None:
            return handler(args, kwargs, node)
        for value in [*args, *kwargs.values()]:
            if isinstance(value, LinExpr | VarFamily | Atom | AllOf | AnyOf | Implies):
                if name in ("len", "range", "sqrt", "exp", "log", "floor", "ceil", "round", "int", "float"):
                    self.fail(node, f"not linear: `{name}(...)` of a decision-variable expression",
                              f"{name}() works on data; only abs, max, min and piecewise take variables")
                self.fail(node, f"`{name}(...)` works on data, not on decision variables")
        return super().call_function(name, args, kwargs, node)

    def _no_keywords(self, name: str, kwargs: dict[str, object], node: ast.Call, allowed: Iterable[str] = ()) -> None:
        extra = [k for k in kwargs if k not in allowed]
        if extra:
            self.fail(node, f"{name}() takes no keyword argument {extra[0]!r}")

    def _sum(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        self._no_keywords("sum", kwargs, node)
        if len(args) != 1:
            self.fail(node, f"sum() takes one argument (a generator or list), got {len(args)}",
                      "write sum(expr for i in S)")
        numbers: float = 0
        linear: LinExpr | None = None
        for item in self.iterate(args[0], node, "the argument of sum()"):
            if isinstance(item, LinExpr):
                if linear is None:
                    linear = LinExpr()
                linear.add(item)
            elif is_number(item):
                assert isinstance(item, int | float)
                numbers = numbers + item
            else:
                self._refuse_special(item, node)
                self.fail(node, f"sum() adds numbers and linear expressions, not a {type_name(item)}")
        if linear is None:
            return numbers
        linear.const += float(numbers)
        return linear

    def _args(self, args: list[object], node: ast.Call, name: str) -> list[object]:
        items = self.items_of(args, node, name)
        for item in items:
            self._refuse_special(item, node)
        return items

    def _abs(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        self._no_keywords("abs", kwargs, node)
        if len(args) != 1:
            self.fail(node, f"abs() takes one argument, got {len(args)}")
        value = args[0]
        self._refuse_special(value, node)
        if not isinstance(value, LinExpr):
            return super().call_function("abs", args, kwargs, node)
        if value.is_constant:
            return abs(value.const)
        interval = self.columns.interval(value)
        if interval.lo >= 0:
            self.scope.notes.append("abs(...) of an expression that is never negative: the expression itself")
            return value
        if interval.hi <= 0:
            self.scope.notes.append("abs(...) of an expression that is never positive: its negation")
            return value.scaled(-1.0)
        upper = max(-interval.lo, interval.hi)
        culprit = interval.lo_culprit if math.isinf(interval.lo) else interval.hi_culprit
        t = self._aux("abs", 0.0, upper, node, Interval(0.0, upper, None, culprit))
        self.scope.definitions.append(AbsDef(t, value, node))
        return LinExpr.column(t)

    def _max(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        return self._extremum("max", args, kwargs, node)

    def _min(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        return self._extremum("min", args, kwargs, node)

    def _extremum(self, kind: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if len(args) == 1 and isinstance(args[0], LinExpr):
            return args[0]
        items = self._args(args, node, kind) if args else []
        if not any(isinstance(v, LinExpr) for v in items):
            return super().call_function(kind, [items] if items else args, kwargs, node)
        self._no_keywords(kind, kwargs, node)
        exprs = [self._linear_operand(v, node) for v in items]
        if len(exprs) == 1:
            return exprs[0]
        bounds = [self.columns.interval(e) for e in exprs]
        sign = 1.0 if kind == "max" else -1.0
        # an argument that dominates every other over the whole box is the value itself
        for k, bk in enumerate(bounds):
            mine = bk.lo if kind == "max" else bk.hi
            others = [(b.hi if kind == "max" else b.lo) for i, b in enumerate(bounds) if i != k]
            if all(sign * mine >= sign * o for o in others):
                self.scope.notes.append(f"{kind}(...): one argument dominates the others over the bounds, "
                                        "so it is used directly")
                return exprs[k]
        if kind == "max":
            lo_end = max(b.lo for b in bounds)
            hi_end = max(b.hi for b in bounds)
            lo_c = next((b.lo_culprit for b in bounds if b.lo_culprit), None) if math.isinf(lo_end) else None
            hi_c = next((b.hi_culprit for b in bounds if math.isinf(b.hi)), None)
        else:
            lo_end = min(b.lo for b in bounds)
            hi_end = min(b.hi for b in bounds)
            lo_c = next((b.lo_culprit for b in bounds if math.isinf(b.lo)), None)
            hi_c = next((b.hi_culprit for b in bounds if b.hi_culprit), None) if math.isinf(hi_end) else None
        t = self._aux(kind, lo_end, hi_end, node, Interval(lo_end, hi_end, lo_c, hi_c))
        self.scope.definitions.append(ExtremumDef(kind, t, exprs, node))
        return LinExpr.column(t)

    def _aux(self, kind: str, lo: float, hi: float, node: ast.AST, interval: Interval) -> int:
        self.charge(1, node)
        name = self.scope.aux_name(kind)
        role = f"value of {shorten(self.fragment(node), 60)}"
        return self.columns.add(name, lo, hi, False, (name, ()), self.scope.origin(role), interval)

    def _numbers(self, value: object, node: ast.Call, what: str) -> list[float]:
        if not isinstance(value, list | tuple | range):
            self.fail(node, f"piecewise() {what} must be a list of numbers, not a {type_name(value)}")
        out: list[float] = []
        for v in self.iterate(value, node):
            if not is_number(v) or isinstance(v, bool):
                self.fail(node, f"piecewise() {what} must be numbers; found a {type_name(v)}")
            assert isinstance(v, int | float)
            if not math.isfinite(v):
                self.fail(node, f"piecewise() {what} must be finite; found {v}")
            out.append(float(v))
        return out

    def _piecewise(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        self._no_keywords("piecewise", kwargs, node)
        if len(args) != 3:
            self.fail(node, f"piecewise() takes 3 arguments (x, breakpoints, values), got {len(args)}")
        x_value, bps_value, vals_value = args
        self._refuse_special(x_value, node)
        bps = self._numbers(bps_value, node, "breakpoints")
        vals = self._numbers(vals_value, node, "values")
        if len(bps) != len(vals):
            self.fail(node, f"piecewise() has {len(bps)} breakpoints but {len(vals)} values; give one value per "
                            "breakpoint")
        if len(bps) < 2:
            self.fail(node, "piecewise() needs at least two breakpoints")
        for k in range(len(bps) - 1):
            if not bps[k] < bps[k + 1]:
                self.fail(node, f"piecewise() breakpoints must increase strictly: {bps[k]:g} then {bps[k + 1]:g}",
                          "sort them, and model a jump with a binary variable")
        slopes = [(vals[k + 1] - vals[k]) / (bps[k + 1] - bps[k]) for k in range(len(bps) - 1)]
        if not isinstance(x_value, LinExpr):
            x = self.number(x_value, node, "piecewise() x")
            return _interpolate(self, x, bps, vals, slopes, node)
        if x_value.is_constant:
            return _interpolate(self, x_value.const, bps, vals, slopes, node)
        interval = self.columns.interval(x_value)
        x_text = shorten(self.fragment(node.args[0]) if node.args else "x", 40)
        if math.isinf(interval.lo) or math.isinf(interval.hi):
            culprit = interval.lo_culprit if math.isinf(interval.lo) else interval.hi_culprit
            raise missing_bound(culprit, f"piecewise(): `{x_text}` must stay within the breakpoints, so it",
                                self.fragment(node))
        tol = 1e-9 * max(1.0, abs(bps[0]), abs(bps[-1]))
        if interval.lo < bps[0] - tol or interval.hi > bps[-1] + tol:
            self.fail(node, f"piecewise(): `{x_text}` can range over [{interval.lo:g}, {interval.hi:g}] (from its "
                            f"bounds), outside the breakpoints [{bps[0]:g}, {bps[-1]:g}]",
                      f"bound `{x_text}` to [{bps[0]:g}, {bps[-1]:g}] or extend the breakpoints to cover its range")
        scale = max(1.0, *(abs(s) for s in slopes))
        increasing = all(slopes[k + 1] >= slopes[k] - 1e-12 * scale for k in range(len(slopes) - 1))
        decreasing = all(slopes[k + 1] <= slopes[k] + 1e-12 * scale for k in range(len(slopes) - 1))
        if increasing and decreasing:
            self.scope.notes.append("piecewise(...) with one slope is linear: no auxiliary needed")
            return x_value.scaled(slopes[0]).add(vals[0] - slopes[0] * bps[0])
        shape = "convex" if increasing else "concave" if decreasing else "general"
        t = self._aux("pw", min(vals), max(vals), node, Interval(min(vals), max(vals)))
        self.charge(len(bps), node)
        self.scope.definitions.append(PiecewiseDef(t, x_value, bps, vals, shape, node))
        return LinExpr.column(t)

    # ------------------------------------------------------------------------------------------ logic
    def constraint(self, value: object, node: ast.AST, role: str = "a constraint") -> Constraint:
        """`value` as a constraint: comparisons and logic as they are, a binary literal ``z`` as ``z == 1``, a
        truth value as TRUE or FALSE."""
        if isinstance(value, Atom | AllOf | AnyOf | Implies):
            return value
        if isinstance(value, bool):
            return TRUE if value else FALSE
        if isinstance(value, LinExpr):
            literals = literal_of(value, self.columns)
            if isinstance(literals, tuple):
                return self._conjunction([atom(lit.as_expr(), 1.0, 1.0, node) for lit in literals], node)
            self.fail(node, f"{role} must be a comparison; this is a linear expression",
                      "compare it, e.g. `expr <= 10`")
        self._refuse_special(value, node)
        self.fail(node, f"{role} must be a comparison (<=, >=, ==) or implies/either/all, not a {type_name(value)}")

    def _conjunction(self, parts: list[Constraint], node: ast.AST) -> Constraint:
        kept = [p for p in parts if not is_true(p)]
        if any(is_false(p) for p in kept):
            return FALSE
        if len(kept) == 1:
            return kept[0]
        return AllOf(tuple(kept), node) if kept else TRUE

    def _implies(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        self._no_keywords("implies", kwargs, node)
        if len(args) != 2:
            self.fail(node, f"implies() takes 2 arguments (condition, constraint), got {len(args)}")
        cond_node = node.args[0] if node.args else node
        literals = literal_of(args[0], self.columns)
        if literals is None:
            if isinstance(args[0], VarFamily):
                self._refuse_special(args[0], cond_node)
            self.fail(cond_node, "the condition of implies() must be a binary variable (`use[a]`), its negation "
                                 "(`not use[a]` or `use[a] == 0`) or all(...) of those",
                      "to condition on a comparison, introduce a binary b and link it with implies(b, ...) "
                      "and implies(not b, ...)")
        then = self.constraint(args[1], node.args[1] if len(node.args) > 1 else node, "the consequence of implies()")
        if literals is False:
            return TRUE
        if literals is True:
            return then
        assert isinstance(literals, tuple)
        if is_true(then):
            return TRUE
        return Implies(literals, then, node)

    def _either(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        self._no_keywords("either", kwargs, node)
        parts = [self.constraint(v, node, "each argument of either()") for v in self.items_of(args, node, "either")]
        if any(is_true(p) for p in parts):
            return TRUE
        kept = [p for p in parts if not is_false(p)]
        if len(kept) == 1:
            return kept[0]
        return AnyOf(tuple(kept), node)

    def _all(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        self._no_keywords("all", kwargs, node)
        items = self.items_of(args, node, "all")
        if all(not isinstance(v, LinExpr | VarFamily | Atom | AllOf | AnyOf | Implies) for v in items):
            return all(self.truth(v, node) for v in items)
        return self._conjunction([self.constraint(v, node, "each argument of all()") for v in items], node)


def _interpolate(interp: Interpreter, x: float, bps: list[float], vals: list[float], slopes: list[float],
                 node: ast.AST) -> float:
    tol = 1e-9 * max(1.0, abs(bps[0]), abs(bps[-1]))
    if x < bps[0] - tol or x > bps[-1] + tol:
        interp.fail(node, f"piecewise(): x = {x:g} is outside the breakpoints [{bps[0]:g}, {bps[-1]:g}]")
    for k in range(len(slopes)):
        if x <= bps[k + 1] or k == len(slopes) - 1:
            return vals[k] + slopes[k] * (x - bps[k])
    return vals[-1]  # pragma: no cover
