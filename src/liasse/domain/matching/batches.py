"""Payments that are not one-to-one: one debit for several invoices, several debits for one.

A batch links automatically only when exactly one combination of the counterparty's open
documents adds up to the debit and the IBAN or a reference confirms who was paid. Parts of
an invoice always wait for a person, with the residual spelled out.
"""

from __future__ import annotations

from collections import defaultdict

from liasse.domain.matching.index import date_window, rarest_word_list
from liasse.domain.matching.model import MatchDecision, PreparedDocument, PreparedTransaction
from liasse.domain.matching.pairing import kind_for, side_for
from liasse.domain.matching.scoring import (
    EXACT_AMOUNT,
    IBAN,
    NAME_SIMILAR_FROM,
    REFERENCE,
    is_sure_name,
)
from liasse.domain.matching.state import MatchState
from liasse.domain.matching.subset import exact_subsets
from liasse.domain.money import Money
from liasse.domain.suppliers import name_similarity

PARTS_MAX = 4
PARTS_POOL = 10
PARTIAL_SCORE = 0.6


def same_party(document: PreparedDocument, transaction: PreparedTransaction) -> bool:
    if transaction.iban and transaction.iban in document.ibans:
        return True
    return name_similarity(document.name_key, transaction.name_key) >= NAME_SIMILAR_FROM


class _DocumentsByParty:
    """Open payable documents in the account currency, by IBAN and by name word."""

    def __init__(self, state: MatchState) -> None:
        self.by_iban: dict[str, list[PreparedDocument]] = defaultdict(list)
        self.by_word: dict[str, list[PreparedDocument]] = defaultdict(list)
        self._by_name: dict[str, list[PreparedDocument]] = {}
        for document in state.open_documents("payable"):
            if document.currency != state.config.account_currency or document.minor == 0:
                continue
            for iban in document.ibans:
                self.by_iban[iban].append(document)
            for word in set(document.name_key.split(" ")) if document.name_key else ():
                self.by_word[word].append(document)

    def of(self, transaction: PreparedTransaction) -> list[PreparedDocument]:
        found = {document.id: document for document in self.by_iban.get(transaction.iban or "", ())}
        found.update((document.id, document) for document in self._named(transaction.name_key))
        return list(found.values())

    def _named(self, name_key: str) -> list[PreparedDocument]:
        """Documents whose supplier bears this name; bank names repeat, so it is cached."""
        if name_key not in self._by_name:
            word = rarest_word_list(name_key, self.by_word)
            self._by_name[name_key] = [
                document for document in (self.by_word.get(word, ()) if word else ())
                if name_similarity(document.name_key, name_key) >= NAME_SIMILAR_FROM]
        return self._by_name[name_key]


def link_batched_payments(state: MatchState) -> None:
    """A debit equal to the sum of 2–6 open documents of the same counterparty."""
    parties = _DocumentsByParty(state)
    if not parties.by_iban and not parties.by_word:
        return
    for transaction in state.transactions:
        if transaction.tx.side != "debit" or not state.is_free(transaction) \
                or transaction.tx.amount.currency != state.config.account_currency:
            continue
        group = _open_group(state, parties.of(transaction), transaction)
        if len(group) >= 2:
            _try_batch(state, transaction, group)


def link_listed_batches(state: MatchState) -> None:
    """A debit whose text lists the numbers of one supplier's open documents, which add up to
    it exactly, pays them: however many they are (the subset search stops at
    `subset_max_size`) and however the bank cut the name. Run before the one-to-one pairs,
    so that none of them takes one of the listed documents for review."""
    by_key: dict[str, list[PreparedDocument]] = defaultdict(list)
    for document in state.open_documents("payable"):
        if document.currency == state.config.account_currency and document.minor != 0:
            for key in document.keys:
                by_key[key].append(document)
    if not by_key:
        return
    for transaction in state.transactions:
        if transaction.tx.side == "debit" and transaction.tx.reference \
                and state.is_free(transaction) \
                and transaction.tx.amount.currency == state.config.account_currency:
            _link_listed(state, transaction, by_key)


def _link_listed(state: MatchState, transaction: PreparedTransaction,
                 by_key: dict[str, list[PreparedDocument]]) -> None:
    found = {document.id: document for key in transaction.keys
             for document in by_key.get(key, ())
             if document.id not in state.taken_documents
             and document.issue_day - state.config.days_before <= transaction.day}
    listed = sorted(found.values(), key=lambda document: (document.issue_day, document.id))
    if len(listed) < 2 or len({document.supplier_key for document in listed}) != 1 \
            or sum(document.minor for document in listed) != transaction.tx.amount.minor:
        return
    by_iban = bool(transaction.iban) and any(transaction.iban in doc.ibans for doc in listed)
    score = min(1.0, EXACT_AMOUNT + REFERENCE + (IBAN if by_iban else 0) + 0.2)
    state.record(MatchDecision(transaction.tx.id, tuple(doc.id for doc in listed), "payment",
                               score, "auto",
                               _batch_reasons(transaction, listed, by_iban, listed, 1, False)),
                 listed, [transaction], settles=True)


