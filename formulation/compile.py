"""Compile a `ModelSpec` (plus optional data) into a `LinearModel`.

The compiler is where meaning is checked: sets are resolved (listed, ranged, or read from data), parameters
are bound to their values (inline entries or a ``data.json`` entry, shape-checked), variables become
columns named ``ship[Plant1,Market2]``, and every expression is compiled by `formulation.expressions`.
Constants move to the right-hand side and duplicate terms are merged when the sparse matrix is assembled.

Errors are *collected*, not thrown one at a time: `ModelBuildError.errors` lists every located problem
found (bad data, unknown names, non-linear terms, …), because a repair loop that fixes one error per LLM
call is slow and expensive. Work is bounded before expansion starts (`CompileOptions.max_iterations`).
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from formulation.expressions import (
    Accumulator,
    CompiledConstraint,
    Element,
    Env,
    ExpressionError,
    Key,
    ParamData,
    Scope,
    Value,
    VarColumns,
    compile_bound,
    compile_constraint,
    compile_objective,
)
from formulation.spec import ModelSpec, ParameterSpec, SetSpec, VariableSpec
from formulation.vectorized import (
    Fallback,
    FamilyTerms,
    Unsupported,
    VectorContext,
    bracket_names,
    vectorize_constraint,
    vectorize_objective,
)
from solvers.arrays import BoolArray, FloatArray, IntArray
from solvers.errors import MilpflowError
from solvers.linear import LinearModel, ModelDataError, ObjectiveSense

__all__ = [
    "CompileOptions",
    "CompiledModel",
    "DataFileError",
    "ModelBuildError",
    "compile_spec",
    "element_label",
    "load_data",
]

DataValue = float | int | str | bool | None | list["DataValue"] | dict[str, "DataValue"]


class CompileOptions(BaseModel):
    """Limits for one compilation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_iterations: int = Field(
        default=5_000_000,
        ge=1,
        description="Upper bound on index combinations visited (columns + forall × sum bindings). An estimate "
        "above it fails before any expansion.",
    )
    vectorize: bool = Field(
        default=True,
        description="Expand the common shapes (sums of parameter × variable over sets, constraint families of "
        "such sums with a parameter right-hand side) with numpy (`formulation.vectorized`); the result is "
        "identical to the term-by-term closures, which every other shape uses. False forces the closures.",
    )


class ModelBuildError(MilpflowError, ValueError):
    """The spec cannot be built. `errors` holds one located, fixable message per problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        head = f"the model has {count} error{'s' if count != 1 else ''}:"
        super().__init__(head + "\n" + "\n".join(f"  - {e}" for e in self.errors))


class DataFileError(MilpflowError, ValueError):
    """A data file could not be read as a JSON object."""


@dataclass
class CompiledModel:
    """The compiled matrix plus the index structure it came from (for Pyomo, display and feedback)."""

    spec: ModelSpec
    model: LinearModel
    scope: Scope
    column_keys: list[tuple[str, Key]]
    """(variable name, index tuple) for each column."""
    row_keys: list[tuple[str, Key]]
    """(constraint name, forall index tuple) for each row."""
    iterations: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


def load_data(path: str | Path) -> dict[str, DataValue]:
    """Read a ``data.json`` object (scalars, lists, nested lists, label lists)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: cannot read the data file ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except RecursionError:
        raise DataFileError(f"{path}: the JSON nests too deeply to be data") from None
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: the data file must hold a JSON object of named entries, not {type(raw).__name__}")
    return raw


def element_label(elements: Sequence[Value]) -> str:
    """``("Plant1", 2)`` → ``Plant1,2`` (the bracket content of generated names)."""
    return ",".join(str(e) for e in elements)


def compile_spec(
    spec: ModelSpec,
    data: Mapping[str, DataValue] | None = None,
    options: CompileOptions | None = None,
) -> CompiledModel:
    """Build the `LinearModel` of `spec`; raise `ModelBuildError` listing every problem found."""
    started = time.perf_counter()
    options = options or CompileOptions()
    builder = _Builder(spec, dict(data or {}), options)
    # Building allocates many small tuples and strings that all stay alive; pausing the cyclic collector for
    # the build saves it from rescanning them over and over (the work is bounded by max_iterations).
    collecting = gc.isenabled()
    gc.disable()
    try:
        compiled = builder.build()
    finally:
        if collecting:
            gc.enable()
    compiled.seconds = time.perf_counter() - started
    return compiled


