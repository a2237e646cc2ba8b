"""The safe compile-time interpreter of v2 statements (SYNTAX.md, "Compile-time expressions").

Why an interpreter and not ``eval``: model text comes from an LLM, so it is data, never code. A statement is
parsed with `ast.parse`, every node is checked against a whitelist (`check_tree`), and then *this module*
evaluates each node type itself. Python never runs the text: no attribute access, no calls but the whitelisted
functions, no lambdas, no assignment expressions, no names with ``__``.

Contract:

* `check_tree` rejects anything outside the language, and trees deeper than `Limits.max_depth`, before any
  evaluation starts, with an `InterpreterError` that quotes the fragment and says how to fix it.
* `Interpreter.evaluate` computes a value (see `formulation.v2.values`). All work is bounded: every
  comprehension iteration and every element a comprehension or function produces is charged to a shared
  `Budget`; a comprehension whose *certain* work (the product of the sizes of its leading independent loops)
  already exceeds what is left fails before it starts; ``range`` sizes, ``**`` exponents, integer sizes and
  string literals are capped. So a hostile statement fails fast instead of eating memory or time.
* Errors are `InterpreterError`: message, fragment and hint; the compiler adds where the statement is.
* The interpreter is extensible: the model evaluator (`formulation.v2.model_eval`) subclasses it and overrides
  the hooks (`name_value`, `binary_op`, `unary_op`, `compare`, `subscript`, `call_function`, `truth`) to build
  linear expressions and constraints from decision variables.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from formulation.v2.values import (
    Lazy,
    LookupFailure,
    OrderedSet,
    is_number,
    lookup,
    type_name,
)
from solvers.errors import MilpflowError

__all__ = [
    "ALLOWED_FUNCTIONS",
    "Budget",
    "Interpreter",
    "InterpreterError",
    "Limits",
    "check_tree",
    "free_names",
    "parse_expression",
    "shorten",
    "suggest",
]


# ------------------------------------------------------------------------------------------------ errors, limits
def shorten(text: str, limit: int = 160) -> str:
    """One line, at most `limit` characters (long fragments are cut with an ellipsis)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InterpreterError(MilpflowError, ValueError):
    """A located, fixable problem in one statement: ``message in `fragment`; hint``.

    Attributes:
        message: What is wrong.
        fragment: The offending source text (quoted in the message when not empty).
        hint: How to fix it (may be empty).
    """

    def __init__(self, message: str, fragment: str = "", hint: str = "") -> None:
        self.message = message
        self.fragment = fragment
        self.hint = hint
        text = message
        if fragment:
            text += f" in `{shorten(fragment)}`"
        if hint:
            text += f"; {hint}"
        super().__init__(text)


@dataclass(frozen=True)
class Limits:
    """Bounds on what one compilation may do (every one of them fails with a located message)."""

    max_iterations: int = 1_000_000
    """Work budget: comprehension iterations plus elements produced, over the whole compilation."""
    max_depth: int = 64
    """Deepest syntax tree of one statement."""
    max_statement_chars: int = 100_000
    """Longest statement (a literal table of a few thousand numbers fits; big data belongs in data.json)."""
    max_exponent: int = 1_000
    """Largest ``|b|`` in ``a ** b``."""
    max_int_bits: int = 256
    """Largest integer a computation may produce (≈ 1e77); data may hold larger ones but arithmetic may not."""
    max_string_chars: int = 10_000
    """Longest string literal."""