def _open_group(state: MatchState, documents: list[PreparedDocument],
                transaction: PreparedTransaction) -> list[PreparedDocument]:
    config = state.config
    group = [document for document in documents if document.id not in state.taken_documents
             and document.issue_day - config.days_before <= transaction.day
             <= document.day + config.days_after]
    group.sort(key=lambda document: (abs(transaction.day - document.day), document.id))
    return group[:config.subset_max_documents]


def _try_batch(state: MatchState, transaction: PreparedTransaction,
               group: list[PreparedDocument]) -> None:
    target = transaction.tx.amount.minor
    if sum(document.minor for document in group if document.minor > 0) < target:
        return
    subsets = exact_subsets([document.minor for document in group], target,
                            max_size=state.config.subset_max_size)
    if not subsets:
        return
    chosen = [group[index] for index in subsets[0]]
    by_iban = bool(transaction.iban) and any(transaction.iban in doc.ibans for doc in chosen)
    referenced = [doc for doc in chosen if doc.keys & transaction.keys]
    # A creditor's direct debit for exactly one combination of its open invoices names them
    # as surely as an IBAN; a card payment of the same sum is more likely another purchase.
    pulled = transaction.tx.operation_type == "direct_debit" and all(
        is_sure_name(doc.name_key, transaction.name_key,
                     name_similarity(doc.name_key, transaction.name_key)) for doc in chosen)
    automatic = len(subsets) == 1 and (by_iban or bool(referenced) or pulled)
    score = min(1.0, EXACT_AMOUNT + (IBAN if by_iban else 0) + (REFERENCE if referenced else 0)
                + 0.2)
    state.record(MatchDecision(transaction.tx.id, tuple(doc.id for doc in chosen), "payment",
                               score, "auto" if automatic else "review",
                               _batch_reasons(transaction, chosen, by_iban, referenced,
                                              len(subsets), pulled)),
                 chosen, [transaction], settles=True)


def _batch_reasons(transaction: PreparedTransaction, chosen: list[PreparedDocument],
                   by_iban: bool, referenced: list[PreparedDocument],
                   found: int, pulled: bool) -> tuple[str, ...]:
    parts = " + ".join(f"{doc.label} {Money(doc.minor, doc.currency).format_plain()}"
                       for doc in chosen)
    reasons = [f"one debit of {transaction.tx.amount} pays {len(chosen)} documents: {parts}"]
    if by_iban:
        reasons.append(f"counterparty IBAN {transaction.iban} is the supplier's")
    else:
        reasons.append(f"counterparty {transaction.tx.counterparty_name!r} is the supplier")
    if referenced:
        reasons.append("numbers found in the bank text: "
                       + ", ".join(doc.label for doc in referenced))
    if pulled and not (by_iban or referenced):
        reasons.append("a direct debit by this supplier, for the one combination of its open "
                       "documents that gives this sum")
    if found > 1:
        reasons.append("review: another combination of open documents gives the same sum")
    elif not (by_iban or referenced or pulled):
        reasons.append("review: neither the IBAN nor a reference confirms the batch")
    return tuple(reasons)


def link_partial_payments(state: MatchState) -> None:
    """Several debits adding up to one document, or one referenced part of it: review only."""
    for document in state.open_documents("payable", "sales"):
        if document.currency != state.config.account_currency or document.minor <= 0:
            continue
        pool = _partial_pool(state, document)
        if pool:
            _propose_parts(state, document, pool)


def _partial_pool(state: MatchState, document: PreparedDocument) -> list[PreparedTransaction]:
    first, last = date_window(document, state.config)
    side = side_for(document)
    found = {item.index: item for item in
             state.index.same_counterparty(document.ibans, document.name_key, first, last)
             if same_party(document, item)}
    if document.role == "sales":
        for key in document.keys:
            found.update((item.index, item) for item in state.credits_with_key(key)
                         if first <= item.day <= last)
    pool = [item for item in found.values() if item.tx.side == side and state.is_free(item)
            and item.tx.amount.currency == document.currency
            and item.tx.amount.minor < document.minor]
    pool.sort(key=lambda item: (not (document.keys & item.keys), abs(item.day - document.day),
                                item.tx.id))
    return pool[:PARTS_POOL]


def _propose_parts(state: MatchState, document: PreparedDocument,
                   pool: list[PreparedTransaction]) -> None:
    total = Money(document.minor, document.currency)
    subsets = exact_subsets([item.tx.amount.minor for item in pool], document.minor,
                            max_size=PARTS_MAX, limit=1)
    if subsets:
        parts = [pool[index] for index in subsets[0]]
        for number, part in enumerate(parts, start=1):
            reason = (f"part {number} of {len(parts)}: {part.tx.amount} of {total}; "
                      "together these debits pay it in full")
            _record_part(state, document, part, reason)
        return
    referenced = [item for item in pool if document.keys & item.keys]
    if referenced:
        part = referenced[0]
        residual = total - part.tx.amount
        _record_part(state, document, part, f"partial payment of {part.tx.amount} out of "
                     f"{total}, number {document.label!r} in the bank text; "
                     f"{residual} still open")


def _record_part(state: MatchState, document: PreparedDocument, part: PreparedTransaction,
                 reason: str) -> None:
    reasons = (reason, "review: a part payment is never linked automatically")
    state.decisions.append(MatchDecision(part.tx.id, (document.id,), kind_for(document),
                                         PARTIAL_SCORE, "review", reasons))
    state.taken_transactions.add(part.index)
    state.taken_documents.add(document.id)
