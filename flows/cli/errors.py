"""Exit codes and the one error printer of the `milpflow` command line.

Exit codes are part of the contract, so scripts can branch on them:

====  ==========================================================================================================
0     success: solved to optimality, or the command did what was asked; ``eval``: isomorphic or same_optimum
      (with ``--batch``: every pair)
1     ``eval``: the models are different (with ``--batch``: at least one pair is, and no line is invalid)
2     bad input: an unreadable or invalid model, data file, option value, dataset or run id; ``eval``: a candidate
      or reference that cannot be read or built (with ``--batch``: any invalid line)
3     the model is infeasible or unbounded
4     a limit stopped the solver (time, iterations, …) before optimality
5     the solver failed
6     the LLM stage produced no usable model (after its retries and repairs)
130   interrupted (Ctrl-C); ``bench`` says how to resume the run
====  ==========================================================================================================

Exit code 1 is also what Python gives a crash (a bug, with a traceback); a script that needs to tell the two
apart should read ``--json`` output, which a crash never prints.

Every failure is reported the same way, through `fail`: one line ``error: …`` on stderr and, with ``--json``,
the object ``{"error": {"kind": …, "message": …}}`` on stdout (the kind is the exit code's name in lower case).
`user_errors` routes milpflow's own exceptions there, so none reaches the user as a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from flows.cli.console import err_console

if TYPE_CHECKING:
    from pydantic import ValidationError

    from solvers.result import SolveStatus

__all__ = ["ExitCode", "describe", "exit_code_for", "fail", "user_errors"]


class ExitCode(IntEnum):
    """The exit codes of every command (see the module docstring)."""

    OK = 0
    DIFFERENT = 1
    BAD_INPUT = 2
    NOT_SOLVABLE = 3
    LIMIT = 4
    SOLVER_ERROR = 5
    FORMULATION_FAILED = 6
    INTERRUPTED = 130


def exit_code_for(status: SolveStatus) -> ExitCode:
    """The exit code a solve ends with."""
    from solvers.result import SolveStatus

    if status is SolveStatus.OPTIMAL:
        return ExitCode.OK
    if status.is_not_solvable:
        return ExitCode.NOT_SOLVABLE
    if status in (SolveStatus.TIME_LIMIT, SolveStatus.OTHER_LIMIT):
        return ExitCode.LIMIT
    return ExitCode.SOLVER_ERROR


def fail(message: str, *, as_json: bool, code: ExitCode = ExitCode.BAD_INPUT) -> typer.Exit:
    """Report a failure (see the module docstring) and return the exit for the caller to raise.

    The message is printed as plain text, never as rich markup: it usually quotes a user's file or model.
    """
    if as_json:
        print(json.dumps({"error": {"kind": code.name.lower(), "message": message}}), flush=True)
    err_console.print(Text("error: ", style="bold red") + Text(message), highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


def describe(exc: BaseException) -> str:
    """A user-facing message for an exception: a KeyError's own text without the quotes `str` adds, a pydantic
    validation error as ``field: problem (got value)``, anything else as its message."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return describe_validation(exc)
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc).strip() or type(exc).__name__


def describe_validation(exc: ValidationError) -> str:
    """The first problem of a pydantic validation error in one line, naming the field and the value."""
    errors = exc.errors(include_url=False)
    if not errors:
        return str(exc)
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or exc.title
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{field}: {first['msg']} (got {first.get('input')!r}){more}"


@contextmanager
def user_errors(*, as_json: bool, also: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Turn milpflow's deliberate exceptions (`MilpflowError`, plus the types in `also` that the wrapped code is
    documented to raise, e.g. the run store's KeyError/ValueError) into `fail` with exit code 2."""
    from solvers.errors import MilpflowError

    caught: tuple[type[Exception], ...] = (MilpflowError, *also)
    try:
        yield
    except caught as exc:
        raise fail(describe(exc), as_json=as_json) from None
