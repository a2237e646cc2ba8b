"""The settings and the run store as commands see them: a bad ``MILPFLOW_*`` value or an unusable data directory is
one error line (exit code 2), not a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.cli.errors import fail

if TYPE_CHECKING:
    from flows.settings import Settings
    from flows.store import RunStore

__all__ = ["load_settings", "open_store"]


def load_settings(as_json: bool) -> Settings:
    """`flows.settings.get_settings`, or exit 2 naming the environment variable that is wrong and its value."""
    from pydantic import ValidationError

    from flows.settings import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        name = f"MILPFLOW_{str(first['loc'][0]).upper()}" if first["loc"] else "a MILPFLOW_* setting"
        raise fail(f"{name}={first.get('input')!r} is not allowed: {first['msg']}", as_json=as_json) from None


def open_store(as_json: bool) -> RunStore:
    """The run store named by the settings (SQLite in the data directory unless MILPFLOW_DATABASE_URL is set)."""
    from sqlalchemy.exc import SQLAlchemyError

    from flows.store import RunStore

    settings = load_settings(as_json)
    try:
        return RunStore(settings.store_url())
    except (OSError, SQLAlchemyError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise fail(f"cannot open the run store ({settings.data_dir}): {reason}", as_json=as_json) from None
