"""What kind of document this is: invoice, credit note, receipt, payment confirmation, other.

Titles decide: the words a document uses to name itself sit at the top of its first page
("FACTURE", "AVOIR", "Ticket", "Payment confirmation"). Phrases that only a payment
confirmation or a card receipt uses count anywhere. An untitled page that prints a total
beside its label, bills nobody and sets nothing due is a receipt (many till slips name
themselves nothing). A document with no such word and no amount is "other" (a letter, a
delivery note) and never posts.
"""

from __future__ import annotations

from dataclasses import dataclass

from liasse.domain.extraction import DocumentType
from liasse.extract.fields.geometry import Layout, normalise
from liasse.extract.fields.lexicon import DOCUMENT_TYPE_WORDS

_TITLE_SHARE = 0.45  # titles sit in the upper part of the first page
# Phrases specific enough to count wherever they appear.
_ANYWHERE: dict[DocumentType, tuple[str, ...]] = {
    "payment_confirmation": DOCUMENT_TYPE_WORDS["payment_confirmation"]
    + ("confirmons la bonne reception de votre virement", "confirm receipt of your bank transfer",
       "bestatigen den eingang ihrer uberweisung"),
    "receipt": ("cb sans contact", "paye par carte", "paid by card", "card payment",
                "ec karte", "bezahlt mit karte", "ticket de caisse"),
}
_NOT_FINANCIAL = ("bon de livraison", "delivery note", "lieferschein", "devis", "quote",
                  "quotation", "angebot", "bon de commande", "purchase order", "bestellung")
# A letter's subject line: it titles the document only when no invoice title is above it
# (an invoice's remarks may carry a "Betreff:" too).
_SUBJECT = ("objet", "subject", "betreff")
# German compounds name an invoice by their last part ("Handelsrechnung", "Teilrechnung").
_COMPOUND_INVOICE = "rechnung"
# Order matters: a credit note also says "facture" ("facture d'avoir"), a receipt may too.
_TITLE_ORDER: tuple[DocumentType, ...] = ("payment_confirmation", "credit_note", "receipt",
                                          "invoice")
# How many words the longest phrase a title is matched against has (`_heads`).
_LONGEST_PHRASE = max(len(phrase.split(" ")) for phrase in (
    *_NOT_FINANCIAL, *_SUBJECT,
    *(word for words in DOCUMENT_TYPE_WORDS.values() for word in words)))


@dataclass(frozen=True)
class DocumentTypeReading:
    document_type: DocumentType
    reason: str


def classify(layout: Layout, *, has_amounts: bool) -> DocumentTypeReading:
    text = f" {normalise(layout.text)} "
    for document_type, phrases in _ANYWHERE.items():
        for phrase in phrases:
            if f" {phrase} " in text:
                return DocumentTypeReading(document_type, f"says “{phrase}”")
    if _till_receipt(layout):
        return DocumentTypeReading("receipt", "cash or change beside the amounts, no customer "
                                              "and no due date (a till receipt)")
    titles = _title_texts(layout)
    heads = [_heads(title) for _, title in titles]
    for phrase in _NOT_FINANCIAL:
        if any(phrase in head and not _reference(raw, phrase)
               for (raw, _), head in zip(titles, heads, strict=True)):
            return DocumentTypeReading("other", f"titled “{phrase}”")
    first_typed = next((index for index, ((_, title), head) in enumerate(zip(titles, heads,
                                                                             strict=True))
                        if _typed(title, head) is not None), len(titles))
    for phrase in _SUBJECT:
        if any(phrase in head for head in heads[:first_typed]):
            return DocumentTypeReading("other", f"titled “{phrase}”")
    every_head: frozenset[str] = frozenset().union(*heads)
    for document_type in _TITLE_ORDER:
        for word in DOCUMENT_TYPE_WORDS[document_type]:
            if word in every_head:
                return DocumentTypeReading(document_type, f"titled “{word}”")
    if any(_compound_invoice(title) for _, title in titles):
        return DocumentTypeReading("invoice", f"titled “…{_COMPOUND_INVOICE}”")
    numbered = any(hit.label.strength == "strong" for hit in layout.hits.get("invoice_number", []))
    if has_amounts and (numbered or any(f" {word} " in text
                                        for word in DOCUMENT_TYPE_WORDS["invoice"])):
        return DocumentTypeReading("invoice", "has an invoice number label and amounts")
    if has_amounts and layout.hits.get("total_amount") and not _bills_anyone(layout):
        return DocumentTypeReading("receipt", "a total beside its label, no title, nobody "
                                              "billed and nothing due (a receipt)")
    return DocumentTypeReading("other", "no invoice title or amounts")


def _till_receipt(layout: Layout) -> bool:
    """A till slip, whatever its title ("TAX INVOICE" on many): money handed over or given
    back is printed, and nobody is billed and nothing falls due, as on any invoice."""
    return bool(layout.hits.get("payment_line")) and not _bills_anyone(layout)


def _bills_anyone(layout: Layout) -> bool:
    """A customer's block ("Bill to", "Client") or a due date: what an invoice prints, and an
    untitled page that prints either may be one (it is never taken for a receipt)."""
    return bool(layout.hits.get("customer_block") or layout.hits.get("due_date"))


def _title_texts(layout: Layout) -> list[tuple[str, str]]:
    """Upper first-page segments in reading order, as printed and normalised, except "Bill
    to" blocks ("Facturé à" is not a title)."""
    if not layout.pages:
        return []
    limit = layout.pages[0].height * _TITLE_SHARE
    customer_labels = {hit.segment for hit in layout.hits.get("customer_block", [])}
    return [(segment.text, normalise(segment.text)) for segment in layout.segments()
            if segment.page == 1 and segment.y0 < limit and segment not in customer_labels]


def _heads(title: str) -> frozenset[str]:
    """The phrases `title` is titled by: it is the phrase or starts with it as whole words
    ("devise" is no "devis"). A normalised title is words joined by single spaces, so these
    are its first one, two, ... words, as many as the longest phrase asked about has: a
    set to look each phrase up in, instead of comparing every phrase with every title."""
    words = title.split(" ")
    heads = [words[0]]
    for word in words[1:_LONGEST_PHRASE]:
        heads.append(f"{heads[-1]} {word}")
    return frozenset(heads)


def _typed(title: str, heads: frozenset[str]) -> DocumentType | None:
    """The type `title` names (`heads`: its `_heads`)."""
    for document_type in _TITLE_ORDER:
        if any(word in heads for word in DOCUMENT_TYPE_WORDS[document_type]):
            return document_type
    return "invoice" if _compound_invoice(title) else None


def _compound_invoice(title: str) -> bool:
    first = title.split(" ", 1)[0]
    return len(first) > len(_COMPOUND_INVOICE) and first.endswith(_COMPOUND_INVOICE)


def _reference(raw: str, phrase: str) -> bool:
    """Another document's name used as a label, a reference to that document
    ("Lieferschein: 27010181", "Bestellung Nr. Kunde: | 4444"), not the page's own title:
    a colon follows the name or ends the segment."""
    printed = raw.split()
    words = len(phrase.split())
    return raw.rstrip().endswith(":") or ":" in " ".join(printed[words - 1:words + 1])
