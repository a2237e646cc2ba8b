"""Turn a flat `LinearModel` (e.g. read from LP/MPS) back into an editable `ModelSpec`.

Why: a user who has an LP file should be able to edit it in the same language the LLM writes, and the
evaluator and repair loop can quote one vocabulary. The conversion is exact (compiling the result gives
the same matrix, bounds, objective and optimum) and recovers structure where names allow it: columns named
``x[0,1]``, ``x[0,2]``, … that form a complete product of index values become one variable ``x`` indexed
over sets of those values. Rows stay one constraint each (their names are made into identifiers), because
recovering a forall from arbitrary rows would be a guess.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable

from formulation.spec import (
    RESERVED_NAMES,
    ConstraintSpec,
    Domain,
    IndexedValue,
    ModelSpec,
    ObjectiveSpec,
    ParameterSpec,
    SetSpec,
    VariableSpec,
)
from solvers.linear import LinearModel

__all__ = ["linear_to_spec"]

_INDEXED_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[([^\[\]]*)\]$")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")


def linear_to_spec(model: LinearModel) -> ModelSpec:
    """An exact ModelSpec for `model` (see the module docstring for what structure is recovered)."""
    namer = _Namer()
    sets: list[SetSpec] = []
    set_names_by_elements: dict[tuple[str | int, ...], str] = {}
    parameters: list[ParameterSpec] = []
    variables: list[VariableSpec] = []
    reference: dict[int, str] = {}  # column -> how expressions refer to it
    first_column: dict[str, int] = {}

    for base, members in _indexed_groups(model).items():
        arity = len(members[0][1])
        domains: list[list[str | int]] = [[] for _ in range(arity)]
        for _, parts in members:
            for pos, part in enumerate(parts):
                if part not in domains[pos]:
                    domains[pos].append(part)
        cols = [j for j, _ in members]
        if math.prod(len(d) for d in domains) != len(members) or not _liftable(model, cols):
            continue  # not a complete product or not uniform: keep these columns scalar
        var_name = namer.take(base)
        index_sets: list[str] = []
        for pos, domain in enumerate(domains):
            key = tuple(domain)
            if key not in set_names_by_elements:
                set_name = namer.take(f"{var_name}_idx{pos + 1}")
                set_names_by_elements[key] = set_name
                sets.append(SetSpec(name=set_name, description=f"index {pos + 1} of {var_name}",
                                    elements=list(domain), range=None, elements_from=None))
            index_sets.append(set_names_by_elements[key])
        for j, parts in members:
            reference[j] = f"{var_name}[{', '.join(_literal(p) for p in parts)}]"
        lower, upper, lower_param, upper_param = _group_bounds(model, cols, var_name, index_sets, members, namer)
        parameters.extend(p for p in (lower_param, upper_param) if p is not None)
        variables.append(VariableSpec(
            name=var_name, description=None, indices=index_sets, domain=_domain(model, cols),
            lower=lower, upper=upper,
        ))
        first_column[var_name] = min(cols)

    for j, original in enumerate(model.var_names):
        if j in reference:
            continue
        var_name = namer.take(original)
        reference[j] = var_name
        variables.append(VariableSpec(
            name=var_name, description=original if var_name != original else None, indices=[],
            domain=_domain(model, [j]), lower=_bound(model.lower[j]), upper=_bound(model.upper[j]),
        ))
        first_column[var_name] = j
    variables.sort(key=lambda v: first_column[v.name])  # keep the file's column order where possible

    objective_terms = [(reference[j], float(c)) for j, c in enumerate(model.objective) if c != 0.0]
    objective_text = _linear_text(objective_terms, model.objective_constant)
    constraints: list[ConstraintSpec] = []
    row_namer = _Namer(reserved=set(namer.used))
    for i, row_name in enumerate(model.row_names):
        lo, hi = float(model.row_lower[i]), float(model.row_upper[i])
        if math.isinf(lo) and math.isinf(hi):
            continue  # a free row constrains nothing
        terms = [(reference[col], coef) for col, coef in _row(model, i)]
        if not terms:
            if lo <= 0.0 <= hi:
                continue  # an empty row that holds constrains nothing
            terms = [(reference[0], 0.0)] if reference else []  # keep an impossible empty row impossible
        body = _linear_text(terms, 0.0) if terms else "0"
        if lo == hi:
            text = f"{body} == {_number(hi)}"
        elif math.isinf(lo):
            text = f"{body} <= {_number(hi)}"
        elif math.isinf(hi):
            text = f"{body} >= {_number(lo)}"
        else:
            text = f"{_number(lo)} <= {body} <= {_number(hi)}"
        name = row_namer.take(row_name)
        constraints.append(ConstraintSpec(
            name=name,
            description=model.row_descriptions.get(row_name) or (row_name if name != row_name else None),
            forall=None,
            expression=text,
        ))

    return ModelSpec(
        name=model.name or "model",
        description=None,
        sets=sets,
        parameters=parameters,
        variables=variables,
        objective=ObjectiveSpec(sense=model.sense.value, expression=objective_text, description=None),
        constraints=constraints,
    )


class _Namer:
    """Hands out unique identifiers derived from arbitrary names."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self.used: set[str] = set(reserved)

    def take(self, raw: str) -> str:
        base = _NOT_IDENTIFIER.sub("_", raw).strip("_") or "v"
        if base[0].isdigit():
            base = f"n{base}"
        if base in RESERVED_NAMES:
            base = f"{base}_"
        name = base
        k = 2
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name