class Budget:
    """The work counter shared by every statement of one compilation."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def exceeded(self, fragment: str, extra: str = "") -> InterpreterError:
        """The error raised when the budget runs out (`extra` says what the statement was about to do)."""
        return InterpreterError(
            f"the work budget of {self.limit:,} steps (loop iterations and elements produced) is exhausted{extra}",
            fragment,
            "filter earlier (put each `if` right after the `for` it tests), iterate over sparse sets such as "
            "`for (i, j) in A` instead of `for i in N for j in N`, or raise max_iterations",
        )


# ------------------------------------------------------------------------------------------------ the whitelist
_NODE_TYPES: frozenset[type[ast.AST]] = frozenset({
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Store, ast.Tuple, ast.List, ast.Set, ast.Dict,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.UnaryOp, ast.UAdd, ast.USub, ast.Not, ast.BoolOp, ast.And, ast.Or,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.IfExp, ast.Call, ast.keyword, ast.Subscript, ast.Slice,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
})

_REJECTED: dict[type[ast.AST], tuple[str, str]] = {
    ast.Attribute: ("attribute access is not allowed", "use functions: items(d), keys(d), values(d), len(x)"),
    ast.Lambda: ("lambda is not allowed", "write the expression directly, or a comprehension"),
    ast.NamedExpr: ("assignment expressions (:=) are not allowed", "define a parameter in its own statement"),
    ast.JoinedStr: ("f-strings are not allowed", "labels come from data or plain string literals"),
    ast.FormattedValue: ("f-strings are not allowed", "labels come from data or plain string literals"),
    ast.Starred: ("starred expressions (*x) are not allowed", "pass the list itself, e.g. max(L)"),
    ast.Await: ("await is not allowed", ""),
    ast.Yield: ("yield is not allowed", ""),
    ast.YieldFrom: ("yield is not allowed", ""),
    ast.BitOr: ("bitwise | is not allowed", "use `or` in conditions; build sets with comprehensions"),
    ast.BitAnd: ("bitwise & is not allowed", "use `and` in conditions"),
    ast.BitXor: ("bitwise ^ is not allowed", "write powers with **"),
    ast.LShift: ("shifts are not allowed", "use * and **"),
    ast.RShift: ("shifts are not allowed", "use // and **"),
    ast.MatMult: ("@ is not allowed", "write sums with sum(... for ...)"),
    ast.Invert: ("~ is not allowed", "use `not` in conditions"),
    ast.Is: ("`is` is not allowed", "compare with =="),
    ast.IsNot: ("`is not` is not allowed", "compare with !="),
}

ALLOWED_FUNCTIONS: tuple[str, ...] = (
    "len", "range", "sum", "min", "max", "abs", "sqrt", "exp", "log", "floor", "ceil", "round", "sorted", "list",
    "set", "dict", "zip", "enumerate", "keys", "values", "items", "int", "float", "tuple", "any", "all",
)
"""The compile-time functions (SYNTAX.md's list plus int, float, tuple, any and all; see SYNTAX_NOTES.md)."""


def _depth_error(limit: int, fragment: str) -> InterpreterError:
    return InterpreterError(
        f"the statement nests deeper than {limit} levels",
        fragment,
        "split it: compute parts as parameters, and write long sums with sum(... for ...)",
    )


def check_tree(tree: ast.AST, text: str, limits: Limits) -> None:
    """Reject any node outside the language, names with ``__``, oversized literals and over-deep trees.

    Iterative, so a hostile tree cannot exhaust Python's stack here; every later (recursive) pass may rely on the
    depth bound."""
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            raise _depth_error(limits.max_depth, text)
        kind = type(node)
        if kind not in _NODE_TYPES:
            message, hint = _REJECTED.get(kind, (f"{_describe_node(node)} is not allowed", _ALLOWED_HINT))
            if isinstance(node, ast.Attribute):
                message = f"attribute access (`.{node.attr}`) is not allowed"
                if node.attr in ("keys", "values", "items"):
                    hint = f"write {node.attr}(d) instead of d.{node.attr}()"
            raise InterpreterError(message, _fragment(text, node), hint)
        if isinstance(node, ast.Name) and "__" in node.id:
            raise InterpreterError(f"the name `{node.id}` is not allowed (names with `__` are reserved)",
                                   _fragment(text, node), "use plain names for sets, parameters and indices")
        if isinstance(node, ast.Constant):
            _check_constant(node, text, limits)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Lambda | ast.Attribute):
                stack.append((node.func, depth + 1))
                continue
            if not isinstance(node.func, ast.Name):
                raise InterpreterError("only named functions can be called", _fragment(text, node),
                                       f"allowed functions: {', '.join(ALLOWED_FUNCTIONS)}")
            for kw in node.keywords:
                if kw.arg is None:
                    raise InterpreterError("**keyword unpacking is not allowed", _fragment(text, node),
                                           "write each keyword argument")
        elif isinstance(node, ast.Dict) and any(k is None for k in node.keys):
            raise InterpreterError("**dict unpacking is not allowed", _fragment(text, node),
                                   "use a dict comprehension")
        elif isinstance(node, ast.comprehension) and node.is_async:
            raise InterpreterError("async comprehensions are not allowed", _fragment(text, node.iter))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_constant(node: ast.Constant, text: str, limits: Limits) -> None:
    value = node.value
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, str) and len(value) > limits.max_string_chars:
            raise InterpreterError(f"a string literal of {len(value):,} characters is too long "
                                   f"(limit {limits.max_string_chars:,})", _fragment(text, node))
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > limits.max_int_bits:
            raise InterpreterError("the integer literal is too large", _fragment(text, node))
        return
    raise InterpreterError(f"a {type(value).__name__} literal is not allowed", _fragment(text, node),
                           "use numbers, strings, True and False")


_ALLOWED_HINT = (
    "the language has numbers, strings, names, tuples, lists, dicts, subscripts, + - * / // % **, comparisons, "
    "and/or/not, `a if c else b`, comprehensions and the functions " + ", ".join(ALLOWED_FUNCTIONS)
)


def _describe_node(node: ast.AST) -> str:
    names = {
        ast.Assign: "assignment", ast.AugAssign: "assignment", ast.Import: "import", ast.ImportFrom: "import",
        ast.FunctionDef: "a function definition", ast.ClassDef: "a class definition", ast.For: "a for statement",
        ast.While: "a while loop", ast.If: "an if statement", ast.With: "a with statement",
        ast.Try: "a try statement", ast.Raise: "raise", ast.Delete: "del", ast.Global: "global",
    }
    return names.get(type(node), type(node).__name__)


def _fragment(text: str, node: ast.AST) -> str:
    try:
        segment = ast.get_source_segment(text, node)
    except (ValueError, IndexError):  # positions outside the text: quote the whole statement
        segment = None
    return segment if segment is not None else text


def parse_expression(text: str, limits: Limits | None = None) -> ast.expr:
    """Parse and check one expression (used by tests and tools; statements go through `statements`)."""
    limits = limits or Limits()
    if len(text) > limits.max_statement_chars:
        raise InterpreterError(f"the expression has {len(text):,} characters; the limit is "
                               f"{limits.max_statement_chars:,}", text[:80])
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InterpreterError(f"syntax error: {exc.msg}", text) from None
    except (RecursionError, MemoryError, ValueError):
        raise _depth_error(limits.max_depth, text) from None
    check_tree(tree, text.strip(), limits)
    return tree.body


def free_names(node: ast.AST) -> set[str]:
    """Every name the expression reads (comprehension targets included: callers subtract what they bind)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def suggest(name: str, candidates: Iterable[str], preferred: Iterable[str] = ()) -> list[str]:
    """Close names for `name`: difflib matches (ignoring case) and abbreviations (``N`` for ``Nodes``).

    Names in `preferred` (e.g. the sets, for a name after ``in``) come first."""
    pool = [c for c in dict.fromkeys(candidates) if c != name]
    lower = {c.lower(): c for c in pool}
    close = [lower[c] for c in difflib.get_close_matches(name.lower(), list(lower), n=3, cutoff=0.6)]
    low = name.lower()
    abbreviations = [c for c in pool if c not in close and len(c) < len(name)
                     and low.startswith(c.lower()) and (len(c) <= 3 or len(c) * 2 >= len(name))]
    found = list(dict.fromkeys([*close, *abbreviations]))
    preferred_set = set(preferred)
    found.sort(key=lambda c: 0 if c in preferred_set else 1)
    return found[:3]


def _did_you_mean(found: list[str]) -> str:
    if not found:
        return ""
    if len(found) == 1:
        return f"did you mean {found[0]}?"
    return f"did you mean {', '.join(found[:-1])} or {found[-1]}?"


# ------------------------------------------------------------------------------------------------ the interpreter
Env = dict[str, object]
"""Names bound by comprehensions (the innermost scope)."""

_MISSING = object()
_ADD = ast.Add()
_FAST_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
"""Arithmetic on plain numbers that needs no check beyond the result's size (the hot path of comprehensions)."""
_INT_LIMIT = 2**128
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_OP_SYMBOL: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
    ast.NotIn: "not in", ast.USub: "-", ast.UAdd: "+", ast.Not: "not",
}

