"""Chat messages for formulation and repair, built from the prompt files in ``formulation/prompts/``.

Prompts live in files so they can be read, diffed and reviewed as text. Data never floods the context:
a data file is summarised as entry names, shapes and a few values; the model refers to entries by name
(``data_key``) and the compiler binds the real numbers.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

__all__ = ["build_messages", "load_prompt", "repair_message", "summarize_data"]

_PREVIEW_VALUES = 4


@cache
def load_prompt(name: str) -> str:
    """The text of ``formulation/prompts/<name>.md``."""
    return resources.files("formulation").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")


def build_messages(problem: str, data: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """System prompt (the language and two worked examples) plus the problem and a data summary."""
    data_section = ""
    if data:
        data_section = load_prompt("data").format(entries=summarize_data(data))
    user = load_prompt("user").format(problem=problem.strip(), data_section=data_section)
    return [{"role": "system", "content": load_prompt("system")}, {"role": "user", "content": user.rstrip() + "\n"}]


def repair_message(attempt: int, feedback: str) -> dict[str, str]:
    """The user message that asks for a corrected ModelSpec after `feedback` on attempt `attempt`."""
    return {"role": "user", "content": load_prompt("repair").format(attempt=attempt, feedback=feedback.strip())}


def summarize_data(data: dict[str, Any]) -> str:
    """One line per entry: ``- cost: list[10][7] of number, e.g. [[34.64, 12.27, …], …]``."""
    return "\n".join(f"- {name}: {_describe(value)}" for name, value in data.items())


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean = {str(value).lower()}"
    if isinstance(value, int | float):
        return f"{'integer' if isinstance(value, int) else 'number'} = {value:g}"
    if isinstance(value, str):
        return f"text = {value[:60]!r}"
    if isinstance(value, dict):
        keys = list(value)
        shown = ", ".join(map(str, keys[:_PREVIEW_VALUES])) + (", …" if len(keys) > _PREVIEW_VALUES else "")
        return f"object with {len(keys)} keys ({shown})"
    if isinstance(value, list):
        shape, leaf = _shape(value)
        dims = "".join(f"[{n}]" for n in shape)
        return f"list{dims} of {leaf}, e.g. {_preview(value)}"
    return type(value).__name__


def _shape(value: Any) -> tuple[list[int], str]:
    shape: list[int] = []
    node = value
    while isinstance(node, list):
        shape.append(len(node))
        if not node:
            return shape, "nothing"
        node = node[0]
    leaf = "label" if isinstance(node, str) else "boolean" if isinstance(node, bool) else \
        "object" if isinstance(node, dict) else "number"
    return shape, leaf


def _preview(value: Any, depth: int = 0) -> str:
    if isinstance(value, list):
        items = [_preview(v, depth + 1) for v in value[: (_PREVIEW_VALUES if depth == 0 else 3)]]
        more = ", …" if len(value) > len(items) else ""
        return "[" + ", ".join(items) + more + "]"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return repr(value[:20])
    if isinstance(value, dict):
        return "{…}"
    return str(value)
