"""The `milpflow` command line (typer + rich).

Exit codes are part of the contract so scripts can branch on them:

====  =====================================================================
0     solved to optimality (or the command succeeded)
2     bad input: unreadable or invalid model, data or options
3     the model is infeasible or unbounded
4     a limit stopped the solver (time, iterations, …) before optimality
5     the solver failed
6     the LLM stage produced no usable model (after its retries and repairs)
====  =====================================================================
"""

from __future__ import annotations

import json
import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from flows.settings import get_settings
from solvers.result import SolveOptions, SolveResult, SolveStatus

__all__ = ["ExitCode", "app"]

app = typer.Typer(
    name="milpflow",
    help="Natural-language decision problems to verified MILP models: solve, export and evaluate models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


class ExitCode(IntEnum):
    OK = 0
    BAD_INPUT = 2
    NOT_SOLVABLE = 3
    LIMIT = 4
    SOLVER_ERROR = 5
    FORMULATION_FAILED = 6


def exit_code_for(status: SolveStatus) -> ExitCode:
    if status is SolveStatus.OPTIMAL:
        return ExitCode.OK
    if status.is_not_solvable:
        return ExitCode.NOT_SOLVABLE
    if status in (SolveStatus.TIME_LIMIT, SolveStatus.OTHER_LIMIT):
        return ExitCode.LIMIT
    return ExitCode.SOLVER_ERROR


def fail(message: str, *, as_json: bool, code: ExitCode = ExitCode.BAD_INPUT) -> typer.Exit:
    """Report an input error on stderr (and as a JSON object on stdout with --json); return the exit."""
    if as_json:
        print(json.dumps({"error": {"kind": code.name.lower(), "message": message}}))
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


InputArg = Annotated[
    Path,
    typer.Argument(
        help="Model to read: ModelSpec .json, a folder with model.json (+ data.json), .lp or .mps.",
        show_default=False,
    ),
]
DataOpt = Annotated[Path | None, typer.Option("--data", help="data.json for a spec whose parameters use data_key.")]
MaxIterOpt = Annotated[
    int | None,
    typer.Option("--max-iterations", help="Expansion limit when compiling a spec (default: MILPFLOW_MAX_ITERATIONS)."),
]


def _load(path: Path, data: Path | None, max_iterations: int | None, as_json: bool) -> Any:
    from formulation.compile import CompileOptions
    from formulation.loading import InputError, load_input

    limit = max_iterations or get_settings().max_iterations
    try:
        return load_input(path, data, CompileOptions(max_iterations=limit))
    except InputError as exc:
        raise fail(str(exc), as_json=as_json) from None


ProblemArg = Annotated[
    str,
    typer.Argument(
        help="A model file (ModelSpec .json, a folder with model.json, .lp, .mps), a problem in words "
        "(quoted), or a .txt file holding one. Words go to the LLM stage.",
        show_default=False,
    ),
]


@app.command()
def solve(
    model_path: ProblemArg,
    data: DataOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    backend: Annotated[str, typer.Option(help="Solver path: highs (direct) or pyomo (Pyomo → HiGHS).")] = "highs",
    time_limit: Annotated[float | None, typer.Option(help="Solver time limit in seconds.")] = None,
    mip_gap: Annotated[float | None, typer.Option(help="Relative MIP gap to stop at.")] = None,
    threads: Annotated[int | None, typer.Option(help="Solver threads.")] = None,
    max_iterations: MaxIterOpt = None,
    show_model: Annotated[bool, typer.Option("--show-model", help="Print the ModelSpec before the solution.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="List zero-valued variables too.")] = False,
    strategy: Annotated[
        str, typer.Option(help="LLM strategy for problems in words: direct, repair or vote.")
    ] = "repair",
    model: Annotated[str | None, typer.Option("--model", help="LLM model name (default: MILPFLOW_MODEL).")] = None,
    max_attempts: Annotated[int, typer.Option(help="Attempts of the repair loop.")] = 3,
    votes: Annotated[int, typer.Option(help="Samples of the vote strategy.")] = 5,
    save: Annotated[Path | None, typer.Option("--save", help="Write the formulated ModelSpec to this file.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the LLM response cache.")] = False,
    track: Annotated[bool, typer.Option("--track", help="Formulate as a Prefect flow run (implied by "
                                        "PREFECT_API_URL).")] = False,
) -> None:
    """Solve a model, or formulate a problem in words with the LLM and solve it.

    Prints status, objective and the non-zero variables (or the IIS if infeasible).
    """
    settings = get_settings()
    problem_text = _problem_text(model_path)
    if problem_text is not None:
        from flows.llm_cli import solve_text

        code = solve_text(
            problem_text, data=data, as_json=as_json, strategy=strategy, model=model, max_attempts=max_attempts,
            votes=votes, save=save, no_cache=no_cache, time_limit=time_limit, show_all=show_all, track=track,
            console=console, err_console=err_console,
        )
        raise typer.Exit(int(code))
    model_path = Path(model_path)
    if backend not in ("highs", "pyomo"):
        raise fail(f"--backend must be 'highs' or 'pyomo', not {backend!r}", as_json=as_json)
    try:
        options = SolveOptions(
            time_limit=time_limit if time_limit is not None else settings.time_limit,
            mip_gap=mip_gap if mip_gap is not None else settings.mip_gap,
            threads=threads if threads is not None else settings.threads,
        )
    except ValueError as exc:
        raise fail(f"invalid solver option: {exc}", as_json=as_json) from None
    loaded = _load(model_path, data, max_iterations, as_json)
    result = _run_backend(backend, loaded, options)
    compile_seconds = loaded.compiled.seconds if loaded.compiled is not None else None
    if as_json:
        print(json.dumps(_json_payload(result, loaded, compile_seconds)))
    else:
        from flows.render import render_model_spec, render_solution

        if show_model and loaded.spec is not None:
            render_model_spec(console, loaded.spec)
        render_solution(console, result, loaded.model, source=str(model_path), compile_seconds=compile_seconds,
                        show_all=show_all)
    raise typer.Exit(int(exit_code_for(result.status)))


def _problem_text(argument: str) -> str | None:
    """The problem in words if `argument` is one (or names a .txt file), else None (it names a model)."""
    path = Path(argument)
    if argument.lower().endswith(".txt") and path.is_file():
        return path.read_text(encoding="utf-8")
    if path.exists():
        return None
    looks_like_text = any(ch.isspace() for ch in argument.strip()) and not argument.lower().endswith(
        (".json", ".lp", ".mps", ".mps.gz", ".lp.gz")
    )
    return argument if looks_like_text else None


def _run_backend(backend: str, loaded: Any, options: SolveOptions) -> SolveResult:
    if backend == "pyomo":
        from formulation import pyomo_mirror
        from solvers import pyomo_backend

        if loaded.compiled is not None:
            return pyomo_mirror.solve(loaded.compiled, options)
        return pyomo_backend.solve(loaded.model, options)
    from solvers import highs

    return highs.solve(loaded.model, options)


def _json_payload(result: SolveResult, loaded: Any, compile_seconds: float | None) -> dict[str, Any]:
    from flows.render import result_to_json

    return result_to_json(result, loaded.model, source=str(loaded.source), compile_seconds=compile_seconds)


@app.command()
def check(
    model_path: InputArg,
    data: DataOpt = None,
    max_iterations: MaxIterOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Read and build a model without solving it; report its size or every located error."""
    loaded = _load(model_path, data, max_iterations, as_json)
    model = loaded.model
    info = {
        "source": str(model_path),
        "kind": "MILP" if model.is_mip else "LP",
        "variables": model.num_vars,
        "constraints": model.num_rows,
        "nonzeros": model.nnz,
        "compile_seconds": loaded.compiled.seconds if loaded.compiled is not None else None,
    }
    if as_json:
        print(json.dumps({"ok": True, **info}))
    else:
        console.print(f"[green]ok[/green] {model.summary()}")


@app.command()
def export(
    model_path: InputArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Target file: .lp, .mps or .json (ModelSpec).")],
    data: DataOpt = None,
    max_iterations: MaxIterOpt = None,
) -> None:
    """Convert between ModelSpec JSON, LP and MPS (LP/MPS → JSON recovers indexed variables from names)."""
    suffix = output.name.lower()
    if not suffix.endswith((".lp", ".mps", ".json")):
        raise fail(f"{output}: the output must end in .lp, .mps or .json", as_json=False)
    loaded = _load(model_path, data, max_iterations, False)
    try:
        if suffix.endswith(".json"):
            from formulation.from_linear import linear_to_spec

            spec = loaded.spec if loaded.spec is not None and loaded.data_path is None else linear_to_spec(loaded.model)
            output.write_text(spec.to_json() + "\n", encoding="utf-8")
        else:
            from solvers.io import write_model

            write_model(loaded.model, output)
    except (OSError, ValueError) as exc:
        raise fail(f"{output}: cannot write ({exc})", as_json=False) from None
    console.print(f"wrote {output} ({loaded.model.summary()})")


@app.command()
def serve(
    limit: Annotated[int, typer.Option(help="Flow runs at once in this process.")] = 2,
) -> None:
    """Serve the deployments (UI-triggered solve, nightly and ad-hoc benchmark, audit) until interrupted.

    Start a server first (`prefect server start`) and point at it with PREFECT_API_URL to use the UI.
    """
    import os

    if not os.environ.get("PREFECT_API_URL"):
        err_console.print("[yellow]PREFECT_API_URL is not set:[/yellow] runs will use a temporary local server "
                          "and the UI will not see them. Run `prefect server start` and "
                          "`export PREFECT_API_URL=http://127.0.0.1:4200/api` first.")
    from flows.deployments import serve_all

    serve_all(limit=limit)


@app.command()
def version() -> None:
    """Print the versions of milpflow and its solver stack."""
    from importlib.metadata import version as dist_version

    from solvers.highs import highs_version

    console.print(f"milpflow {dist_version('milpflow')} · HiGHS {highs_version()} · Python {sys.version.split()[0]}")


def _register_stage_commands() -> None:
    """Commands owned by other stages register themselves (each imports its heavy parts lazily)."""
    from benchmarks.cli import register as register_datasets
    from eval.cli import register as register_eval
    from flows.bench_cli import register as register_bench

    register_eval(app)
    register_datasets(app)
    register_bench(app)


_register_stage_commands()


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
