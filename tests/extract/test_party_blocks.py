"""Party names never taken from an item table: a failure class of the customer's name on
real invoices (issue 11), cross-validated by source.

A customer's name was taken from an item table: "Kilograms" in the unit column (cnfilms'
demo invoice), "Services" in the heading of the items (a scanned Mindee invoice), "Web
Design" an item (Textractor's sample). Each test checks the name candidates the ranker is
given, where the rule must hold and where it must not fire.
"""

from __future__ import annotations

import pytest
from textpages import page_of

from liasse.extract.candidates import Candidate, all_candidates
from liasse.extract.fields.geometry import build_layout
from liasse.samples.realcorpus import DEFAULT_CORPUS, corpus_available, corpus_documents

Rows = list[tuple[float, float, str]]


def _names(rows: Rows) -> dict[str, Candidate]:
    found = all_candidates(build_layout([page_of(rows)]))["name"]
    return {candidate.value: candidate for candidate in found}


# The layout of a real invoice (cnfilms' demo): the customer's block top left, the items
# under a heading that names their columns, the sums under them.
_INVOICE: Rows = [
    (300, 20, "Broadgun Software"),
    (40, 60, "Marcel Schaefer"), (40, 72, "Hamburg Billstedt"), (40, 84, "Germany"),
    (40, 120, "Description"), (160, 120, "Unit Price"), (260, 120, "Quantity"),
    (360, 120, "Base Unit"), (460, 120, "Sub Total"),
    (40, 135, "Rock"), (160, 135, "5,00"), (260, 135, "5"), (360, 135, "Kilograms"),
    (460, 135, "25,00"),
    (360, 150, "VAT"), (460, 150, "4,75"),
    (360, 165, "TOTAL"), (460, 165, "29,75"),
    (40, 200, "Atelier Dupont"),
]


def test_the_lines_of_an_item_table_are_marked() -> None:
    """The heading, a product and its unit: candidates still (the ranker is fitted on
    them), marked as the item table's."""
    names = _names(_INVOICE)
    for inside in ("Rock", "Kilograms"):
        assert names[inside].excluded == "a line of the item table", inside


def test_names_above_and_under_the_item_table_are_not_marked() -> None:
    """Above the heading, and from the first sum down, the page is no table any more."""
    names = _names(_INVOICE)
    for outside in ("Broadgun Software", "Marcel Schaefer", "Hamburg Billstedt",
                    "Atelier Dupont"):
        assert names[outside].excluded is None, outside


def test_a_name_in_the_item_table_is_never_chosen() -> None:
    """The ranker scores "Kilograms" above every other name: the party is chosen among
    the names outside the table."""
    from liasse.extract.ranking import FieldModel, RankerModel, choose

    candidates = all_candidates(build_layout([page_of(_INVOICE)]))
    calibration = {}  # no calibration level: confidence 0, the choice is what is tested
    model = FieldModel(("x",), (0.0,), (1.0,), (1.0,), 0.0, calibration)
    ranker = RankerModel({"customer_name": model, "supplier_name": model}, {})
    chosen = choose(ranker, candidates)
    # Weight on "x": the rightmost name wins, and "Kilograms" is the rightmost of all.
    assert chosen["customer_name"].value not in {"Kilograms", "Base Unit", "Sub Total"}
    assert chosen["customer_name"].candidate.excluded is None


def test_a_table_ends_at_the_end_of_its_page() -> None:
    """A heading with no sum under it on its page: the next page starts outside it."""
    from liasse.extract.candidates.names import _item_lines

    first = page_of([(40, 20, "Atelier Martin"), (40, 60, "Description"), (200, 60, "Quantity"),
                     (40, 75, "Conseil"), (200, 75, "2")])
    second = page_of([(40, 20, "Boulangerie Moreau")])
    layout = build_layout([first, type(second)(2, second.width, second.height, second.words)])
    assert [line.text for line in layout.lines if line.index in _item_lines(layout)] \
        == ["Description  Quantity", "Conseil  2"]


