"""Compare a candidate model with a reference model: the verdict ladder people quote numbers from.

Contract (see ``DESIGN.md``, `Comparison`):

* ``isomorphic``: after normalisation (`eval.normalize`) the models are the same up to renaming and
  reordering variables and constraints, within `CompareOptions.rel_tol`. Only returned with a mapping that
  was applied to the candidate and checked entry by entry (`eval.isomorphism.verify_mapping`); never from
  colour refinement alone.
* ``same_optimum``: not isomorphic (or undecided), but both models solve to the same status and, when
  optimal, the same objective within `CompareOptions.objective_tolerance` (strict 1e-6 by default, lenient
  1e-4, or custom; the tolerance used is part of the result). Objectives are compared in the reference's
  sense: a candidate that maximises ``-f`` where the reference minimises ``f`` is compared by its negated value.
* ``both_infeasible``: not isomorphic, and both models are infeasible (proven by normalisation or by the
  solver). Ranked below ``same_optimum`` and above ``different``: the statuses agree, but any two infeasible
  models agree, so this is no evidence of structural or objective equality (`eval.metrics` scores it as
  status-correct only). Structurally equivalent infeasible models stay ``isomorphic``.
* ``different``: anything else (including "structures differ and the solver tier was skipped or could not
  finish"); `Comparison.differences` names what differs.
* ``invalid``: the candidate cannot be read or built (`Comparison.invalid`).

Normalisation undoes reformulations (fixed variables, slacks, split free variables, rescaled continuous
variables: `eval.normalize` N5, N11-N13, all on by default) and the reason names each one undone, per side.
The pair is first decided without column scaling (N13) and only then with it, so that a pair that is not
isomorphic is explained in the models' own units.

The structural verdict never waits for a solver: solving happens only when structures differ (or when
`CompareOptions.solve` is ``always``), and the seconds of each part are reported separately.
"""

from __future__ import annotations

import math
import time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from eval.explain import Difference, DifferenceKind, explain
from eval.isomorphism import ExactMethod, StructuralResult, StructureVerdict, decide
from eval.normalize import NormalizedModel, normalize
from solvers.linear import LinearModel, ModelDataError, ObjectiveSense
from solvers.result import SolveOptions, SolveResult, SolveStatus

__all__ = [
    "LENIENT",
    "STRICT",
    "CompareOptions",
    "Comparison",
    "Diagnostics",
    "Difference",
    "DifferenceKind",
    "ObjectiveTolerance",
    "SolveMode",
    "Verdict",
    "compare",
    "objectives_agree",
]


class Verdict(StrEnum):
    """The verdict ladder, strongest first."""

    ISOMORPHIC = "isomorphic"
    SAME_OPTIMUM = "same_optimum"
    BOTH_INFEASIBLE = "both_infeasible"
    """Not structurally equivalent, and both models are infeasible: agreement on status says nothing about
    structure (any two infeasible models agree), so it is neither ``same_optimum`` nor ``isomorphic``."""
    DIFFERENT = "different"
    INVALID = "invalid"


class SolveMode(StrEnum):
    """When the solver tier runs."""

    NEVER = "never"
    IF_NEEDED = "if_needed"
    """Only when the structures are not proven isomorphic (the default)."""
    ALWAYS = "always"
    """Also for isomorphic pairs, so that statuses and objectives are always reported."""


