"""`milpflow eval`: compare a candidate model with a reference model, one pair or a batch.

    milpflow eval candidate.json reference.lp            # any mix of ModelSpec JSON, problem folder, .lp, .mps
    milpflow eval --batch pairs.jsonl --json             # one {"candidate": path, "reference": path} per line

Exit codes (see `flows.cli.errors`): 0 isomorphic or same_optimum, 1 different, 2 invalid input — a candidate or
reference that cannot be read or built, a missing path, a usage error. With ``--batch``: 0 if every pair is
isomorphic or same_optimum, 1 if any is different (and none invalid), 2 if any line is invalid; in a batch,
paths are relative to the batch file, every failing line becomes an ``invalid`` verdict line and the batch never
stops half-way. With ``--json`` each verdict is one JSON object per line: the `Comparison` fields plus
``candidate`` and ``reference`` (the paths as given) and, in a batch, ``line`` and any ``id`` the line carried.
The evaluator is imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.console import console
from flows.cli.errors import ExitCode, fail
from flows.cli.options import SolveWhen, float_option, parse_solve_when
from solvers.errors import MilpflowError

if TYPE_CHECKING:
    from eval.compare import CompareOptions, Comparison
    from solvers.linear import LinearModel
    from solvers.result import SolveResult

__all__ = ["eval_command", "register", "verdict_exit_code"]

EVAL_HELP = (
    "Compare a candidate model with a reference: isomorphic, same_optimum, both_infeasible, different or invalid. "
    "Exit code 0: isomorphic or same_optimum; 1: different or both_infeasible; 2: invalid input (a candidate or "
    "reference that cannot be read or built). With --batch: 0 if every pair is isomorphic or same_optimum, 1 if any is "
    "different, 2 if any line is invalid."
)


class _BadInput(MilpflowError):
    """Input the command cannot run without (the reference); exits with code 2."""


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command to `app`."""
    app.command("eval", help=EVAL_HELP, short_help=EVAL_HELP.split(". ", 1)[0] + ".")(eval_command)


def verdict_exit_code(verdicts: Iterable[str]) -> ExitCode:
    """2 if any verdict is invalid, else 1 if any is different or both_infeasible (two infeasible models say nothing
    about being the same model), else 0 (isomorphic / same_optimum only)."""
    seen = set(verdicts)
    if "invalid" in seen:
        return ExitCode.BAD_INPUT
    if seen & {"different", "both_infeasible"}:
        return ExitCode.DIFFERENT
    return ExitCode.OK


