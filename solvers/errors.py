"""The root of milpflow's exceptions.

Why one base: a caller (a notebook, the CLI, a benchmark task) can catch every error milpflow raises on purpose
with one ``except MilpflowError`` and let real bugs through, and every such error carries a message written for
the person who can fix the input: what is wrong, where, and how to fix it. Each stage subclasses it (and, where
it helps existing callers, `ValueError`); nothing here knows about the stages.
"""

from __future__ import annotations

__all__ = ["MilpflowError"]


class MilpflowError(Exception):
    """Base of every exception milpflow raises deliberately; the message is meant for the user."""
