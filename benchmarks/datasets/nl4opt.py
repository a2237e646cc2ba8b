"""NL4Opt (sub-task 2): word problems with canonical-form annotations, converted into reference ModelSpecs.

Conversion of each annotation type (``x`` = the annotated variables, ``op`` = ``<=`` / ``>=``):

=============  =====================================================
objective      ``maximize|minimize sum(coef * x)``; type ``objvar``: the sum of the listed variables
linear         ``sum(coef * x) op limit``
sum            ``sum(all x) op limit``
upperbound     ``x <= limit``  (the operator is taken from the annotation)
lowerbound     ``x >= limit``
xy             ``x op y``
xby            ``x op param * y``
ratio          ``x op limit * sum(all x)``  (a share of the total; "70%" → 0.7)
=============  =====================================================

Numbers are written in many ways ("$1,000", "70%", "35 percent", "a third", "twice", "five times",
"one hundred thousand", "8000 minutes"); `parse_number` handles every form in dev and test. A value it
cannot read makes that problem's reference unusable with a recorded reason, never a crash.

Integrality: the annotations state none, so the reference is the continuous LP exactly as annotated
(see SOURCE.md); `integer_variant` gives the all-integer model the audit reports beside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fractions import Fraction
from functools import cached_property, partial
from typing import Any

from benchmarks.datasets.base import Dataset, Problem, ProblemTags
from formulation.compile import compile_spec
from formulation.spec import RESERVED_NAMES, ModelSpec
from solvers.errors import MilpflowError
from solvers.linear import LinearModel

__all__ = ["NL4Opt", "ReferenceConversionError", "annotation_to_spec", "integer_variant", "parse_number"]

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_FRACTIONS = {"half": Fraction(1, 2), "third": Fraction(1, 3), "quarter": Fraction(1, 4), "fourth": Fraction(1, 4),
              "fifth": Fraction(1, 5), "tenth": Fraction(1, 10)}
_MULTIPLES = {"twice": 2, "thrice": 3, "double": 2, "triple": 3}
_OPERATORS = {"LESS_OR_EQUAL": "<=", "GREATER_OR_EQUAL": ">=", "EQUAL": "=="}


class ReferenceConversionError(MilpflowError, ValueError):
    """An annotation cannot be turned into a model; the message names the problem and the field."""


def parse_number(text: str) -> float:
    """The value of an annotated number; raises ValueError with the text when it cannot be read."""
    raw = text
    t = text.strip().lower().replace("$", "").replace(",", "")
    percent = False
    if t.endswith("%") or t.endswith(" percent"):
        percent = True
        t = t.removesuffix("%").removesuffix(" percent").strip()
    t = re.sub(r"\s+times$", "", t).strip()
    t = re.sub(r"^(a|an)\s+", "", t)
    value: float | None = None
    number = re.match(r"^-?\d+(\.\d+)?", t)
    if number:
        value = float(number.group(0))  # "8000 minutes" → 8000
    elif t in _FRACTIONS:
        value = float(_FRACTIONS[t])
    elif t in _MULTIPLES:
        value = float(_MULTIPLES[t])
    else:
        value = _words_to_number(t)
    if value is None:
        raise ValueError(f"cannot read the number {raw!r}")
    return value / 100.0 if percent else value


def _words_to_number(t: str) -> float | None:
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", t):
        if word in ("and", ""):
            continue
        if word in _WORDS:
            current += _WORDS[word]
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        else:
            return None
        seen = True
    return float(total + current) if seen else None


class NL4Opt(Dataset):
    name = "nl4opt"
    licence = "MIT"
    source = "nl4opt/nl4opt-competition @ 49f1e0d (generation_data dev + test)"

    @cached_property
    def _entries(self) -> list[tuple[str, str, dict[str, Any]]]:
        entries: list[tuple[str, str, dict[str, Any]]] = []
        for split in ("dev", "test"):
            with (self.root / f"{split}.jsonl").open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        for pid, body in json.loads(line).items():
                            entries.append((split, pid, body))
        return entries

    def problems(self, **_: Any) -> Iterator[Problem]:
        for split, pid, body in self._entries:
            problem_id = f"{split}-{pid.lstrip('-')}" if not pid.startswith("-") else f"{split}-m{pid[1:]}"
            yield Problem(
                id=problem_id,
                dataset=self.name,
                tags=ProblemTags(problem_class="word problem", kind="LP", split=split),
                source=f"{split}.jsonl#{pid}",
                text=body.get("document"),
                data=None,
                reference=partial(_reference, body, problem_id),
                spec=partial(annotation_to_spec, body, problem_id),
            )


def _reference(body: dict[str, Any], problem_id: str) -> LinearModel:
    return compile_spec(annotation_to_spec(body, problem_id)).model


def integer_variant(model: LinearModel) -> LinearModel:
    """The same model with every variable integer (what most count-valued word problems intend)."""
    out = model.copy()
    out.integrality[:] = True
    return out


def annotation_to_spec(body: dict[str, Any], problem_id: str) -> ModelSpec:
    """The reference ModelSpec of one NL4Opt annotation (see the module docstring for the mapping)."""
    names = _VariableNames(body, problem_id)
    declared = list(dict.fromkeys(body["vars"]))  # a few annotations list a variable twice
    variables = [{"name": names.identifier(v), "description": v, "indices": [], "domain": "continuous",
                  "lower": None, "upper": None} for v in declared]
    all_vars = " + ".join(names.identifier(v) for v in declared)
    objective = body["obj_declaration"]
    sense = "maximize" if str(objective.get("direction", "")).lower().startswith("max") else "minimize"
    constraints = []
    for k, con in enumerate(body["const_declarations"], start=1):
        kind = con.get("type")
        op = _OPERATORS.get(str(con.get("operator")))
        where = f"{problem_id} constraint {k} ({kind})"
        if op is None:
            raise ReferenceConversionError(f"{where}: unknown operator {con.get('operator')!r}")
        try:
            if kind == "linear":
                text = f"{_terms(con['terms'], names)} {op} {_num(con['limit'])}"
            elif kind == "sum":
                text = f"{all_vars} {op} {_num(con['limit'])}"
            elif kind in ("upperbound", "lowerbound"):
                text = f"{names.identifier(con['var'])} {op} {_num(con['limit'])}"
            elif kind == "xy":
                text = f"{names.identifier(con['x_var'])} {op} {names.identifier(con['y_var'])}"
            elif kind == "xby":
                text = f"{names.identifier(con['x_var'])} {op} {_num(con['param'])} * {names.identifier(con['y_var'])}"
            elif kind == "ratio":
                text = f"{names.identifier(con['var'])} {op} {_num(con['limit'])} * ({all_vars})"
            else:
                raise ReferenceConversionError(f"{where}: unknown constraint type {kind!r}")
        except (KeyError, ValueError) as exc:
            if isinstance(exc, ReferenceConversionError):
                raise
            raise ReferenceConversionError(f"{where}: {exc}") from None
        constraints.append({"name": f"c{k}_{kind}", "description": con.get("direction"), "forall": None,
                            "expression": text})
    try:
        if objective.get("type") == "objvar":  # "minimise the total number of …": the listed variables, weight 1
            if not objective.get("vars"):
                raise ValueError("the objective lists no variables")
            objective_text = " + ".join(names.identifier(v) for v in objective["vars"])
        else:
            objective_text = _terms(objective["terms"], names)
    except (KeyError, ValueError) as exc:
        raise ReferenceConversionError(f"{problem_id} objective: {exc}") from None
    return ModelSpec.model_validate({
        "name": re.sub(r"[^A-Za-z0-9_]+", "_", problem_id),
        "description": objective.get("name"),
        "sets": [], "parameters": [], "variables": variables,
        "objective": {"sense": sense, "expression": objective_text, "description": objective.get("name")},
        "constraints": constraints,
    })


def _num(text: str) -> str:
    return repr(parse_number(str(text)))


def _terms(terms: dict[str, str], names: _VariableNames) -> str:
    if not terms:
        raise ValueError("no terms")
    return " + ".join(f"{_num(coef)} * {names.identifier(var)}" for var, coef in terms.items())


class _VariableNames:
    """Maps annotated variable mentions ("chairs", "ox carts") to identifiers of the declared variables."""

    def __init__(self, body: dict[str, Any], problem_id: str) -> None:
        self.problem_id = problem_id
        self.ids: dict[str, str] = {}
        used: set[str] = set()
        for v in dict.fromkeys(body["vars"]):
            ident = re.sub(r"[^A-Za-z0-9_]+", "_", v.strip().lower()).strip("_") or "x"
            if ident[0].isdigit():
                ident = f"x_{ident}"
            if ident in RESERVED_NAMES:
                ident += "_"
            while ident in used:
                ident += "_"
            used.add(ident)
            self.ids[v] = ident
        self.mentions = {k: v for k, v in (body.get("var_mention_to_first_var") or {}).items() if v in self.ids}

    def identifier(self, mention: str) -> str:
        if mention in self.ids:
            return self.ids[mention]
        if mention in self.mentions:
            return self.ids[self.mentions[mention]]
        key = _normal(mention)
        for name, ident in self.ids.items():
            if _normal(name) == key:
                return ident
        for alias, name in self.mentions.items():
            if _normal(alias) == key:
                return self.ids[name]
        raise ValueError(f"variable {mention!r} is not among the declared variables {list(self.ids)}")


def _normal(text: str) -> str:
    words = re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words)
