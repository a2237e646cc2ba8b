"""`milpflow solve`, `check` and `export`: a model file (or a problem in words) in, a solution or a file out.

A problem given in words goes to the LLM stage (`flows.cli.words`, imported only then, so the model-file path
never loads the OpenAI SDK). Solve exit codes follow `flows.cli.errors.ExitCode`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.console import console
from flows.cli.errors import exit_code_for, fail, user_errors
from flows.cli.options import (
    DEFAULT_STRATEGY,
    Backend,
    Strategy,
    float_option,
    int_option,
    parse_backend,
    parse_strategy,
)

if TYPE_CHECKING:
    from formulation.loading import LoadedModel
    from formulation.v2.compiler import CompiledV2
    from solvers.result import SolveOptions, SolveResult

__all__ = ["check", "export", "register", "solve"]

InputArg = Annotated[
    Path,
    typer.Argument(
        help="Model to read: ModelSpec .json, a folder with model.json (+ data.json), .lp or .mps.",
        show_default=False,
    ),
]
ProblemArg = Annotated[
    str,
    typer.Argument(
        help="A model file (ModelSpec .json, a folder with model.json, .lp, .mps), a problem in words "
        "(quoted), or a .txt file holding one. Words go to the LLM stage.",
        show_default=False,
    ),
]
DataOpt = Annotated[Path | None, typer.Option("--data", help="data.json for a spec whose parameters use data_key.")]
MaxIterOpt = Annotated[
    int | None,
    typer.Option("--max-iterations", parser=int_option(minimum=1), metavar="N",
                 help="Expansion limit when compiling a spec (default: MILPFLOW_MAX_ITERATIONS)."),
]
TimeLimitOpt = Annotated[
    float | None,
    typer.Option("--time-limit", parser=float_option(minimum=0, above=True, unit="seconds"), metavar="SECONDS",
                 help="Solver time limit in seconds."),
]


def register(app: typer.Typer) -> None:
    """Add ``solve``, ``check`` and ``export`` to `app`."""
    app.command("solve")(solve)
    app.command("check")(check)
    app.command("export")(export)


def solve(
    model_path: ProblemArg,
    data: DataOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    backend: Annotated[Backend, typer.Option(parser=parse_backend, metavar="[highs|pyomo]",
                                             help="Solver path: highs (direct) or pyomo (Pyomo → HiGHS).")] = "highs",
    time_limit: TimeLimitOpt = None,
    mip_gap: Annotated[float | None, typer.Option(parser=float_option(minimum=0), metavar="GAP",
                                                  help="Relative MIP gap to stop at.")] = None,
    threads: Annotated[int | None, typer.Option(parser=int_option(minimum=1), metavar="N",
                                                help="Solver threads.")] = None,
    max_iterations: MaxIterOpt = None,
    show_model: Annotated[bool, typer.Option("--show-model", help="Print the ModelSpec before the solution.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="List zero-valued variables too.")] = False,
    strategy: Annotated[Strategy, typer.Option(parser=parse_strategy, metavar="[direct|repair|vote]",
                                               help="LLM strategy for problems in words.")] = DEFAULT_STRATEGY,
    model: Annotated[str | None, typer.Option("--model", help="LLM model name (default: MILPFLOW_MODEL).")] = None,
    max_attempts: Annotated[int, typer.Option(parser=int_option(minimum=1, maximum=10), metavar="N",
                                              help="Attempts of the repair loop (1 to 10).")] = 3,
    votes: Annotated[int, typer.Option(parser=int_option(minimum=2, maximum=20), metavar="N",
                                       help="Samples of the vote strategy (2 to 20).")] = 5,
    save: Annotated[Path | None, typer.Option("--save", help="Write the formulated ModelSpec to this file.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the LLM response cache.")] = False,
    track: Annotated[bool, typer.Option("--track", help="Formulate as a Prefect flow run (implied by "
                                        "PREFECT_API_URL).")] = False,
) -> None:
    """Solve a model, or formulate a problem in words with the LLM and solve it.

    Prints status, objective and the non-zero variables (or the IIS if infeasible). Exit codes: 0 optimal,
    2 bad input, 3 infeasible or unbounded, 4 stopped by a limit, 5 solver failure, 6 no usable model from the LLM.
    """
    problem_text = _problem_text(model_path)
    if problem_text is not None:
        from flows.cli.words import WordsRequest, solve_words

        request = WordsRequest(problem=problem_text, data=data, strategy=strategy, model=model,
                               max_attempts=max_attempts, votes=votes, save=save, no_cache=no_cache,
                               time_limit=time_limit, show_all=show_all, track=track)
        raise typer.Exit(int(solve_words(request, as_json=as_json)))
    options = _solve_options(time_limit, mip_gap, threads, as_json)
    loaded = _load(Path(model_path), data, max_iterations, as_json)
    result = _run_backend(backend, loaded, options)
    compile_seconds = (loaded.compiled.seconds if loaded.compiled is not None
                       else loaded.v2.seconds if loaded.v2 is not None else None)
    if as_json:
        from flows.render import result_to_json

        payload = result_to_json(result, loaded.model, source=str(loaded.source), compile_seconds=compile_seconds)
        if loaded.v2 is not None:
            payload["assumptions"] = loaded.v2.assumptions
            payload["objective_names"] = [level.name for level in loaded.v2.objectives]
        print(json.dumps(payload))
    else:
        from flows.render import render_model_spec, render_solution

        if show_model and loaded.spec is not None:
            render_model_spec(console, loaded.spec)
        if loaded.v2 is not None:
            _render_v2_header(loaded.v2, result)
        render_solution(console, result, loaded.model, source=model_path, compile_seconds=compile_seconds,
                        show_all=show_all)
    raise typer.Exit(int(exit_code_for(result.status)))


def check(
    model_path: InputArg,
    data: DataOpt = None,
    max_iterations: MaxIterOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Read and build a model without solving it; report its size or every located error (exit code 2)."""
    loaded = _load(model_path, data, max_iterations, as_json)
    model = loaded.model
    if as_json:
        print(json.dumps({
            "ok": True,
            "source": str(model_path),
            "kind": "MILP" if model.is_mip else "LP",
            "variables": model.num_vars,
            "constraints": model.num_rows,
            "nonzeros": model.nnz,
            "compile_seconds": loaded.compiled.seconds if loaded.compiled is not None else None,
            **(_v2_check_fields(loaded.v2) if loaded.v2 is not None else {}),
        }))
    else:
        from rich.text import Text

        console.print(Text("ok ", style="green") + Text(model.summary()))
        if loaded.v2 is not None:
            _render_v2_check(loaded.v2)


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
    with user_errors(as_json=False):  # write_model's ModelFileError already names the file and the reason
        if suffix.endswith(".json"):
            _write_spec(loaded, output)
        else:
            from solvers.io import write_model

            write_model(loaded.model, output)
    from rich.text import Text

    console.print(Text(f"wrote {output} ({loaded.model.summary()})"))


