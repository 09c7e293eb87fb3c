"""Choose each field's value among its candidates with a learned, calibrated ranker.

The model is one logistic regression per field over the candidates' features
(`extract.candidates`), trained by `scripts/train_extractor.py` on the real corpus and the
generated one, and shipped as `extract/data/ranker.json`: weights a person can read, no
pickle, nothing downloaded. scikit-learn is needed to train, not to read; numpy only to
score many documents at once (training, benches): reading one document scores its
candidates in plain Python, so that a reader process never imports numpy.

Confidence is the calibrated probability that the chosen value is right: an isotonic map,
fitted out of fold (the documents it maps were scored by a model that had not seen their
source), from the chosen value's share of the candidates' scores. Amounts are chosen
together: a net, a tax and a total that add up to the cent are taken over a slightly
better-scored set that does not, and their calibration is kept apart, because arithmetic
that holds is independent evidence.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from liasse.extract.candidates import Candidate
from liasse.extract.confidence import SURE
from liasse.extract.fields.geometry import normalise

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
# How many of each amount field's best values the joint choice looks at.
_TRIPLE_DEPTH = 4
# A consistent triple is preferred unless its joint score is this much (log) worse.
_TRIPLE_SLACK = math.log(20.0)
MODEL_RESOURCE = "data/ranker.json"
# Cash rounding moves a total by a few cents at most (to 0.05 in most countries that round).
_ROUNDING_GAP = Decimal("0.05")
# Net and tax worked out line by line and rounded miss the total by a cent at most.
_ROUNDED_SUM_GAP = Decimal("0.01")
AMBIGUOUS_CEILING = 0.75
CONTRADICTED_CEILING = 0.6
# A value whose own label names something else, or a code that is one piece of a longer one.
MISPLACED_CEILING = 0.75
# A value the ranker itself scores unlikely, chosen because nothing else was likelier
# ("31000 Toulouse", a postcode, the only code of a page whose number is "November#6"):
# its share of the candidates says it won, not that it is right.
UNLIKELY_PROBABILITY = 0.05
UNLIKELY_CEILING = 0.5
# A customer's name that is its model's second choice because the first was the supplier's
# (`_distinct_parties`): it won by default, which says nothing of whether it is right.
SECOND_CHOICE_CEILING = 0.75
# Fields many documents do not print: a till slip names no customer. Their maps were fitted
# on documents labelled with one, never on a page that has none, so a value of theirs that
# nothing vouches for (no party label, no block, `plain`) is never sure: a generated till
# ticket's item line "2 x Audit comptable" was its customer at 0.86.
OPTIONAL_FIELDS = frozenset({"customer_name"})
# Just under the posting line: weighed, never sure.
BELOW_SURE = round(SURE - 0.01, 2)
UNPROVEN_OPTIONAL_CEILING = BELOW_SURE
# A value whose evidence class has no map of its own (`_calibrated`).
UNSEEN_CLASS_CEILING = BELOW_SURE
# The labels that, beside a value, say it is another field ("Date d'expiration" by a date).
_OTHER_ROLES: dict[str, tuple[str, ...]] = {
    "issue_date": ("other_date", "due_date"),
    "due_date": ("other_date", "issue_date"),
    "invoice_number": ("other_number", "related_invoice"),
}


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


@dataclass(frozen=True)
class Choice:
    """The value chosen for a field, how sure the ranker is, and why."""

    value: str
    confidence: float
    share: float  # the value's share of the candidates' scores (the calibration's input)
    consistent: bool  # amounts: net + tax = total held for the chosen three
    candidate: Candidate
    calibration: str  # the key of the calibration map used
    reasons: str
    # A date that reads two ways: its confidence before `AMBIGUOUS_CEILING` lowered it, for
    # a reader that knows which way its supplier prints dates (`extract.memory`).
    unambiguous_confidence: float | None = None

    @property
    def evidence(self) -> str:
        why = f" [{self.reasons}]" if self.reasons else ""
        check = " (net + tax = total)" if self.consistent else ""
        return f"{self.candidate.evidence}{check}{why}"[:240]


@dataclass(frozen=True)
class _Scored:
    """A field's distinct values, best first, each with its best occurrence and its share."""

    values: list[tuple[str, float, Candidate]]  # value, probability, best occurrence