def test_one_item_word_makes_no_table_heading() -> None:
    """A single "Description" line (a note, a form's field) heads no table."""
    names = _names([(40, 20, "Atelier Martin"), (40, 40, "Description"),
                    (40, 52, "Boulangerie Moreau")])
    assert names["Boulangerie Moreau"].excluded is None



# --- the line that heads a block ------------------------------------------------------------

_BLOCKS: Rows = [(40, 20, "YourCompany"), (40, 32, "Scranton 18540"),
                 (300, 60, "Best Designers"), (300, 72, "203, Systems Plaza"),
                 (300, 84, "Mumbai"), (300, 96, "India")]


def test_a_further_line_of_a_block_knows_the_name_heading_it() -> None:
    """"Mumbai" under "203, Systems Plaza" under "Best Designers" (OCA's invoice, whose
    customer was read "Mumbai"): the block's head is given to each further line."""
    names = _names(_BLOCKS)
    assert names["Mumbai"].block_head == "Best Designers"
    assert names["Best Designers"].block_head is None  # its own block's head
    assert names["Scranton 18540"].block_head == "YourCompany"


def test_a_name_with_a_legal_form_or_under_a_label_keeps_no_head() -> None:
    """"John Miller" over "ACME Company Inc": the company with its legal form is the party;
    and a label over a block ("Bill to") heads nothing itself."""
    names = _names([(40, 20, "Atelier Martin"), (300, 60, "John Miller"),
                    (300, 72, "ACME Company Inc"), (40, 120, "Bill to"),
                    (40, 132, "Test Business"), (40, 144, "Melbourne")])
    assert names["ACME Company Inc"].block_head is None
    assert names["Test Business"].block_head is None
    assert names["Melbourne"].block_head == "Test Business"


def test_a_line_far_under_or_in_another_column_has_no_head() -> None:
    names = _names([(40, 20, "Atelier Martin"), (40, 90, "Boulangerie Moreau"),
                    (200, 102, "Charcuterie Dupont")])
    assert names["Boulangerie Moreau"].block_head is None
    assert names["Charcuterie Dupont"].block_head is None


def test_the_customer_is_the_head_of_the_block_it_was_chosen_in() -> None:
    """A ranker that prefers the lowest name would answer "Mumbai": the block's head is
    answered instead; a supplier already named so is never the customer too."""
    from liasse.extract.ranking import FieldModel, RankerModel, choose

    candidates = all_candidates(build_layout([page_of(_BLOCKS)]))
    lowest = FieldModel(("y",), (0.0,), (1.0,), (1.0,), 0.0, {})
    top = FieldModel(("y",), (0.0,), (1.0,), (-1.0,), 0.0, {})
    chosen = choose(RankerModel({"customer_name": lowest}, {}), candidates)
    assert chosen["customer_name"].value == "Best Designers"
    both = choose(RankerModel({"customer_name": lowest, "supplier_name": top}, {}),
                  candidates)
    assert both["supplier_name"].value == "YourCompany"
    assert both["customer_name"].value == "Best Designers"


# --- a bank's name over the account it keeps ---------------------------------------------

# The sample invoice of aws-samples' Textractor (Sliced Invoices): the bank's name heads the
# account lines under the totals; left out of the fold, the ranker took it as the customer.
_BANK_BLOCK: Rows = [
    (43, 124, "From:"), (43, 134, "DEMO - Sliced Invoices"), (43, 149, "Suite 5A-1204"),
    (43, 234, "To:"), (43, 246, "Test Business"), (43, 259, "123 Somewhere St"),
    (414, 425, "Total"), (518, 425, "$93.50"),
    (43, 472, "ANZ Bank"), (43, 484, "ACC # 1234 1234"), (43, 497, "BSB # 4321 432"),
]


def test_a_bank_name_over_its_account_lines_is_no_party() -> None:
    names = _names(_BANK_BLOCK)
    assert names["ANZ Bank"].excluded == "a bank's name over the account it keeps"
    for party in ("DEMO - Sliced Invoices", "Test Business"):
        assert names[party].excluded is None, party


