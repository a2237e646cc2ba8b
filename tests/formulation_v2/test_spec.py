"""`SpecV2` is a strict structured-output schema, and reading one reports located problems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from formulation.v2.spec import SpecV2, SpecV2FileError, is_v2, load_spec_v2, parse_spec_v2

GOOD: dict[str, Any] = {
    "plan": "p", "assumptions": [], "sets": ["N = range(3)"], "parameters": [], "variables": ["x = binary(N)"],
    "objectives": ["maximize(sum(x[i] for i in N))"], "constraints": ["c = sum(x[i] for i in N) <= 2"],
}


def test_schema_is_strict_structured_output_friendly() -> None:
    schema = SpecV2.model_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"]) == {
        "plan", "assumptions", "sets", "parameters", "variables", "objectives", "constraints"}
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
        assert "default" not in prop, name


def test_round_trip_and_frozen() -> None:
    spec = parse_spec_v2(json.dumps(GOOD))
    assert parse_spec_v2(spec.to_json()) == spec
    with pytest.raises(ValidationError):
        spec.plan = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(("text", "fragments"), [
    ("{", ["<spec>: invalid JSON at line 1, column 2"]),
    (json.dumps({**GOOD, "extra": 1}), ["extra: Extra inputs are not permitted"]),
    (json.dumps({k: v for k, v in GOOD.items() if k != "constraints"}), ["constraints: Field required"]),
    (json.dumps({**GOOD, "constraints": ["c = x[0] <= 1", 3]}), ["constraints[1]: Input should be a valid string"]),
    (json.dumps({"name": "old", "objective": {}, "variables": [{"name": "x"}]}),
     ["this is a v1 ModelSpec", "formulation.spec.load_spec"]),
    ("[" * 100_000, ["<spec>:"]),
])
def test_parse_errors_are_located(text: str, fragments: list[str]) -> None:
    with pytest.raises(SpecV2FileError) as info:
        parse_spec_v2(text)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_load_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(SpecV2FileError, match=r"nope\.json: cannot read the file"):
        load_spec_v2(missing)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(GOOD))
    assert load_spec_v2(path).sets == ["N = range(3)"]


def test_is_v2_tells_the_versions_apart() -> None:
    assert is_v2(GOOD)
    assert is_v2({**GOOD, "variables": []})
    assert not is_v2({"name": "m", "objective": {"sense": "minimize"}, "variables": [{"name": "x"}]})
    assert not is_v2({"name": "m", "objective": {"sense": "minimize"}, "variables": []})
    assert not is_v2(["not", "a", "model"])
    v1 = json.loads(Path("examples/knapsack.json").read_text())
    assert not is_v2(v1)
