"""One document, one transaction: candidates, then the best pairs first, auto only if clear.

A pair links automatically only when `Candidate.strong` holds and it is clearly ahead of
every rival (`Candidate.clearly_ahead_of`): a rival is another line for the same document
or another document for the same line, not yet linked automatically.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import pairwise

from liasse.domain.matching.index import date_window
from liasse.domain.matching.model import (
    Kind,
    MatchDecision,
    PreparedDocument,
    PreparedTransaction,
)
from liasse.domain.matching.scoring import Candidate, score_pair
from liasse.domain.matching.state import MatchState
from liasse.domain.transactions import Side

RIVALS_SHOWN = 3


def side_for(document: PreparedDocument) -> Side:
    """Money out for what we owe, in for what is owed to us; credit notes reverse it."""
    owed_to_us = (document.role == "sales") == (document.minor > 0)
    return "credit" if owed_to_us else "debit"


def kind_for(document: PreparedDocument) -> Kind:
    return "credit" if side_for(document) == "credit" else "payment"


def candidates_for(document: PreparedDocument, state: MatchState,
                   window: tuple[int, int] | None = None, *,
                   free_only: bool = True) -> list[Candidate]:
    """Scored candidates from the amount, counterparty and reference indexes, best first."""
    first, last = window or date_window(document, state.config)
    side = side_for(document)
    found: dict[int, PreparedTransaction] = {}
    for item in _by_amount(document, state, side, first, last):
        found[item.index] = item
    for item in state.index.same_counterparty(document.ibans, document.name_key, first, last):
        if item.tx.side == side and _amount_close(document, item, state):
            found[item.index] = item
    if document.role == "sales":
        for key in document.keys:
            for item in state.credits_with_key(key):
                if item.tx.side == side and first <= item.day <= last:
                    found[item.index] = item
    scored = (score_pair(document, item, state.config) for item in found.values()
              if state.is_free(item) or not free_only)
    return sorted((candidate for candidate in scored if candidate is not None),
                  key=lambda candidate: (-candidate.score, candidate.transaction.tx.id))


def _amount_close(document: PreparedDocument, item: PreparedTransaction,
                  state: MatchState) -> bool:
    """A cheap integer pre-check before scoring: within the fee cap, or another currency."""
    if document.currency != item.tx.amount.currency:
        return True
    return abs(item.tx.amount.minor - abs(document.minor)) <= state.config.fee_cap_minor


def _by_amount(document: PreparedDocument, state: MatchState, side: Side, first: int,
               last: int) -> list[PreparedTransaction]:
    magnitude = abs(document.minor)
    if document.currency == state.config.account_currency:
        return list(state.index.same_amount(side, document.currency, magnitude, first, last))
    slack = max(1, int(magnitude * state.config.fx_tolerance))
    return list(state.index.local_amount_near(side, document.currency, magnitude - slack,
                                              magnitude + slack, first, last))


class _Pairing:
    """The candidates of one run, seen from both sides."""

    def __init__(self, state: MatchState) -> None:
        self.state = state
        self.by_document: dict[str, list[Candidate]] = {}
        self.by_transaction: dict[int, list[Candidate]] = defaultdict(list)
        for document in state.open_documents("payable", "sales"):
            if document.minor == 0:
                continue
            candidates = candidates_for(document, state)
            if candidates:
                self.by_document[document.id] = candidates
                for candidate in candidates:
                    self.by_transaction[candidate.transaction.index].append(candidate)
        # document id → the later of two identical debits, left for the double-charge check
        self.second_debits: dict[str, list[Candidate]] = {}
        for document_id in list(self.by_document):
            self._set_aside_second_debits(document_id, state.config.double_charge_days)
        for candidates in self.by_transaction.values():
            candidates.sort(key=lambda candidate: -candidate.score)
        self.auto_documents: set[str] = set()
        self.auto_transactions: set[int] = set()

    def _set_aside_second_debits(self, document_id: str, days: int) -> None:
        """Of two debits of the exact amount to this document's counterparty a few days
        apart, the earlier pays it and the later is the one to check: the later one stops
        competing, whatever the scores or the ids say, unless another document wants it."""
        candidates = self.by_document[document_id]
        named = sorted((candidate for candidate in candidates if _names_it(candidate)),
                       key=lambda candidate: _booked_order(candidate.transaction))
        later: list[Candidate] = []
        for earlier, candidate in pairwise(named):
            wanted_elsewhere = any(
                other.document.id != document_id and _names_it(other)
                for other in self.by_transaction[candidate.transaction.index])
            if candidate.transaction.day - earlier.transaction.day <= days \
                    and not wanted_elsewhere \
                    and candidate.transaction.tx.amount == earlier.transaction.tx.amount:
                later.append(candidate)
        if later:  # no document is offered the line any more: it waits for the check
            self.second_debits[document_id] = later
            for candidate in later:
                for other in self.by_transaction.pop(candidate.transaction.index):
                    self.by_document[other.document.id].remove(other)

    def ranked_pairs(self) -> list[Candidate]:
        pairs = [candidate for candidates in self.by_document.values() for candidate in candidates]
        return sorted(pairs, key=lambda candidate: (-candidate.score, candidate.document.id,
                                                    candidate.transaction.tx.id))

    def line_belongs_elsewhere(self, pair: Candidate, clear_days: int) -> bool:
        """Another document clearly owns this line (its number is in the reference, say).

        Such a line, once that document is paid, is more likely a second charge than the
        payment of this one: it is left open for the double-charge check.
        """
        return any(other.document is not pair.document
                   and other.clearly_ahead_of(pair, clear_days)
                   for other in self.by_transaction[pair.transaction.index])

    def rivals(self, pair: Candidate) -> list[Candidate]:
        """Other pairs that could claim this document or this line, strongest first."""
        rivals = [other for other in self.by_document[pair.document.id]
                  if other.transaction is not pair.transaction
                  and other.transaction.index not in self.auto_transactions]
        rivals += [other for other in self.by_transaction[pair.transaction.index]
                   if other.document is not pair.document
                   and other.document.id not in self.auto_documents]
        return sorted(rivals, key=lambda other: -other.score)


def link_one_to_one(state: MatchState) -> None:
    """Automatic links first, repeated while each one removes rivals; then the reviews.

    Reviews come last so that a plausible but wrong pair cannot take a line or a document
    that a clear pair needs; each document and each line is used once.
    """
    pairing = _Pairing(state)
    ranked = pairing.ranked_pairs()
    while _link_clear_pairs(state, pairing, ranked):
        pass
    for pair in ranked:
        if _is_open(state, pair) and pair.score >= state.config.review_from \
                and not pairing.line_belongs_elsewhere(pair, state.config.clear_days):
            rivals = pairing.rivals(pair)
            unbeaten = [rival for rival in rivals
                        if not pair.clearly_ahead_of(rival, state.config.clear_days)]
            state.record(_decision(pair, False, rivals, unbeaten,
                                   pairing.second_debits.get(pair.document.id, [])),
                         [pair.document], [pair.transaction], settles=True)


def _is_open(state: MatchState, pair: Candidate) -> bool:
    return pair.document.id not in state.taken_documents and state.is_free(pair.transaction)


def _link_clear_pairs(state: MatchState, pairing: _Pairing, ranked: list[Candidate]) -> bool:
    linked = False
    for pair in ranked:
        if not pair.strong or not _is_open(state, pair):
            continue
        rivals = pairing.rivals(pair)
        if all(pair.clearly_ahead_of(rival, state.config.clear_days) for rival in rivals):
            state.record(_decision(pair, True, rivals, [],
                                   pairing.second_debits.get(pair.document.id, [])),
                         [pair.document],
                         [pair.transaction], settles=True)
            pairing.auto_documents.add(pair.document.id)
            pairing.auto_transactions.add(pair.transaction.index)
            linked = True
    return linked


def _names_it(candidate: Candidate) -> bool:
    """The exact amount, and the line names this document's counterparty or number."""
    found = candidate.evidence
    return found.exact_amount and (found.iban or found.name or found.reference)


