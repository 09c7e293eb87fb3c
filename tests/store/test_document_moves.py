"""Several moves of one document written at once, and claims of a chunk of documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from liasse.domain.states import State, transition
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.repo import StaleState
from liasse.store.tables import AuditEvent

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=10)


def _documents(engine: Engine, count: int) -> tuple[str, list[str]]:
    with make_session_factory(engine).begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        repo = DocumentRepo(session, workspace_id)
        ids = [repo.create_document(sha256=f"{index:064d}", size=1, file_name=f"{index}.pdf",
                                    media_type="application/pdf", actor="test").id
               for index in range(count)]
    return workspace_id, ids


READ_MOVES = [
    (transition(State.FETCHED, State.EXTRACTED, actor="step:extract", reason="read"),
     {"errors": []}),
    (transition(State.EXTRACTED, State.ENRICHED, actor="step:enrich", reason="enriched"),
     {"supplier": "Seller"}),
    (transition(State.ENRICHED, State.APPROVED, actor="step:route", reason="confident"),
     {"confidence": "0.9"}),
]


def test_moves_in_a_row_write_the_last_state_and_an_audit_event_each(engine: Engine) -> None:
    workspace_id, (document_id,) = _documents(engine, 1)
    with make_session_factory(engine).begin() as session:
        repo = DocumentRepo(session, workspace_id)
        repo.apply_transitions(repo.get_document(document_id), READ_MOVES)
    with make_session_factory(engine).begin() as session:
        document = DocumentRepo(session, workspace_id).get_document(document_id)
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.subject_id == document_id).order_by(AuditEvent.id)).all()
    assert (document.state, document.state_reason, document.claim_owner) == (
        "approved", "confident", None)
    assert [(e.actor, e.before, e.after, e.details) for e in events[1:]] == [
        ("step:extract", "fetched", "extracted", {"errors": []}),
        ("step:enrich", "extracted", "enriched", {"supplier": "Seller"}),
        ("step:route", "enriched", "approved", {"confidence": "0.9"}),
    ]


def test_moves_that_do_not_follow_each_other_are_refused(engine: Engine) -> None:
    workspace_id, (document_id,) = _documents(engine, 1)
    with make_session_factory(engine).begin() as session:
        repo = DocumentRepo(session, workspace_id)
        with pytest.raises(ValueError, match="extracted is not enriched"):
            repo.apply_transitions(repo.get_document(document_id),
                                   [READ_MOVES[0], READ_MOVES[2]])


def test_moves_of_a_document_moved_meanwhile_are_stale(engine: Engine) -> None:
    workspace_id, (document_id,) = _documents(engine, 1)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        repo.apply_transition(repo.get_document(document_id), READ_MOVES[0][0])
    with sessions.begin() as session, pytest.raises(StaleState):
        repo = DocumentRepo(session, workspace_id)
        repo.apply_transitions(repo.get_document(document_id), READ_MOVES)


def test_a_chunk_claim_takes_the_free_documents_in_their_states_in_order(engine: Engine
                                                                        ) -> None:
    workspace_id, ids = _documents(engine, 4)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        assert repo.claim_document(ids[1], State.FETCHED, "another", NOW, LEASE)
        repo.apply_transition(repo.get_document(ids[2]), READ_MOVES[0][0])  # now extracted
    with sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        claimed = repo.claim_documents([ids[3], ids[2], ids[1], ids[0], "gone"],
                                       [State.FETCHED], "me", NOW, LEASE)
        assert [document.id for document in claimed] == [ids[3], ids[0]]
        # Its own claim is its own: a retried job (same owner) takes it back at once.
        again = repo.claim_documents(ids, [State.FETCHED, State.EXTRACTED], "me", NOW, LEASE)
        assert [document.id for document in again] == [ids[0], ids[2], ids[3]]
        later = LEASE + timedelta(seconds=1)
        taken = repo.claim_documents(ids, [State.FETCHED], "another", later,
                                     later + timedelta(minutes=10))
        assert [document.id for document in taken] == [ids[0], ids[1], ids[3]]


REVIEW_MOVES = [*READ_MOVES[:2], (
    transition(State.ENRICHED, State.IN_REVIEW, actor="step:route", reason="unsure"),
    {"confidence": "0.4"})]


def test_moves_of_many_documents_write_each_its_state_and_audit_events(engine: Engine
                                                                       ) -> None:
    workspace_id, ids = _documents(engine, 3)
    with make_session_factory(engine).begin() as session:
        repo = DocumentRepo(session, workspace_id)
        documents = [repo.get_document(document_id) for document_id in ids]
        documents[1].invoice_number = "F-2"  # a step's own change goes with the move
        repo.apply_transitions_to_many([(documents[0], READ_MOVES), (documents[1], REVIEW_MOVES),
                                        (documents[2], READ_MOVES)])
    with make_session_factory(engine).begin() as session:
        repo = DocumentRepo(session, workspace_id)
        stored = [repo.get_document(document_id) for document_id in ids]
        trails = [[(e.before, e.after, e.reason) for e in repo.audit_trail(document_id)[1:]]
                  for document_id in ids]
    assert [(d.state, d.state_reason, d.claim_owner) for d in stored] == [
        ("approved", "confident", None), ("in_review", "unsure", None),
        ("approved", "confident", None)]
    assert stored[1].invoice_number == "F-2"
    assert trails[1] == [("fetched", "extracted", "read"), ("extracted", "enriched", "enriched"),
                         ("enriched", "in_review", "unsure")]
    assert trails[0] == trails[2] == [*trails[1][:2], ("enriched", "approved", "confident")]


def test_moves_of_many_documents_one_of_which_moved_meanwhile_are_stale(engine: Engine
                                                                        ) -> None:
    workspace_id, ids = _documents(engine, 2)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        stale = DocumentRepo(session, workspace_id).get_document(ids[1])
        fresh = DocumentRepo(session, workspace_id).get_document(ids[0])
    with sessions.begin() as session:  # another writer moves the second one meanwhile
        repo = DocumentRepo(session, workspace_id)
        repo.apply_transition(repo.get_document(ids[1]), READ_MOVES[0][0])
    with pytest.raises(StaleState), sessions.begin() as session:  # rolled back
        repo = DocumentRepo(session, workspace_id)
        # Objects read before the other's move: the check happens in the database.
        repo.apply_transitions_to_many([(session.merge(fresh, load=False), READ_MOVES),
                                        (session.merge(stale, load=False), READ_MOVES)])
    with sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        assert [repo.get_document(i).state for i in ids] == ["fetched", "extracted"]
