"""What vouches for a chosen value: its evidence class ("labelled", "marked",
"corroborated", "consistent", "plain"), which names the calibration map its confidence
comes from, and the labels that say a value belongs to another field.
"""

from __future__ import annotations

from liasse.extract.candidates import Candidate
from liasse.extract.ranking.model import AMOUNT_FIELDS

# The labels that, beside a value, say it is another field ("Date d'expiration" by a date).
OTHER_ROLES: dict[str, tuple[str, ...]] = {
    "issue_date": ("other_date", "due_date"),
    "due_date": ("other_date", "issue_date"),
    "invoice_number": ("other_number", "related_invoice"),
}


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


def value_key(name: str, value: str, chosen: Candidate, found: list[Candidate],
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


def misplaced_date_or_number(name: str, candidate: Candidate) -> bool:
    """Labelled as another field's, or a bound of a period printed with a dash ("Jul 19,
    2025 – Jul 19, 2026" under the items: the service's, not the invoice's dates)."""
    return _labelled_elsewhere(name, candidate) or _period_bound(name, candidate)


def _period_bound(name: str, candidate: Candidate) -> bool:
    return name in ("issue_date", "due_date") and not candidate.labelled(name) \
        and bool(candidate.features.get("dashed_period"))


def misplaced(name: str, candidate: Candidate) -> bool:
    """Never sure: a value its own label gives to another field, unless that label also
    names this one, a date that bounds a dashed period, and an invoice number touching
    another code in its segment."""
    if name == "invoice_number" and candidate.features.get("beside_code"):
        return True
    return misplaced_date_or_number(name, candidate)


def _labelled_elsewhere(name: str, candidate: Candidate) -> bool:
    """Beside a label of another field, and none of its own."""
    others = OTHER_ROLES.get(name, ())
    return not candidate.labelled(name) and any(candidate.labelled(o) for o in others)


def labelled_otherwise(candidate: Candidate, role: str) -> bool:
    """Its own label names another of the three amounts ("Montant HT" beside a "tax"):
    arithmetic among line amounts must not put it in that place."""
    return not candidate.labelled(role) and any(
        candidate.labelled(other) for other in AMOUNT_FIELDS if other != role)


def labelled_only(candidate: Candidate, role: str) -> bool:
    """Its own label and no other amount's: "NET TOTAL" names two."""
    return candidate.labelled(role) and not any(
        candidate.labelled(other) for other in AMOUNT_FIELDS if other != role)
