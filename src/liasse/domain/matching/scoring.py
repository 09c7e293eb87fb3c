"""Scoring one document against one transaction, with the evidence spelled out.

Weights: exact amount 0.40 (a gap within the fee cap or FX tolerance 0.20), reference or
invoice number in the bank text 0.30, counterparty IBAN 0.25, counterparty name 0.20, date
proximity up to 0.10; capped at 1. Only an exact amount with a reference, IBAN or name
may ever link automatically (`Candidate.strong`), and only when it is clearly ahead of
every rival (`Candidate.clearly_ahead_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liasse.domain.matching.model import MatchConfig, PreparedDocument, PreparedTransaction
from liasse.domain.money import Money
from liasse.domain.suppliers import name_similarity

EXACT_AMOUNT = 0.40
NEAR_AMOUNT = 0.20
REFERENCE = 0.30
IBAN = 0.25
NAME = 0.20
DATE = 0.10
NAME_SIMILAR_FROM = 85.0
NAME_SURE_FROM = 95.0  # only a name this close may stand in for an IBAN or a reference
DATE_FADES_AFTER_DAYS = 45


@dataclass(frozen=True, slots=True)
class Evidence:
    exact_amount: bool
    near_amount: bool
    reference: bool
    iban: bool
    name: bool
    name_sure: bool
    days: int  # booking day minus the expected day: issue date for a card, else due date


@dataclass(frozen=True, slots=True)
class Candidate:
    document: PreparedDocument
    transaction: PreparedTransaction
    score: float
    evidence: Evidence
    reasons: tuple[str, ...]
    converted: Money | None  # the document total in the account currency, when FX

    def clearly_ahead_of(self, rival: Candidate, clear_days: int) -> bool:
        """Whether evidence, not a few hundredths of score, puts this pair before `rival`.

        Once two lines both show the exact amount and the same counterparty, the IBAN or the
        name no longer tell them apart (a card line has no IBAN, a transfer has one): only
        the reference and the distance to the expected day can.
        """
        mine, theirs = self.evidence, rival.evidence
        if mine.reference != theirs.reference:
            return mine.reference
        if mine.exact_amount != theirs.exact_amount:
            return mine.exact_amount
        if not (theirs.iban or theirs.name or theirs.reference):
            return mine.iban or mine.name or mine.reference
        return abs(mine.days) + clear_days <= abs(theirs.days)

    @property
    def strong(self) -> bool:
        """Exact amount and an independent sign of the counterparty: may link automatically."""
        found = self.evidence
        return found.exact_amount and (found.reference or found.iban or found.name_sure)


@dataclass(frozen=True, slots=True)
class _AmountCheck:
    exact: bool
    near: bool
    reason: str
    converted: Money | None


def _compare_amounts(document: PreparedDocument, transaction: PreparedTransaction,
                     config: MatchConfig) -> _AmountCheck | None:
    expected = Money(abs(document.minor), document.currency)
    tx = transaction.tx
    if expected.currency == tx.amount.currency:
        gap = tx.amount.minor - expected.minor
        if gap == 0:
            return _AmountCheck(True, False, f"exact amount {expected}", None)
        if abs(gap) <= config.fee_cap_minor:
            fee = Money(abs(gap), expected.currency)
            side = "above" if gap > 0 else "below"
            return _AmountCheck(False, True, f"amount {tx.amount} is {fee} {side} {expected}, "
                                f"within the {Money(config.fee_cap_minor, expected.currency)} "
                                "bank-fee cap", None)
        return None
    return _compare_foreign(expected, transaction, config)


def _compare_foreign(expected: Money, transaction: PreparedTransaction,
                     config: MatchConfig) -> _AmountCheck | None:
    tx = transaction.tx
    if tx.local_amount.currency == expected.currency:
        gap = abs(tx.local_amount.minor - expected.minor)
        note = f"the bank converted it to {tx.amount}"
        if gap == 0:
            return _AmountCheck(True, False, f"exact amount {expected} in the original currency "
                                f"(local amount of the payment); {note}", tx.amount)
        if gap <= max(1, int(expected.minor * config.fx_tolerance)):
            return _AmountCheck(False, True, f"local amount {tx.local_amount} within "
                                f"{config.fx_tolerance:%} of {expected}; {note}", tx.amount)
        return None
    converted = config.fx_rates.convert(expected)
    if converted is None or converted.currency != tx.amount.currency:
        return None
    gap = abs(tx.amount.minor - converted.minor)
    if gap <= max(1, int(converted.minor * config.fx_tolerance)):
        return _AmountCheck(False, True, f"{expected} is about {converted} at the configured "
                            f"rate; the bank took {tx.amount}", tx.amount)
    return None


def score_pair(document: PreparedDocument, transaction: PreparedTransaction,
               config: MatchConfig) -> Candidate | None:
    """The pair's score and reasons, or None when the amounts do not agree.

    A line far from the document's amount is no payment of it; if it carries the number,
    it may be a part payment, which `batches` handles on its own terms.
    """
    amount = _compare_amounts(document, transaction, config)
    if amount is None:
        return None
    shared_keys = document.keys & transaction.keys if document.keys else frozenset()
    reasons: list[str] = [amount.reason]
    score = EXACT_AMOUNT if amount.exact else NEAR_AMOUNT
    if shared_keys:
        score += REFERENCE
        reasons.append(_reference_reason(document, transaction, shared_keys))
    iban = transaction.iban is not None and transaction.iban in document.ibans
    if iban:
        score += IBAN
        where = "on the document" if transaction.iban == document.iban else \
            "on this supplier's other documents"
        reasons.append(f"counterparty IBAN {transaction.iban} is the one {where}")
    similarity = name_similarity(document.name_key, transaction.name_key)
    named = similarity >= NAME_SIMILAR_FROM
    if named:
        score += NAME
        reasons.append(f"counterparty {transaction.tx.counterparty_name!r} matches "
                       f"{document.name!r} (similarity {similarity:.0f})")
    card = transaction.tx.operation_type == "card"
    days = transaction.day - (document.issue_day if card else document.day)
    score += DATE * max(0.0, 1 - abs(days) / DATE_FADES_AFTER_DAYS)
    reasons.append(_date_reason(document, days, card))
    evidence = Evidence(amount.exact, amount.near, bool(shared_keys), iban, named,
                        is_sure_name(document.name_key, transaction.name_key, similarity), days)
    return Candidate(document, transaction, min(1.0, score), evidence, tuple(reasons),
                     amount.converted)


_NUMBER_WORD = re.compile(r"\b\d+\b")


def is_sure_name(document_key: str, transaction_key: str, similarity: float) -> bool:
    """Near-certain: ≥ `NAME_SURE_FROM`, and not a label cut before the number that tells
    this supplier's branches or shops apart ("BUREAU FOURNITURES" for "… FOURNITURES 365")."""
    if similarity < NAME_SURE_FROM:
        return False
    return not (_NUMBER_WORD.search(document_key) and not _NUMBER_WORD.search(transaction_key))


def _reference_reason(document: PreparedDocument, transaction: PreparedTransaction,
                      shared: frozenset[str]) -> str:
    key = sorted(shared, key=len, reverse=True)[0]
    where = transaction.tx.reference or transaction.tx.label
    what = "RF reference" if key.startswith("RF") else f"number {document.label!r} as"
    return f"{what} {key} found in the bank text {where!r}"


def _date_reason(document: PreparedDocument, days: int, card: bool) -> str:
    # a card is charged when one buys, a transfer or direct debit when the bill falls due
    anchor = "due date" if document.facts.due_date and not card else "issue date"
    if days == 0:
        return f"booked on the {anchor}"
    direction = "after" if days > 0 else "before"
    return f"booked {abs(days)} day{'s' if abs(days) != 1 else ''} {direction} the {anchor}"
