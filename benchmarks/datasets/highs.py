"""HiGHS solver check instances as a dataset: no text, the reference is the instance itself.

Known results come from the upstream build script's expectations (quoted in highs/SOURCE.md). Malformed,
quadratic and semi-continuous files are part of the set on purpose: the audit reports them as unreadable
or out of scope, which is what they test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property, partial
from typing import Any

from benchmarks.datasets.base import Dataset, Problem, ProblemTags
from solvers.io import read_model
from solvers.result import SolveStatus

__all__ = ["HighsInstances"]

_MODEL_SUFFIXES = (".mps", ".lp")


class HighsInstances(Dataset):
    name = "highs"
    licence = "MIT"
    source = "ERGO-Code/HiGHS @ 73cac48 (check/instances)"

    @cached_property
    def known(self) -> dict[str, tuple[SolveStatus, float | None]]:
        """name → (status, objective) parsed from the 'Known results' section of SOURCE.md."""
        text = (self.root / "SOURCE.md").read_text(encoding="utf-8")
        section = text[text.index("## Known results"):]
        known: dict[str, tuple[SolveStatus, float | None]] = {}
        for label, status in (("LP optimal:", SolveStatus.OPTIMAL), ("MIP optimal:", SolveStatus.OPTIMAL)):
            block = section[section.index(label) + len(label):].split(".\n")[0]
            for name, value in re.findall(r"([\w.-]+)\s+(-?[\d.]+)", block):
                known[name] = (status, float(value))
        for label, status in (("Infeasible:", SolveStatus.INFEASIBLE), ("Unbounded:", SolveStatus.UNBOUNDED)):
            block = section[section.index(label) + len(label):].split(".")[0]
            for name in re.findall(r"[\w-]+", block):
                known[name] = (status, None)
        return known

    def problems(self, **_: Any) -> Iterator[Problem]:
        for path in sorted(self.root.iterdir()):
            if not path.name.lower().endswith(_MODEL_SUFFIXES) and path.suffix not in (".ems",):
                continue
            name = path.name.rsplit(".", 1)[0]
            status, objective = self.known.get(name, (None, None))
            yield Problem(
                id=path.name,
                dataset=self.name,
                tags=ProblemTags(problem_class="solver instance", kind=None),
                source=str(path),
                text=None,
                data=None,
                reference=partial(read_model, path),
                known_status=status,
                known_objective=objective,
            )
