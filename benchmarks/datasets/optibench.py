"""OptiBench equivalence set: 410 problems, each with text, data.json and a Gurobi-written reference model."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from benchmarks.datasets.base import Dataset, Problem, ProblemTags
from solvers.io import read_model

__all__ = ["OptiBench", "problem_id"]

TextChoice = Literal["unstructured", "structured"]


def problem_id(class_name: str, folder: str) -> str:
    """``Transportation Problem`` + ``Transportation Problem_[energy_distribution]_[var1]`` →
    ``transportation-energy_distribution-var1``."""
    base = re.sub(r"\s*\(.*?\)", "", class_name).replace(" Problem", "").strip().lower()
    base = re.sub(r"[^a-z0-9]+", "_", base).strip("_")
    parts = [re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_").lower() for p in re.findall(r"\[(.*?)\]", folder)]
    return "-".join([base, *[p for p in parts if p]])


class OptiBench(Dataset):
    name = "optibench"
    licence = "MIT"
    source = "HoshinoAkua/OptiBench @ 1d68218 (LP_selected, MILP_selected)"

    @cached_property
    def _folders(self) -> list[tuple[str, str, Path]]:
        found: list[tuple[str, str, Path]] = []
        for kind_dir in ("LP_selected", "MILP_selected"):
            kind = "LP" if kind_dir.startswith("LP") else "MILP"
            for class_dir in sorted((self.root / kind_dir).iterdir()):
                if not class_dir.is_dir():
                    continue
                for folder in sorted(class_dir.iterdir()):
                    if (folder / "reference_answer.lp").exists():
                        found.append((kind, class_dir.name, folder))
        return found

    def problems(self, *, text: TextChoice = "unstructured", **_: Any) -> Iterator[Problem]:
        seen: set[str] = set()
        for kind, class_name, folder in self._folders:
            pid = problem_id(class_name, folder.name)
            if pid in seen:
                raise ValueError(f"two OptiBench folders map to the id {pid!r}")
            seen.add(pid)
            yield _problem(pid, kind, class_name, folder, text)


def _problem(pid: str, kind: str, class_name: str, folder: Path, text: TextChoice) -> Problem:
    text_file = folder / ("wp_structured.txt" if text == "structured" else "wp_unstructured.txt")
    data_file = folder / "data.json"
    return Problem(
        id=pid,
        dataset="optibench",
        tags=ProblemTags(problem_class=re.sub(r"\s*\(.*?\)", "", class_name).replace(" Problem", "").strip(),
                         kind="LP" if kind == "LP" else "MILP"),
        source=str(folder),
        text=lambda: text_file.read_text(encoding="utf-8"),
        data=lambda: json.loads(data_file.read_text(encoding="utf-8")) if data_file.exists() else None,
        reference=lambda: read_model(folder / "reference_answer.lp"),
    )
