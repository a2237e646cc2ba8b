"""`milpflow solve "problem in words"`: formulate with the LLM stage, solve, and report.

Separate from `flows.cli` so the model-file path never imports the openai SDK. The printed and JSON
outputs contain the formulation record (attempts, feedback, tokens, cost) but never settings or keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from flows.cli import ExitCode, exit_code_for
from flows.render import render_model_spec, render_solution, result_to_json
from formulation.compile import DataFileError, ModelBuildError, compile_spec, load_data
from formulation.llm import LLMClient, LLMError, not_configured_message
from formulation.settings import LLMSettings
from formulation.strategies import FormulationRecord, StrategyOptions, formulate

__all__ = ["solve_text"]


def solve_text(
    problem: str,
    *,
    data: Path | None,
    as_json: bool,
    strategy: str,
    model: str | None,
    max_attempts: int,
    votes: int,
    save: Path | None,
    no_cache: bool,
    time_limit: float | None,
    show_all: bool,
    track: bool = False,
    console: Console,
    err_console: Console,
) -> ExitCode:
    """Run the LLM pipeline on `problem`; print the outcome; return the exit code."""

    def fail(message: str, code: ExitCode) -> ExitCode:
        if as_json:
            print(json.dumps({"error": {"kind": code.name.lower(), "message": message}}))
        err_console.print(Text("error: ", style="bold red") + Text(message))
        return code

    overrides: dict[str, Any] = {"use_cache": not no_cache}
    if model:
        overrides["model"] = model
    settings = LLMSettings(**overrides)
    if not settings.configured:
        return fail(not_configured_message(), ExitCode.BAD_INPUT)
    if strategy not in ("direct", "repair", "vote"):
        return fail(f"--strategy must be direct, repair or vote, not {strategy!r}", ExitCode.BAD_INPUT)
    try:
        values = load_data(data) if data is not None else None
        options = StrategyOptions(strategy=strategy, max_attempts=max_attempts, votes=votes,  # type: ignore[arg-type]
                                  **({"solve_time_limit": time_limit} if time_limit else {}))
    except (DataFileError, ValueError) as exc:
        return fail(str(exc), ExitCode.BAD_INPUT)
    try:
        client = LLMClient(settings)
    except LLMError as exc:
        return fail(str(exc), ExitCode.BAD_INPUT)
    if track or os.environ.get("PREFECT_API_URL"):
        from flows.prefect_flows import SolveOptionsForm, solve_problem

        form = SolveOptionsForm(strategy=options.strategy, model=model, max_attempts=max_attempts, votes=votes)
        record = FormulationRecord.model_validate(solve_problem(problem, values, form))
    else:
        record = formulate(client, problem, values, options)
    if save is not None and record.spec is not None:
        save.write_text(record.spec.to_json() + "\n", encoding="utf-8")

    model_summary = None
    if record.spec is not None and record.result is not None:
        try:
            model_summary = compile_spec(record.spec, values).model
        except ModelBuildError:
            model_summary = None
    if as_json:
        payload: dict[str, Any] = {"formulation": record.model_dump(mode="json")}
        if record.result is not None and model_summary is not None:
            payload["solution"] = result_to_json(record.result, model_summary, source="llm")
        print(json.dumps(payload))
    else:
        if record.spec is not None:
            render_model_spec(console, record.spec)
        if record.result is not None and model_summary is not None:
            render_solution(console, record.result, model_summary, source=f"LLM ({record.model})", show_all=show_all)
        console.print(_footer(record))
        if save is not None and record.spec is not None:
            console.print(f"saved the ModelSpec to {save}")
    if record.error_category is not None and record.result is None:
        return fail(f"formulation failed ({record.error_category}): {record.error}", ExitCode.FORMULATION_FAILED)
    if record.result is None:
        return ExitCode.FORMULATION_FAILED
    return exit_code_for(record.result.status)


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
