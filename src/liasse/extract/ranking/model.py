"""The ranker's model: one logistic regression per field over the candidates' features,
and the calibration maps that turn a chosen value's score share into its confidence.

Trained by `scripts/train_extractor.py` on the real corpus and the generated one, and
shipped as `extract/data/ranker.json`: weights a person can read, no pickle, nothing
downloaded. scikit-learn is needed to train, not to read; numpy only to score many
documents at once (training, benches): reading one document scores its candidates in plain
Python, so that a reader process never imports numpy.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from liasse.extract.candidates import Candidate

if TYPE_CHECKING:
    import numpy as np

    Matrix = np.ndarray[Any, np.dtype[np.float64]]
    # A model's per-feature numbers: tuples as read from the shipped file, numpy arrays
    # as training fits them.
    Vector = tuple[float, ...] | Matrix
    Matrices = dict[str, Matrix]

FIELD_KINDS: dict[str, str] = {
    "supplier_name": "name",
    "customer_name": "name",
    "invoice_number": "code",
    "issue_date": "date",
    "due_date": "date",
    "net_amount": "amount",
    "tax_amount": "amount",
    "total_amount": "amount",
}
AMOUNT_FIELDS: tuple[str, str, str] = ("net_amount", "tax_amount", "total_amount")
MODEL_RESOURCE = "data/ranker.json"


@dataclass(frozen=True)
class Calibration:
    """Isotonic map from a score share to the probability of being right."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __call__(self, share: float) -> float:
        """`numpy.interp(share, x, y)`, step for step (the same float operations, so the
        same result to the last bit), without numpy."""
        xs, ys = self.x, self.y
        if not xs:
            return 0.0
        if share < xs[0]:
            return ys[0]
        if share >= xs[-1]:
            return ys[-1]
        at = bisect_right(xs, share) - 1
        if xs[at] == share:
            return ys[at]
        slope = (ys[at + 1] - ys[at]) / (xs[at + 1] - xs[at])
        return slope * (share - xs[at]) + ys[at]


def feature_matrix(candidates: list[Candidate], features: tuple[str, ...]) -> Matrix:
    """The candidates' features as rows, in the order of `features` (absent ones are 0)."""
    # Deferred: numpy for the callers that score many documents at once (training).
    import numpy as np

    # Filled as one Python list and converted once: numpy's item assignment costs more
    # than the work, for the few dozen features each of a page's candidates sets.
    index = _feature_index(features)
    width = len(features)
    flat = [0.0] * (len(candidates) * width)
    for row, candidate in enumerate(candidates):
        start = row * width
        for name, value in candidate.features.items():
            column = index.get(name)
            if column is not None:
                flat[start + column] = value
    return np.array(flat, dtype=np.float64).reshape(len(candidates), width)


@lru_cache(maxsize=16)
def _feature_index(features: tuple[str, ...]) -> dict[str, int]:
    return {name: column for column, name in enumerate(features)}


_DIRECTION_WORDS = {"same": "after", "left": "right of", "above": "under"}


def feature_words(feature: str) -> str:
    """A feature's name as the evidence shows it: "left:total_amount" → "right of a total
    amount label"."""
    direction, _, role = feature.partition(":")
    if role:
        words = "" if role == "any" else f"{role.replace('_', ' ')} "
        what = f"{'an' if words[:1] in tuple('aeiou') and words else 'a'} {words}label"
        return f"{_DIRECTION_WORDS.get(direction, direction)} {what}"
    return feature.replace("_", " ")