def eval_command(
    candidate: Annotated[
        Path | None,
        typer.Argument(help="Candidate model: ModelSpec .json, problem folder, .lp or .mps.", show_default=False),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Argument(help="Reference model: ModelSpec .json, problem folder, .lp or .mps.", show_default=False),
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help='JSON-lines file, one {"candidate": path, "reference": path} per line (paths relative to it).',
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print verdicts as JSON (one object per line).")] = False,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="Compare objectives within 1e-4 (relative and absolute) instead of 1e-6.")
    ] = False,
    objective_tol: Annotated[
        float | None,
        typer.Option("--objective-tol", parser=float_option(minimum=0), metavar="TOL",
                     help="Custom objective tolerance (relative and absolute)."),
    ] = None,
    solve: Annotated[
        SolveWhen,
        typer.Option("--solve", parser=parse_solve_when, metavar="[always|if_needed|never]",
                     help="When to solve: if_needed (only when the structure does not decide; the default), "
                     "always (also report both objectives), never."),
    ] = "if_needed",
    no_solve: Annotated[bool, typer.Option("--no-solve", help="Skip the solver tier (same as --solve never).")] = False,
    data: Annotated[
        Path | None, typer.Option("--data", help="data.json for a candidate ModelSpec whose parameters use data_key.")
    ] = None,
    rel_tol: Annotated[
        float, typer.Option("--rel-tol", parser=float_option(minimum=1e-15, maximum=0.1), metavar="TOL",
                            help="Relative tolerance for coefficients.")
    ] = 1e-6,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", parser=float_option(minimum=0, above=True, unit="seconds"),
                                   metavar="SECONDS", help="Seconds per solve.")
    ] = 60.0,
) -> None:
    """Compare a candidate model with a reference model (exit codes: see the command help)."""
    if lenient and objective_tol is not None:
        raise fail("use either --lenient or --objective-tol, not both", as_json=as_json)
    options = _options(lenient, objective_tol, "never" if no_solve else solve, rel_tol, time_limit)

    if batch is not None:
        if candidate is not None or reference is not None:
            raise fail("give either CANDIDATE and REFERENCE or --batch FILE, not both", as_json=as_json)
        if data is not None:
            raise fail('--data applies to a single pair; in a batch put "data" on the line', as_json=as_json)
        if not batch.is_file():
            raise fail(f"batch file {batch}: no such file", as_json=as_json)
        raise typer.Exit(int(_run_batch(batch, options, as_json)))

    if candidate is None or reference is None:
        raise fail("give CANDIDATE and REFERENCE model paths, or --batch FILE", as_json=as_json)
    if not candidate.exists():
        raise fail(f"candidate {candidate}: no such file or folder", as_json=as_json)
    try:
        comparison = _compare_files(candidate, reference, data, options)
    except _BadInput as exc:
        raise fail(str(exc), as_json=as_json) from None
    if as_json:
        print(_record(comparison, str(candidate), str(reference)), flush=True)
    else:
        from eval.report import render_comparison

        console.print(render_comparison(comparison, title=f"{candidate} vs {reference}"))
    raise typer.Exit(int(verdict_exit_code([comparison.verdict.value])))


def _options(lenient: bool, objective_tol: float | None, solve: SolveWhen, rel_tol: float,
             time_limit: float | None) -> CompareOptions:
    from eval.compare import LENIENT, STRICT, CompareOptions, ObjectiveTolerance, SolveMode

    tolerance: ObjectiveTolerance = LENIENT if lenient else STRICT
    if objective_tol is not None:
        tolerance = ObjectiveTolerance.custom(objective_tol)
    return CompareOptions(rel_tol=rel_tol, objective_tolerance=tolerance, solve=SolveMode(solve),
                          solve_time_limit=time_limit)


def _load(path: Path, data: Path | None) -> LinearModel:
    from formulation.loading import load_linear_model

    return load_linear_model(path, data)