# Independent evidence that a field's chosen value is what it seems: a value with it is
# calibrated apart from one without, so a well-ranked guess never borrows the confidence
# that corroborated values earned. Amounts use arithmetic (net + tax = total) instead.
CORROBORATION: dict[str, tuple[str, ...]] = {
    "supplier_name": ("domain_match", "legal_mention", "repeats", "after_label"),
    "customer_name": ("in_customer",),
    "invoice_number": ("same:invoice_number", "left:invoice_number", "above:invoice_number"),
    "issue_date": ("same:issue_date", "left:issue_date", "above:issue_date"),
    "due_date": ("same:due_date", "left:due_date", "above:due_date"),
}


def corroborated(name: str, candidate: Candidate) -> bool:
    return any(candidate.features.get(feature, 0.0) >= 1.0
               for feature in CORROBORATION.get(name, ()))


def calibration_key(layer: str, evidence: str) -> str:
    """Which calibration map a value uses: by reading layer and kind of corroboration."""
    return f"{layer}:{evidence}"


def evidence_key(name: str, candidate: Candidate, consistent: bool, layer: str, *,
                 row: bool = False) -> str:
    """The calibration map of a chosen value: its layer and evidence class (`evidence_class`).

    Every class is calibrated per layer: an OCR'd total beside its label fails in ways a
    text layer's does not (a receipt's total before its cash rounding, beside its label and
    adding up), so text-layer invoices never vouch for receipts, nor receipts for invoices.
    """
    return calibration_key(layer, evidence_class(name, candidate, consistent, layer, row=row))


def evidence_class(name: str, candidate: Candidate, consistent: bool, layer: str, *,
                   row: bool = False) -> str:
    """The strongest independent evidence behind a value, as a class a map is fitted on.

    - a total beside its own strong label ("Total TTC", "Grand Total"), or one that adds up
      with a net and a tax and has a total label at all, beside it or heading its column
      ("Total:" over "522.31 | 109.69 | 632.00"), or the page's largest amount printed on
      one line with the net and the tax it adds up from (`row`: a totals row, "1153.34 |
      239.66 | 1393.00 EUR", whose header sits off its column; text layer only): "labelled";
    - an issue date beside a date label, under its own strong label with nothing between
      ("DATE DE FACTURE" over its cell), after the "of" of the document's title line, or
      the only date the document prints, under its number's label ("INVOICE I/00002" over
      "Apr 01, 2015"; text layer only), that reads one way only: "labelled";
    - an invoice number beside or under its own strong label, or its number sign in the
      title line, under a strong label ("FACTURE" over "N° FA-2026-0001") or, on the text
      layer, under the title line ("Facture du 29/01/2021" over "n° 1234567890"), touching
      no other code: "labelled";
    - a supplier's name on the text layer that the page's own e-mail or web domain spells,
      every word of it capitalised (no sentence that mentions the brand),
      that its legal mention gives ("X SARL au capital de …": only the seller prints its
      share capital), that heads the block a seller label opens ("Verkäufer / Name: | …"),
      that carries a legal form inside that block, or that is the page's letterhead (its
      first line, the seller's marks under it): "marked".
    """
    features = candidate.features
    if name == "total_amount" and not features.get("ambiguous"):
        label = _label_strength(candidate, "total_amount")
        if consistent:
            label = max(label, features.get("above:total_amount", 0.0))
        if label >= 1.0 or (consistent and label > 0) \
                or (layer == "text" and consistent and row and features.get("is_max")):
            return "labelled"
    if name == "issue_date" and not features.get("ambiguous") \
            and (_label_strength(candidate, "issue_date") > 0 or _in_title(candidate)
                 or _under_own_label(candidate, "issue_date")
                 or (layer == "text" and _sole_date_under_number(candidate))):
        return "labelled"
    if name == "invoice_number" and not features.get("beside_code") and (
            _label_strength(candidate, "invoice_number") >= 1.0
            or _under_own_label(candidate, "invoice_number")
            or (_label_strength(candidate, "invoice_number") > 0
                and (_in_title(candidate) or features.get("above:invoice_number", 0.0) >= 1.0
                     or (layer == "text" and candidate.under_title
                         and not _labelled_any_other(candidate))))):
        return "labelled"
    if name == "supplier_name" and layer == "text" and (
            candidate.domain_leads or features.get("legal_mention")
            or features.get("heads_seller")
            or _letterhead(candidate)
            or (features.get("in_seller")
                                             and features.get("has_form")
                                             and not features.get("after_label"))):
        return "marked"
    return evidence_kind(name, candidate, consistent)


