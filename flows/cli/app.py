"""The `milpflow` Typer app: one group per module of this package, registered here, plus ``version``.

Command modules import their stages lazily (inside the commands), so ``milpflow --help`` and ``milpflow solve
model.json`` do not load Prefect, networkx, Pyomo or the evaluator.
"""

from __future__ import annotations

import sys

import typer

from flows.cli.bench import register as register_bench
from flows.cli.console import console
from flows.cli.datasets import register as register_datasets
from flows.cli.evaluate import register as register_eval
from flows.cli.runs import register as register_runs
from flows.cli.serve import register as register_serve
from flows.cli.solve import register as register_solve

__all__ = ["app"]

app = typer.Typer(
    name="milpflow",
    help="Natural-language decision problems to verified MILP models: solve, export and evaluate models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def version() -> None:
    """Print the versions of milpflow and its solver stack."""
    from importlib.metadata import version as dist_version

    from solvers.highs import highs_version

    console.print(f"milpflow {dist_version('milpflow')} · HiGHS {highs_version()} · Python {sys.version.split()[0]}")


for _register in (register_solve, register_eval, register_datasets, register_bench, register_runs, register_serve):
    _register(app)
app.command("version")(version)