class _Builder:
    def __init__(self, spec: ModelSpec, data: dict[str, DataValue], options: CompileOptions) -> None:
        self.spec = spec
        self.data = data
        self.options = options
        self.errors: list[str] = []
        self.scope = Scope(sets={}, params={}, variables={})
        self._keys: dict[tuple[str, ...], list[Key]] = {}

    def _product_keys(self, set_names: Sequence[str]) -> list[Key]:
        """Every index tuple of the product of `set_names`, in product order (shared, so built once)."""
        name = tuple(set_names)
        keys = self._keys.get(name)
        if keys is None:
            keys = list(itertools.product(*(self.scope.sets[s] for s in name)))
            self._keys[name] = keys
        return keys

    # ------------------------------------------------------------------------------------------ driver
    def build(self) -> CompiledModel:
        for set_spec in self.spec.sets:
            self._guard(partial(self._resolve_set, set_spec))
        for param_spec in self.spec.parameters:
            self._guard(partial(self._resolve_param, param_spec))
        self._fail_if_errors()

        column_keys = self._declare_columns()
        self._fail_if_errors()
        n = len(column_keys)
        lower, upper, integrality = self._bounds(column_keys)

        objective_emit: Callable[[Env, Accumulator, float], None] | None = None
        objective_iterations = 0
        try:
            objective_emit, objective_iterations = compile_objective(self.spec.objective.expression, self.scope)
        except ExpressionError as exc:
            self.errors.append(str(exc))

        families: list[CompiledConstraint] = []
        for con in self.spec.constraints:
            try:
                families.append(compile_constraint(con.name, con.forall, con.expression, self.scope))
            except ExpressionError as exc:
                self.errors.append(str(exc))
        self._fail_if_errors()

        iterations = n + objective_iterations + sum(f.iterations for f in families)
        if iterations > self.options.max_iterations:
            worst = sorted(families, key=lambda f: f.iterations, reverse=True)[:3]
            detail = ", ".join(f"`{f.name}` ≈ {f.iterations:,}" for f in worst)
            raise ModelBuildError([
                f"the model would visit about {iterations:,} index combinations ({n:,} columns; largest "
                f"constraints: {detail}); the limit is {self.options.max_iterations:,}. Add conditions to "
                "the sums, use smaller sets, or raise the limit (CompileOptions.max_iterations / --max-iterations)"
            ])

        ctx = VectorContext(self.scope) if self.options.vectorize else None
        objective = np.zeros(n)
        objective_constant = 0.0
        if objective_emit is not None:
            vectorized = self._vectorized_objective(ctx)
            if vectorized is not None:
                cols, coefs, objective_constant = vectorized
                np.add.at(objective, cols, coefs)
            else:
                acc = Accumulator()
                try:
                    objective_emit({}, acc, 1.0)
                except ExpressionError as exc:
                    self.errors.append(str(exc))
                else:
                    np.add.at(objective, np.asarray(acc.cols, dtype=np.int64),
                              np.asarray(acc.coefs, dtype=np.float64))
                    objective_constant = acc.const

        rows = _RowCollector()
        for family in families:
            terms = self._vectorized_family(family, ctx)
            if terms is not None:
                rows.add_vectorized(family, terms)
                continue
            try:
                rows.add_closure(family)
            except ExpressionError as exc:
                self.errors.append(str(exc))
        self._fail_if_errors()

        A = rows.matrix(n)
        descriptions = {
            con.name: con.description for con in self.spec.constraints if con.description
        }
        try:
            model = LinearModel.from_arrays(
                name=self.spec.name,
                var_names=self._column_names(),
                lower=lower,
                upper=upper,
                integrality=integrality,
                objective=objective,
                objective_constant=objective_constant,
                sense=ObjectiveSense(self.spec.objective.sense),
                A=A,
                row_lower=rows.row_lower,
                row_upper=rows.row_upper,
                row_names=rows.names,
                row_descriptions={
                    row: descriptions[family] for row, (family, _) in zip(rows.names, rows.keys, strict=True)
                    if family in descriptions
                },
            )
        except ModelDataError as exc:
            raise ModelBuildError([str(exc)]) from exc
        return CompiledModel(
            spec=self.spec,
            model=model,
            scope=self.scope,
            column_keys=column_keys,
            row_keys=rows.keys,
            iterations=iterations,
            seconds=0.0,
        )

    def _vectorized_objective(self, ctx: VectorContext | None) -> tuple[IntArray, FloatArray, float] | None:
        """The objective expanded with numpy, or None to use the closures (shape not covered, or data the
        closures must report)."""
        if ctx is None:
            return None
        try:
            return vectorize_objective(self.spec.objective.expression, ctx)
        except (Unsupported, Fallback):
            return None

    def _vectorized_family(self, family: CompiledConstraint, ctx: VectorContext | None) -> FamilyTerms | None:
        if ctx is None:
            return None
        try:
            return vectorize_constraint(family, ctx)
        except (Unsupported, Fallback):
            return None

    def _column_names(self) -> list[str]:
        """``ship[Plant1,Market2]`` per column, in column order (built a level at a time, not key by key)."""
        names: list[str] = []
        for var in self.scope.variables.values():
            names += bracket_names(var.name, [self.scope.sets[s] for s in var.indices])
        return names

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except (_SpecProblem, ExpressionError) as exc:
            self.errors.append(str(exc))

    def _fail_if_errors(self) -> None:
        if self.errors:
            raise ModelBuildError(self.errors)

    # ------------------------------------------------------------------------------------------ sets
    def _resolve_set(self, s: SetSpec) -> None:
        where = f"set `{s.name}`"
        if s.elements is not None:
            elements: list[Element] = list(s.elements)
        elif s.elements_from is not None:
            raw = self._data_entry(s.elements_from, where)
            if not isinstance(raw, list) or not all(isinstance(e, str | int) and not isinstance(e, bool) for e in raw):
                raise _SpecProblem(f"{where}: data entry `{s.elements_from}` must be a list of labels or integers")
            elements = [e for e in raw if isinstance(e, str | int)]
            if len({str(e) for e in elements}) != len(elements):
                raise _SpecProblem(f"{where}: data entry `{s.elements_from}` has duplicate labels")
        else:
            assert s.range is not None
            size = s.range.size
            if size is None:
                assert s.range.size_from is not None
                size = self._size_from(s.range.size_from, s.range.axis or 0, where)
            if size > self.options.max_iterations:
                raise _SpecProblem(f"{where}: {size:,} elements is more than the expansion limit of "
                                   f"{self.options.max_iterations:,}; check the size or raise the limit")
            elements = list(range(s.range.start, s.range.start + size))
        self.scope.sets[s.name] = elements

    def _size_from(self, key: str, axis: int, where: str) -> int:
        declared = next((p for p in self.spec.parameters if p.name == key and not p.indices), None)
        value: DataValue
        if declared is not None and declared.value is not None:
            value = declared.value
        elif declared is not None and declared.data_key is not None:
            value = self._data_entry(declared.data_key, where)
        else:
            value = self._data_entry(key, where)
        if isinstance(value, bool):
            raise _SpecProblem(f"{where}: `{key}` is a boolean, not a size")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if float(value) != int(value) or value < 0:
                raise _SpecProblem(f"{where}: size `{key}` = {value} is not a non-negative integer")
            return int(value)
        node: DataValue = value
        for level in range(axis):
            if not isinstance(node, list) or not node:
                raise _SpecProblem(f"{where}: `{key}` has no axis {axis} (it has {level} dimension(s))")
            node = node[0]
        if not isinstance(node, list | dict):
            if axis and isinstance(value, list):
                raise _SpecProblem(f"{where}: `{key}` has no axis {axis} (it has {axis} dimension(s))")
            raise _SpecProblem(f"{where}: `{key}` is neither an integer nor a list, so it cannot give a size")
        return len(node)

    def _data_entry(self, key: str, where: str) -> DataValue:
        if key not in self.data:
            available = ", ".join(sorted(self.data)[:12]) or "none (no data file was given)"
            raise _SpecProblem(f"{where}: data entry `{key}` not found; available entries: {available}")
        return self.data[key]

    # ------------------------------------------------------------------------------------------ parameters
    def _resolve_param(self, p: ParameterSpec) -> None:
        where = f"parameter `{p.name}`"
        for set_name in p.indices:
            if set_name not in self.scope.sets:
                raise _SpecProblem(f"{where}: index set `{set_name}` is not declared under sets")
        data = ParamData(name=p.name, indices=list(p.indices), default=_finite_or_none(p.default, where, "default"))
        if p.value is not None:
            data.value = _finite(p.value, where, "value")
        elif p.values is not None and not p.indices:
            if len(p.values) != 1 or p.values[0].index:
                raise _SpecProblem(f"{where}: a scalar parameter takes `value`, or exactly one entry with index []")
            data.value = _finite(p.values[0].value, where, "value")
        elif p.values is not None:
            for entry in p.values:
                if len(entry.index) != len(p.indices):
                    raise _SpecProblem(
                        f"{where}: entry {entry.index} has {len(entry.index)} index element(s), expected "
                        f"{len(p.indices)} ({', '.join(p.indices)})"
                    )
                key = self.scope.canonical_key(p.indices, tuple(entry.index))
                if key is None:
                    bad = next(
                        (f"{e!r} is not in set `{s}`" for s, e in zip(p.indices, entry.index, strict=True)
                         if self.scope.canonical_element(s, e) is None),
                        "an element is unknown",
                    )
                    raise _SpecProblem(f"{where}: entry {entry.index}: {bad}")
                if key in data.values:
                    raise _SpecProblem(f"{where}: index {list(key)} is given twice")
                data.values[key] = _finite(entry.value, where, f"value at {list(key)}")
        else:
            assert p.data_key is not None
            raw = self._data_entry(p.data_key, where)
            if not p.indices:
                data.value = _finite(_scalar(raw, where, p.data_key), where, "value")
            else:
                self._bind_array(data, raw, p.data_key, where)
        self.scope.params[p.name] = data

    def _bind_array(self, data: ParamData, raw: DataValue, key: str, where: str) -> None:
        """Map nested lists positionally (the k-th element of each index set) or dicts by label."""
        domains = [self.scope.sets[s] for s in data.indices]
        if self._bind_rectangular(data, raw, key, where, domains):
            return

        def walk(node: DataValue, depth: int, prefix: tuple[Element, ...]) -> None:
            if depth == len(domains):
                data.values[prefix] = _finite(_scalar(node, where, f"{key}` at `{list(prefix)}"), where,
                                              f"value at {list(prefix)}")
                return
            domain = domains[depth]
            set_name = data.indices[depth]
            if isinstance(node, list):
                if len(node) != len(domain):
                    raise _SpecProblem(
                        f"{where}: data `{key}` has length {len(node)} at depth {depth} but set `{set_name}` has "
                        f"{len(domain)} elements; the shapes must match (positions map to set elements in order)"
                    )
                for element, child in zip(domain, node, strict=True):
                    walk(child, depth + 1, (*prefix, element))
            elif isinstance(node, dict):
                for label, child in node.items():
                    member = self.scope.canonical_element(set_name, label)
                    if member is None:
                        raise _SpecProblem(f"{where}: data `{key}` has key {label!r}, which is not in set `{set_name}`")
                    walk(child, depth + 1, (*prefix, member))
            else:
                raise _SpecProblem(
                    f"{where}: data `{key}` is {len(domains) - depth} dimension(s) short: expected a list over "
                    f"`{set_name}` at depth {depth}, found {type(node).__name__}"
                )

        walk(raw, 0, ())

    def _bind_rectangular(
        self, data: ParamData, raw: DataValue, key: str, where: str, domains: list[list[Element]]
    ) -> bool:
        """Fast path for a numeric nested list of exactly the sets' shape; False leaves it to the slow walk."""
        if not isinstance(raw, list):
            return False
        try:
            probe = np.asarray(raw)
        except (TypeError, ValueError):
            return False
        if probe.dtype.kind not in "biuf":  # text, None or ragged data: the slow walk reports it precisely
            return False
        array = probe.astype(np.float64)
        if array.shape != tuple(len(d) for d in domains):
            return False
        bad = np.argwhere(~np.isfinite(array))
        if bad.size:
            position = tuple(int(k) for k in bad[0])
            index = [domains[d][k] for d, k in enumerate(position)]
            raise _SpecProblem(
                f"{where}: data `{key}` at {index} is {array[position]} (null, NaN or infinite); "
                "data must be finite numbers"
            )
        data.values = dict(zip(self._product_keys(data.indices), array.ravel().tolist(), strict=True))
        data.dense = array
        return True

    # ------------------------------------------------------------------------------------------ variables
    def _declare_columns(self) -> list[tuple[str, Key]]:
        column_keys: list[tuple[str, Key]] = []
        budget = self.options.max_iterations
        for var in self.spec.variables:
            where = f"variable `{var.name}`"
            missing = [s for s in var.indices if s not in self.scope.sets]
            if missing:
                self.errors.append(f"{where}: index set(s) {', '.join(missing)} not declared under sets")
                continue
            domains = [self.scope.sets[s] for s in var.indices]
            count = math.prod(len(d) for d in domains)
            if len(column_keys) + count > budget:
                self.errors.append(
                    f"{where}: would create {count:,} columns, more than the limit of {budget:,}; use smaller sets"
                )
                continue
            offset = len(column_keys)
            columns: dict[Key, int] = dict(zip(self._product_keys(var.indices), range(offset, offset + count),
                                               strict=True))
            column_keys.extend(zip(itertools.repeat(var.name), columns))
            self.scope.variables[var.name] = VarColumns(name=var.name, indices=list(var.indices), columns=columns,
                                                        offset=offset)
        return column_keys

    def _bounds(self, column_keys: list[tuple[str, Key]]) -> tuple[FloatArray, FloatArray, BoolArray]:
        n = len(column_keys)
        lower = np.zeros(n)
        upper = np.full(n, math.inf)
        integrality = np.zeros(n, dtype=bool)
        for var in self.spec.variables:
            columns = self.scope.variables.get(var.name)
            if columns is None:
                continue
            idx = _column_index(columns)
            integrality[idx] = var.domain != "continuous"
            default_upper = 1.0 if var.domain == "binary" else math.inf
            for bound_text, target, default in ((var.lower, lower, 0.0), (var.upper, upper, default_upper)):
                which = "lower" if target is lower else "upper"
                try:
                    self._fill_bound(var, columns, bound_text, target, default, which)
                except (_SpecProblem, ExpressionError) as exc:
                    self.errors.append(str(exc))
            if var.domain == "binary":
                lower[idx] = np.maximum(lower[idx], 0.0)
                upper[idx] = np.minimum(upper[idx], 1.0)
        self._fail_if_errors()
        return lower, upper, integrality

    def _fill_bound(
        self,
        var: VariableSpec,
        columns: VarColumns,
        bound: float | str | None,
        target: FloatArray,
        default: float,
        which: str,
    ) -> None:
        where = f"variable `{var.name}` {which} bound"
        idx = _column_index(columns)
        if bound is None:
            target[idx] = default
            return
        if isinstance(bound, int | float):
            if math.isnan(bound):
                raise _SpecProblem(f"{where}: NaN is not a bound; use null or a number")
            target[idx] = float(bound)
            return
        text = bound.strip()
        if text in ("inf", "+inf", "-inf", "infinity", "-infinity"):
            target[idx] = -math.inf if text.startswith("-") else math.inf
            return

        def bare_param_key(param: ParamData) -> Callable[[Env], Key] | None:
            # The column's index is bound under the names of the variable's index sets (set names cannot be index
            # names in the language, so nothing else in the expression reads them); a bare parameter indexed by
            # sets that each occur once among the variable's reads its entry there.
            if any(var.indices.count(set_name) != 1 for set_name in param.indices):
                return None
            set_names = list(param.indices)
            return lambda env: tuple(env[s] for s in set_names)

        value_fn, cost = compile_bound(text, self.scope, where, bare_param_key)
        if cost * len(columns.columns) > self.options.max_iterations:
            raise _SpecProblem(f"{where}: `{text}` would visit about {cost * len(columns.columns):,} index "
                               f"combinations; the limit is {self.options.max_iterations:,}")
        for key, col in columns.columns.items():
            value = value_fn(dict(zip(var.indices, key, strict=True)))
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                at = f"{var.name}[{element_label(key)}]"
                raise _SpecProblem(f"{where}: `{text}` gives {value!r} at {at}, not a number")
            target[col] = float(value)