_PROOF = ("labelled", "marked")  # the classes of `evidence_class` that are proof


def _letterhead(candidate: Candidate) -> bool:
    """The page's first line, with the seller's marks (SIRET, VAT, phone, e-mail…) within two
    lines of it, in no customer block and after no label: the letterhead of who bills."""
    features = candidate.features
    return bool(features.get("first_line") and features.get("mark_near")
                and not features.get("in_customer") and not features.get("after_label"))


def _sole_date_under_number(candidate: Candidate) -> bool:
    """The only date on the document, under the invoice number's strong label with nothing
    between (the title "INVOICE I/00002" over "Apr 01, 2015") and beside no other label: a
    document that prints one date under its number prints its issue date."""
    features = candidate.features
    return features.get("above:invoice_number", 0.0) >= 1.0 \
        and bool(features.get("earliest")) and bool(features.get("latest")) \
        and _beside_no_label(candidate)


def _under_own_label(candidate: Candidate, role: str) -> bool:
    """Under its own strong label with nothing between (a header row over its cell: "DATE DE
    FACTURE" over "31 octobre 2017"), and beside no label of another role."""
    return candidate.features.get(f"above:{role}", 0.0) >= 1.0 and _beside_no_label(candidate)


def _beside_no_label(candidate: Candidate) -> bool:
    """No label before it on its line, of another role or of any."""
    return not _labelled_any_other(candidate) and not any(
        candidate.features.get(f"{direction}:any", 0.0) for direction in ("same", "left"))


def _value_key(name: str, value: str, chosen: Candidate, found: list[Candidate],
               consistent: bool, layer: str, *, row: bool = False) -> str:
    """The calibration key of a chosen value: the chosen occurrence's evidence, or proof
    that another occurrence of the same value carries (a total printed under its "Total:"
    header and again on the line below: the value is labelled wherever the ranker liked it
    best)."""
    key = evidence_key(name, chosen, consistent, layer, row=row)
    if key.endswith(_PROOF):
        return key
    for other in found:
        if other.value == value and other is not chosen:
            alternative = evidence_key(name, other, consistent, layer, row=row)
            if alternative.endswith(_PROOF):
                return alternative
    return key


def _in_title(candidate: Candidate) -> bool:
    """In the document's own title line, after its number sign or its "of" ("Rechnung Nr.
    471102 vom 15.11.2024", "Facture n° 12 du 03/04/2025"): the title labels the value."""
    features = candidate.features
    return bool(features.get("title_before")) and not _labelled_any_other(candidate) and (
        candidate.kind != "date" or bool(features.get("after_from_word")))


def _labelled_any_other(candidate: Candidate) -> bool:
    return any(candidate.labelled(role)
               for role in ("other_date", "other_number", "due_date", "related_invoice"))

