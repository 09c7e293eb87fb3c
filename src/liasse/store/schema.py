"""The whole schema: every table module imported, so `metadata` knows every table.

Migrations and the schema test use this, never one table module alone.
"""

from __future__ import annotations

from liasse.store import tables_bank, tables_memory, tables_receipts, tables_web
from liasse.store.tables import Base

TABLE_MODULES = (tables_web, tables_receipts, tables_bank, tables_memory)
metadata = Base.metadata
