"""The two consoles every command prints through: results on stdout, messages and progress on stderr.

Rich reads the terminal width (``COLUMNS`` when set) and whether the stream is a terminal at print time, so one
pair serves the real console, pipes and typer's test runner alike.
"""

from __future__ import annotations

from rich.console import Console

__all__ = ["console", "err_console"]

console = Console()
err_console = Console(stderr=True)
