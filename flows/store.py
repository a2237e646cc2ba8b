"""The run store: benchmark runs and their per-problem records, committed one by one.

Why a database and not result files: a benchmark of hundreds of problems must survive a crash and resume
without redoing or duplicating work, and two runs must be comparable problem by problem. Each record is
one row committed on its own, keyed by (run, problem) — a primary key, so a resumed run can never record
a problem twice, whatever the orchestration does.

The default is an embedded SQLite file under the data directory (WAL journal, so readers never block the
writer); ``MILPFLOW_DATABASE_URL`` selects another SQLAlchemy URL, e.g. PostgreSQL for a team. Settings
are stored with secrets removed (`scrub_secrets`), so no API key ever reaches the database.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

__all__ = ["ProblemRow", "RunRow", "RunStore", "default_database_url", "scrub_secrets"]

metadata = MetaData()

runs_table = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("created", Float, nullable=False),
    Column("finished", Float, nullable=True),
    Column("dataset", String(128), nullable=False),
    Column("dataset_version", String(64), nullable=False),
    Column("formulator", String(64), nullable=False),
    Column("model", String(128), nullable=True),
    Column("strategy", String(32), nullable=True),
    Column("settings", Text, nullable=False),
    Column("code_version", String(64), nullable=False),
    Column("problems", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("totals", Text, nullable=True),
)

records_table = Table(
    "records",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("problem_id", String(256), primary_key=True),
    Column("created", Float, nullable=False),
    Column("verdict", String(32), nullable=True),
    Column("error_category", String(64), nullable=True),
    Column("seconds", Float, nullable=True),
    Column("payload", Text, nullable=False),
)

_SECRET_KEY = re.compile(r"(api[_-]?key|secret|password|authorization|access[_-]?token|auth[_-]?token|bearer)",
                         re.IGNORECASE)
"""Key names whose values are credentials (token *counts* such as ``prompt_tokens`` are not)."""


def scrub_secrets(value: Any) -> Any:
    """A copy of `value` with every secret-looking key's value replaced by ``"***"``."""
    if isinstance(value, Mapping):
        return {k: ("***" if _SECRET_KEY.search(str(k)) and v is not None else scrub_secrets(v))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_secrets(v) for v in value]
    return value


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'runs.sqlite').resolve()}"


class RunRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    created: float
    finished: float | None
    dataset: str
    dataset_version: str
    formulator: str
    model: str | None
    strategy: str | None
    settings: dict[str, Any]
    code_version: str
    problems: int
    status: str
    totals: dict[str, Any] | None
    recorded: int = Field(0, description="Records stored so far.")


class ProblemRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    problem_id: str
    created: float
    verdict: str | None
    error_category: str | None
    seconds: float | None
    payload: dict[str, Any]


class RunStore:
    """Runs and records in one SQL database (SQLite by default). Safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)

    # ------------------------------------------------------------------------------------------ runs
    def create_run(
        self,
        *,
        dataset: str,
        dataset_version: str,
        formulator: str,
        model: str | None,
        strategy: str | None,
        settings: Mapping[str, Any],
        code_version: str,
        problems: int,
        run_id: str | None = None,
    ) -> str:
        run_id = run_id or f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        with self.engine.begin() as conn:
            conn.execute(runs_table.insert().values(
                run_id=run_id, created=time.time(), finished=None, dataset=dataset, dataset_version=dataset_version,
                formulator=formulator, model=model, strategy=strategy,
                settings=json.dumps(scrub_secrets(dict(settings)), default=str), code_version=code_version,
                problems=problems, status="running", totals=None,
            ))
        return run_id

    def finish_run(self, run_id: str, totals: Mapping[str, Any], status: str = "completed") -> None:
        with self.engine.begin() as conn:
            conn.execute(update(runs_table).where(runs_table.c.run_id == run_id).values(
                finished=time.time(), status=status, totals=json.dumps(dict(totals), default=str)))

    def reopen_run(self, run_id: str) -> RunRow:
        run = self.get_run(run_id)
        with self.engine.begin() as conn:
            conn.execute(update(runs_table).where(runs_table.c.run_id == run_id).values(status="running"))
        return run

    def get_run(self, run_id: str) -> RunRow:
        with self.engine.connect() as conn:
            row = conn.execute(select(runs_table).where(runs_table.c.run_id == run_id)).mappings().first()
            if row is None:
                matches = conn.execute(
                    select(runs_table.c.run_id).where(runs_table.c.run_id.like(f"{run_id}%"))).scalars().all()
                if len(matches) != 1:
                    raise KeyError(f"no run {run_id!r}" + (f" (ambiguous: {', '.join(matches)})" if matches else ""))
                row = conn.execute(select(runs_table).where(runs_table.c.run_id == matches[0])).mappings().first()
                assert row is not None
            count = len(self.recorded_ids(row["run_id"]))
        return _run_row(dict(row), count)

    def list_runs(self, limit: int = 50) -> list[RunRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs_table).order_by(runs_table.c.created.desc()).limit(limit)).mappings().all()
        return [_run_row(dict(r), len(self.recorded_ids(r["run_id"]))) for r in rows]

    # ------------------------------------------------------------------------------------------ records
    def add_record(
        self,
        run_id: str,
        problem_id: str,
        payload: Mapping[str, Any],
        *,
        verdict: str | None,
        error_category: str | None,
        seconds: float | None,
    ) -> bool:
        """Commit one record; False (and nothing written) if this problem is already recorded in this run."""
        try:
            with self.engine.begin() as conn:
                conn.execute(records_table.insert().values(
                    run_id=run_id, problem_id=problem_id, created=time.time(), verdict=verdict,
                    error_category=error_category, seconds=seconds,
                    payload=json.dumps(scrub_secrets(dict(payload)), default=str),
                ))
        except IntegrityError:
            return False
        return True

    def recorded_ids(self, run_id: str) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(
                select(records_table.c.problem_id).where(records_table.c.run_id == run_id)).scalars().all())

    def records(self, run_id: str) -> Iterator[ProblemRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(records_table).where(records_table.c.run_id == run_id)
                                .order_by(records_table.c.problem_id)).mappings().all()
        for row in rows:
            yield ProblemRow(run_id=row["run_id"], problem_id=row["problem_id"], created=row["created"],
                             verdict=row["verdict"], error_category=row["error_category"], seconds=row["seconds"],
                             payload=json.loads(row["payload"]))


def _run_row(row: Mapping[str, Any], recorded: int) -> RunRow:
    return RunRow(
        run_id=row["run_id"], created=row["created"], finished=row["finished"], dataset=row["dataset"],
        dataset_version=row["dataset_version"], formulator=row["formulator"], model=row["model"],
        strategy=row["strategy"], settings=json.loads(row["settings"]), code_version=row["code_version"],
        problems=row["problems"], status=row["status"],
        totals=json.loads(row["totals"]) if row["totals"] else None, recorded=recorded,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
