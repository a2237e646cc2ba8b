"""The ModelSpec expression language: a small, safe, linear subset of Python syntax.

Text is parsed with ``ast.parse(mode="eval")`` and every node is checked against a whitelist; nothing is
ever evaluated by Python (no ``eval``/``exec``, no attribute access, no calls other than ``sum``). A checked
tree is compiled into plain closures that *emit* linear terms into an accumulator, which keeps expansion
fast without building intermediate expression objects.

What the language has::

    numbers, parameters p / p[i, j], variables x / x[i, j], indices bound by forall or sum,
    + - * / (multiplying or dividing by a constant), unary minus,
    sum(body for i in S for j in T if condition), one comparison per constraint (<=, >=, ==)
    or a range  lo <= expr <= hi  with constant ends; conditions use == != < <= > >= and/or/not;
    integer index arithmetic such as inv[t-1].

Every rejection is an `ExpressionError` that names where it happened (``constraint `supply` ``), quotes the
offending fragment and says how to fix it: the repair loop feeds these messages straight back to the LLM.

Work is bounded before it starts: `estimate_iterations` multiplies the sizes of the sets a forall and
its sums range over, and the compiler refuses anything above `ExpansionLimit.max_iterations`.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from solvers.arrays import FloatArray
from solvers.errors import MilpflowError

__all__ = [
    "MAX_EXPRESSION_CHARS",
    "Accumulator",
    "CompiledConstraint",
    "ExpressionError",
    "ForallClause",
    "Scope",
    "compile_bound",
    "compile_constraint",
    "compile_objective",
    "parse_forall",
]

MAX_EXPRESSION_CHARS = 200_000
"""Longest expression accepted (a flat LP row of a few thousand terms fits comfortably)."""

_MAX_DEPTH = 200
"""Deepest expression tree accepted (a written-out chain ``a + b + …`` counts one level per term, so long rows
should use sum(); `formulation.from_linear` writes long rows as balanced groups). Deeper input is an attack
or a bug, not a model, and would exhaust Python's recursion limit."""

Element = str | int
"""A set member: a label or an integer."""
Value = str | int | float
"""What a constant sub-expression evaluates to: a number, an index label, or a truth value (a bool is an int)."""
Key = tuple[Value, ...]
"""An index tuple. Declared columns and parameter entries are keyed by set members; a computed index (``t-1``,
``p[i]``) is looked up as it evaluates (``2.0`` finds the member ``2``)."""
Env = dict[str, Value]
"""Index name → the set member it is bound to (a `Value`, so a `Key` can be bound element by element)."""
ConstFn = Callable[[Env], Value]
EmitFn = Callable[[Env, "Accumulator", float], None]


class ExpressionError(MilpflowError, ValueError):
    """A located, fixable problem with an expression.

    Attributes:
        where: Which part of the model, e.g. ``constraint `supply` ``.
        message: What is wrong.
        fragment: The offending source text, quoted in the message.
        hint: How to fix it (may be empty).
    """

    def __init__(self, where: str, message: str, fragment: str = "", hint: str = "") -> None:
        self.where = where
        self.message = message
        self.fragment = fragment
        self.hint = hint
        text = f"{where}: {message}"
        if fragment:
            text += f" in `{_shorten(fragment)}`"
        if hint:
            text += f". {hint}"
        super().__init__(text)


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------- symbols
@dataclass
class ParamData:
    """A parameter with its data bound: scalar `value`, or `values` by index tuple plus an optional default."""

    name: str
    indices: list[str]
    value: float | None = None
    values: dict[Key, float] = field(default_factory=dict)
    default: float | None = None
    dense: FloatArray | None = field(default=None, repr=False)
    """Optional float64 array of `values` over the product of the index sets in order (NaN where an entry is
    missing and there is no default): set by the compiler when the data is a full numeric array, read by
    `formulation.vectorized`; `values` stays the reference."""


@dataclass
class VarColumns:
    """A variable's columns: the index tuple of each column maps to its position in the matrix."""

    name: str
    indices: list[str]
    columns: dict[Key, int]
    offset: int | None = None
    """When set, `columns` holds every key of the product of the index sets, in product order, numbered
    consecutively from `offset` (how the compiler declares them), so a column is offset + its flat position."""


