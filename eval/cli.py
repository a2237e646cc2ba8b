"""`milpflow eval`: compare a candidate model with a reference model, one pair or a batch.

    milpflow eval candidate.json reference.lp            # any mix of ModelSpec JSON, problem folder, .lp, .mps
    milpflow eval --batch pairs.jsonl --json             # one {"candidate": path, "reference": path} per line

Contract: `register(app)` adds the ``eval`` command to the main typer app (which lives in ``flows/cli.py``).
Exit code 0 whenever the command ran: verdicts, ``invalid`` included, are data. Exit code 2 for usage errors
and for input the command cannot work without (a missing candidate or reference path, an unreadable
reference, a missing batch file). In a batch, paths are relative to the batch file and every failing line
becomes an ``invalid`` verdict line; a batch never stops half-way. With ``--json`` each verdict is one JSON
object per line: the `Comparison` fields plus ``candidate`` and ``reference`` (the paths as given) and, in a
batch, ``line`` and any ``id`` the input line carried.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from eval.compare import LENIENT, STRICT, CompareOptions, Comparison, ObjectiveTolerance, SolveMode, compare
from eval.metrics import aggregate, render_metrics
from eval.report import VERDICT_STYLE, render_comparison
from solvers.linear import LinearModel
from solvers.result import SolveResult

__all__ = ["eval_command", "register"]

BAD_INPUT = 2


class _BadInput(Exception):
    """Input the command cannot run without; exits with code 2."""


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command to `app`."""
    app.command(
        "eval",
        help="Compare a candidate model with a reference: isomorphic, same_optimum, different or invalid.",
    )(eval_command)


def _load(path: Path, data: Path | None) -> LinearModel:
    from formulation.loading import load_linear_model

    return load_linear_model(path, data)


def _describe_error(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"


def _options(
    lenient: bool, objective_tol: float | None, solve: SolveMode, rel_tol: float, time_limit: float | None
) -> CompareOptions:
    tolerance: ObjectiveTolerance = LENIENT if lenient else STRICT
    if objective_tol is not None:
        tolerance = ObjectiveTolerance.custom(objective_tol)
    return CompareOptions(rel_tol=rel_tol, objective_tolerance=tolerance, solve=solve, solve_time_limit=time_limit)


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
        typer.Option("--objective-tol", min=0.0, help="Custom objective tolerance (relative and absolute)."),
    ] = None,
    solve: Annotated[
        SolveMode,
        typer.Option("--solve", help="When to solve: always (report both objectives), if_needed, never."),
    ] = SolveMode.ALWAYS,
    no_solve: Annotated[bool, typer.Option("--no-solve", help="Skip the solver tier (same as --solve never).")] = False,
    data: Annotated[
        Path | None, typer.Option("--data", help="data.json for a candidate ModelSpec whose parameters use data_key.")
    ] = None,
    rel_tol: Annotated[
        float, typer.Option("--rel-tol", min=1e-15, max=0.1, help="Relative tolerance for coefficients.")
    ] = 1e-6,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.001, help="Seconds per solve.")] = 60.0,
) -> None:
    """Compare a candidate model with a reference model (see the module docstring)."""
    err = Console(stderr=True)
    out = Console()

    def bad(message: str) -> typer.Exit:
        if as_json:
            print(json.dumps({"error": {"kind": "bad_input", "message": message}}))
        err.print(f"[bold red]error:[/bold red] {message}", highlight=False, soft_wrap=True)
        return typer.Exit(BAD_INPUT)

    if lenient and objective_tol is not None:
        raise bad("use either --lenient or --objective-tol, not both")
    options = _options(lenient, objective_tol, SolveMode.NEVER if no_solve else solve, rel_tol, time_limit)

    if batch is not None:
        if candidate is not None or reference is not None:
            raise bad("give either CANDIDATE and REFERENCE or --batch FILE, not both")
        if data is not None:
            raise bad('--data applies to a single pair; in a batch put "data" on the line')
        if not batch.is_file():
            raise bad(f"batch file {batch}: no such file")
        _run_batch(batch, options, as_json, out)
        return

    if candidate is None or reference is None:
        raise bad("give CANDIDATE and REFERENCE model paths, or --batch FILE")
    if not candidate.exists():
        raise bad(f"candidate {candidate}: no such file or folder")
    try:
        comparison = _compare_files(candidate, reference, data, options)
    except _BadInput as exc:
        raise bad(str(exc)) from exc
    if as_json:
        print(_record(comparison, str(candidate), str(reference)), flush=True)
    else:
        out.print(render_comparison(comparison, title=f"{candidate} vs {reference}"))


def _run_batch(batch: Path, options: CompareOptions, as_json: bool, out: Console) -> None:
    base = batch.parent
    cache = _ReferenceCache()
    rows: list[tuple[int, str, Comparison]] = []
    for number, raw in enumerate(batch.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not raw.strip():
            continue
        cand_text, ref_text, extra = "", "", {"line": number}
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict):
                raise ValueError('expected a JSON object like {"candidate": "...", "reference": "..."}')
            cand_text, ref_text = entry.get("candidate"), entry.get("reference")
            if not isinstance(cand_text, str) or not isinstance(ref_text, str):
                raise ValueError('needs string fields "candidate" and "reference"')
            if "id" in entry:
                extra["id"] = entry["id"]
            data_text = entry.get("data")
            data_path = None if data_text is None else base / str(data_text)
            cand_path = base / cand_text
            if not cand_path.exists():
                raise ValueError(f"candidate {cand_text}: no such file or folder (paths are relative to {batch})")
            comparison = _compare_files(cand_path, base / ref_text, data_path, options, cache)
        except (ValueError, _BadInput) as exc:
            comparison = Comparison.invalid(f"Line {number} of {batch.name}: {exc}", options=options)
        except Exception as exc:  # noqa: BLE001 - one bad line must not end the batch
            comparison = Comparison.invalid(
                f"Line {number} of {batch.name} failed: {_describe_error(exc)}", options=options
            )
        if as_json:
            print(_record(comparison, cand_text or "", ref_text or "", extra), flush=True)
        rows.append((number, cand_text or "?", comparison))
    if as_json:
        return
    table = Table(title=f"{batch}: {len(rows)} pair(s)")
    table.add_column("line", justify="right")
    table.add_column("candidate")
    table.add_column("verdict")
    table.add_column("reason")
    table.add_column("s", justify="right")
    for number, cand_text, comparison in rows:
        style = VERDICT_STYLE[comparison.verdict]
        table.add_row(
            str(number),
            cand_text,
            f"[{style}]{comparison.verdict.value}[/]",
            comparison.reason,
            f"{comparison.seconds:.2f}",
        )
    out.print(table)
    if rows:
        out.print(render_metrics(aggregate([c for _, _, c in rows])))
