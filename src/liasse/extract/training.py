"""Fit the candidate ranker and its calibration, and cross-validate it by source.

Used by `scripts/train_extractor.py` (which writes the shipped model) and by
`bench/extraction.py` (which measures it). scikit-learn is imported here only: reading a
document never needs it.

Honesty rules, because the confidence is a promise:
- a document's candidates are labelled right only when their value equals the label
  exactly (amounts and dates by value, names after `normalise`);
- the calibration of a model is fitted on *out-of-fold* scores: documents scored by a
  model fitted without their source (GroupKFold over sources);
- `cross_validate` holds one source out at a time and fits everything — ranker and
  calibration — on the others, so its figures are those of a source never seen.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from liasse.extract.candidates import Candidate, all_candidates
from liasse.extract.confidence import SURE
from liasse.extract.fields.geometry import build_layout, normalise
from liasse.extract.layout import Page, Word
from liasse.extract.ranking import (
    BELOW_SURE,
    FIELD_KINDS,
    POOLED_EVIDENCE,
    Calibration,
    FieldModel,
    RankerModel,
    calibration_key,
    choose,
    feature_matrix,
)

_CALIBRATION_FOLDS = 8
GENERATED = "generated"  # the kind (and source) of generated examples
_REGULARISATION = 0.5  # inverse strength (scikit-learn's C): the real corpus is small
# Negatives kept per document and field: enough to rank, few enough to fit fast.
_NEGATIVES_PER_DOCUMENT = 40
# Pessimism of a calibration level: k right of n count as k / (n + this).
_CALIBRATION_PRIOR = 3
_MIN_CALIBRATION_POINTS = 5
# A level at SURE or above must rest on values from this many sources (`_source_backed`).
_SURE_SOURCES = 3
_THIN_CEILING = BELOW_SURE


@dataclass
class Example:
    """One labelled document: its candidates, its truth, and the source it came from."""

    name: str
    source: str
    kind: str  # "invoice", "receipt", "generated"
    layer: str  # "text" or "ocr": calibrated apart, OCR errors are another risk
    truth: dict[str, str]
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    # The candidates' feature matrices by kind, in the training's one feature order.
    matrices: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = field(default_factory=dict)

    def prepare(self, features: tuple[str, ...]) -> None:
        self.matrices = {kind: feature_matrix(found, features)
                         for kind, found in self.candidates.items()}


def prepare(examples: Sequence[Example]) -> tuple[str, ...]:
    """Fix one feature order for all `examples` and build their matrices once."""
    features = tuple(sorted({key for example in examples for found in
                             example.candidates.values() for c in found for key in c.features}))
    for example in examples:
        example.prepare(features)
    return features


def example_from_pages(name: str, source: str, kind: str, layer: str,
                       truth: dict[str, str | None], pages: list[Page]) -> Example:
    known = {key: value for key, value in truth.items() if value is not None}
    return Example(name, source, kind, layer, known, all_candidates(build_layout(pages)))


def same_value(name: str, predicted: str | None, truth: str | None) -> bool:
    """Whether a read value is the labelled one (the benchmark's and the labels' rule)."""
    if predicted is None or truth is None:
        return predicted is truth
    if name.endswith("_amount"):
        try:
            return Decimal(predicted) == Decimal(truth)
        except InvalidOperation:
            return False
    if name in ("supplier_name", "customer_name"):
        return normalise(predicted) == normalise(truth)
    return predicted.strip() == truth.strip()


# --- fitting ------------------------------------------------------------------------------

def _rows(examples: Iterable[Example], name: str,
          ) -> tuple[np.ndarray[Any, np.dtype[np.float64]], list[int]]:
    blocks: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    labels: list[int] = []
    kind = FIELD_KINDS[name]
    for example in examples:
        truth = example.truth.get(name)
        if truth is None or kind not in example.matrices:
            continue
        rights = [int(same_value(name, candidate.value, truth))
                  for candidate in example.candidates[kind]]
        keep = _sample_negatives(rights, example.name)
        blocks.append(example.matrices[kind][keep])
        labels.extend(rights[row] for row in keep)
    return (np.vstack(blocks) if blocks else np.zeros((0, 0))), labels


def _sample_negatives(rights: list[int], seed: str) -> list[int]:
    """Every positive, and a fixed random share of the negatives (the same on every run)."""
    negatives = [row for row, right in enumerate(rights) if not right]
    if len(negatives) > _NEGATIVES_PER_DOCUMENT:
        rng = np.random.default_rng(_stable(seed))
        negatives = sorted(rng.choice(negatives, _NEGATIVES_PER_DOCUMENT, replace=False))
    return sorted([row for row, right in enumerate(rights) if right] + list(negatives))


def _stable(text: str) -> int:
    return int.from_bytes(text.encode("utf-8")[-8:].rjust(8, b"\0"), "big") % (2**32)


def _fit_weights(examples: Sequence[Example], name: str,
                 features: tuple[str, ...]) -> FieldModel | None:
    # Local: training only (scripts/train_extractor.py, the bench); reading never loads
    # scikit-learn.
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    matrix, labels = _rows(examples, name)
    if sum(labels) < 3 or sum(labels) == len(labels):
        return None
    index = {key: column for column, key in enumerate(features)}
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale == 0] = 1.0
    mean[index["bias"]], scale[index["bias"]] = 0.0, 1.0
    fitted = LogisticRegression(C=_REGULARISATION, max_iter=500, class_weight="balanced")
    # One BLAS thread: these problems are small, and threads fighting over two cores made
    # a fit thirty times slower.
    with threadpool_limits(limits=1):
        fitted.fit((matrix - mean) / scale, np.array(labels))
    return FieldModel(features, mean, scale, fitted.coef_[0].astype(float),
                      float(fitted.intercept_[0]), {})


def _fit_unc(examples: Sequence[Example], features: tuple[str, ...]) -> RankerModel:
    """Uncalibrated weights: on every example, and on the text-layer ones for that layer
    (see `RankerModel`)."""
    text = [example for example in examples if example.layer == "text"]
    return RankerModel(_fit_fields(examples, features), {}, _fit_fields(text, features))


def _fit_fields(examples: Sequence[Example], features: tuple[str, ...]
                ) -> dict[str, FieldModel]:
    fields = {}
    for name in FIELD_KINDS:
        model = _fit_weights(examples, name, features)
        if model is not None:
            fields[name] = model
    return fields


@dataclass(frozen=True)
class Scored:
    """One field of one held-out document: what was chosen and whether it was right."""

    example: Example
    name: str
    value: str | None
    share: float
    calibration_key: str
    confidence: float
    right: bool


def _score_examples(model: RankerModel, examples: Iterable[Example]) -> list[Scored]:
    scored: list[Scored] = []
    for example in examples:
        choices = choose(model, example.candidates, example.matrices, layer=example.layer)
        for name in FIELD_KINDS:
            truth = example.truth.get(name)
            if truth is None:
                continue
            choice = choices.get(name)
            if choice is None:
                scored.append(Scored(example, name, None, 0.0, "", 0.0, False))
                continue
            scored.append(Scored(example, name, choice.value, choice.share, choice.calibration,
                                 choice.confidence, same_value(name, choice.value, truth)))
    return scored


def _isotonic(points: list[Scored]) -> Calibration:
    """An isotonic map from share to accuracy, each level made pessimistic, kept monotone."""
    from sklearn.isotonic import IsotonicRegression  # local: see _fit_weights

    if len(points) < _MIN_CALIBRATION_POINTS:
        return Calibration((0.0, 1.0), (0.0, 0.0))
    ordered = sorted(points, key=lambda point: point.share)
    shares = np.array([point.share for point in ordered])
    rights = np.array([float(point.right) for point in ordered])
    levels = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(shares, rights)
    sources = [point.example.source for point in ordered]
    blocks, values = _source_backed(_blocks(levels), rights, sources)
    # Pessimism can break the order (a small block above a large one); the minimum over
    # the blocks to the right restores it without ever raising a level.
    values = list(np.minimum.accumulate(values[::-1])[::-1])
    xs: list[float] = []
    ys: list[float] = []
    for (start, stop), value in zip(blocks, values, strict=True):
        for x in (shares[start], shares[stop - 1]):
            if not xs or x > xs[-1]:
                xs.append(round(float(x), 6))
                ys.append(round(float(value), 6))
    return Calibration(tuple(xs), tuple(ys))


def _source_backed(blocks: list[tuple[int, int]], rights: np.ndarray[Any, np.dtype[np.float64]],
                   sources: list[str]) -> tuple[list[tuple[int, int]], list[float]]:
    """Each block's pessimistic level, a level at SURE or above backed by several sources.

    A source fails in its own ways (one generator's layout, one viewer's labels): a block
    whose values reach SURE but come from fewer than `_SURE_SOURCES` sources promises what
    one or two sources showed. Such a block is merged with the block below it, until its
    values span enough sources or its level falls under SURE; the lowest block, if still
    thin, stays just under SURE.
    """
    merged = list(blocks)
    index = len(merged) - 1
    while index > 0:
        start, stop = merged[index]
        if _pessimistic(rights[start:stop]) >= SURE \
                and len(set(sources[start:stop])) < _SURE_SOURCES:
            merged[index - 1:index + 1] = [(merged[index - 1][0], stop)]
        index -= 1
    values = [_pessimistic(rights[start:stop]) for start, stop in merged]
    if merged and values[0] >= SURE \
            and len(set(sources[merged[0][0]:merged[0][1]])) < _SURE_SOURCES:
        values[0] = _THIN_CEILING
    return merged, values


def _blocks(levels: np.ndarray[Any, np.dtype[np.float64]]) -> list[tuple[int, int]]:
    """The runs of equal fitted level, as (start, stop) index pairs."""
    blocks: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(levels) + 1):
        if index == len(levels) or not np.isclose(levels[index], levels[start]):
            blocks.append((start, index))
            start = index
    return blocks


def _pessimistic(rights: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    """A block's accuracy as k / (n + prior), never k / n.

    An isotonic block of five documents, all right, says 1.0 by luck as often as not; the
    prior keeps a level that few documents support below the posting line.
    """
    return min(float(rights.sum()) / (len(rights) + _CALIBRATION_PRIOR), 0.99)


def fit_ranker(examples: Sequence[Example], features: tuple[str, ...]) -> RankerModel:
    """Weights on all `examples`; calibration on out-of-fold scores grouped by source.

    `features` is the order `prepare` gave the examples' matrices.
    """
    model = _fit_unc(examples, features)
    # Calibrated on real documents only: the generated ones teach the ranker, but how
    # often a value is right is a fact about the world, not about our generator.
    out_of_fold = [point for point in _out_of_fold(examples, features)
                   if point.value and point.example.kind != GENERATED]
    pooled = _pooled_maps(out_of_fold)
    unproven = _unproven_maps(out_of_fold)
    calibrations = {}
    for name in model.fields:
        points = [point for point in out_of_fold if point.name == name]
        keys = sorted({point.calibration_key for point in points})
        calibrations[name] = {key: pooled.get((name, key))
                              or _class_map([p for p in points if p.calibration_key == key],
                                            unproven)
                              for key in keys}
        for layer, calibration in unproven.items():
            # A field with no value left without proof on a layer still meets one there.
            calibrations[name].setdefault(calibration_key(layer, "plain"),
                                          _borrowed(calibration))
    sources = sorted({example.source for example in examples})
    # Both weight sets carry every map: a key names its layer, and the out-of-fold points
    # of each layer were scored by that layer's weights.
    return RankerModel(_calibrated(model.fields, calibrations),
                       {"documents": len(examples), "sources": sources},
                       _calibrated(model.text_fields, calibrations))


def _calibrated(fields: dict[str, FieldModel], calibrations: dict[str, dict[str, Calibration]]
                ) -> dict[str, FieldModel]:
    return {name: FieldModel(model.features, model.mean, model.scale, model.weights,
                             model.intercept, calibrations.get(name, {}))
            for name, model in fields.items()}


def _unproven_maps(points: list[Scored]) -> dict[str, Calibration]:
    """Per layer, one map over every field's values that no proof backs ("plain")."""
    layers = {point.calibration_key.partition(":")[0] for point in points}
    return {layer: _isotonic([point for point in points
                              if point.calibration_key == calibration_key(layer, "plain")])
            for layer in layers}


