"""The matcher's working state for one run: what is prepared, taken and decided so far."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from liasse.domain.matching.index import TransactionIndex
from liasse.domain.matching.model import (
    MatchConfig,
    MatchDecision,
    PreparedDocument,
    PreparedTransaction,
)


class MatchState:
    def __init__(self, config: MatchConfig, documents: list[PreparedDocument],
                 transactions: list[PreparedTransaction]) -> None:
        self.config = config
        self.documents = documents
        self.transactions = transactions
        self.index = TransactionIndex(transactions)
        self.taken_transactions: set[int] = set()
        self.taken_documents: set[str] = set()
        self.decisions: list[MatchDecision] = []
        # document id → the transactions that settle it (given as input, or decided now)
        self.settlements: dict[str, list[PreparedTransaction]] = defaultdict(list)
        self.surely_settled: set[str] = set()  # given as input, or linked automatically
        self.copies: set[str] = set()  # documents set aside as copies of another
        self.by_id = {document.id: document for document in documents}
        self._credit_keys: dict[str, list[PreparedTransaction]] | None = None

    def credits_with_key(self, key: str) -> list[PreparedTransaction]:
        """Incoming lines whose texts carry this reference key (index built on first use)."""
        if self._credit_keys is None:
            self._credit_keys = defaultdict(list)
            for item in self.transactions:
                if item.tx.side == "credit":
                    for found in item.keys:
                        self._credit_keys[found].append(item)
        return self._credit_keys.get(key, [])

    def is_free(self, transaction: PreparedTransaction) -> bool:
        return transaction.index not in self.taken_transactions

    def record(self, decision: MatchDecision, documents: Iterable[PreparedDocument],
               transactions: Iterable[PreparedTransaction], *, settles: bool) -> None:
        """Keep the decision; the documents and transactions it uses are no longer open."""
        self.decisions.append(decision)
        transactions = list(transactions)
        for transaction in transactions:
            self.taken_transactions.add(transaction.index)
        for document in documents:
            self.taken_documents.add(document.id)
            if settles:
                self.settlements[document.id].extend(transactions)
                if decision.band == "auto":
                    self.surely_settled.add(document.id)

    def open_documents(self, *roles: str) -> list[PreparedDocument]:
        return [document for document in self.documents
                if document.role in roles and document.id not in self.taken_documents]
