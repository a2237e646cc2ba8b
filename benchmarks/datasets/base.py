"""One loader interface for every benchmark dataset.

A `Dataset` yields `Problem`s lazily: listing is cheap (folder names, one JSON line each) and the reference
model is only read or built when `Problem.reference()` is called, so listing 410 OptiBench problems parses
no LP file. Every dataset has a `version`: a SHA-256 over the paths and bytes of the files actually present,
computed at load time, so a result always names the exact data it was scored on and a changed file is
noticed.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from solvers.errors import MilpflowError
from solvers.linear import LinearModel
from solvers.result import SolveStatus

if TYPE_CHECKING:
    from formulation.spec import ModelSpec

__all__ = ["DATASETS_ROOT", "Dataset", "Problem", "ProblemTags", "UnknownProblemError", "content_version"]

DATASETS_ROOT = Path(__file__).resolve().parent


class UnknownProblemError(MilpflowError, KeyError):
    """No problem with that id; the message lists a few valid ids."""


@dataclass(frozen=True)
class ProblemTags:
    problem_class: str
    kind: Literal["LP", "MILP"] | None
    split: str | None = None


class Problem:
    """One benchmark problem; text, data and the reference are loaded on first use.

    `reference()` may raise `solvers.io.ModelFileError` / `UnsupportedModelError` or `ValueError` for an
    unusable reference; callers (the audit, benchmarks) record that per problem.
    """

    def __init__(
        self,
        *,
        id: str,
        dataset: str,
        tags: ProblemTags,
        source: str,
        text: Callable[[], str | None] | str | None = None,
        data: Callable[[], dict[str, Any] | None] | dict[str, Any] | None = None,
        reference: Callable[[], LinearModel] | None = None,
        spec: Callable[[], ModelSpec] | None = None,
        known_status: SolveStatus | None = None,
        known_objective: float | None = None,
    ) -> None:
        self.id = id
        self.dataset = dataset
        self.tags = tags
        self.source = source
        self.known_status = known_status
        self.known_objective = known_objective
        self._text = text
        self._data = data
        self._reference = reference
        self._spec = spec

    @cached_property
    def text(self) -> str | None:
        return self._text() if callable(self._text) else self._text

    @cached_property
    def data(self) -> dict[str, Any] | None:
        return self._data() if callable(self._data) else self._data

    def reference(self) -> LinearModel:
        if self._reference is None:
            raise ValueError(f"{self.dataset}/{self.id} has no reference model")
        return self._reference()

    def reference_spec(self) -> ModelSpec | None:
        """The reference as a ModelSpec where the dataset has one (NL4Opt); None otherwise."""
        return self._spec() if self._spec is not None else None

    def __repr__(self) -> str:
        return f"Problem({self.dataset}/{self.id})"


class Dataset(ABC):
    """A named, versioned, licensed collection of problems."""

    name: str
    licence: str
    source: str

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or DATASETS_ROOT / self.name
        if not self.root.is_dir():
            raise FileNotFoundError(f"dataset folder {self.root} is missing; the repository ships it")

    @cached_property
    def version(self) -> str:
        return content_version(self.root)

    @abstractmethod
    def problems(self, **options: Any) -> Iterator[Problem]:
        """Every problem, in a stable order."""

    def get(self, problem_id: str, **options: Any) -> Problem:
        for problem in self.problems(**options):
            if problem.id == problem_id:
                return problem
        ids = [p.id for p in self.problems(**options)]
        close = [i for i in ids if problem_id.lower() in i.lower()][:5] or ids[:5]
        raise UnknownProblemError(f"{self.name} has no problem {problem_id!r}; e.g. {', '.join(close)}")


def content_version(root: Path) -> str:
    """12 hex digits of a SHA-256 over (relative path, bytes) of every file below `root`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "__pycache__"):
        if path.suffix == ".pyc":
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]
