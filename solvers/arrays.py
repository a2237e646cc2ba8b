"""Array type aliases shared by the matrix form, the backends, the evaluator and the compiler.

Why: ``np.ndarray`` alone says nothing about what an array holds; these names say it once, so a signature
reads ``lower: FloatArray`` and a reader (and mypy) knows it is a float64 vector, not a mask or an index map.
They are aliases only: nothing here converts or checks an array at run time.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["BoolArray", "FloatArray", "Int8Array", "IntArray", "UIntArray"]

FloatArray: TypeAlias = NDArray[np.float64]
"""Numbers: bounds, costs, right-hand sides, coefficients."""
IntArray: TypeAlias = NDArray[np.int64]
"""Indices, index maps (-1 for "none") and dense ids."""
BoolArray: TypeAlias = NDArray[np.bool_]
"""Masks and flags (integrality, equality rows)."""
Int8Array: TypeAlias = NDArray[np.int8]
"""Small signs (+1/-1)."""
UIntArray: TypeAlias = NDArray[np.uint64]
"""64-bit hashes (wrap-around arithmetic)."""