def test_a_bank_spelled_as_one_word_over_an_iban_is_no_party() -> None:
    """"Commerzbank" over "IBAN: DE…", a German footer's bank details."""
    names = _names([(40, 20, "Musterlieferant GmbH"), (40, 700, "Commerzbank Köln"),
                    (40, 712, "IBAN: DE89 3704 0044 0532 0130 00")])
    assert names["Commerzbank Köln"].excluded == "a bank's name over the account it keeps"
    assert names["Musterlieferant GmbH"].excluded is None


def test_a_bank_that_sends_its_own_invoice_stays_a_candidate() -> None:
    """A bank's letterhead over its address, and a bank name with no account under it, or
    with the account lines in another column: a party as any other."""
    names = _names([(40, 20, "Deutsche Bank AG"), (40, 32, "Taunusanlage 12"),
                    (40, 44, "60325 Frankfurt am Main"),
                    (40, 300, "Sparkasse KölnBonn"),
                    (300, 312, "IBAN: DE12 3705 0198 0000 0000 00")])
    assert names["Deutsche Bank AG"].excluded is None
    assert names["Sparkasse KölnBonn"].excluded is None


@pytest.mark.skipif(not corpus_available(), reason="../shared/corpus not present")
def test_the_real_bank_block_is_no_party() -> None:
    from liasse.extract.cascade import ExtractOptions, read_pages

    document = next(d for d in corpus_documents(DEFAULT_CORPUS) if d.id == "pdf-c2de358a09")
    pages = read_pages(document.path.read_bytes(),
                       options=ExtractOptions(use_einvoice=False, time_limit_seconds=0)).pages
    names = {c.value: c for c in all_candidates(build_layout(pages))["name"]}
    assert names["ANZ Bank"].excluded == "a bank's name over the account it keeps"
    assert names["Test Business"].excluded is None


def test_a_legal_form_set_apart_by_a_dash_is_no_part_of_the_name() -> None:
    """"BOUYGUES TELECOM - Société Anonyme au capital de …": the name before "au capital"
    ends at the dash; a form printed with the name ("Garage Blanc SAS") stays, and a dash
    inside a name ("Jean - Pierre Dupont") or before a town is not a form's."""
    names = _names([(40, 20, "Facture"),
                    (40, 760, "ACME TELECOM - Société Anonyme au capital de 10 000 €"),
                    (40, 772, "Atelier Bleu - SARL au capital de 5 000 €"),
                    (40, 784, "Garage Blanc SAS au capital de 1 000 €"),
                    (40, 796, "Maison Roux - Lyon au capital de 2 000 €")])
    legal = {value for value, candidate in names.items() if candidate.features.get("legal_mention")}
    assert {"ACME TELECOM", "Atelier Bleu", "Garage Blanc SAS", "Maison Roux - Lyon"} <= legal
    assert not {"ACME TELECOM - Société Anonyme", "Atelier Bleu - SARL"} & legal


def test_an_invitation_to_pay_online_is_no_party() -> None:
    """Stripe's invoice prints "Pay online" under its parties, where a name could be; its
    customer block holds only an e-mail address (Chessable's invoice)."""
    names = _names([(30, 125, "CHESSABLE LIMITED"), (250, 125, "Bill to"),
                    (250, 138, "someone@example.com"), (30, 227, "Pay online"),
                    (30, 240, "Payer en ligne"), (30, 260, "Pay Later Services")])
    assert "CHESSABLE LIMITED" in names and "Pay Later Services" in names
    assert "Pay online" not in names and "Payer en ligne" not in names


def test_the_software_that_made_the_pdf_is_no_party() -> None:
    """A generator's credit in the page's foot ("Powered by TCPDF (www.tcpdf.org)") was a
    pretix invoice's supplier, and till slips print their POS vendor's the same way."""
    names = _names([(30, 40, "ACME Company Inc"), (30, 780, "Powered by TCPDF (www.tcpdf.org)"),
                    (30, 792, "POWERED BY SISPOS.COM.MY"), (30, 804, "Erstellt mit Lexware"),
                    (30, 816, "Powerhouse Gym Ltd")])
    assert "ACME Company Inc" in names and "Powerhouse Gym Ltd" in names
    assert not {"Powered by TCPDF (www.tcpdf.org)", "POWERED BY SISPOS.COM.MY",
                "Erstellt mit Lexware"} & set(names)
