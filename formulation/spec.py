"""`ModelSpec`: the structured model an LLM writes and a person reads.

Two audiences shape this file:

* **The LLM.** The JSON schema of `ModelSpec` is sent as an OpenAI *strict* structured-output schema, so
  every field is required (optional ones are ``X | None``), nothing has a default, there are no ``dict``
  fields (indexed values are lists of ``{index, value}`` entries), every model forbids extra keys, and
  every field carries a description. ``tests/formulation/test_spec_schema.py`` checks these rules.
* **The compiler.** Shape is all that pydantic checks here (plus identifier syntax and name clashes,
  because those make every later message confusing). Meaning — unknown names, index arity, linearity,
  data shapes — is checked by `formulation.compile`, which returns located messages a person or a repair
  loop can act on.

Data can live outside the spec: a parameter may name an entry of a separate ``data.json`` (scalars, lists
and nested lists, as public benchmarks ship them) and a set may take its size or its labels from the data,
so a model refers to its data by name and never copies it.
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from solvers.errors import MilpflowError

__all__ = [
    "RESERVED_NAMES",
    "ConstraintSpec",
    "Domain",
    "IndexedValue",
    "IntRange",
    "ModelSpec",
    "ObjectiveSpec",
    "ParameterSpec",
    "SetSpec",
    "SpecFileError",
    "VariableSpec",
    "load_spec",
]

Element = str | int
"""A set element: a label such as ``"Plant1"`` or an integer such as ``3``."""

Domain = Literal["continuous", "integer", "binary"]
"""A variable's value domain (kept a Literal: it is part of the JSON schema sent to the LLM)."""

Bound = float | str | None
"""A variable bound: a number, an expression over parameters (a bare indexed parameter ``"cap"`` means "at this
variable's index"), ``"-inf"``, or null."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

RESERVED_NAMES = frozenset({"sum", "inf", "for", "in", "if", "and", "or", "not", "True", "False", "None"})
"""Words of the expression language that cannot name a set, parameter, variable or constraint."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_identifier(value: str, what: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(
            f"{what} name {value!r} is not an identifier: use letters, digits and underscores, starting with a letter"
        )
    if value in RESERVED_NAMES or keyword.iskeyword(value):
        raise ValueError(f"{what} name {value!r} is a reserved word of the expression language; choose another name")
    return value


class IntRange(_Strict):
    """Integer elements ``start, start+1, …`` whose count is given directly or read from the data."""

    start: int = Field(description="First element, usually 0 (to match list positions in data.json) or 1.")
    size: int | None = Field(description="Number of elements, or null when size_from gives it.")
    size_from: str | None = Field(
        description=(
            "Name of a data entry or scalar parameter that gives the size: an integer value is the size itself; "
            "a list gives its length. Null when size is given."
        )
    )
    axis: int | None = Field(
        description="For size_from naming a nested list: which axis gives the size (0 = outer). Null means 0."
    )

    @model_validator(mode="after")
    def _one_source(self) -> IntRange:
        if (self.size is None) == (self.size_from is None):
            raise ValueError("an integer range needs exactly one of size or size_from")
        if self.size is not None and self.size < 0:
            raise ValueError(f"range size must be non-negative, got {self.size}")
        return self


class SetSpec(_Strict):
    """An index set. Exactly one of `elements`, `range`, `elements_from` gives its members."""

    name: str = Field(description="Identifier used in expressions, e.g. Plants.")
    description: str | None = Field(description="What the elements are, in a few words.")
    elements: list[Element] | None = Field(description="Members listed one by one, e.g. [\"P1\", \"P2\"].")
    range: IntRange | None = Field(description="Members as an integer range.")
    elements_from: str | None = Field(description="Name of a data entry that holds the list of member labels.")

    @field_validator("name")
    @classmethod
    def check_name(cls, value: str) -> str:
        return _check_identifier(value, "set")

    @model_validator(mode="after")
    def _one_source(self) -> SetSpec:
        given = [self.elements is not None, self.range is not None, self.elements_from is not None]
        if sum(given) != 1:
            raise ValueError(f"set {self.name}: give exactly one of elements, range or elements_from")
        if self.elements is not None and len(set(map(str, self.elements))) != len(self.elements):
            raise ValueError(f"set {self.name}: elements must be unique")
        return self


class IndexedValue(_Strict):
    """One entry of an indexed parameter."""

    index: list[Element] = Field(description="One element per index set, in the parameter's index order.")
    value: float = Field(description="The value at that index.")


class ParameterSpec(_Strict):
    """Known data. Exactly one of `value`, `values`, `data_key` gives it."""

    name: str = Field(description="Identifier used in expressions, e.g. cost.")
    description: str | None = Field(description="What the number means, with units.")
    indices: list[str] = Field(description="Names of the sets that index it, in order; [] for a scalar.")
    value: float | None = Field(description="The value of a scalar parameter; null otherwise.")
    values: list[IndexedValue] | None = Field(description="Entries of an indexed parameter; null otherwise.")
    data_key: str | None = Field(
        description="Name of the data.json entry that holds the value (scalar, list or nested list); null otherwise."
    )
    default: float | None = Field(
        description="Value for indices not listed in values; null means every index is required."
    )

    @field_validator("name")
    @classmethod
    def check_name(cls, value: str) -> str:
        return _check_identifier(value, "parameter")

    @model_validator(mode="after")
    def _one_source(self) -> ParameterSpec:
        given = [self.value is not None, self.values is not None, self.data_key is not None]
        if sum(given) != 1:
            raise ValueError(f"parameter {self.name}: give exactly one of value, values or data_key")
        if self.value is not None and self.indices:
            raise ValueError(f"parameter {self.name}: is indexed by {self.indices}, so use values, not value")
        return self


