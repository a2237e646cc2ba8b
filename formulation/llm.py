"""Structured output from any OpenAI-compatible endpoint, with the failure handling a benchmark needs.

Contract of `LLMClient.formulate(messages)`: it returns an `LLMAnswer` holding a *valid* `ModelSpec`, the
raw text, per-call records and token/cost accounting — or raises `LLMError` whose `category` says what
went wrong (rate limited, timeout, server error, refusal, truncated, invalid output, auth, bad request,
connection) and whose message says what to do. It never hangs (timeouts), never retries without bound,
and never writes the API key anywhere.

Output modes, tried in order and remembered per (base URL, model) for the process:

1. ``json_schema`` — ``chat.completions.parse(response_format=ModelSpec)``: strict structured output.
2. ``json_object`` — JSON mode with the schema in a system message, for servers that reject
   ``json_schema`` (400/422, or 500 from some llama.cpp builds); answers are validated with pydantic and
   re-asked with the validation error (bounded by ``validation_retries``).
3. ``text`` — no response_format at all; code fences are stripped before validation.

Transient failures (429 honouring ``retry-after``, 5xx, timeouts, connection errors) are retried with
capped exponential backoff by this module, not the SDK (``max_retries=0``), so a 500 that means "no
json_schema here" can be told apart from a flaky server. A client-side `RateLimiter` (requests and tokens
per minute) is shared by every thread using the client. Responses go through the SQLite `ResponseCache`
keyed by model, messages, schema and sampling parameters (not by output mode), so a re-run makes no calls.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Literal

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from formulation.cache import ResponseCache, cache_key
from formulation.settings import LLMSettings
from formulation.spec import ModelSpec, format_validation_error
from solvers.errors import MilpflowError

__all__ = [
    "CallRecord",
    "ErrorCategory",
    "LLMAnswer",
    "LLMClient",
    "LLMError",
    "OutputMode",
    "RateLimiter",
    "Usage",
]

log = logging.getLogger("milpflow.llm")
_SCHEMA_NAME = "ModelSpec"


class OutputMode(StrEnum):
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    TEXT = "text"


class ErrorCategory(StrEnum):
    NOT_CONFIGURED = "not_configured"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    SERVER_ERROR = "server_error"
    AUTH = "auth"
    BAD_REQUEST = "bad_request"
    REFUSAL = "refusal"
    TRUNCATED = "truncated"
    INVALID_OUTPUT = "invalid_output"


class LLMError(MilpflowError, RuntimeError):
    """A formulation call failed; `category` is machine-readable, the message is for people."""

    def __init__(self, category: ErrorCategory, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.category = category
        self.usage = usage or Usage()


class Usage(BaseModel):
    """Tokens and cost, summed over calls. `cost_usd` is None when the model has no known price."""

    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = 0.0

    def add(self, other: Usage) -> Usage:
        cost = None if self.cost_usd is None or other.cost_usd is None else self.cost_usd + other.cost_usd
        return Usage(
            calls=self.calls + other.calls,
            cached_calls=self.cached_calls + other.cached_calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cost_usd=cost,
        )


class CallRecord(BaseModel):
    """One HTTP exchange (or cache hit) as kept in run records."""

    model_config = ConfigDict(extra="forbid")

    mode: OutputMode
    cached: bool
    seconds: float
    outcome: ErrorCategory | Literal["ok"] = Field(description="ok, or the error category of this exchange")
    detail: str | None = None
    usage: Usage = Field(default_factory=Usage)


class LLMAnswer(BaseModel):
    """A validated ModelSpec with everything it cost to get it."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    spec: ModelSpec
    text: str
    mode: OutputMode
    usage: Usage
    calls: list[CallRecord]
    validation_errors: list[str] = Field(default_factory=list, description="Re-asked validation failures.")


