"""The flat canonical form shared by every backend, the file readers and writers, and the evaluator.

A `LinearModel` is what a MILP *is* once the modelling language is gone: named columns with types and
bounds, one objective (sense, vector, constant) and a sparse row matrix with lower/upper row bounds::

    row_lower <= A @ x <= row_upper,   lower <= x <= upper,   x[j] integer where integrality[j]

Every producer (the ModelSpec compiler, the LP/MPS reader) must hand over a model that passes
`LinearModel.validate`; every consumer (HiGHS, Pyomo, the evaluator) may rely on that. Binaries are
integers with bounds [0, 1]: there is exactly one way to say "binary" in this form.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import scipy.sparse as sp

from solvers.arrays import BoolArray, FloatArray
from solvers.errors import MilpflowError

__all__ = ["INF", "LinearModel", "ModelDataError", "ObjectiveSense", "VarType"]

INF = math.inf


class ObjectiveSense(StrEnum):
    """Direction of optimisation."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


class VarType(StrEnum):
    """Column domain as shown to people; the matrix form stores only `integrality` plus bounds."""

    CONTINUOUS = "continuous"
    INTEGER = "integer"
    BINARY = "binary"


class ModelDataError(MilpflowError, ValueError):
    """The numbers of a model are unusable (NaN, wrong shapes, crossed bounds, duplicate names).

    The message names the offending row or column so that a person, or an LLM in a repair loop, can fix it.
    """


