"""On-disk LLM response cache (SQLite), so a re-run of the same benchmark makes no network call.

Key: a SHA-256 over the canonical JSON of endpoint, model, messages, the output schema and the sampling
parameters (temperature, seed, max tokens, sample index). The output *mode* is deliberately not part of
the key: the same question answered through JSON mode after a json_schema rejection is the same answer.

Concurrency: WAL journal mode plus a busy timeout make it safe for many threads (one connection per
thread) and several processes; writes are single ``INSERT OR REPLACE`` statements, so a crash never leaves
a half-written entry. The API key is never part of what is stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["ResponseCache", "cache_key"]


def cache_key(*, endpoint: str, messages: list[dict[str, str]], schema: dict[str, Any], params: dict[str, Any]) -> str:
    """Stable hex key of one request's meaning."""
    canonical = json.dumps(
        {"endpoint": endpoint, "messages": messages, "schema": schema, "params": params},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """Thread- and process-safe key → JSON store."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, body TEXT NOT NULL, created REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._connect().execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, body: dict[str, Any]) -> None:
        self._connect().execute(
            "INSERT OR REPLACE INTO responses (key, body, created) VALUES (?, ?, ?)",
            (key, json.dumps(body, separators=(",", ":")), time.time()),
        )

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM responses").fetchone()[0])
