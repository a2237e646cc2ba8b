"""Lowering: constraint trees and auxiliary definitions become linear rows, each named and explained.

Why here and not in the evaluator: whether ``abs``/``max``/``min``/``piecewise`` need binaries depends on the
*position* of their value in the finished statement (a minimised ``max`` needs none; a ``max`` in an equality
does), which is known only once the statement is built. `Lowering` receives the finished tree (or objective),
emits the rows it implies, and then picks each definition's encoding from the rows its column appears in.

Contract (SYNTAX.md, "How logic becomes rows"):

* ``implies(lits, lo <= e <= hi)``: ``e - M·Σ(1 - lit) <= hi`` with ``M = max(e) - hi`` over the column box (and
  the mirror row for ``lo``). An infinite ``max(e)`` is an error naming the variable and the missing bound.
* ``either(c1, ..., cn)``: one binary per disjunct (one in all for two disjuncts), ``Σ y >= 1``, and each ``ck``
  lowered under its binary as above. ``all(...)`` lowers every part under the same conditions.
* A definition's column ``t`` is in a *convex position* when, in every row and objective it appears in, lowering
  ``t`` never hurts (for ``abs``/``max``/convex ``piecewise``) or raising it never hurts (``min``/concave
  ``piecewise``). Then the epigraph (hypograph) rows suffice and no binary is added; otherwise the exact
  encoding with binaries and bound-derived M is used. Definitions are encoded outermost first, so an inner
  definition sees the rows of the outer one.
* ``z * e`` (z binary, e in [L, U]) is always the exact four-row linearisation; it adds no binary.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass

from formulation.v2.interpreter import InterpreterError, shorten
from formulation.v2.linear import Columns, LinExpr
from formulation.v2.logic import AllOf, AnyOf, Atom, Constraint, Implies, Literal
from formulation.v2.model_eval import (
    AbsDef,
    Definition,
    ElementScope,
    ExtremumDef,
    PiecewiseDef,
    ProductDef,
    missing_bound,
)

__all__ = ["Lowering", "RowDraft"]

_DOWN = "down"
_UP = "up"


@dataclass
class RowDraft:
    """``lo <= expr <= hi`` (``expr.const == 0``) with its name and how it was made.

    `encoding` is the full explanation for this row (shown by ``check``); `kind` is its short class, used to
    group notes; `big_m` is the M used, if any."""

    expr: LinExpr
    lo: float
    hi: float
    name: str
    encoding: str
    kind: str
    big_m: float | None = None


class Lowering:
    """Turns one element's constraint tree or objective, plus its definitions, into `RowDraft` rows."""

    def __init__(self, columns: Columns, scope: ElementScope, fragment: Callable[[ast.AST | None], str],
                 charge: Callable[[int], None]) -> None:
        self.columns = columns
        self.scope = scope
        self.fragment = fragment
        self.charge = charge
        self.drafts: list[RowDraft] = []
        self._prefs: dict[int, set[str]] = {}

    # ------------------------------------------------------------------------------------------ rows
    def add(self, expr: LinExpr, lo: float, hi: float, name: str, encoding: str, kind: str,
            big_m: float | None = None, node: ast.AST | None = None) -> None:
        """Add ``lo <= expr <= hi`` (its constant moved to the bounds) and note where each column appears."""
        clean = expr.cleaned()
        lo, hi = lo - clean.const, hi - clean.const
        if not clean.terms:
            if lo > 1e-9 * max(1.0, abs(lo)) or hi < -1e-9 * max(1.0, abs(hi)):
                raise InterpreterError(f"the row `{name}` has no variables and is infeasible ({lo:g} <= 0 <= {hi:g} "
                                       "fails)", self.fragment(node))
            return
        self.charge(1)
        row = RowDraft(LinExpr(clean.terms, 0.0), lo, hi, name, encoding, kind, big_m)
        self.drafts.append(row)
        prefs = self._prefs
        has_hi, has_lo = not math.isinf(hi), not math.isinf(lo)
        for j, a in clean.terms.items():
            mark = prefs.setdefault(j, set())
            if has_hi:
                mark.add(_DOWN if a > 0 else _UP)
            if has_lo:
                mark.add(_UP if a > 0 else _DOWN)

    # ------------------------------------------------------------------------------------------ constraints
    def constraint(self, tree: Constraint) -> None:
        """Lower a statement's constraint (its row is named after the element, e.g. ``leave[3]``)."""
        self._lower(tree, (), self.scope.base, "row")

    def _lower(self, c: Constraint, act: tuple[Literal, ...], name: str, how: str) -> None:
        if isinstance(c, Atom):
            if act:
                self._big_m(c, act, name, how)
            else:
                encoding = "row" if how == "row" else f"{how}: plain row (no condition)"
                self.add(c.expr, c.lo, c.hi, name, encoding, "row" if how == "row" else how, node=c.node)
        elif isinstance(c, AllOf):
            for k, part in enumerate(c.parts):
                self._lower(part, act, name if len(c.parts) == 1 else f"{name}#{k + 1}", how)
        elif isinstance(c, Implies):
            self._lower(c.then, act + c.literals, f"{name}#M", "implies")
        else:
            self._disjunction(c, act, name)

    def _disjunction(self, c: AnyOf, act: tuple[Literal, ...], name: str) -> None:
        n = len(c.parts)
        if n == 0:
            raise InterpreterError("either() with no possible alternative can never hold", self.fragment(c.node))
        prefix = f"either.{name}"
        literals: list[Literal]
        if n == 2:
            y = self.columns.add_binary(f"{prefix}#y", self.scope.origin("either: 1 = the first alternative holds, "
                                                                         "0 = the second"))
            literals = [Literal(y, True), Literal(y, False)]
        else:
            ys = [self.columns.add_binary(f"{prefix}#y{k + 1}", self.scope.origin(f"either: alternative {k + 1} "
                                                                                  "holds"))
                  for k in range(n)]
            self.add(LinExpr(dict.fromkeys(ys, 1.0)), 1.0, math.inf, f"{prefix}#pick",
                     f"either: at least one of {n} alternatives holds", "either choice")
            literals = [Literal(y, True) for y in ys]
        self.charge(n)
        for k, part in enumerate(c.parts):
            self._lower(part, (*act, literals[k]), f"{prefix}#{k + 1}", f"either alternative {k + 1}/{n}")

    def _big_m(self, c: Atom, act: tuple[Literal, ...], name: str, how: str) -> None:
        slack = LinExpr()  # Σ (1 - literal): 0 exactly when every condition holds
        for lit in act:
            slack.add(lit.as_expr(), -1.0).add(1.0)
        interval = self.columns.interval(c.expr)
        both = not math.isinf(c.lo) and not math.isinf(c.hi)
        fragment = self.fragment(c.node)
        purpose = f"{how}: the big-M of `{shorten(fragment, 60)}`"
        if not math.isinf(c.hi):
            if math.isinf(interval.hi):
                raise missing_bound(interval.hi_culprit, purpose, fragment)
            m = max(0.0, interval.hi - c.hi)
            self.add(c.expr.plus(slack, -m), -math.inf, c.hi, f"{name}.le" if both else name,
                     _m_text(how, m, "upper"), f"{how} big-M", m, c.node)
        if not math.isinf(c.lo):
            if math.isinf(interval.lo):
                raise missing_bound(interval.lo_culprit, purpose, fragment)
            m = max(0.0, c.lo - interval.lo)
            self.add(c.expr.plus(slack, m), c.lo, math.inf, f"{name}.ge" if both else name,
                     _m_text(how, m, "lower"), f"{how} big-M", m, c.node)

    # ------------------------------------------------------------------------------------------ definitions
    def finish(self, objective: LinExpr | None = None, minimize: bool = True) -> list[RowDraft]:
        """Encode every definition of the element (outermost first) and return all rows.

        `objective`: the element's objective expression, whose coefficients also decide positions."""
        if objective is not None:
            for j, a in objective.terms.items():
                if a != 0:
                    self._prefs.setdefault(j, set()).add(_DOWN if (a > 0) == minimize else _UP)
        for definition in reversed(self.scope.definitions):
            self._encode(definition)
        return self.drafts

    def _prefers(self, column: int, direction: str) -> bool:
        """True when every appearance of `column` is happy with it moving toward `direction`."""
        return self._prefs.get(column, set()) <= {direction}

    def _encode(self, d: Definition) -> None:
        if isinstance(d, ProductDef):
            self._product(d)
        elif isinstance(d, AbsDef):
            self._abs(d)
        elif isinstance(d, ExtremumDef):
            self._extremum(d)
        else:
            self._piecewise(d)

    def _name(self, column: int, suffix: str) -> str:
        return f"{self.columns.names[column]}.{suffix}"

    def _finite_interval(self, e: LinExpr, purpose: str, node: ast.AST) -> tuple[float, float]:
        interval = self.columns.interval(e)
        if math.isinf(interval.hi):
            raise missing_bound(interval.hi_culprit, purpose, self.fragment(node))
        if math.isinf(interval.lo):
            raise missing_bound(interval.lo_culprit, purpose, self.fragment(node))
        return interval.lo, interval.hi

    def _product(self, d: ProductDef) -> None:
        w, z, e, lo, hi = d.w, d.z, d.e, d.lo, d.hi
        text = "binary × expression: exact linearisation (no new binary)"
        kind = "binary × expression"
        self.add(LinExpr({w: 1.0, z: -hi}), -math.inf, 0.0, self._name(w, "ub"), f"{text}; w <= {hi:g}·z", kind)
        self.add(LinExpr({w: 1.0, z: -lo}), 0.0, math.inf, self._name(w, "lb"), f"{text}; w >= {lo:g}·z", kind)
        self.add(LinExpr({w: 1.0}).add(e, -1.0).add(LinExpr({z: -lo})), -math.inf, -lo, self._name(w, "e_ub"),
                 f"{text}; w <= e - {lo:g}·(1 - z)", kind)
        self.add(LinExpr({w: 1.0}).add(e, -1.0).add(LinExpr({z: -hi})), -hi, math.inf, self._name(w, "e_lb"),
                 f"{text}; w >= e - {hi:g}·(1 - z)", kind)

    def _abs(self, d: AbsDef) -> None:
        t, e = d.t, d.e
        if self._prefers(t, _DOWN):
            text = "abs: epigraph t >= ±e (convex position, no binary)"
            self.add(LinExpr({t: 1.0}).add(e, -1.0), 0.0, math.inf, self._name(t, "pos"), text, "abs epigraph")
            self.add(LinExpr({t: 1.0}).add(e), 0.0, math.inf, self._name(t, "neg"), text, "abs epigraph")
            return
        lo, hi = self._finite_interval(e, "abs() outside a convex position (exact with one binary)", d.node)
        z = self.columns.add_binary(self._name(t, "z"), self.scope.origin("abs: 1 = the argument is >= 0"))
        m_neg, m_pos = -2.0 * lo, 2.0 * hi
        text = f"abs: exact with one binary (M={m_neg:g} and {m_pos:g} from bounds)"
        self.add(LinExpr({t: 1.0}).add(e, -1.0), 0.0, math.inf, self._name(t, "pos"), text, "abs exact", None)
        self.add(LinExpr({t: 1.0}).add(e), 0.0, math.inf, self._name(t, "neg"), text, "abs exact", None)
        self.add(LinExpr({t: 1.0, z: m_neg}).add(e, -1.0), -math.inf, m_neg, self._name(t, "M+"), text, "abs exact",
                 m_neg)
        self.add(LinExpr({t: 1.0, z: -m_pos}).add(e), -math.inf, 0.0, self._name(t, "M-"), text, "abs exact", m_pos)

    def _extremum(self, d: ExtremumDef) -> None:
        t, args = d.t, d.args
        is_max = d.kind == "max"
        convex_dir = _DOWN if is_max else _UP
        if self._prefers(t, convex_dir):
            side = "epigraph t >= each argument" if is_max else "hypograph t <= each argument"
            text = f"{d.kind}: {side} (convex position, no binary)"
            for k, e in enumerate(args):
                row = LinExpr({t: 1.0}).add(e, -1.0)
                lo, hi = (0.0, math.inf) if is_max else (-math.inf, 0.0)
                self.add(row, lo, hi, self._name(t, str(k + 1)), text, f"{d.kind} {side.split()[0]}")
            return
        purpose = f"{d.kind}() outside a convex position (exact with binaries)"
        bounds = [self._finite_interval(e, purpose, d.node) for e in args]
        ys = [self.columns.add_binary(self._name(t, f"z{k + 1}"),
                                      self.scope.origin(f"{d.kind}: 1 = argument {k + 1} is the {d.kind}imum"))
              for k in range(len(args))]
        self.add(LinExpr(dict.fromkeys(ys, 1.0)), 1.0, 1.0, self._name(t, "pick"),
                 f"{d.kind}: exactly one argument attains the value", f"{d.kind} exact")
        top = max(b[1] for b in bounds)
        bottom = min(b[0] for b in bounds)
        for k, (e, (lo, hi)) in enumerate(zip(args, bounds, strict=True)):
            row = LinExpr({t: 1.0}).add(e, -1.0)
            if is_max:
                m = top - lo
                text = f"max: exact with {len(args)} binaries (M={m:g} from bounds)"
                self.add(row, 0.0, math.inf, self._name(t, str(k + 1)), text, "max exact")
                self.add(row.plus(LinExpr({ys[k]: m})), -math.inf, m, self._name(t, f"M{k + 1}"), text, "max exact", m)
            else:
                m = hi - bottom
                text = f"min: exact with {len(args)} binaries (M={m:g} from bounds)"
                self.add(row, -math.inf, 0.0, self._name(t, str(k + 1)), text, "min exact")
                self.add(row.plus(LinExpr({ys[k]: -m})), -m, math.inf, self._name(t, f"M{k + 1}"), text, "min exact",
                         m)

    def _piecewise(self, d: PiecewiseDef) -> None:
        t, x, bps, vals = d.t, d.x, d.breakpoints, d.values
        m = len(bps) - 1
        slopes = [(vals[k + 1] - vals[k]) / (bps[k + 1] - bps[k]) for k in range(m)]
        if (d.shape == "convex" and self._prefers(t, _DOWN)) or (d.shape == "concave" and self._prefers(t, _UP)):
            convex = d.shape == "convex"
            side = "epigraph" if convex else "hypograph"
            text = f"piecewise: {side} of a {d.shape} function in a convex position ({m} rows, no binary)"
            for k in range(m):
                row = LinExpr({t: 1.0}).add(x, -slopes[k])
                rhs = vals[k] - slopes[k] * bps[k]
                lo, hi = (rhs, math.inf) if convex else (-math.inf, rhs)
                self.add(row, lo, hi, self._name(t, f"seg{k + 1}"), text, f"piecewise {side}")
            return
        text = f"piecewise: incremental formulation ({m} segments, {m - 1} binaries; the function is {d.shape} " \
               "or its position is not convex)"
        kind = "piecewise incremental"
        deltas = [self.columns.add(self._name(t, f"d{k + 1}"), 0.0, bps[k + 1] - bps[k], False,
                                   (self._name(t, f"d{k + 1}"), ()),
                                   self.scope.origin(f"piecewise: part of segment {k + 1} used"))
                  for k in range(m)]
        ys = [self.columns.add_binary(self._name(t, f"y{k + 1}"),
                                      self.scope.origin(f"piecewise: 1 = segment {k + 1} is used in full"))
              for k in range(m - 1)]
        self.add(LinExpr(dict.fromkeys(deltas, -1.0)).add(x), bps[0], bps[0], self._name(t, "x"), text, kind)
        self.add(LinExpr({t: 1.0, **{dk: -s for dk, s in zip(deltas, slopes, strict=True)}}), vals[0], vals[0],
                 self._name(t, "val"), text, kind)
        for k, y in enumerate(ys):
            width, next_width = bps[k + 1] - bps[k], bps[k + 2] - bps[k + 1]
            self.add(LinExpr({deltas[k]: 1.0, y: -width}), 0.0, math.inf, self._name(t, f"fill{k + 1}"), text, kind)
            self.add(LinExpr({deltas[k + 1]: 1.0, y: -next_width}), -math.inf, 0.0, self._name(t, f"next{k + 1}"),
                     text, kind)


def _m_text(how: str, m: float, side: str) -> str:
    if m == 0:
        return f"{how}: holds on the whole box of bounds ({side} side), so no big-M term is needed"
    return f"{how}: big-M row, M={m:g} from the variables' bounds ({side} side)"
