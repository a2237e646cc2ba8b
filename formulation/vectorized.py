"""Vectorised expansion of the common linear shapes of the ModelSpec language.

`formulation.expressions` compiles an expression into closures that emit one term at a time (about 1.5 µs per
term). Most real models are made of a few shapes that numpy can expand in one go:

* the objective or a constraint side as sums of ``[const *] param[...] * var[...]`` over sets, with constant
  factors, ``/ const``, unary minus, several generators and conditions on indices and parameters;
* a constraint family ``forall i in S [if cond]`` whose body compares such sums with a right-hand side made of
  constants and parameters (``sum(ship[i,j] for j in M) <= supply[i]``), or a range ``lo <= sum(...) <= hi``.

`check_linear` decides statically, from the already checked tree, whether an expression has such a shape:
variables and parameters indexed by bound indices, element labels or constant index arithmetic; constants
made of numbers, scalar and indexed parameters and numeric indices; constant terms only outside sums; no
sum of constants. Anything else raises `Unsupported` and the caller keeps the closure path.

Evaluation works on a grid: every bound index is an axis (forall axes first, then each sum's generators in
order), and every value is an array broadcast over the axes bound where it was evaluated. Each variable
reference becomes a *block* of (column, coefficient, mask) arrays; the blocks of one family are flattened
into COO triplets in exactly the order the closures would emit them (row, then position in the expression,
then the sum indices, lexicographically), so merging duplicates and moving constants to the right-hand side
give bit-for-bit the same matrix. Coefficients are computed with the same operations in the same order as
the closures (a scale multiplied or divided on the way down), so the floating-point results agree.

The vectorised path never reports a data problem itself: a missing parameter entry, an index outside its set,
a label used as a number, a division by zero or a comparison of unlike types raises `Fallback`, and the
caller expands that family with the closures, which report it with the usual located message.
"""

from __future__ import annotations

import ast
import itertools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formulation.expressions import CompiledConstraint, Element, Key, ParamData, Scope, VarColumns, parse_text
from solvers.arrays import BoolArray, FloatArray, IntArray
from solvers.errors import MilpflowError

__all__ = [
    "Fallback",
    "FamilyTerms",
    "Unsupported",
    "VectorContext",
    "bracket_names",
    "vectorize_constraint",
    "vectorize_objective",
]

AnyArray = NDArray[Any]

_EXACT_INT = 2**53
"""Integers below this magnitude are exact in float64, so numpy arithmetic on them matches Python's."""

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class Unsupported(MilpflowError):
    """The expression has a shape the vectorised path does not cover (decided from the tree alone)."""


class Fallback(MilpflowError):
    """The data needs the closure path (which reports the problem with its located message, or decides it)."""


def bracket_names(name: str, domains: Sequence[Sequence[Element]]) -> list[str]:
    """``name[a,b]`` for every key of the product of `domains`, in product order (``name`` when there are none).

    The same text as ``f"{name}[{element_label(key)}]"``, built level by level instead of key by key."""
    if not domains:
        return [name]
    out = [name + "["]
    for level, domain in enumerate(domains):
        sep = "]" if level == len(domains) - 1 else ","
        suffixes = [f"{e}{sep}" for e in domain]
        out = [prefix + suffix for prefix in out for suffix in suffixes]
    return out


