"""A ledger-account classifier trained on the workspace's own postings, in-process.

Text character and word n-grams plus a supplier token, a linear model with
probabilities (scikit-learn). Nothing is downloaded: it learns from the history it is given,
in well under a second for a few thousand postings, and says nothing when unsure.
"""

from __future__ import annotations

import io
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


def _vectorisers() -> list[Any]:
    """The union's parts, unfitted: character n-grams within words, then words and pairs."""
    # Local, as in `AccountClassifier.train`.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2))]


def _features(text: str, supplier_id: str | None) -> str:
    # the supplier id as a word of its own lets one supplier's habit weigh in
    supplier = f" supplier_{supplier_id} supplier_{supplier_id}" if supplier_id else ""
    return normalise_name(text).lower() + supplier


class AccountClassifier:
    """Use `train`; `top` answers the three likeliest accounts with their probabilities."""

    def __init__(self, scorer: _Scorer, accounts: Sequence[str], model: object = None) -> None:
        self._accounts = list(accounts)
        self._scorer = scorer
        self._model = model  # scikit-learn's pipeline, when fitted here (what tests compare)

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
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        model = make_pipeline(make_union(*_vectorisers()),
                              LogisticRegression(max_iter=2000, C=10.0))
        model.fit([_features(p.text, p.supplier_id) for p in postings],
                  [p.account for p in postings])
        return cls(_Scorer.of(model), [str(label) for label in model.classes_], model)

    def to_bytes(self) -> bytes:
        """The fitted model as arrays (NumPy's format, no pickle): other workers load it
        instead of fitting it again on the same history (`from_bytes`)."""
        arrays: dict[str, Any] = {"accounts": np.array(self._accounts, dtype=str),
                                  "coef": self._scorer.coef,
                                  "intercept": self._scorer.intercept}
        for index, part in enumerate(self._scorer.parts):
            terms = sorted(part.vocabulary, key=part.vocabulary.__getitem__)
            arrays[f"terms{index}"] = np.array(terms, dtype=str)
            arrays[f"idf{index}"] = part.idf
        out = io.BytesIO()
        np.savez(out, **arrays)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> AccountClassifier:
        """The classifier `to_bytes` wrote: the same parameters, the same probabilities."""
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            parts = []
            offset = 0
            for index, vectoriser in enumerate(_vectorisers()):
                terms = [str(term) for term in arrays[f"terms{index}"]]
                parts.append(_Part.of(vectoriser, {term: i for i, term in enumerate(terms)},
                                      np.array(arrays[f"idf{index}"]), offset))
                offset += len(terms)
            scorer = _Scorer(parts, np.array(arrays["coef"]), np.array(arrays["intercept"]))
            return cls(scorer, [str(account) for account in arrays["accounts"]])

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

    def __init__(self, parts: list[_Part], coef: Any, intercept: Any) -> None:
        self.parts = parts
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)

    @classmethod
    def of(cls, model: Any) -> _Scorer:
        """The scorer of a fitted pipeline (its union of vectorisers, then the regression)."""
        union, regression = model.steps[0][1], model.steps[-1][1]
        parts: list[_Part] = []
        offset = 0
        for _, vectoriser in union.transformer_list:
            parts.append(_Part.of(vectoriser, vectoriser.vocabulary_, vectoriser.idf_, offset))
            offset += len(vectoriser.vocabulary_)
        return cls(parts, regression.coef_, regression.intercept_)

    def probabilities(self, text: str) -> Any:
        logits = self.intercept.copy()
        for part in self.parts:
            counts = part.counts(text)
            if not counts:
                continue  # a part with no known term adds nothing (l2 of zeros is zeros)
            indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if part.sublinear:
                weights = np.log(weights) + 1.0
            weights *= part.idf[indices]
            weights /= np.sqrt(np.dot(weights, weights))
            logits += self.coef[:, part.offset + indices] @ weights
        if self.coef.shape[0] == 1:  # two accounts: one logistic for the second
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

    @classmethod
    def of(cls, vectoriser: Any, vocabulary: dict[str, int], idf: Any, offset: int) -> _Part:
        """A part cutting texts as `vectoriser` does (fitted or not: its settings alone)."""
        return cls(vectoriser.build_analyzer(), vocabulary, idf, offset,
                   bool(vectoriser.sublinear_tf),
                   {} if vectoriser.analyzer == "char_wb" else None)

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