class _RowCollector:
    """Constraint rows gathered family by family as flat arrays; the CSR matrix is assembled once at the end.

    Each family adds its rows' term counts, columns and coefficients (row by row, each row's terms in emission
    order), bounds (constants already moved to the right-hand side), names and keys."""

    def __init__(self) -> None:
        self.counts: list[IntArray] = []
        self.cols: list[IntArray] = []
        self.coefs: list[FloatArray] = []
        self.lower: list[FloatArray] = []
        self.upper: list[FloatArray] = []
        self.names: list[str] = []
        self.keys: list[tuple[str, Key]] = []

    def add_closure(self, family: CompiledConstraint) -> None:
        """Expand `family` with its closures (raises the closures' ExpressionError)."""
        bindings = [name for name, _ in family.forall.bindings] if family.forall else []
        lower_fn, upper_fn = family.lower_fn, family.upper_fn
        name = family.name
        cols: list[int] = []
        coefs: list[float] = []
        counts: list[int] = []
        lower: list[float] = []
        upper: list[float] = []
        names: list[str] = []
        keys: list[tuple[str, Key]] = []

        def add(env: Env, acc: Accumulator) -> None:
            key = tuple(env[b] for b in bindings)
            cols.extend(acc.cols)
            coefs.extend(acc.coefs)
            counts.append(len(acc.cols))
            const = acc.const
            lower.append(float(lower_fn(env)) - const if lower_fn is not None else -math.inf)
            upper.append(float(upper_fn(env)) - const if upper_fn is not None else math.inf)
            names.append(f"{name}[{element_label(key)}]" if key else name)
            keys.append((name, key))

        family.expand(add)
        self.counts.append(np.asarray(counts, dtype=np.int64))
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.coefs.append(np.asarray(coefs, dtype=np.float64))
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.names += names
        self.keys += keys

    def add_vectorized(self, family: CompiledConstraint, terms: FamilyTerms) -> None:
        kept = len(terms.lower)
        self.counts.append(np.bincount(terms.rows, minlength=kept).astype(np.int64))
        self.cols.append(terms.cols)
        self.coefs.append(terms.coefs)
        self.lower.append(terms.lower)
        self.upper.append(terms.upper)
        names = bracket_names(family.name, terms.domains)
        self.names += list(itertools.compress(names, terms.row_keep.tolist())) if terms.domains else names
        self.keys += [(family.name, key) for key in terms.keys()]

    def matrix(self, n: int) -> sp.csr_matrix:
        counts = np.concatenate([np.zeros(1, dtype=np.int64), *self.counts])
        return sp.csr_matrix(
            (
                np.concatenate([np.zeros(0), *self.coefs]),
                np.concatenate([np.zeros(0, dtype=np.int64), *self.cols]),
                np.cumsum(counts),
            ),
            shape=(len(self.names), n),
        )

    @property
    def row_lower(self) -> FloatArray:
        return np.concatenate([np.zeros(0), *self.lower])

    @property
    def row_upper(self) -> FloatArray:
        return np.concatenate([np.zeros(0), *self.upper])


def _column_index(columns: VarColumns) -> IntArray | slice:
    """The matrix columns of a variable (a slice when they are consecutive, as declared)."""
    if columns.offset is not None:
        return slice(columns.offset, columns.offset + len(columns.columns))
    return np.fromiter(columns.columns.values(), dtype=np.int64, count=len(columns.columns))


class _SpecProblem(MilpflowError, ValueError):
    """Internal: one located problem, collected into ModelBuildError."""


def _scalar(value: DataValue, where: str, key: str) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        raise _SpecProblem(f"{where}: data `{key}` has a null value; every value must be a number")
    shown = str(value)[:40]
    raise _SpecProblem(f"{where}: data `{key}` holds {type(value).__name__} {shown!r} where a number is needed")


def _finite(value: float, where: str, what: str) -> float:
    if not math.isfinite(value):
        raise _SpecProblem(f"{where}: {what} is {value}; data must be finite numbers")
    return float(value)


def _finite_or_none(value: float | None, where: str, what: str) -> float | None:
    return None if value is None else _finite(value, where, what)
