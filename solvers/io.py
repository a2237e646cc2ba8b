"""LP and MPS files in and out of `LinearModel`, through highspy's readers and writers.

Names: HiGHS' LP reader treats ``[`` as the start of a quadratic term, so files written by other tools
(Gurobi writes ``x[0,1]``) are rewritten before reading — bracketed names become ``x(0,1)``-style tokens —
and the original names are restored afterwards. `write_model` sanitises names the same way (brackets →
parentheses, other odd characters → ``_``, kept unique) and writes the sanitised→original map into the
file as comments (``\\ milpflow-name`` in LP, ``* milpflow-name`` in MPS), so `read_model` of a file written
by `write_model` restores every name exactly. HiGHS' LP writer splits a ranged row ``r`` into ``rlo`` and
``rup``; the comments record that too and `read_model` merges the pair back. MPS keeps ranges natively.

Scope: models with a quadratic objective or constraints, or semi-continuous / semi-integer columns, are not
MILPs; they raise `UnsupportedModelError` (a `ModelFileError`) naming the part that is out of scope.
Repeated row or column names (some writers emit them) are kept apart as ``name~2``, ``name~3``.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from highspy import Highs, HighsStatus, HighsVarType, ObjSense

from solvers.errors import MilpflowError
from solvers.highs import to_highs_lp
from solvers.linear import LinearModel, ModelDataError, ObjectiveSense
from solvers.quiet import new_highs

__all__ = ["ModelFileError", "UnsupportedModelError", "read_model", "sanitize_names", "write_model"]

_SUFFIXES = (".lp", ".mps", ".lp.gz", ".mps.gz")
_NAME_TAG = "milpflow-name"
_RANGE_TAG = "milpflow-ranged"
_BRACKETED = re.compile(r"(?<![\w\]\)])([A-Za-z_][\w.#$%&@~'!?]*)\[([^\]\s]*)\]")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.()#$%&@~'!?,]")


class ModelFileError(MilpflowError, ValueError):
    """A model file cannot be read or written; the message names the file, the line where one is known, and what is
    wrong with it."""


class UnsupportedModelError(ModelFileError):
    """A readable model that is not a MILP (quadratic objective, semi-continuous or semi-integer columns)."""


# ---------------------------------------------------------------------------------------------- reading
def read_model(path: str | os.PathLike[str]) -> LinearModel:
    """Read an LP or MPS file (format by extension) into a validated `LinearModel`."""
    source = Path(path)
    if not str(path):
        raise ModelFileError("no model file was given")
    if not source.exists():
        raise ModelFileError(f"{source}: no such file")
    if source.is_dir():
        raise ModelFileError(f"{source}: is a folder, not a model file")
    name = source.name.lower()
    if not name.endswith(_SUFFIXES):
        raise ModelFileError(f"{source}: unknown model format; use .lp or .mps (optionally .gz)")
    names: dict[str, str] = {}
    ranged: set[str] = set()
    read_path = source
    with tempfile.TemporaryDirectory(prefix="milpflow-read-") as tmp:
        if name.endswith(".lp"):
            try:
                text = source.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                raise ModelFileError(f"{source}: cannot read ({_reason(exc)})") from exc
            names, ranged = _read_tags(text, "\\")
            rewritten, bracket_names = _rewrite_brackets(text, set(names))
            names.update(bracket_names)
            if rewritten != text:
                read_path = Path(tmp) / "model.lp"
                read_path.write_text(rewritten, encoding="utf-8")
        elif name.endswith(".mps"):
            try:
                names, ranged = _read_tags(source.read_text(encoding="utf-8", errors="replace"), "*")
            except OSError as exc:
                raise ModelFileError(f"{source}: cannot read ({_reason(exc)})") from exc
        h, log = _read_with_highs(read_path, Path(tmp) / "highs.log")
    if h is None and "quadratic constraints" in log.lower():
        raise UnsupportedModelError(
            f"{source}: the model has quadratic constraints; milpflow handles linear models only"
        )
    if h is None:
        raise ModelFileError(_parse_error_message(source, log))
    model = _to_linear(h, source)
    if names:
        model.var_names = [names.get(n, n) for n in model.var_names]
        model.row_names = [names.get(n, n) for n in model.row_names]
    if ranged:
        model = _merge_split_ranges(model, ranged)
    try:
        model.validate()
    except ModelDataError as exc:
        raise ModelFileError(f"{source}: {exc}") from exc
    return model


def _read_with_highs(path: Path, log_path: Path) -> tuple[Highs | None, str]:
    h = new_highs()
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("log_file", str(log_path))
    status = h.readModel(str(path))
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    h.setOptionValue("output_flag", False)
    return (None if status == HighsStatus.kError else h), log


def _parse_error_message(source: Path, log: str) -> str:
    """The message for a file HiGHS refused: the file, the offending line where it can be found, HiGHS' words."""
    text = ""
    if not source.name.lower().endswith(".gz"):
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
    location = _locate_error(text, log, lp=source.name.lower().endswith(".lp"))
    detail = _log_detail(log)
    return (f"{source}: HiGHS cannot read this file" + (f": {location}" if location else "")
            + (f" ({detail})" if detail else "") + "; check that it is a valid LP/MPS model")


