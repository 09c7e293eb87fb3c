"""Payment confirmations and remittance advices, matched to the next debits.

A confirmation says "we took X from you" or "you paid X": it is linked to the first debit
of that amount booked from two days before its date up to `confirmation_days` after, so
its PDF can be attached to that line. It does not use the debit up: the invoice it pays
is matched on its own.
"""

from __future__ import annotations

from liasse.domain.matching.model import MatchDecision, PreparedDocument
from liasse.domain.matching.pairing import candidates_for
from liasse.domain.matching.scoring import Candidate
from liasse.domain.matching.state import MatchState

DAYS_EARLY = 2


def link_confirmations(state: MatchState) -> None:
    for document in state.open_documents("confirmation"):
        candidates = _next_debits(state, document)
        if candidates:
            _decide(state, document, candidates)


def _next_debits(state: MatchState, document: PreparedDocument) -> list[Candidate]:
    window = (document.issue_day - DAYS_EARLY, document.issue_day + state.config.confirmation_days)
    found = [candidate for candidate in candidates_for(document, state, window, free_only=False)
             if candidate.evidence.exact_amount or candidate.evidence.near_amount]
    # best first; among equals the earliest, since a confirmation announces the next debit
    return sorted(found, key=lambda candidate: (-round(candidate.score, 2),
                                                candidate.transaction.day))


def _decide(state: MatchState, document: PreparedDocument, candidates: list[Candidate]) -> None:
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    automatic = best.strong and best.score - runner_up >= state.config.auto_margin
    reasons = [f"payment confirmation {document.label!r}", *best.reasons]
    if automatic:
        reasons.append("the confirmation can be attached to this debit")
    else:
        if not best.strong:
            reasons.append("review: the amount is not exact or nothing names the counterparty")
        if len(candidates) > 1:
            others = ", ".join(f"{other.transaction.tx.id} ({other.score:.2f})"
                               for other in candidates[1:4])
            reasons.append(f"review: other debits fit too: {others}")
    decision = MatchDecision(best.transaction.tx.id, (document.id,), "confirmation", best.score,
                             "auto" if automatic else "review", tuple(reasons), best.converted)
    state.record(decision, [document], [], settles=False)
