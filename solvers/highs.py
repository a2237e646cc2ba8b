"""HiGHS backend: the `LinearModel` matrix goes to highspy's low-level API in one `passModel` call.

Contract: `solve(model, options)` never raises for anything the solver can report; it returns a
`SolveResult` whose status is mapped from *every* `HighsModelStatus` member through `STATUS_MAP` (a test
enumerates the enum, so a new HiGHS status cannot slip through unmapped). Infeasible-or-unbounded is
disambiguated with one feasibility re-solve, infeasible models carry an IIS by row and column name, and
unbounded LPs carry the variables of the primal ray.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import numpy as np
from highspy import Highs, HighsLp, HighsModelStatus, HighsStatus, HighsVarType, MatrixFormat, ObjSense

from solvers.linear import LinearModel, ObjectiveSense
from solvers.quiet import new_highs
from solvers.result import IIS, SolveOptions, SolveResult, SolveStatus

__all__ = ["BACKEND_NAME", "STATUS_MAP", "build_highs", "solve", "to_highs_lp"]

BACKEND_NAME = "highs"
_IIS_STRATEGY_IRREDUCIBLE_FROM_LP = 6
"""HiGHS `iis_strategy` bits: 2 = extract from the LP, 4 = make the set irreducible (the default 0 returns
an empty set; 2 alone can return a reducible infeasible subset)."""
_IIS_BOUND_IN_CONFLICT = (2, 3, 4)
"""HiGHS IIS bound statuses Lower, Upper, Boxed; Dropped/Null/Free bounds are not part of the conflict."""

STATUS_MAP: dict[HighsModelStatus, SolveStatus] = {
    HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE_OR_UNBOUNDED,
    HighsModelStatus.kTimeLimit: SolveStatus.TIME_LIMIT,
    HighsModelStatus.kIterationLimit: SolveStatus.OTHER_LIMIT,
    HighsModelStatus.kSolutionLimit: SolveStatus.OTHER_LIMIT,
    HighsModelStatus.kObjectiveBound: SolveStatus.OTHER_LIMIT,
    HighsModelStatus.kObjectiveTarget: SolveStatus.OTHER_LIMIT,
    HighsModelStatus.kInterrupt: SolveStatus.OTHER_LIMIT,
    # highspy's stub omits kHighsInterrupt, which the extension module defines (checked by a test).
    HighsModelStatus.kHighsInterrupt: SolveStatus.OTHER_LIMIT,  # type: ignore[attr-defined]
    HighsModelStatus.kMemoryLimit: SolveStatus.OTHER_LIMIT,
    # An empty model (no rows, no columns) is trivially optimal; HiGHS reports it separately.
    HighsModelStatus.kModelEmpty: SolveStatus.OPTIMAL,
    HighsModelStatus.kNotset: SolveStatus.ERROR,
    HighsModelStatus.kLoadError: SolveStatus.ERROR,
    HighsModelStatus.kModelError: SolveStatus.ERROR,
    HighsModelStatus.kPresolveError: SolveStatus.ERROR,
    HighsModelStatus.kSolveError: SolveStatus.ERROR,
    HighsModelStatus.kPostsolveError: SolveStatus.ERROR,
    HighsModelStatus.kUnknown: SolveStatus.ERROR,
}


def to_highs_lp(model: LinearModel) -> HighsLp:
    """The model as a `HighsLp` (row-wise matrix, names attached, integrality only when a MIP)."""
    lp = HighsLp()
    lp.num_col_ = model.num_vars
    lp.num_row_ = model.num_rows
    lp.col_cost_ = model.objective
    lp.offset_ = model.objective_constant
    lp.col_lower_ = model.lower
    lp.col_upper_ = model.upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.sense_ = ObjSense.kMaximize if model.sense is ObjectiveSense.MAXIMIZE else ObjSense.kMinimize
    lp.a_matrix_.format_ = MatrixFormat.kRowwise
    lp.a_matrix_.start_ = model.A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = model.A.indices.astype(np.int32)
    lp.a_matrix_.value_ = model.A.data
    if model.is_mip:
        lp.integrality_ = [HighsVarType.kInteger if flag else HighsVarType.kContinuous for flag in model.integrality]
    lp.col_names_ = model.var_names
    lp.row_names_ = model.row_names
    return lp


def build_highs(model: LinearModel, options: SolveOptions | None = None) -> Highs:
    """A silent `Highs` instance holding `model`, with `options` applied. Raises RuntimeError if HiGHS refuses it."""
    options = options or SolveOptions()
    h = new_highs()
    status = h.passModel(to_highs_lp(model))
    if status == HighsStatus.kError:
        raise RuntimeError(f"HiGHS rejected the model '{model.name}' in passModel")
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    if options.mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    return h


def solve(model: LinearModel, options: SolveOptions | None = None) -> SolveResult:
    """Solve `model` with HiGHS and describe the outcome; see the module docstring for the contract."""
    options = options or SolveOptions()
    try:
        h = build_highs(model, options)
    except RuntimeError as exc:
        return SolveResult(status=SolveStatus.ERROR, backend=BACKEND_NAME, message=str(exc))
    log_path: Path | None = None
    if options.keep_log:
        log_path = Path(tempfile.mkstemp(prefix="milpflow-highs-", suffix=".log")[1])
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", str(log_path))

    started = time.perf_counter()
    run_status = h.run()
    seconds = time.perf_counter() - started
    native = h.getModelStatus()
    status = STATUS_MAP.get(native, SolveStatus.ERROR)
    message: str | None = None
    if run_status == HighsStatus.kError and status is not SolveStatus.ERROR:
        message = "HiGHS reported an error status from run(); the model status may be unreliable"
    if status is SolveStatus.INFEASIBLE_OR_UNBOUNDED:
        status = _disambiguate(model, options)
        message = "HiGHS reported infeasible-or-unbounded; a feasibility re-solve decided which"

    result = SolveResult(
        status=status,
        backend=BACKEND_NAME,
        solve_seconds=seconds,
        native_status=h.modelStatusToString(native),
        message=message,
    )
    _attach_solution(h, model, result)
    if status is SolveStatus.INFEASIBLE and options.compute_iis:
        result.iis = _extract_iis(h, model)
    if status is SolveStatus.UNBOUNDED:
        result.unbounded_hint = _unbounded_hint(h, model)
    if status is SolveStatus.ERROR and result.message is None:
        result.message = f"HiGHS stopped with model status '{h.modelStatusToString(native)}'"
    if log_path is not None:
        result.log = log_path.read_text(errors="replace")
        log_path.unlink(missing_ok=True)
    return result


def _attach_solution(h: Highs, model: LinearModel, result: SolveResult) -> None:
    info = h.getInfo()
    solution = h.getSolution()
    has_primal = bool(solution.value_valid) and info.primal_solution_status == 2  # 2 = kSolutionStatusFeasible
    if not has_primal or result.status.is_not_solvable:
        return
    values = np.asarray(solution.col_value, dtype=np.float64)
    result.variables = dict(zip(model.var_names, values.tolist(), strict=True))
    result.objective = float(info.objective_function_value)
    if model.is_mip:
        bound = float(info.mip_dual_bound)
        result.bound = bound if math.isfinite(bound) else None
        if result.bound is not None:
            result.gap = abs(result.objective - result.bound) / max(1e-10, abs(result.objective))
    else:
        result.bound = result.objective if result.status is SolveStatus.OPTIMAL else None
        result.gap = 0.0 if result.status is SolveStatus.OPTIMAL else None
        if solution.dual_valid:
            result.duals = dict(zip(model.row_names, np.asarray(solution.row_dual).tolist(), strict=True))
            result.reduced_costs = dict(zip(model.var_names, np.asarray(solution.col_dual).tolist(), strict=True))


def _disambiguate(model: LinearModel, options: SolveOptions) -> SolveStatus:
    """Decide infeasible vs unbounded: solve the same constraints with a zero objective."""
    probe = model.copy()
    probe.objective = np.zeros(model.num_vars)
    h = build_highs(probe, options)
    h.setOptionValue("presolve", "off")
    h.run()
    native = h.getModelStatus()
    if native == HighsModelStatus.kInfeasible:
        return SolveStatus.INFEASIBLE
    if native in (HighsModelStatus.kOptimal, HighsModelStatus.kModelEmpty):
        return SolveStatus.UNBOUNDED
    return SolveStatus.INFEASIBLE_OR_UNBOUNDED


def _extract_iis(h: Highs, model: LinearModel) -> IIS:
    """The IIS of an infeasible model, by name. MIPs use their LP relaxation: when only integrality makes the
    model infeasible there is no LP IIS, and the note says so."""
    source = h
    if model.is_mip:
        relaxed = model.copy()
        relaxed.integrality = np.zeros(model.num_vars, dtype=bool)
        source = build_highs(relaxed)
        source.run()
        if source.getModelStatus() != HighsModelStatus.kInfeasible:
            return IIS(
                rows=[],
                columns=[],
                note="the LP relaxation is feasible: the model is infeasible only because of integrality",
            )
    source.setOptionValue("iis_strategy", _IIS_STRATEGY_IRREDUCIBLE_FROM_LP)
    status, iis = source.getIis()
    if status == HighsStatus.kError or not iis.valid_:
        return IIS(rows=[], columns=[], note="HiGHS could not compute an IIS for this model")
    rows = [int(i) for i in iis.row_index_]
    cols = [int(j) for j, bound in zip(iis.col_index_, iis.col_bound_, strict=False)
            if int(bound) in _IIS_BOUND_IN_CONFLICT]
    return IIS(
        rows=[model.row_names[i] for i in rows],
        columns=[model.var_names[j] for j in cols],
        rows_text=[model.format_row(i) for i in rows],
        note=None if rows or cols else "HiGHS returned an empty IIS",
    )


def _unbounded_hint(h: Highs, model: LinearModel) -> str | None:
    """Name the variables along which the objective improves without limit (from the primal ray if any)."""
    names: list[str] = []
    if not model.is_mip:
        try:
            # highspy's stub omits getPrimalRay; at run time it returns (HighsStatus, bool, NDArray[float64]).
            _status, has_ray, ray = h.getPrimalRay()  # type: ignore[attr-defined]
        except (RuntimeError, TypeError, ValueError):
            has_ray, ray = False, None
        if has_ray and ray is not None:
            values = np.asarray(ray, dtype=np.float64)[: model.num_vars]
            scale = float(np.max(np.abs(values))) if values.size else 0.0
            if scale > 0:
                names = [model.var_names[j] for j in np.flatnonzero(np.abs(values) > 1e-9 * scale)]
    if not names:
        sign = -1.0 if model.sense is ObjectiveSense.MAXIMIZE else 1.0
        improving_down = (sign * model.objective > 0) & np.isinf(model.lower)
        improving_up = (sign * model.objective < 0) & np.isinf(model.upper)
        names = [model.var_names[j] for j in np.flatnonzero(improving_down | improving_up)]
    if not names:
        return None
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"the objective improves without limit along {shown}; add an upper or lower bound or a constraint"


def highs_version() -> str:
    """The HiGHS library version, e.g. ``1.15.1`` (highspy has no ``__version__``)."""
    return str(new_highs().version())