class VariableSpec(_Strict):
    """A decision variable, one column per combination of its index sets."""

    name: str = Field(description="Identifier used in expressions, e.g. ship.")
    description: str | None = Field(description="What the variable decides, with units.")
    indices: list[str] = Field(description="Names of the sets that index it, in order; [] for a single variable.")
    domain: Domain = Field(description="Value domain.")
    lower: Bound = Field(
        description="Lower bound: a number, an expression over numbers and parameters where a bare indexed "
        "parameter such as \"minq\" means its value at this variable's index, or \"-inf\" for none. Null means 0."
    )
    upper: Bound = Field(
        description="Upper bound: a number, or an expression over numbers and parameters where a bare indexed "
        "parameter such as \"cap\" means its value at this variable's index. Null means no upper bound (1 for binary)."
    )

    @field_validator("name")
    @classmethod
    def check_name(cls, value: str) -> str:
        return _check_identifier(value, "variable")


class ObjectiveSpec(_Strict):
    """The single objective."""

    sense: Literal["minimize", "maximize"] = Field(description="Direction of optimisation.")
    expression: str = Field(
        description="Linear expression, e.g. \"sum(cost[i,j] * ship[i,j] for i in Plants for j in Markets)\"."
    )
    description: str | None = Field(description="What is optimised, in a few words.")


class ConstraintSpec(_Strict):
    """A family of constraints: one row per binding of `forall` (or one row when `forall` is null)."""

    name: str = Field(description="Identifier, e.g. supply; rows are named supply[P1], supply[P2], ….")
    description: str | None = Field(description="One line saying what the constraint enforces.")
    forall: str | None = Field(
        description="Index bindings, e.g. \"i in Plants\" or \"i in Plants, j in Markets if cost[i,j] > 0\"; "
        "null for a single constraint."
    )
    expression: str = Field(
        description="Linear constraint with one comparison (<=, >= or ==), e.g. "
        "\"sum(ship[i,j] for j in Markets) <= supply[i]\"."
    )

    @field_validator("name")
    @classmethod
    def check_name(cls, value: str) -> str:
        return _check_identifier(value, "constraint")


class ModelSpec(_Strict):
    """A complete optimisation model: sets, parameters, variables, one objective, constraints."""

    name: str = Field(description="Short model name.")
    description: str | None = Field(description="One or two sentences on what the model decides.")
    sets: list[SetSpec] = Field(description="Index sets.")
    parameters: list[ParameterSpec] = Field(description="Known data.")
    variables: list[VariableSpec] = Field(description="Decision variables.")
    objective: ObjectiveSpec = Field(description="What to optimise.")
    constraints: list[ConstraintSpec] = Field(description="Constraint families.")

    @model_validator(mode="after")
    def _unique_names(self) -> ModelSpec:
        owners: dict[str, str] = {}
        for kind, items in (
            ("set", self.sets),
            ("parameter", self.parameters),
            ("variable", self.variables),
        ):
            for item in items:
                if item.name in owners:
                    raise ValueError(
                        f"name {item.name!r} is used by a {owners[item.name]} and a {kind}; names must be unique"
                    )
                owners[item.name] = kind
        seen: set[str] = set()
        for con in self.constraints:
            if con.name in seen:
                raise ValueError(f"constraint name {con.name!r} is used twice; names must be unique")
            seen.add(con.name)
        return self

    def set_named(self, name: str) -> SetSpec | None:
        return next((s for s in self.sets if s.name == name), None)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


class SpecFileError(MilpflowError, ValueError):
    """A ModelSpec file could not be read: the message names the file and the failing field."""


def load_spec(path: str | Path) -> ModelSpec:
    """Read a ModelSpec JSON file, turning pydantic's errors into one located, readable message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecFileError(f"{path}: cannot read the file ({exc})") from exc
    return parse_spec(text, source=str(path))


def parse_spec(text: str, *, source: str = "<spec>") -> ModelSpec:
    """Parse ModelSpec JSON text; errors name `source`, the JSON location and what to change."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecFileError(
            f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:
        raise SpecFileError(f"{source}: the JSON nests too deeply to be a ModelSpec") from None
    try:
        return ModelSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecFileError(f"{source}: not a valid ModelSpec:\n{format_validation_error(exc, raw)}") from exc


def format_validation_error(exc: ValidationError, raw: object = None) -> str:
    """One line per problem: ``constraints[2] (supply).expression: Field required``."""
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        loc = _describe_location(err.get("loc", ()), raw)
        lines.append(f"  - {loc}: {err.get('msg', 'invalid')}")
    return "\n".join(lines)


def _describe_location(loc: tuple[object, ...], raw: object) -> str:
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and 0 <= key < len(node):
                node = node[key]
                if isinstance(node, dict) and isinstance(node.get("name"), str):
                    label += f" ({node['name']})"
            else:
                node = None
            parts.append(label)
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"
