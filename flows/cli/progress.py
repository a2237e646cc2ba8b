"""Progress of a benchmark run on stderr: a live bar on a terminal, one plain untruncated line per problem
otherwise (logs, CI, pipes).

The running numbers use the summary's definitions, so the last progress line and the summary agree: structural
accuracy counts only problems whose reference is solvable (``isomorphic 38/40 solvable``); "failed" counts
problems with an error category that are not isomorphic.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from flows.cli.console import err_console

if TYPE_CHECKING:
    from flows.pipeline import ProblemRecord

__all__ = ["BenchProgress", "Tally"]


@dataclass
class Tally:
    """Running totals over the recorded problems of one run."""

    done: int = 0
    failed: int = 0
    solvable: int = 0
    isomorphic: int = 0
    tokens: int = 0
    cost: float | None = 0.0

    def add(self, *, verdict: str | None, solvable: bool, error_category: str | None, tokens: int,
            cost: float | None) -> None:
        self.done += 1
        self.failed += error_category is not None and verdict != "isomorphic"
        self.solvable += solvable
        self.isomorphic += solvable and verdict == "isomorphic"
        self.tokens += tokens
        self.cost = None if self.cost is None or cost is None else self.cost + cost

    def add_payload(self, payload: dict[str, Any]) -> None:
        """Count a record as stored (its JSON), e.g. the problems a resumed run had already done."""
        cost = payload.get("cost_usd", 0.0)
        self.add(verdict=payload.get("verdict"), solvable=bool(payload.get("solvable")),
                 error_category=payload.get("error_category"),
                 tokens=int(payload.get("prompt_tokens", 0)) + int(payload.get("completion_tokens", 0)),
                 cost=float(cost) if cost is not None else None)

    def describe(self) -> str:
        cost = "unknown cost" if self.cost is None else f"${self.cost:.4f}"
        return (f"failed {self.failed} · isomorphic {self.isomorphic}/{self.solvable} solvable · "
                f"{self.tokens:,} tokens · {cost}")


class BenchProgress:
    """The progress display of one `milpflow bench`; `on_start` and `on_record` are the pipeline's callbacks
    (records arrive from worker threads)."""

    def __init__(self, label: str, *, quiet: bool) -> None:
        self.label = label
        self.quiet = quiet
        self.run_id: str | None = None
        self.tally = Tally()
        self.total = 0
        self._lock = threading.Lock()
        self._live = err_console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> BenchProgress:
        if self._live:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), TextColumn("{task.fields[stats]}"), console=err_console,
                                      transient=self.quiet)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=None, stats="")
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, value, traceback)

    def on_start(self, run_id: str, remaining: int, already_done: list[dict[str, Any]] | None = None) -> None:
        """The run exists: remember its id (for a resume hint), say it once, in full, and show how much is left."""
        self.run_id = run_id
        for payload in already_done or []:
            self.tally.add_payload(payload)
        self.total = self.tally.done + remaining
        resumed = f", {self.tally.done} already done" if self.tally.done else ""
        if not self.quiet:
            self._line(f"run {run_id}: {self.label}, {self.total} problems{resumed}")
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=self.total, completed=self.tally.done,
                                  stats=self.tally.describe() if self.tally.done else "")

    def on_record(self, record: ProblemRecord) -> None:
        with self._lock:
            self.tally.add(verdict=record.verdict, solvable=record.solvable, error_category=record.error_category,
                           tokens=record.prompt_tokens + record.completion_tokens, cost=record.cost_usd)
            stats = self.tally.describe()
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, advance=1, stats=stats)
            elif not self.quiet:
                outcome = record.verdict or record.error_category or "not scored"
                self._line(f"[{self.tally.done}/{self.total}] {record.problem_id}: {outcome} · {stats}")

    @staticmethod
    def _line(text: str) -> None:
        err_console.print(Text(text), soft_wrap=True, highlight=False)