Function = Callable[["Interpreter", list[object], dict[str, object], ast.Call], object]


class Interpreter:
    """Evaluates checked expression trees over `names` (data, sets, parameters).

    Args:
        names: Global names and their values.
        budget: The shared work counter.
        text: The statement's source, for quoting fragments.
        limits: Caps on sizes.
        unavailable: Names that exist but cannot be used here, with the reason (e.g. variables in a bound).
    """

    CONTEXT = "a compile-time expression"

    def __init__(
        self,
        names: Mapping[str, object],
        budget: Budget,
        text: str,
        limits: Limits | None = None,
        unavailable: Mapping[str, str] | None = None,
    ) -> None:
        self.names = names
        self.budget = budget
        self.text = text
        self.limits = limits or Limits()
        self.unavailable = dict(unavailable or {})
        self._membership: dict[int, tuple[object, frozenset[object] | None]] = {}
        self._free: dict[int, tuple[ast.AST, frozenset[str]]] = {}
        self._dispatch: dict[type[ast.AST], Callable[[Any, Env], object]] = {
            ast.Constant: self._constant,
            ast.Name: self._name,
            ast.Tuple: self._tuple,
            ast.List: self._list,
            ast.Set: self._set,
            ast.Dict: self._dict,
            ast.BinOp: self._binop,
            ast.UnaryOp: self._unaryop,
            ast.BoolOp: self._boolop,
            ast.Compare: self._compare,
            ast.IfExp: self._ifexp,
            ast.Call: self._call,
            ast.Subscript: self._subscript,
            ast.ListComp: self._listcomp,
            ast.SetComp: self._setcomp,
            ast.DictComp: self._dictcomp,
            ast.GeneratorExp: self._genexp,
        }

    # ------------------------------------------------------------------------------------------ entry points
    def evaluate(self, node: ast.AST, env: Env | None = None) -> object:
        """The value of `node` (a checked tree) with comprehension names `env`."""
        return self.ev(node, env if env is not None else {})

    def ev(self, node: ast.AST, env: Env) -> object:
        try:
            handler = self._dispatch[type(node)]
        except KeyError:  # check_tree ran first, so only a caller's mistake gets here
            raise self.error(node, f"{_describe_node(node)} is not allowed here") from None
        return handler(node, env)

    # ------------------------------------------------------------------------------------------ helpers
    def fragment(self, node: ast.AST) -> str:
        return _fragment(self.text, node)

    def error(self, node: ast.AST | None, message: str, hint: str = "") -> InterpreterError:
        return InterpreterError(message, self.fragment(node) if node is not None else "", hint)

    def fail(self, node: ast.AST | None, message: str, hint: str = "") -> NoReturn:
        raise self.error(node, message, hint)

    def charge(self, count: int, node: ast.AST) -> None:
        budget = self.budget
        budget.used += count
        if budget.used > budget.limit:
            raise budget.exceeded(self.fragment(node))

    def known_names(self, env: Env) -> list[str]:
        return [*env, *self.names, *self.unavailable]

    def iterate(self, value: object, node: ast.AST, what: str = "") -> Iterator[object]:
        """Iterate a value, charging one step per element; dicts give their keys, strings are refused."""
        if isinstance(value, Lazy):
            try:
                source: Iterable[object] = iter(value)
            except LookupFailure as exc:
                raise self.error(node, str(exc)) from None
        elif isinstance(value, list | tuple | range | OrderedSet | dict):
            source = value
        else:
            self._not_iterable(value, node, what)
        budget = self.budget
        for item in source:
            budget.used += 1
            if budget.used > budget.limit:
                raise budget.exceeded(self.fragment(node))
            yield item

    def _not_iterable(self, value: object, node: ast.AST, what: str) -> NoReturn:
        shown = what or self.fragment(node)
        if isinstance(value, str):
            self.fail(node, f"`{shorten(shown, 60)}` is a string; iterating over its characters is not allowed",
                      "iterate over a list of labels")
        if is_number(value):
            self.fail(node, f"`{shorten(shown, 60)}` is the number {value!r}, not a set or list",
                      f"did you mean range({shorten(shown, 40)})?")
        self.fail(node, f"`{shorten(shown, 60)}` is a {type_name(value)}, not a set or list")

    def truth(self, value: object, node: ast.AST) -> bool:
        """Truth of a condition (Python's rules for compile-time values)."""
        if isinstance(value, Lazy):
            self.fail(node, "a generator has no truth value", "use any(...) or all(...)")
        return bool(value)

    # ------------------------------------------------------------------------------------------ leaves
    def _constant(self, node: ast.Constant, env: Env) -> object:
        return node.value

    def _name(self, node: ast.Name, env: Env) -> object:
        value = env.get(node.id, _MISSING)
        if value is _MISSING:
            value = self.name_value(node, env)
        return value

    def name_value(self, node: ast.Name, env: Env) -> object:
        """A global name's value (hook: the model evaluator adds variables)."""
        name = node.id
        value = self.names.get(name, _MISSING)
        if value is not _MISSING:
            return value
        if name in self.unavailable:
            self.fail(node, f"`{name}` {self.unavailable[name]}")
        if name == "inf":
            return math.inf
        if name in ALLOWED_FUNCTIONS:
            self.fail(node, f"`{name}` is a function; call it, e.g. {name}(...)")
        self.unknown_name(node, env)

    def unknown_name(self, node: ast.Name, env: Env, kind: str = "name", preferred: Iterable[str] = ()) -> NoReturn:
        found = suggest(node.id, self.known_names(env), preferred)
        hint = _did_you_mean(found)
        if not hint:
            sample = [n for n in self.known_names(env)][:12]
            hint = f"known names: {', '.join(sample)}" if sample else "no names are defined yet"
        self.fail(node, f"unknown {kind} '{node.id}'", hint)

    # ------------------------------------------------------------------------------------------ containers
    def _tuple(self, node: ast.Tuple, env: Env) -> object:
        return self.checked_tuple(tuple(self.ev(e, env) for e in node.elts), node)

    def checked_tuple(self, value: tuple[object, ...], node: ast.AST) -> tuple[object, ...]:
        """`value` if it holds at most `MAX_TUPLE_VALUES` values in all (tuples are hashed and compared often,
        and each such operation costs their full size, which the budget does not see)."""
        if len(value) > MAX_TUPLE_VALUES or (any(isinstance(v, tuple) for v in value)
                                              and tuple_size(value, MAX_TUPLE_VALUES) > MAX_TUPLE_VALUES):
            self.fail(node, f"a tuple may hold at most {MAX_TUPLE_VALUES} values", "use a list for longer data")
        return value

    def _list(self, node: ast.List, env: Env) -> object:
        return [self.ev(e, env) for e in node.elts]

    def _set(self, node: ast.Set, env: Env) -> object:
        return self._hashable_set((self.ev(e, env) for e in node.elts), node)

    def _dict(self, node: ast.Dict, env: Env) -> object:
        out: dict[object, object] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            assert k is not None  # check_tree refused ** unpacking
            self._put(out, self.ev(k, env), self.ev(v, env), k)
        return out

    def _put(self, out: dict[object, object], key: object, value: object, node: ast.AST) -> None:
        try:
            out[key] = value
        except TypeError:
            self.fail(node, f"a {type_name(key)} cannot be a dict key", "keys are numbers, labels or tuples")

    def _hashable_set(self, items: Iterable[object], node: ast.AST) -> OrderedSet:
        try:
            return OrderedSet(items)
        except TypeError:
            self.fail(node, "set elements must be numbers, labels or tuples", "use a list for other values")

    # ------------------------------------------------------------------------------------------ arithmetic
    def _binop(self, node: ast.BinOp, env: Env) -> object:
        return self.binary_op(node.op, self.ev(node.left, env), self.ev(node.right, env), node)

    def binary_op(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        """Compile-time arithmetic (hook: the model evaluator handles linear expressions)."""
        tl, tr = type(left), type(right)
        if (tl is int or tl is float) and (tr is int or tr is float):
            fast = _FAST_ARITHMETIC.get(type(op))
            if fast is not None and (right != 0 or not isinstance(op, ast.Div | ast.FloorDiv | ast.Mod)):
                result = fast(left, right)
                if type(result) is float:
                    if result - result == 0.0:  # finite; inf and nan take the checked path below
                        return result
                elif -_INT_LIMIT <= result <= _INT_LIMIT:
                    return result
        return self._checked_binary_op(op, left, right, node)

    def _checked_binary_op(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        symbol = _OP_SYMBOL.get(type(op), "?")
        if isinstance(op, ast.Add) and isinstance(left, list | tuple) and type(left) is type(right):
            assert isinstance(right, list | tuple)
            self.charge(len(left) + len(right), node)
            return left + right  # type: ignore[operator]
        if not (is_number(left) and is_number(right)):
            hint = "arithmetic works on numbers"
            if isinstance(op, ast.Add) and isinstance(left, list | tuple):
                hint = "+ joins two lists (or two tuples); convert with list(...) first"
            self.fail(node, f"`{symbol}` cannot combine a {type_name(left)} and a {type_name(right)}", hint)
        a, b = left, right
        assert isinstance(a, int | float) and isinstance(b, int | float)
        try:
            result = self._arith(op, a, b, node)
        except ZeroDivisionError:
            self.fail(node, "division by zero", "guard the division with a condition, e.g. `if q[i] > 0`")
        except OverflowError:
            self.fail(node, "the result is too large")
        return self._checked_number(result, (a, b), node)

    def _arith(self, op: ast.operator, a: float, b: float, node: ast.AST) -> float:
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            if isinstance(a, int) and isinstance(b, int) and \
                    a.bit_length() + b.bit_length() > 2 * self.limits.max_int_bits:
                self.fail(node, "the integer result is too large")
            return a * b
        if isinstance(op, ast.Div):
            return a / b
        if isinstance(op, ast.FloorDiv):
            return a // b
        if isinstance(op, ast.Mod):
            return a % b
        if isinstance(op, ast.Pow):
            return self._power(a, b, node)
        self.fail(node, "this operator is not allowed")

    def _power(self, a: float, b: float, node: ast.AST) -> float:
        if abs(b) > self.limits.max_exponent:
            self.fail(node, f"the exponent {b!r} is too large (limit {self.limits.max_exponent:,})",
                      "exponents are for small powers such as x**2 or 10**6")
        if isinstance(a, int) and isinstance(b, int) and b > 0 and \
                max(1, a.bit_length() - 1) * b > self.limits.max_int_bits and abs(a) > 1:
            self.fail(node, "the integer power is too large", "use a float base (e.g. 10.0**30) for big magnitudes")
        if a == 0 and b < 0:
            raise ZeroDivisionError
        if a < 0 and not float(b).is_integer():
            self.fail(node, "a negative number to a fractional power is not a real number")
        result: float = a**b
        return result

    def _checked_number(self, result: float, operands: tuple[float, ...], node: ast.AST) -> float:
        if isinstance(result, int) and not isinstance(result, bool):
            if result.bit_length() > self.limits.max_int_bits:
                self.fail(node, "the integer result is too large")
            return result
        if isinstance(result, float) and not math.isfinite(result):
            if math.isnan(result):
                self.fail(node, "the result is not a number (NaN)", "check infinite values such as inf - inf")
            if not any(isinstance(x, float) and math.isinf(x) for x in operands):
                self.fail(node, "the result overflows to infinity")
        if isinstance(result, complex):  # pragma: no cover - guarded in _power
            self.fail(node, "the result is a complex number")
        return result

    def _unaryop(self, node: ast.UnaryOp, env: Env) -> object:
        return self.unary_op(node.op, self.ev(node.operand, env), node)

    def unary_op(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        if isinstance(op, ast.Not):
            return not self.truth(value, node)
        if not is_number(value):
            self.fail(node, f"`{_OP_SYMBOL[type(op)]}` needs a number, not a {type_name(value)}")
        assert isinstance(value, int | float)
        return -value if isinstance(op, ast.USub) else +value

    # ------------------------------------------------------------------------------------------ logic
    def _boolop(self, node: ast.BoolOp, env: Env) -> object:
        is_and = isinstance(node.op, ast.And)
        value: object = True
        for operand in node.values:
            value = self.ev(operand, env)
            self.check_condition_value(value, operand, "and" if is_and else "or")
            if self.truth(value, operand) != is_and:
                return value
        return value

    def check_condition_value(self, value: object, node: ast.AST, word: str) -> None:
        """Hook: the model evaluator refuses decision variables inside `and`/`or`."""

    def _compare(self, node: ast.Compare, env: Env) -> object:
        if len(node.ops) == 1:
            a, b = self.ev(node.left, env), self.ev(node.comparators[0], env)
            ta, tb = type(a), type(b)
            if (ta is tb and (ta is int or ta is str or ta is float)) or \
                    ((ta is int or ta is float) and (tb is int or tb is float)):
                fast = _COMPARE.get(type(node.ops[0]))
                if fast is not None:
                    return fast(a, b)
            return self.compare(node, [a, b])
        values = [self.ev(node.left, env), *(self.ev(c, env) for c in node.comparators)]
        return self.compare(node, values)

    def compare(self, node: ast.Compare, values: list[object]) -> object:
        """Compile-time comparisons, chained as in Python (hook: linear expressions become constraints)."""
        for k, op in enumerate(node.ops):
            a, b = values[k], values[k + 1]
            if isinstance(op, ast.In | ast.NotIn):
                result = self.contains(b, a, node)
                ok = result if isinstance(op, ast.In) else not result
            else:
                if _is_collection(a) or _is_collection(b):
                    whole = type_name(a if _is_collection(a) else b)
                    self.fail(node, f"`{_OP_SYMBOL[type(op)]}` cannot compare whole {whole}s",
                              "compare their lengths (len(S) == 0) or their elements")
                try:
                    ok = bool(_COMPARE[type(op)](a, b))
                except TypeError:
                    self.fail(node, f"cannot compare a {type_name(a)} with a {type_name(b)} using "
                              f"`{_OP_SYMBOL[type(op)]}`", "compare numbers with numbers and labels with labels")
            if not ok:
                return False
        return True

    def contains(self, container: object, item: object, node: ast.AST) -> bool:
        """``item in container``: lists and tuples get a cached hash index, so repeated tests stay cheap."""
        if _is_collection(item):
            self.fail(node, f"`in` tests a number, label or tuple, not a {type_name(item)}")
        if isinstance(container, dict | OrderedSet | range):
            try:
                return item in container
            except TypeError:
                return False
        if isinstance(container, str):
            if not isinstance(item, str):
                self.fail(node, f"`in` a string needs a string, not a {type_name(item)}")
            return item in container
        if isinstance(container, list | tuple):
            cached = self._membership.get(id(container))
            if cached is None or cached[0] is not container:
                self.charge(len(container), node)
                try:
                    index: frozenset[object] | None = frozenset(container)
                except TypeError:
                    index = None
                cached = (container, index)
                self._membership[id(container)] = cached
            index = cached[1]
            if index is not None:
                try:
                    return item in index
                except TypeError:
                    return False
            self.charge(len(container), node)
            return item in container
        if isinstance(container, Lazy):
            return any(x == item for x in self.iterate(container, node))
        self.fail(node, f"`in` needs a set, list or dict on its right, not a {type_name(container)}")

    def _ifexp(self, node: ast.IfExp, env: Env) -> object:
        test = self.ev(node.test, env)
        self.check_condition_value(test, node.test, "if")
        return self.ev(node.body if self.truth(test, node.test) else node.orelse, env)

    # ------------------------------------------------------------------------------------------ subscripts
    def _subscript(self, node: ast.Subscript, env: Env) -> object:
        container = self.ev(node.value, env)
        if isinstance(node.slice, ast.Slice):
            return self._slice(container, node.slice, env, node)
        key = self.ev(node.slice, env)
        return self.subscript(container, key, node)

    def subscript(self, container: object, key: object, node: ast.Subscript) -> object:
        """``container[key]`` (hook: the model evaluator indexes variables)."""
        try:
            return lookup(container, key)
        except LookupFailure as exc:
            what = shorten(self.fragment(node.value), 40)
            self.fail(node, f"`{what}`[{_show_key(key)}]: {exc}")

    def _slice(self, container: object, node: ast.Slice, env: Env, whole: ast.Subscript) -> object:
        if not isinstance(container, list | tuple | range):
            self.fail(whole, f"only lists can be sliced, not a {type_name(container)}")
        parts: list[int | None] = []
        for part in (node.lower, node.upper, node.step):
            value = None if part is None else self.ev(part, env)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                self.fail(whole, "slice positions must be integers")
            parts.append(value)
        if parts[2] == 0:
            self.fail(whole, "a slice step cannot be 0")
        result = container[slice(parts[0], parts[1], parts[2])]
        self.charge(len(result), whole)
        return list(result) if isinstance(result, range) else result

    # ------------------------------------------------------------------------------------------ comprehensions
    def bindings(self, generators: list[ast.comprehension], env: Env, node: ast.AST) -> Iterator[Env]:
        """Each binding of a comprehension's ``for``/``if`` clauses, as a scope dict (the same dict, updated in
        place: read it before asking for the next one).

        Independent iterables (that use no name an earlier ``for`` binds) are evaluated once, up front; when the
        certain work of the leading loops already exceeds the budget, this fails before iterating."""
        local: Env = dict(env)
        bound: set[str] = set()
        fixed: list[object] = []
        certain = 1
        counting = True
        for gen in generators:
            if self._free_names(gen.iter) & bound:
                fixed.append(_MISSING)
                counting = False
            else:
                iterable = self._loop_iterable(self._loop_value(gen, local), gen, local)
                fixed.append(iterable)
                if counting:
                    certain *= max(1, len(iterable))
                    if gen.ifs:
                        counting = False
            bound |= _target_names(gen.target)
        if certain > self.budget.remaining:
            raise self.budget.exceeded(self.fragment(node),
                                       f": this comprehension would loop at least {certain:,} times")
        yield from self._loop(generators, 0, local, fixed, node)

    def _free_names(self, node: ast.AST) -> frozenset[str]:
        cached = self._free.get(id(node))
        if cached is None or cached[0] is not node:
            cached = (node, frozenset(free_names(node)))
            self._free[id(node)] = cached
        return cached[1]

    def is_known(self, name: str, env: Env) -> bool:
        """True when `name` has a value here (hook: the model evaluator adds variables)."""
        return name in env or name in self.names or name in self.unavailable or name == "inf"

    def _loop_value(self, gen: ast.comprehension, env: Env) -> object:
        """The value a ``for`` iterates over; an unknown name there is reported as an unknown *set*."""
        if isinstance(gen.iter, ast.Name) and not self.is_known(gen.iter.id, env):
            clause = f"for {self.fragment(gen.target)} in {self.fragment(gen.iter)}"
            found = suggest(gen.iter.id, self.known_names(env), self.set_names())
            hint = _did_you_mean(found) or (f"known sets: {', '.join(self.set_names())}" if self.set_names()
                                            else "define it under sets")
            raise InterpreterError(f"unknown set '{gen.iter.id}'", clause, hint)
        return self.ev(gen.iter, env)

    def set_names(self) -> list[str]:
        """Names that hold sets or lists (preferred suggestions after ``in``)."""
        return [n for n, v in self.names.items() if isinstance(v, list | range | dict | OrderedSet | tuple)]

    def _loop_iterable(self, value: object, gen: ast.comprehension, env: Env) -> list[object] | tuple[
            object, ...] | range | OrderedSet | dict[object, object]:
        if isinstance(value, list | tuple | range | OrderedSet | dict):
            return value
        if isinstance(value, Lazy):
            return list(self.iterate(value, gen.iter))
        self._not_iterable(value, gen.iter, self.fragment(gen.iter))

    def _loop(self, generators: list[ast.comprehension], level: int, local: Env, fixed: list[object],
              node: ast.AST) -> Iterator[Env]:
        gen = generators[level]
        iterable = fixed[level]
        if iterable is _MISSING:
            iterable = self._loop_iterable(self._loop_value(gen, local), gen, local)
        assert isinstance(iterable, list | tuple | range | OrderedSet | dict)
        target, ifs = gen.target, gen.ifs
        last = level == len(generators) - 1
        budget = self.budget
        simple = target.id if isinstance(target, ast.Name) else None
        flat: list[str] | None = None
        if isinstance(target, ast.Tuple | ast.List) and all(isinstance(e, ast.Name) for e in target.elts):
            flat = [e.id for e in target.elts if isinstance(e, ast.Name)]
        size = len(flat) if flat is not None else 0
        for item in iterable:
            budget.used += 1
            if budget.used > budget.limit:
                raise budget.exceeded(self.fragment(node))
            if simple is not None:
                local[simple] = item
            elif flat is not None and type(item) is tuple and len(item) == size:
                for name, part in zip(flat, item):  # noqa: B905 - lengths checked just above
                    local[name] = part
            else:
                self._assign(target, item, local)
            if ifs:
                passed = True
                for cond in ifs:
                    if not self._filter(cond, local):
                        passed = False
                        break
                if not passed:
                    continue
            if last:
                yield local
            else:
                yield from self._loop(generators, level + 1, local, fixed, node)

    def _filter(self, cond: ast.expr, local: Env) -> bool:
        value = self.ev(cond, local)
        if type(value) is bool:
            return value
        self.check_condition_value(value, cond, "if")
        return self.truth(value, cond)

    def _assign(self, target: ast.expr, item: object, local: Env) -> None:
        if isinstance(target, ast.Name):
            local[target.id] = item
            return
        if isinstance(target, ast.Tuple | ast.List):
            if not isinstance(item, tuple | list) or len(item) != len(target.elts):
                size = len(target.elts)
                got = f"a {type_name(item)} of length {len(item)}" if isinstance(item, tuple | list) else \
                    f"the {type_name(item)} {item!r}"
                self.fail(target, f"cannot unpack {got} into {size} names",
                          "the loop names must match the members' shape, e.g. `for (i, j) in A` over pairs")
            for sub, value in zip(target.elts, item, strict=True):
                self._assign(sub, value, local)
            return
        self.fail(target, "a loop target must be a name or a tuple of names, e.g. `for (i, j) in A`")

    def _listcomp(self, node: ast.ListComp, env: Env) -> object:
        out: list[object] = []
        for local in self.bindings(node.generators, env, node):
            out.append(self.ev(node.elt, local))
            self.charge(1, node)
        return out

    def _setcomp(self, node: ast.SetComp, env: Env) -> object:
        def produce() -> Iterator[object]:
            for local in self.bindings(node.generators, env, node):
                self.charge(1, node)
                yield self.ev(node.elt, local)

        return self._hashable_set(produce(), node)

    def _dictcomp(self, node: ast.DictComp, env: Env) -> object:
        out: dict[object, object] = {}
        for local in self.bindings(node.generators, env, node):
            self.charge(1, node)
            self._put(out, self.ev(node.key, local), self.ev(node.value, local), node.key)
        return out

    def _genexp(self, node: ast.GeneratorExp, env: Env) -> object:
        def produce() -> Iterator[object]:
            for local in self.bindings(node.generators, env, node):
                yield self.ev(node.elt, local)

        return Lazy(produce())

    # ------------------------------------------------------------------------------------------ calls
    def _call(self, node: ast.Call, env: Env) -> object:
        assert isinstance(node.func, ast.Name)  # check_tree
        name = node.func.id
        args = [self.ev(a, env) for a in node.args]
        kwargs = {kw.arg: self.ev(kw.value, env) for kw in node.keywords if kw.arg is not None}
        return self.call_function(name, args, kwargs, node)

    def call_function(self, name: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        """Call a whitelisted function (hook: the model evaluator adds implies, either, piecewise, …)."""
        function = _FUNCTIONS.get(name)
        if function is None:
            self.unknown_function(name, node)
        return function(self, args, kwargs, node)

    def unknown_function(self, name: str, node: ast.Call) -> NoReturn:
        special = {
            "continuous": "declares a variable: write it as a whole statement under variables",
            "integer": "declares a variable: write it as a whole statement under variables",
            "binary": "declares a variable: write it as a whole statement under variables",
            "minimize": "is an objective: write it as a whole statement under objectives",
            "maximize": "is an objective: write it as a whole statement under objectives",
            "implies": "is a constraint: use it under constraints",
            "either": "is a constraint: use it under constraints",
            "piecewise": "builds a model expression: use it in objectives and constraints",
        }
        if name in special:
            self.fail(node, f"`{name}(...)` {special[name]}, not in {self.CONTEXT}")
        found = suggest(name, ALLOWED_FUNCTIONS)
        hint = _did_you_mean(found) or f"allowed functions: {', '.join(ALLOWED_FUNCTIONS)}"
        self.fail(node, f"`{name}` is not a function of the language", hint)

    def number(self, value: object, node: ast.AST, what: str = "") -> float:
        """`value` as a number, or a located error naming what needed one."""
        if is_number(value):
            assert isinstance(value, int | float)
            return value
        self.fail(node, f"{what or 'this'} needs a number, not a {type_name(value)}")

    def integer(self, value: object, node: ast.AST, what: str) -> int:
        if isinstance(value, bool) or not is_number(value):
            self.fail(node, f"{what} needs an integer, not a {type_name(value)}")
        assert isinstance(value, int | float)
        if isinstance(value, float):
            if not (math.isfinite(value) and value == int(value)):
                self.fail(node, f"{what} needs an integer, not {value!r}")
            return int(value)
        return value

    def items_of(self, args: list[object], node: ast.Call, name: str) -> list[object]:
        """The values a function like min/max/sum/all works on: one iterable argument, or several arguments."""
        if len(args) == 1 and isinstance(args[0], list | tuple | range | OrderedSet | dict | Lazy):
            return list(self.iterate(args[0], node))
        if not args:
            self.fail(node, f"{name}() needs at least one argument")
        return list(args)


MAX_TUPLE_VALUES = 256
"""Most values a tuple may hold, counting nested tuples' values."""


def tuple_size(value: tuple[object, ...], cap: int) -> int:
    """Number of values in `value` counting nested tuples' values, counting no further than just past `cap`."""
    total = 0
    stack: list[tuple[object, ...]] = [value]
    while stack:
        current = stack.pop()
        for item in current:
            total += 1
            if isinstance(item, tuple):
                stack.append(item)
            if total > cap:
                return total
    return total


def _is_collection(value: object) -> bool:
    return isinstance(value, list | dict | OrderedSet | range | Lazy)


def _orderable(interp: Interpreter, items: list[object], node: ast.AST, name: str) -> None:
    for item in items:
        if _is_collection(item):
            interp.fail(node, f"{name}() compares numbers, labels or tuples, not {type_name(item)}s")


def _show_key(key: object) -> str:
    if isinstance(key, tuple):
        return ", ".join(repr(k) for k in key)
    return repr(key)


def _target_names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


# ------------------------------------------------------------------------------------------------ the functions
def _arity(interp: Interpreter, name: str, args: list[object], kwargs: dict[str, object], node: ast.Call,
           low: int, high: int, keywords: tuple[str, ...] = ()) -> None:
    extra = [k for k in kwargs if k not in keywords]
    if extra:
        allowed = f"; it takes {', '.join(keywords)}=" if keywords else ""
        interp.fail(node, f"{name}() takes no keyword argument {extra[0]!r}{allowed}")
    if not low <= len(args) <= high:
        count = f"{low}" if low == high else f"{low} to {high}"
        interp.fail(node, f"{name}() takes {count} argument(s), got {len(args)}")


def _f_len(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "len", args, kwargs, node, 1, 1)
    value = args[0]
    if isinstance(value, list | tuple | dict | str | range | OrderedSet):
        return len(value)
    if isinstance(value, Lazy):
        interp.fail(node, "len() of a generator is not defined", "use a list comprehension [...] inside len()")
    interp.fail(node, f"len() needs a set, list, dict or string, not a {type_name(value)}")


def _f_range(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "range", args, kwargs, node, 1, 3)
    ints = [interp.integer(a, node, "range()") for a in args]
    if len(ints) == 3 and ints[2] == 0:
        interp.fail(node, "range() step cannot be 0")
    result = range(*ints)
    if len(result) > interp.budget.limit:
        interp.fail(node, f"range() would have {len(result):,} elements; the work budget is "
                          f"{interp.budget.limit:,}", "check the size, or raise max_iterations")
    return result


def _f_sum(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "sum", args, kwargs, node, 1, 1)
    total: float = 0
    for item in interp.iterate(args[0], node, "the argument of sum()"):
        total = interp.binary_op(_ADD, total, item, node)  # type: ignore[assignment]
    return total


def _extremum(name: str, pick: Callable[..., object]) -> Function:
    def run(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        _arity(interp, name, args, kwargs, node, 1, 10_000, ("default",))
        items = interp.items_of(args, node, name)
        if not items:
            if "default" in kwargs:
                return kwargs["default"]
            interp.fail(node, f"{name}() of an empty sequence", f"give a default: {name}(..., default=0)")
        _orderable(interp, items, node, name)
        try:
            return pick(items)
        except TypeError:
            interp.fail(node, f"{name}() needs values of one kind (numbers, or labels)")

    return run


def _f_abs(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "abs", args, kwargs, node, 1, 1)
    return abs(interp.number(args[0], node, "abs()"))


def _math1(name: str, fn: Callable[[float], float], domain: Callable[[float], bool], need: str) -> Function:
    def run(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        _arity(interp, name, args, kwargs, node, 1, 1)
        x = interp.number(args[0], node, f"{name}()")
        if not domain(x):
            interp.fail(node, f"{name}({x!r}) is not defined: the argument must be {need}")
        try:
            result = fn(x)
        except OverflowError:
            interp.fail(node, f"{name}({x!r}) overflows")
        return interp._checked_number(result, (x,), node)

    return run


def _f_log(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "log", args, kwargs, node, 1, 2)
    x = interp.number(args[0], node, "log()")
    if x <= 0:
        interp.fail(node, f"log({x!r}) is not defined: the argument must be positive")
    if len(args) == 2:
        base = interp.number(args[1], node, "log() base")
        if base <= 0 or base == 1:
            interp.fail(node, f"log base {base!r} must be positive and not 1")
        return math.log(x, base)
    return math.log(x)


def _rounding(name: str, fn: Callable[[float], int]) -> Function:
    def run(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        _arity(interp, name, args, kwargs, node, 1, 1)
        x = interp.number(args[0], node, f"{name}()")
        if not math.isfinite(x):
            interp.fail(node, f"{name}({x!r}) is not a finite number")
        return fn(x)

    return run


def _f_round(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "round", args, kwargs, node, 1, 2)
    x = interp.number(args[0], node, "round()")
    if not math.isfinite(x):
        interp.fail(node, f"round({x!r}) is not a finite number")
    if len(args) == 1:
        return round(x)
    digits = interp.integer(args[1], node, "round() digits")
    if not -20 <= digits <= 20:
        interp.fail(node, "round() digits must be between -20 and 20")
    return round(x, digits)


def _f_sorted(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "sorted", args, kwargs, node, 1, 1, ("reverse",))
    items = list(interp.iterate(args[0], node))
    _orderable(interp, items, node, "sorted")
    try:
        return sorted(items, reverse=bool(kwargs.get("reverse", False)))  # type: ignore[type-var]
    except TypeError:
        interp.fail(node, "sorted() needs values of one kind (numbers, or labels)")


def _f_list(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "list", args, kwargs, node, 0, 1)
    return list(interp.iterate(args[0], node)) if args else []


def _f_tuple(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "tuple", args, kwargs, node, 0, 1)
    return interp.checked_tuple(tuple(interp.iterate(args[0], node)), node) if args else ()


def _f_set(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "set", args, kwargs, node, 0, 1)
    return interp._hashable_set(interp.iterate(args[0], node) if args else (), node)


def _f_dict(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "dict", args, kwargs, node, 0, 1)
    out: dict[object, object] = {}
    if not args:
        return out
    source = args[0]
    if isinstance(source, dict):
        interp.charge(len(source), node)
        return dict(source)
    for pair in interp.iterate(source, node):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            interp.fail(node, "dict() needs (key, value) pairs", "or write a dict comprehension {k: v for ...}")
        interp._put(out, pair[0], pair[1], node)
    return out


def _f_zip(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "zip", args, kwargs, node, 1, 16)
    columns = [list(interp.iterate(a, node)) for a in args]
    size = min(len(c) for c in columns)
    interp.charge(size, node)
    return [tuple(c[k] for c in columns) for k in range(size)]


def _f_enumerate(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "enumerate", args, kwargs, node, 1, 1, ("start",))
    start = interp.integer(kwargs.get("start", 0), node, "enumerate() start")
    return [(start + k, v) for k, v in enumerate(interp.iterate(args[0], node))]


def _dict_view(name: str) -> Function:
    def run(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        _arity(interp, name, args, kwargs, node, 1, 1)
        source = args[0]
        if not isinstance(source, dict):
            interp.fail(node, f"{name}() needs a dict, not a {type_name(source)}")
        interp.charge(len(source), node)
        if name == "keys":
            return list(source.keys())
        if name == "values":
            return list(source.values())
        return list(source.items())

    return run


def _f_int(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "int", args, kwargs, node, 1, 1)
    value = args[0]
    if isinstance(value, str):
        stripped = value.strip()
        if len(stripped) <= 18 and stripped.lstrip("+-").isdigit():
            return int(stripped)
        interp.fail(node, f"int({value!r}): the string is not a (short) integer")
    x = interp.number(value, node, "int()")
    if not math.isfinite(x):
        interp.fail(node, f"int({x!r}) is not a finite number")
    return int(x)


def _f_float(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "float", args, kwargs, node, 1, 1)
    value = args[0]
    if isinstance(value, str):
        try:
            if len(value) > 40:
                raise ValueError
            return float(value)
        except ValueError:
            interp.fail(node, f"float({value!r}): the string is not a number")
    x = interp.number(value, node, "float()")
    if isinstance(x, int) and x.bit_length() > 1000:
        interp.fail(node, "float(): the integer is too large")
    return float(x)


def _f_any(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "any", args, kwargs, node, 1, 1)
    return any(interp.truth(v, node) for v in interp.iterate(args[0], node))


def _f_all(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    _arity(interp, "all", args, kwargs, node, 1, 10_000)
    return all(interp.truth(v, node) for v in interp.items_of(args, node, "all"))


_FUNCTIONS: dict[str, Function] = {
    "len": _f_len,
    "range": _f_range,
    "sum": _f_sum,
    "min": _extremum("min", min),
    "max": _extremum("max", max),
    "abs": _f_abs,
    "sqrt": _math1("sqrt", math.sqrt, lambda x: x >= 0, "non-negative"),
    "exp": _math1("exp", math.exp, lambda x: x <= 709, "at most 709"),
    "log": _f_log,
    "floor": _rounding("floor", math.floor),
    "ceil": _rounding("ceil", math.ceil),
    "round": _f_round,
    "sorted": _f_sorted,
    "list": _f_list,
    "tuple": _f_tuple,
    "set": _f_set,
    "dict": _f_dict,
    "zip": _f_zip,
    "enumerate": _f_enumerate,
    "keys": _dict_view("keys"),
    "values": _dict_view("values"),
    "items": _dict_view("items"),
    "int": _f_int,
    "float": _f_float,
    "any": _f_any,
    "all": _f_all,
}
assert set(_FUNCTIONS) == set(ALLOWED_FUNCTIONS)
