"""The names of the formulation strategies and the one default every entry point shares.

Why a module of its own: the CLI, the Prefect forms and the benchmark config need these names without importing
the LLM client (and the OpenAI SDK behind it) just to render an option.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DEFAULT_STRATEGY", "Strategy"]

Strategy = Literal["direct", "repair", "vote"]
DEFAULT_STRATEGY: Strategy = "repair"
"""The default for solve, bench and the Prefect forms: repair costs a second call only when the first answer does
not build or solve, and then it is what rescues the answer."""
