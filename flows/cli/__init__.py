"""The `milpflow` command line (typer + rich): one module per command group.

``app`` is the console script (``milpflow = "flows.cli:app"``); `ExitCode` is the exit-code contract, documented
in `flows.cli.errors`. Modules: `app` (the Typer app and registration), `errors` (exit codes, the one error
printer), `options` (option parsing with clear messages), `solve` (solve, check, export) and `words` (a problem
in words through the LLM), `evaluate` (eval), `bench` (+ `progress`), `runs` (runs, report), `datasets`
(datasets, audit), `serve`.
"""

from __future__ import annotations

from flows.cli.app import app
from flows.cli.errors import ExitCode

__all__ = ["ExitCode", "app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