class RateLimiter:
    """Sliding-window limiter on requests and tokens per minute, shared by all threads of a client."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._events: deque[tuple[float, int]] = deque()

    def acquire(self, tokens: int) -> float:
        """Block until one request of `tokens` fits in the last minute; return the seconds waited."""
        if self.rpm is None and self.tpm is None:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._events and now - self._events[0][0] >= 60.0:
                    self._events.popleft()
                used_requests = len(self._events)
                used_tokens = sum(t for _, t in self._events)
                fits_requests = self.rpm is None or used_requests + 1 <= self.rpm
                fits_tokens = self.tpm is None or used_tokens + tokens <= self.tpm or not self._events
                if fits_requests and fits_tokens:
                    self._events.append((now, tokens))
                    return waited
                delay = max(0.01, 60.0 - (now - self._events[0][0]))
            self._sleep(min(delay, 1.0))
            waited += min(delay, 1.0)


_capabilities: dict[tuple[str, str], OutputMode] = {}
_capabilities_lock = threading.Lock()


class LLMClient:
    """Formulates ModelSpecs through one OpenAI-compatible endpoint. Thread-safe."""

    def __init__(
        self,
        settings: LLMSettings | None = None,
        *,
        cache: ResponseCache | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or LLMSettings()
        if not self.settings.configured:
            raise LLMError(ErrorCategory.NOT_CONFIGURED, not_configured_message())
        self._sleep = sleep
        self.cache = cache if cache is not None else (
            ResponseCache(self.settings.cache_dir / "responses.sqlite") if self.settings.use_cache else None
        )
        self.limiter = limiter or RateLimiter(self.settings.requests_per_minute, self.settings.tokens_per_minute)
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else "not-needed"
        self._client = openai.OpenAI(
            api_key=key,
            base_url=self.settings.base_url,
            timeout=self.settings.timeout,
            max_retries=0,
        )
        self.endpoint = str(self._client.base_url)

    # ------------------------------------------------------------------------------------------ public
    def formulate(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float | None = None,
        seed: int | None = None,
        sample: int = 0,
    ) -> LLMAnswer:
        """Ask for a ModelSpec; re-ask with the validation error when the answer does not validate.

        Args:
            messages: Chat messages (system, user, …) built from `formulation.prompts`.
            temperature: Overrides the settings' temperature (voting samples use > 0).
            seed: Overrides the settings' seed.
            sample: Index of a voting sample; part of the cache key so k samples are k distinct entries.
        """
        conversation = list(messages)
        usage = Usage()
        calls: list[CallRecord] = []
        problems: list[str] = []
        for _attempt in range(self.settings.validation_retries + 1):
            text, mode, call_usage, records = self._complete(conversation, temperature, seed, sample)
            usage = usage.add(call_usage)
            calls.extend(records)
            try:
                spec = ModelSpec.model_validate_json(_strip_fences(text))
            except ValidationError as exc:
                problem = format_validation_error(exc, _try_json(text))
                problems.append(problem)
                log.info("answer failed validation; re-asking (%s)", problem.splitlines()[0] if problem else "")
                conversation = [
                    *conversation,
                    {"role": "assistant", "content": text},
                    {"role": "user", "content": _reask_message(problem)},
                ]
                continue
            return LLMAnswer(spec=spec, text=text, mode=mode, usage=usage, calls=calls, validation_errors=problems)
        raise LLMError(
            ErrorCategory.INVALID_OUTPUT,
            f"the model's answer was not a valid ModelSpec after {len(problems)} attempt(s); last problems:\n"
            + (problems[-1] if problems else ""),
            usage,
        )

    # ------------------------------------------------------------------------------------------ one completion
    def _complete(
        self, messages: list[dict[str, str]], temperature: float | None, seed: int | None, sample: int
    ) -> tuple[str, OutputMode, Usage, list[CallRecord]]:
        params = {
            "model": self.settings.model,
            "temperature": self.settings.temperature if temperature is None else temperature,
            "seed": self.settings.seed if seed is None else seed,
            "max_tokens": self.settings.max_tokens,
            "sample": sample,
        }
        key = cache_key(endpoint=self.endpoint, messages=messages, schema=ModelSpec.model_json_schema(), params=params)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                usage = self._usage(hit.get("usage"), cached=True)
                record = CallRecord(mode=OutputMode(hit.get("mode", OutputMode.JSON_SCHEMA)), cached=True, seconds=0.0,
                                    outcome="ok", usage=usage)
                return self._content(hit, usage), record.mode, usage, [record]
        records: list[CallRecord] = []
        mode = self._mode()
        transient_failures = 0
        while True:
            started = time.perf_counter()
            try:
                body = self._request(messages, mode, params)
            except _ModeRejected as exc:
                records.append(CallRecord(mode=mode, cached=False, seconds=time.perf_counter() - started,
                                          outcome=ErrorCategory.BAD_REQUEST, detail=str(exc)))
                next_mode = _next_mode(mode)
                if next_mode is None:
                    raise LLMError(ErrorCategory.BAD_REQUEST, f"{self.endpoint} accepted no output mode: {exc}",
                                   _sum(records)) from None
                log.info("%s rejected %s output (%s); falling back to %s", self.endpoint, mode, exc, next_mode)
                mode = next_mode
                continue
            except _Transient as exc:
                records.append(CallRecord(mode=mode, cached=False, seconds=time.perf_counter() - started,
                                          outcome=exc.category, detail=str(exc)))
                if exc.category is ErrorCategory.SERVER_ERROR and mode is OutputMode.JSON_SCHEMA \
                        and self._capability() is None and transient_failures == 0:
                    # Some llama.cpp builds answer json_schema with a 500: probe JSON mode once.
                    transient_failures += 1
                    mode = OutputMode.JSON_OBJECT
                    continue
                transient_failures += 1
                if transient_failures > self.settings.max_retries:
                    raise LLMError(exc.category, _gave_up_message(exc, transient_failures, self.endpoint),
                                   _sum(records)) from None
                delay = self._backoff(transient_failures, exc.retry_after)
                log.info("transient %s from %s; retry %d/%d in %.2f s", exc.category, self.endpoint,
                         transient_failures, self.settings.max_retries, delay)
                self._sleep(delay)
                continue
            seconds = time.perf_counter() - started
            self._remember(mode)
            usage = self._usage(body.get("usage"), cached=False)
            records.append(CallRecord(mode=mode, cached=False, seconds=seconds, outcome="ok", usage=usage))
            text = self._content(body, _sum(records))
            if self.cache is not None:
                self.cache.put(key, {**body, "mode": mode.value})
            return text, mode, _sum(records), records

    def _request(self, messages: list[dict[str, str]], mode: OutputMode, params: dict[str, Any]) -> dict[str, Any]:
        """One HTTP request; returns the response JSON or raises _ModeRejected / _Transient / LLMError."""
        estimate = sum(len(m["content"]) for m in messages) // 4 + min(self.settings.max_tokens, 2000)
        self.limiter.acquire(estimate)
        kwargs: dict[str, Any] = {
            "model": params["model"],
            "messages": messages,
            "temperature": params["temperature"],
            "max_tokens": params["max_tokens"],
        }
        if params["seed"] is not None:
            kwargs["seed"] = params["seed"]
        completions = self._client.chat.completions.with_raw_response
        try:
            if mode is OutputMode.JSON_SCHEMA:
                raw = completions.parse(response_format=ModelSpec, **kwargs)
            elif mode is OutputMode.JSON_OBJECT:
                kwargs["messages"] = _with_schema_message(messages)
                raw = completions.create(response_format={"type": "json_object"}, **kwargs)
            else:
                kwargs["messages"] = _with_schema_message(messages)
                raw = completions.create(**kwargs)
            body = json.loads(raw.text)
        except openai.RateLimitError as exc:
            raise _Transient(ErrorCategory.RATE_LIMITED, _status_text(exc), _retry_after(exc)) from None
        except openai.APITimeoutError:
            raise _Transient(ErrorCategory.TIMEOUT, f"no answer within {self.settings.timeout:g} s", None) from None
        except openai.APIConnectionError as exc:
            raise _Transient(ErrorCategory.CONNECTION, f"cannot connect ({exc.__cause__ or exc})", None) from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise LLMError(ErrorCategory.AUTH, f"{self.endpoint} refused the credentials ({_status_text(exc)}); "
                           "check OPENAI_API_KEY") from None
        except openai.NotFoundError as exc:
            raise LLMError(ErrorCategory.BAD_REQUEST, f"{self.endpoint} does not know model "
                           f"'{params['model']}' ({_status_text(exc)}); set MILPFLOW_MODEL") from None
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            if mode is not OutputMode.TEXT and _mentions_response_format(exc):
                raise _ModeRejected(_status_text(exc)) from None
            raise LLMError(ErrorCategory.BAD_REQUEST, f"{self.endpoint} rejected the request: {_status_text(exc)}") \
                from None
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                if mode is not OutputMode.TEXT and _mentions_response_format(exc):
                    raise _ModeRejected(_status_text(exc)) from None
                raise _Transient(ErrorCategory.SERVER_ERROR, _status_text(exc), _retry_after(exc)) from None
            raise LLMError(ErrorCategory.BAD_REQUEST, f"{self.endpoint} answered {_status_text(exc)}") from None
        except json.JSONDecodeError:
            raise _Transient(ErrorCategory.SERVER_ERROR, "the server's response body is not JSON", None) from None
        if not isinstance(body, dict) or not body.get("choices"):
            raise _Transient(ErrorCategory.SERVER_ERROR, "the server's response has no choices", None)
        return body

    def _content(self, body: dict[str, Any], usage: Usage) -> str:
        choice = body["choices"][0]
        message = choice.get("message") or {}
        finish = choice.get("finish_reason")
        if message.get("refusal"):
            raise LLMError(ErrorCategory.REFUSAL, f"the model refused: {message['refusal']}", usage)
        if finish == "content_filter":
            raise LLMError(ErrorCategory.REFUSAL, "the answer was blocked by the server's content filter", usage)
        if finish == "length":
            raise LLMError(
                ErrorCategory.TRUNCATED,
                f"the answer was cut off at {self.settings.max_tokens} tokens (finish_reason=length); raise "
                "MILPFLOW_MAX_TOKENS or shorten the problem",
                usage,
            )
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            raise LLMError(ErrorCategory.INVALID_OUTPUT, "the answer was empty", usage)
        return content

    # ------------------------------------------------------------------------------------------ helpers
    def _usage(self, raw: object, *, cached: bool) -> Usage:
        data = raw if isinstance(raw, dict) else {}
        prompt = int(data.get("prompt_tokens") or 0)
        completion = int(data.get("completion_tokens") or 0)
        details = data.get("prompt_tokens_details") or {}
        cached_tokens = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
        cost = 0.0 if cached else self._cost(prompt, cached_tokens, completion)
        return Usage(calls=0 if cached else 1, cached_calls=1 if cached else 0, prompt_tokens=prompt,
                     completion_tokens=completion, cached_tokens=cached_tokens, cost_usd=cost)

    def _cost(self, prompt: int, cached: int, completion: int) -> float | None:
        price = _price_for(self.settings.model, self.settings.prices)
        if price is None:
            return None
        per_input, per_cached, per_output = price
        return ((prompt - cached) * per_input + cached * per_cached + completion * per_output) / 1e6

    def _backoff(self, failures: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(self.settings.max_backoff, max(0.0, retry_after))
        base = min(self.settings.max_backoff, 0.5 * 2.0 ** (failures - 1))
        return base * (0.5 + random.random() / 2)

    def _capability(self) -> OutputMode | None:
        with _capabilities_lock:
            return _capabilities.get((self.endpoint, self.settings.model))

    def _mode(self) -> OutputMode:
        return self._capability() or OutputMode.JSON_SCHEMA

    def _remember(self, mode: OutputMode) -> None:
        with _capabilities_lock:
            _capabilities[(self.endpoint, self.settings.model)] = mode


class _ModeRejected(MilpflowError):
    """The server does not support the requested output mode."""


class _Transient(MilpflowError):
    def __init__(self, category: ErrorCategory, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.category = category
        self.retry_after = retry_after


def not_configured_message() -> str:
    return (
        "no LLM endpoint is configured. Set OPENAI_API_KEY (for OpenAI), or OPENAI_BASE_URL for a local "
        "OpenAI-compatible server (e.g. http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for "
        "vLLM), and optionally MILPFLOW_MODEL. A hand-written ModelSpec needs no LLM: "
        "`milpflow solve model.json`."
    )


def _next_mode(mode: OutputMode) -> OutputMode | None:
    order = [OutputMode.JSON_SCHEMA, OutputMode.JSON_OBJECT, OutputMode.TEXT]
    index = order.index(mode)
    return order[index + 1] if index + 1 < len(order) else None


def _sum(records: list[CallRecord]) -> Usage:
    total = Usage()
    for record in records:
        total = total.add(record.usage)
    return total


def _status_text(exc: openai.APIStatusError) -> str:
    detail = ""
    try:
        body = exc.response.json()
        if isinstance(body, dict):
            error = body.get("error")
            detail = error.get("message", "") if isinstance(error, dict) else str(error or body.get("detail", ""))
    except (ValueError, AttributeError):
        detail = ""
    return f"HTTP {exc.status_code}" + (f": {detail[:300]}" if detail else "")


def _mentions_response_format(exc: openai.APIStatusError) -> bool:
    text = _status_text(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "json schema", "structured output",
                                         "json_object"))


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            return None
    return None


def _gave_up_message(exc: _Transient, attempts: int, endpoint: str) -> str:
    advice = {
        ErrorCategory.RATE_LIMITED: "lower the concurrency or set MILPFLOW_REQUESTS_PER_MINUTE / TOKENS_PER_MINUTE",
        ErrorCategory.TIMEOUT: "raise MILPFLOW_TIMEOUT or check that the server is up",
        ErrorCategory.CONNECTION: "check OPENAI_BASE_URL and that the server is running",
        ErrorCategory.SERVER_ERROR: "the server keeps failing; try again later",
    }.get(exc.category, "")
    return f"{endpoint}: {exc.category} after {attempts} attempt(s) ({exc}); {advice}"


def _price_for(model: str, prices: dict[str, tuple[float, float, float]]) -> tuple[float, float, float] | None:
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name)]
    return prices[max(matches, key=len)] if matches else None


def _with_schema_message(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    schema = json.dumps(ModelSpec.model_json_schema(), separators=(",", ":"))
    note = (
        "Answer with one JSON object only (no prose, no code fences) that validates against this JSON schema "
        f"named {_SCHEMA_NAME}. Every key is required; use null where a value does not apply.\n{schema}"
    )
    return [{"role": "system", "content": note}, *messages]


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def _strip_fences(text: str) -> str:
    match = _FENCE.match(text)
    return match.group(1) if match else text.strip()


def _try_json(text: str) -> object:
    try:
        return json.loads(_strip_fences(text))
    except json.JSONDecodeError:
        return None


def _reask_message(problem: str) -> str:
    return (
        "That JSON is not a valid ModelSpec:\n" + problem + "\nReturn the corrected JSON object only, "
        "with every key present."
    )