def _write_spec(loaded: LoadedModel, output: Path) -> None:
    from formulation.from_linear import linear_to_spec

    spec = loaded.spec if loaded.spec is not None and loaded.data_path is None else linear_to_spec(loaded.model)
    try:
        output.write_text(spec.to_json() + "\n", encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: cannot write ({exc.strerror or exc})", as_json=False) from None


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


def _solve_options(time_limit: float | None, mip_gap: float | None, threads: int | None,
                   as_json: bool) -> SolveOptions:
    """The solver options: the command line first, then the ``MILPFLOW_*`` settings."""
    from pydantic import ValidationError

    from flows.cli.errors import describe
    from flows.cli.settings import load_settings
    from solvers.result import SolveOptions

    settings = load_settings(as_json)
    try:
        return SolveOptions(
            time_limit=time_limit if time_limit is not None else settings.time_limit,
            mip_gap=mip_gap if mip_gap is not None else settings.mip_gap,
            threads=threads if threads is not None else settings.threads,
        )
    except ValidationError as exc:
        raise fail(f"invalid solver option {describe(exc)}", as_json=as_json) from None


def _load(path: Path, data: Path | None, max_iterations: int | None, as_json: bool) -> LoadedModel:
    from flows.cli.settings import load_settings
    from formulation.compile import CompileOptions
    from formulation.loading import InputError, load_input

    limit = max_iterations or load_settings(as_json).max_iterations
    with user_errors(as_json=as_json, also=(InputError,)):
        return load_input(path, data, CompileOptions(max_iterations=limit))


def _run_backend(backend: Backend, loaded: LoadedModel, options: SolveOptions) -> SolveResult:
    if loaded.v2 is not None and len(loaded.v2.objectives) > 1:
        if backend == "pyomo":
            raise fail(f"{loaded.source}: prioritised objectives are solved with the HiGHS backend; drop --backend "
                       "pyomo", as_json=False)
        from formulation.v2.solving import solve_v2

        return solve_v2(loaded.v2, options).result
    if backend == "pyomo":
        from formulation import pyomo_mirror
        from solvers import pyomo_backend

        if loaded.compiled is not None:
            return pyomo_mirror.solve(loaded.compiled, options)
        return pyomo_backend.solve(loaded.model, options)
    from solvers import highs

    return highs.solve(loaded.model, options)



def _generated(compiled: CompiledV2) -> list[tuple[str, str]]:
    """(row name, how it was generated) for every row the compiler added to lower logic or abs/min/max/piecewise."""
    return [(compiled.model.row_names[i], origin.encoding) for i, origin in enumerate(compiled.row_origins)
            if origin.encoding != "row"]


def _v2_check_fields(compiled: CompiledV2) -> dict[str, Any]:
    """What `check --json` adds for a v2 model: assumptions, priorities, encodings chosen and the generated rows."""
    return {
        "assumptions": compiled.assumptions,
        "objectives": [level.name for level in compiled.objectives],
        "notes": compiled.notes,
        "generated_rows": [{"row": row, "encoding": how} for row, how in _generated(compiled)],
    }


def _render_v2_check(compiled: CompiledV2) -> None:
    from rich.text import Text

    for note in compiled.notes:
        console.print(Text(f"  note: {note}"))
    generated = _generated(compiled)
    if generated:
        console.print(Text(f"  {len(generated)} generated row(s):"))
        for row, how in generated[:40]:
            console.print(Text(f"    {row}  ({how})"))
        if len(generated) > 40:
            console.print(Text(f"    … and {len(generated) - 40} more"))
    _render_assumptions(compiled)


def _render_assumptions(compiled: CompiledV2) -> None:
    from rich.text import Text

    for assumption in compiled.assumptions:
        console.print(Text(f"  assumption: {assumption}", style="yellow"))


def _render_v2_header(compiled: CompiledV2, result: SolveResult) -> None:
    """Assumptions, and with several priorities each one's value, before the usual solution table."""
    from rich.text import Text

    _render_assumptions(compiled)
    if result.objectives is not None:
        for k, (level, value) in enumerate(zip(compiled.objectives, result.objectives, strict=True), start=1):
            shown = "-" if value is None else f"{value:.10g}"
            console.print(Text(f"priority {k}: {level.sense.value} {level.name} = {shown}"))
