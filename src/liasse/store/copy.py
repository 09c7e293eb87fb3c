"""Copy a whole installation's database into another one (`liasse db copy`).

For users who outgrow SQLite: every row of every table goes to an empty PostgreSQL
database brought to the same schema revision, in one transaction (a failed copy leaves
the target empty). Secrets travel as they are stored, encrypted under each workspace's
data key, which the master key wraps: the copy works with the same master key
(`LIASSE_SECRET_KEY` or `$LIASSE_HOME/master.key`). Documents reference their blobs by
SHA-256, so the blob store (folder or bucket) serves the copy unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Integer, func, select, text

from liasse.store import migrate
from liasse.store.schema import metadata

BATCH = 1000


class TargetNotEmpty(ValueError):
    """The target database already holds liasse rows: it is never merged into."""


@dataclass(frozen=True)
class CopyReport:
    rows: dict[str, int]  # by table

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def copy_database(source: Engine, target: Engine) -> CopyReport:
    """Copy every table of `source` into the empty `target`; both end at the same revision."""
    migrate.upgrade(source)
    migrate.upgrade(target)
    rows: dict[str, int] = {}
    with source.connect() as reader, target.begin() as writer:
        _refuse_rows(writer)
        for table in metadata.sorted_tables:  # parents before the rows that point to them
            rows[table.name] = 0
            result = reader.execution_options(yield_per=BATCH).execute(select(table))
            for batch in result.partitions(BATCH):
                writer.execute(table.insert(), [dict(row._mapping) for row in batch])
                rows[table.name] += len(batch)
        if writer.dialect.name == "postgresql":
            _advance_sequences(writer)
    return CopyReport(rows)


def count_rows(engine: Engine) -> dict[str, int]:
    """Rows per table (what `copy_database` should have reproduced)."""
    with engine.connect() as connection:
        return {table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for table in metadata.sorted_tables}


def _refuse_rows(connection: Connection) -> None:
    for table in metadata.sorted_tables:
        if connection.scalar(select(func.count()).select_from(table)):
            raise TargetNotEmpty(
                f"the target database already has rows in {table.name}: copy into an empty one")


def _advance_sequences(connection: Connection) -> None:
    """Copied integer ids were inserted as they were: their sequences must go on after them."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            single = len(table.primary_key.columns) == 1
            if single and isinstance(column.type, Integer) and column.autoincrement in (
                    True, "auto"):
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "  # noqa: S608 (names from the schema)
                    f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) "
                    f"FROM {table.name}"))