@dataclass
class Scope:
    """Everything an expression may refer to, resolved against the data."""

    sets: dict[str, list[Element]]
    params: dict[str, ParamData]
    variables: dict[str, VarColumns]
    _element_index: dict[str, dict[object, Element]] = field(default_factory=dict, repr=False)

    def canonical_element(self, set_name: str, raw: object) -> Element | None:
        """The member of `set_name` that `raw` denotes (``"3"`` and ``3`` both denote 3), or None."""
        lookup = self._element_index.get(set_name)
        if lookup is None:
            lookup = {}
            for e in self.sets[set_name]:
                lookup[e] = e
                lookup[str(e)] = e
                if isinstance(e, str):
                    try:
                        lookup[int(e)] = e
                    except ValueError:
                        pass
            self._element_index[set_name] = lookup
        try:
            return lookup.get(raw)
        except TypeError:
            return None

    def canonical_key(self, set_names: Sequence[str], key: Key) -> Key | None:
        """`key` with every element replaced by the set member it denotes, or None if one denotes none."""
        out: list[Element] = []
        for set_name, raw in zip(set_names, key, strict=True):
            e = self.canonical_element(set_name, raw)
            if e is None:
                return None
            out.append(e)
        return tuple(out)

    def describe_set(self, name: str, limit: int = 6) -> str:
        elems = self.sets[name]
        shown = ", ".join(map(str, elems[:limit])) + (", …" if len(elems) > limit else "")
        return f"{name} = {{{shown}}} ({len(elems)} elements)"


# ---------------------------------------------------------------------------------------------- output
@dataclass
class Accumulator:
    """Linear terms and a constant collected by emit closures (duplicates are merged later)."""

    cols: list[int] = field(default_factory=list)
    coefs: list[float] = field(default_factory=list)
    const: float = 0.0


@dataclass
class ForallClause:
    """Parsed ``forall``: bindings in order plus the conditions to filter them."""

    bindings: list[tuple[str, str]]
    """(index name, set name) pairs, outermost first."""
    conditions: list[tuple[int, ConstFn]]
    """(number of bindings in scope, test) pairs: each test runs as soon as its indices are bound."""
    condition_cost: int = 0
    """Work estimate of evaluating the conditions once (a sum inside a condition counts)."""
    tree: ast.ListComp | None = None
    """The checked ``[0 for i in S if …]`` tree the clause was parsed from (read by `formulation.vectorized`)."""
    source: str = ""
    """The text `tree` was parsed from."""


@dataclass
class CompiledConstraint:
    """A constraint family ready to expand into rows ``lower_fn(env) <= terms + const <= upper_fn(env)``.

    `lower_fn`/`upper_fn` are None for a missing side; `iterations` is the work estimate checked against
    the expansion limit before `expand` runs.
    """

    name: str
    forall: ForallClause | None
    emit: EmitFn
    lower_fn: ConstFn | None
    upper_fn: ConstFn | None
    iterations: int
    loop: Callable[[Env, Callable[[Env], None]], None]
    node: ast.Compare | None = None
    """The checked comparison tree (read by `formulation.vectorized`)."""
    text: str = ""
    """The source text of `node`."""

    def expand(self, emit_row: Callable[[Env, Accumulator], None]) -> None:
        """Call `emit_row(env, accumulator)` once per binding of the forall (once if there is none)."""

        def body(env: Env) -> None:
            acc = Accumulator()
            self.emit(env, acc, 1.0)
            emit_row(env, acc)

        self.loop({}, body)


# ---------------------------------------------------------------------------------------------- limits
_ALLOWED_COMPARE_IN_CONDITION: dict[type[ast.cmpop], Callable[[Value, Value], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}

_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional expression (x if c else y)",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.List: "list literal",
    ast.ListComp: "list comprehension outside sum()",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator outside sum()",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.FormattedValue: "f-string",
    ast.JoinedStr: "f-string",
    ast.Starred: "starred expression",
    ast.NamedExpr: "assignment expression (:=)",
    ast.Slice: "slice",
}


