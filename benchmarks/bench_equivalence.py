"""Speed and soundness of the equivalence evaluator (``eval/``), measured in one run.

Sections (all on by default; ``--only NAME`` runs one):

* ``highs``: every readable HiGHS check instance is paired with a randomly permuted, renamed, row-scaled (some
  rows flipped), objective-flipped copy of itself; the structural verdict (``solve="never"``) is timed and
  printed as a ratio to the time HiGHS takes to solve both models (ORGEval's headline comparison), with the
  median over all instances and over the Netlib/MIPLIB-size ones (>= 1000 non-zeros; goal: median <= 0.1).
  The verdict is the best of three runs and each solve the best of two when it is short (noise).
  The verdict must be ``isomorphic`` for every instance.
* ``random``: a pair of ~100k-non-zero random MILPs (isomorphic copy, one coefficient changed, independent),
  and large uniform assignment models (symmetric: colour refinement alone cannot decide them).
* ``exact``: the exact-tier back-ends on symmetric models (bliss via python-igraph, greedy individualisation,
  networkx VF2++), each under a time limit — the measurements behind the choice of back-end.
* ``small``: in-process latency of a small pair: every linear OptiBench reference model against a scrambled
  copy (median and p90 over the models; goal: median <= 3 ms).
* ``regular``: label-free random 3-regular bipartite structures (colour refinement gives one colour per side),
  an isomorphic copy and an independent one: decided, or undecided with the reason, within the time limit.
* ``optibench``: every linear OptiBench reference model must be ``isomorphic`` to a scrambled copy of itself
  and ``different`` from a scrambled copy with one coefficient changed where the change alters the optimum
  (`eval.selfcheck`); quadratic models are reported as out of scope.

Datasets are read from ``benchmarks/datasets/<name>`` when present, else ``../shared/datasets/<name>``.
Run: ``.venv/bin/python benchmarks/bench_equivalence.py [--only highs] [--solve-time-limit 60]``.
The machine is noisy: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eval import exact  # noqa: E402
from eval.compare import CompareOptions, Verdict, compare  # noqa: E402
from eval.graph import build_pair  # noqa: E402
from eval.normalize import normalize  # noqa: E402
from eval.refine import refine, union_of  # noqa: E402
from eval.scramble import perturb, regular_bipartite, scramble  # noqa: E402
from solvers.highs import solve  # noqa: E402
from solvers.linear import LinearModel  # noqa: E402
from solvers.result import SolveOptions, SolveStatus  # noqa: E402

STRUCTURE_ONLY = CompareOptions(solve="never")


def dataset(name: str) -> Path | None:
    for base in (ROOT / "benchmarks" / "datasets", ROOT.parent / "shared" / "datasets"):
        if (base / name).is_dir():
            return base / name
    return None


def read(path: Path) -> LinearModel:
    from solvers.io import read_model

    return read_model(path)


# ---------------------------------------------------------------------------------------------- highs
def bench_highs(time_limit: float, seed: int) -> bool:
    folder = dataset("highs")
    if folder is None:
        print("highs: dataset folder not found (benchmarks/datasets/highs or ../shared/datasets/highs); skipped")
        return True
    print(f"\n== HiGHS check instances ({folder}) vs a scrambled copy: verdict time / time to solve both ==")
    print(f"{'instance':<22}{'nnz':>8}  {'verdict':<11}{'method':<24}{'verdict s':>10}{'solve s':>10}{'ratio':>9}")
    ratios: list[float] = []
    sizes: list[int] = []
    ok = True
    skipped: list[str] = []
    compare(scramble(_warmup(), 0).model, _warmup(), STRUCTURE_ONLY)
    opts = SolveOptions(time_limit=time_limit, compute_iis=False)
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".mps", ".lp") and not path.name.endswith((".mps.gz", ".lp.gz")):
            continue
        try:
            model = read(path)
        except Exception as exc:  # noqa: BLE001 - malformed and quadratic test files are expected here
            skipped.append(f"{path.name} ({type(exc).__name__})")
            continue
        copy = scramble(model, seed).model
        result = min((compare(copy, model, STRUCTURE_ONLY) for _ in range(3)), key=lambda r: r.seconds)
        solve_seconds = float("inf")
        for _attempt in range(2):
            started = time.perf_counter()
            a = solve(model, opts)
            b = solve(copy, opts)
            solve_seconds = min(solve_seconds, time.perf_counter() - started)
            if solve_seconds > 0.5:
                break
        limited = SolveStatus.TIME_LIMIT in (a.status, b.status)
        ratio = result.seconds / max(solve_seconds, 1e-9)
        ratios.append(ratio)
        sizes.append(model.nnz)
        flag = " (solve hit the time limit)" if limited else ""
        ok &= result.verdict is Verdict.ISOMORPHIC
        print(
            f"{path.stem:<22}{model.nnz:>8}  {result.verdict.value:<11}{result.diagnostics.method:<24}"
            f"{result.seconds:>10.4f}{solve_seconds:>10.4f}{ratio:>9.3f}{flag}"
        )
    if ratios:
        print(f"instances: {len(ratios)}; all isomorphic: {ok}")
        values, nnz = np.array(ratios), np.array(sizes)
        for label, mask in (("all", nnz >= 0), ("nnz < 1000", nnz < 1000), ("nnz >= 1000", nnz >= 1000)):
            if mask.any():
                part = values[mask]
                print(
                    f"  ratio verdict / solve both, {label:<12} ({int(mask.sum()):>2} instances): median "
                    f"{float(np.median(part)):.3f}, geometric mean {float(np.exp(np.mean(np.log(part)))):.3f}, "
                    f"max {float(part.max()):.3f}"
                )
        big = values[nnz >= 1000]
        if big.size:
            median = float(np.median(big))
            print(
                f"  Netlib/MIPLIB-size (nnz >= 1000): median ratio {median:.3f} (goal <= 0.1: "
                f"{'met' if median <= 0.1 else 'NOT met'})"
            )
    if skipped:
        print(f"not readable as linear models (expected for malformed/QP files): {', '.join(skipped)}")
    return ok


def _warmup() -> LinearModel:
    return LinearModel.from_arrays(
        name="warm",
        var_names=["a", "b"],
        lower=[0, 0],
        upper=[1, 1],
        integrality=[True, False],
        objective=[1, 2],
        A=np.array([[1.0, 2.0]]),
        row_lower=[-np.inf],
        row_upper=[2.0],
        row_names=["r"],
    )


# ---------------------------------------------------------------------------------------------- random
def random_model(rng: np.random.Generator, m: int, n: int, per_row: int) -> LinearModel:
    rows = np.repeat(np.arange(m), per_row)
    cols = np.concatenate([rng.choice(n, per_row, replace=False) for _ in range(m)])
    A = sp.csr_matrix((rng.integers(1, 50, rows.size).astype(float), (rows, cols)), shape=(m, n))
    hi = rng.integers(50, 500, m).astype(float)
    lo = np.where(rng.random(m) < 0.2, hi, -np.inf)
    return LinearModel.from_arrays(
        name="random",
        var_names=[f"x[{j}]" for j in range(n)],
        lower=np.zeros(n),
        upper=rng.integers(5, 50, n).astype(float),
        integrality=rng.random(n) < 0.3,
        objective=rng.integers(-20, 20, n).astype(float),
        A=A,
        row_lower=lo,
        row_upper=hi,
        row_names=[f"c[{i}]" for i in range(m)],
    )


def assignment(n: int) -> LinearModel:
    i, j = np.divmod(np.arange(n * n), n)
    A = sp.csr_matrix(
        (np.ones(2 * n * n), (np.r_[i, n + j], np.r_[np.arange(n * n), np.arange(n * n)])), shape=(2 * n, n * n)
    )
    return LinearModel.from_arrays(
        name=f"assignment{n}",
        var_names=[f"x[{a},{b}]" for a, b in zip(i.tolist(), j.tolist(), strict=True)],
        lower=np.zeros(n * n),
        upper=np.ones(n * n),
        integrality=np.ones(n * n, dtype=bool),
        objective=np.ones(n * n),
        A=A,
        row_lower=np.ones(2 * n),
        row_upper=np.ones(2 * n),
        row_names=[f"row[{a}]" for a in range(n)] + [f"col[{b}]" for b in range(n)],
    )


def bench_random(seed: int) -> bool:
    print("\n== ~100k non-zeros: structural verdict time (no solving) ==")
    rng = np.random.default_rng(seed)
    ref = random_model(rng, 10_000, 15_000, 10)
    cases = {
        "isomorphic copy": (scramble(ref, seed + 1).model, Verdict.ISOMORPHIC),
        "one coefficient changed": (
            scramble(perturb(ref, 77, int(ref.A.indices[ref.A.indptr[77]]), 123.0), seed + 2).model,
            Verdict.DIFFERENT,
        ),
        "independent random model": (random_model(rng, 10_000, 15_000, 10), Verdict.DIFFERENT),
    }
    ok = True
    for label, (cand, expected) in cases.items():
        best = min((compare(cand, ref, STRUCTURE_ONLY) for _ in range(3)), key=lambda r: r.seconds)
        ok &= best.verdict is expected
        d = best.diagnostics
        print(
            f"{label:<28} nnz {ref.nnz:>7}: {best.verdict.value:<10} by {d.method:<20} {best.seconds:7.3f} s "
            f"(structural {d.structural_seconds:.3f}, explanation {d.explain_seconds:.3f}, rounds {d.wl_rounds})"
        )
        if best.differences:
            print(f"{'':<30}first difference: {best.differences[0].message[:150]}")
    for n in (100, 300):
        model = assignment(n)
        result = compare(scramble(model, seed).model, model, STRUCTURE_ONLY)
        ok &= result.verdict is Verdict.ISOMORPHIC
        print(
            f"uniform assignment {n}x{n:<11} nnz {model.nnz:>7}: {result.verdict.value:<10} by "
            f"{result.diagnostics.method:<20} {result.seconds:7.3f} s "
            f"(exact tier {result.diagnostics.exact_seconds:.3f})"
        )
    return ok


# ---------------------------------------------------------------------------------------------- exact tier
def bench_exact(seed: int, limit: float) -> None:
    print(f"\n== exact tier back-ends on a scrambled pair (time limit {limit:g} s each; 'none' = proved different) ==")
    cases = [(f"assignment {n}x{n}", assignment(n)) for n in (5, 6, 8, 20, 60, 100)]
    rng = np.random.default_rng(seed)
    cases.append(("random 10k nodes (discrete)", random_model(rng, 2_000, 3_000, 4)))
    print(f"{'model':<28}{'nodes':>7}{'bliss':>16}{'batch IR':>16}{'single IR':>16}{'vf2pp':>16}")
    for label, model in cases:
        copy = scramble(model, seed).model
        na, nb = normalize(copy), normalize(model)
        pair = build_pair(na, nb, rel_tol=1e-6, abs_tol=1e-9)
        union = union_of(pair)
        refinement = refine(union)
        cells = []
        for name in ("bliss", "batch", "single", "vf2pp"):
            started = time.perf_counter()
            if name in ("batch", "single"):
                mapping = exact.individualise(
                    union, refinement, batch=name == "batch", max_steps=100_000, deadline=started + limit
                )
                outcome = "found" if mapping is not None else "gave up"
            else:
                backend = exact.bliss if name == "bliss" else exact.vf2pp
                outcome, _, _ = exact.run_with_time_limit(backend, (pair, refinement), limit)
            cells.append(f"{outcome} {time.perf_counter() - started:.3f}s")
        print(f"{label:<28}{pair.candidate.num_nodes:>7}" + "".join(f"{cell:>16}" for cell in cells))


# ---------------------------------------------------------------------------------------------- small pairs
def bench_small(seed: int) -> bool:
    from benchmarks.datasets import get_dataset

    try:
        problems = list(get_dataset("optibench").problems())
    except Exception as exc:  # noqa: BLE001 - a missing dataset skips the section
        print(f"small: OptiBench dataset unavailable ({type(exc).__name__}: {exc}); skipped")
        return True
    print("\n== small pairs in-process: each linear OptiBench reference vs a scrambled copy (best of 5 each) ==")
    seconds: list[float] = []
    ok = True
    for problem in problems:
        try:
            model = problem.reference()
        except Exception:  # noqa: BLE001 - quadratic/unreadable references are out of scope here
            continue
        copy = scramble(model, seed).model
        compare(copy, model)  # warm caches (first call of a shape)
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            result = compare(copy, model)
            best = min(best, time.perf_counter() - started)
        ok &= result.verdict is Verdict.ISOMORPHIC
        seconds.append(best)
    if not seconds:
        print("no linear references")
        return True
    ms = np.array(seconds) * 1000.0
    median = float(np.median(ms))
    print(
        f"pairs {ms.size}: median {median:.2f} ms, p90 {float(np.percentile(ms, 90)):.2f} ms, max {float(ms.max()):.2f}"
        f" ms (goal: median <= 3 ms: {'met' if median <= 3.0 else 'NOT met'}); all isomorphic: {ok}"
    )
    return ok


# ---------------------------------------------------------------------------------------------- regular graphs


def bench_regular(seed: int, limit: float) -> bool:
    print(f"\n== label-free 3-regular bipartite structures (exact time limit {limit:g} s) ==")
    rng = np.random.default_rng(seed)
    ok = True
    options = CompareOptions(solve="never", exact_time_limit=limit)
    for n in (1_000, 10_000):
        ref = regular_bipartite(rng, n)
        for label, cand, expected in (
            ("isomorphic copy", scramble(ref, seed).model, Verdict.ISOMORPHIC),
            ("independent structure", regular_bipartite(rng, n), Verdict.DIFFERENT),
        ):
            result = compare(cand, ref, options)
            d = result.diagnostics
            decided = d.structure != "undecided"
            ok &= result.verdict is expected and (decided or bool(d.structure_reason))
            reason = "" if decided else f" reason: {d.structure_reason}"
            print(
                f"{2 * n:>6} nodes, {label:<22}: {result.verdict.value:<10} structure {d.structure:<14} by "
                f"{d.method:<18} {result.seconds:7.3f} s{reason}"
            )
    return ok


# ---------------------------------------------------------------------------------------------- optibench
def bench_optibench(seed: int, time_limit: float) -> bool:
    from eval.selfcheck import self_check

    folder = dataset("optibench-equiv")
    if folder is None:
        print("optibench: dataset folder not found; skipped")
        return True
    print(f"\n== OptiBench reference models ({folder}): scrambled copy and one-coefficient change ==")
    files = sorted(folder.rglob("reference_answer.lp"))
    counts = {"models": len(files), "linear": 0, "isomorphic": 0, "changed": 0, "different": 0, "explained": 0}
    out_of_scope: list[str] = []
    no_change: dict[str, int] = {}
    failures: list[str] = []
    started = time.perf_counter()
    for path in files:
        label = str(path.parent.relative_to(folder))
        try:
            model = read(path)
        except Exception as exc:  # noqa: BLE001 - failures are reported, never allowed to crash the command
            detail = str(exc).split(": ", 1)[-1]
            out_of_scope.append(f"{label}: {type(exc).__name__}: {detail[:100]}")
            continue
        counts["linear"] += 1
        check = self_check(model, seed=seed, solve_time_limit=time_limit)
        counts["isomorphic"] += check.scrambled.verdict is Verdict.ISOMORPHIC
        if check.scrambled.verdict is not Verdict.ISOMORPHIC:
            failures.append(f"{label}: scrambled copy is {check.scrambled.verdict.value}: {check.scrambled.reason}")
        if check.perturbed is None:
            key = check.reference_status.value
            no_change[key] = no_change.get(key, 0) + 1
            continue
        counts["changed"] += 1
        counts["different"] += check.perturbed.verdict is Verdict.DIFFERENT
        counts["explained"] += check.explained
        if check.perturbed.verdict is not Verdict.DIFFERENT:
            failures.append(f"{label}: {check.change} gave {check.perturbed.verdict.value}: {check.perturbed.reason}")
    print(
        f"models {counts['models']}, linear {counts['linear']}, out of scope {len(out_of_scope)}; "
        f"scrambled copy isomorphic {counts['isomorphic']}/{counts['linear']}; "
        f"optimum-changing coefficient found for {counts['changed']}, verdict different {counts['different']}/"
        f"{counts['changed']}, explanation names the changed row {counts['explained']}/{counts['changed']}; "
        f"{time.perf_counter() - started:.1f} s"
    )
    if no_change:
        print(f"no single coefficient change (40 tries) altered status/optimum, by reference status: {no_change}")
    for line in out_of_scope[:10]:
        print(f"  out of scope: {line}")
    for line in failures:
        print(f"  FAIL {line}")
    return not failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["highs", "random", "small", "regular", "exact", "optibench"], default=None)
    parser.add_argument("--solve-time-limit", type=float, default=60.0)
    parser.add_argument("--exact-time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"exact back-end available: bliss (python-igraph) = {exact.has_igraph()}")
    ok = True
    if args.only in (None, "highs"):
        ok &= bench_highs(args.solve_time_limit, args.seed)
    if args.only in (None, "random"):
        ok &= bench_random(args.seed)
    if args.only in (None, "small"):
        ok &= bench_small(args.seed)
    if args.only in (None, "regular"):
        ok &= bench_regular(args.seed, args.exact_time_limit)
    if args.only in (None, "exact"):
        bench_exact(args.seed, args.exact_time_limit)
    if args.only in (None, "optibench"):
        ok &= bench_optibench(args.seed, min(args.solve_time_limit, 30.0))
    print("\nall checks passed" if ok else "\nSOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
