"""Paying twice: copies of one invoice, second debits, documents asking again to be paid.

- a copy (same supplier, number and total as another document) is set aside before
  matching and reported as a `duplicate` of the original once that one is settled;
- a second debit to the same counterparty (or naming the same number) for the same amount
  within a few days of the debit that settled a document is a `double_charge`; the pairing
  step has already given the earlier of the two the document, so the later is flagged;
- a document asking to be paid whose supplier and number, or supplier and amount around
  the same date, were already settled by a debit is a `double_charge`, with that debit shown.
"""

from __future__ import annotations

from collections import defaultdict

from liasse.domain.matching.batches import same_party
from liasse.domain.matching.model import MatchDecision, PreparedDocument, PreparedTransaction
from liasse.domain.matching.state import MatchState
from liasse.domain.money import Money

SECOND_DEBIT_SCORE = 0.9
ALREADY_PAID_SCORE = 0.8


def _business_key(document: PreparedDocument) -> tuple[str, str, int, str] | None:
    if not document.keys or not document.supplier_key:
        return None
    return (document.supplier_key, min(document.keys), document.minor, document.currency)


def set_aside_copies(state: MatchState) -> dict[str, PreparedDocument]:
    """copy id → original: a settled one when there is one, else the first to arrive."""
    groups: dict[tuple[str, str, int, str], list[PreparedDocument]] = defaultdict(list)
    for document in state.documents:  # in arrival order: the first one seen is the original
        key = _business_key(document) if document.role == "payable" else None
        if key:
            groups[key].append(document)
    copies: dict[str, PreparedDocument] = {}
    for group in groups.values():
        if len(group) > 1:
            group.sort(key=lambda doc: not doc.settled_by)  # stable: arrival order kept
            for copy in group[1:]:
                copies[copy.id] = group[0]
                state.copies.add(copy.id)
                state.taken_documents.add(copy.id)
    return copies


def flag_copies(state: MatchState, copies: dict[str, PreparedDocument]) -> None:
    for copy_id, original in copies.items():
        settling = state.settlements.get(original.id)
        if not settling:
            continue
        tx = settling[0].tx
        reasons = (f"same supplier, number {original.label!r} and total "
                   f"{Money(original.minor, original.currency)} as document {original.id}",
                   f"document {original.id} is already settled by transaction {tx.id} "
                   f"of {tx.amount} on {tx.booked_at.date().isoformat()}",
                   "a copy: never to be posted or paid again")
        state.decisions.append(MatchDecision(tx.id, (copy_id, original.id), "duplicate", 1.0,
                                             "auto", reasons))


def flag_second_debits(state: MatchState) -> None:
    """Another debit, same counterparty and amount, within `double_charge_days` of the first."""
    window = state.config.double_charge_days
    for document_id, settling in list(state.settlements.items()):
        document = state.by_id[document_id]
        if len(settling) != 1 or document.role != "payable" or document.minor <= 0:
            continue
        first = settling[0]
        amount = first.tx.amount
        for other in state.index.same_amount("debit", amount.currency, amount.minor,
                                             first.day - window, first.day + window):
            if other is not first and state.is_free(other) \
                    and (same_party(document, other) or document.keys & other.keys):
                _record_second_debit(state, document, first, other)


def _record_second_debit(state: MatchState, document: PreparedDocument,
                         first: PreparedTransaction, second: PreparedTransaction) -> None:
    gap = second.day - first.day
    reasons = (f"second debit of {second.tx.amount} to {second.tx.counterparty_name!r} "
               f"{abs(gap)} day(s) {'after' if gap >= 0 else 'before'} transaction "
               f"{first.tx.id}",
               f"transaction {first.tx.id} already pays document {document.id} "
               f"({document.label})",
               "no other open document of this counterparty explains it")
    state.decisions.append(MatchDecision(second.tx.id, (document.id,), "double_charge",
                                         SECOND_DEBIT_SCORE, "review", reasons))
    state.taken_transactions.add(second.index)


def flag_documents_already_paid(state: MatchState) -> None:
    """Open or merely reviewed invoices that repeat a surely settled one."""
    settled_by_party: dict[str, list[PreparedDocument]] = defaultdict(list)
    for document in state.documents:  # in arrival order, so the reasons are stable
        if document.id in state.surely_settled and state.settlements.get(document.id) \
                and document.role == "payable":
            for key in document.party_keys:
                settled_by_party[key].append(document)
    for document in state.documents:
        if document.role != "payable" or document.facts.document_type != "invoice" \
                or document.minor <= 0 or document.id in state.surely_settled \
                or document.id in state.copies:
            continue
        paid_before = {paid.id: paid for key in document.party_keys
                       for paid in settled_by_party.get(key, ())}
        for paid in paid_before.values():
            why = _same_claim(document, paid, state.config.double_charge_days)
            if why:
                _record_already_paid(state, document, paid, why)
                break


def _same_claim(document: PreparedDocument, paid: PreparedDocument, days: int) -> str | None:
    if paid.id == document.id:
        return None
    if document.keys & paid.keys:
        return f"the same number {paid.label!r}"
    if document.minor == paid.minor and abs(document.issue_day - paid.issue_day) <= days:
        return (f"the same amount {Money(paid.minor, paid.currency)} dated within "
                f"{days} days")
    return None


def _record_already_paid(state: MatchState, document: PreparedDocument, paid: PreparedDocument,
                         why: str) -> None:
    tx = state.settlements[paid.id][0].tx
    reasons = (f"document {document.id} ({document.label}) asks to be paid, but {why} from "
               f"{document.name or 'this supplier'} was already settled",
               f"settled by transaction {tx.id} of {tx.amount} on "
               f"{tx.booked_at.date().isoformat()} (document {paid.id})",
               "hold it: do not post or pay before a person checks")
    state.decisions.append(MatchDecision(tx.id, (document.id, paid.id), "double_charge",
                                         ALREADY_PAID_SCORE, "review", reasons))
    state.taken_documents.add(document.id)
