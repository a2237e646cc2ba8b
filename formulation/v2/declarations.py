"""Sets, parameters and variables: the compile-time half of a v2 model.

Why: everything that does not involve decision variables is computed once, before any row is built — sets
(ordered lists of elements, or dicts of lists for indexed sets), parameters (any value) and the columns of the
declared variables with their bounds. Later stages only read the results.

Contract:

* Sets and parameters are evaluated in dependency order (a set may use a parameter defined below it); a cycle
  is reported, and a statement that uses a failed one is reported as skipped rather than as a second error of
  its own. A name may be defined once, and never shadows a data entry.
* `declare_variables` creates one column per member of the product of a variable's index sets, named
  ``x[i,j]`` after the flattened member, with bounds per SYNTAX.md (``lb`` 0, ``ub`` none, binary [0, 1]); a
  bound may be a number, ``-inf``/``inf``/``None``, or a dict/list keyed like the variable.
* Problems are appended to `errors` as located lines; nothing here raises for a problem in the model.
"""

from __future__ import annotations

import ast
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from formulation.v2.interpreter import Budget, Interpreter, InterpreterError, Limits, free_names, shorten
from formulation.v2.linear import Columns
from formulation.v2.model_eval import VarFamily
from formulation.v2.statements import Statement
from formulation.v2.values import Lazy, LookupFailure, OrderedSet, label, lookup, normalize_element, type_name

__all__ = ["DOMAINS", "Definitions", "declare_variables", "evaluate_definitions", "which_failed"]

DOMAINS = ("continuous", "integer", "binary")


@dataclass
class Definitions:
    """The compile-time names: data entries, sets and parameters, and which statement defined each."""

    names: dict[str, object]
    sets: dict[str, object] = field(default_factory=dict)
    parameters: dict[str, object] = field(default_factory=dict)


def evaluate_definitions(
    sets: list[Statement],
    parameters: list[Statement],
    data: Mapping[str, object],
    budget: Budget,
    limits: Limits,
    errors: list[str],
    unavailable: Mapping[str, str],
) -> Definitions:
    """Evaluate every set and parameter statement (dependency order), appending problems to `errors`."""
    definitions = Definitions(names=dict(data))
    statements = [*sets, *parameters]
    by_name = {s.name: s for s in statements if s.name is not None}
    failed: set[str] = set()
    for stmt in _dependency_order(statements, by_name, errors, failed):
        assert stmt.name is not None
        uses_failed = sorted((free_names(stmt.value) & failed) - {stmt.name})
        if uses_failed:
            errors.append(f"{stmt.where}: not evaluated because it uses {which_failed(uses_failed)}")
            failed.add(stmt.name)
            continue
        interp = Interpreter(definitions.names, budget, stmt.code, limits, unavailable)
        try:
            value = interp.evaluate(stmt.value)
            if stmt.section == "sets":
                value = _as_set(value, interp, stmt)
                definitions.sets[stmt.name] = value
            else:
                value = _as_parameter(value, interp, stmt)
                definitions.parameters[stmt.name] = value
        except InterpreterError as exc:
            errors.append(f"{stmt.where}: {exc}")
            failed.add(stmt.name)
            continue
        except RecursionError:
            errors.append(f"{stmt.where}: the value nests too deeply")
            failed.add(stmt.name)
            continue
        definitions.names[stmt.name] = value
    return definitions


def which_failed(names: list[str]) -> str:
    """``B, which has an error`` / ``B and p, which have errors``."""
    if len(names) == 1:
        return f"{names[0]}, which has an error"
    return f"{', '.join(names[:-1])} and {names[-1]}, which have errors"


def _dependency_order(statements: list[Statement], by_name: dict[str, Statement], errors: list[str],
                      failed: set[str]) -> list[Statement]:
    """Statements ordered so each comes after the ones it uses (stable: written order where free)."""
    deps = {
        s.name: {n for n in free_names(s.value) if n in by_name and n != s.name}
        for s in statements if s.name is not None
    }
    done: set[str] = set()
    order: list[Statement] = []
    pending = [s for s in statements if s.name is not None]
    while pending:
        progressed = False
        rest: list[Statement] = []
        for stmt in pending:
            assert stmt.name is not None
            if deps[stmt.name] <= done:
                order.append(stmt)
                done.add(stmt.name)
                progressed = True
            else:
                rest.append(stmt)
        pending = rest
        if not progressed:
            cycle = ", ".join(s.name for s in pending if s.name)
            for stmt in pending:
                assert stmt.name is not None
                errors.append(f"{stmt.where}: circular definition: {stmt.name} uses "
                              f"{', '.join(sorted(deps[stmt.name] - done))} (the cycle involves {cycle})")
                failed.add(stmt.name)
            break
    return order


def _as_set(value: object, interp: Interpreter, stmt: Statement) -> object:
    """A set's value: an ordered duplicate-free list of elements, or a dict of such lists (an indexed set)."""
    if isinstance(value, dict):
        out: dict[object, object] = {}
        for key, members in value.items():
            out[key] = _elements(members, interp, stmt, f" at key {key!r}")
        return out
    return _elements(value, interp, stmt, "")


