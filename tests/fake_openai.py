"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests, benchmarks and offline demos.

It speaks the wire protocol of ``POST /v1/chat/completions`` over real HTTP (standard library server, one
thread per request), so the `openai` SDK, its HTTP stack, timeouts and retries are exercised exactly as
against a real endpoint — nothing is patched. Each request is recorded (path, headers, JSON body) so tests
can assert on what really went over the wire, and each answer comes from a script: a list of `Reply`
objects served in order, or a function of the request.

Fault injection is just another `Reply`: ``error(429, headers={"retry-after": "0.1"})``, ``error(500)``,
``Reply(delay=5)`` for a timeout, ``Reply(body="{not json")``, ``completion(refusal="…")``,
``completion(text, finish_reason="length")``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeOpenAI", "RecordedRequest", "Reply", "completion", "error", "spec_reply"]


@dataclass
class Reply:
    """One scripted HTTP answer."""

    status: int = 200
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def text(self) -> str:
        """Every message's content joined: what the model was told."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))

    @property
    def response_format_type(self) -> str | None:
        fmt = self.body.get("response_format")
        return fmt.get("type") if isinstance(fmt, dict) else None


def completion(
    content: str | None = None,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 1200,
    completion_tokens: int = 300,
    cached_tokens: int = 0,
    delay: float = 0.0,
) -> Reply:
    """A chat completion whose message carries `content` (or a `refusal`)."""
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{
            "index": 0,
            "finish_reason": finish_reason,
            "message": {"role": "assistant", "content": content, "refusal": refusal},
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
        },
    }
    return Reply(body=body, delay=delay)


def spec_reply(spec: dict[str, Any] | Any, **kwargs: Any) -> Reply:
    """A completion whose content is `spec` (a dict or a pydantic model) as JSON."""
    text = spec.model_dump_json() if hasattr(spec, "model_dump_json") else json.dumps(spec)
    return completion(text, **kwargs)


def error(status: int, message: str = "scripted failure", *, headers: dict[str, str] | None = None) -> Reply:
    """An OpenAI-style error body with `status`."""
    return Reply(status=status, body={"error": {"message": message, "type": "fake", "code": status}},
                 headers=headers or {})


Script = list[Reply] | Callable[[RecordedRequest, int], Reply]


class FakeOpenAI:
    """Context manager: ``with FakeOpenAI([...]) as server: … server.base_url … server.requests``."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            index = len(self.requests) - 1
            if callable(self._script):
                script = self._script
            elif index < len(self._script):
                return self._script[index]
            else:
                return error(500, f"fake server script exhausted after {len(self._script)} replies")
        return script(request, index)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_unparseable": raw.decode("utf-8", "replace")}
                request = RecordedRequest(path=self.path, headers=dict(self.headers.items()), body=body)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    reply = error(404, f"unknown path {self.path}")
                else:
                    reply = owner._next_reply(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body or {})
                data = payload.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (timeout tests)

        return Handler
