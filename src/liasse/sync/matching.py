"""The match step: documents against the stored bank lines, decisions applied with reasons.

Automatic payment links move a posted invoice to `matched` and mark the bank line; every
other decision (review candidates, double-charge alerts, copies) is stored as proposed and
written to the documents' audit trails, where the review queue shows it. Decisions are
recorded once each (by fingerprint), so running the step again changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from liasse.domain.documents import DocumentFacts, facts_from_extraction
from liasse.domain.matching.engine import match_transactions
from liasse.domain.matching.model import MatchConfig, MatchDecision
from liasse.domain.outcome import plan_of
from liasse.domain.ports import WorkspaceContext
from liasse.domain.states import State, transition
from liasse.domain.suppliers import OwnCompany
from liasse.store.bank_repo import BankRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.match_repo import MatchRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.tables import Document
from liasse.store.views import OUTBOX_QONTO_ATTACH
from liasse.sync.counts import Counts

MATCHABLE_STATES = (State.APPROVED, State.POSTED, State.MATCHED, State.FILED_BACK,
                    State.IN_REVIEW)
APPLIED_KINDS = frozenset({"payment", "credit"})
# Decisions that stop an approved document from being posted: the bank already paid it.
HOLDING_KINDS = frozenset({"double_charge", "duplicate"})
# How `_documents` marks an approved receipt: attached to the debit that paid it, never posted.
APPROVED_RECEIPT = "approved:receipt"


@dataclass
class MatchReport(Counts):
    decisions: int = 0
    linked: int = 0
    proposed: int = 0
    alerts: int = 0
    held: int = 0


def hold_already_paid(sessions: sessionmaker[Session], context: WorkspaceContext,
                      clock: Callable[[], datetime]) -> MatchReport | None:
    """Before posting: approved documents the bank shows already settled go back to review,
    with the debit that settled them. Runs only when something waits to be posted."""
    with sessions.begin() as session:
        waiting = DocumentRepo(session, context.workspace_id).documents_in_states(
            [State.APPROVED], limit=1)
        has_lines = bool(BankRepo(session, context.workspace_id).count_by_status())
    if not waiting or not has_lines:
        return None
    return run_matching(sessions, context, clock)


def run_matching(sessions: sessionmaker[Session], context: WorkspaceContext,
                 clock: Callable[[], datetime]) -> MatchReport:
    with sessions.begin() as session:
        documents, states, roles = _documents(session, context.workspace_id)
        transactions = BankRepo(session, context.workspace_id).transactions()
        settled = MatchRepo(session, context.workspace_id).settled()
    config = MatchConfig(own_company=OwnCompany.from_identifiers(context.own_names,
                                                                 context.own_identifiers))
    decisions = match_transactions(documents, transactions, config, settled=settled,
                                   roles=roles)
    report = MatchReport(decisions=len(decisions))
    for decision in decisions:
        _apply(sessions, context.workspace_id, decision, states, clock, report)
    return report


def _documents(session: Session, workspace_id: str
               ) -> tuple[list[DocumentFacts], dict[str, str], dict[str, str]]:
    """Facts, states and forced roles (sales documents from a Sales folder). An approved
    receipt's state reads `APPROVED_RECEIPT`: it is attached, not posted, once paid."""
    repo = DocumentRepo(session, workspace_id)
    facts: list[DocumentFacts] = []
    states: dict[str, str] = {}
    roles: dict[str, str] = {}
    for document in repo.documents_in_states(MATCHABLE_STATES, limit=100_000):
        extraction = document.read_extraction()
        if extraction is None:
            continue
        facts.append(facts_from_extraction(extraction, document.id))
        states[document.id] = document.state
        if document.state == State.APPROVED.value and plan_of(
                document.document_type, document.source_kind, None) == "attach_receipt":
            states[document.id] = APPROVED_RECEIPT
        if document.source_kind == "sales":
            roles[document.id] = "sales"
    return facts, states, roles