_LOCATION = re.compile(r"-->\s*.*:(\d+):\d+\s*$", re.MULTILINE)
_PARSER_ERROR = re.compile(r"Parser error reading .*$")
_LINE_WORD = re.compile(r"\bline\s+(\d+)\b", re.IGNORECASE)
_QUOTED = re.compile(r"`([^`]+)`|\"([^\"]+)\"")
_RELATIONS = ("<=", ">=", "=<", "=>", "<", ">", "=")
_RELATION = "|".join(_RELATIONS)
_NUMBER_TEXT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER = re.compile(rf"^{_NUMBER_TEXT}$")
_OPERAND = re.compile(rf"^(?:{_NUMBER_TEXT}|[A-Za-z_!\"#$%&()/,.;?@'{{}}|~][^\s+\-*/^<>=:\[\]]*)$")
_LP_KEYWORDS = re.compile(
    r"^(?:min(?:imi[sz]e|imum)?|max(?:imi[sz]e|imum)?|subject\s+to|such\s+that|st|s\.t\.|bounds?|"
    r"gen(?:erals?)?|integers?|bin(?:ar(?:y|ies))?|semi(?:-continuous|s)?|sos|end|free|infinity|inf)$",
    re.IGNORECASE,
)
_MPS_SECTIONS = {"NAME", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS", "ENDATA", "OBJSENSE", "OBJSENS", "OBJNAME",
                 "SOS", "QUADOBJ", "QMATRIX", "QSECTION", "QCMATRIX", "INDICATORS", "SETS", "IMPORTANCES"}
_MPS_FIELDS = {"ROWS": {2}, "COLUMNS": {3, 5}, "RHS": {2, 3, 4, 5}, "RANGES": {2, 3, 4, 5}, "BOUNDS": {2, 3, 4}}


def _locate_error(text: str, log: str, *, lp: bool) -> str | None:
    """``line N: <text>`` for the line HiGHS refused, or None when no line can be singled out.

    HiGHS' LP reader names the place (``--> file:line:column``); older versions and the MPS reader at most quote a
    token. Without a place, the first line that fails a simple syntactic check wins — preferring one that holds the
    quoted token — and failing that, the first line that holds the token.
    """
    lines = text.splitlines()
    if not lines:
        return None
    match = _LOCATION.search(log) or _LINE_WORD.search(log)
    if match is not None and 1 <= int(match.group(1)) <= len(lines):
        return _show_line(int(match.group(1)), lines)
    tokens = [a or b for a, b in _QUOTED.findall(log) if (a or b) and "reading" not in (a or b)]
    suspects = _suspect_lp_lines(lines) if lp else _suspect_mps_lines(lines)
    for number in suspects:
        if any(token in lines[number - 1] for token in tokens):
            return _show_line(number, lines)
    if suspects:
        return _show_line(suspects[0], lines)
    for number, line in enumerate(lines, start=1):
        if tokens and not _is_comment(line, lp) and any(token in line for token in tokens):
            return _show_line(number, lines)
    return None


