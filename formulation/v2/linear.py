"""Linear expressions over model columns, the column table, and the interval arithmetic big-M values come from.

Why: objectives and constraints are built as `LinExpr` values (column → coefficient, plus a constant) while
statements are evaluated; every lowering (implies, either, abs, max, min, piecewise, binary × expression) needs
*provable* bounds on such expressions. `Columns` keeps each column's bounds and, for a column whose bound is
infinite, the declared variable responsible, so that a missing big-M names the variable and the direction
instead of guessing a constant.

Contract:

* `LinExpr` is a value: the arithmetic helpers return new expressions; only `LinExpr.add` (used by sums and
  lowering, on expressions they own) mutates in place.
* `Columns.interval(e)` is exact interval arithmetic over the column box: ``lo <= e <= hi`` holds for every
  point of the box, and an infinite end carries a `BoundCulprit` naming the declared column and the bound it lacks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["BoundCulprit", "ColumnOrigin", "Columns", "Interval", "LinExpr"]


class LinExpr:
    """``sum(terms[j] * x[j]) + const``."""

    __slots__ = ("const", "terms")

    def __init__(self, terms: dict[int, float] | None = None, const: float = 0.0) -> None:
        self.terms: dict[int, float] = terms if terms is not None else {}
        self.const = const

    @classmethod
    def column(cls, j: int, coef: float = 1.0) -> LinExpr:
        return cls({j: coef})

    @classmethod
    def constant(cls, value: float) -> LinExpr:
        return cls({}, value)

    def copy(self) -> LinExpr:
        return LinExpr(dict(self.terms), self.const)

    def add(self, other: LinExpr | float, scale: float = 1.0) -> LinExpr:
        """In place: ``self += scale * other``; returns self."""
        if isinstance(other, LinExpr):
            terms = self.terms
            for j, a in other.terms.items():
                terms[j] = terms.get(j, 0.0) + scale * a
            self.const += scale * other.const
        else:
            self.const += scale * other
        return self

    def plus(self, other: LinExpr | float, scale: float = 1.0) -> LinExpr:
        """``self + scale * other`` as a new expression."""
        return self.copy().add(other, scale)

    def scaled(self, factor: float) -> LinExpr:
        if factor == 0:
            return LinExpr({}, 0.0)
        return LinExpr({j: a * factor for j, a in self.terms.items()}, self.const * factor)

    def cleaned(self) -> LinExpr:
        """The same expression without zero coefficients."""
        if all(a != 0 for a in self.terms.values()):
            return self
        return LinExpr({j: a for j, a in self.terms.items() if a != 0}, self.const)

    @property
    def is_constant(self) -> bool:
        return all(a == 0 for a in self.terms.values())

    def __repr__(self) -> str:
        body = " + ".join(f"{a:g}*c{j}" for j, a in self.terms.items())
        return f"LinExpr({body or '0'} + {self.const:g})"


@dataclass(frozen=True)
class BoundCulprit:
    """Why an expression has no finite bound in one direction: `column` (a declared variable) lacks `side`."""

    column: str
    side: str  # "upper" or "lower"

    def describe(self) -> str:
        return f"variable {self.column} has no {self.side} bound"


@dataclass(frozen=True)
class Interval:
    """``lo <= e <= hi`` over the box; an infinite end says which declared column is to blame."""

    lo: float
    hi: float
    lo_culprit: BoundCulprit | None = None
    hi_culprit: BoundCulprit | None = None


@dataclass(frozen=True)
class ColumnOrigin:
    """Where an auxiliary column came from (declared variables need none: their name says it)."""

    section: str
    statement: int
    family: str
    binding: tuple[object, ...]
    role: str


@dataclass
class Columns:
    """Every column of the model, in order: declared variables first, then auxiliaries as lowering makes them."""

    names: list[str] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    keys: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)
    origins: dict[int, ColumnOrigin] = field(default_factory=dict)
    culprits: dict[tuple[int, str], BoundCulprit] = field(default_factory=dict)
    """For auxiliary columns with an infinite bound: the declared column that makes it infinite."""

    def __len__(self) -> int:
        return len(self.names)

    def add(
        self,
        name: str,
        lower: float,
        upper: float,
        integer: bool,
        key: tuple[str, tuple[object, ...]],
        origin: ColumnOrigin | None = None,
        interval: Interval | None = None,
    ) -> int:
        """Append a column and return its index; `interval` passes on the culprits of an auxiliary's bounds."""
        j = len(self.names)
        self.names.append(name)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        self.keys.append(key)
        if origin is not None:
            self.origins[j] = origin
        if interval is not None:
            if interval.lo_culprit is not None and math.isinf(lower):
                self.culprits[(j, "lower")] = interval.lo_culprit
            if interval.hi_culprit is not None and math.isinf(upper):
                self.culprits[(j, "upper")] = interval.hi_culprit
        return j

    def add_binary(self, name: str, origin: ColumnOrigin) -> int:
        return self.add(name, 0.0, 1.0, True, (name, ()), origin)

    def is_binary(self, j: int) -> bool:
        return self.integer[j] and self.lower[j] >= 0.0 and self.upper[j] <= 1.0

    def _culprit(self, j: int, side: str) -> BoundCulprit:
        return self.culprits.get((j, side), BoundCulprit(self.names[j], side))

    def interval(self, expr: LinExpr) -> Interval:
        """Bounds of `expr` over the column box (exact for a linear expression)."""
        lo = hi = expr.const
        lo_culprit: BoundCulprit | None = None
        hi_culprit: BoundCulprit | None = None
        lower, upper = self.lower, self.upper
        for j, a in expr.terms.items():
            if a == 0:
                continue
            low_end, high_end = (lower[j], upper[j]) if a > 0 else (upper[j], lower[j])
            lo += a * low_end
            hi += a * high_end
            if math.isinf(low_end) and lo_culprit is None:
                lo_culprit = self._culprit(j, "lower" if a > 0 else "upper")
            if math.isinf(high_end) and hi_culprit is None:
                hi_culprit = self._culprit(j, "upper" if a > 0 else "lower")
        if math.isnan(lo):  # inf - inf cannot happen (one side only), but be safe
            lo = -math.inf
        if math.isnan(hi):
            hi = math.inf
        return Interval(lo, hi, lo_culprit if math.isinf(lo) else None, hi_culprit if math.isinf(hi) else None)
