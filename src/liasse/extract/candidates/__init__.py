"""Every value on the page that could be a field, each described by what surrounds it.

The ranker (`extract.ranking`) does not look for one labelled value per field: it is given
every amount, every date, every code-like token and every name-like segment of the
document, each with features a person would use to tell them apart — which label sits in
the same segment, to its left or above it (from the lexicon, in six languages), where on
the page it is, how large it is printed, how often it repeats, whether it adds up with the
others, whether it sits inside legal boilerplate. Features are plain floats with stable
names, so the learned weights can be printed and the evidence string can say which
features decided.

The readers, one module per kind of value, below the context they share:

- `context`: the `Candidate`, what the whole document tells every reader (computed once),
  and the features every kind shares (labels beside, left of and above a value, its place
  on the page, its repetition);
- `dates`, `amounts`, `codes`: the dates, the amounts (with the sums, the cash rounding and
  the tax rates that relate them) and the code-like tokens (invoice numbers, references);
- `name_text`: a name's text as printed and as OCR reads it, put back together and
  cleaned ("GA RDENIA BAKERIES (KL)SDNBHD" is "GARDENIA BAKERIES (KL) SDN BHD");
- `names`: the name-like segments, with the party blocks they head or belong to.

Each module imports only those above it in this list. A name with a leading underscore
is private to the package; what the rest of liasse uses is `__all__`.
"""

from __future__ import annotations

from liasse.extract.candidates.amounts import (
    _amount_relations,
    _amounts,
    _below_rounding,
    _paid_totals,
    _tax_sums,
)
from liasse.extract.candidates.codes import _codes, _postcode
from liasse.extract.candidates.context import (
    Candidate,
    _after_validity_label,
    _common_features,
    _context,
    _repetition,
)
from liasse.extract.candidates.dates import _date_relations, _dates, date_order
from liasse.extract.candidates.names import _block_heads_above, _names
from liasse.extract.fields.geometry import Layout


def all_candidates(layout: Layout) -> dict[str, list[Candidate]]:
    """The candidates of each kind, with their features filled in."""
    context = _context(layout)
    found = {
        "amount": list(_amounts(context)),
        "date": list(_dates(context, order=date_order(layout))),
        "code": list(_codes(context)),
        "name": list(_names(context)),
    }
    for candidates in found.values():
        for candidate in candidates:
            candidate.features.update(_common_features(context, candidate))
    _block_heads_above(context, found["name"])
    for candidate in found["code"]:
        if _postcode(candidate):
            candidate.excluded = "a postcode before its town"
    # A card's expiry or an offer's validity is no date of the contract: never offered.
    found["date"] = [candidate for candidate in found["date"]
                     if not _after_validity_label(context, candidate)]
    found["amount"].extend(_tax_sums(found["amount"]))
    found["amount"].extend(_paid_totals(context, found["amount"]))
    _amount_relations(found["amount"])
    _below_rounding(context, found["amount"])
    _date_relations(found["date"])
    _repetition(found)
    return found


__all__ = ["Candidate", "all_candidates", "date_order"]
