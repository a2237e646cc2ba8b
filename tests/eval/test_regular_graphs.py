"""Label-free regular structures: colour refinement gives one colour per side, so the exact tier decides.

A pair is either decided (and an ``isomorphic`` verdict verified) or reported as undecided with the reason in
the comparison's diagnostics and reason, never silently.
"""

from __future__ import annotations

import numpy as np

from eval.compare import CompareOptions, Verdict, compare
from eval.isomorphism import StructureVerdict, decide, verify_mapping
from eval.normalize import normalize
from eval.scramble import regular_bipartite as random_regular_bipartite
from eval.scramble import scramble
from solvers.linear import LinearModel


def regular_bipartite(seed: int, n: int, degree: int = 3) -> LinearModel:
    return random_regular_bipartite(np.random.default_rng(seed), n, degree)


def test_regular_copy_is_isomorphic_and_verified() -> None:
    reference = regular_bipartite(1, 300)
    candidate = scramble(reference, 2).model
    na, nb = normalize(candidate), normalize(reference)
    structural = decide(na, nb, exact_time_limit=30.0)
    assert structural.refinement is not None
    assert structural.refinement.num_colours == 2  # refinement alone cannot tell anything apart
    assert structural.verdict is StructureVerdict.ISOMORPHIC
    assert structural.var_map is not None and structural.row_map is not None
    assert verify_mapping(na, nb, structural.var_map, structural.row_map, rel_tol=1e-6, abs_tol=1e-9) is None
    result = compare(candidate, reference, CompareOptions(solve="never", exact_time_limit=30.0))
    assert result.verdict is Verdict.ISOMORPHIC


def test_independent_regular_structures_are_not_isomorphic() -> None:
    reference = regular_bipartite(1, 300)
    candidate = scramble(regular_bipartite(3, 300), 4).model
    result = compare(candidate, reference, CompareOptions(solve="never", exact_time_limit=30.0))
    assert result.diagnostics.structure == "not_isomorphic"
    assert result.verdict is Verdict.DIFFERENT


def test_large_regular_pair_under_a_tiny_time_limit_is_undecided_with_the_reason() -> None:
    reference = regular_bipartite(5, 10_000)
    candidate = scramble(reference, 6).model
    result = compare(candidate, reference, CompareOptions(solve="never", exact_time_limit=0.01))
    d = result.diagnostics
    if d.structure == "isomorphic":  # a lucky greedy mapping is still a verified answer
        assert result.verdict is Verdict.ISOMORPHIC
        return
    assert d.structure == "undecided"
    assert result.verdict is not Verdict.ISOMORPHIC
    assert "did not finish" in d.structure_reason or "found no mapping" in d.structure_reason
    assert d.structure_reason in result.reason
    assert "could not decide" in result.reason
    assert any(d.structure_reason in note for note in d.notes) or "found no mapping" in d.structure_reason