class ObjectiveTolerance(BaseModel):
    """How close two optimal objective values must be: ``|a - b| <= abs + rel * max(|a|, |b|)``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Preset name: strict, lenient or custom.")
    rel: float = Field(ge=0, description="Relative tolerance.")
    abs: float = Field(ge=0, description="Absolute tolerance.")

    @classmethod
    def custom(cls, rel: float, abs_tol: float | None = None) -> ObjectiveTolerance:
        """A custom tolerance (absolute part defaults to the relative one)."""
        return cls(name="custom", rel=rel, abs=rel if abs_tol is None else abs_tol)

    def allows(self, a: float, b: float) -> bool:
        """True when `a` and `b` are equal within this tolerance."""
        return abs(a - b) <= self.abs + self.rel * max(abs(a), abs(b))

    def describe(self) -> str:
        return f"{self.name} tolerance (|Δ| <= {self.abs:g} + {self.rel:g}·max|f|)"


STRICT = ObjectiveTolerance(name="strict", rel=1e-6, abs=1e-6)
"""The default; what most published benchmarks that say "1e-6" mean."""
LENIENT = ObjectiveTolerance(name="lenient", rel=1e-4, abs=1e-4)
"""For benchmarks that use 1e-4 (and HiGHS' default MIP gap)."""


class CompareOptions(BaseModel):
    """Tolerances, tiers and limits of one comparison."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rel_tol: float = Field(1e-6, gt=0, lt=1, description="Relative tolerance for coefficients, bounds and rhs.")
    abs_tol: float = Field(1e-9, ge=0, description="Absolute tolerance for numbers near zero.")
    objective_tolerance: ObjectiveTolerance = Field(STRICT, description="Tolerance of the same_optimum rung.")
    solve: SolveMode = Field(SolveMode.IF_NEEDED, description="When to run the solver tier.")
    solve_time_limit: float | None = Field(60.0, gt=0, description="Seconds per solve (None: no limit).")
    mip_gap: float | None = Field(
        None, ge=0, description="Relative MIP gap for solves (None: a tenth of the objective tolerance)."
    )
    exact_method: ExactMethod = Field("auto", description="Exact isomorphism back-end (auto: bliss if installed).")
    exact_time_limit: float | None = Field(10.0, gt=0, description="Seconds for the exact isomorphism tier.")
    use_names: bool = Field(True, description="Try the mapping that pairs equal names first.")
    substitute_fixed: bool = Field(
        True, description="Normalisation N5: substitute fixed variables (e.g. OptiBench's `Constant` fixed to 1)."
    )
    drop_unused: bool = Field(False, description="Normalisation N6: drop variables that appear in no row.")
    merge_parallel_rows: bool = Field(True, description="Normalisation N9: merge parallel rows.")
    eliminate_slacks: bool = Field(True, description="Normalisation N11: eliminate continuous slack columns.")
    merge_free_splits: bool = Field(True, description="Normalisation N12: merge x = x+ - x- splits.")
    scale_columns: bool = Field(
        True, description="Normalisation N13: canonical sign and scale of continuous columns (second pass)."
    )
    max_differences: int = Field(20, ge=1, description="At most this many differences are listed.")

    def effective_mip_gap(self) -> float:
        """The MIP gap solves use: `mip_gap`, or a tenth of the objective tolerance so the gap cannot blur it."""
        return self.mip_gap if self.mip_gap is not None else self.objective_tolerance.rel / 10.0

    def solve_options(self) -> SolveOptions:
        """Options for the solver tier's solves."""
        return SolveOptions(time_limit=self.solve_time_limit, mip_gap=self.effective_mip_gap(), compute_iis=False)


class Diagnostics(BaseModel):
    """How a verdict was reached (for people debugging a verdict and for benchmarks of the evaluator)."""

    model_config = ConfigDict(extra="forbid")

    structure: str = Field(description="isomorphic, not_isomorphic or undecided.")
    method: str = Field(description="What decided the structure (names, colour refinement, bliss, …).")
    structure_reason: str = Field("", description="Why the structure is not isomorphic or undecided.")
    normalisations_candidate: list[str] = Field(default_factory=list)
    normalisations_reference: list[str] = Field(default_factory=list)
    candidate_size: str = ""
    reference_size: str = ""
    wl_rounds: int | None = Field(None, description="Colour-refinement rounds that split a class.")
    colours: int | None = Field(None, description="Number of stable colours over both graphs.")
    discrete: bool | None = Field(None, description="Whether the stable colouring was discrete.")
    structural_seconds: float = Field(0.0, description="Normalisation + isomorphism decision.")
    exact_seconds: float = Field(0.0, description="Part of structural_seconds spent in the exact tier.")
    explain_seconds: float = 0.0
    solve_seconds: float = Field(0.0, description="Wall time of the solver tier (both models).")
    mip_gap: float | None = Field(None, description="MIP gap the solves were asked for.")
    senses_differ: bool = Field(
        False, description="One model maximises and the other minimises (objectives compared negated)."
    )
    notes: list[str] = Field(default_factory=list)


class Comparison(BaseModel):
    """The result of comparing a candidate model with a reference model (JSON-serialisable as is)."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    reason: str = Field(description="One sentence a person can act on.")
    identical: bool = Field(
        False, description="Isomorphic with a mapping found without search (equal names or a discrete colouring)."
    )
    mapping: dict[str, str] | None = Field(None, description="Candidate variable → reference variable.")
    constraint_mapping: dict[str, list[str]] | None = Field(
        None, description="Candidate constraint → the reference constraint(s) it corresponds to."
    )
    differences: list[Difference] = Field(default_factory=list)
    differences_omitted: int = Field(0, description="Further differences found but not listed.")
    candidate_name: str | None = None
    reference_name: str | None = None
    candidate_status: SolveStatus | None = None
    candidate_objective: float | None = None
    reference_status: SolveStatus | None = None
    reference_objective: float | None = None
    objectives_match: bool | None = Field(None, description="Solver tier outcome (None: not run or undecidable).")
    objective_tolerance: ObjectiveTolerance = STRICT
    coefficient_rel_tol: float = 1e-6
    seconds: float = Field(0.0, description="Wall time of the whole comparison.")
    diagnostics: Diagnostics = Field(default_factory=lambda: Diagnostics(structure="not_run", method="none"))

    @classmethod
    def invalid(
        cls,
        reason: str,
        *,
        seconds: float = 0.0,
        candidate_name: str | None = None,
        reference_name: str | None = None,
        options: CompareOptions | None = None,
    ) -> Comparison:
        """The verdict for a candidate that cannot be read or built; `reason` says why."""
        opts = options or CompareOptions()
        return cls(
            verdict=Verdict.INVALID,
            reason=reason,
            candidate_name=candidate_name,
            reference_name=reference_name,
            objective_tolerance=opts.objective_tolerance,
            coefficient_rel_tol=opts.rel_tol,
            seconds=seconds,
        )


def objectives_agree(
    candidate: SolveResult,
    reference: SolveResult,
    tolerance: ObjectiveTolerance,
    *,
    senses_differ: bool = False,
) -> tuple[bool | None, str]:
    """Whether two solve outcomes agree; None when it cannot be told (limits, errors, missing values).

    Returns:
        ``(agree, text)`` where `text` describes the outcome for a reason sentence.
    """
    undecidable = {SolveStatus.TIME_LIMIT, SolveStatus.OTHER_LIMIT, SolveStatus.ERROR}
    cs, rs = candidate.status, reference.status
    if cs in undecidable or rs in undecidable:
        who = "reference" if rs in undecidable else "candidate"
        status = rs if rs in undecidable else cs
        return None, f"the {who}'s solve ended with status {status.value}, so the optima cannot be compared"
    if cs != rs:
        return False, f"the candidate is {cs.value} but the reference is {rs.value}"
    if cs is not SolveStatus.OPTIMAL:
        return True, f"both models are {cs.value}"
    if candidate.objective is None or reference.objective is None:
        return None, "an optimal solve reported no objective value"
    value = (-candidate.objective if senses_differ else candidate.objective) + 0.0
    sense_note = " (candidate value negated: it optimises in the other sense)" if senses_differ else ""
    if tolerance.allows(value, reference.objective):
        return True, f"both are optimal with objective {reference.objective:.10g}{sense_note}"
    return False, (
        f"the optimal objectives differ: {value:.10g} (candidate){sense_note} vs {reference.objective:.10g} (reference)"
    )


def _size(model: LinearModel, norm: NormalizedModel) -> str:
    return (
        f"{model.num_vars} variables, {model.num_rows} constraints, {model.nnz} non-zeros; normalised: "
        f"{norm.num_vars} columns, {norm.num_rows} half-space rows, {norm.nnz} non-zeros"
    )


def _mappings(
    candidate: NormalizedModel, reference: NormalizedModel, structural: StructuralResult
) -> tuple[dict[str, str], dict[str, list[str]]]:
    assert structural.var_map is not None and structural.row_map is not None
    mapping = {candidate.var_name(j): reference.var_name(int(r)) for j, r in enumerate(structural.var_map.tolist())}
    rows: dict[str, list[str]] = {}
    for k, r in enumerate(structural.row_map.tolist()):
        for source in candidate.origin_names(k):
            targets = rows.setdefault(source, [])
            for name in reference.origin_names(int(r)):
                if name not in targets:
                    targets.append(name)
    # Rows absorbed into bounds (or merged as parallel) have no row counterpart: an empty target.
    for name in candidate.source.row_names:
        rows.setdefault(name, [])
    return mapping, rows


def _fired_text(candidate: NormalizedModel, reference: NormalizedModel) -> str:
    rules = sorted({rule.value for norm in (candidate, reference) for rule, count in norm.fired.items() if count})
    return f" after normalisation ({', '.join(rules)})" if rules else ""


def _reformulations_text(candidate: NormalizedModel, reference: NormalizedModel, shown: int = 3) -> str:
    """``"; reformulations undone: the candidate's slack variable s1 of c1 was eliminated, …"`` or ``""``."""
    items = [
        f"the {who}'s {text}"
        for norm, who in ((candidate, "candidate"), (reference, "reference"))
        for text in norm.reformulations
    ]
    if not items:
        return ""
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return "; reformulations undone: " + ", ".join(items[:shown]) + more


def compare(
    candidate: LinearModel,
    reference: LinearModel,
    options: CompareOptions | None = None,
    *,
    reference_result: SolveResult | None = None,
    candidate_result: SolveResult | None = None,
) -> Comparison:
    """Compare `candidate` with `reference` (see the module docstring for the verdicts).

    Args:
        candidate: The model under test.
        reference: The model it should be equivalent to; it must be valid (`ModelDataError` otherwise).
        options: Tolerances, tiers and limits (defaults: `CompareOptions()`).
        reference_result: A cached solve of the reference (benchmarks solve each reference once).
        candidate_result: A solve of the candidate already made (the formulation stage solves every answer it
            checks); used instead of solving again. The caller vouches that it is a solve of `candidate`.

    Returns:
        The `Comparison`; an unusable candidate gives an ``invalid`` verdict rather than an exception.
    """
    opts = options or CompareOptions()
    started = time.perf_counter()
    try:
        candidate.validate()
    except ModelDataError as exc:
        return Comparison.invalid(
            f"the candidate model is unusable: {exc}",
            seconds=time.perf_counter() - started,
            candidate_name=candidate.name,
            reference_name=reference.name,
            options=opts,
        )
    reference.validate()

    def normalized(model: LinearModel, scale_columns: bool) -> NormalizedModel:
        return normalize(
            model,
            rel_tol=opts.rel_tol,
            abs_tol=opts.abs_tol,
            substitute_fixed=opts.substitute_fixed,
            drop_unused=opts.drop_unused,
            merge_parallel_rows=opts.merge_parallel_rows,
            eliminate_slacks=opts.eliminate_slacks,
            merge_free_splits=opts.merge_free_splits,
            scale_columns=scale_columns,
        )

    def decided(norm_c: NormalizedModel, norm_r: NormalizedModel) -> StructuralResult:
        # Facial infeasibility (an empty row that excludes 0, e.g. after N5 substituted every variable of a
        # row) leaves no trace in the matrix, so it is compared here: one infeasible and one feasible model
        # are never isomorphic, whatever their remaining rows look like.
        if bool(norm_c.infeasible) != bool(norm_r.infeasible):
            who = "candidate" if norm_c.infeasible else "reference"
            why = (norm_c.infeasible or norm_r.infeasible)[0]
            return StructuralResult(
                verdict=StructureVerdict.NOT_ISOMORPHIC,
                method="infeasibility",
                reason=f"only the {who} is infeasible on its face ({why})",
            )
        return decide(
            norm_c,
            norm_r,
            rel_tol=opts.rel_tol,
            abs_tol=opts.abs_tol,
            exact_method=opts.exact_method,
            exact_time_limit=opts.exact_time_limit,
            use_names=opts.use_names,
        )

    # Pass 1 without column scaling (N13): local rules only, so a non-isomorphic pair keeps numbers that
    # explain well. Pass 2 with N13 only when pass 1 fails and a model has continuous columns; its
    # `isomorphic` is verified on the scaled models, and its failure leaves pass 1's models for `explain`.
    norm_c = normalized(candidate, False)
    norm_r = normalized(reference, False)
    structural = decided(norm_c, norm_r)
    scaled_note = ""
    if (
        opts.scale_columns
        and structural.verdict is not StructureVerdict.ISOMORPHIC
        and not (norm_c.infeasible or norm_r.infeasible)
        and (not norm_c.integer.all() or not norm_r.integer.all())
    ):
        scaled_c, scaled_r = normalized(candidate, True), normalized(reference, True)
        second = decided(scaled_c, scaled_r)
        if second.verdict is StructureVerdict.ISOMORPHIC:
            norm_c, norm_r, structural = scaled_c, scaled_r, second
        else:
            scaled_note = f"with continuous columns rescaled (N13) still {second.verdict.value}: {second.reason}"
    structural_seconds = time.perf_counter() - started
    refinement = structural.refinement
    diagnostics = Diagnostics(
        structure=structural.verdict.value,
        method=structural.method,
        structure_reason=structural.reason,
        normalisations_candidate=norm_c.fired_names(),
        normalisations_reference=norm_r.fired_names(),
        candidate_size=_size(candidate, norm_c),
        reference_size=_size(reference, norm_r),
        wl_rounds=None if refinement is None else refinement.rounds,
        colours=None if refinement is None else refinement.num_colours,
        discrete=None if refinement is None else refinement.is_discrete(),
        structural_seconds=structural_seconds,
        exact_seconds=structural.exact_seconds,
        notes=list(structural.notes),
        senses_differ=candidate.sense != reference.sense,
    )
    if scaled_note:
        diagnostics.notes.append(scaled_note)
    for norm, who in ((norm_c, "candidate"), (norm_r, "reference")):
        if norm.removed_columns:
            diagnostics.notes.append(f"{who}: {len(norm.removed_columns)} variable(s) removed by normalisation")
        diagnostics.notes.extend(f"the {who}'s {text}" for text in norm.reformulations)
    undone = _reformulations_text(norm_c, norm_r)
    result = Comparison(
        verdict=Verdict.DIFFERENT,
        reason="",
        candidate_name=candidate.name,
        reference_name=reference.name,
        objective_tolerance=opts.objective_tolerance,
        coefficient_rel_tol=opts.rel_tol,
        diagnostics=diagnostics,
    )
    isomorphic = structural.verdict is StructureVerdict.ISOMORPHIC
    if isomorphic:
        result.mapping, result.constraint_mapping = _mappings(norm_c, norm_r, structural)
        result.identical = structural.identical
    else:
        t0 = time.perf_counter()
        result.differences, result.differences_omitted = explain(
            norm_c,
            norm_r,
            structural,
            rel_tol=opts.rel_tol,
            abs_tol=opts.abs_tol,
            max_differences=opts.max_differences,
        )
        diagnostics.explain_seconds = time.perf_counter() - t0

    first_structural = result.differences[0].message if result.differences else structural.reason
    agree: bool | None = None
    solve_text = ""
    if opts.solve is SolveMode.ALWAYS or (opts.solve is SolveMode.IF_NEEDED and not isomorphic):
        agree, solve_text = _solve_tier(candidate, reference, opts, result, reference_result, candidate_result)

    if isomorphic:
        result.verdict = Verdict.ISOMORPHIC
        how = "names" if structural.method == "names" else structural.method
        result.reason = (
            f"The candidate is the reference up to renaming and reordering{_fired_text(norm_c, norm_r)}; "
            f"mapping found by {how} and verified on every coefficient{undone}."
        )
        if agree is False:
            diagnostics.notes.append(f"solver disagrees with the isomorphism: {solve_text}")
    else:
        undecided = structural.verdict is StructureVerdict.UNDECIDED
        structure_text = (
            f"the structural check could not decide ({structural.reason})"
            if undecided
            else f"the structures differ: {first_structural}"
        )
        both_infeasible = (bool(norm_c.infeasible) and bool(norm_r.infeasible)) or (
            result.candidate_status is SolveStatus.INFEASIBLE and result.reference_status is SolveStatus.INFEASIBLE
        )
        if both_infeasible:
            result.verdict = Verdict.BOTH_INFEASIBLE
            result.objectives_match = None
            result.reason = (
                "Both models are infeasible, which says nothing about whether they are the same model; "
                f"{structure_text}{undone}."
            )
        elif agree is True:
            result.verdict = Verdict.SAME_OPTIMUM
            result.reason = (
                f"Not isomorphic, but {solve_text} within the {opts.objective_tolerance.describe()}; {structure_text}."
            )
        elif agree is False:
            result.verdict = Verdict.DIFFERENT
            result.reason = f"{solve_text[0].upper()}{solve_text[1:]}; {structure_text}."
        else:
            result.verdict = Verdict.DIFFERENT
            skipped = "the solver tier was skipped" if opts.solve is SolveMode.NEVER else solve_text
            result.reason = f"{structure_text[0].upper()}{structure_text[1:]}; {skipped}."
    result.seconds = time.perf_counter() - started
    return result


def _settled(result: SolveResult, is_mip: bool, gap: float) -> bool:
    """Whether an earlier solve decides the question as well as a new one would: a proven status, and for a MIP
    an optimum at least as tight as the gap this comparison asks for."""
    if result.status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED, SolveStatus.INFEASIBLE_OR_UNBOUNDED):
        return True
    if result.status is not SolveStatus.OPTIMAL:
        return False
    return not is_mip or (result.gap is not None and result.gap <= gap)


def _solve_tier(
    candidate: LinearModel,
    reference: LinearModel,
    opts: CompareOptions,
    result: Comparison,
    reference_result: SolveResult | None,
    candidate_result: SolveResult | None = None,
) -> tuple[bool | None, str]:
    """Solve both models (each unless a usable earlier solve is given), fill the status fields, return the
    agreement."""
    from solvers.highs import solve

    gap = opts.effective_mip_gap()
    solve_options = opts.solve_options()
    t0 = time.perf_counter()
    ref = reference_result if reference_result is not None else solve(reference, solve_options)
    reusable = candidate_result is not None and _settled(candidate_result, candidate.is_mip, gap)
    cand = candidate_result if reusable and candidate_result is not None else solve(candidate, solve_options)
    result.diagnostics.solve_seconds = time.perf_counter() - t0
    result.diagnostics.mip_gap = gap if candidate.is_mip or reference.is_mip else None
    result.candidate_status, result.reference_status = cand.status, ref.status
    result.candidate_objective = _finite_or_none(cand.objective)
    result.reference_objective = _finite_or_none(ref.objective)
    senses_differ = (candidate.sense is ObjectiveSense.MAXIMIZE) != (reference.sense is ObjectiveSense.MAXIMIZE)
    agree, text = objectives_agree(cand, ref, opts.objective_tolerance, senses_differ=senses_differ)
    result.objectives_match = agree
    if agree is False:
        kind = DifferenceKind.STATUS if cand.status != ref.status else DifferenceKind.OBJECTIVE_VALUE
        c_text = cand.status.value if kind is DifferenceKind.STATUS else f"{cand.objective:.10g}"
        r_text = ref.status.value if kind is DifferenceKind.STATUS else f"{ref.objective:.10g}"
        result.differences.insert(
            0, Difference(kind=kind, where="solution", candidate=c_text, reference=r_text, message=text)
        )
        if len(result.differences) > opts.max_differences:
            result.differences.pop()
            result.differences_omitted += 1
    return agree, text


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
