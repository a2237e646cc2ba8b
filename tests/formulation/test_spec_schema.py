"""The ModelSpec JSON schema must be accepted by OpenAI strict structured outputs.

The API rejects a non-conforming schema with a 400 at request time, which would break every formulation
call; these rules (DESIGN.md, ../shared/notes/ecosystem.md §3.2) are checked here offline instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openai.lib._parsing._completions import type_to_response_format_param
from openai.lib._pydantic import to_strict_json_schema

from formulation.spec import ModelSpec

MAX_OBJECT_NESTING = 5


def _objects(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema in the tree (root, $defs, nested), with a path for messages."""
    stack: list[tuple[str, Any]] = [("#", schema)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "object" or "properties" in node:
                yield path, node
            for key, value in node.items():
                stack.append((f"{path}/{key}", value))
        elif isinstance(node, list):
            stack.extend((f"{path}/{k}", v) for k, v in enumerate(node))


@pytest.fixture(params=["pydantic", "openai-strict"])
def schema(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "pydantic":
        return ModelSpec.model_json_schema()
    return to_strict_json_schema(ModelSpec)


def test_root_is_an_object(schema: dict[str, Any]) -> None:
    assert schema["type"] == "object"
    assert "anyOf" not in schema


def test_every_object_forbids_extra_keys_and_requires_every_field(schema: dict[str, Any]) -> None:
    for path, obj in _objects(schema):
        props = obj.get("properties", {})
        assert obj.get("additionalProperties") is False, f"{path}: additionalProperties must be false"
        assert sorted(obj.get("required", [])) == sorted(props), f"{path}: every property must be required"


def test_no_defaults_examples_or_dicts(schema: dict[str, Any]) -> None:
    stack: list[tuple[str, Any, bool]] = [("#", schema, False)]
    while stack:
        path, node, is_property_map = stack.pop()
        if isinstance(node, dict):
            if not is_property_map:  # keys of a `properties` map are field names (a field may be called default)
                assert "default" not in node, f"{path}: 'default' is not permitted in strict mode"
                assert "examples" not in node, f"{path}: 'examples' is not permitted in strict mode"
                extra = node.get("additionalProperties")
                assert extra in (None, False), f"{path}: dict-like field (additionalProperties={extra!r})"
            stack.extend(
                (f"{path}/{k}", v, k in ("properties", "$defs") and not is_property_map) for k, v in node.items()
            )
        elif isinstance(node, list):
            stack.extend((f"{path}/{k}", v, False) for k, v in enumerate(node))


def test_every_field_has_a_description() -> None:
    for path, obj in _objects(ModelSpec.model_json_schema()):
        for name, prop in obj.get("properties", {}).items():
            assert prop.get("description"), f"{path}/{name}: add Field(description=...) — it guides the LLM"


def test_nesting_is_shallow(schema: dict[str, Any]) -> None:
    defs = schema.get("$defs", {})

    def depth(node: Any, seen: frozenset[str]) -> int:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                assert name not in seen, f"recursive schema through {name}"
                return depth(defs[name], seen | {name})
            own = 1 if node.get("type") == "object" else 0
            children = [depth(v, seen) for k, v in node.items() if k != "$defs"]
            return own + max(children, default=0)
        if isinstance(node, list):
            return max((depth(v, seen) for v in node), default=0)
        return 0

    assert depth(schema, frozenset()) <= MAX_OBJECT_NESTING


def test_any_of_never_mixes_objects_with_the_same_first_key(schema: dict[str, Any]) -> None:
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            branches = node.get("anyOf", [])
            first_keys = [next(iter(b.get("properties", {})), None) for b in branches if b.get("type") == "object"]
            assert len(first_keys) == len(set(first_keys)), f"anyOf objects share first keys: {first_keys}"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def test_sdk_sends_it_as_strict_json_schema() -> None:
    param = type_to_response_format_param(ModelSpec)
    assert param["type"] == "json_schema"
    assert param["json_schema"]["strict"] is True
    assert param["json_schema"]["name"] == "ModelSpec"


def test_a_minimal_spec_has_every_key_present() -> None:
    """Round trip through JSON: a spec dumped by pydantic must validate again (no hidden defaults)."""
    spec = ModelSpec.model_validate({
        "name": "m", "description": None, "sets": [], "parameters": [],
        "variables": [{"name": "x", "description": None, "indices": [], "domain": "continuous",
                       "lower": None, "upper": 4}],
        "objective": {"sense": "maximize", "expression": "x", "description": None},
        "constraints": [],
    })
    assert ModelSpec.model_validate_json(spec.model_dump_json()) == spec
    with pytest.raises(ValueError, match="Field required"):
        ModelSpec.model_validate({"name": "m"})
