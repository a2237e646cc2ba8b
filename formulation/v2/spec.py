"""`SpecV2`: the v2 model an LLM writes — a JSON object whose fields are short lists of statements.

Why so flat: the statements carry the structure (SYNTAX.md), so the JSON schema is trivial and fits OpenAI's
strict structured output: every field required, no defaults, no extra keys, every field described. Pydantic
checks only the shape; `formulation.v2.compiler` checks the meaning and reports located errors.

`is_v2` tells a v2 object from a v1 `ModelSpec` (whose ``variables`` are objects and whose ``objective`` is
singular) so a loader can dispatch on the raw JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from solvers.errors import MilpflowError

__all__ = ["SpecV2", "SpecV2FileError", "is_v2", "load_spec_v2", "parse_spec_v2"]


class SpecV2(BaseModel):
    """A complete v2 model: statements by section, plus the plan and assumptions that explain them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: str = Field(
        description="How the problem maps to sets, data, variables, objectives and constraints, in a few "
        "sentences. Free text, never compiled."
    )
    assumptions: list[str] = Field(
        description="Each assumption made where the problem text is ambiguous or silent, one per entry."
    )
    sets: list[str] = Field(
        description="Set statements `Name = expression`, e.g. \"N = range(len(x))\", "
        "\"A = [(i, j) for i in N for j in N if i != j]\". A trailing `# comment` describes the set."
    )
    parameters: list[str] = Field(
        description="Parameter statements `name = expression` computed from data, e.g. "
        "\"d = {(i, j): sqrt((x[i] - x[j])**2 + (y[i] - y[j])**2) for (i, j) in A}\". Data entries need none."
    )
    variables: list[str] = Field(
        description="Variable statements `name = continuous|integer|binary(IndexSets..., lb=..., ub=...)`, e.g. "
        "\"go = binary(A)\", \"u = continuous(N, ub=len(N) - 1)\"."
    )
    objectives: list[str] = Field(
        description="`minimize(expr)` or `maximize(expr)`, optionally `name = ...`; several entries are "
        "priorities, the first the most important (tol=, abs_tol= keep each within its optimum)."
    )
    constraints: list[str] = Field(
        description="Constraint statements `name = constraint` or `name = (constraint for ... in ... if ...)`; "
        "constraints compare linear expressions (<=, >=, ==) or use implies, either, all, abs, max, min, piecewise."
    )

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


class SpecV2FileError(MilpflowError, ValueError):
    """A v2 spec could not be read: the message names the source and each failing field."""


def is_v2(raw: object) -> bool:
    """True when `raw` (parsed JSON) is a v2 model rather than a v1 `ModelSpec`.

    v2 has ``objectives`` (a list) and statement strings under ``variables``; v1 has ``objective`` and variable
    objects."""
    if not isinstance(raw, dict):
        return False
    variables = raw.get("variables")
    if isinstance(variables, list) and variables:
        if all(isinstance(v, str) for v in variables):
            return True
        if any(isinstance(v, dict) for v in variables):
            return False
    if "objective" in raw and "objectives" not in raw:
        return False
    return "objectives" in raw or "plan" in raw


def load_spec_v2(path: str | Path) -> SpecV2:
    """Read a v2 spec file; errors name the file and the failing field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecV2FileError(f"{path}: cannot read the file ({exc})") from exc
    return parse_spec_v2(text, source=str(path))


def parse_spec_v2(text: str, *, source: str = "<spec>") -> SpecV2:
    """Parse v2 JSON text; errors name `source`, the JSON location (``constraints[2]``) and what is wrong."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecV2FileError(f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except RecursionError:
        raise SpecV2FileError(f"{source}: the JSON nests too deeply to be a model") from None
    if isinstance(raw, dict) and not is_v2(raw):
        raise SpecV2FileError(f"{source}: this is a v1 ModelSpec (variables are objects, one `objective`), not a v2 "
                              "model; load it with formulation.spec.load_spec")
    try:
        return SpecV2.model_validate(raw)
    except ValidationError as exc:
        lines = [f"  - {_location(err.get('loc', ()))}: {err.get('msg', 'invalid')}"
                 for err in exc.errors(include_url=False)]
        raise SpecV2FileError(f"{source}: not a valid v2 model:\n" + "\n".join(lines)) from exc


def _location(loc: tuple[object, ...]) -> str:
    parts: list[str] = []
    for key in loc:
        parts.append(f"[{key}]" if isinstance(key, int) else (f".{key}" if parts else str(key)))
    return "".join(parts) or "(top level)"
