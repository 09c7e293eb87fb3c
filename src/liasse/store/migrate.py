"""Schema migrations with Alembic, run programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


# Tables, types and functions of the job queue (procrastinate, on PostgreSQL): made by
# migration 0014 from procrastinate's own script (and 0015's table beside them, naming each
# worker's process), not described in `tables.py`.
JOB_QUEUE_PREFIX = "procrastinate"


def owned_by_liasse(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic's comparisons: the job queue's tables are procrastinate's, not ours."""
    return not (type_ == "table" and (name or "").startswith(JOB_QUEUE_PREFIX))


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision`; safe to call on every start."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def autogenerate(engine: Engine, message: str) -> None:
    """Developer helper: write a new revision from the difference with `tables.py`."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
