"""Formulation strategies: `direct`, `repair` (solver feedback loop) and `vote` (self-consistency by isomorphism).

Contract: `formulate(client, problem, data, options)` always returns a `FormulationRecord` — success or
not — holding every attempt (its spec, the feedback it received, tokens), so a benchmark never loses what
happened. The record's `error_category` is None on success and otherwise one of the `LLMError`
categories or `build_error` / `not_solvable`.

* **direct**: one formulation (the client itself re-asks on schema-invalid JSON, bounded).
* **repair**: compile and solve after each attempt and feed back, as located messages, build errors
  (unknown names, non-linear terms, bad data shapes), the IIS of an infeasible model with each row written
  out, and the unbounded direction; stop at the first model that solves, or after `max_attempts`.
* **vote**: `votes` samples at temperature > 0, each through `vote_inner` (direct or repair); the compiled
  ones are grouped into isomorphism classes with `eval.compare` (structure only, no solving); the largest
  class wins, ties broken by solve status; class sizes are reported as a confidence.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from formulation.compile import CompiledModel, CompileOptions, ModelBuildError, compile_spec
from formulation.llm import ErrorCategory, LLMClient, LLMError, Usage
from formulation.messages import build_messages, repair_message
from formulation.spec import ModelSpec
from formulation.strategy_names import DEFAULT_STRATEGY, Strategy
from solvers.highs import solve
from solvers.result import SolveOptions, SolveResult, SolveStatus

__all__ = [
    "DEFAULT_STRATEGY",
    "Attempt",
    "FailureCategory",
    "FormulationFailure",
    "FormulationRecord",
    "Strategy",
    "StrategyOptions",
    "VoteSummary",
    "formulate",
]


class FormulationFailure(StrEnum):
    """Why an answer that arrived is still unusable (the LLM call itself succeeded)."""

    BUILD_ERROR = "build_error"
    NOT_SOLVABLE = "not_solvable"


FailureCategory = ErrorCategory | FormulationFailure
"""What an attempt or a record reports as its failure: a failed call, or an answer that does not build or solve."""



class StrategyOptions(BaseModel):
    """How to formulate; every field shows up in the Prefect UI form later, hence the descriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy: Strategy = Field(DEFAULT_STRATEGY, description="direct, repair (solver feedback loop) or vote.")
    max_attempts: int = Field(3, ge=1, le=10, description="Attempts of the repair loop.")
    votes: int = Field(5, ge=2, le=20, description="Samples drawn by the vote strategy.")
    vote_temperature: float = Field(0.7, gt=0, le=2, description="Sampling temperature of vote samples.")
    vote_inner: Literal["direct", "repair"] = Field("direct", description="Strategy run for each vote sample.")
    solve_time_limit: float = Field(30.0, gt=0, description="Seconds per solve inside the loop.")
    max_iterations: int = Field(2_000_000, ge=1, description="Expansion limit when compiling an answer.")


class Attempt(BaseModel):
    """One formulation attempt and what the pipeline made of it."""

    model_config = ConfigDict(extra="forbid")

    number: int
    spec: ModelSpec | None = None
    error_category: FailureCategory | None = None
    error: str | None = None
    status: SolveStatus | None = None
    objective: float | None = None
    feedback: str | None = Field(None, description="What was sent back to the model after this attempt.")
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0


class VoteSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    samples: int
    built: int
    class_sizes: list[int] = Field(description="Sizes of the isomorphism classes, largest first.")
    chosen_class: list[int] = Field(description="Sample numbers in the winning class.")
    confidence: float = Field(description="Winning class size / samples.")


class FormulationRecord(BaseModel):
    """Everything a formulation produced; serialisable into run records as is."""

    model_config = ConfigDict(extra="forbid")

    strategy: Strategy
    model: str
    spec: ModelSpec | None = None
    result: SolveResult | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    vote: VoteSummary | None = None
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0
    error_category: FailureCategory | None = None
    error: str | None = None
    _compiled: CompiledModel | None = PrivateAttr(default=None)

    @property
    def ok(self) -> bool:
        return self.error_category is None and self.spec is not None

    @property
    def compiled(self) -> CompiledModel | None:
        """The compilation of `spec` that produced `result`, kept so that no later stage compiles or solves the
        same answer again. Not serialised: a record read back from storage has None here."""
        return self._compiled


def formulate(
    client: LLMClient,
    problem: str,
    data: dict[str, Any] | None = None,
    options: StrategyOptions | None = None,
) -> FormulationRecord:
    """Run the chosen strategy; see the module docstring for the contract."""
    options = options or StrategyOptions()
    started = time.perf_counter()
    if options.strategy == "vote":
        record = _vote(client, problem, data, options)
    else:
        max_attempts = options.max_attempts if options.strategy == "repair" else 1
        record = _attempts(client, problem, data, options, max_attempts=max_attempts, temperature=None, sample=0)
        record.strategy = options.strategy
    record.seconds = time.perf_counter() - started
    return record


