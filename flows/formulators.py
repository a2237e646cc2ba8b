"""Formulators: what turns a benchmark problem into a candidate model.

`ReferenceFormulator` answers every problem with its own reference model, read afresh. Running a benchmark
with it must score 100 % structural accuracy on every solvable reference: it checks the loaders, the
harness and the evaluator together without any LLM, and is the offline demo of the whole pipeline.
`LLMFormulator` runs a formulation strategy (direct / repair / vote) against an OpenAI-compatible endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from formulation.llm import ErrorCategory
from formulation.strategies import FormulationFailure
from solvers.linear import LinearModel
from solvers.result import SolveResult

if TYPE_CHECKING:
    from benchmarks.datasets.base import Problem
    from formulation.llm import LLMClient
    from formulation.strategies import FormulationRecord, StrategyOptions

__all__ = ["Formulation", "Formulator", "LLMFormulator", "RecordCategory", "RecordFailure", "ReferenceFormulator"]


class RecordFailure(StrEnum):
    """Failures the benchmark harness itself records (beside the formulation stage's `FailureCategory`)."""

    NO_MODEL = "no_model"
    REFERENCE_UNUSABLE = "reference_unusable"
    INTERNAL_ERROR = "internal_error"


RecordCategory = ErrorCategory | FormulationFailure | RecordFailure
"""Every value a record's ``error_category`` takes."""


@dataclass
class Formulation:
    """A candidate model (or why there is none) plus what producing it cost."""

    model: LinearModel | None
    result: SolveResult | None = None
    """The formulator's own solve of `model`, when it made one: the benchmark compares with it instead of
    solving the same model again."""
    error_category: RecordCategory | None = None
    error: str | None = None
    record: FormulationRecord | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Formulator(Protocol):
    name: str

    def formulate(self, problem: Problem) -> Formulation: ...


class ReferenceFormulator:
    """Answers each problem with its own reference, read again from the dataset."""

    name = "reference"

    def formulate(self, problem: Problem) -> Formulation:
        try:
            return Formulation(model=problem.reference())
        except Exception as exc:  # noqa: BLE001 - an unusable reference is recorded, not raised
            return Formulation(model=None, error_category=RecordFailure.REFERENCE_UNUSABLE, error=str(exc))


class LLMFormulator:
    """Formulates each problem's text (and data) with the LLM stage and compiles the answer."""

    name = "llm"

    def __init__(self, client: LLMClient, options: StrategyOptions) -> None:
        self.client = client
        self.options = options

    def formulate(self, problem: Problem) -> Formulation:
        from formulation.strategies import formulate

        record = formulate(self.client, problem.text or "", problem.data, self.options)
        if record.spec is None:
            return Formulation(model=None, error_category=record.error_category or RecordFailure.NO_MODEL,
                               error=record.error, record=record)
        if record.compiled is None:
            return Formulation(model=None, error_category=record.error_category or FormulationFailure.BUILD_ERROR,
                               error=record.error or "the answer does not build", record=record)
        return Formulation(model=record.compiled.model, result=record.result, error_category=record.error_category,
                           error=record.error, record=record)
