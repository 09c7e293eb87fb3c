"""Ledger account suggestion (French PCG), with the source that produced it and why.

Order: an explicit supplier rule > the supplier's own history (≥ 3 postings, ≥ 80 % to one
account) > the classifier trained on the workspace's history (top 3, taken only with a
clear margin) > the keyword seed table shipped in `domain/data/pcg.json`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from liasse.domain.pcg import label_of, pcg_accounts
from liasse.domain.suppliers import Posting, Supplier, normalise_name
from liasse.enrich.classifier import AccountClassifier, AccountGuess

Source = Literal["supplier_rule", "supplier_history", "classifier", "keywords", "none"]

HISTORY_MIN_POSTINGS = 3
HISTORY_MIN_SHARE = 0.8
CLASSIFIER_MIN_PROBABILITY = 0.5
CLASSIFIER_MIN_MARGIN = 0.2


@dataclass(frozen=True)
class AccountSuggestion:
    account: str | None
    label: str
    source: Source
    confidence: float
    reasons: tuple[str, ...]
    alternatives: tuple[AccountGuess, ...] = ()


def suggest_account(text: str, supplier: Supplier | None, history: Sequence[Posting],
                    classifier: AccountClassifier | None = None) -> AccountSuggestion:
    """The account to post to, from the most specific source that knows."""
    if supplier and (supplier.rule.ledger_account or supplier.default_account):
        return _from_rule(supplier)
    if supplier:
        found = _from_history(supplier, history)
        if found:
            return found
    guesses = classifier.top(text, supplier.id if supplier else None) if classifier else []
    found = _from_classifier(guesses)
    if found:
        return found
    return _from_keywords(text, tuple(guesses))


def _suggestion(account: str, source: Source, confidence: float, reasons: list[str],
                alternatives: tuple[AccountGuess, ...] = ()) -> AccountSuggestion:
    return AccountSuggestion(account, label_of(account), source, confidence, tuple(reasons),
                             alternatives)


def _from_rule(supplier: Supplier) -> AccountSuggestion:
    account = supplier.rule.ledger_account or supplier.default_account
    assert account is not None
    return _suggestion(account, "supplier_rule", 1.0,
                       [f"rule for {supplier.legal_name}: always account {account} "
                        f"({label_of(account)})"])


def _from_history(supplier: Supplier, history: Sequence[Posting]) -> AccountSuggestion | None:
    counts = Counter(posting.account for posting in history if posting.supplier_id == supplier.id)
    total = sum(counts.values())
    if total < HISTORY_MIN_POSTINGS:
        return None
    account, times = counts.most_common(1)[0]
    share = times / total
    if share < HISTORY_MIN_SHARE:
        return None
    return _suggestion(account, "supplier_history", round(share, 4),
                       [f"{times} of {total} past documents from {supplier.legal_name} "
                        f"went to {account} ({label_of(account)}), {share:.0%}"])


def _from_classifier(guesses: list[AccountGuess]) -> AccountSuggestion | None:
    if not guesses:
        return None
    best = guesses[0]
    runner_up = guesses[1].probability if len(guesses) > 1 else 0.0
    if best.probability < CLASSIFIER_MIN_PROBABILITY or \
            best.probability - runner_up < CLASSIFIER_MIN_MARGIN:
        return None
    ranked = ", ".join(f"{guess.account} {guess.probability:.0%}" for guess in guesses)
    return _suggestion(best.account, "classifier", round(best.probability, 4),
                       [f"learnt from this workspace's postings: {ranked}"], tuple(guesses))


def _from_keywords(text: str, guesses: tuple[AccountGuess, ...]) -> AccountSuggestion:
    words = f" {normalise_name(text)} "
    hits: list[tuple[int, str, str]] = []
    for known in pcg_accounts().values():
        for keyword in known.keywords:
            if keyword and re.search(rf"\b{re.escape(keyword)}\b", words):
                hits.append((len(keyword), known.number, keyword))
    unsure = (["the classifier was unsure: "
               + ", ".join(f"{g.account} {g.probability:.0%}" for g in guesses)] if guesses else [])
    if not hits:
        return AccountSuggestion(None, "", "none", 0.0,
                                 ("no rule, history or keyword points to an account", *unsure),
                                 guesses)
    # the longest keyword is the most specific ("abonnement logiciel" over "abonnement")
    _length, account, keyword = max(hits)
    accounts_hit = {number for _, number, _ in hits}
    confidence = 0.6 if len(accounts_hit) == 1 else 0.4
    return _suggestion(account, "keywords", confidence,
                       [f"keyword {keyword.lower()!r} suggests {account} ({label_of(account)})",
                        *unsure], guesses)