@dataclass(frozen=True)
class FieldModel:
    features: tuple[str, ...]
    mean: Vector
    scale: Vector
    weights: Vector
    intercept: float
    calibration: dict[str, Calibration]  # by `calibration_key`; a missing key means 0

    def logits(self, candidates: list[Candidate], raw: Matrix | None = None) -> list[float]:
        """One score per candidate; `raw` is their feature matrix when already built (the
        training's matrices, scored with numpy), else each is scored from its features."""
        if raw is None or not candidates:
            return [self.logit(candidate) for candidate in candidates]
        # Deferred: numpy is there already, since the caller built `raw` with it.
        import numpy as np

        scores = ((raw - np.asarray(self.mean)) / np.asarray(self.scale)) \
            @ np.asarray(self.weights) + self.intercept
        return [float(score) for score in scores]

    def logit(self, candidate: Candidate) -> float:
        """The candidate's score, the standardised features' weighted sum, in plain Python:
        a page's candidates set a few dozen of the model's features, and every feature
        left at 0 adds the same term to every candidate (`_absent_score`), so only the
        features a candidate sets are looked at, each adding its value times its slope
        (what setting it moves the score by, per unit)."""
        slopes = self._slopes
        return self.intercept + self._absent_score + sum(
            [value * slopes[name] for name, value in candidate.features.items()
             if name in slopes])

    @cached_property
    def _slopes(self) -> dict[str, float]:
        return {name: weight / scale for name, (_, scale, weight, _) in self._terms.items()}

    @cached_property
    def _terms(self) -> dict[str, tuple[float, float, float, float]]:
        """Each feature's mean, scale, weight, and its term when the feature is 0."""
        return {name: (float(mean), float(scale), float(weight),
                       ((0.0 - float(mean)) / float(scale)) * float(weight))
                for name, mean, scale, weight in zip(self.features, self.mean, self.scale,
                                                     self.weights, strict=True)}

    @cached_property
    def _absent_score(self) -> float:
        return sum(term[3] for term in self._terms.values())

    def reasons(self, candidate: Candidate, count: int = 3) -> str:
        """The features that pushed this candidate up the most, in words for the evidence.

        Every feature's own term counts, a feature left at 0 included (one the training
        found usually set, and weighed against, pushes up by its absence); ties go to the
        feature first in the model's order."""
        terms, columns = self._terms, self._columns
        ranked: list[tuple[float, int]] = []
        for name, value in candidate.features.items():
            term = terms.get(name)
            if term is not None:
                mean, scale, weight, _ = term
                ranked.append((-(((value - mean) / scale) * weight), columns[name]))
        present = {column for _, column in ranked}
        # The terms of absent features are the same for every candidate, ranked once: the
        # best few the candidate does not set are all that can join its top.
        joined = 0
        for item in self._absent_ranked:
            if joined == count:
                break
            if item[1] not in present:
                ranked.append(item)
                joined += 1
        return ", ".join(feature_words(self.features[column])
                         for negative, column in sorted(ranked)[:count] if negative < 0)

    @cached_property
    def _columns(self) -> dict[str, int]:
        return _feature_index(self.features)

    @cached_property
    def _absent_ranked(self) -> list[tuple[float, int]]:
        """(minus the term of the feature at 0, its column), best first."""
        return sorted((-term[3], self._columns[name]) for name, term in self._terms.items())


@dataclass(frozen=True)
class RankerModel:
    """Weights per field fitted on every document (`fields`), and weights fitted on
    text-layer documents only (`text_fields`), which read the text layer.

    One set of weights for both layers let OCR'd receipts pull the invoices' weights their
    way (a receipt's shop name is its first capitals line, an invoice's supplier the party
    with the seller's marks): fitted apart, the real text-layer invoices read 90.5 % of
    their fields right instead of 88.3 %, out of fold. OCR keeps the weights fitted on
    everything: its own documents are too few to stand alone when a source is held out.
    """

    fields: dict[str, FieldModel]
    trained_on: dict[str, Any]
    text_fields: dict[str, FieldModel] = field(default_factory=dict)

    def layer_fields(self, layer: str) -> dict[str, FieldModel]:
        """The weights that read `layer`; a field the text layer had too few examples of
        keeps the all-documents weights."""
        if layer == "text" and self.text_fields:
            return {**self.fields, **self.text_fields}
        return self.fields

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RankerModel:
        return cls(_fields_from_json(raw["fields"]), dict(raw.get("trained_on", {})),
                   _fields_from_json(raw.get("text_fields", {})))

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "trained_on": self.trained_on,
                "fields": _fields_to_json(self.fields),
                "text_fields": _fields_to_json(self.text_fields)}


def _fields_from_json(raw: dict[str, Any]) -> dict[str, FieldModel]:
    fields = {}
    for name, spec in raw.items():
        calibration = {key: Calibration(tuple(points[0]), tuple(points[1]))
                       for key, points in spec["calibration"].items()}
        fields[name] = FieldModel(
            features=tuple(spec["features"]), mean=tuple(map(float, spec["mean"])),
            scale=tuple(map(float, spec["scale"])),
            weights=tuple(map(float, spec["weights"])),
            intercept=float(spec["intercept"]), calibration=calibration)
    return fields


def _fields_to_json(fields: dict[str, FieldModel]) -> dict[str, Any]:
    return {name: {"features": list(model.features), "mean": _rounded(model.mean),
                   "scale": _rounded(model.scale), "weights": _rounded(model.weights),
                   "intercept": round(model.intercept, 6),
                   "calibration": {key: [list(c.x), list(c.y)]
                                   for key, c in model.calibration.items()}}
            for name, model in fields.items()}


def _rounded(values: Vector) -> list[float]:
    return [round(float(value), 6) for value in values]


@lru_cache(maxsize=1)
def shipped_model() -> RankerModel:
    raw = resources.files("liasse.extract").joinpath(MODEL_RESOURCE).read_text("utf-8")
    return RankerModel.from_json(json.loads(raw))