def _show_line(number: int, lines: list[str]) -> str:
    text = lines[number - 1].strip()
    return f"line {number}: {text[:117] + '...' if len(text) > 120 else text}"


def _is_comment(line: str, lp: bool) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("\\" if lp else "*")


def _suspect_lp_lines(lines: list[str]) -> list[int]:
    """Numbers of LP lines with an obvious syntax error: two relations in a row, two operands with no operator
    between them (a coefficient before its variable excepted), or a number in a list of integer/binary names."""
    suspects = []
    name_list = False
    for number, line in enumerate(lines, start=1):
        if _is_comment(line, True):
            continue
        body = line.split("\\", 1)[0]
        header = _LP_KEYWORDS.match(body.strip())
        if header is not None:
            name_list = body.strip().lower().startswith(("gen", "int", "bin", "semi"))
            continue
        if name_list:
            if any(_NUMBER.match(word) for word in body.split()):
                suspects.append(number)
            continue
        words = re.sub(rf"({_RELATION}|[+\-*/^\[\]])", r" \1 ", body.split(":", 1)[-1]).split()
        if any(_operands_clash(a, b) or (a in _RELATIONS and b in _RELATIONS) for a, b in itertools.pairwise(words)):
            suspects.append(number)
    return suspects


def _operands_clash(first: str, second: str) -> bool:
    if not (_OPERAND.match(first) and _OPERAND.match(second)):
        return False
    if _NUMBER.match(first) and not _NUMBER.match(second):
        return False  # "3 x": a coefficient and its variable
    return not (_LP_KEYWORDS.match(first) or _LP_KEYWORDS.match(second))


def _suspect_mps_lines(lines: list[str]) -> list[int]:
    """Numbers of MPS lines that are neither a section header nor a data line with the right number of fields."""
    suspects = []
    section = ""
    for number, line in enumerate(lines, start=1):
        if _is_comment(line, False):
            continue
        fields = line.split()
        if not line[0].isspace():
            section = fields[0].upper() if fields else ""
            if section not in _MPS_SECTIONS:
                suspects.append(number)
            continue
        allowed = _MPS_FIELDS.get(section)
        if allowed is not None and "'MARKER'" not in line and len(fields) not in allowed:
            suspects.append(number)
    return suspects


def _log_detail(log: str) -> str:
    """HiGHS' own error lines (without its source excerpt, which `_locate_error` replaces), at most three."""
    errors = [_PARSER_ERROR.sub("Parser error", ln.strip().removeprefix("ERROR:").strip())
              for ln in log.splitlines() if ln.startswith("ERROR:")]
    if not errors:
        preamble = ("Running HiGHS", "Copyright", "Includes third-party")
        lines = [ln.strip() for ln in log.splitlines() if ln.strip() and not ln.startswith(preamble)]
        errors = [ln for ln in lines
                  if re.search(r"\b(error|invalid|cannot|not|fail\w*|unknown|illegal)\b", ln, re.IGNORECASE)]
    return "; ".join(errors[-3:])[:400]


def _reason(exc: OSError) -> str:
    """The operating system's reason without the path it repeats (the message names the file once)."""
    return exc.strerror or str(exc)


