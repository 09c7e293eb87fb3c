"""The directory's version moves with every change a person or a window makes to the
suppliers, so the enricher's cached directory is never stale; it stays put otherwise."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.domain.suppliers import Supplier, SupplierRule
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.suppliers_repo import SupplierRepo


def test_every_supplier_change_moves_the_directory_version(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
    seen: list[tuple[int, int]] = []

    def change(what: str, act: object = None) -> None:
        with sessions.begin() as session:
            repo = SupplierRepo(session, workspace_id)
            if callable(act):
                act(repo)
        with sessions.begin() as session:
            version = SupplierRepo(session, workspace_id).directory_version()
        assert version not in seen, f"{what} left the version at {version}"
        seen.append(version)

    ids: dict[str, str] = {}
    change("nothing yet")
    change("a new supplier", lambda r: ids.setdefault(
        "a", r.add(Supplier("", "Alpha SAS", sirens=("732829320",))).id))
    change("another", lambda r: ids.setdefault("b", r.add(Supplier("", "Alpha")).id))
    change("a rename", lambda r: r.rename(ids["a"], "Alpha Conseil SAS"))
    change("a rule", lambda r: r.update_rule(ids["a"], SupplierRule(always_review=True)))
    change("a name variant", lambda r: r.add_name_variant(ids["a"], "Alpha Consulting Paris"))
    change("a merge", lambda r: r.merge(ids["a"], ids["b"]))
    with sessions.begin() as session:
        assert SupplierRepo(session, workspace_id).directory_version() == seen[-1]


def test_the_knowledge_version_is_both_versions_in_one(engine: Engine) -> None:
    """What an enricher checks before each document: the directory's and the history's
    versions, the same as asked one by one, whatever changed."""
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id

    def versions() -> tuple[object, object]:
        with sessions.begin() as session:
            repo = SupplierRepo(session, workspace_id)
            apart = (repo.directory_version(), repo.postings_version())
            assert repo.knowledge_version() == apart
            return apart

    empty = versions()
    with sessions.begin() as session:
        SupplierRepo(session, workspace_id).add(Supplier("", "Alpha SAS", sirens=("732829320",)))
    added = versions()
    assert added[0] != empty[0] and added[1] == empty[1]
