"""Shared helpers for the v2 language tests: build a spec from sections, compile, solve, brute-force."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pytest

from formulation.v2.compiler import CompiledV2, CompileOptionsV2, ModelBuildErrorV2, compile_v2
from formulation.v2.solving import solve_v2
from formulation.v2.spec import SpecV2
from solvers.lexicographic import LexicographicResult
from solvers.result import SolveStatus


def spec(**sections: Any) -> SpecV2:
    """A SpecV2 with empty sections except those given."""
    base: dict[str, Any] = {"plan": "test", "assumptions": [], "sets": [], "parameters": [], "variables": [],
                            "objectives": [], "constraints": []}
    base.update(sections)
    return SpecV2(**base)


def build(data: Mapping[str, Any] | None = None, options: CompileOptionsV2 | None = None,
          **sections: Any) -> CompiledV2:
    return compile_v2(spec(**sections), data, options)


def solve(data: Mapping[str, Any] | None = None, **sections: Any) -> tuple[CompiledV2, LexicographicResult]:
    """Compile and solve; every level must be optimal."""
    compiled = build(data, **sections)
    outcome = solve_v2(compiled)
    assert outcome.complete, outcome.message
    return compiled, outcome


def optimum(data: Mapping[str, Any] | None = None, **sections: Any) -> float:
    _, outcome = solve(data, **sections)
    value = outcome.objectives[0]
    assert value is not None
    return value


def errors(data: Mapping[str, Any] | None = None, options: CompileOptionsV2 | None = None,
           **sections: Any) -> list[str]:
    """The error lines of a spec that must not compile."""
    with pytest.raises(ModelBuildErrorV2) as info:
        build(data, options, **sections)
    return info.value.errors


def one_error(data: Mapping[str, Any] | None = None, **sections: Any) -> str:
    found = errors(data, **sections)
    assert len(found) == 1, found
    return found[0]


def brute(domains: Sequence[Iterable[int]], objective: Callable[..., float],
          feasible: Callable[..., bool] = lambda *v: True, maximize: bool = False) -> float:
    """The best objective over every combination of the domains' values that is feasible."""
    values = [objective(*point) for point in itertools.product(*domains) if feasible(*point)]
    assert values, "the brute force found no feasible point"
    return max(values) if maximize else min(values)


def binaries(compiled: CompiledV2) -> int:
    """Number of auxiliary binary columns lowering added."""
    return sum(1 for j in compiled.column_origins if compiled.model.integrality[j])


def encodings(compiled: CompiledV2) -> set[str]:
    return {origin.encoding for origin in compiled.row_origins}


def is_optimal(outcome: LexicographicResult) -> bool:
    return all(s is SolveStatus.OPTIMAL for s in outcome.statuses)
