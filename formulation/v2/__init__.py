"""The v2 model language: statements in Python syntax, interpreted safely, compiled to a `LinearModel`.

Public API::

    from formulation.v2 import compile_v2, load_spec_v2, solve_v2
    spec = load_spec_v2("examples/tsp/model.json")
    compiled = compile_v2(spec, data)           # CompiledV2: model, objectives, row_origins, notes, …
    outcome = solve_v2(compiled)                # LexicographicResult (one level for an ordinary model)

The syntax and meaning are specified in ``formulation/v2/SYNTAX.md`` (corrections in ``SYNTAX_NOTES.md``).
Names are imported on first use (PEP 562), so ``import formulation.v2.spec`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formulation.v2.compiler import CompiledV2, CompileOptionsV2, ModelBuildErrorV2, RowOrigin, compile_v2
    from formulation.v2.solving import solve_v2, variable_values
    from formulation.v2.spec import SpecV2, SpecV2FileError, is_v2, load_spec_v2, parse_spec_v2

__all__ = [
    "CompileOptionsV2",
    "CompiledV2",
    "ModelBuildErrorV2",
    "RowOrigin",
    "SpecV2",
    "SpecV2FileError",
    "compile_v2",
    "is_v2",
    "load_spec_v2",
    "parse_spec_v2",
    "solve_v2",
    "variable_values",
]

_HOME = {
    "CompileOptionsV2": "formulation.v2.compiler", "CompiledV2": "formulation.v2.compiler",
    "ModelBuildErrorV2": "formulation.v2.compiler", "RowOrigin": "formulation.v2.compiler",
    "compile_v2": "formulation.v2.compiler", "solve_v2": "formulation.v2.solving",
    "variable_values": "formulation.v2.solving", "SpecV2": "formulation.v2.spec",
    "SpecV2FileError": "formulation.v2.spec", "is_v2": "formulation.v2.spec", "load_spec_v2": "formulation.v2.spec",
    "parse_spec_v2": "formulation.v2.spec",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'formulation.v2' has no attribute {name!r}")