# Evidence classes that are one kind of proof whatever the field, on the text layer: a code
# or a date right beside its own strong label (or in the document's title line) read one
# way only, a supplier's name the seller's marks vouch for, a total beside its label.
# Each pool is calibrated as one map on all its values (`training._pooled_maps`): four
# fields' worth of documents, so that a map can earn its confidence out of fold (with
# k / (n + 3) a map needs seventeen right values in a row to reach 0.85, more than one
# field's class gathers on a few dozen invoices). OCR'd values stay out: their failures
# are their own (a misread digit of a labelled date, a receipt's total before its cash
# rounding).
POOLED_EVIDENCE: tuple[frozenset[tuple[str, str]], ...] = (
    frozenset({("issue_date", "text:labelled"), ("invoice_number", "text:labelled"),
               ("supplier_name", "text:marked"), ("total_amount", "text:labelled")}),
)


def _label_strength(candidate: Candidate, role: str) -> float:
    return max(candidate.features.get(f"{direction}:{role}", 0.0)
               for direction in ("same", "left"))


def evidence_kind(name: str, candidate: Candidate, consistent: bool) -> str:
    if name in AMOUNT_FIELDS:
        return "consistent" if consistent else "plain"
    return "corroborated" if corroborated(name, candidate) else "plain"


def choose(model: RankerModel, candidates: dict[str, list[Candidate]],
           matrices: Matrices | None = None, *, layer: str = "text") -> dict[str, Choice]:
    """Each field's value; `matrices` (by kind, in the model's feature order) saves rebuilding."""
    fields = model.layer_fields(layer)
    scored = {name: _score(fields[name], candidates[kind],
                           matrices.get(kind) if matrices is not None else None)
              for name, kind in FIELD_KINDS.items() if name in fields}
    picks = dict.fromkeys(scored, 0)
    consistent = _joint_amounts(scored, picks) \
        or _totals_row(scored, picks, candidates.get("amount", []))
    if not consistent:
        # Net and tax a cent off the total, as rounded per line ("10,83 + 2,17" under
        # "12,99"): the three are placed by it, and stay unproven (`_contradicted`).
        _joint_amounts(scored, picks, off_by=_ROUNDED_SUM_GAP)
    if _handed_over_chosen(scored, picks):
        consistent = False  # the sum that held was the cash: sale plus change
    if _after_rounding(scored, picks, candidates.get("amount", [])):
        consistent = False  # the rounded total is what was paid; net + tax add up before it
    second_choice = _distinct_parties(scored, picks)
    _head_of_block(scored, picks)
    _own_label_first(scored, picks)
    if not consistent:
        _own_amount_label_first(scored, picks, candidates.get("amount", []))
    contradicted = not consistent and _contradicted(scored, picks)
    row = consistent and _on_one_row(scored, picks, candidates.get("amount", []))
    choices: dict[str, Choice] = {}
    for name, ranked in scored.items():
        if not ranked.values:
            continue
        value, probability, candidate = ranked.values[picks[name]]
        share = _share(ranked, picks[name])
        holds = consistent and name in AMOUNT_FIELDS
        field_model = fields[name]
        key = _value_key(name, value, candidate, candidates.get(FIELD_KINDS[name], []), holds,
                         layer, row=row)
        confidence = _calibrated(field_model, key, layer, share)
        if contradicted and name in AMOUNT_FIELDS:
            # Net + tax printed beside a total they do not add up to: one of the three is
            # wrong, and nothing says which.
            confidence = min(confidence, CONTRADICTED_CEILING)
        if _misplaced(name, candidate):
            confidence = min(confidence, MISPLACED_CEILING)
        if probability < UNLIKELY_PROBABILITY and not holds:
            confidence = min(confidence, UNLIKELY_CEILING)
        if name in second_choice:
            confidence = min(confidence, SECOND_CHOICE_CEILING)
        if name in OPTIONAL_FIELDS and key == calibration_key(layer, "plain"):
            confidence = min(confidence, UNPROVEN_OPTIONAL_CEILING)
        unambiguous = None
        if candidate.features.get("ambiguous") and confidence > AMBIGUOUS_CEILING:
            # A date that reads two ways (07/12 or 12/07) is never sure, however well placed.
            unambiguous, confidence = confidence, AMBIGUOUS_CEILING
        choices[name] = Choice(value, confidence, share, holds, candidate, key,
                               field_model.reasons(candidate), unambiguous)
    return choices