@dataclass(eq=False)
class LinearModel:
    """A MILP in matrix form.

    Attributes:
        name: Model name (free text).
        var_names: One unique name per column, e.g. ``ship[Plant1,Market2]``.
        lower, upper: Column bounds (float64, ``±inf`` for none).
        integrality: True for integer columns (binaries are integers in [0, 1]).
        objective: Cost vector (float64, one entry per column).
        objective_constant: Constant added to the objective value.
        sense: Minimise or maximise.
        A: Constraint matrix, CSR, shape (rows, columns), duplicates summed, explicit zeros dropped.
        row_lower, row_upper: Row activity bounds (``-inf``/``inf`` for one-sided rows; equal for equalities).
        row_names: One unique name per row, e.g. ``supply[Plant1]``.
        row_descriptions: Optional free text per row (kept from a ModelSpec so feedback can quote it).
    """

    name: str
    var_names: list[str]
    lower: FloatArray
    upper: FloatArray
    integrality: BoolArray
    objective: FloatArray
    objective_constant: float
    sense: ObjectiveSense
    A: sp.csr_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    row_names: list[str]
    row_descriptions: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_arrays(
        cls,
        *,
        name: str,
        var_names: Sequence[str],
        lower: Sequence[float] | FloatArray,
        upper: Sequence[float] | FloatArray,
        integrality: Sequence[bool] | BoolArray,
        objective: Sequence[float] | FloatArray,
        objective_constant: float = 0.0,
        sense: ObjectiveSense | str = ObjectiveSense.MINIMIZE,
        A: sp.spmatrix | sp.sparray | FloatArray | None = None,
        row_lower: Sequence[float] | FloatArray = (),
        row_upper: Sequence[float] | FloatArray = (),
        row_names: Sequence[str] = (),
        row_descriptions: dict[str, str] | None = None,
    ) -> LinearModel:
        """Build and validate a model from plain sequences; the matrix is canonicalised to CSR."""
        n = len(var_names)
        m = len(row_names)
        matrix = sp.csr_matrix((m, n), dtype=np.float64) if A is None else sp.csr_matrix(A, dtype=np.float64)
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        model = cls(
            name=name,
            var_names=list(var_names),
            lower=np.asarray(lower, dtype=np.float64).reshape(-1),
            upper=np.asarray(upper, dtype=np.float64).reshape(-1),
            integrality=np.asarray(integrality, dtype=bool).reshape(-1),
            objective=np.asarray(objective, dtype=np.float64).reshape(-1),
            objective_constant=float(objective_constant),
            sense=ObjectiveSense(sense),
            A=matrix,
            row_lower=np.asarray(row_lower, dtype=np.float64).reshape(-1),
            row_upper=np.asarray(row_upper, dtype=np.float64).reshape(-1),
            row_names=list(row_names),
            row_descriptions=dict(row_descriptions or {}),
        )
        model.validate()
        return model

    # ------------------------------------------------------------------ sizes
    @property
    def num_vars(self) -> int:
        return len(self.var_names)

    @property
    def num_rows(self) -> int:
        return len(self.row_names)

    @property
    def nnz(self) -> int:
        return int(self.A.nnz)

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())

    def var_type(self, j: int) -> VarType:
        """Domain of column `j` as a person would name it."""
        if not self.integrality[j]:
            return VarType.CONTINUOUS
        if self.lower[j] >= 0.0 and self.upper[j] <= 1.0 and self.lower[j] > -1.0:
            return VarType.BINARY
        return VarType.INTEGER

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Raise `ModelDataError` naming the first unusable entry; return None when the model is sound."""
        n, m = self.num_vars, self.num_rows
        for label, arr, size in (
            ("lower", self.lower, n),
            ("upper", self.upper, n),
            ("integrality", self.integrality, n),
            ("objective", self.objective, n),
            ("row_lower", self.row_lower, m),
            ("row_upper", self.row_upper, m),
        ):
            if arr.shape != (size,):
                raise ModelDataError(f"{label} has shape {arr.shape}; expected ({size},)")
        if self.A.shape != (m, n):
            raise ModelDataError(f"constraint matrix has shape {self.A.shape}; expected ({m}, {n})")
        _check_unique(self.var_names, "variable")
        _check_unique(self.row_names, "constraint")
        if not math.isfinite(self.objective_constant):
            raise ModelDataError(f"objective constant is {self.objective_constant}; it must be a finite number")
        self._check_finite_vector(self.objective, self.var_names, "objective coefficient of")
        for j in np.flatnonzero(np.isnan(self.lower) | np.isnan(self.upper)).tolist():
            raise ModelDataError(f"bound of variable {self.var_names[j]} is NaN")
        for i in np.flatnonzero(np.isnan(self.row_lower) | np.isnan(self.row_upper)).tolist():
            raise ModelDataError(f"right-hand side of constraint {self.row_names[i]} is NaN")
        bad = ~np.isfinite(self.A.data)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            i = int(np.searchsorted(self.A.indptr, k, side="right") - 1)
            j = int(self.A.indices[k])
            raise ModelDataError(
                f"coefficient of {self.var_names[j]} in constraint {self.row_names[i]} is {self.A.data[k]}; "
                "coefficients must be finite numbers"
            )
        for i in np.flatnonzero((self.row_lower == np.inf) | (self.row_upper == -np.inf)).tolist():
            raise ModelDataError(
                f"constraint {self.row_names[i]} has bounds [{self.row_lower[i]}, {self.row_upper[i]}]: a right-hand "
                "side overflowed to infinity; check the magnitudes of the data"
            )
        for j in np.flatnonzero((self.lower == np.inf) | (self.upper == -np.inf)).tolist():
            raise ModelDataError(
                f"variable {self.var_names[j]} has bounds [{self.lower[j]}, {self.upper[j]}]; a bound is infinite on "
                "the wrong side"
            )
        for i in np.flatnonzero(self.row_lower > self.row_upper).tolist():
            raise ModelDataError(
                f"constraint {self.row_names[i]} has lower bound {self.row_lower[i]} above its upper bound "
                f"{self.row_upper[i]}"
            )
        for j in np.flatnonzero(self.lower > self.upper).tolist():
            raise ModelDataError(
                f"variable {self.var_names[j]} has lower bound {self.lower[j]} above its upper bound {self.upper[j]}"
            )

    def _check_finite_vector(self, values: FloatArray, names: Sequence[str], what: str) -> None:
        for j in np.flatnonzero(~np.isfinite(values)).tolist():
            raise ModelDataError(f"{what} {names[j]} is {values[j]}; it must be a finite number")

    # ------------------------------------------------------------------ views for people and feedback
    def row_terms(self, i: int) -> Iterator[tuple[str, float]]:
        """(variable name, coefficient) pairs of row `i`, in column order."""
        start, stop = self.A.indptr[i], self.A.indptr[i + 1]
        for j, a in zip(self.A.indices[start:stop], self.A.data[start:stop], strict=True):
            yield self.var_names[int(j)], float(a)

    def format_row(self, i: int, *, max_terms: int = 12) -> str:
        """The row as a readable inequality, e.g. ``supply[P1]: ship[P1,M1] + ship[P1,M2] <= 30``."""
        terms = list(self.row_terms(i))
        body = format_linear(terms[:max_terms])
        if len(terms) > max_terms:
            body += f" + … ({len(terms) - max_terms} more terms)"
        lo, hi = self.row_lower[i], self.row_upper[i]
        if lo == hi:
            rel = f"{body} = {_num(hi)}"
        elif math.isinf(lo):
            rel = f"{body} <= {_num(hi)}"
        elif math.isinf(hi):
            rel = f"{body} >= {_num(lo)}"
        else:
            rel = f"{_num(lo)} <= {body} <= {_num(hi)}"
        return f"{self.row_names[i]}: {rel}"

    def format_bounds(self, j: int) -> str:
        """Bounds of column `j` as text, e.g. ``0 <= x <= 10 (integer)``."""
        return f"{_num(self.lower[j])} <= {self.var_names[j]} <= {_num(self.upper[j])} ({self.var_type(j)})"

    def summary(self) -> str:
        kind = "MILP" if self.is_mip else "LP"
        return f"{kind} '{self.name}': {self.num_vars} variables, {self.num_rows} constraints, {self.nnz} non-zeros"

    def copy(self) -> LinearModel:
        return LinearModel(
            name=self.name,
            var_names=list(self.var_names),
            lower=self.lower.copy(),
            upper=self.upper.copy(),
            integrality=self.integrality.copy(),
            objective=self.objective.copy(),
            objective_constant=self.objective_constant,
            sense=self.sense,
            A=self.A.copy(),
            row_lower=self.row_lower.copy(),
            row_upper=self.row_upper.copy(),
            row_names=list(self.row_names),
            row_descriptions=dict(self.row_descriptions),
        )


def format_linear(terms: Sequence[tuple[str, float]]) -> str:
    """``[("x", 2.0), ("y", -1.0)]`` → ``2 x - y``; an empty list is ``0``."""
    if not terms:
        return "0"
    parts: list[str] = []
    for k, (name, coef) in enumerate(terms):
        sign = "-" if coef < 0 else "+"
        mag = abs(coef)
        text = name if mag == 1.0 else f"{_num(mag)} {name}"
        if k == 0:
            parts.append(f"-{text}" if sign == "-" else text)
        else:
            parts.append(f"{sign} {text}")
    return " ".join(parts)


def _num(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.12g}"


def _check_unique(names: Sequence[str], what: str) -> None:
    if len(set(names)) == len(names):
        return
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ModelDataError(f"{what} name {name!r} is used twice; names must be unique")
        seen.add(name)
    for name in names:
        if not name:
            raise ModelDataError(f"a {what} has an empty name")
