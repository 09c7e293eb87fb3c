"""Candidate generation: transactions indexed so a document only meets plausible lines.

Three doors lead to a candidate, each bounded by the document's date window: the exact
amount in cents (or the card's local amount, with tolerance, for a foreign currency), the
counterparty IBAN, and the rarest word of the counterparty's name. Never all × all.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized

from liasse.domain.matching.model import MatchConfig, PreparedDocument, PreparedTransaction
from liasse.domain.transactions import Side


class _DayList:
    """Transactions kept in day order, sliced by a date window with bisect."""

    __slots__ = ("days", "items")

    def __init__(self, items: Iterable[PreparedTransaction]) -> None:
        self.items = sorted(items, key=lambda item: item.day)
        self.days = [item.day for item in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def window(self, first: int, last: int) -> list[PreparedTransaction]:
        return self.items[bisect_left(self.days, first):bisect_right(self.days, last)]


def rarest_word_list(name_key: str, postings: Mapping[str, Sized]) -> str | None:
    """The word of this name that the fewest items share: a selective, cheap door."""
    words = [word for word in name_key.split(" ") if word in postings]
    return min(words, key=lambda word: len(postings[word])) if words else None


class TransactionIndex:
    """Look-ups by side: exact amount, local amount per currency, IBAN, name words."""

    def __init__(self, transactions: Sequence[PreparedTransaction]) -> None:
        by_amount: dict[tuple[Side, str, int], list[PreparedTransaction]] = defaultdict(list)
        by_local: dict[tuple[Side, str], list[PreparedTransaction]] = defaultdict(list)
        by_iban: dict[str, list[PreparedTransaction]] = defaultdict(list)
        by_word: dict[str, list[PreparedTransaction]] = defaultdict(list)
        for item in transactions:
            tx = item.tx
            by_amount[(tx.side, tx.amount.currency, tx.amount.minor)].append(item)
            if tx.local_amount.currency != tx.amount.currency:
                by_local[(tx.side, tx.local_amount.currency)].append(item)
            if item.iban:
                by_iban[item.iban].append(item)
            for word in set(item.name_key.split(" ")) if item.name_key else ():
                by_word[word].append(item)
        self._by_amount = dict(by_amount)
        self._by_local = {key: sorted(items, key=lambda item: item.tx.local_amount.minor)
                          for key, items in by_local.items()}
        self._local_minors = {key: [item.tx.local_amount.minor for item in items]
                              for key, items in self._by_local.items()}
        self._by_iban = {key: _DayList(items) for key, items in by_iban.items()}
        self._by_word = {key: _DayList(items) for key, items in by_word.items()}

    def same_amount(self, side: Side, currency: str, minor: int, first: int,
                    last: int) -> Iterator[PreparedTransaction]:
        for item in self._by_amount.get((side, currency, minor), ()):
            if first <= item.day <= last:
                yield item

    def local_amount_near(self, side: Side, currency: str, low: int, high: int, first: int,
                          last: int) -> Iterator[PreparedTransaction]:
        """Foreign-currency lines whose local amount lies in [low, high]."""
        items = self._by_local.get((side, currency), [])
        minors = self._local_minors.get((side, currency), [])
        for item in items[bisect_left(minors, low):bisect_right(minors, high)]:
            if first <= item.day <= last:
                yield item

    def same_counterparty(self, ibans: Iterable[str], name_key: str, first: int,
                          last: int) -> list[PreparedTransaction]:
        """Lines to these IBANs or sharing the rarest word of this counterparty name."""
        found: dict[int, PreparedTransaction] = {}
        for iban in ibans:
            if iban in self._by_iban:
                found.update((item.index, item)
                             for item in self._by_iban[iban].window(first, last))
        word = rarest_word_list(name_key, self._by_word)
        if word:
            found.update((item.index, item) for item in self._by_word[word].window(first, last))
        return list(found.values())


def date_window(document: PreparedDocument, config: MatchConfig) -> tuple[int, int]:
    return document.issue_day - config.days_before, document.day + config.days_after