# ---------------------------------------------------------------------------------------------- static check
class _Checker:
    """Raises `Unsupported` unless a checked tree has one of the vectorised shapes."""

    def __init__(self, scope: Scope, bound: set[str]) -> None:
        self.scope = scope
        self.bound = set(bound)

    def is_linear(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.scope.variables for n in ast.walk(node))

    def linear(self, node: ast.AST, in_sum: bool) -> None:
        if isinstance(node, ast.Name):
            if node.id not in self.scope.variables or self.scope.variables[node.id].indices:
                raise Unsupported
            return
        if isinstance(node, ast.Subscript):
            self.reference(node, self.scope.variables)
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            self.linear(node.operand, in_sum)
            return
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add | ast.Sub):
                for side in (node.left, node.right):
                    if self.is_linear(side):
                        self.linear(side, in_sum)
                    elif in_sum:  # constants inside a sum accumulate in loop order: closures
                        raise Unsupported
                    else:
                        self.constant(side)
                return
            if isinstance(node.op, ast.Mult):
                lin, const = (node.left, node.right) if self.is_linear(node.left) else (node.right, node.left)
                self.linear(lin, in_sum)
                self.constant(const)
                return
            if isinstance(node.op, ast.Div):
                self.linear(node.left, in_sum)
                self.constant(node.right)
                return
            raise Unsupported
        if isinstance(node, ast.Call):
            gen = _sum_generator(node)
            added = self.generators(gen.generators)
            if not self.is_linear(gen.elt):
                raise Unsupported  # a sum of constants: closures
            self.linear(gen.elt, True)
            self.bound -= added
            return
        raise Unsupported

    def generators(self, generators: list[ast.comprehension]) -> set[str]:
        added: set[str] = set()
        for gen in generators:
            if not isinstance(gen.target, ast.Name) or not isinstance(gen.iter, ast.Name):
                raise Unsupported
            self.bound.add(gen.target.id)
            added.add(gen.target.id)
            for cond in gen.ifs:
                self.condition(cond)
        return added

    def reference(self, node: ast.Subscript, table: dict[str, Any]) -> None:
        if not isinstance(node.value, ast.Name) or node.value.id not in table:
            raise Unsupported
        index_nodes = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        for idx in index_nodes:
            if isinstance(idx, ast.Name) and (idx.id in self.bound or idx.id not in self.scope.params):
                continue  # a bound index, or a bare element label (resolved at evaluation)
            self.constant(idx)

    def constant(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise Unsupported
            if isinstance(value, int) and abs(value) >= _EXACT_INT:
                raise Unsupported
            return
        if isinstance(node, ast.Name):
            if node.id in self.bound:
                return
            param = self.scope.params.get(node.id)
            if param is None or param.indices or param.value is None:
                raise Unsupported
            return
        if isinstance(node, ast.Subscript):
            self.reference(node, self.scope.params)
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            self.constant(node.operand)
            return
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            self.constant(node.left)
            self.constant(node.right)
            return
        raise Unsupported

    def condition(self, node: ast.AST) -> None:
        if isinstance(node, ast.Compare):
            if not all(type(op) in _COMPARE for op in node.ops):
                raise Unsupported
            for operand in (node.left, *node.comparators):
                self.constant(operand)
            return
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.condition(value)
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.condition(node.operand)
            return
        self.constant(node)


def _sum_generator(node: ast.Call) -> ast.GeneratorExp | ast.ListComp:
    if not (isinstance(node.func, ast.Name) and node.func.id == "sum" and len(node.args) == 1
            and not node.keywords and isinstance(node.args[0], ast.GeneratorExp | ast.ListComp)):
        raise Unsupported
    return node.args[0]


# ---------------------------------------------------------------------------------------------- context
class VectorContext:
    """Per-compilation caches: dense parameter arrays and maps between sets."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._dense: dict[str, FloatArray] = {}
        self._maps: dict[tuple[str, str], IntArray] = {}
        self._positions: dict[str, dict[object, int]] = {}
        self._index_values: dict[str, tuple[AnyArray, bool]] = {}

    def dense(self, param: ParamData) -> FloatArray:
        """`param` over the product of its index sets (NaN: no entry and no default)."""
        cached = self._dense.get(param.name)
        if cached is not None:
            return cached
        shape = tuple(len(self.scope.sets[s]) for s in param.indices)
        if param.dense is not None and param.dense.shape == shape:
            array = param.dense
        else:
            array = np.full(shape, np.nan)
            positions = [self.positions(s) for s in param.indices]
            for key, value in param.values.items():
                try:
                    array[tuple(p[e] for p, e in zip(positions, key, strict=True))] = value
                except KeyError:
                    raise Unsupported from None
        if param.default is not None:
            array = np.where(np.isnan(array), param.default, array)
        self._dense[param.name] = array
        return array

    def positions(self, set_name: str) -> dict[object, int]:
        found = self._positions.get(set_name)
        if found is None:
            found = {e: k for k, e in enumerate(self.scope.sets[set_name])}
            self._positions[set_name] = found
        return found

    def set_map(self, source: str, target: str) -> IntArray:
        """Position in `target` of each element of `source` (-1 where it denotes none)."""
        found = self._maps.get((source, target))
        if found is None:
            positions = self.positions(target)
            out = []
            for e in self.scope.sets[source]:
                member = self.scope.canonical_element(target, e)
                out.append(-1 if member is None else positions[member])
            found = np.asarray(out, dtype=np.int64)
            self._maps[(source, target)] = found
        return found

    def index_values(self, set_name: str) -> tuple[AnyArray, bool]:
        """The elements of a set as values: float64 when all are exact integers, else objects."""
        found = self._index_values.get(set_name)
        if found is None:
            elements = self.scope.sets[set_name]
            if all(isinstance(e, int) and not isinstance(e, bool) and abs(e) < _EXACT_INT for e in elements):
                found = (np.asarray(elements, dtype=np.float64), True)
            else:
                found = (np.asarray([*elements, None], dtype=object)[:-1], False)
            self._index_values[set_name] = found
        return found


# ---------------------------------------------------------------------------------------------- evaluation
@dataclass
class _Block:
    cols: AnyArray
    coefs: AnyArray | float
    mask: BoolArray | None
    shape: tuple[int, ...]
    path: list[tuple[bool, int]]
    """(is an axis, value): the emission-order key after the row (positions and sum axes, outermost first)."""


@dataclass
class FamilyTerms:
    """A family expanded: which rows of its forall grid exist, their COO terms and constants."""

    row_keep: BoolArray
    """Flat over the forall grid (product order): True for the rows kept by the forall conditions."""
    rows: IntArray
    """Local row number (among kept rows) of each term."""
    cols: IntArray
    coefs: FloatArray
    const: FloatArray
    """The constant of each kept row (as the closures accumulate it)."""
    lower: FloatArray
    upper: FloatArray
    domains: list[list[Element]]

    def keys(self) -> list[Key]:
        keys = itertools.product(*self.domains)
        return list(itertools.compress(keys, self.row_keep.tolist()))


def _lift(a: Any, ndim: int) -> AnyArray:
    array = np.asarray(a)
    if array.ndim < ndim:
        array = array.reshape(array.shape + (1,) * (ndim - array.ndim))
    return array


class _Evaluator:
    def __init__(self, ctx: VectorContext, scope: Scope) -> None:
        self.ctx = ctx
        self.scope = scope
        self.axes: list[tuple[str, str]] = []
        self.bound: dict[str, int] = {}
        self.mask: BoolArray | None = None
        self.path: list[tuple[bool, int]] = []
        self.counter = [0]
        self.blocks: list[_Block] = []
        self.consts: list[AnyArray] = []
        self.checker = _Checker(scope, set())

    # -- grid ----------------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self.axes)

    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.scope.sets[s]) for _, s in self.axes)

    def axis_array(self, axis: int, values: AnyArray) -> AnyArray:
        shape = [1] * (axis + 1)
        shape[axis] = len(values)
        return values.reshape(shape)

    def push(self, name: str, set_name: str) -> None:
        self.bound[name] = len(self.axes)
        self.axes.append((name, set_name))

    def pop(self, name: str) -> None:
        self.axes.pop()
        del self.bound[name]

    def generators(self, generators: list[ast.comprehension]) -> list[str]:
        names: list[str] = []
        for gen in generators:
            assert isinstance(gen.target, ast.Name) and isinstance(gen.iter, ast.Name)
            self.push(gen.target.id, gen.iter.id)
            names.append(gen.target.id)
            self.path.append((True, self.depth - 1))
            for cond in gen.ifs:
                truth = self.condition(cond)
                mask = _lift(truth, self.depth)
                self.mask = mask if self.mask is None else _lift(self.mask, self.depth) & mask
        return names

    def check_invalid(self, invalid: AnyArray | None) -> None:
        """Fallback when an invalid entry is used where the conditions let it be evaluated."""
        if invalid is None or not invalid.any():
            return
        if self.mask is None:
            raise Fallback
        depth = max(invalid.ndim, self.mask.ndim)
        if (_lift(invalid, depth) & _lift(self.mask, depth)).any():
            raise Fallback

    # -- values --------------------------------------------------------------------------------------
    def value(self, node: ast.AST) -> tuple[AnyArray, bool]:
        """A constant sub-expression over the grid: (array, is numeric)."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return np.asarray(node.value, dtype=object), False
            assert isinstance(node.value, int | float)
            return np.asarray(float(node.value)), True
        if isinstance(node, ast.Name):
            if node.id in self.bound:
                axis = self.bound[node.id]
                values, numeric = self.ctx.index_values(self.axes[axis][1])
                return self.axis_array(axis, values), numeric
            param = self.scope.params[node.id]
            assert param.value is not None
            return np.asarray(float(param.value)), True
        if isinstance(node, ast.Subscript):
            assert isinstance(node.value, ast.Name)
            param = self.scope.params[node.value.id]
            dense = self.ctx.dense(param)
            index = self.index(node, param.indices)
            out = dense[index]
            self.check_invalid(np.isnan(out))
            return out, True
        if isinstance(node, ast.UnaryOp):
            operand, numeric = self.value(node.operand)
            if not numeric:
                raise Fallback
            return (-operand if isinstance(node.op, ast.USub) else operand), True
        if isinstance(node, ast.BinOp):
            left, ln = self.value(node.left)
            right, rn = self.value(node.right)
            if not (ln and rn):
                raise Fallback
            depth = self.depth
            left, right = _lift(left, depth), _lift(right, depth)
            if isinstance(node.op, ast.Add):
                return left + right, True
            if isinstance(node.op, ast.Sub):
                return left - right, True
            if isinstance(node.op, ast.Mult):
                return left * right, True
            self.check_invalid(right == 0)
            return left / right, True
        raise Unsupported

    def number(self, node: ast.AST) -> AnyArray:
        value, numeric = self.value(node)
        if not numeric:
            raise Fallback
        return _lift(value, self.depth)

    def index(self, node: ast.Subscript, sets: list[str]) -> tuple[AnyArray, ...]:
        """Broadcast position arrays of `node`'s indices in `sets` (Fallback where one denotes no element)."""
        index_nodes = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        depth = self.depth
        out: list[AnyArray] = []
        for idx, set_name in zip(index_nodes, sets, strict=True):
            if isinstance(idx, ast.Name) and idx.id in self.bound:
                axis = self.bound[idx.id]
                source = self.axes[axis][1]
                if source == set_name:
                    positions: AnyArray = np.arange(len(self.scope.sets[source]), dtype=np.int64)
                else:
                    positions = self.ctx.set_map(source, set_name)
                positions = self.axis_array(axis, positions)
            elif isinstance(idx, ast.Name) and idx.id not in self.scope.params:
                member = self.scope.canonical_element(set_name, idx.id)
                if member is None:
                    raise Unsupported
                positions = np.asarray(self.ctx.positions(set_name)[member], dtype=np.int64)
            else:
                positions = self.value_positions(idx, set_name)
            self.check_invalid(_lift(positions < 0, positions.ndim))
            out.append(_lift(np.maximum(positions, 0), depth))
        return tuple(out)

    def value_positions(self, idx: ast.AST, set_name: str) -> AnyArray:
        values, _ = self.value(idx)
        flat = values.ravel().tolist()
        positions = self.ctx.positions(set_name)
        lookup: dict[object, int] = {}
        result = np.empty(len(flat), dtype=np.int64)
        for k, raw in enumerate(flat):
            try:
                pos = lookup[raw]
            except KeyError:
                member = self.scope.canonical_element(set_name, raw)
                pos = -1 if member is None else positions[member]
                lookup[raw] = pos
            except TypeError:
                raise Fallback from None
            result[k] = pos
        return result.reshape(values.shape)

    # -- conditions ----------------------------------------------------------------------------------
    def condition(self, node: ast.AST) -> BoolArray:
        depth = self.depth
        if isinstance(node, ast.Compare):
            values = [self.value(o) for o in (node.left, *node.comparators)]
            result: BoolArray | None = None
            for k, op in enumerate(node.ops):
                (a, an), (b, bn) = values[k], values[k + 1]
                fn = _COMPARE[type(op)]
                if an and bn:
                    part = np.asarray(fn(_lift(a, depth), _lift(b, depth)), dtype=bool)
                else:
                    try:
                        part = np.asarray(np.frompyfunc(fn, 2, 1)(_lift(a, depth).astype(object),
                                                                   _lift(b, depth).astype(object)), dtype=bool)
                    except TypeError:
                        raise Fallback from None
                result = part if result is None else result & part
            assert result is not None
            return result
        if isinstance(node, ast.BoolOp):
            parts = [_lift(self.condition(v), depth) for v in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = parts[0]
            for part in parts[1:]:
                out = combine(out, part)
            return np.asarray(out, dtype=bool)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~_lift(self.condition(node.operand), depth)
        value, numeric = self.value(node)
        if numeric:
            return _lift(value != 0, depth)
        try:
            return _lift(np.asarray(np.frompyfunc(bool, 1, 1)(value), dtype=bool), depth)
        except TypeError:
            raise Fallback from None

    # -- linear expressions --------------------------------------------------------------------------
    def next_position(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def linear(self, node: ast.AST, scale: Any) -> None:
        if isinstance(node, ast.Name | ast.Subscript):
            self.variable(node, scale)
            return
        if isinstance(node, ast.UnaryOp):
            self.linear(node.operand, -scale if isinstance(node.op, ast.USub) else scale)
            return
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add | ast.Sub):
                sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
                for side, side_scale in ((node.left, scale), (node.right, scale * sign)):
                    if self.checker.is_linear(side):
                        self.linear(side, side_scale)
                    else:
                        self.consts.append(_lift(side_scale, self.depth) * self.number(side))
                return
            if isinstance(node.op, ast.Mult):
                left_linear = self.checker.is_linear(node.left)
                lin, const = (node.left, node.right) if left_linear else (node.right, node.left)
                factor = self.number(const)
                self.linear(lin, _lift(scale, self.depth) * factor)
                return
            divisor = self.number(node.right)
            self.check_invalid(divisor == 0)
            self.linear(node.left, _lift(scale, self.depth) / divisor)
            return
        assert isinstance(node, ast.Call)
        gen = _sum_generator(node)
        saved_mask, saved_path, saved_counter = self.mask, self.path, self.counter
        self.path = [*self.path, (False, self.next_position())]
        names = self.generators(gen.generators)
        self.counter = [0]
        self.linear(gen.elt, scale)
        for name in reversed(names):
            self.pop(name)
        self.mask, self.path, self.counter = saved_mask, saved_path, saved_counter

    def variable(self, node: ast.Name | ast.Subscript, scale: Any) -> None:
        if isinstance(node, ast.Name):
            var = self.scope.variables[node.id]
            cols: AnyArray = np.asarray(next(iter(var.columns.values())), dtype=np.int64)
        else:
            assert isinstance(node.value, ast.Name)
            var = self.scope.variables[node.value.id]
            cols = self.columns(var, self.index(node, var.indices))
        self.blocks.append(_Block(
            cols=cols, coefs=scale, mask=self.mask, shape=self.shape(),
            path=[*self.path, (False, self.next_position())],
        ))

    def columns(self, var: VarColumns, index: tuple[AnyArray, ...]) -> AnyArray:
        if var.offset is None:
            raise Unsupported
        sizes = [len(self.scope.sets[s]) for s in var.indices]
        flat: AnyArray = np.asarray(var.offset, dtype=np.int64)
        stride = 1
        for positions, size in zip(reversed(index), reversed(sizes), strict=True):
            flat = flat + positions * stride
            stride *= size
        return flat

    # -- assembly ------------------------------------------------------------------------------------
    def terms(self, row_depth: int) -> tuple[BoolArray, IntArray, IntArray, FloatArray, FloatArray]:
        """(row_keep, rows, cols, coefs, const) over the first `row_depth` axes, in closure emission order."""
        row_shape = self.shape()[:row_depth]
        n_grid = int(np.prod(row_shape, dtype=np.int64))
        if self.mask is None:
            row_keep = np.ones(n_grid, dtype=bool)
        else:
            row_keep = np.broadcast_to(_lift(self.mask, row_depth), row_shape).ravel()
        row_number = np.cumsum(row_keep, dtype=np.int64) - 1
        grid_ids = np.arange(n_grid, dtype=np.int64).reshape(row_shape)
        rows_out: list[IntArray] = []
        cols_out: list[IntArray] = []
        coefs_out: list[FloatArray] = []
        keys_out: list[list[IntArray]] = []
        width = max((len(b.path) for b in self.blocks), default=0)
        for block in self.blocks:
            shape = block.shape
            ndim = len(shape)

            def full(a: Any, shape: tuple[int, ...] = shape, ndim: int = ndim) -> AnyArray:
                return np.broadcast_to(_lift(a, ndim), shape).ravel()

            select: AnyArray | slice = slice(None) if block.mask is None else full(block.mask)
            grid = full(grid_ids)[select]
            if block.mask is None and row_depth and not row_keep.all():
                raise Unsupported  # cannot happen: the forall mask is part of every block's mask
            rows_out.append(row_number[grid])
            cols_out.append(full(block.cols).astype(np.int64, copy=False)[select])
            coefs_out.append(full(np.asarray(block.coefs, dtype=np.float64))[select])
            if len(self.blocks) > 1:
                keys: list[IntArray] = []
                for is_axis, value in block.path:
                    if is_axis:
                        axis_ids = np.arange(shape[value], dtype=np.int64)
                        keys.append(full(self.axis_array(value, axis_ids))[select])
                    else:
                        keys.append(np.full(len(grid), value, dtype=np.int64))
                keys += [np.zeros(len(grid), dtype=np.int64)] * (width - len(keys))
                keys_out.append(keys)
        rows = np.concatenate(rows_out) if rows_out else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols_out) if cols_out else np.zeros(0, dtype=np.int64)
        coefs = np.concatenate(coefs_out) if coefs_out else np.zeros(0)
        if len(self.blocks) > 1:
            columns = [np.concatenate([k[c] for k in keys_out]) for c in range(width)]
            order = np.lexsort((*reversed(columns), rows))
            rows, cols, coefs = rows[order], cols[order], coefs[order]
        const = np.zeros(row_shape)
        for piece in self.consts:
            const = const + np.broadcast_to(_lift(piece, row_depth), row_shape)
        return row_keep, rows, cols, coefs, np.asarray(const, dtype=np.float64).ravel()[row_keep]


# ---------------------------------------------------------------------------------------------- entry points
def vectorize_objective(text: str, ctx: VectorContext) -> tuple[IntArray, FloatArray, float]:
    """(columns, coefficients, constant) of the objective, in the closures' emission order.

    Raises `Unsupported` (shape) or `Fallback` (data); the caller then uses the closures."""
    with np.errstate(all="ignore"):  # overflow gives ±inf as in Python; the model check reports it
        return _objective(text, ctx)


def _objective(text: str, ctx: VectorContext) -> tuple[IntArray, FloatArray, float]:
    text = text.strip()
    node = parse_text(text, "objective")
    checker = _Checker(ctx.scope, set())
    if not checker.is_linear(node):
        raise Unsupported
    checker.linear(node, False)
    evaluator = _Evaluator(ctx, ctx.scope)
    evaluator.linear(node, 1.0)
    _, _, cols, coefs, const = evaluator.terms(0)
    return cols, coefs, float(const[0])


def vectorize_constraint(family: CompiledConstraint, ctx: VectorContext) -> FamilyTerms:
    """Expand a whole constraint family with numpy. Raises `Unsupported` (shape) or `Fallback` (data)."""
    with np.errstate(all="ignore"):  # overflow gives ±inf as in Python; the model check reports it
        return _constraint(family, ctx)


def _constraint(family: CompiledConstraint, ctx: VectorContext) -> FamilyTerms:
    node = family.node
    if node is None:
        raise Unsupported
    clause = family.forall
    generators = clause.tree.generators if clause is not None and clause.tree is not None else []
    if clause is not None and clause.tree is None:
        raise Unsupported
    scope = ctx.scope
    # static shape check
    checker = _Checker(scope, set())
    checker.generators(generators)
    if len(node.ops) == 1:
        sides = [node.left, node.comparators[0]]
        for side in sides:
            if checker.is_linear(side):
                checker.linear(side, False)
            else:
                checker.constant(side)
        ends: list[ast.expr] = []
    else:
        lo_node, mid_node, hi_node = node.left, node.comparators[0], node.comparators[1]
        if isinstance(node.ops[0], ast.GtE):
            lo_node, hi_node = hi_node, lo_node
        checker.linear(mid_node, False)
        checker.constant(lo_node)
        checker.constant(hi_node)
        ends = [lo_node, hi_node]
    # evaluation
    evaluator = _Evaluator(ctx, scope)
    evaluator.generators(generators)
    row_depth = evaluator.depth
    evaluator.path = []
    if not ends:
        left, right = node.left, node.comparators[0]
        for side, scale in ((left, 1.0), (right, -1.0)):
            if checker.is_linear(side):
                evaluator.linear(side, scale)
            else:
                evaluator.consts.append(scale * evaluator.number(side))
    else:
        evaluator.linear(node.comparators[0], 1.0)
    row_keep, rows, cols, coefs, const = evaluator.terms(row_depth)
    row_shape = evaluator.shape()[:row_depth]
    kept = int(row_keep.sum())

    def row_bounds(fn_present: bool, end: ast.expr | None, infinite: float) -> FloatArray:
        if not fn_present:
            return np.full(kept, infinite)
        if end is None:
            return np.asarray(0.0 - const, dtype=np.float64)
        value = np.broadcast_to(_lift(evaluator.number(end), row_depth), row_shape).ravel()[row_keep]
        return np.asarray(value - const, dtype=np.float64)

    lower = row_bounds(family.lower_fn is not None, ends[0] if ends else None, -np.inf)
    upper = row_bounds(family.upper_fn is not None, ends[1] if ends else None, np.inf)
    domains = [scope.sets[s] for _, s in evaluator.axes[:row_depth]]
    return FamilyTerms(row_keep=row_keep, rows=rows, cols=cols, coefs=coefs, const=const, lower=lower,
                       upper=upper, domains=domains)
