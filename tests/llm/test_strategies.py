"""Strategies over the scripted server: repair feedback really reaches the model, votes cluster by isomorphism."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from formulation.llm import LLMClient
from formulation.strategies import StrategyOptions, formulate
from solvers.result import SolveStatus
from tests.fake_openai import FakeOpenAI, RecordedRequest, Reply, error, spec_reply

from .conftest import settings_for

PROBLEM = "Ship cases from two plants to three markets at least cost."


def _with_demand(spec: dict[str, Any], market_value: float) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    for param in out["parameters"]:
        if param["name"] == "demand":
            param["values"][0]["value"] = market_value
    return out


def test_repair_sends_the_iis_back_and_keeps_every_attempt(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    infeasible = _with_demand(transport_spec, 5000)
    with FakeOpenAI([spec_reply(infeasible), spec_reply(transport_spec)]) as srv:
        client = LLMClient(settings_for(srv.base_url, tmp_path))
        record = formulate(client, PROBLEM, None, StrategyOptions(strategy="repair"))
    assert record.ok and record.result is not None and record.result.objective == pytest.approx(153.675)
    assert [a.status for a in record.attempts] == [SolveStatus.INFEASIBLE, SolveStatus.OPTIMAL]
    repair_prompt = srv.requests[1].text
    assert "infeasible" in repair_prompt
    assert "meet_demand[NewYork]" in repair_prompt and ">= 5000" in repair_prompt  # the IIS row, written out
    assert "sum(ship[i,j] for i in Plants) >= demand[j]" in repair_prompt  # and the expression it came from
    assert record.attempts[0].feedback is not None and record.usage.calls == 2


def test_repair_feeds_back_located_build_errors(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(transport_spec)
    broken["constraints"][0]["expression"] = "sum(shipp[i,j] for j in Markets) <= supply[i]"
    broken["constraints"][1]["expression"] = "sum(ship[i,j] * ship[i,j] for i in Plants) >= demand[j]"
    with FakeOpenAI([spec_reply(broken), spec_reply(transport_spec)]) as srv:
        record = formulate(LLMClient(settings_for(srv.base_url, tmp_path)), PROBLEM, None,
                           StrategyOptions(strategy="repair"))
    assert record.ok
    feedback = srv.requests[1].text
    assert "constraint `supply_limit`: unknown parameter or variable `shipp`" in feedback
    assert "did you mean `ship`" in feedback
    assert "constraint `meet_demand`" in feedback and "not linear" in feedback
    assert record.attempts[0].error_category == "build_error"


def test_repair_reports_the_unbounded_direction(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    unbounded = copy.deepcopy(transport_spec)
    unbounded["objective"]["sense"] = "maximize"
    unbounded["constraints"] = [unbounded["constraints"][1]]  # only demand rows: shipping more pays without limit
    with FakeOpenAI([spec_reply(unbounded), spec_reply(transport_spec)]) as srv:
        record = formulate(LLMClient(settings_for(srv.base_url, tmp_path)), PROBLEM, None,
                           StrategyOptions(strategy="repair"))
    assert record.attempts[0].status is SolveStatus.UNBOUNDED
    assert "unbounded" in srv.requests[1].text and "ship[" in srv.requests[1].text


def test_repair_gives_up_after_max_attempts_and_loses_nothing(
    tmp_path: Path, transport_spec: dict[str, Any]
) -> None:
    infeasible = _with_demand(transport_spec, 5000)
    with FakeOpenAI(lambda req, i: spec_reply(infeasible)) as srv:
        record = formulate(LLMClient(settings_for(srv.base_url, tmp_path)), PROBLEM, None,
                           StrategyOptions(strategy="repair", max_attempts=3))
    assert len(srv.requests) == 3 and len(record.attempts) == 3
    assert record.error_category == "not_solvable" and not record.ok
    assert record.result is not None and record.result.status is SolveStatus.INFEASIBLE


def test_direct_makes_one_attempt_and_transport_failures_are_recorded(tmp_path: Path) -> None:
    with FakeOpenAI(lambda req, i: error(503, "overloaded")) as srv:
        client = LLMClient(settings_for(srv.base_url, tmp_path, max_retries=1, max_backoff=0.01))
        record = formulate(client, PROBLEM, None, StrategyOptions(strategy="direct"))
    assert record.error_category == "server_error" and record.spec is None
    assert len(record.attempts) == 1 and "server_error" in (record.error or "")


def _renamed(spec: dict[str, Any]) -> dict[str, Any]:
    """The same model with other names and the constraint families in another order (isomorphic)."""
    text = json.dumps(spec).replace("ship", "flow").replace("supply_limit", "cap").replace("meet_demand", "need")
    out = json.loads(text)
    out["constraints"].reverse()
    return out


def test_vote_picks_the_largest_isomorphism_class(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    wrong = _with_demand(transport_spec, 100)  # a different model (and a different optimum)
    answers = [spec_reply(wrong), spec_reply(transport_spec), spec_reply(_renamed(transport_spec)),
               spec_reply(wrong), spec_reply(_renamed(transport_spec))]
    with FakeOpenAI(answers) as srv:
        record = formulate(LLMClient(settings_for(srv.base_url, tmp_path)), PROBLEM, None,
                           StrategyOptions(strategy="vote", votes=5, vote_temperature=0.8))
    assert record.vote is not None
    assert record.vote.class_sizes == [3, 2] and record.vote.chosen_class == [2, 3, 5]
    assert record.vote.confidence == 0.6
    assert record.result is not None and record.result.objective == pytest.approx(153.675)
    assert {r.body["temperature"] for r in srv.requests} == {0.8}
    assert len(record.attempts) == 5


def test_vote_over_repair_repairs_each_sample(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    infeasible = _with_demand(transport_spec, 5000)

    def script(request: RecordedRequest, index: int) -> Reply:
        is_repair = "does not work yet" in request.text
        return spec_reply(transport_spec if is_repair else infeasible)

    with FakeOpenAI(script) as srv:
        record = formulate(LLMClient(settings_for(srv.base_url, tmp_path)), PROBLEM, None,
                           StrategyOptions(strategy="vote", votes=2, vote_inner="repair"))
    assert len(srv.requests) == 4
    assert record.vote is not None and record.vote.class_sizes == [2]
    assert record.result is not None and record.result.status is SolveStatus.OPTIMAL


def test_large_data_is_summarised_not_copied(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    data = {"cost": [[float(i * 100 + j) + 0.123 for j in range(100)] for i in range(100)], "budget": 12}
    with FakeOpenAI([spec_reply(transport_spec)]) as srv:
        formulate(LLMClient(settings_for(srv.base_url, tmp_path)), PROBLEM, data, StrategyOptions())
    prompt = srv.requests[0].body["messages"][-1]["content"]
    assert "cost: list[100][100] of number" in prompt and "budget: integer = 12" in prompt
    assert "9999.123" not in prompt and len(prompt) < 3000