def _attempts(
    client: LLMClient,
    problem: str,
    data: dict[str, Any] | None,
    options: StrategyOptions,
    *,
    max_attempts: int,
    temperature: float | None,
    sample: int,
) -> FormulationRecord:
    messages = build_messages(problem, data)
    record = FormulationRecord(strategy="repair" if max_attempts > 1 else "direct", model=client.settings.model)
    for number in range(1, max_attempts + 1):
        attempt = Attempt(number=number)
        record.attempts.append(attempt)
        t0 = time.perf_counter()
        try:
            answer = client.formulate(messages, temperature=temperature, sample=sample)
        except LLMError as exc:
            attempt.error_category, attempt.error, attempt.usage = exc.category, str(exc), exc.usage
            attempt.seconds = time.perf_counter() - t0
            record.usage = record.usage.add(exc.usage)
            record.error_category, record.error = exc.category, str(exc)
            return record  # transport-level failures are not something the model can repair
        attempt.spec, attempt.usage = answer.spec, answer.usage
        record.usage = record.usage.add(answer.usage)
        feedback, compiled, result = _check(answer.spec, data, options)
        attempt.seconds = time.perf_counter() - t0
        if result is not None:
            attempt.status, attempt.objective = result.status, result.objective
        record.spec, record.result = answer.spec, result
        record._compiled = compiled
        if feedback is None:
            record.error_category = record.error = None
            return record
        attempt.feedback = feedback
        attempt.error_category = (FormulationFailure.BUILD_ERROR if compiled is None
                                  else FormulationFailure.NOT_SOLVABLE)
        attempt.error = feedback.splitlines()[0]
        record.error_category, record.error = attempt.error_category, attempt.error
        messages = [*messages, {"role": "assistant", "content": answer.text}, repair_message(number, feedback)]
    return record


def _check(
    spec: ModelSpec, data: dict[str, Any] | None, options: StrategyOptions
) -> tuple[str | None, CompiledModel | None, SolveResult | None]:
    """(feedback or None when the model is usable, the compilation, the solve result)."""
    try:
        compiled = compile_spec(spec, data, CompileOptions(max_iterations=options.max_iterations))
    except ModelBuildError as exc:
        return "The model does not build:\n" + "\n".join(f"- {e}" for e in exc.errors), None, None
    result = solve(compiled.model, SolveOptions(time_limit=options.solve_time_limit))
    if result.status is SolveStatus.INFEASIBLE:
        return _infeasible_feedback(result, compiled), compiled, result
    if result.status is SolveStatus.UNBOUNDED or result.status is SolveStatus.INFEASIBLE_OR_UNBOUNDED:
        hint = result.unbounded_hint or "no variable was singled out"
        return (f"The model is {result.status.value}: {hint}. A real decision problem has a bounded optimum: "
                "check the objective sense and that every variable that improves the objective is limited by a "
                "constraint from the problem text."), compiled, result
    return None, compiled, result


def _infeasible_feedback(result: SolveResult, compiled: CompiledModel) -> str:
    lines = ["The model is infeasible: no solution satisfies all constraints together."]
    iis = result.iis
    if iis is not None and (iis.rows or iis.columns):
        lines.append("These constraints conflict (an irreducible infeasible subset):")
        families = {c.name: c for c in compiled.spec.constraints}
        for name, text in zip(iis.rows, iis.rows_text or [""] * len(iis.rows), strict=False):
            family = families.get(name.split("[", 1)[0])
            written = f" — from `{family.expression}`" if family is not None else ""
            lines.append(f"- {text or name}{written}")
        if iis.columns:
            lines.append("together with the bounds of: " + ", ".join(iis.columns[:20]))
    elif iis is not None and iis.note:
        lines.append(f"({iis.note})")
    lines.append("Check each against the problem text: a wrong direction (<= vs >=), a wrong coefficient, or a "
                 "constraint the text does not state.")
    return "\n".join(lines)


def _vote(client: LLMClient, problem: str, data: dict[str, Any] | None, options: StrategyOptions) -> FormulationRecord:
    from eval.compare import CompareOptions, SolveMode, Verdict, compare

    inner_attempts = options.max_attempts if options.vote_inner == "repair" else 1
    samples: list[FormulationRecord] = []
    for k in range(options.votes):
        samples.append(_attempts(client, problem, data, options, max_attempts=inner_attempts,
                                 temperature=options.vote_temperature, sample=k + 1))
    record = FormulationRecord(strategy="vote", model=client.settings.model)
    for sample in samples:
        record.usage = record.usage.add(sample.usage)
        for attempt in sample.attempts:
            record.attempts.append(attempt.model_copy(update={"number": len(record.attempts) + 1}))
    built = [(k, sample, sample.compiled) for k, sample in enumerate(samples, start=1) if sample.compiled is not None]
    if not built:
        last = samples[-1]
        record.error_category = last.error_category or ErrorCategory.INVALID_OUTPUT
        record.error = f"none of the {options.votes} samples built a model; last error: {last.error}"
        record.vote = VoteSummary(samples=options.votes, built=0, class_sizes=[], chosen_class=[], confidence=0.0)
        return record
    structural = CompareOptions(solve=SolveMode.NEVER)
    classes: list[list[tuple[int, FormulationRecord, CompiledModel]]] = []
    for item in built:
        for members in classes:
            if compare(item[2].model, members[0][2].model, structural).verdict is Verdict.ISOMORPHIC:
                members.append(item)
                break
        else:
            classes.append([item])

    def rank(members: list[tuple[int, FormulationRecord, CompiledModel]]) -> tuple[int, int, int]:
        status = members[0][1].result.status if members[0][1].result is not None else None
        return (len(members), 1 if status is SolveStatus.OPTIMAL else 0, -members[0][0])

    classes.sort(key=rank, reverse=True)
    winner = classes[0]
    chosen = winner[0][1]
    record.spec, record.result = chosen.spec, chosen.result
    record._compiled = chosen.compiled
    record.error_category, record.error = chosen.error_category, chosen.error
    record.vote = VoteSummary(
        samples=options.votes,
        built=len(built),
        class_sizes=[len(c) for c in classes],
        chosen_class=[k for k, _, _ in winner],
        confidence=len(winner) / options.votes,
    )
    return record
