"""Solvers: the flat `LinearModel`, its backends (HiGHS directly, HiGHS through Pyomo) and LP/MPS files.

Public API::

    import solvers
    result = solvers.solve(model, time_limit=10)          # SolveResult: status, objective, variables, duals, iis
    model = solvers.read_model("afiro.mps")               # LP/MPS → LinearModel
    solvers.write_model(model, "afiro.lp")

This package knows nothing of the model language: a backend takes a `LinearModel`, however it was made.
Names are imported on first use (PEP 562), so ``import solvers.linear`` does not load HiGHS.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solvers.api import solve
    from solvers.errors import MilpflowError
    from solvers.io import ModelFileError, UnsupportedModelError, read_model, write_model
    from solvers.linear import LinearModel, ObjectiveSense
    from solvers.result import IIS, SolveOptions, SolveResult, SolveStatus

__all__ = [
    "IIS",
    "LinearModel",
    "MilpflowError",
    "ModelFileError",
    "ObjectiveSense",
    "SolveOptions",
    "SolveResult",
    "SolveStatus",
    "UnsupportedModelError",
    "read_model",
    "solve",
    "write_model",
]

_HOME = {
    "solve": "solvers.api", "MilpflowError": "solvers.errors",
    "ModelFileError": "solvers.io", "UnsupportedModelError": "solvers.io", "read_model": "solvers.io",
    "write_model": "solvers.io", "LinearModel": "solvers.linear", "ObjectiveSense": "solvers.linear",
    "IIS": "solvers.result", "SolveOptions": "solvers.result", "SolveResult": "solvers.result",
    "SolveStatus": "solvers.result",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'solvers' has no attribute {name!r}")
