"""Learning from corrections: the directory follows, the memory changes the next read,
contradictions replace hints, forgetting works, and workspaces never share memories."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from liasse.app import actions, learning
from liasse.domain.suppliers import Supplier
from liasse.extract.cascade import ExtractOptions, extract_document, read_pages
from liasse.extract.fields.document import read_document
from liasse.extract.layout import Page
from liasse.samples.corpus import build_spec, layout_for, truth_of
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo

OPTIONS = ExtractOptions(time_limit_seconds=0, ocr="never")


Labelled = tuple[bytes, dict[str, str | None]]


def _two_documents() -> tuple[Labelled, Labelled]:
    """Two invoices of one supplier in one layout: another number, date and month."""
    spec = build_spec(3, 7)
    later = replace(spec, number=spec.number[:-1] + ("9" if spec.number[-1] != "9" else "8"),
                    issue_date=spec.issue_date + timedelta(days=31),
                    due_date=spec.due_date + timedelta(days=31) if spec.due_date else None)
    layout = layout_for(3)
    return (layout.draw(spec), truth_of(spec)), (layout.draw(later), truth_of(later))


def _pages(data: bytes) -> list[Page]:
    return read_pages(data, file="x.pdf", options=OPTIONS).pages


def _workspace(session: Session, slug: str) -> tuple[SupplierRepo, MemoryRepo, DocumentRepo]:
    workspace = store_repo.create_workspace(session, slug, slug.title())
    return (SupplierRepo(session, workspace.id), MemoryRepo(session, workspace.id),
            DocumentRepo(session, workspace.id))


def _teach(suppliers: SupplierRepo, memories: MemoryRepo, data: bytes,
           sets: dict[str, str]) -> learning.Learned:
    result = extract_document(data, file="a.pdf", options=OPTIONS)
    return learning.learn_pages(suppliers, memories, _pages(data), result.fields, sets)


def _labels(truth: dict[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in truth.items() if v is not None}


def test_a_taught_supplier_is_read_with_its_memory(engine: Engine) -> None:
    (first, truth), (second, truth2) = _two_documents()
    with make_session_factory(engine).begin() as session:
        suppliers, memories, _ = _workspace(session, "alpha")
        learned = _teach(suppliers, memories, first, _labels(truth))
        assert learned.supplier_id is not None
        known = memories.memories()
    assert len(known) == 1 and known[0].hints["total_amount"].anchor is not None
    plain = read_document(_pages(second)).fields
    taught = read_document(_pages(second), memories=tuple(known)).fields
    assert taught["supplier_name"].value == truth2["supplier_name"]
    assert taught["supplier_name"].confidence >= plain["supplier_name"].confidence
    assert "confirmed" in taught["supplier_name"].evidence or \
        taught["supplier_name"].confidence >= 0.85
    changed = [n for n in taught if taught[n] != plain[n]]
    assert changed, "the memory changed nothing in the next read"
    for name in ("invoice_number", "issue_date", "total_amount"):
        if taught[name].confidence >= 0.85:
            assert taught[name].value == truth2[name]


def test_a_contradicting_correction_replaces_the_hint(engine: Engine) -> None:
    (first, truth), _ = _two_documents()
    with make_session_factory(engine).begin() as session:
        suppliers, memories, _ = _workspace(session, "alpha")
        _teach(suppliers, memories, first, _labels(truth))
        _teach(suppliers, memories, first, _labels(truth))
        hint = memories.memories()[0].hints["currency"]
        assert hint.trust == 2
        other = "USD" if truth["currency"] != "USD" else "GBP"
        _teach(suppliers, memories, first, {**_labels(truth), "currency": other})
        hint = memories.memories()[0].hints["currency"]
    assert (hint.value, hint.trust, hint.replaced) == (other, 1, 1)


def test_forgetting_drops_what_was_learned(engine: Engine) -> None:
    (first, truth), (_second, _) = _two_documents()
    with make_session_factory(engine).begin() as session:
        suppliers, memories, _ = _workspace(session, "alpha")
        learned = _teach(suppliers, memories, first, _labels(truth))
        assert learned.supplier_id is not None
        assert memories.forget(learned.supplier_id) is True
        assert memories.memories() == []
        assert memories.forget(learned.supplier_id) is False


def test_one_workspace_memory_never_reaches_another(engine: Engine) -> None:
    (first, truth), _ = _two_documents()
    with make_session_factory(engine).begin() as session:
        a_suppliers, a_memories, _ = _workspace(session, "alpha")
        _b_suppliers, b_memories, _ = _workspace(session, "beta")
        learned = _teach(a_suppliers, a_memories, first, _labels(truth))
        assert learned.supplier_id is not None
        assert b_memories.memories() == []
        assert b_memories.memory_of(learned.supplier_id) is None
        assert b_memories.forget(learned.supplier_id) is False
        with pytest.raises(LookupError):
            b_memories.save(a_memories.memories()[0])
        b_memories.move(learned.supplier_id, "x")
        assert len(a_memories.memories()) == 1


def test_a_wrong_supplier_is_merged_when_the_reviewer_sets_the_right_one(
        engine: Engine) -> None:
    (_first, _truth), _ = _two_documents()
    with make_session_factory(engine).begin() as session:
        suppliers, _memories, repo = _workspace(session, "alpha")
        vat = "FR40303265045"
        wrong = suppliers.add(Supplier(id="", legal_name="Muster GmbH", vat_ids=(vat,)))
        right = suppliers.add(Supplier(id="", legal_name="Real Leasing AG"))
        document = repo.create_document(sha256="a" * 64, size=1, file_name="a.pdf",
                                        media_type="application/pdf", actor="test")
        document.state = "in_review"
        document.supplier_id, document.supplier_name = wrong.id, wrong.legal_name
        document.extraction = {"fields": {"supplier_name": {"value": "Muster GmbH"},
                                          "supplier_vat_id": {"value": vat}}}
        session.flush()
        assert actions.assign_supplier(repo, suppliers, document.id, right.id, actor="t")
        assert suppliers.resolve_id(wrong.id) == right.id
        kept = suppliers.get(right.id)
        assert vat in kept.vat_ids
        assert "Muster GmbH" not in kept.name_variants
        assert [s.legal_name for s in suppliers.suppliers()] == ["Real Leasing AG"]


def test_review_approval_and_liasse_learn_give_the_same_memory(engine: Engine) -> None:
    (first, truth), _ = _two_documents()
    corrected = {"invoice_number": str(truth["invoice_number"])}
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        suppliers, memories, repo = _workspace(session, "review")
        result = extract_document(first, file="a.pdf", options=OPTIONS)
        document = repo.create_document(sha256="b" * 64, size=len(first), file_name="a.pdf",
                                        media_type="application/pdf", actor="test")
        document.state = "in_review"
        document.extraction = result.to_json()
        session.flush()
        for name, value in corrected.items():
            actions.edit_field(repo, document.id, name, value, actor="t")
        learning.approve_and_learn(repo, suppliers, memories, lambda sha: first, document.id,
                                   actor="t")
        from_review = memories.memories()[0]
        cli_suppliers, cli_memories, _ = _workspace(session, "cli")
        learning.learn_pages(cli_suppliers, cli_memories, _pages(first), result.fields,
                             corrected)
        from_cli = cli_memories.memories()[0]
    assert from_review.to_json() == from_cli.to_json()
    assert from_review.supplier_name == from_cli.supplier_name


def test_a_bulk_approval_teaches_as_a_single_one_does(engine: Engine) -> None:
    (first, _), _ = _two_documents()
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        single = _workspace(session, "single")
        bulk = _workspace(session, "bulk")
        ids = []
        for _suppliers, _memories, repo in (single, bulk):
            result = extract_document(first, file="a.pdf", options=OPTIONS)
            document = repo.create_document(sha256="c" * 64, size=len(first),
                                            file_name="a.pdf", media_type="application/pdf",
                                            actor="test")
            document.state, document.extraction = "in_review", result.to_json()
            session.flush()
            ids.append(document.id)
        learning.approve_and_learn(single[2], single[0], single[1], lambda sha: first, ids[0],
                                   actor="t")
        result = learning.bulk_approve_and_learn(bulk[2], bulk[0], bulk[1], lambda sha: first,
                                                 [ids[1], ids[1], "no-such-document"],
                                                 actor="t")
        assert result.done == (ids[1],) and set(result.refused) == {"no-such-document"}
        assert bulk[2].get_document(ids[1]).state == "approved"
        (taught,) = bulk[1].memories()
        assert taught.to_json() == single[1].memories()[0].to_json()


def test_learn_refuses_unknown_fields_and_malformed_values() -> None:
    with pytest.raises(learning.LearnRefused) as unknown:
        learning.parse_sets(["colour=blue"])
    assert unknown.value.problem == "unknown_field"
    with pytest.raises(learning.LearnRefused) as bad:
        learning.parse_sets(["issue_date=03/12/2026"])
    assert bad.value.problem == "bad_value"
    assert learning.parse_sets(["total_amount=12,50", "issue_date=2026-12-03"]) == {
        "total_amount": "12.50", "issue_date": "2026-12-03"}