def _calibrated(model: FieldModel, key: str, layer: str, share: float) -> float:
    """The confidence the map of `key` gives a share. A class that no out-of-fold value of
    the field saw has no map: it takes the field's map for values without proof on its
    layer, and is never sure (an ambiguous "04/01/2017" under "Invoice Date:" is
    corroborated, a class the text layer's issue dates, labelled, never fall in: it read
    0.0, and refused the document as if it had no date)."""
    calibrate = model.calibration.get(key)
    if calibrate is not None:
        return calibrate(share)
    plain = model.calibration.get(calibration_key(layer, "plain"))
    return min(plain(share), UNSEEN_CLASS_CEILING) if plain is not None else 0.0


def _score(model: FieldModel, candidates: list[Candidate], raw: Matrix | None) -> _Scored:
    best: dict[str, tuple[float, Candidate]] = {}
    if raw is None:  # scored one by one: an excluded candidate, never chosen, is not scored
        candidates = [candidate for candidate in candidates if candidate.excluded is None]
    for candidate, logit in zip(candidates, model.logits(candidates, raw), strict=True):
        if candidate.excluded is not None:
            continue  # a postcode, a line of the item table (`Candidate.excluded`)
        probability = 1.0 / (1.0 + math.exp(-logit))
        if candidate.value not in best or probability > best[candidate.value][0]:
            best[candidate.value] = (probability, candidate)
    values = sorted(((value, p, c) for value, (p, c) in best.items()),
                    key=lambda item: -item[1])
    return _Scored(values)


def _share(ranked: _Scored, pick: int) -> float:
    """The chosen value's probability against the sum over all distinct values."""
    total = sum(probability for _, probability, _ in ranked.values)
    return ranked.values[pick][1] / total if total > 0 else 0.0


def _contradicted(scored: dict[str, _Scored], picks: dict[str, int]) -> bool:
    """The chosen net, tax and total are all there, and net + tax is not the total. A
    value the ranker scores unlikely is a guess, no reading: a tax guessed is no tax, so
    the net alone must make the total, printed apart as both (a Stripe invoice with no tax
    line prints "Subtotal $74.99" and "Total $74.99", and that figure taken for its tax
    too, at 0.0001, held its total at the ceiling; one total worked out from a cash
    rounding and taken for the net too vouches for nothing); a net or a total guessed
    says nothing."""
    if not all(name in scored and scored[name].values for name in AMOUNT_FIELDS):
        return False
    (net, p_net, net_at), (tax, p_tax, _), (total, p_total, total_at) = (
        scored[name].values[picks[name]] for name in AMOUNT_FIELDS)
    if min(p_net, p_total) < UNLIKELY_PROBABILITY:
        return False
    if p_tax >= UNLIKELY_PROBABILITY:
        return Decimal(net) + Decimal(tax) != Decimal(total)
    printed_apart = net_at is not total_at and net_at.derivation is None \
        and total_at.derivation is None
    return not (printed_apart and Decimal(net) == Decimal(total))


def _distinct_parties(scored: dict[str, _Scored], picks: dict[str, int]) -> frozenset[str]:
    """The supplier and the customer are two parties: never the same name for both.

    The supplier, a key field with the better model, keeps its choice; the customer is its
    best name that is not the supplier's (none when every one is). Returns the fields
    whose value is then not their model's first choice.
    """
    if "supplier_name" not in scored or "customer_name" not in scored \
            or not scored["supplier_name"].values:
        return frozenset()
    supplier = scored["supplier_name"].values[picks["supplier_name"]][0]
    customers = scored["customer_name"].values
    others = [index for index, (name, _, _) in enumerate(customers)
              if not _same_party(supplier, name)]
    if others:
        picks["customer_name"] = others[0]
    else:
        customers.clear()
    return frozenset({"customer_name"}) if others and others[0] > 0 else frozenset()