def _indexed_groups(model: LinearModel) -> dict[str, list[tuple[int, tuple[str | int, ...]]]]:
    groups: dict[str, list[tuple[int, tuple[str | int, ...]]]] = defaultdict(list)
    arity: dict[str, int] = {}
    for j, name in enumerate(model.var_names):
        match = _INDEXED_NAME.match(name)
        if not match:
            continue
        parts = tuple(_element(p) for p in match.group(2).split(","))
        base = match.group(1)
        if arity.setdefault(base, len(parts)) != len(parts):
            arity[base] = -1
        groups[base].append((j, parts))
    return {b: g for b, g in groups.items() if arity[b] > 0}


def _element(text: str) -> str | int:
    text = text.strip()
    if re.fullmatch(r"-?\d+", text) and str(int(text)) == text:
        return int(text)
    return text


def _literal(element: str | int) -> str:
    return str(element) if isinstance(element, int) else json.dumps(element)


def _domain(model: LinearModel, cols: list[int]) -> Domain:
    if not model.integrality[cols].any():
        return "continuous"
    if all(model.lower[j] >= 0 and model.upper[j] <= 1 and model.lower[j] > -1 for j in cols):
        return "binary"
    return "integer"


def _liftable(model: LinearModel, cols: list[int]) -> bool:
    """A group becomes one indexed variable only if it shares one domain and, per side, its bounds are all
    infinite or all finite (parameter data must be finite numbers)."""
    integrality = model.integrality[cols]
    if integrality.any() and not integrality.all():
        return False
    for values in (model.lower[cols], model.upper[cols]):
        infinite = [math.isinf(v) for v in values]
        if any(infinite) and not all(infinite):
            return False
    return True


def _group_bounds(
    model: LinearModel,
    cols: list[int],
    var_name: str,
    index_sets: list[str],
    members: list[tuple[int, tuple[str | int, ...]]],
    namer: _Namer,
) -> tuple[float | str | None, float | str | None, ParameterSpec | None, ParameterSpec | None]:
    """Bounds of a lifted variable: one number when all columns agree, else a parameter indexed like it
    (a bare parameter name in a bound means "at this variable's index")."""
    out: list[float | str | None] = []
    params: list[ParameterSpec | None] = []
    for label, values in (("lower", model.lower), ("upper", model.upper)):
        column_values = {float(values[j]) for j in cols}
        if len(column_values) == 1:
            out.append(_bound(column_values.pop()))
            params.append(None)
            continue
        name = namer.take(f"{var_name}_{label}")
        params.append(ParameterSpec(
            name=name, description=f"{label} bound of {var_name}", indices=index_sets, value=None,
            values=[IndexedValue(index=list(parts), value=float(values[j])) for j, parts in members],
            data_key=None, default=None,
        ))
        out.append(name)
    return out[0], out[1], params[0], params[1]


def _bound(value: float) -> float | str | None:
    if math.isinf(value):
        return "-inf" if value < 0 else None
    return float(value)


def _row(model: LinearModel, i: int) -> list[tuple[int, float]]:
    start, stop = model.A.indptr[i], model.A.indptr[i + 1]
    return [(int(j), float(a)) for j, a in zip(model.A.indices[start:stop], model.A.data[start:stop], strict=True)]


_FLAT_TERMS = 64
"""Rows longer than this are written as balanced parenthesised groups, so the expression tree stays shallow
(a flat ``a + b + …`` chain is one tree level per term; Python's parser stops near a thousand)."""


def _linear_text(terms: list[tuple[str, float]], constant: float) -> str:
    if len(terms) > _FLAT_TERMS:
        grouped = _balanced([f"{_number(c)} * {ref}" if c != 1.0 else ref for ref, c in terms])
        return grouped + (f" + {_number(constant)}" if constant != 0.0 else "")
    parts: list[str] = []
    for ref, coef in terms:
        sign = "-" if coef < 0 else "+"
        mag = abs(coef)
        text = ref if mag == 1.0 else f"{_number(mag)} * {ref}"
        parts.append(text if not parts and sign == "+" else f"{sign} {text}" if parts else f"-{text}")
    if constant != 0.0 or not parts:
        sign = "-" if constant < 0 else "+"
        parts.append(_number(constant) if not parts else f"{sign} {_number(abs(constant))}")
    return " ".join(parts)


def _balanced(items: list[str]) -> str:
    if len(items) <= _FLAT_TERMS // 2:
        return " + ".join(items)
    middle = len(items) // 2
    return f"({_balanced(items[:middle])}) + ({_balanced(items[middle:])})"


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))
