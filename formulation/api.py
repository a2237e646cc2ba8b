"""The formulation stage's front door for notebooks and scripts: words in, a checked model out.

Why a module of its own: the stage's parts (client, settings, strategies, loader) each have one job; a user
should not need to know which module builds which object to ask one question. Everything here is a thin,
typed composition of those parts, with the same defaults as the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from formulation.loading import LoadedModel, load_input
from formulation.strategy_names import DEFAULT_STRATEGY, Strategy

if TYPE_CHECKING:
    from formulation.strategies import FormulationRecord

__all__ = ["formulate", "load_model"]


def formulate(
    text: str,
    data: dict[str, Any] | None = None,
    strategy: Strategy = DEFAULT_STRATEGY,
    *,
    model: str | None = None,
    max_attempts: int = 3,
    votes: int = 5,
) -> FormulationRecord:
    """Formulate `text` (with its `data`) as a ModelSpec through the configured OpenAI-compatible endpoint.

    The endpoint, key and default model come from the environment (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
    ``MILPFLOW_MODEL``; see `formulation.settings.LLMSettings`). The record holds every attempt, the spec, its
    solve result (``record.result``) and its compilation (``record.compiled``); it never raises for a bad
    answer — check ``record.ok`` and ``record.error``.

    Raises:
        formulation.llm.LLMError: The endpoint is not configured or refuses the credentials.
    """
    from formulation.llm import LLMClient
    from formulation.settings import LLMSettings
    from formulation.strategies import StrategyOptions
    from formulation.strategies import formulate as run_strategy

    settings = LLMSettings(model=model) if model else LLMSettings()
    options = StrategyOptions(strategy=strategy, max_attempts=max_attempts, votes=votes)
    return run_strategy(LLMClient(settings), text, data, options)


def load_model(path: str | Path, data: str | Path | None = None) -> LoadedModel:
    """Read and build a model: a ModelSpec ``.json``, a folder with ``model.json`` (+ ``data.json``), or LP/MPS.

    Returns the `LinearModel` (``.model``) always, and the spec and its compilation when the input was a spec.

    Raises:
        formulation.loading.InputError: The file cannot be read or the model does not build; the message says
            what, where and how to fix it.
    """
    return load_input(path, data)
