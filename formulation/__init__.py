"""Formulation: the model language (ModelSpec, expressions, compiler) and the LLM stage that writes it.

Public API::

    import formulation
    record = formulation.formulate("A bakery sells ...", data=None, strategy="repair")   # needs an LLM endpoint
    loaded = formulation.load_model("examples/transport.json")                           # no LLM
    loaded.model       # the LinearModel every solver and the evaluator take
    loaded.compiled    # the compilation, with each row's and column's index

Names are imported on first use (PEP 562), so ``import formulation.spec`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formulation.api import formulate, load_model
    from formulation.compile import CompiledModel, CompileOptions, ModelBuildError, compile_spec
    from formulation.loading import InputError, LoadedModel
    from formulation.spec import ModelSpec, load_spec
    from formulation.strategies import FormulationRecord, StrategyOptions
    from formulation.strategy_names import DEFAULT_STRATEGY

__all__ = [
    "DEFAULT_STRATEGY",
    "CompileOptions",
    "CompiledModel",
    "FormulationRecord",
    "InputError",
    "LoadedModel",
    "ModelBuildError",
    "ModelSpec",
    "StrategyOptions",
    "compile_spec",
    "formulate",
    "load_model",
    "load_spec",
]

_HOME = {
    "formulate": "formulation.api", "load_model": "formulation.api",
    "CompiledModel": "formulation.compile", "CompileOptions": "formulation.compile",
    "ModelBuildError": "formulation.compile", "compile_spec": "formulation.compile",
    "InputError": "formulation.loading", "LoadedModel": "formulation.loading",
    "ModelSpec": "formulation.spec", "load_spec": "formulation.spec",
    "DEFAULT_STRATEGY": "formulation.strategy_names", "FormulationRecord": "formulation.strategies",
    "StrategyOptions": "formulation.strategies",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'formulation' has no attribute {name!r}")
