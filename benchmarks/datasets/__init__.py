"""Benchmark datasets shipped with milpflow, each with its licence, source note and content version.

`get_dataset(name)` returns a loader (`benchmarks.datasets.base.Dataset`); `list_datasets()` names them.
"""

from __future__ import annotations

from benchmarks.datasets.base import Dataset, Problem, ProblemTags, UnknownProblemError
from solvers.errors import MilpflowError

__all__ = ["DATASET_NAMES", "Dataset", "Problem", "ProblemTags", "UnknownDatasetError", "UnknownProblemError",
           "get_dataset", "list_datasets"]

DATASET_NAMES = ("optibench", "nl4opt", "highs")


class UnknownDatasetError(MilpflowError, KeyError):
    """The name is not a shipped dataset; the message lists the valid names."""


def get_dataset(name: str) -> Dataset:
    if name == "optibench":
        from benchmarks.datasets.optibench import OptiBench

        return OptiBench()
    if name == "nl4opt":
        from benchmarks.datasets.nl4opt import NL4Opt

        return NL4Opt()
    if name == "highs":
        from benchmarks.datasets.highs import HighsInstances

        return HighsInstances()
    raise UnknownDatasetError(f"no dataset {name!r}; choose one of {', '.join(DATASET_NAMES)}")


def list_datasets() -> list[Dataset]:
    return [get_dataset(name) for name in DATASET_NAMES]
