"""Configuration read from the environment (``MILPFLOW_*``) or a ``.env`` file, via pydantic-settings.

Only knobs that change behaviour live here; secrets (API keys) are added by the LLM stage as `SecretStr`
so they never print. The run store and the reports `milpflow report` writes without ``-o`` live in the data
directory: ``MILPFLOW_DATA_DIR`` if set, else the user data directory (the LLM response cache goes under the same
directory, see `formulation.settings`), so results do not depend on the folder a command was started in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from formulation.settings import default_data_dir

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """milpflow settings; each field can be set as ``MILPFLOW_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="MILPFLOW_", env_file=".env", extra="ignore")

    max_iterations: int = Field(default=5_000_000, ge=1, description="Expansion limit for compiling a ModelSpec.")
    time_limit: float | None = Field(default=None, gt=0, description="Default solver time limit in seconds.")
    mip_gap: float | None = Field(default=None, ge=0, description="Default relative MIP gap.")
    threads: int | None = Field(default=None, ge=1, description="Default solver threads.")
    data_dir: Path = Field(default_factory=default_data_dir,
                           description="Where the run store, the reports and the LLM cache live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the run store (default: SQLite in data_dir), e.g. PostgreSQL."
    )

    bench_cron: str = Field(default="0 3 * * *", description="Cron schedule of the served nightly benchmark (UTC).")
    bench_dataset: str = Field(default="nl4opt", description="Dataset of the scheduled benchmark.")
    bench_formulator: str = Field(default="reference", description="Formulator of the scheduled benchmark.")

    def store_url(self) -> str:
        from flows.store import default_database_url

        return self.database_url or default_database_url(self.data_dir)

    def reports_dir(self) -> Path:
        """Where `milpflow report` writes when no ``-o`` is given."""
        return self.data_dir / "reports"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
