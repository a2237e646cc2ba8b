"""Constraints as values: linear atoms and the logic built from them (implies, either, all).

Why: a statement such as ``implies(use[a], flow[a] <= cap[a])`` is evaluated bottom-up, so ``flow[a] <= cap[a]``
must become a value before `implies` sees it. These small immutable trees are those values; `lowering` turns a
finished tree into rows. Truth constants are trees too: `TRUE` (an empty conjunction) and `FALSE` (an empty
disjunction), so ``either(False, c)`` and ``all()`` need no special cases.

Contract: an `Atom` is ``lo <= expr <= hi`` with ``expr.const == 0`` and at least one term; a `Literal` is a
binary column being 1 (``positive``) or 0.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from formulation.v2.linear import Columns, LinExpr

__all__ = [
    "FALSE", "TRUE", "AllOf", "AnyOf", "Atom", "Constraint", "Implies", "Literal", "atom", "is_false", "is_true",
    "literal_of",
]


@dataclass(frozen=True, eq=False)
class Atom:
    """``lo <= expr <= hi``; `node` is the source it came from (quoted in messages)."""

    expr: LinExpr
    lo: float
    hi: float
    node: ast.AST | None = None


@dataclass(frozen=True, eq=False)
class AllOf:
    """Every part holds (``all(c1, c2, ...)``); no parts is true."""

    parts: tuple[Constraint, ...]
    node: ast.AST | None = None


@dataclass(frozen=True, eq=False)
class AnyOf:
    """At least one part holds (``either(c1, c2, ...)``); no parts is false."""

    parts: tuple[Constraint, ...]
    node: ast.AST | None = None


@dataclass(frozen=True)
class Literal:
    """A binary column equal to 1 (`positive`) or to 0."""

    column: int
    positive: bool

    def as_expr(self) -> LinExpr:
        """The literal as a 0/1 expression: ``z`` or ``1 - z``."""
        return LinExpr({self.column: 1.0}) if self.positive else LinExpr({self.column: -1.0}, 1.0)


@dataclass(frozen=True, eq=False)
class Implies:
    """`then` holds whenever every literal is true."""

    literals: tuple[Literal, ...]
    then: Constraint
    node: ast.AST | None = None


Constraint = Atom | AllOf | AnyOf | Implies
TRUE = AllOf(())
FALSE = AnyOf(())


def is_true(c: Constraint) -> bool:
    return isinstance(c, AllOf) and not c.parts


def is_false(c: Constraint) -> bool:
    return isinstance(c, AnyOf) and not c.parts


def atom(expr: LinExpr, lo: float, hi: float, node: ast.AST | None) -> Constraint:
    """``lo <= expr <= hi`` with the constant moved to the bounds; a comparison without variables is decided now."""
    clean = expr.cleaned()
    lo, hi = lo - clean.const, hi - clean.const
    if not clean.terms:
        return TRUE if lo <= 1e-9 * max(1.0, abs(lo)) and hi >= -1e-9 * max(1.0, abs(hi)) else FALSE
    return Atom(LinExpr(clean.terms, 0.0), lo, hi, node)


def literal_of(value: object, columns: Columns) -> tuple[Literal, ...] | bool | None:
    """The literals a condition stands for: a binary expression ``z`` or ``1 - z``, a comparison of one binary
    with a constant (``z == 0``), ``all(...)`` of those, or a compile-time truth value. None: not a condition."""
    if isinstance(value, bool):
        return value
    if isinstance(value, LinExpr):
        clean = value.cleaned()
        if len(clean.terms) == 1:
            ((j, a),) = clean.terms.items()
            if columns.is_binary(j):
                if a == 1 and clean.const == 0:
                    return (Literal(j, True),)
                if a == -1 and clean.const == 1:
                    return (Literal(j, False),)
        return None
    if isinstance(value, Atom):
        if len(value.expr.terms) == 1:
            ((j, a),) = value.expr.terms.items()
            if columns.is_binary(j):
                holds = [z for z in (0, 1) if value.lo - 1e-9 <= a * z <= value.hi + 1e-9]
                if holds == [1]:
                    return (Literal(j, True),)
                if holds == [0]:
                    return (Literal(j, False),)
                return bool(holds)
        return None
    if isinstance(value, AllOf):
        out: list[Literal] = []
        for part in value.parts:
            inner = literal_of(part, columns)
            if inner is None:
                return None
            if inner is False:
                return False
            if inner is not True:
                assert isinstance(inner, tuple)
                out.extend(inner)
        return tuple(out) if out else True
    if isinstance(value, AnyOf) and not value.parts:
        return False
    return None