def _source(text: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(text, node)
    return segment if segment is not None else ast.dump(node)[:80]


def parse_text(text: str, where: str) -> ast.expr:
    """Parse `text` as one Python expression, turning every parser failure into an ExpressionError."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(where, "the expression is empty", hint="write a linear expression such as `2*x + 3*y`")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            where,
            f"the expression has {len(text):,} characters; the limit is {MAX_EXPRESSION_CHARS:,}",
            hint="use indexed variables with sum(...) instead of writing every term out",
        )
    if "\x00" in text:
        raise ExpressionError(where, "the expression contains a NUL character")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(where, f"syntax error{col}: {exc.msg}", text) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(where, f"the expression cannot be parsed ({type(exc).__name__}: it is too long or too "
                              "deeply nested)", text, "write long sums with sum(... for i in S)") from None
    _check_depth(tree.body, where, text)
    return tree.body


def _check_depth(node: ast.AST, where: str, text: str) -> None:
    stack: list[tuple[ast.AST, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise ExpressionError(where, f"the expression nests deeper than {_MAX_DEPTH} levels", text,
                              "write long sums with sum(... for i in S) instead of term by term")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(current))


# ---------------------------------------------------------------------------------------------- compiler
@dataclass
class _Compiled:
    """A compiled node: constant nodes carry `value`, linear ones carry `emit`; `iterations` bounds the work."""

    value: ConstFn | None = None
    emit: EmitFn | None = None
    iterations: int = 1

    @property
    def is_linear(self) -> bool:
        return self.emit is not None

    def const_fn(self) -> ConstFn:
        """The value function of a constant node (callers have checked `is_linear`)."""
        assert self.value is not None
        return self.value

    def emit_fn(self) -> EmitFn:
        """The emit function of a linear node (callers have checked `is_linear`)."""
        assert self.emit is not None
        return self.emit


class _Compiler:
    """Compiles one checked expression tree against a `Scope`, with index names bound in `bound`."""

    def __init__(
        self,
        scope: Scope,
        where: str,
        text: str,
        bound: dict[str, str],
        *,
        allow_variables: bool = True,
        allow_inf: bool = False,
        bare_param_key: Callable[[ParamData], Callable[[Env], Key] | None] | None = None,
    ) -> None:
        self.scope = scope
        self.where = where
        self.text = text
        self.bound = dict(bound)  # index name -> set name
        self.allow_variables = allow_variables
        self.allow_inf = allow_inf
        self.bare_param_key = bare_param_key

    # -- helpers -------------------------------------------------------------------------------------
    def error(self, node: ast.AST, message: str, hint: str = "") -> ExpressionError:
        return ExpressionError(self.where, message, _source(self.text, node), hint)

    def known_names(self) -> list[str]:
        return [*self.bound, *self.scope.params, *self.scope.variables, *self.scope.sets]

    # -- dispatch ------------------------------------------------------------------------------------
    def compile(self, node: ast.AST) -> _Compiled:
        handler: Callable[[ast.AST], _Compiled] | None = getattr(self, f"_c_{type(node).__name__}", None)
        if handler is None:
            what = _NODE_NAMES.get(type(node), type(node).__name__)
            raise self.error(node, f"{what} is not allowed", _ALLOWED_HINT)
        return handler(node)

    def constant(self, node: ast.AST, purpose: str) -> ConstFn:
        return self._constant_compiled(node, purpose).const_fn()

    def _constant_compiled(self, node: ast.AST, purpose: str) -> _Compiled:
        compiled = self.compile(node)
        if compiled.is_linear:
            raise self.error(node, f"{purpose} must not contain decision variables")
        return compiled

    # -- leaves --------------------------------------------------------------------------------------
    def _c_Constant(self, node: ast.Constant) -> _Compiled:
        value = node.value
        if isinstance(value, bool) or value is None:
            if value is None:
                raise self.error(node, "None is not a number")
            return _Compiled(value=_const(value))
        if isinstance(value, int | float):
            number = float(value) if isinstance(value, float) else value
            if isinstance(number, float) and not math.isfinite(number):
                raise self.error(node, "the number is not finite", "write a finite number")
            if isinstance(number, int) and abs(number) > 10**15:
                raise self.error(node, "the integer is too large to be represented exactly")
            return _Compiled(value=_const(number))
        if isinstance(value, str):
            return _Compiled(value=_const(value))
        raise self.error(node, f"a {type(value).__name__} literal is not allowed")

    def _c_Name(self, node: ast.Name) -> _Compiled:
        name = node.id
        if name in self.bound:
            return _Compiled(value=operator.itemgetter(name))
        if name in self.scope.params:
            param = self.scope.params[name]
            if param.indices:
                key_fn = self.bare_param_key(param) if self.bare_param_key else None
                if key_fn is None:
                    raise self.error(
                        node,
                        f"parameter `{name}` is indexed by {param.indices}; give its indices",
                        f"write {name}[{', '.join(i.lower()[:1] or 'i' for i in param.indices)}]",
                    )
                return _Compiled(value=self._param_lookup(node, param, key_fn, [None] * len(param.indices)))
            if param.value is None:  # the compiler binds every scalar parameter before expressions compile
                raise self.error(node, f"parameter `{name}` has no value")
            return _Compiled(value=_const(param.value))
        if name in self.scope.variables:
            var = self.scope.variables[name]
            if var.indices:
                raise self.error(
                    node,
                    f"variable `{name}` is indexed by {var.indices}; give its indices",
                    f"write {name}[...] with {len(var.indices)} index/indices",
                )
            return self._variable(node, var, lambda env: ())
        if name in self.scope.sets:
            raise self.error(
                node,
                f"set `{name}` cannot be used as a value",
                f"iterate over it, e.g. sum(... for i in {name})",
            )
        if name == "inf" and self.allow_inf:
            return _Compiled(value=lambda env: math.inf)
        suggestion = difflib.get_close_matches(name, self.known_names(), n=1)
        hint = f"did you mean `{suggestion[0]}`?" if suggestion else _known_hint(self)
        if self.bare_param_key is not None:
            hint = ("a bound cannot name indices: write the parameter alone (e.g. `cap`), which means its value "
                    "at this variable's index")
        raise self.error(node, f"unknown name `{name}`", hint)

    # -- references ----------------------------------------------------------------------------------
    def _c_Subscript(self, node: ast.Subscript) -> _Compiled:
        if not isinstance(node.value, ast.Name):
            raise self.error(node, "only parameters and variables can be indexed")
        name = node.value.id
        index_nodes = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name in self.scope.variables:
            var = self.scope.variables[name]
            key_fn = self._key_fn(node, name, var.indices, index_nodes)
            return self._variable(node, var, key_fn)
        if name in self.scope.params:
            param = self.scope.params[name]
            key_fn = self._key_fn(node, name, param.indices, index_nodes)
            return _Compiled(value=self._param_lookup(node, param, key_fn, index_nodes))
        if name in self.scope.sets:
            raise self.error(node, f"set `{name}` cannot be indexed", "iterate over it with `for i in {name}`")
        if name in self.bound:
            raise self.error(node, f"index `{name}` cannot be indexed")
        suggestion = difflib.get_close_matches(name, [*self.scope.params, *self.scope.variables], n=1)
        hint = f"did you mean `{suggestion[0]}`?" if suggestion else _known_hint(self)
        raise self.error(node, f"unknown parameter or variable `{name}`", hint)

    def _key_fn(self, node: ast.AST, name: str, sets: list[str], index_nodes: list[ast.expr]) -> Callable[[Env], Key]:
        if len(index_nodes) != len(sets):
            raise self.error(
                node,
                f"`{name}` takes {len(sets)} index/indices ({', '.join(sets) or 'none'}) but {len(index_nodes)} "
                "were given",
            )
        names = [n.id for n in index_nodes if isinstance(n, ast.Name) and n.id in self.bound]
        if len(names) == len(index_nodes):
            for idx_name, set_name in zip(names, sets, strict=True):
                if self.bound[idx_name] != set_name:
                    self._warn_set_mismatch(node, idx_name, set_name)
            if len(names) == 1:
                only = names[0]
                return lambda env: (env[only],)
            getter = operator.itemgetter(*names)
            return lambda env: getter(env)
        fns: list[ConstFn] = []
        for idx_node, set_name in zip(index_nodes, sets, strict=True):
            fns.append(self._index_element(idx_node, set_name))
        return lambda env: tuple(f(env) for f in fns)

    def _warn_set_mismatch(self, node: ast.AST, idx_name: str, set_name: str) -> None:
        bound_set = self.bound[idx_name]
        bound_elems = self.scope.sets.get(bound_set, [])
        target = {str(e) for e in self.scope.sets.get(set_name, [])}
        if not all(str(e) in target for e in bound_elems):
            raise self.error(
                node,
                f"index `{idx_name}` ranges over `{bound_set}` but this position expects an element of `{set_name}`",
                f"iterate over {set_name} here, or check the order of the indices",
            )

    def _index_element(self, node: ast.expr, set_name: str) -> ConstFn:
        """An index position: a bound index, index arithmetic, a literal, or a bare element label."""
        if isinstance(node, ast.Name) and node.id not in self.bound and node.id not in self.scope.params:
            element = self.scope.canonical_element(set_name, node.id)
            if element is not None:
                return _const(element)
        return self.constant(node, "an index")

    def _variable(self, node: ast.AST, var: VarColumns, key_fn: Callable[[Env], Key]) -> _Compiled:
        if not self.allow_variables:
            raise self.error(node, f"variable `{var.name}` cannot appear here", "use numbers and parameters only")
        columns = var.columns
        scope = self.scope
        fragment = _source(self.text, node)
        where = self.where

        def emit(env: Env, acc: Accumulator, scale: float) -> None:
            key = key_fn(env)
            col = columns.get(key)
            if col is None:
                canonical = scope.canonical_key(var.indices, key)
                col = columns.get(canonical) if canonical is not None else None
                if col is None:
                    raise _missing_index(where, fragment, var.name, var.indices, key, env, scope)
            acc.cols.append(col)
            acc.coefs.append(scale)

        return _Compiled(emit=emit)

    def _param_lookup(
        self, node: ast.AST, param: ParamData, key_fn: Callable[[Env], Key], index_nodes: Sequence[object]
    ) -> ConstFn:
        values = param.values
        default = param.default
        scope = self.scope
        fragment = _source(self.text, node)
        where = self.where

        def lookup(env: Env) -> float:
            key = key_fn(env)
            value = values.get(key)
            if value is None:
                canonical = scope.canonical_key(param.indices, key)
                value = values.get(canonical) if canonical is not None else None
                if value is None:
                    if default is not None and canonical is not None:  # a default fills entries, not the set
                        return default
                    raise _missing_index(where, fragment, param.name, param.indices, key, env, scope, is_param=True)
            return value

        return lookup

    # -- arithmetic ----------------------------------------------------------------------------------
    def _c_UnaryOp(self, node: ast.UnaryOp) -> _Compiled:
        inner = self.compile(node.operand)
        if isinstance(node.op, ast.USub):
            if inner.is_linear:
                emit = inner.emit_fn()
                return _Compiled(emit=lambda env, acc, s: emit(env, acc, -s), iterations=inner.iterations)
            value = inner.const_fn()
            return _Compiled(value=lambda env: -_number(value(env), self, node), iterations=inner.iterations)
        if isinstance(node.op, ast.UAdd):
            return inner
        if isinstance(node.op, ast.Not):
            value = self.constant(node.operand, "a `not` operand")
            return _Compiled(value=lambda env: not value(env), iterations=inner.iterations)
        raise self.error(node, "bitwise inversion (~) is not allowed", _ALLOWED_HINT)

    def _c_BinOp(self, node: ast.BinOp) -> _Compiled:
        op = node.op
        if not isinstance(op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            symbols = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@"}
            symbol = symbols.get(type(op), type(op).__name__)
            raise self.error(node, f"operator `{symbol}` is not allowed", "only + - * / are allowed")
        left = self.compile(node.left)
        right = self.compile(node.right)
        iterations = left.iterations + right.iterations
        if isinstance(op, ast.Add | ast.Sub):
            sign = 1.0 if isinstance(op, ast.Add) else -1.0
            if not left.is_linear and not right.is_linear:
                lv, rv = left.const_fn(), right.const_fn()
                if sign > 0:
                    return _Compiled(value=lambda env: _number(lv(env), self, node) + _number(rv(env), self, node),
                                     iterations=iterations)
                return _Compiled(value=lambda env: _number(lv(env), self, node) - _number(rv(env), self, node),
                                 iterations=iterations)
            le, re_ = _as_emit(left, self, node.left), _as_emit(right, self, node.right)

            def emit_add(env: Env, acc: Accumulator, s: float) -> None:
                le(env, acc, s)
                re_(env, acc, s * sign)

            return _Compiled(emit=emit_add, iterations=iterations)
        if isinstance(op, ast.Mult):
            if left.is_linear and right.is_linear:
                raise self.error(
                    node,
                    "product of two expressions that both contain decision variables is not linear",
                    "multiply variables only by numbers or parameters; linearise products with extra variables",
                )
            if not left.is_linear and not right.is_linear:
                lv, rv = left.const_fn(), right.const_fn()
                return _Compiled(value=lambda env: _number(lv(env), self, node) * _number(rv(env), self, node),
                                 iterations=left.iterations * right.iterations)
            lin, const, const_node = (left, right, node.right) if left.is_linear else (right, left, node.left)
            emit, factor = lin.emit_fn(), const.const_fn()
            return _Compiled(
                emit=lambda env, acc, s: emit(env, acc, s * _number(factor(env), self, const_node)),
                iterations=lin.iterations * max(1, const.iterations),
            )
        # division
        if right.is_linear:
            raise self.error(node, "division by an expression that contains decision variables is not linear",
                             "divide only by numbers or parameters")
        divisor = right.const_fn()

        def checked_divisor(env: Env) -> float:
            d = _number(divisor(env), self, node.right)
            if d == 0:
                raise ExpressionError(self.where, f"division by zero at {_binding_text(env)}", _source(self.text, node))
            return d

        if left.is_linear:
            emit = left.emit_fn()
            return _Compiled(emit=lambda env, acc, s: emit(env, acc, s / checked_divisor(env)),
                             iterations=left.iterations + right.iterations)
        lv = left.const_fn()
        return _Compiled(value=lambda env: _number(lv(env), self, node.left) / checked_divisor(env),
                         iterations=iterations)

    # -- sums ----------------------------------------------------------------------------------------
    def _c_Call(self, node: ast.Call) -> _Compiled:
        if not (isinstance(node.func, ast.Name) and node.func.id == "sum"):
            called = _source(self.text, node.func)
            raise self.error(node, f"calling `{called}` is not allowed; sum(...) is the only function", _ALLOWED_HINT)
        if node.keywords or len(node.args) != 1 or not isinstance(node.args[0], ast.GeneratorExp | ast.ListComp):
            raise self.error(node, "sum() takes one generator, e.g. sum(x[i] for i in S)")
        gen = node.args[0]
        clause = self._comprehension(gen.generators)
        body = self.compile(gen.elt)
        for idx_name, _ in clause.bindings:
            self.bound.pop(idx_name, None)
        iterations = _product(len(self.scope.sets[s]) for _, s in clause.bindings) * (
            max(1, body.iterations) + clause.condition_cost)
        loops = _loop_runner(clause, [self.scope.sets[s] for _, s in clause.bindings])
        if body.is_linear:
            body_emit = body.emit
            assert body_emit is not None

            def emit_sum(env: Env, acc: Accumulator, s: float) -> None:
                loops(env, lambda e: body_emit(e, acc, s))

            return _Compiled(emit=emit_sum, iterations=iterations)
        body_value = body.value
        assert body_value is not None

        def value_sum(env: Env) -> float:
            total = [0.0]

            def add(e: Env) -> None:
                total[0] += _number(body_value(e), self, gen.elt)

            loops(env, add)
            return total[0]

        return _Compiled(value=value_sum, iterations=iterations)

    def _comprehension(self, generators: list[ast.comprehension]) -> ForallClause:
        bindings: list[tuple[str, str]] = []
        conditions: list[tuple[int, ConstFn]] = []
        cost = 0
        for gen in generators:
            if gen.is_async:
                raise self.error(gen.iter, "async comprehensions are not allowed")
            if not isinstance(gen.target, ast.Name):
                raise self.error(gen.target, "bind one index name per `for`, e.g. `for i in S for j in T`")
            if not (isinstance(gen.iter, ast.Name) and gen.iter.id in self.scope.sets):
                what = _source(self.text, gen.iter)
                hint = f"known sets: {', '.join(self.scope.sets) or 'none'}"
                raise self.error(gen.iter, f"`{what}` is not a set; indices may only range over sets", hint)
            idx = gen.target.id
            if idx in self.bound:
                raise self.error(gen.target, f"index `{idx}` is already bound", "use a different index name")
            if idx in self.scope.params or idx in self.scope.variables or idx in self.scope.sets:
                raise self.error(gen.target, f"index `{idx}` has the name of a model symbol", "use a short index name")
            bindings.append((idx, gen.iter.id))
            self.bound[idx] = gen.iter.id
            for cond in gen.ifs:
                compiled = self.compile(cond)
                if compiled.is_linear:
                    raise self.error(cond, "a condition must not contain decision variables")
                assert compiled.value is not None
                conditions.append((len(bindings), compiled.value))
                cost += compiled.iterations
        return ForallClause(bindings=bindings, conditions=conditions, condition_cost=cost)

    # -- conditions ----------------------------------------------------------------------------------
    def _c_Compare(self, node: ast.Compare) -> _Compiled:
        operands = [node.left, *node.comparators]
        compiled = [self._constant_compiled(o, "a condition") for o in operands]
        fns = [c.const_fn() for c in compiled]
        ops: list[Callable[[Value, Value], object]] = []
        for op in node.ops:
            fn = _ALLOWED_COMPARE_IN_CONDITION.get(type(op))
            if fn is None:
                raise self.error(node, "only == != < <= > >= may be used in conditions")
            ops.append(fn)

        def compare(env: Env) -> bool:
            values = [f(env) for f in fns]
            try:
                return all(op(values[k], values[k + 1]) for k, op in enumerate(ops))
            except TypeError:
                raise ExpressionError(
                    self.where, f"cannot compare {values!r} at {_binding_text(env)}", _source(self.text, node)
                ) from None

        return _Compiled(value=compare, iterations=sum(c.iterations for c in compiled))

    def _c_BoolOp(self, node: ast.BoolOp) -> _Compiled:
        compiled = [self._constant_compiled(v, "a condition") for v in node.values]
        fns = [c.const_fn() for c in compiled]
        cost = sum(c.iterations for c in compiled)
        if isinstance(node.op, ast.And):
            return _Compiled(value=lambda env: all(f(env) for f in fns), iterations=cost)
        return _Compiled(value=lambda env: any(f(env) for f in fns), iterations=cost)

    def _c_Tuple(self, node: ast.Tuple) -> _Compiled:
        raise self.error(node, "a tuple is not a value here", "write one expression, or index with name[i, j]")


_ALLOWED_HINT = (
    "allowed: numbers, parameters, variables, + - * / by constants, sum(... for i in S if ...), "
    "and one comparison (<=, >=, ==)"
)


def _known_hint(compiler: _Compiler) -> str:
    parts = []
    if compiler.scope.variables:
        parts.append("variables: " + ", ".join(list(compiler.scope.variables)[:8]))
    if compiler.scope.params:
        parts.append("parameters: " + ", ".join(list(compiler.scope.params)[:8]))
    if compiler.bound:
        parts.append("indices in scope: " + ", ".join(compiler.bound))
    return "; ".join(parts) if parts else "declare it under variables or parameters"


def _number(value: object, compiler: _Compiler, node: ast.AST) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return value
    raise compiler.error(node, f"`{value}` is not a number", "arithmetic needs numbers; labels can only be indices")


def _as_emit(compiled: _Compiled, compiler: _Compiler, node: ast.AST) -> EmitFn:
    if compiled.emit is not None:
        return compiled.emit
    value = compiled.value
    assert value is not None

    def emit_const(env: Env, acc: Accumulator, s: float) -> None:
        acc.const += s * _number(value(env), compiler, node)

    return emit_const


def _product(values: Iterable[int]) -> int:
    total = 1
    for v in values:
        total *= v
    return total


def _const(value: Value) -> ConstFn:
    """The value function of a literal (or of anything fixed when the expression is compiled)."""
    return lambda env: value


def _binding_text(env: Env) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in env.items()) if env else "the top level"


def _missing_index(
    where: str,
    fragment: str,
    name: str,
    sets: list[str],
    key: Key,
    env: Env,
    scope: Scope,
    *,
    is_param: bool = False,
) -> ExpressionError:
    what = "parameter" if is_param else "variable"
    for set_name, raw in zip(sets, key, strict=True):
        if scope.canonical_element(set_name, raw) is None:
            return ExpressionError(
                where,
                f"{what} `{name}` has no element {raw!r} in set {scope.describe_set(set_name)} at {_binding_text(env)}",
                fragment,
                "restrict the forall or the sum with a condition, e.g. `if t >= 1`",
            )
    hint = "add the missing entry or give the parameter a default" if is_param else ""
    return ExpressionError(where, f"{what} `{name}` has no value at index {key!r}", fragment, hint)


def _loop_runner(clause: ForallClause, domains: list[list[Element]]) -> Callable[[Env, Callable[[Env], None]], None]:
    """Nested loops over `clause` bindings, running each condition as soon as its indices are bound."""
    names = [name for name, _ in clause.bindings]
    checks: list[list[ConstFn]] = [[] for _ in names]
    for depth, test in clause.conditions:
        checks[depth - 1].append(test)

    def run(env: Env, body: Callable[[Env], None], level: int = 0) -> None:
        name = names[level]
        tests = checks[level]
        last = level == len(names) - 1
        for element in domains[level]:
            env[name] = element
            if tests and not all(t(env) for t in tests):
                continue
            if last:
                body(env)
            else:
                run(env, body, level + 1)
        env.pop(name, None)

    if not names:
        return lambda env, body: body(env)
    return run


# ---------------------------------------------------------------------------------------------- entry points
def parse_forall(text: str, scope: Scope, where: str) -> tuple[ForallClause, dict[str, str]]:
    """Parse ``"i in Plants, j in Markets if cost[i,j] > 0"`` (commas or ``for`` between bindings).

    Returns the clause and the bound index → set map the constraint body sees.
    """
    stripped = text.strip()
    if stripped.startswith("for "):
        stripped = stripped[4:]
    parts = _split_top_level(stripped)
    if not parts or any(not p.strip() for p in parts):
        raise ExpressionError(where, "forall is empty or has an empty part", text, "write e.g. `i in Plants`")
    source = "[0 for " + " for ".join(p.strip() for p in parts) + "]"
    try:
        tree = ast.parse(source, mode="eval").body
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise ExpressionError(
            where, "forall is not a list of `index in Set` bindings", text, "write e.g. `i in Plants, j in Markets`"
        ) from None
    if not isinstance(tree, ast.ListComp):
        raise ExpressionError(where, "forall is not a list of `index in Set` bindings", text)
    compiler = _Compiler(scope, where, source, {}, allow_variables=False)
    clause = compiler._comprehension(tree.generators)
    clause.tree = tree
    clause.source = source
    return clause, dict(compiler.bound)


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def compile_objective(text: str, scope: Scope) -> tuple[EmitFn, int]:
    """Compile the objective into an emit closure plus its iteration estimate."""
    where = "objective"
    text = text.strip() if isinstance(text, str) else text
    node = parse_text(text, where)
    if isinstance(node, ast.Compare):
        raise ExpressionError(where, "the objective must not contain a comparison", text,
                              "write only the expression to optimise")
    compiled = _Compiler(scope, where, text, {}).compile(node)
    return _as_emit(compiled, _Compiler(scope, where, text, {}), node), compiled.iterations


def compile_constraint(name: str, forall: str | None, text: str, scope: Scope) -> CompiledConstraint:
    """Compile one constraint family: ``lhs <op> rhs`` becomes ``terms (lhs - rhs)`` with row bounds."""
    where = f"constraint `{name}`"
    text = text.strip() if isinstance(text, str) else text
    clause: ForallClause | None = None
    bound: dict[str, str] = {}
    if forall is not None and forall.strip():
        clause, bound = parse_forall(forall, scope, where)
    node = parse_text(text, where)
    if not isinstance(node, ast.Compare):
        raise ExpressionError(where, "a constraint needs one comparison (<=, >= or ==)", text,
                              "e.g. `sum(x[i] for i in S) <= cap`")
    for op in node.ops:
        if isinstance(op, ast.Lt | ast.Gt):
            raise ExpressionError(where, "strict inequalities (< or >) are not allowed in a MILP", text,
                                  "use <= or >=")
        if not isinstance(op, ast.LtE | ast.GtE | ast.Eq):
            raise ExpressionError(where, "only <=, >= and == may compare the two sides of a constraint", text)
    compiler = _Compiler(scope, where, text, bound)
    forall_size = _product(len(scope.sets[s]) for _, s in clause.bindings) if clause else 1
    forall_conditions = clause.condition_cost if clause else 0
    loop = _loop_runner(clause or ForallClause([], []), [scope.sets[s] for _, s in clause.bindings] if clause else [])

    if len(node.ops) == 1:
        left, right = compiler.compile(node.left), compiler.compile(node.comparators[0])
        if not left.is_linear and not right.is_linear:
            raise ExpressionError(where, "the constraint contains no decision variables", text,
                                  "a constraint must involve at least one variable")
        le, re_ = _as_emit(left, compiler, node.left), _as_emit(right, compiler, node.comparators[0])

        def emit(env: Env, acc: Accumulator, s: float) -> None:
            le(env, acc, s)
            re_(env, acc, -s)

        op = node.ops[0]
        zero: ConstFn = lambda env: 0.0  # noqa: E731 - terms + const (op) 0
        lower = zero if isinstance(op, ast.GtE | ast.Eq) else None
        upper = zero if isinstance(op, ast.LtE | ast.Eq) else None
        iterations = forall_size * (left.iterations + right.iterations + forall_conditions)
        return CompiledConstraint(name, clause, emit, lower, upper, iterations, loop, node, text)

    if len(node.ops) == 2:
        op1, op2 = node.ops
        same = (isinstance(op1, ast.LtE) and isinstance(op2, ast.LtE)) or (
            isinstance(op1, ast.GtE) and isinstance(op2, ast.GtE)
        )
        if not same:
            raise ExpressionError(where, "a range constraint must read `lo <= expr <= hi` (or `hi >= expr >= lo`)",
                                  text)
        lo_node, mid_node, hi_node = node.left, node.comparators[0], node.comparators[1]
        if isinstance(op1, ast.GtE):
            lo_node, hi_node = hi_node, lo_node
        lo_compiled = compiler._constant_compiled(lo_node, "the lower end of a range constraint")
        hi_compiled = compiler._constant_compiled(hi_node, "the upper end of a range constraint")
        lo, hi = lo_compiled.value, hi_compiled.value
        assert lo is not None and hi is not None
        mid = compiler.compile(mid_node)
        if not mid.is_linear:
            raise ExpressionError(where, "the middle of a range constraint contains no decision variables", text)
        mid_emit = mid.emit
        assert mid_emit is not None
        lo_fn = lambda env: _number(lo(env), compiler, lo_node)  # noqa: E731
        hi_fn = lambda env: _number(hi(env), compiler, hi_node)  # noqa: E731
        ends = lo_compiled.iterations + hi_compiled.iterations
        iterations = forall_size * (mid.iterations + forall_conditions + ends)
        return CompiledConstraint(name, clause, mid_emit, lo_fn, hi_fn, iterations, loop, node, text)

    raise ExpressionError(where, "a constraint may have one comparison, or two for a range `lo <= expr <= hi`", text)


def compile_bound(
    text: str,
    scope: Scope,
    where: str,
    bare_param_key: Callable[[ParamData], Callable[[Env], Key] | None],
) -> tuple[ConstFn, int]:
    """Compile a variable bound: a constant expression where a bare indexed parameter means "at this index".

    Returns the value function and its work estimate per column."""
    text = text.strip()
    node = parse_text(text, where)
    compiler = _Compiler(scope, where, text, {}, allow_variables=False, allow_inf=True,
                         bare_param_key=bare_param_key)
    compiled = compiler._constant_compiled(node, "a bound")
    assert compiled.value is not None
    return compiled.value, compiled.iterations
