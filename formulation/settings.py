"""Settings of the LLM stage: the OpenAI-compatible endpoint, sampling, limits, cache and prices.

Read from the environment through pydantic-settings: the standard ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``
(so Ollama, vLLM and llama.cpp servers work by setting the URL) and ``MILPFLOW_*`` for everything else.
The key is a `SecretStr`: it never appears in reprs, logs, records or artifacts.

Where files go: everything milpflow keeps between runs lives in one data directory — ``MILPFLOW_DATA_DIR`` if set,
else the platform's user data directory (`default_data_dir`) — never in the folder a command happens to run in.
The response cache is ``<data dir>/cache`` unless ``MILPFLOW_CACHE_DIR`` says otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_PRICES", "LLMSettings", "Price", "default_data_dir"]

Price = tuple[float, float, float]
"""USD per million tokens: (input, cached input, output)."""

DEFAULT_PRICES: dict[str, Price] = {
    # Public list prices in USD per 1M tokens; override with MILPFLOW_PRICES='{"model": [in, cached, out]}'.
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
    "o4-mini": (1.10, 0.275, 4.40),
}


def default_data_dir() -> Path:
    """The user data directory for milpflow (e.g. ``~/.local/share/milpflow`` on Linux); ``MILPFLOW_DATA_DIR``
    overrides it through the settings classes that use this as their default."""
    return Path(user_data_dir("milpflow", appauthor=False))


def _cache_dir(values: dict[str, Any]) -> Path:
    """The cache goes under the data directory in force, so ``MILPFLOW_DATA_DIR`` alone moves both."""
    data_dir = values.get("data_dir")
    return (data_dir if isinstance(data_dir, Path) else default_data_dir()) / "cache"


class LLMSettings(BaseSettings):
    """Where and how to call the LLM."""

    model_config = SettingsConfigDict(env_prefix="MILPFLOW_", env_file=".env", extra="ignore", populate_by_name=True)

    api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "MILPFLOW_API_KEY"), description="API key."
    )
    base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "MILPFLOW_BASE_URL"),
        description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama.",
    )
    model: str = Field("gpt-4o-mini", description="Model name sent to the endpoint.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature of direct and repair calls.")
    seed: int | None = Field(0, description="Sampling seed where the server supports one.")
    max_tokens: int = Field(8192, ge=256, description="Completion token limit per call.")
    timeout: float = Field(120.0, gt=0, description="Seconds before one HTTP request is abandoned.")
    max_retries: int = Field(4, ge=0, description="Retries of transient failures (429, 5xx, timeouts) per call.")
    max_backoff: float = Field(60.0, gt=0, description="Longest wait between retries, retry-after included.")
    validation_retries: int = Field(2, ge=0, description="Re-asks after an answer that is not a valid ModelSpec.")
    requests_per_minute: float | None = Field(None, gt=0, description="Client-side request rate limit.")
    tokens_per_minute: float | None = Field(None, gt=0, description="Client-side token rate limit.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Where milpflow keeps its files.")
    cache_dir: Path = Field(default_factory=_cache_dir, description="Directory of the SQLite response cache "
                            "(default: <data_dir>/cache).")
    use_cache: bool = Field(True, description="Read and write the response cache.")
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES), description="USD per 1M tokens.")

    @field_validator("prices", mode="before")
    @classmethod
    def _merge_prices(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value)
        if isinstance(value, dict):
            merged: dict[str, object] = dict(DEFAULT_PRICES)
            merged.update(value)
            return merged
        return value

    @property
    def configured(self) -> bool:
        """True when an endpoint can be called (a key, or a custom base URL for local servers)."""
        return self.api_key is not None or self.base_url is not None