def _apply(sessions: sessionmaker[Session], workspace_id: str, decision: MatchDecision,
           states: dict[str, str], clock: Callable[[], datetime], report: MatchReport) -> None:
    link = decision.band == "auto" and decision.kind in APPLIED_KINDS and all(
        states.get(document_id) == State.POSTED.value for document_id in decision.document_ids)
    attach = decision.band == "auto" and (decision.kind == "confirmation" or (
        decision.kind == "payment" and len(decision.document_ids) == 1
        and states.get(decision.document_ids[0]) == APPROVED_RECEIPT))
    hold = decision.kind in HOLDING_KINDS
    if decision.band == "auto" and decision.kind in APPLIED_KINDS and not (link or attach):
        return  # sure, but not posted yet: the window after the post links it
    with sessions.begin() as session:
        row, created = MatchRepo(session, workspace_id).record(
            decision, "linked" if link or attach else "proposed")
        if not created:
            return
        repo = DocumentRepo(session, workspace_id)
        reason = f"{decision.kind} ({decision.band}, {decision.score:.0%}): " + "; ".join(
            decision.reasons)
        for document_id in decision.document_ids:
            document = repo.get_document(document_id)
            if link:
                if decision.converted is not None and len(decision.document_ids) == 1:
                    # The bank's own conversion replaces the rate table's estimate.
                    document.converted_minor = decision.converted.minor
                    document.converted_currency = decision.converted.currency
                    document.converted_source = "bank"
                repo.apply_transition(document, transition(
                    State.POSTED, State.MATCHED, actor="step:match", reason=reason,
                ), {"transaction_id": decision.transaction_id, "match_id": row.id})
            elif attach:
                _attach_confirmation(repo, document, decision, reason, row.id)
            elif hold and document.state == State.APPROVED.value:
                report.held += 1
                repo.apply_transition(document, transition(
                    State.APPROVED, State.IN_REVIEW, actor="step:match",
                    reason=f"held before posting, already paid? {reason}",
                ), {"transaction_id": decision.transaction_id, "match_id": row.id})
            else:
                repo.add_audit("document", document_id, actor="step:match", reason=reason,
                               details={"transaction_id": decision.transaction_id,
                                        "match_id": row.id, "kind": decision.kind})
        if link or (attach and decision.kind == "payment"):
            BankRepo(session, workspace_id).mark_matched([decision.transaction_id], clock())
    report.linked += int(link)
    report.proposed += int(not link)
    report.alerts += int(decision.kind in ("double_charge", "duplicate"))


ATTACH_NAMESPACE = uuid.UUID("8b7f1c9e-2d4a-5e6f-9a0b-6c6961737365")


def attach_key(workspace_id: str, sha256: str, transaction_id: str) -> str:
    return str(uuid.uuid5(ATTACH_NAMESPACE, f"{workspace_id}:{sha256}:{transaction_id}"))


def _attach_confirmation(repo: DocumentRepo, document: Document, decision: MatchDecision,
                         reason: str, match_id: str) -> None:
    """Record the intent to attach the confirmation to its bank line; the Qonto window
    sends it. The confirmation leaves the review queue: a person has nothing to decide."""
    outbox = OutboxRepo(repo.session, repo.workspace_id)
    outbox.enqueue_outbox(OUTBOX_QONTO_ATTACH,
                          attach_key(repo.workspace_id, document.sha256, decision.transaction_id),
                          {"transaction_id": decision.transaction_id, "sha256": document.sha256,
                           "file_name": document.file_name, "match_id": match_id},
                          document_id=document.id)
    if document.state == State.IN_REVIEW.value:
        repo.apply_transition(document, transition(
            State.IN_REVIEW, State.MATCHED, actor="step:match",
            reason=f"confirmation of a payment, attached to the bank line: {reason}",
        ), {"transaction_id": decision.transaction_id, "match_id": match_id})
    elif document.state == State.APPROVED.value:
        repo.apply_transition(document, transition(
            State.APPROVED, State.MATCHED, actor="step:match",
            reason=f"receipt attached to the bank line that paid it (not posted as a "
                   f"supplier invoice): {reason}",
        ), {"transaction_id": decision.transaction_id, "match_id": match_id})