def _class_map(points: list[Scored], unproven: dict[str, Calibration]) -> Calibration:
    """A class's own map; one that too few values saw takes its layer's map for values
    without proof. Such a class (a date plain on the text layer, once nearly every date
    there is labelled) used to read 0 whatever its share: a right date refused a document
    that the review queue should have had (and a class no value saw at all had no map)."""
    if len(points) >= _MIN_CALIBRATION_POINTS or not points:
        return _isotonic(points)
    layer = points[0].calibration_key.partition(":")[0]
    borrowed = unproven.get(layer)
    return _borrowed(borrowed) if borrowed else _isotonic(points)


def _borrowed(calibration: Calibration) -> Calibration:
    """Another class's map lent to a class that too few values of its own saw: it ranks
    the class's values, it never makes one sure. The layer's other fields were right
    that often, not this one: a till slip's dates and totals lent their 0.97 to its
    "customer" ("SELANGOR DARUL EHSAN", a state, under the shop's address)."""
    return Calibration(calibration.x, tuple(min(y, _THIN_CEILING) for y in calibration.y))


def _pooled_maps(points: list[Scored]) -> dict[tuple[str, str], Calibration]:
    """One map for every (field, key) of a pool (`ranking.evidence.POOLED_EVIDENCE`), fitted on all
    their points together: the same kind of proof, seen on more documents."""
    maps: dict[tuple[str, str], Calibration] = {}
    for pool in POOLED_EVIDENCE:
        members = [point for point in points if (point.name, point.calibration_key) in pool]
        if members:
            calibration = _isotonic(members)
            maps.update(dict.fromkeys(pool, calibration))
    return maps


