"""Keep the process's standard output clean of anything HiGHS prints.

Why: highspy 1.16 prints a two-line banner ("Running HiGHS …") from C++ straight to file descriptor 1 the first
time a `Highs` object is constructed in a process — before any option such as ``output_flag`` can be set. A
Python-level ``redirect_stdout`` cannot see it, so ``milpflow … --json | jq`` would fail. The banner is printed
once per process, so it is enough to construct the first `Highs` with descriptor 1 pointed at /dev/null.

Contract: `new_highs()` returns a silent `Highs` (``output_flag`` off) and guarantees that no HiGHS banner reaches
descriptor 1. Every `Highs` in milpflow is made through it, and code that lets another library construct one
(Pyomo's HiGHS interface) calls `consume_banner()` first. The redirect happens at most once per process, under
a lock, and is short (one constructor call); Python's own buffered stdout is flushed before it so no Python
output can be diverted.
"""

from __future__ import annotations

import os
import sys
import threading

from highspy import Highs

__all__ = ["consume_banner", "new_highs"]

_lock = threading.Lock()
_banner_consumed = False


def consume_banner() -> None:
    """Construct (and drop) one `Highs` with descriptor 1 on /dev/null, once per process."""
    global _banner_consumed
    if _banner_consumed:
        return
    with _lock:
        if _banner_consumed:
            return
        try:
            sys.stdout.flush()
        except (OSError, ValueError):  # closed or broken stdout: nothing of ours to lose
            pass
        try:
            saved = os.dup(1)
        except OSError:  # no descriptor 1 at all: nothing can be printed there
            _construct().setOptionValue("output_flag", False)
        else:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                _construct().setOptionValue("output_flag", False)
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
        _banner_consumed = True


def new_highs() -> Highs:
    """A `Highs` instance with all output switched off; the banner never reaches standard output."""
    consume_banner()
    h = _construct()
    h.setOptionValue("output_flag", False)
    return h


def _construct() -> Highs:
    """A plain `Highs` (the one place milpflow calls its constructor)."""
    # highspy's Highs.__init__ has no annotations (highspy/highs.py), so mypy sees an untyped call.
    return Highs()  # type: ignore[no-untyped-call]
