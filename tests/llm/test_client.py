"""The LLM client against a real local OpenAI-compatible HTTP server with scripted answers and faults.

Nothing in the SDK is patched: requests go over HTTP to 127.0.0.1 and the assertions read what the server
actually received.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from formulation.cache import ResponseCache
from formulation.llm import ErrorCategory, LLMClient, LLMError, OutputMode, RateLimiter
from formulation.messages import build_messages
from formulation.settings import LLMSettings
from tests.fake_openai import FakeOpenAI, Reply, completion, error, spec_reply

from .conftest import API_KEY, RecordingSleep, settings_for

MESSAGES = build_messages("Ship cases from two plants to three markets at least cost.")


def test_structured_output_request_and_usage(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    with FakeOpenAI([spec_reply(transport_spec, prompt_tokens=2000, completion_tokens=500, cached_tokens=1000)]) as srv:
        answer = LLMClient(settings_for(srv.base_url, tmp_path)).formulate(MESSAGES)
    assert answer.spec.name == "transport" and answer.mode is OutputMode.JSON_SCHEMA
    sent = srv.requests[0]
    assert sent.path == "/v1/chat/completions"
    fmt = sent.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == "ModelSpec"
    assert sent.body["model"] == "gpt-4o-mini" and sent.body["temperature"] == 0.0
    assert sent.headers.get("authorization", sent.headers.get("Authorization")) == f"Bearer {API_KEY}"
    usage = answer.usage
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (1, 2000, 500, 1000)
    # gpt-4o-mini: 1000 uncached × 0.15 + 1000 cached × 0.075 + 500 × 0.60 per 1M tokens
    assert usage.cost_usd == pytest.approx((1000 * 0.15 + 1000 * 0.075 + 500 * 0.60) / 1e6)


def test_429_waits_for_retry_after_then_succeeds(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    script = [error(429, "slow down", headers={"retry-after": "0.3"}), spec_reply(transport_spec)]
    with FakeOpenAI(script) as srv:
        started = time.perf_counter()
        answer = LLMClient(settings_for(srv.base_url, tmp_path, max_backoff=5)).formulate(MESSAGES)
        elapsed = time.perf_counter() - started
    assert len(srv.requests) == 2
    assert elapsed >= 0.3, "the client must honour retry-after"
    assert [c.outcome for c in answer.calls] == ["rate_limited", "ok"]


def test_429_forever_gives_up_after_bounded_retries(tmp_path: Path) -> None:
    sleep = RecordingSleep()
    with FakeOpenAI(lambda req, i: error(429, headers={"retry-after-ms": "1500"})) as srv:
        client = LLMClient(settings_for(srv.base_url, tmp_path, max_retries=3, max_backoff=1.0), sleep=sleep)
        with pytest.raises(LLMError) as info:
            client.formulate(MESSAGES)
    assert info.value.category is ErrorCategory.RATE_LIMITED
    assert len(srv.requests) == 4
    assert sleep.delays == [1.0, 1.0, 1.0], "retry-after-ms (1.5 s) is honoured but capped by max_backoff"
    assert "MILPFLOW_REQUESTS_PER_MINUTE" in str(info.value)


def test_server_without_json_schema_falls_back_to_json_mode_and_remembers(
    tmp_path: Path, transport_spec: dict[str, Any]
) -> None:
    rejected = error(400, "response_format type 'json_schema' is not supported by this model")
    with FakeOpenAI([rejected, spec_reply(transport_spec), spec_reply(transport_spec)]) as srv:
        client = LLMClient(settings_for(srv.base_url, tmp_path))
        first = client.formulate(MESSAGES)
        second = client.formulate(build_messages("another problem"))
    assert [r.response_format_type for r in srv.requests] == ["json_schema", "json_object", "json_object"]
    assert first.mode is second.mode is OutputMode.JSON_OBJECT
    schema_message = srv.requests[1].body["messages"][0]["content"]
    assert "JSON schema" in schema_message and '"ModelSpec"' in schema_message


def test_llama_cpp_style_500_rejection_is_recognised(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    rejected = error(500, 'response_format type must be one of "text" or "json_object"')
    with FakeOpenAI([rejected, spec_reply(transport_spec)]) as srv:
        answer = LLMClient(settings_for(srv.base_url, tmp_path)).formulate(MESSAGES)
    assert answer.mode is OutputMode.JSON_OBJECT and len(srv.requests) == 2


def test_timeout_is_bounded_and_reported(tmp_path: Path) -> None:
    with FakeOpenAI(lambda req, i: Reply(delay=2.0)) as srv:
        client = LLMClient(settings_for(srv.base_url, tmp_path, timeout=0.3, max_retries=1), sleep=RecordingSleep())
        started = time.perf_counter()
        with pytest.raises(LLMError) as info:
            client.formulate(MESSAGES)
    assert info.value.category is ErrorCategory.TIMEOUT
    assert time.perf_counter() - started < 3.0
    assert "MILPFLOW_TIMEOUT" in str(info.value)


def test_invalid_json_body_is_a_server_error_after_retries(tmp_path: Path) -> None:
    with FakeOpenAI(lambda req, i: Reply(body="{not json")) as srv:
        client = LLMClient(settings_for(srv.base_url, tmp_path, max_retries=2), sleep=RecordingSleep())
        with pytest.raises(LLMError) as info:
            client.formulate(MESSAGES)
    assert info.value.category is ErrorCategory.SERVER_ERROR
    assert len(srv.requests) == 3


def test_invalid_model_answer_is_reasked_with_the_validation_error(
    tmp_path: Path, transport_spec: dict[str, Any]
) -> None:
    broken = dict(transport_spec)
    broken["constraints"] = [dict(transport_spec["constraints"][0])]
    del broken["constraints"][0]["expression"]
    with FakeOpenAI([completion("{truncated"), spec_reply(broken), spec_reply(transport_spec)]) as srv:
        answer = LLMClient(settings_for(srv.base_url, tmp_path)).formulate(MESSAGES)
    assert answer.spec.name == "transport" and len(answer.validation_errors) == 2
    second, third = srv.requests[1].text, srv.requests[2].text
    assert "not a valid ModelSpec" in second and "Invalid JSON" in second
    assert "constraints[0] (supply_limit).expression: Field required" in third


def test_invalid_answers_stop_after_the_validation_budget(tmp_path: Path) -> None:
    with FakeOpenAI(lambda req, i: completion('{"name": "x"}')) as srv:
        client = LLMClient(settings_for(srv.base_url, tmp_path, validation_retries=1))
        with pytest.raises(LLMError) as info:
            client.formulate(MESSAGES)
    assert info.value.category is ErrorCategory.INVALID_OUTPUT and len(srv.requests) == 2
    assert info.value.usage.calls == 2  # tokens spent on failures are still accounted


@pytest.mark.parametrize(
    ("reply", "category", "text"),
    [
        (completion(None, refusal="I can't help with that."), ErrorCategory.REFUSAL, "refused"),
        (completion('{"name": "tr', finish_reason="length"), ErrorCategory.TRUNCATED, "MILPFLOW_MAX_TOKENS"),
        (completion("", finish_reason="content_filter"), ErrorCategory.REFUSAL, "content filter"),
        (error(401, "bad key"), ErrorCategory.AUTH, "OPENAI_API_KEY"),
        (error(404, "no such model"), ErrorCategory.BAD_REQUEST, "MILPFLOW_MODEL"),
    ],
    ids=["refusal", "truncated", "content-filter", "auth", "unknown-model"],
)
def test_non_retryable_failures_are_categorised(
    tmp_path: Path, reply: Reply, category: ErrorCategory, text: str
) -> None:
    with FakeOpenAI(lambda req, i: reply) as srv:
        with pytest.raises(LLMError) as info:
            LLMClient(settings_for(srv.base_url, tmp_path)).formulate(MESSAGES)
    assert info.value.category is category
    assert text in str(info.value)
    assert len(srv.requests) == 1, "these failures are not retried"
    assert API_KEY not in str(info.value)


def test_cache_makes_the_second_run_free(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    rejected = error(400, "json_schema not supported")
    with FakeOpenAI([rejected, spec_reply(transport_spec)]) as srv:
        settings = settings_for(srv.base_url, tmp_path, use_cache=True)
        first = LLMClient(settings).formulate(MESSAGES)
        from formulation import llm

        llm._capabilities.clear()  # a new process knows nothing about the server …
        second = LLMClient(settings).formulate(MESSAGES)  # … and still makes no request
    assert len(srv.requests) == 2
    assert second.spec == first.spec
    assert second.usage.calls == 0 and second.usage.cached_calls == 1 and second.usage.cost_usd == 0
    cache = ResponseCache(settings.cache_dir / "responses.sqlite")
    assert len(cache) == 1
    with FakeOpenAI([spec_reply(transport_spec)]) as srv2:  # the same messages to another endpoint are another question
        LLMClient(settings.model_copy(update={"base_url": srv2.base_url})).formulate(MESSAGES)
    assert len(srv2.requests) == 1 and len(cache) == 2


def test_api_key_never_reaches_logs_records_or_cache(
    tmp_path: Path, transport_spec: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI([error(429, headers={"retry-after": "0"}), spec_reply(transport_spec)]) as srv:
        settings = settings_for(srv.base_url, tmp_path, use_cache=True)
        answer = LLMClient(settings).formulate(MESSAGES)
    assert API_KEY not in caplog.text
    assert API_KEY not in answer.model_dump_json()
    assert API_KEY not in repr(settings) and API_KEY not in str(settings.model_dump())
    stored = (settings.cache_dir / "responses.sqlite").read_bytes()
    assert API_KEY.encode() not in stored


def test_not_configured_says_which_variables_to_set() -> None:
    with pytest.raises(LLMError) as info:
        LLMClient(LLMSettings(_env_file=None))  # type: ignore[call-arg]
    message = str(info.value)
    assert info.value.category is ErrorCategory.NOT_CONFIGURED
    assert "OPENAI_API_KEY" in message and "OPENAI_BASE_URL" in message and "milpflow solve model.json" in message


def test_rate_limiter_spaces_requests_within_the_minute() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(requests_per_minute=2, tokens_per_minute=None, clock=lambda: now[0], sleep=sleep)
    assert limiter.acquire(10) == 0 and limiter.acquire(10) == 0
    waited = limiter.acquire(10)  # the third request must wait until the first leaves the window
    assert waited == pytest.approx(60.0, abs=1.0) and now[0] >= 60.0
    tokens = RateLimiter(requests_per_minute=None, tokens_per_minute=1000, clock=lambda: now[0], sleep=sleep)
    tokens.acquire(800)
    before = now[0]
    tokens.acquire(800)
    assert now[0] - before >= 59.0


def test_usage_json_is_stable(tmp_path: Path, transport_spec: dict[str, Any]) -> None:
    with FakeOpenAI([spec_reply(transport_spec)]) as srv:
        answer = LLMClient(settings_for(srv.base_url, tmp_path, model="unpriced-local-model")).formulate(MESSAGES)
    assert answer.usage.cost_usd is None, "a model without a price has unknown cost, not zero"
    assert json.loads(answer.model_dump_json())["calls"][0]["outcome"] == "ok"