def _head_of_block(scored: dict[str, _Scored], picks: dict[str, int]) -> None:
    """A customer's name chosen from a further line of its block ("Mumbai" under "203,
    Systems Plaza" under "Best Designers"): the name that heads the block is the party's."""
    customers = scored.get("customer_name")
    if customers is None or not customers.values:
        return
    head = customers.values[picks["customer_name"]][2].block_head
    if head is None:
        return
    supplier = scored.get("supplier_name")
    taken = supplier.values[picks["supplier_name"]][0] if supplier and supplier.values else ""
    for index, (name, _, _) in enumerate(customers.values):
        if name == head and not _same_party(taken, name):
            picks["customer_name"] = index
            return


def _same_party(one: str, other: str) -> bool:
    first, second = normalise(one), normalise(other)
    return bool(first and second) and (first in second or second in first)


def _own_label_first(scored: dict[str, _Scored], picks: dict[str, int]) -> None:
    """A date or a number chosen beside a label that gives it to another field ("Date de
    fin de prestation : 31/12/2026" for the due date, "N° de facture associée" for the
    number) gives way to the best value its own label vouches for, beside or over it
    (`corroborated`), when the page has one ("Date d'échéance : 02/03/2026", "20.06.2025"
    in a "Fälligkeit" column). Its lower share then lowers the confidence too."""
    for name in _OTHER_ROLES:
        ranked = scored.get(name)
        if ranked is None or not ranked.values \
                or not _misplaced_date_or_number(name, ranked.values[picks[name]][2]):
            continue
        for index, (_, _, candidate) in enumerate(ranked.values):
            if corroborated(name, candidate) \
                    and not _misplaced_date_or_number(name, candidate):
                picks[name] = index
                break


def _own_amount_label_first(scored: dict[str, _Scored], picks: dict[str, int],
                            amounts: list[Candidate]) -> None:
    """A net or a tax chosen where every print of it sits beside another amount's label
    and none of its own (the net taken from "Total: $2,608.20", printed three times as the
    total) gives way to the best value that its own label alone names ("Subtotal:
    $2,145.00"). Only when the three do not add up: a sum that holds placed them. Not the
    total: a till slip's total sits beside a sub-total's or a tax's words as often
    ("Total Sales Inclusive GST")."""
    for name in ("net_amount", "tax_amount"):
        ranked = scored.get(name)
        if ranked is None or not ranked.values:
            continue
        chosen = Decimal(ranked.values[picks[name]][0])
        prints = [c for c in amounts if Decimal(c.value) == chosen]
        if not prints or not all(_labelled_otherwise(c, name) for c in prints):
            continue
        for index, (_, _, candidate) in enumerate(ranked.values):
            if _labelled_only(candidate, name):
                picks[name] = index
                break


def _misplaced_date_or_number(name: str, candidate: Candidate) -> bool:
    """Labelled as another field's, or a bound of a period printed with a dash ("Jul 19,
    2025 – Jul 19, 2026" under the items: the service's, not the invoice's dates)."""
    return _labelled_elsewhere(name, candidate) or _period_bound(name, candidate)


def _period_bound(name: str, candidate: Candidate) -> bool:
    return name in ("issue_date", "due_date") and not candidate.labelled(name) \
        and bool(candidate.features.get("dashed_period"))


def _misplaced(name: str, candidate: Candidate) -> bool:
    """Never sure: a value its own label gives to another field, unless that label also
    names this one, a date that bounds a dashed period, and an invoice number touching
    another code in its segment."""
    if name == "invoice_number" and candidate.features.get("beside_code"):
        return True
    return _misplaced_date_or_number(name, candidate)


