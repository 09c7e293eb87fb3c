"""Revision 0012 gives existing suppliers' identifiers to the oldest supplier holding each
(a seller created twice before it keeps both rows; new documents find the first)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, select, text

from liasse.store import migrate
from liasse.store.tables import SupplierKey

SIREN = "732829320"
ROW = ("INSERT INTO suppliers (id, workspace_id, legal_name, name_variants, vat_ids, sirens, "
       "sirets, ibans, domains, rule, created_at) VALUES (:id, 'w1', :name, '[]', :vats, "
       ":sirens, '[]', '[]', '[]', '{}', :at)")


def test_existing_identifiers_go_to_the_oldest_supplier(database_url: str) -> None:
    engine: Engine = create_engine(database_url.replace("postgresql://",
                                                        "postgresql+psycopg://"))
    migrate.upgrade(engine, "0009")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO workspaces (id, slug, name, own_company, created_at) "
            "VALUES ('w1', 'acme', 'Acme', '{}', :at)"), {"at": datetime(2026, 1, 1, tzinfo=UTC)})
        for supplier_id, day, vats in (("second", 3, ["FR44732829320"]), ("first", 2, [])):
            connection.execute(text(ROW), {
                "id": supplier_id, "name": f"Seller {supplier_id}", "vats": json.dumps(vats),
                "sirens": json.dumps([SIREN]), "at": datetime(2026, 1, day, tzinfo=UTC)})
    migrate.upgrade(engine)
    with engine.connect() as connection:
        keys = dict(connection.execute(select(SupplierKey.key, SupplierKey.supplier_id)).all())
    engine.dispose()
    assert keys == {SIREN: "first", "FR44732829320": "second"}