def _out_of_fold(examples: Sequence[Example], features: tuple[str, ...]) -> list[Scored]:
    sources = sorted({example.source for example in examples})
    folds = _group_folds(sources, _CALIBRATION_FOLDS)
    scored: list[Scored] = []
    for fold in folds:
        train = [example for example in examples if example.source not in fold]
        test = [example for example in examples if example.source in fold]
        if train and test:
            scored.extend(_score_examples(_fit_unc(train, features), test))
    return scored


def _group_folds(sources: list[str], count: int) -> list[set[str]]:
    """Sources dealt round-robin into folds (largest sources do not share a fold)."""
    folds: list[set[str]] = [set() for _ in range(min(count, len(sources)))]
    for position, source in enumerate(sources):
        folds[position % len(folds)].add(source)
    return folds


def cross_validate(examples: Sequence[Example], features: tuple[str, ...], *,
                   sources: Iterable[str] | None = None) -> list[Scored]:
    """Leave one source out: each held-out source is scored by a ranker fitted without it.

    Only the sources in `sources` are held out (all by default); every example, generated
    ones included, stays available for fitting the others.
    """
    held = sorted(set(sources) if sources is not None
                  else {example.source for example in examples})
    scored: list[Scored] = []
    for source in held:
        train = [example for example in examples if example.source != source]
        test = [example for example in examples if example.source == source]
        scored.extend(_score_examples(fit_ranker(train, features), test))
    return scored