def _labelled_elsewhere(name: str, candidate: Candidate) -> bool:
    """Beside a label of another field, and none of its own."""
    others = _OTHER_ROLES.get(name, ())
    return not candidate.labelled(name) and any(candidate.labelled(o) for o in others)


def _labelled_otherwise(candidate: Candidate, role: str) -> bool:
    """Its own label names another of the three amounts ("Montant HT" beside a "tax"):
    arithmetic among line amounts must not put it in that place."""
    return not candidate.labelled(role) and any(
        candidate.labelled(other) for other in AMOUNT_FIELDS if other != role)


def _labelled_only(candidate: Candidate, role: str) -> bool:
    """Its own label and no other amount's: "NET TOTAL" names two."""
    return candidate.labelled(role) and not any(
        candidate.labelled(other) for other in AMOUNT_FIELDS if other != role)


def _plausible_tax(tax: str, candidate: Candidate, total: Candidate) -> bool:
    """A zero tax adds up with any amount printed twice: it counts only when labelled, and
    only beside a total labelled as one (a till's "SUB-TOTAL 45.28 / TAX 0.00" makes 45.28
    a sum with itself, whatever the "TOTAL 48.00" under them says)."""
    return Decimal(tax) != 0 or (candidate.labelled("tax_amount")
                                 and total.labelled("total_amount"))


def _totals_row(scored: dict[str, _Scored], picks: dict[str, int],
                amounts: list[Candidate]) -> bool:
    """The chosen total printed on one line with two amounts that add up to it
    ("1153.34 | 239.66 | 1393.00 EUR"): that line is the invoice's net, tax and total, even
    when no label names them. True when net and tax were taken from it."""
    if not all(name in scored and scored[name].values for name in AMOUNT_FIELDS):
        return False
    total = Decimal(scored["total_amount"].values[picks["total_amount"]][0])
    lines = {c.segment.line for c in amounts if Decimal(c.value) == total}
    for line in sorted(lines):
        row = [c for c in amounts if c.segment.line == line and Decimal(c.value) != total]
        for net in row:
            for tax in row:
                if Decimal(net.value) > Decimal(tax.value) > 0 \
                        and Decimal(net.value) + Decimal(tax.value) == total \
                        and not _labelled_otherwise(net, "net_amount") \
                        and not _labelled_otherwise(tax, "tax_amount"):
                    picks["net_amount"] = _index(scored["net_amount"], net.value)
                    picks["tax_amount"] = _index(scored["tax_amount"], tax.value)
                    return True
    return False


def _on_one_row(scored: dict[str, _Scored], picks: dict[str, int],
                amounts: list[Candidate]) -> bool:
    """The chosen net, tax and total are printed together on one line: a totals row."""
    wanted = [Decimal(scored[name].values[picks[name]][0]) for name in AMOUNT_FIELDS]
    if len(set(wanted)) < len(wanted):
        return False  # a zero tax or a net equal to its total proves nothing
    lines: dict[tuple[int, int], set[Decimal]] = {}
    for candidate in amounts:
        where = (candidate.segment.page, candidate.segment.line)
        lines.setdefault(where, set()).add(Decimal(candidate.value))
    return any(all(value in values for value in wanted) for values in lines.values())


def _index(ranked: _Scored, value: str) -> int:
    return next(i for i, item in enumerate(ranked.values) if item[0] == value)