def _to_linear(h: Highs, source: Path) -> LinearModel:
    highs_model = h.getModel()
    lp = highs_model.lp_
    hessian = highs_model.hessian_
    if getattr(hessian, "dim_", 0) and len(getattr(hessian, "value_", [])) > 0:
        raise UnsupportedModelError(f"{source}: the objective has quadratic terms; milpflow handles linear models only")
    n, m = int(lp.num_col_), int(lp.num_row_)
    integrality = list(lp.integrality_) if len(lp.integrality_) else [HighsVarType.kContinuous] * n
    for j, kind in enumerate(integrality):
        if kind in (HighsVarType.kSemiContinuous, HighsVarType.kSemiInteger):
            col = lp.col_names_[j] if len(lp.col_names_) > j else f"column {j}"
            label = "semi-continuous" if kind == HighsVarType.kSemiContinuous else "semi-integer"
            raise UnsupportedModelError(f"{source}: variable {col} is {label}; milpflow handles MILPs only")
    matrix = lp.a_matrix_
    starts = np.asarray(matrix.start_, dtype=np.int64)
    index = np.asarray(matrix.index_, dtype=np.int64)
    values = np.asarray(matrix.value_, dtype=np.float64)
    if int(matrix.format_) == 1:  # kColwise
        A = sp.csc_matrix((values, index, starts), shape=(m, n)).tocsr()
    else:
        A = sp.csr_matrix((values, index, starts), shape=(m, n))
    col_names = _deduplicate(list(lp.col_names_) if len(lp.col_names_) == n else [f"c{j}" for j in range(n)])
    row_names = _deduplicate(list(lp.row_names_) if len(lp.row_names_) == m else [f"r{i}" for i in range(m)])
    integral = np.array([k == HighsVarType.kInteger for k in integrality], dtype=bool)
    lower = np.asarray(lp.col_lower_, dtype=np.float64)
    upper = np.asarray(lp.col_upper_, dtype=np.float64)
    try:
        return LinearModel.from_arrays(
            name=source.stem if not lp.model_name_ else str(lp.model_name_),
            var_names=col_names,
            lower=np.where(lower <= -1e30, -np.inf, lower),
            upper=np.where(upper >= 1e30, np.inf, upper),
            integrality=integral,
            objective=np.asarray(lp.col_cost_, dtype=np.float64),
            objective_constant=float(lp.offset_),
            sense=ObjectiveSense.MAXIMIZE if lp.sense_ == ObjSense.kMaximize else ObjectiveSense.MINIMIZE,
            A=A,
            row_lower=np.where(np.asarray(lp.row_lower_) <= -1e30, -np.inf, lp.row_lower_),
            row_upper=np.where(np.asarray(lp.row_upper_) >= 1e30, np.inf, lp.row_upper_),
            row_names=row_names,
        )
    except ModelDataError as exc:
        raise ModelFileError(f"{source}: {exc}") from exc


def _deduplicate(names: list[str]) -> list[str]:
    """Some writers repeat row names (seen in OptiBench references); later copies become ``name~2``, ``name~3``."""
    if len(set(names)) == len(names):
        return names
    used = set(names)
    seen: set[str] = set()
    out = []
    for name in names:
        if name in seen:
            k = 2
            while f"{name}~{k}" in used:
                k += 1
            name = f"{name}~{k}"
            used.add(name)
        seen.add(name)
        out.append(name)
    return out


def _rewrite_brackets(text: str, taken: set[str]) -> tuple[str, dict[str, str]]:
    """Replace bracketed names (``x[0,1]``) by safe tokens; return the text and safe→original names."""
    mapping: dict[str, str] = {}
    reverse: dict[str, str] = {}
    used = set(taken)

    def replace(match: re.Match[str]) -> str:
        original = match.group(0)
        if original in reverse:
            return reverse[original]
        safe = _unique(f"{match.group(1)}({match.group(2)})", used)
        reverse[original] = safe
        mapping[safe] = original
        return safe

    lines = []
    for line in text.splitlines(keepends=True):
        lines.append(line if line.lstrip().startswith("\\") else _BRACKETED.sub(replace, line))
    return "".join(lines), mapping


def _read_tags(text: str, comment: str) -> tuple[dict[str, str], set[str]]:
    names: dict[str, str] = {}
    ranged: set[str] = set()
    prefix = f"{comment} {_NAME_TAG} "
    range_prefix = f"{comment} {_RANGE_TAG} "
    for line in text.splitlines():
        if line.startswith(prefix):
            safe, _, original = line[len(prefix):].partition(" ")
            if safe and original:
                names[safe] = original
        elif line.startswith(range_prefix):
            ranged.add(line[len(range_prefix):].strip())
        elif line and not line.startswith(comment) and names:
            break  # the header ends at the first model line
    return names, ranged


