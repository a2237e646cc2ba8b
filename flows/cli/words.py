"""`milpflow solve "a problem in words"`: formulate with the LLM stage, solve, and report.

Imported only for problems in words, so the model-file path never loads the OpenAI SDK. The printed and JSON
outputs contain the formulation record (attempts, feedback, tokens, cost) but never settings or keys.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text

from flows.cli.console import console
from flows.cli.errors import ExitCode, describe, exit_code_for, fail
from flows.cli.options import Strategy
from flows.render import render_model_spec, render_solution, result_to_json
from formulation.compile import DataFileError, ModelBuildError, compile_spec, load_data
from formulation.llm import LLMClient, LLMError, not_configured_message
from formulation.settings import LLMSettings
from formulation.strategies import FormulationRecord, StrategyOptions, formulate

__all__ = ["WordsRequest", "solve_words"]


@dataclass(frozen=True)
class WordsRequest:
    """What `milpflow solve` was asked for a problem in words (already checked by the option parsers)."""

    problem: str
    data: Path | None
    strategy: Strategy
    model: str | None
    max_attempts: int
    votes: int
    save: Path | None
    no_cache: bool
    time_limit: float | None
    show_all: bool
    track: bool


def solve_words(request: WordsRequest, *, as_json: bool) -> ExitCode:
    """Formulate and solve `request.problem`; print the outcome; return the exit code (errors raise `typer.Exit`)."""
    client, options, values = _prepare(request, as_json)
    if request.track or os.environ.get("PREFECT_API_URL"):
        from flows.prefect_flows import SolveOptionsForm, solve_problem

        form = SolveOptionsForm.model_validate({"strategy": options.strategy, "model": request.model,
                                                "max_attempts": request.max_attempts, "votes": request.votes})
        record = FormulationRecord.model_validate(solve_problem(request.problem, values, form))
    else:
        record = formulate(client, request.problem, values, options)
    if request.save is not None and record.spec is not None:
        try:
            request.save.write_text(record.spec.to_json() + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"{request.save}: cannot write ({exc.strerror or exc})", as_json=as_json) from None
    _print(record, values, request, as_json)
    if record.result is None:
        if record.error_category is not None:  # with --json the record printed above already says why
            raise fail(f"formulation failed ({record.error_category}): {record.error}", as_json=False,
                       code=ExitCode.FORMULATION_FAILED)
        return ExitCode.FORMULATION_FAILED
    return exit_code_for(record.result.status)


def _prepare(request: WordsRequest, as_json: bool) -> tuple[LLMClient, StrategyOptions, dict[str, Any] | None]:
    """The client, the strategy options and the data, or exit 2 with what is missing or wrong."""
    from pydantic import ValidationError

    overrides: dict[str, Any] = {"use_cache": not request.no_cache}
    if request.model:
        overrides["model"] = request.model
    try:
        settings = LLMSettings(**overrides)
    except ValidationError as exc:
        raise fail(f"invalid LLM setting {describe(exc)}", as_json=as_json) from None
    if not settings.configured:
        raise fail(not_configured_message(), as_json=as_json)
    option_values: dict[str, Any] = {"strategy": request.strategy, "max_attempts": request.max_attempts,
                                     "votes": request.votes}
    if request.time_limit:
        option_values["solve_time_limit"] = request.time_limit
    try:
        values = load_data(request.data) if request.data is not None else None
        options = StrategyOptions.model_validate(option_values)
        client = LLMClient(settings)
    except (DataFileError, ValidationError, LLMError) as exc:
        raise fail(describe(exc), as_json=as_json) from None
    return client, options, values


def _print(record: FormulationRecord, values: dict[str, Any] | None, request: WordsRequest, as_json: bool) -> None:
    model = None
    if record.spec is not None and record.result is not None:
        try:
            model = compile_spec(record.spec, values).model
        except ModelBuildError:
            model = None
    if as_json:
        payload: dict[str, Any] = {"formulation": record.model_dump(mode="json")}
        if record.result is not None and model is not None:
            payload["solution"] = result_to_json(record.result, model, source="llm")
        print(json.dumps(payload))
        return
    if record.spec is not None:
        render_model_spec(console, record.spec)
    if record.result is not None and model is not None:
        render_solution(console, record.result, model, source=f"LLM ({record.model})", show_all=request.show_all)
    console.print(_footer(record))
    if request.save is not None and record.spec is not None:
        console.print(Text(f"saved the ModelSpec to {request.save}"))


def _footer(record: FormulationRecord) -> Text:
    usage = record.usage
    cost = "unknown price" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
    parts = [
        f"{record.strategy}: {len(record.attempts)} attempt(s)",
        f"{usage.calls} call(s) + {usage.cached_calls} cached",
        f"{usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion tokens",
        cost,
        f"{record.seconds:.2f} s",
    ]
    if record.vote is not None:
        parts.append(f"vote classes {record.vote.class_sizes} (confidence {record.vote.confidence:.0%})")
    return Text(" · ".join(parts), style="dim")

