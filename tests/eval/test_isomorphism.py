"""Structural decisions: WL-hard non-isomorphic pairs, symmetric isomorphic pairs, mappings applied and checked."""

from __future__ import annotations

import math
import time
from collections import Counter

import networkx as nx
import numpy as np
import pytest

from eval import exact
from eval.compare import CompareOptions, Comparison, Verdict, compare
from eval.graph import build_pair
from eval.isomorphism import StructureVerdict, decide
from eval.normalize import normalize
from eval.refine import refine, union_of
from eval.scramble import scramble
from solvers.linear import LinearModel, ObjectiveSense

INF = math.inf
STRUCTURE_ONLY = CompareOptions(solve="never")
EXACT_METHODS = ["auto", "vf2pp", "individualise"]


def half_spaces(model: LinearModel, rename: dict[str, str] | None = None) -> Counter:
    """Independent canonical form for checking a mapping: rows as scaled `<=` half-spaces, names renamed."""
    rename = rename or {}
    out: Counter = Counter()
    for i in range(model.num_rows):
        terms = [(rename.get(name, name), a) for name, a in model.row_terms(i)]
        for bound, sign in ((model.row_upper[i], 1.0), (model.row_lower[i], -1.0)):
            if math.isinf(bound):
                continue
            scale = max(abs(a) for _, a in terms)
            key = tuple(sorted((name, round(sign * a / scale, 9)) for name, a in terms))
            out[(key, round(sign * bound / scale, 9))] += 1
    return out


def assert_mapping_applies(result: Comparison, candidate: LinearModel, reference: LinearModel) -> None:
    """Rename the candidate with the returned mapping and check it *is* the reference, number by number."""
    mapping = result.mapping
    assert mapping is not None
    assert sorted(mapping) == sorted(candidate.var_names)
    assert sorted(mapping.values()) == sorted(reference.var_names)
    ref_index = {name: j for j, name in enumerate(reference.var_names)}
    c_sign = -1.0 if candidate.sense is ObjectiveSense.MAXIMIZE else 1.0
    r_sign = -1.0 if reference.sense is ObjectiveSense.MAXIMIZE else 1.0
    for j, name in enumerate(candidate.var_names):
        r = ref_index[mapping[name]]
        assert math.isclose(
            c_sign * candidate.objective[j], r_sign * reference.objective[r], rel_tol=1e-9, abs_tol=1e-12
        )
        assert candidate.integrality[j] == reference.integrality[r]
        assert candidate.lower[j] == reference.lower[r] and candidate.upper[j] == reference.upper[r]
    assert half_spaces(candidate, mapping) == half_spaces(reference)


# ---------------------------------------------------------------------------------------------- WL-hard negatives
@pytest.mark.parametrize("method", EXACT_METHODS)
def test_ten_cycle_is_not_four_plus_six_cycle(models, method):
    a, b = models.cycles([10]), models.cycles([4, 6])
    norm_a, norm_b = normalize(a), normalize(b)
    pair = build_pair(norm_a, norm_b, rel_tol=1e-6, abs_tol=1e-9)
    refinement = refine(union_of(pair))
    assert refinement.histograms_equal() and refinement.num_colours == 2  # colour refinement is fooled
    result = decide(norm_a, norm_b, exact_method=method)
    assert result.verdict is not StructureVerdict.ISOMORPHIC
    if method != "individualise":  # greedy individualisation can only say "found"
        assert result.verdict is StructureVerdict.NOT_ISOMORPHIC


def test_wl_hard_pair_with_same_optimum_is_same_optimum_not_isomorphic(models):
    result = compare(models.cycles([10]), models.cycles([4, 6]))
    assert result.verdict is Verdict.SAME_OPTIMUM  # both optima are 5
    assert result.reference_objective == pytest.approx(5.0) and result.candidate_objective == pytest.approx(5.0)
    assert result.diagnostics.structure == "not_isomorphic"