def held_out_models(examples: Sequence[Example], features: tuple[str, ...],
                    sources: Iterable[str]) -> dict[str, RankerModel]:
    """For each source, the ranker fitted (weights and calibration) on every other one."""
    return {source: fit_ranker([e for e in examples if e.source != source], features)
            for source in sorted(set(sources))}


# --- pages cache --------------------------------------------------------------------------

def pages_to_json(pages: list[Page]) -> list[dict[str, Any]]:
    return [{"number": page.number, "width": page.width, "height": page.height,
             "words": [[w.text, w.x0, w.y0, w.x1, w.y1, w.confidence] for w in page.words]}
            for page in pages]


def pages_from_json(raw: list[dict[str, Any]]) -> list[Page]:
    return [Page(int(page["number"]), float(page["width"]), float(page["height"]),
                 [Word(str(w[0]), *map(float, w[1:])) for w in page["words"]])
            for page in raw]


def cached_pages(data: bytes, sha256: str, cache: Path | None,
                 read: Callable[[bytes], list[Page]]) -> list[Page]:
    """The document's words, from the cache when this content was read before (OCR is slow)."""
    path = cache / f"{sha256}.json" if cache is not None else None
    if path is not None and path.exists():
        return pages_from_json(json.loads(path.read_text("utf-8")))
    pages = read(data)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pages_to_json(pages)), "utf-8")
    return pages

