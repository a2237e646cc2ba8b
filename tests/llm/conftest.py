"""Fixtures for the LLM stage: a real local HTTP server speaking the OpenAI protocol, and settings for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from formulation import llm
from formulation.settings import LLMSettings

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk-test-DO-NOT-LEAK-0123456789"


@pytest.fixture(autouse=True)
def _fresh_capabilities(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts without remembered server capabilities and without the developer's OpenAI env."""
    llm._capabilities.clear()
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MILPFLOW_MODEL", "MILPFLOW_API_KEY", "MILPFLOW_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    yield
    llm._capabilities.clear()


@pytest.fixture
def transport_spec() -> dict[str, Any]:
    return json.loads((ROOT / "examples" / "transport.json").read_text())


def settings_for(base_url: str, tmp_path: Path, **overrides: Any) -> LLMSettings:
    values: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": base_url,
        "cache_dir": tmp_path / "cache",
        "use_cache": False,
        "timeout": 5.0,
        "max_retries": 2,
        "max_backoff": 0.2,
    }
    values.update(overrides)
    return LLMSettings(**values)


class RecordingSleep:
    """Stands in for time.sleep so backoff tests are fast and can assert the delays asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