def _describe_error(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"


class _ReferenceCache:
    """Reference models (and, when every pair is solved, their solves) read once per batch."""

    def __init__(self) -> None:
        self.models: dict[Path, LinearModel] = {}
        self.results: dict[Path, SolveResult] = {}


def _compare_files(
    candidate: Path,
    reference: Path,
    data: Path | None,
    options: CompareOptions,
    cache: _ReferenceCache | None = None,
) -> Comparison:
    """Compare two files; raises `_BadInput` when the reference cannot be used, never for the candidate."""
    from eval.compare import Comparison, SolveMode, compare

    started = time.perf_counter()
    key = reference.resolve()
    ref_model = None if cache is None else cache.models.get(key)
    if ref_model is None:
        if not reference.exists():
            raise _BadInput(f"reference {reference}: no such file or folder")
        try:
            ref_model = _load(reference, None)
        except Exception as exc:  # any reader failure: say which file and why
            raise _BadInput(f"reference {reference} could not be read: {_describe_error(exc)}") from exc
        if cache is not None:
            cache.models[key] = ref_model
    ref_result = None
    if cache is not None and options.solve is SolveMode.ALWAYS:
        ref_result = cache.results.get(key)
        if ref_result is None:
            from solvers.highs import solve

            ref_result = solve(ref_model, options.solve_options())
            cache.results[key] = ref_result
    try:
        cand_model = _load(candidate, data)
    except Exception as exc:  # noqa: BLE001 - the candidate is data: an unreadable one is a verdict, not a crash
        return Comparison.invalid(
            f"The candidate could not be read or built: {_describe_error(exc)}",
            seconds=time.perf_counter() - started,
            reference_name=ref_model.name,
            options=options,
        )
    return compare(cand_model, ref_model, options, reference_result=ref_result)


def _record(comparison: Comparison, candidate: str, reference: str, extra: dict[str, Any] | None = None) -> str:
    payload: dict[str, Any] = dict(extra or {})
    payload.update({"candidate": candidate, "reference": reference})
    payload.update(comparison.model_dump(mode="json"))
    return json.dumps(payload, ensure_ascii=False)


def _batch_line(raw: str, number: int, batch: Path, options: CompareOptions, cache: _ReferenceCache,
                extra: dict[str, Any]) -> tuple[str, str, Comparison]:
    """One line of a batch: (candidate as given, reference as given, comparison); never raises."""
    from eval.compare import Comparison

    cand_text, ref_text = "", ""
    try:
        entry = json.loads(raw)
        if not isinstance(entry, dict):
            raise ValueError('expected a JSON object like {"candidate": "...", "reference": "..."}')
        cand_value, ref_value = entry.get("candidate"), entry.get("reference")
        if not isinstance(cand_value, str) or not isinstance(ref_value, str):
            raise ValueError('needs string fields "candidate" and "reference"')
        cand_text, ref_text = cand_value, ref_value
        if "id" in entry:
            extra["id"] = entry["id"]
        data_text = entry.get("data")
        data_path = None if data_text is None else batch.parent / str(data_text)
        cand_path = batch.parent / cand_text
        if not cand_path.exists():
            raise ValueError(f"candidate {cand_text}: no such file or folder (paths are relative to {batch})")
        comparison = _compare_files(cand_path, batch.parent / ref_text, data_path, options, cache)
    except (ValueError, _BadInput) as exc:
        comparison = Comparison.invalid(f"Line {number} of {batch.name}: {exc}", options=options)
    except Exception as exc:  # noqa: BLE001 - one bad line must not end the batch
        comparison = Comparison.invalid(f"Line {number} of {batch.name} failed: {_describe_error(exc)}",
                                        options=options)
    return cand_text, ref_text, comparison


def _run_batch(batch: Path, options: CompareOptions, as_json: bool) -> ExitCode:
    cache = _ReferenceCache()
    rows: list[tuple[int, str, Comparison]] = []
    for number, raw in enumerate(batch.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not raw.strip():
            continue
        extra: dict[str, Any] = {"line": number}
        cand_text, ref_text, comparison = _batch_line(raw, number, batch, options, cache, extra)
        if as_json:
            print(_record(comparison, cand_text, ref_text, extra), flush=True)
        rows.append((number, cand_text or "?", comparison))
    if not as_json:
        _print_batch(batch, rows)
    return verdict_exit_code(c.verdict.value for _, _, c in rows)


def _print_batch(batch: Path, rows: list[tuple[int, str, Comparison]]) -> None:
    from rich.table import Table
    from rich.text import Text

    from eval.metrics import aggregate, render_metrics
    from eval.report import VERDICT_STYLE

    table = Table(title=Text(f"{batch}: {len(rows)} pair(s)"))
    table.add_column("line", justify="right")
    table.add_column("candidate", overflow="fold")
    table.add_column("verdict")
    table.add_column("reason")
    table.add_column("s", justify="right")
    for number, cand_text, comparison in rows:
        table.add_row(
            str(number),
            Text(cand_text),
            Text(comparison.verdict.value, style=VERDICT_STYLE[comparison.verdict]),
            Text(comparison.reason),
            f"{comparison.seconds:.2f}",
        )
    console.print(table)
    if rows:
        console.print(render_metrics(aggregate([c for _, _, c in rows])))
