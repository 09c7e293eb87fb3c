"""The matcher the pipeline and `liasse match` share: documents × transactions → decisions.

Steps, in order, each working on what the previous ones left open:
1. copies of one invoice (same supplier, number, total) are set aside as duplicates;
2. one debit listing the numbers of invoices that add up to it exactly;
3. one-to-one payments and credits, best pairs first, auto only with a clear margin;
4. one debit paying several invoices (bounded subset-sum, credit notes netted);
5. one invoice paid in several debits, or a part of it (always review);
6. payment confirmations matched to the next debits (they do not consume the debit);
7. double charges: a second debit for a paid document, a document asking again to be paid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from liasse.domain.documents import DocumentFacts
from liasse.domain.matching import batches, confirmations, double_charges, pairing
from liasse.domain.matching.model import (
    MatchConfig,
    MatchDecision,
    PreparedDocument,
    PreparedTransaction,
    document_role,
    share_supplier_ibans,
)
from liasse.domain.matching.state import MatchState
from liasse.domain.transactions import BankTransaction


def prepare(documents: Sequence[DocumentFacts], transactions: Sequence[BankTransaction],
            config: MatchConfig, settled: Mapping[str, Sequence[str]],
            roles: Mapping[str, str]) -> MatchState:
    """Normalise once; declined lines, the bank's own fees and settled lines are left out."""
    prepared_docs = [PreparedDocument(facts, document_role(facts, config, roles),
                                      tuple(settled.get(facts.id, ())))
                     for facts in documents]
    share_supplier_ibans(prepared_docs)
    usable = [tx for tx in transactions if tx.status != "declined"
              and tx.operation_type not in config.ignored_operation_types]
    prepared_txs = [PreparedTransaction(tx, index) for index, tx in enumerate(usable)]
    state = MatchState(config, prepared_docs, prepared_txs)
    _take_settled(state)
    return state


def _take_settled(state: MatchState) -> None:
    by_tx_id = {item.tx.id: item for item in state.transactions}
    for document in state.documents:
        if document.settled_by:
            state.taken_documents.add(document.id)
            state.surely_settled.add(document.id)
            for tx_id in document.settled_by:
                if tx_id in by_tx_id:
                    state.taken_transactions.add(by_tx_id[tx_id].index)
                    state.settlements[document.id].append(by_tx_id[tx_id])


def match_transactions(documents: Sequence[DocumentFacts],
                       transactions: Sequence[BankTransaction],
                       config: MatchConfig | None = None, *,
                       settled: Mapping[str, Sequence[str]] | None = None,
                       roles: Mapping[str, str] | None = None) -> list[MatchDecision]:
    """Every decision with its reasons; documents and lines with no decision are absent.

    `settled` maps a document id to the transaction ids already linked to it (from the
    store); `roles` may force a document's role ("payable", "sales", "confirmation").
    """
    state = prepare(documents, transactions, config or MatchConfig(), settled or {}, roles or {})
    copies = double_charges.set_aside_copies(state)
    batches.link_listed_batches(state)
    pairing.link_one_to_one(state)
    batches.link_batched_payments(state)
    batches.link_partial_payments(state)
    confirmations.link_confirmations(state)
    double_charges.flag_second_debits(state)
    double_charges.flag_copies(state, copies)
    double_charges.flag_documents_already_paid(state)
    return state.decisions


__all__ = ["MatchConfig", "MatchDecision", "PreparedDocument", "PreparedTransaction",
           "match_transactions"]