def test_nine_cycle_is_different_from_three_triangles(models):
    result = compare(models.cycles([9]), models.cycles([3, 3, 3]))
    assert result.verdict is Verdict.DIFFERENT
    assert (result.candidate_objective, result.reference_objective) == (pytest.approx(4.0), pytest.approx(3.0))


@pytest.mark.parametrize("seed", range(4))
def test_random_cubic_graphs_are_told_apart(models, seed):
    """Two random 3-regular graphs: identical colour refinement; the exact tier must decide."""
    g1 = nx.random_regular_graph(3, 16, seed=seed)
    g2 = nx.random_regular_graph(3, 16, seed=seed + 100)
    a, b = models.from_edges(16, list(g1.edges())), models.from_edges(16, list(g2.edges()))
    result = compare(a, b, STRUCTURE_ONLY)
    if nx.is_isomorphic(g1, g2):
        assert result.verdict is Verdict.ISOMORPHIC
    else:
        assert result.verdict is Verdict.DIFFERENT
    assert result.diagnostics.wl_rounds == 0  # nothing to refine: only the exact tier can tell


def test_colour_sets_equal_but_histograms_differ(models):
    """ORGEval compares colour *sets*; {2,2,3} vs {2,3,3} must differ (spec 1.4.a)."""

    def model(coefs):
        rows = [[0.0] * 6 for _ in range(3)]
        for k, c in enumerate(coefs):
            rows[k][2 * k], rows[k][2 * k + 1] = 1.0, float(c)
        return models.make(rows, [-INF] * 3, [1.0] * 3, c=[1.0] * 6, sense="maximize")

    result = compare(model([2, 2, 3]), model([2, 3, 3]), STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert result.diagnostics.method == "colour refinement"


def test_disjoint_copies_versus_a_cover(models):
    """Three 8-cycles vs one 24-cycle (a 3-fold cover): same colours, one side decomposes, the other not."""
    result = compare(models.cycles([8, 8, 8]), models.cycles([24]), STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert result.diagnostics.structure == "not_isomorphic"


# ---------------------------------------------------------------------------------------------- positives
def test_random_model_scrambled_is_isomorphic_with_the_true_mapping(models):
    ref = models.random_milp(7)
    s = scramble(ref, 11)
    result = compare(s.model, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.ISOMORPHIC
    assert result.identical  # random data: the colouring is discrete, no search needed
    truth = {new: old for old, new in s.var_names.items()}
    assert result.mapping == truth
    assert_mapping_applies(result, s.model, ref)
    assert result.constraint_mapping == {new: [old] for old, new in s.row_names.items()}


def test_same_names_shortcut(models):
    ref = models.assignment(6)
    result = compare(scramble(ref, 1, rename=False).model, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.ISOMORPHIC
    assert result.diagnostics.method == "names"
    assert all(a == b for a, b in result.mapping.items())


# VF2++ is exponential on symmetric models (that is why it is only the fallback), so it gets the 3x3 case only.
@pytest.mark.parametrize(
    ("method", "n"),
    [(m, n) for m in EXACT_METHODS for n in (3, 5, 8) if m != "vf2pp" or n == 3],
)
def test_uniform_assignment_is_isomorphic(models, method, n):
    ref = models.assignment(n)
    cand = scramble(ref, n).model
    started = time.perf_counter()
    result = compare(cand, ref, CompareOptions(solve="never", exact_method=method))
    assert result.verdict is Verdict.ISOMORPHIC, result.reason
    assert time.perf_counter() - started < 5.0
    assert result.diagnostics.discrete is False
    assert_mapping_applies(result, cand, ref)


def test_large_uniform_assignment_is_quick(models):
    ref = models.assignment(30)
    cand = scramble(ref, 5).model
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.ISOMORPHIC
    assert result.seconds < 2.0
    assert_mapping_applies(result, cand, ref)


@pytest.mark.parametrize("sizes", [[4, 4, 4, 4, 4], [3, 5, 7, 2, 6]])
def test_bin_packing_with_identical_bins_is_isomorphic(models, sizes):
    ref = models.bin_packing(sizes, bins=4, capacity=10)
    cand = scramble(ref, 9).model
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.ISOMORPHIC
    assert_mapping_applies(result, cand, ref)


def test_bin_packing_with_one_smaller_bin_is_not(models):
    ref = models.bin_packing([4, 4, 4, 4, 4], bins=4, capacity=10)
    cand = ref.copy()
    cand.A = cand.A.copy()
    j = cand.var_names.index("y[3]")
    cand.A[cand.row_names.index("cap[3]"), j] = -9.0
    result = compare(cand, ref, STRUCTURE_ONLY)
    assert result.verdict is Verdict.DIFFERENT
    assert any("cap[3]" in d.message and "-9 vs -10" in d.message for d in result.differences)


# ---------------------------------------------------------------------------------------------- exact back-ends
def test_backends_agree_on_small_pairs(models):
    pairs = [
        (models.cycles([10]), models.cycles([4, 6]), False),
        (models.cycles([10]), scramble(models.cycles([10]), 1).model, True),
        (models.assignment(4), scramble(models.assignment(4), 2).model, True),
    ]
    for a, b, isomorphic in pairs:
        na, nb = normalize(a), normalize(b)
        pair = build_pair(na, nb, rel_tol=1e-6, abs_tol=1e-9)
        refinement = refine(union_of(pair))
        backends = (exact.bliss, exact.vf2pp) if exact.has_igraph() else (exact.vf2pp,)
        for backend in backends:
            outcome, mapping, _ = exact.run_with_time_limit(backend, (pair, refinement), 20.0)
            assert outcome == ("found" if isomorphic else "none")
            assert (mapping is not None) == isomorphic


def test_time_limit_stops_a_slow_backend():
    def slow(x: int) -> np.ndarray:
        time.sleep(5)
        return np.zeros(x)

    started = time.perf_counter()
    outcome, mapping, message = exact.run_with_time_limit(slow, (3,), 0.3)
    assert outcome == "timeout" and mapping is None and "0.3" in (message or "")
    assert time.perf_counter() - started < 3.0


def test_backend_errors_are_reported_not_raised():
    def broken() -> np.ndarray:
        raise RuntimeError("boom")

    assert exact.run_with_time_limit(broken, (), 5.0)[0] == "error"
    assert exact.run_with_time_limit(broken, (), None)[0] == "error"


def test_undecided_is_never_isomorphic(models):
    """With the exact tier switched off, a symmetric pair stays undecided and the verdict is not isomorphic."""
    a, b = models.cycles([10]), models.cycles([4, 6])
    result = compare(a, b, CompareOptions(solve="never", exact_method="none"))
    assert result.verdict is Verdict.DIFFERENT
    assert result.diagnostics.structure == "undecided"
    result = compare(a, b, CompareOptions(exact_method="none"))
    assert result.verdict is Verdict.SAME_OPTIMUM


def test_rejected_mapping_is_not_accepted(models, monkeypatch):
    """If a back-end proposes a wrong mapping, verification refuses it."""
    ref = models.assignment(4)
    cand = scramble(ref, 3).model

    def liar(pair, refinement):
        return np.arange(pair.candidate.num_nodes)

    monkeypatch.setattr(exact, "symmetric_decomposition", lambda pair, refinement: None)
    monkeypatch.setattr(exact, "individualise", lambda union, refinement, **kw: None)
    monkeypatch.setattr(exact, "bliss", liar)
    result = compare(cand, ref, CompareOptions(solve="never", exact_method="bliss", exact_time_limit=None))
    assert result.verdict is not Verdict.ISOMORPHIC
    assert any("rejected by verification" in note for note in result.diagnostics.notes)