def _merge_split_ranges(model: LinearModel, ranged: set[str]) -> LinearModel:
    """Join HiGHS' ``<name>lo`` / ``<name>up`` row pairs back into the ranged row ``<name>``."""
    index = {name: i for i, name in enumerate(model.row_names)}
    drop: set[int] = set()
    names = list(model.row_names)
    lower, upper = model.row_lower.copy(), model.row_upper.copy()
    for original in ranged:
        lo_name = next((n for n in (f"{original}lo",) if n in index), None)
        up_name = next((n for n in (f"{original}up",) if n in index), None)
        if lo_name is None or up_name is None:
            continue
        i, k = index[lo_name], index[up_name]
        upper[i] = model.row_upper[k]
        names[i] = original
        drop.add(k)
    if not drop:
        return model
    keep = [i for i in range(model.num_rows) if i not in drop]
    return LinearModel.from_arrays(
        name=model.name, var_names=model.var_names, lower=model.lower, upper=model.upper,
        integrality=model.integrality, objective=model.objective, objective_constant=model.objective_constant,
        sense=model.sense, A=model.A[keep], row_lower=lower[keep], row_upper=upper[keep],
        row_names=[names[i] for i in keep], row_descriptions=model.row_descriptions,
    )


# ---------------------------------------------------------------------------------------------- writing
def sanitize_names(names: list[str]) -> list[str]:
    """Names HiGHS' LP and MPS readers accept: brackets → parentheses, other odd characters → ``_``, unique."""
    used: set[str] = set()
    out = []
    for name in names:
        safe = _UNSAFE.sub("_", name.replace("[", "(").replace("]", ")")) or "_"
        if safe[0].isdigit() or safe[0] in ".":
            safe = f"_{safe}"
        out.append(_unique(safe, used))
    return out


def write_model(model: LinearModel, path: str | os.PathLike[str]) -> dict[str, str]:
    """Write `model` as .lp or .mps; return the sanitised→original name map (also stored in the file)."""
    target = Path(path)
    name = target.name.lower()
    if not name.endswith((".lp", ".mps")):
        raise ModelFileError(f"{target}: write .lp or .mps")
    columns = sanitize_names(model.var_names)
    rows = sanitize_names(model.row_names)
    renamed = model.copy()
    renamed.var_names, renamed.row_names = columns, rows
    lp = to_highs_lp(renamed)
    h = new_highs()
    if h.passModel(lp) == HighsStatus.kError:
        raise ModelFileError(f"{target}: HiGHS rejected the model")
    with tempfile.TemporaryDirectory(prefix="milpflow-write-") as tmp:
        scratch = Path(tmp) / f"model{'.lp' if name.endswith('.lp') else '.mps'}"
        if h.writeModel(str(scratch)) == HighsStatus.kError:
            raise ModelFileError(f"{target}: HiGHS could not write the model")
        body = scratch.read_text(encoding="utf-8")
    comment = "\\" if name.endswith(".lp") else "*"
    mapping = {safe: original for safe, original in zip(columns + rows, model.var_names + model.row_names,
                                                        strict=True) if safe != original}
    header = [f"{comment} written by milpflow from model '{model.name}'"]
    header += [f"{comment} {_NAME_TAG} {safe} {original}" for safe, original in mapping.items()]
    if name.endswith(".lp"):
        ranged = (model.row_lower > -np.inf) & (model.row_upper < np.inf) & (model.row_lower != model.row_upper)
        header += [f"{comment} {_RANGE_TAG} {rows[i]}" for i in np.flatnonzero(ranged)]
        if any(rows[i] != model.row_names[i] for i in np.flatnonzero(ranged)):
            header += [f"{comment} {_NAME_TAG} {rows[i]} {model.row_names[i]}" for i in np.flatnonzero(ranged)
                       if rows[i] != model.row_names[i] and rows[i] not in mapping]
    try:
        target.write_text("\n".join(header) + "\n" + body, encoding="utf-8")
    except OSError as exc:
        raise ModelFileError(f"{target}: cannot write ({_reason(exc)})") from exc
    return mapping


def _unique(name: str, used: set[str]) -> str:
    candidate, k = name, 2
    while candidate in used:
        candidate = f"{name}_{k}"
        k += 1
    used.add(candidate)
    return candidate