def _elements(value: object, interp: Interpreter, stmt: Statement, where: str) -> list[object]:
    if not isinstance(value, list | tuple | range | OrderedSet | Lazy):
        raise InterpreterError(
            f"a set must be a list of elements (or a dict of lists), not a {type_name(value)}{where}",
            stmt.code, "e.g. `N = range(len(x))` or `A = [(i, j) for i in N for j in N if i != j]`",
        )
    out: dict[object, None] = {}
    for item in interp.iterate(value, stmt.value):
        try:
            out[normalize_element(item)] = None
        except LookupFailure as exc:
            raise InterpreterError(f"element {_short(item)}{where}: {exc}", stmt.code) from None
    return list(out)


def _as_parameter(value: object, interp: Interpreter, stmt: Statement) -> object:
    if isinstance(value, Lazy):
        return list(interp.iterate(value, stmt.value))
    if isinstance(value, OrderedSet):
        return list(value)
    return value


def _short(value: object) -> str:
    return shorten(repr(value), 60)


# ------------------------------------------------------------------------------------------------ variables
def declare_variables(
    statements: list[Statement],
    names: Mapping[str, object],
    columns: Columns,
    budget: Budget,
    limits: Limits,
    errors: list[str],
    unavailable: Mapping[str, str],
) -> dict[str, VarFamily]:
    """Create the columns of every variable statement; returns the variables by name."""
    families: dict[str, VarFamily] = {}
    for stmt in statements:
        assert stmt.name is not None
        interp = Interpreter(names, budget, stmt.code, limits, unavailable)
        try:
            families[stmt.name] = _declare(stmt, interp, columns)
        except InterpreterError as exc:
            errors.append(f"{stmt.where}: {exc}")
    return families


def _declare(stmt: Statement, interp: Interpreter, columns: Columns) -> VarFamily:
    assert stmt.name is not None
    call = stmt.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in DOMAINS):
        raise InterpreterError(
            "a variable is declared as `name = continuous(Sets..., lb=..., ub=...)` (or integer, or binary)",
            stmt.code, "e.g. `go = binary(A)` or `u = continuous(N, lb=0, ub=n - 1)`",
        )
    domain = call.func.id
    for kw in call.keywords:
        if kw.arg not in ("lb", "ub"):
            raise InterpreterError(f"{domain}() takes the keywords lb= and ub=, not {kw.arg}=", stmt.code)
    index_sets: list[list[object]] = []
    set_texts: list[str] = []
    for arg in call.args:
        text = interp.fragment(arg)
        value = interp.evaluate(arg)
        if isinstance(value, dict) and isinstance(arg, ast.Name) and all(isinstance(v, list) for v in value.values()):
            raise InterpreterError(
                f"`{text}` is an indexed set (a dict of lists) and cannot index a variable", stmt.code,
                f"index by a tuple set instead, e.g. [(n, j) for n in N for j in {text}[n]]",
            )
        if isinstance(value, dict):
            value = list(value)
        index_sets.append(_elements(value, interp, stmt, f" in `{text}`"))
        set_texts.append(text)
    count = math.prod(len(s) for s in index_sets)
    if count > interp.budget.remaining:
        raise interp.budget.exceeded(stmt.code, f": the variable would have {count:,} columns")
    bounds = {kw.arg: interp.evaluate(kw.value) for kw in call.keywords if kw.arg is not None}
    default_lb, default_ub = 0.0, (1.0 if domain == "binary" else math.inf)
    family = VarFamily(stmt.name, domain, set_texts, {})
    for members in itertools.product(*index_sets):
        interp.charge(1, call)
        flat = tuple(part for m in members for part in (m if isinstance(m, tuple) else (m,)))
        col_name = f"{stmt.name}[{label(flat)}]" if index_sets else stmt.name
        if flat in family.columns:
            raise InterpreterError(f"two members give the same column {col_name}", stmt.code,
                                   "the index sets overlap once flattened; use distinct labels")
        key = members[0] if len(members) == 1 else tuple(members)
        lb = _bound(bounds, "lb", key, default_lb, col_name, stmt, interp)
        ub = _bound(bounds, "ub", key, default_ub, col_name, stmt, interp)
        if domain == "binary":
            lb, ub = max(lb, 0.0), min(ub, 1.0)
        if lb > ub:
            raise InterpreterError(f"{col_name} has lb {lb:g} above ub {ub:g}", stmt.code)
        if lb == math.inf or ub == -math.inf:
            raise InterpreterError(f"{col_name} has a bound infinite on the wrong side (lb {lb:g}, ub {ub:g})",
                                   stmt.code)
        family.columns[flat] = columns.add(col_name, lb, ub, domain != "continuous", (stmt.name, flat))
    return family


def _bound(bounds: dict[str, object], which: str, key: object, default: float, col_name: str, stmt: Statement,
           interp: Interpreter) -> float:
    if which not in bounds:
        return default
    value = bounds[which]
    if isinstance(value, dict | list | tuple):
        try:
            value = lookup(value, key) if key != () else value
        except LookupFailure as exc:
            raise InterpreterError(f"{which}= has no value for {col_name}: {exc}", stmt.code,
                                   f"key the {which} dict like the variable, e.g. {{a: ... for a in A}}") from None
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InterpreterError(f"{which}= gives a {type_name(value)} for {col_name}, not a number", stmt.code)
    if math.isnan(value):
        raise InterpreterError(f"{which}= is NaN for {col_name}", stmt.code)
    return float(value)
