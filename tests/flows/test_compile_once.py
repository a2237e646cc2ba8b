"""Along the whole benchmark path, each candidate answer is compiled once and solved once.

Why: the formulation stage already compiles and solves every answer it checks (that is how repair gets its
feedback); compiling it again in the formulator and solving it again in the comparison doubled the cost of the
cheap part of a benchmark and, worse, could disagree with what the repair loop saw. The counts are taken on the
real compiler and the real HiGHS backend, by wrapping their entry points.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import formulation.compile as compile_module
import solvers.highs as highs_module
from flows.formulators import LLMFormulator
from flows.pipeline import BenchmarkConfig, run_benchmark
from flows.store import RunStore
from formulation import llm
from formulation.llm import LLMClient
from formulation.settings import LLMSettings
from formulation.strategies import StrategyOptions
from tests.fake_openai import FakeOpenAI, spec_reply

ROOT = Path(__file__).resolve().parents[2]
TRANSPORT = json.loads((ROOT / "examples" / "transport.json").read_text())


@pytest.mark.parametrize(("strategy", "answers"), [("direct", 1), ("repair", 1), ("vote", 3)])
def test_each_answer_is_compiled_and_solved_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, strategy: str,
                                                 answers: int) -> None:
    compiled: Counter[str] = Counter()
    solved: Counter[str] = Counter()
    real_build, real_highs = compile_module._Builder.build, highs_module.build_highs

    def counting_build(self: Any) -> Any:
        compiled[self.spec.name] += 1
        return real_build(self)

    def counting_highs(model: Any, options: Any = None) -> Any:
        solved[model.name] += 1
        return real_highs(model, options)

    monkeypatch.setattr(compile_module._Builder, "build", counting_build)
    monkeypatch.setattr(highs_module, "build_highs", counting_highs)
    llm._capabilities.clear()
    with FakeOpenAI(lambda request, index: spec_reply(TRANSPORT)) as server:
        settings = LLMSettings(api_key="sk-test", base_url=server.base_url, use_cache=False, cache_dir=tmp_path)
        formulator = LLMFormulator(LLMClient(settings), StrategyOptions(strategy=strategy, votes=3))  # type: ignore[arg-type]
        summary = run_benchmark(BenchmarkConfig(dataset="nl4opt", formulator="llm", strategy=strategy, limit=1),
                                RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}"), formulator=formulator)
    assert summary.recorded == 1
    (record,) = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}").records(summary.run)
    assert record.payload["verdict"] == "different"  # transport is not the NL4Opt problem: the solver tier ran
    assert compiled[TRANSPORT["name"]] == answers
    assert solved[TRANSPORT["name"]] == answers