def _after_rounding(scored: dict[str, _Scored], picks: dict[str, int],
                    amounts: list[Candidate]) -> bool:
    """A total printed under a rounding line, a few cents from the chosen one, is the total
    paid ("TOTAL 33.92 / ROUNDING -0.02 / TOTAL ROUNDED 33.90"): the debit the bank shows;
    so is the paid total worked out from the rounding or the change (`candidates`).

    True when the chosen total was moved to it.
    """
    ranked = scored.get("total_amount")
    if ranked is None or not ranked.values:
        return False
    value, _, chosen = ranked.values[picks["total_amount"]]
    for candidate in amounts:
        gap = abs(Decimal(candidate.value) - Decimal(value))
        if (candidate.features.get("below_rounding") or candidate.features.get("paid_total")) \
                and candidate.segment.line > chosen.segment.line \
                and Decimal(0) < gap <= _ROUNDING_GAP and Decimal(candidate.value) > 0:
            picks["total_amount"] = _index(ranked, candidate.value)
            return True
    return False


def _handed_over_chosen(scored: dict[str, _Scored], picks: dict[str, int]) -> bool:
    """The chosen total is the money handed over, its arithmetic says (the sale above it
    plus the change under it: `candidates.amounts._handed_over`): the total is the best value that
    is not. True when the total was moved."""
    ranked = scored.get("total_amount")
    if ranked is None or not ranked.values \
            or not ranked.values[picks["total_amount"]][2].features.get("handed_over"):
        return False
    others = [index for index, (_, _, candidate) in enumerate(ranked.values)
              if not candidate.features.get("handed_over")]
    if not others:
        return False
    picks["total_amount"] = others[0]
    return True


def _triple_values(ranked: _Scored) -> list[tuple[int, tuple[str, float, Candidate]]]:
    """A field's best few values, with their ranks, and its best few that are not negative:
    negatives (a discount's "-0.50" beside its "7 % USt") ranked above the invoice's own
    "Steuerbetrag 87.39" and pushed it out of the few looked at."""
    positive = [index for index, item in enumerate(ranked.values)
                if Decimal(item[0]) >= 0][:_TRIPLE_DEPTH]
    wanted = sorted(set(range(min(_TRIPLE_DEPTH, len(ranked.values)))) | set(positive))
    return [(index, ranked.values[index]) for index in wanted]


def _paid_over(candidate: Candidate) -> bool:
    """Money handed over, given back or rounded away ("CASH 52.00", "CHANGE 40.50"): the
    cash less the change is the sale, an arithmetic that holds but says no net + tax."""
    paid = candidate.labelled("payment_line") or candidate.labelled("rounding") \
        or bool(candidate.features.get("handed_over"))
    return paid and not candidate.labelled("total_amount")


def _joint_amounts(scored: dict[str, _Scored], picks: dict[str, int], *,
                   off_by: Decimal = Decimal(0)) -> bool:
    """Prefer net + tax = total among the best few values of each, within `off_by`; True
    when one holds."""
    if not all(name in scored and scored[name].values for name in AMOUNT_FIELDS):
        return False
    lists = [_triple_values(scored[name]) for name in AMOUNT_FIELDS]
    best_independent = sum(math.log(max(scored[name].values[0][1], 1e-9))
                           for name in AMOUNT_FIELDS)
    best: tuple[float, tuple[int, int, int]] | None = None
    for i, (net, p_net, net_at) in lists[0]:
        for j, (tax, p_tax, tax_at) in lists[1]:
            for k, (total, p_total, total_at) in lists[2]:
                if abs(Decimal(net) + Decimal(tax) - Decimal(total)) > off_by \
                        or Decimal(total) <= 0 \
                        or any(_paid_over(at) for at in (net_at, tax_at, total_at)) \
                        or not _plausible_tax(tax, tax_at, total_at) \
                        or _labelled_otherwise(net_at, "net_amount") \
                        or _labelled_otherwise(tax_at, "tax_amount") \
                        or _labelled_otherwise(total_at, "total_amount"):
                    continue
                joint = sum(math.log(max(p, 1e-9)) for p in (p_net, p_tax, p_total))
                if best is None or joint > best[0]:
                    best = (joint, (i, j, k))
    if best is None or best[0] < best_independent - _TRIPLE_SLACK:
        return False
    for name, index in zip(AMOUNT_FIELDS, best[1], strict=True):
        picks[name] = index
    return True
