"""Short-form ModelSpec builders shared by the formulation tests."""

from __future__ import annotations

from typing import Any

from formulation.spec import ModelSpec

__all__ = ["build"]


def build(
    *,
    sets: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    variables: dict[str, dict[str, Any]] | None = None,
    objective: str = "0",
    sense: str = "minimize",
    constraints: dict[str, str | dict[str, Any]] | None = None,
) -> ModelSpec:
    """A ModelSpec from short forms: a set is a list of elements, an int (range 0..n-1) or a dict of SetSpec
    fields; a parameter is a number (scalar) or a dict of ParameterSpec fields whose `values` may be a
    {index: value} dict; a constraint is an expression or a dict with `expression`/`forall`/`description`."""
    set_list = []
    for name, value in (sets or {}).items():
        entry: dict[str, Any] = {"name": name, "description": None, "elements": None, "range": None,
                                 "elements_from": None}
        if isinstance(value, list):
            entry["elements"] = value
        elif isinstance(value, int):
            entry["range"] = {"start": 0, "size": value, "size_from": None, "axis": None}
        else:
            entry.update(value)
        set_list.append(entry)
    param_list = []
    for name, value in (params or {}).items():
        entry = {"name": name, "description": None, "indices": [], "value": None, "values": None,
                 "data_key": None, "default": None}
        if isinstance(value, int | float):
            entry["value"] = value
        else:
            fields = dict(value)
            if isinstance(fields.get("values"), dict):
                fields["values"] = [{"index": list(k) if isinstance(k, tuple) else [k], "value": v}
                                    for k, v in fields["values"].items()]
            entry.update(fields)
        param_list.append(entry)
    var_list = [{"name": name, "description": None, "indices": [], "domain": "continuous", "lower": None,
                 "upper": None, **fields} for name, fields in (variables or {}).items()]
    con_list = [{"name": name, "description": None, "forall": None,
                 **({"expression": c} if isinstance(c, str) else c)} for name, c in (constraints or {}).items()]
    return ModelSpec.model_validate({
        "name": "t", "description": None, "sets": set_list, "parameters": param_list, "variables": var_list,
        "objective": {"sense": sense, "expression": objective, "description": None}, "constraints": con_list,
    })
