"""Option values checked where they are parsed, so a bad one gets one clear message instead of a pydantic dump.

Each parser turns the text of an option into its value or raises `typer.BadParameter` with the bad value and
what is allowed; click adds the option's name (``Invalid value for '--votes': 0 is not allowed; …``) and exits 2.
Choices are typed `Literal`s so a command receives exactly the type the stages expect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Literal, TypeVar

import typer

from formulation.strategy_names import DEFAULT_STRATEGY, Strategy

__all__ = [
    "DEFAULT_STRATEGY",
    "Backend",
    "FormulatorName",
    "JsonOpt",
    "SolveWhen",
    "Strategy",
    "TaskRunner",
    "choice",
    "float_option",
    "int_option",
    "parse_backend",
    "parse_formulator",
    "parse_solve_when",
    "parse_strategy",
    "parse_task_runner",
]

T = TypeVar("T")
Number = TypeVar("Number", int, float)

Backend = Literal["highs", "pyomo"]
FormulatorName = Literal["reference", "llm"]
TaskRunner = Literal["thread", "dask"]
SolveWhen = Literal["always", "if_needed", "never"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def choice(choices: Mapping[str, T]) -> Callable[[str], T]:
    """A parser accepting exactly the keys of `choices` (the values are the same strings, typed)."""

    def parse(value: str) -> T:
        if value in choices:
            return choices[value]
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")

    return parse


parse_strategy: Callable[[str], Strategy] = choice({"direct": "direct", "repair": "repair", "vote": "vote"})
parse_backend: Callable[[str], Backend] = choice({"highs": "highs", "pyomo": "pyomo"})
parse_formulator: Callable[[str], FormulatorName] = choice({"reference": "reference", "llm": "llm"})
parse_task_runner: Callable[[str], TaskRunner] = choice({"thread": "thread", "dask": "dask"})
parse_solve_when: Callable[[str], SolveWhen] = choice({"always": "always", "if_needed": "if_needed", "never": "never"})


def _allowed(kind: str, minimum: float | None, maximum: float | None, above: bool) -> str:
    """What an option accepts, short enough that click's one-line message fits an 80-column terminal."""
    if minimum is not None and maximum is not None:
        return f"{minimum:g} to {maximum:g}"
    if minimum is not None and kind == "integer":
        return f"{minimum:g} or more"
    if minimum is not None:
        return f"{kind} {'>' if above else '>='} {minimum:g}"
    if maximum is not None:
        return f"{kind} <= {maximum:g}"
    return kind


def _number(convert: Callable[[str], Number], kind: str, minimum: Number | None, maximum: Number | None,
            above: bool) -> Callable[[str], Number]:
    allowed = _allowed(kind, minimum, maximum, above)
    noun = "an integer" if convert is int else "a number"

    def parse(text: str) -> Number:
        try:
            value = convert(str(text).strip())
        except ValueError:
            raise typer.BadParameter(f"{text!r} is not {noun}; use {allowed}") from None
        too_low = minimum is not None and (value <= minimum if above else value < minimum)
        too_high = maximum is not None and value > maximum
        if too_low or too_high or value != value:  # value != value: NaN
            raise typer.BadParameter(f"{text} is not allowed; use {allowed}")
        return value

    return parse


def int_option(*, minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """A parser for a whole number within ``[minimum, maximum]``."""
    return _number(int, "integer", minimum, maximum, above=False)


def float_option(*, minimum: float | None = None, maximum: float | None = None, above: bool = False,
                 unit: str = "number") -> Callable[[str], float]:
    """A parser for a number within the bounds (``above``: strictly greater than `minimum`)."""
    return _number(float, "a number" if unit == "number" else unit, minimum, maximum, above)
