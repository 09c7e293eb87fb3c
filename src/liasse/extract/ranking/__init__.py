"""Choose each field's value among its candidates with a learned, calibrated ranker.

The model (`ranking.model`) is one logistic regression per field over the candidates'
features (`extract.candidates`), shipped as `extract/data/ranker.json`. Confidence is the
calibrated probability that the chosen value is right: an isotonic map, fitted out of fold
(the documents it maps were scored by a model that had not seen their source), from the
chosen value's share of the candidates' scores, one map per class of evidence
(`ranking.evidence`). Amounts are chosen together (`ranking.joint`): a net, a tax and a
total that add up to the cent are taken over a slightly better-scored set that does not,
and their calibration is kept apart, because arithmetic that holds is independent
evidence. Here: `choose`, and the ceilings that keep what no map can vouch for under sure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from liasse.extract.candidates import Candidate
from liasse.extract.confidence import SURE
from liasse.extract.ranking.evidence import (
    POOLED_EVIDENCE,
    calibration_key,
    evidence_class,
    misplaced,
    value_key,
)
from liasse.extract.ranking.joint import (
    ROUNDED_SUM_GAP,
    UNLIKELY_PROBABILITY,
    after_rounding,
    amounts_contradict,
    distinct_parties,
    handed_over_chosen,
    head_of_block,
    joint_amounts,
    on_one_row,
    own_amount_label_first,
    own_label_first,
    score_field,
    share_of,
    totals_row,
)
from liasse.extract.ranking.model import (
    AMOUNT_FIELDS,
    FIELD_KINDS,
    Calibration,
    FieldModel,
    RankerModel,
    feature_matrix,
    shipped_model,
)

if TYPE_CHECKING:
    from liasse.extract.ranking.model import Matrices


AMBIGUOUS_CEILING = 0.75
CONTRADICTED_CEILING = 0.6
# A value whose own label names something else, or a code that is one piece of a longer one.
MISPLACED_CEILING = 0.75
# A value the ranker scores under `UNLIKELY_PROBABILITY`, chosen because nothing else was
# likelier (`joint.UNLIKELY_PROBABILITY`).
UNLIKELY_CEILING = 0.5
# A customer's name that is its model's second choice because the first was the supplier's
# (`distinct_parties`): it won by default, which says nothing of whether it is right.
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


def choose(model: RankerModel, candidates: dict[str, list[Candidate]],
           matrices: Matrices | None = None, *, layer: str = "text") -> dict[str, Choice]:
    """Each field's value; `matrices` (by kind, in the model's feature order) saves rebuilding."""
    fields = model.layer_fields(layer)
    scored = {name: score_field(fields[name], candidates[kind],
                           matrices.get(kind) if matrices is not None else None)
              for name, kind in FIELD_KINDS.items() if name in fields}
    picks = dict.fromkeys(scored, 0)
    consistent = joint_amounts(scored, picks) \
        or totals_row(scored, picks, candidates.get("amount", []))
    if not consistent:
        # Net and tax a cent off the total, as rounded per line ("10,83 + 2,17" under
        # "12,99"): the three are placed by it, and stay unproven (`amounts_contradict`).
        joint_amounts(scored, picks, off_by=ROUNDED_SUM_GAP)
    if handed_over_chosen(scored, picks):
        consistent = False  # the sum that held was the cash: sale plus change
    if after_rounding(scored, picks, candidates.get("amount", [])):
        consistent = False  # the rounded total is what was paid; net + tax add up before it
    second_choice = distinct_parties(scored, picks)
    head_of_block(scored, picks)
    own_label_first(scored, picks)
    if not consistent:
        own_amount_label_first(scored, picks, candidates.get("amount", []))
    contradicted = not consistent and amounts_contradict(scored, picks)
    row = consistent and on_one_row(scored, picks, candidates.get("amount", []))
    choices: dict[str, Choice] = {}
    for name, ranked in scored.items():
        if not ranked.values:
            continue
        value, probability, candidate = ranked.values[picks[name]]
        share = share_of(ranked, picks[name])
        holds = consistent and name in AMOUNT_FIELDS
        field_model = fields[name]
        key = value_key(name, value, candidate, candidates.get(FIELD_KINDS[name], []), holds,
                         layer, row=row)
        confidence = _calibrated(field_model, key, layer, share)
        if contradicted and name in AMOUNT_FIELDS:
            # Net + tax printed beside a total they do not add up to: one of the three is
            # wrong, and nothing says which.
            confidence = min(confidence, CONTRADICTED_CEILING)
        if misplaced(name, candidate):
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


__all__ = [
    "AMBIGUOUS_CEILING",
    "AMOUNT_FIELDS",
    "BELOW_SURE",
    "CONTRADICTED_CEILING",
    "FIELD_KINDS",
    "MISPLACED_CEILING",
    "OPTIONAL_FIELDS",
    "POOLED_EVIDENCE",
    "SECOND_CHOICE_CEILING",
    "UNLIKELY_CEILING",
    "UNLIKELY_PROBABILITY",
    "UNPROVEN_OPTIONAL_CEILING",
    "UNSEEN_CLASS_CEILING",
    "Calibration",
    "Choice",
    "FieldModel",
    "RankerModel",
    "calibration_key",
    "choose",
    "evidence_class",
    "feature_matrix",
    "shipped_model",
]