def _booked_order(item: PreparedTransaction) -> tuple[datetime, datetime, str]:
    """When the money left; the id only orders two lines booked at the very same instant."""
    return (item.tx.booked_at, item.tx.emitted_at, item.tx.id)


def _decision(pair: Candidate, automatic: bool, rivals: list[Candidate],
              unbeaten: list[Candidate], second_debits: list[Candidate]) -> MatchDecision:
    reasons = list(pair.reasons)
    reasons += [f"the earlier of two identical debits: transaction {later.transaction.tx.id} on "
                f"{later.transaction.tx.booked_at.date().isoformat()} is left to the "
                "double-charge check" for later in second_debits]
    if automatic:
        reasons.append(f"clearly ahead of {len(rivals)} other candidate(s) by reference, "
                       "amount or date" if rivals else "no other candidate")
    else:
        reasons.extend(_why_review(pair, rivals, unbeaten))
    ranked = tuple((rival.transaction.tx.id, rival.document.id, round(rival.score, 4))
                   for rival in rivals)
    return MatchDecision(pair.transaction.tx.id, (pair.document.id,), kind_for(pair.document),
                         pair.score, "auto" if automatic else "review", tuple(reasons),
                         pair.converted, ranked)


def _why_review(pair: Candidate, rivals: list[Candidate],
                unbeaten: list[Candidate]) -> list[str]:
    why: list[str] = []
    if not pair.evidence.exact_amount:
        why.append("review: the amount is not exact")
    elif not pair.strong:
        why.append("review: no reference, IBAN or counterparty name confirms it")
    if unbeaten:
        why.append("review: nothing clearly separates it from "
                   + _describe(unbeaten[0], pair))
    if rivals:
        ranked = ", ".join(f"{_describe(rival, pair)} ({rival.score:.2f})"
                           for rival in rivals[:RIVALS_SHOWN])
        why.append(f"other candidates: {ranked}")
    return why


def _describe(rival: Candidate, pair: Candidate) -> str:
    if rival.document is pair.document:
        tx = rival.transaction.tx
        return f"transaction {tx.id} of {tx.amount} on {tx.booked_at.date().isoformat()}"
    return f"document {rival.document.id} ({rival.document.label})"
