"""A ledger-account classifier trained on the workspace's own postings, in-process.

Text character and word n-grams plus a supplier token, a linear model with
probabilities (scikit-learn). Nothing is downloaded: it learns from the history it is given,
in well under a second for a few thousand postings, and says nothing when unsure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from liasse.domain.suppliers import Posting, normalise_name

MIN_POSTINGS = 8  # fewer than this and the workspace's history teaches nothing reliable
MIN_ACCOUNTS = 2
TOP = 3


@dataclass(frozen=True)
class AccountGuess:
    account: str
    probability: float


def _features(text: str, supplier_id: str | None) -> str:
    # the supplier id as a word of its own lets one supplier's habit weigh in
    supplier = f" supplier_{supplier_id} supplier_{supplier_id}" if supplier_id else ""
    return normalise_name(text).lower() + supplier


class AccountClassifier:
    """Use `train`; `top` answers the three likeliest accounts with their probabilities."""

    def __init__(self, model: object, accounts: Sequence[str]) -> None:
        self._model = model
        self._accounts = list(accounts)
        self._scorer = _Scorer(model)

    @staticmethod
    def preload() -> None:
        """Import scikit-learn now (about 4 s on the shared 2-core machine): a long-lived
        process that will fit classifiers pays it once at start, not in its first job."""
        # Local, as in `train`: a CLI command that fits nothing never imports it.
        import sklearn.feature_extraction.text
        import sklearn.linear_model
        import sklearn.pipeline  # noqa: F401

    @classmethod
    def train(cls, postings: Sequence[Posting]) -> AccountClassifier | None:
        """A fitted classifier, or None when the history is too small or has one account."""
        counts = Counter(posting.account for posting in postings)
        if len(postings) < MIN_POSTINGS or len(counts) < MIN_ACCOUNTS:
            return None
        # Local: scikit-learn costs about a second to import, and only a workspace with
        # enough history fits a classifier.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        vectoriser = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2)),
        )
        model = make_pipeline(vectoriser, LogisticRegression(max_iter=2000, C=10.0))
        model.fit([_features(p.text, p.supplier_id) for p in postings],
                  [p.account for p in postings])
        return cls(model, [str(label) for label in model.classes_])

    def top(self, text: str, supplier_id: str | None, k: int = TOP) -> list[AccountGuess]:
        probabilities = self._scorer.probabilities(_features(text, supplier_id))
        ranked = sorted(zip(self._accounts, probabilities, strict=True),
                        key=lambda pair: -pair[1])
        return [AccountGuess(account, float(probability)) for account, probability in ranked[:k]]


class _Scorer:
    """The fitted pipeline's `predict_proba` for one text, computed from its fitted parts
    (vocabularies, idf weights, coefficients) in a few array operations. scikit-learn's
    own call for one text went through its union's job dispatch and input validation
    for each part: about 3 ms a document, where the arithmetic takes a tenth of that.
    Same model, same formulas (sublinear tf x idf, l2 norm per part, the parts side by
    side, softmax or the binary logistic), so the same probabilities to rounding."""

    def __init__(self, model: Any) -> None:
        union, regression = model.steps[0][1], model.steps[-1][1]
        self._parts: list[_Part] = []
        offset = 0
        for _, vectoriser in union.transformer_list:
            self._parts.append(_Part(vectoriser.build_analyzer(), vectoriser.vocabulary_,
                                     vectoriser.idf_, offset, bool(vectoriser.sublinear_tf),
                                     {} if vectoriser.analyzer == "char_wb" else None))
            offset += len(vectoriser.vocabulary_)
        self._coef = np.asarray(regression.coef_, dtype=np.float64)
        self._intercept = np.asarray(regression.intercept_, dtype=np.float64)

    def probabilities(self, text: str) -> Any:
        logits = self._intercept.copy()
        for part in self._parts:
            counts = part.counts(text)
            if not counts:
                continue  # a part with no known term adds nothing (l2 of zeros is zeros)
            indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if part.sublinear:
                weights = np.log(weights) + 1.0
            weights *= part.idf[indices]
            weights /= np.sqrt(np.dot(weights, weights))
            logits += self._coef[:, part.offset + indices] @ weights
        if self._coef.shape[0] == 1:  # two accounts: one logistic for the second
            second = 1.0 / (1.0 + np.exp(-logits[0]))
            return np.array([1.0 - second, second])
        exponents = np.exp(logits - logits.max())
        return exponents / exponents.sum()


# Words whose known n-grams a part keeps; past this it starts again (a worker's memory).
WORDS_KEPT = 50_000


@dataclass
class _Part:
    """One vectoriser of the union: how it cuts a text, its vocabulary and idf weights,
    where its columns start among the coefficients."""

    analyse: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: Any
    offset: int
    sublinear: bool
    # Character n-grams within words ("char_wb") depend on the word alone: a page's words
    # repeat, and so do a workspace's from page to page, so each word is cut once.
    by_word: dict[str, tuple[int, ...]] | None

    def counts(self, text: str) -> Counter[int]:
        if self.by_word is None:
            return Counter(index for term in self.analyse(text)
                           if (index := self.vocabulary.get(term)) is not None)
        if len(self.by_word) > WORDS_KEPT:
            self.by_word.clear()
        counts: Counter[int] = Counter()
        for word, times in Counter(text.split()).items():
            indices = self.by_word.get(word)
            if indices is None:
                indices = self.by_word[word] = tuple(
                    index for term in self.analyse(word)
                    if (index := self.vocabulary.get(term)) is not None)
            for index in indices:
                counts[index] += times
        return counts
