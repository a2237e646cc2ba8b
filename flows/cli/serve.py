"""`milpflow serve`: the Prefect deployments of this package, served from this process until interrupted."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.text import Text

from flows.cli.console import err_console
from flows.cli.options import int_option

__all__ = ["register", "serve"]


def register(app: typer.Typer) -> None:
    """Add ``serve`` to `app`."""
    app.command("serve")(serve)


def serve(
    limit: Annotated[int, typer.Option(parser=int_option(minimum=1), metavar="N",
                                       help="Flow runs at once in this process.")] = 2,
) -> None:
    """Serve the deployments (UI-triggered solve, nightly and ad-hoc benchmark, audit) until interrupted.

    Start a server first (`prefect server start`) and point at it with PREFECT_API_URL to use the UI.
    """
    if not os.environ.get("PREFECT_API_URL"):
        err_console.print(Text("PREFECT_API_URL is not set: ", style="yellow") + Text(
            "runs will use a temporary local server and the UI will not see them. Run `prefect server start` and "
            "`export PREFECT_API_URL=http://127.0.0.1:4200/api` first."))
    from flows.deployments import serve_all

    serve_all(limit=limit)
