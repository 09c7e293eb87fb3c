"""Receipts and scans read through OCR: the rules that keep their fields right or unsure."""

from __future__ import annotations

import pytest
from textpages import page_of

from liasse.extract.candidates import all_candidates
from liasse.extract.confidence import SURE
from liasse.extract.fields.dates import names_validity, without_glued_time
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout, normalise
from liasse.extract.fields.numbers import find_amounts
from liasse.extract.layout import Page, Word


def _reading(rows: list[tuple[float, float, str]]) -> dict[str, tuple[str | None, float]]:
    fields = read_document([page_of(rows)]).fields
    return {name: (field.value, field.confidence) for name, field in fields.items()}


@pytest.mark.parametrize("label", [
    "Date d'expiration", "Date d’exflratigı", "Date d'expiratlon", "Card Expiry", "EXP",
    "valable jusqu'au", "valabie jusqu'au", "Gültig bis", "Ablaufdatum", "Best before",
    "Valid thru"])
def test_a_validity_label_is_read_through_ocr_slips(label: str) -> None:
    assert names_validity(tuple(normalise(label).split()))


@pytest.mark.parametrize("label", [
    "Date d'opération", "Date d'opératlon", "Date de transaction", "Datum", "Date",
    "Invoice date", "Date printed", "Expert comptable", "Variable", "Empire"])
def test_a_sale_date_label_is_no_validity_label(label: str) -> None:
    assert not names_validity(tuple(normalise(label).split()))


_CARD_SLIP = [(40, 30, "STATION SERVICE DU PONT"), (40, 60, "CARTE BANCAIRE"),
              (40, 80, "Date d’exflratigı:"), (200, 80, "31/05/28"),
              (40, 120, "TOTAL"), (200, 120, "21,74 EUR")]


def test_a_date_after_a_garbled_expiry_label_is_no_issue_date() -> None:
    dates = all_candidates(build_layout([page_of(_CARD_SLIP)]))["date"]
    assert "2028-05-31" not in {candidate.value for candidate in dates}
    value, confidence = _reading(_CARD_SLIP)["issue_date"]
    assert value is None and confidence < SURE


def test_the_sale_date_beside_an_expiry_date_is_the_issue_date_candidate() -> None:
    rows = [*_CARD_SLIP, (40, 140, "Date d'opératlon:"), (200, 140, "07/04/2017")]
    dates = all_candidates(build_layout([page_of(rows)]))["date"]
    assert {candidate.value for candidate in dates} == {"2017-04-07"}
    assert _reading(rows)["issue_date"][0] == "2017-04-07"


def _values(rows: list[tuple[float, float, str]], kind: str) -> set[str]:
    return {candidate.value for candidate in all_candidates(build_layout([page_of(rows)]))[kind]}


def test_an_amount_glued_to_its_ringgit_mark_is_a_candidate() -> None:
    """"SUBTOTAL RM53. 60": the mark glued to the figure, and OCR's space after the point."""
    rows = [(40, 30, "LITTLE CRAVINGS SDN BHD"), (40, 60, "KUIH KETAYAP"), (200, 60, "RM2.70"),
            (40, 80, "SUBTOTAL"), (200, 80, "RM53. 60"), (40, 100, "CASH"), (200, 100, "RM100.00")]
    assert {"2.70", "53.60", "100.00"} <= _values(rows, "amount")


def test_ocr_specks_around_a_name_in_capitals_are_dropped() -> None:
    rows = [(40, 30, "mn"), (70, 30, "— — GARDENIA BAKERIES (KL) SDN BHD"),
            (40, 60, "Ve MR. D.I.Y. (M) SDN BHD —~\\"), (40, 90, "Ma Société SARL")]
    names = _values(rows, "name")
    assert "GARDENIA BAKERIES (KL) SDN BHD" in names
    assert "MR. D.I.Y. (M) SDN BHD" in names
    assert "Ma Société SARL" in names
    assert not any(name.startswith(("mn", "Ve ", "—")) for name in names)


def test_only_a_names_tail_takes_the_line_above_it() -> None:
    """"POPULAR BOOK" over "CO. (M) SDN BHD" is one name; a brand over a whole company
    name ("Sarang Hae Yo" over "TRENDYMAX (M) SDN. BHD.") is not part of it."""
    names = _values([(40, 30, "POPULAR BOOK"), (40, 45, "CO. (M) SDN BHD")], "name")
    assert "POPULAR BOOK CO. (M) SDN BHD" in names
    names = _values([(40, 30, "Sarang Hae Yo"), (40, 45, "TRENDYMAX (M) SDN. BHD.")], "name")
    assert "TRENDYMAX (M) SDN. BHD." in names
    assert "Sarang Hae Yo TRENDYMAX (M) SDN. BHD." not in names


def test_a_till_slips_cashier_is_no_name_a_party_label_still_heads_one() -> None:
    names = _values([(40, 30, "CASHIER: Manager"), (40, 60, "Vendeur : Ma Société")], "name")
    assert "Manager" not in names
    assert "Ma Société" in names


def test_a_label_ocr_spelled_with_a_digit_for_a_letter_is_still_a_label() -> None:
    layout = build_layout([page_of([(40, 30, "Grand Tota1"), (200, 30, "RM39.00"),
                                    (40, 50, "A1 4711"), (200, 50, "12.00")])])
    totals = [hit.segment.text for hit in layout.hits.get("total_amount", [])]
    assert totals == ["Grand Tota1"]
    assert layout.lines[1].segments[0].tokens == (("a1",), ("4711",))


@pytest.mark.parametrize(("printed", "value"), [
    ("23/03/20189:34:40AM", "2018-03-23"), ("Date:25-03-201809:42:19 AM", "2018-03-25"),
    ("04-05-1812:50:51 PM", "2018-05-04"), ("05 Mar201818:24", "2018-03-05"),
    ("24 Mar-201803:44:22 PM", "2018-03-24"), ("2018/02/2213:34:14", "2018-02-22"),
    ("29/12/201711 :41", "2017-12-29"), ("30May201818:24", "2018-05-30"),
    ("Date : 5/ 3/2018 22:52: 33", "2018-03-05"), ("DATE : 10 0CT 2017 TUE", "2017-10-10")])
def test_a_date_ocr_glued_to_its_time_or_misspelled_is_a_candidate(printed: str,
                                                                     value: str) -> None:
    rows = [(40, 30, "KEDAI MAJU SDN BHD"), (40, 60, printed), (40, 90, "TOTAL"),
            (200, 90, "12.50")]
    assert value in _values(rows, "date")


def test_an_amount_after_a_date_is_no_glued_time() -> None:
    assert without_glued_time("12/03/201812.50") == "12/03/201812.50"


def test_a_label_ocr_split_at_a_narrow_letter_is_still_a_label() -> None:
    """RapidOCR's "Tota l" and "Invo i ce No": one label word in several tokens."""
    layout = build_layout([page_of([(40, 30, "Tota l RM Incl. of GST"), (300, 30, "9.90"),
                                    (40, 50, "Invo i ce No"), (300, 50, "A123"),
                                    (40, 70, "to be paid"), (300, 70, "1.00")])])
    totals = {hit.segment.text: hit.label.tokens for hit in layout.hits["total_amount"]}
    assert totals == {"Tota l RM Incl. of GST": ("total", "rm")}
    numbers = [hit for hit in layout.hits["invoice_number"] if hit.segment.text == "Invo i ce No"]
    assert [(hit.start, hit.end) for hit in numbers] == [(0, 4)]


def test_a_names_full_width_brackets_and_an_abbreviations_zero_are_put_right() -> None:
    names = _values([(40, 30, "AEON C0. （M) BHD （126926-H)")], "name")
    assert "AEON CO. (M) BHD" in names


def test_an_amount_glued_to_its_label_by_a_colon_carries_that_label() -> None:
    """"Rounding:-RM0.02" is the rounding line: the total paid is the one under it."""
    rows = [(40, 30, "KEDAI MAJU SDN BHD"), (40, 60, "Total Amount: RM7.72"),
            (40, 80, "Rounding:-RM0.02"), (40, 100, "Nett Total: RM7.70")]
    amounts = all_candidates(build_layout([page_of(rows)]))["amount"]
    rounding = next(candidate for candidate in amounts if candidate.value == "-0.02")
    assert rounding.features.get("same:rounding") == 1.0
    assert _reading(rows)["total_amount"][0] == "7.70"


def test_an_amount_with_a_space_ocr_put_before_its_point_is_read() -> None:
    assert "71.00" in _values([(40, 30, "TOTAL :"), (200, 30, "71 .00")], "amount")
    assert not _values([(40, 30, "Ref 12 .345")], "amount")


def test_a_receipts_total_savings_is_no_total_label() -> None:
    layout = build_layout([page_of([(40, 30, "Total Savings"), (200, 30, "-1.10")])])
    assert "total_amount" not in layout.hits


def test_a_company_number_after_the_legal_form_is_no_part_of_the_name() -> None:
    names = _values([(40, 30, "KING'S CONFECTIONERY S/B 273500-U"),
                     (40, 60, "TQ FOR SHOPPING WITH myNEWS.com")], "name")
    assert "KING'S CONFECTIONERY S/B" in names
    assert not any("273500" in name or "SHOPPING" in name for name in names)


def _ocr_line(y: float, pieces: list[tuple[float, str]], *, confidence: float = 0.9,
              ) -> list[Word]:
    """OCR words on one line, 20 pt high, each at its x, 10 pt per character."""
    return [Word(text, x, y, x + 10 * len(text), y + 20, confidence) for x, text in pieces]


def _names_of(words: list[Word]) -> set[str]:
    page = Page(number=1, width=595, height=842, words=words)
    return {candidate.value for candidate in all_candidates(build_layout([page]))["name"]}


# "GA RDENIA": OCR broke the word at a pixel gap of 2 pt; a space between words leaves 8.
_SPLIT = [(40, "GA"), (62, "RDENIA"), (130, "BAKERIES"), (218, "SDN"), (256, "BHD")]


def test_the_pieces_of_a_word_ocr_split_are_put_back_together() -> None:
    names = _names_of(_ocr_line(30, _SPLIT))
    assert "GARDENIA BAKERIES SDN BHD" in names
    assert not any(name.startswith("GA ") for name in names)


def test_a_text_layers_spaces_are_kept_however_narrow() -> None:
    assert "GA RDENIA BAKERIES SDN BHD" in _names_of(_ocr_line(30, _SPLIT, confidence=1.0))


def test_two_words_of_a_name_stay_apart_however_close() -> None:
    """"KEDAI PAPAN" can stand as close as "GA RDENIA": neither is a short piece."""
    names = _names_of(_ocr_line(30, [(40, "KEDAI"), (92, "PAPAN"), (150, "YEW")]))
    assert "KEDAI PAPAN YEW" in names


def test_a_narrow_gap_beside_a_digit_or_a_sign_keeps_its_space() -> None:
    names = _names_of(_ocr_line(30, [(40, "KEDAI"), (92, "99"), (114, "&"), (126, "SONS")]))
    assert "KEDAI 99 & SONS" in names


def _amount_features(rows: list[tuple[float, float, str]], value: str) -> dict[str, float]:
    amounts = all_candidates(build_layout([page_of(rows)]))["amount"]
    return next(c.features for c in amounts if c.value == value)


def test_a_tax_summarys_supplies_line_is_no_total() -> None:
    """"Total 0% supplies: 9.36" shares the sale out by rate; "Total Payable" is the total."""
    rows = [(40, 30, "GARDENIA BAKERIES SDN BHD"), (40, 60, "Total 0% supplies:"),
            (200, 60, "9.36"), (40, 80, "Total Payable:"), (200, 80, "7.97")]
    supplies = _amount_features(rows, "9.36")
    assert supplies.get("left:rate_share") and not supplies.get("left:total_amount")
    assert _amount_features(rows, "7.97").get("left:total_amount")


def test_the_total_paid_beside_the_change_is_money_handed_over() -> None:
    rows = [(40, 30, "MOONLIGHT CAKE HOUSE"), (40, 60, "Grand Total"), (200, 60, "RM15.40"),
            (40, 80, "Total Paid"), (200, 80, "RM50.00"), (40, 100, "Change"),
            (200, 100, "RM34.60")]
    paid = _amount_features(rows, "50.00")
    assert paid.get("left:payment_line") and not paid.get("left:total_amount")


_ROUNDED = [(40, 30, "TAN WOON YANN"), (40, 60, "Date: 03/01/2018"), (40, 80, "TOTAL AMT."),
            (150, 80, "RM"), (200, 80, "60.31"), (40, 100, "ROUNDING ADJ ."), (200, 100, "10:0-"),
            (40, 120, "RM"), (200, 120, "60.30"), (40, 140, "CASH"), (200, 140, "100.00")]


def test_the_total_under_a_rounding_line_is_the_one_paid() -> None:
    """OCR garbled the rounding's own figure ("10:0-"): the line still says the amount under
    it is the rounded total, a cent from the one read beside TOTAL."""
    assert _amount_features(_ROUNDED, "60.30").get("below_rounding")
    assert not _amount_features(_ROUNDED, "60.31").get("below_rounding")
    assert _reading(_ROUNDED)["total_amount"][0] == "60.30"


def test_without_a_rounding_line_the_total_stays_the_labelled_one() -> None:
    rows = [row for row in _ROUNDED if not row[2].startswith(("ROUNDING", "10:0"))]
    assert _reading(rows)["total_amount"][0] == "60.31"


def test_a_figure_grouped_by_the_pages_decimal_point_is_no_amount() -> None:
    """"RM3.655" (OCR glued a tax code "S" to "RM3.65") on a slip of "RM2.85", "RM24.40":
    the point splits cents there, so the figure is no three thousand ringgit."""
    rows = [(40, 30, "SPEED MART"), (40, 60, "COKE ZERO"), (200, 60, "RM2.85"),
            (40, 80, "MINYAK MASAK"), (200, 80, "RM24.40"), (40, 100, "CINTAN MI"),
            (200, 100, "RM3.655"), (40, 120, "Total Sales"), (200, 120, "31.00")]
    amounts = _values(rows, "amount")
    assert "3655.00" not in amounts and {"2.85", "24.40", "31.00"} <= amounts
    # A page that splits its cents with a comma groups its thousands with the point.
    rows = [(40, 30, "GARAGE DU PONT"), (40, 60, "Pièces"), (200, 60, "120,50 €"),
            (40, 80, "Main d'oeuvre"), (200, 80, "80,00 €"), (40, 100, "Reprise"),
            (200, 100, "1.500 €")]
    assert "1500.00" in _values(rows, "amount")


def test_the_total_with_its_cash_rounding_is_the_total_paid() -> None:
    """"Grand Total 87.08 / Rounding Adjustment 0.02" paid 87.10, though OCR misread the
    "Net Total" under them (87.16)."""
    rows = [(40, 30, "UROKO JAPANESE CUISINE SDN BHD"), (40, 50, "Date: 14/05/2018"),
            (40, 80, "Grand Total :"), (200, 80, "87.08"),
            (40, 100, "Rounding Adjustment:"), (200, 100, "0.02"),
            (40, 120, "Net Total :"), (200, 120, "87.16")]
    paid = next(c for c in all_candidates(build_layout([page_of(rows)]))["amount"]
                if c.value == "87.10")
    assert paid.features.get("paid_total") and "87.08" in paid.evidence
    # Which of the misread line and the worked-out total the ranker prefers is learned;
    # with the two in conflict, neither is sure.
    assert _reading(rows)["total_amount"][1] < SURE
    # Without the misread line, the total read beside its label moves to the one paid.
    value, confidence = _reading(rows[:-2])["total_amount"]
    assert value == "87.10" and confidence < SURE


def test_a_total_the_cash_less_the_change_settles_is_not_rounded_again() -> None:
    """"Total 8.48 / Rounding 0.02 / Cash 50.00 / Change 41.52": the change says 8.48 was
    paid; no 8.50 is worked out from the rounding line."""
    rows = [(40, 30, "KEDAI MAJU SDN BHD"), (40, 80, "TOTAL :"), (200, 80, "8.48"),
            (40, 100, "Rounding"), (200, 100, "0.02"), (40, 120, "CASH"), (200, 120, "50.00"),
            (40, 140, "CHANGE"), (200, 140, "41.52")]
    amounts = all_candidates(build_layout([page_of(rows)]))["amount"]
    assert not any(c.features.get("paid_total") for c in amounts)
    rows[-1] = (200, 140, "41.50")
    amounts = all_candidates(build_layout([page_of(rows)]))["amount"]
    assert any(c.features.get("paid_total") and c.value == "8.50" for c in amounts)


def test_a_rounding_that_makes_no_five_cents_is_no_total_paid() -> None:
    """26.82 + 0.02 is 26.84: no cash rounding ends there (the slip printed the rounding
    unsigned), so nothing is worked out and the labelled figures stay."""
    rows = [(40, 30, "HAPPY SNACKS"), (40, 80, "Total :"), (200, 80, "26.82"),
            (40, 100, "Rounding Adjustment:"), (200, 100, "0.02"),
            (40, 120, "Amount To Be Paid :"), (200, 120, "26.80")]
    assert "26.84" not in _values(rows, "amount")


def test_the_cash_less_the_change_is_the_total_paid_beside_a_rounding_line() -> None:
    """The rounding's figure garbled ("RMO.01"): 50.00 handed over, 34.60 back, 15.40 paid."""
    rows = [(40, 30, "MOONLIGHT CAKE HOUSE SDN BHD"), (40, 50, "Date: 09/06/2018"),
            (40, 80, "Total (Incl GST, 0%)"), (200, 80, "RM15.39"),
            (40, 100, "Rounding"), (200, 100, "RMO.01"), (40, 120, "Total Paid"),
            (200, 120, "RM50.00"), (40, 140, "Change"), (200, 140, "RM34.60")]
    assert _reading(rows)["total_amount"][0] == "15.40"
    # Without a rounding line the slip shows no cash rounding: nothing is worked out.
    unrounded = [row for row in rows if row[2] not in ("Rounding", "RMO.01")]
    assert "15.40" not in _values(unrounded, "amount")


def test_a_names_last_bracket_only_is_its_registration() -> None:
    """"THE STORE （MALAYSIA SDN BHD （8199K）": OCR lost the first bracket's end."""
    names = _values([(40, 30, "THE STORE （MALAYSIA SDN BHD （8199K）")], "name")
    assert "THE STORE (MALAYSIA SDN BHD" in names


def test_a_legal_form_ocr_spelled_with_look_alike_digits_is_put_right() -> None:
    names = _values([(40, 30, "99 SPEED MART 5/B (519537-X)"), (40, 60, "KEDAI MAJU 5DN 8HD")],
                    "name")
    assert {"99 SPEED MART S/B", "KEDAI MAJU SDN BHD"} <= names
    assert "ROOM 5/8" in _values([(40, 30, "ROOM 5/8")], "name")


def test_a_heading_ocr_glued_and_a_sales_policy_are_no_names() -> None:
    rows = [(40, 20, "GOODS SOLD ARE NOT RETURNABLE. THANK YOU"), (40, 40, "SLF CASH & CARRY"),
            (40, 200, "GSTSUMMARY"), (40, 220, "Barang yang dibeli tidak boleh dikembalikan")]
    names = _values(rows, "name")
    assert "SLF CASH & CARRY" in names
    assert not any(name.startswith(("GOODS", "GST")) for name in names)


def test_a_letterhead_ocr_cut_into_pieces_is_offered_whole() -> None:
    """"SIN | THYE | & COMPANY": a name printed wide, read by OCR as three segments."""
    line = _ocr_line(30, [(40, "SIN"), (150, "THYE"), (300, "&"), (325, "COMPANY")])
    address = _ocr_line(60, [(40, "NO.54,"), (110, "JALAN"), (170, "IPOH")])
    assert "SIN THYE & COMPANY" in _names_of(line + address)
    # A shop's name may hold a payment word ("CASH & CARRY"): its letterhead still joins.
    shop = _ocr_line(30, [(40, "SLF"), (150, "CASH"), (300, "&"), (325, "CARRY")])
    assert "SLF CASH & CARRY" in _names_of(shop + address)
    # A text layer's columns are its author's: they are never joined into one name.
    columns = _ocr_line(30, [(40, "SIN"), (150, "THYE"), (300, "&"), (325, "COMPANY")],
                        confidence=1.0)
    assert "SIN THYE & COMPANY" not in _names_of(columns)


@pytest.mark.parametrize(("printed", "value"), [
    ("Date/Time : 20180428/191204", "2018-04-28"), ("DATE:13707/2017", "2017-07-13"),
    ("Date : 06-05-20 18 12:43:19", "2018-05-06"),
    ("Date : 04-06-2 018 15 :5 3 :52", "2018-06-04"), ("04-06-201 8", "2018-06-04")])
def test_a_date_ocr_broke_in_a_tills_ways_is_a_candidate_never_sure(printed: str,
                                                                    value: str) -> None:
    rows = [(40, 30, "KEDAI MAJU SDN BHD"), (40, 60, printed), (40, 90, "TOTAL"),
            (200, 90, "12.50")]
    assert value in _values(rows, "date")
    if value != "2018-04-28":  # a separator or a year guessed: never sure
        assert _reading(rows)["issue_date"][1] < SURE


def test_a_number_with_a_slash_is_no_date_when_its_separators_are_not_misread() -> None:
    assert not _values([(40, 30, "Ref 2412/2019"), (40, 50, "TOTAL 12.50")], "date")


def test_cash_printed_negative_still_counts_as_handed_over() -> None:
    """"Cash -20.00 / CHANGE 10.10": the sale cost 9.90, whatever sign the till printed."""
    rows = [(40, 30, "POPULAR BOOK CO. (M) SDN BHD"), (40, 60, "2pc @ 5.50"), (200, 60, "11.00"),
            (40, 80, "Member Discount"), (200, 80, "-1.10"),
            (40, 100, "Total RM Incl. of GST"), (200, 100, "9.90"),
            (40, 120, "Cash"), (200, 120, "-20.00"), (40, 140, "CHANGE"), (200, 140, "10.10")]
    assert _amount_features(rows, "9.90").get("tendered_less_change")
    assert not _amount_features(rows, "11.00").get("tendered_less_change")


def test_a_currency_code_in_brackets_names_the_currency() -> None:
    """"Total H.T.(EUR)" heads a column of figures printed without a mark."""
    rows = [(40, 30, "QUINCAILLERIE DU CENTRE"), (40, 60, "Description"),
            (300, 60, "Total H.T.(EUR)"), (40, 80, "Vis inox"), (300, 80, "12,50"),
            (40, 100, "TOTAL T.T.C."), (300, 100, "15,00")]
    assert _reading(rows)["currency"][0] == "EUR"


def test_a_letter_o_for_the_zero_of_a_few_cents_is_read_as_zero() -> None:
    """"Rounding Adjustment RMO.02": OCR's O after the ringgit mark; "ROOM O.50" stays text."""
    rows = [(40, 30, "SUPER SEVEN CASH & CARRY"), (40, 60, "Total Sales"), (200, 60, "RM28.03"),
            (40, 80, "Rounding Adjustment"), (200, 80, "RMO.02"), (40, 100, "ROOM O.50")]
    amounts = _values(rows, "amount")
    assert "0.02" in amounts and "0.50" not in amounts



def test_a_zero_tax_beside_an_unlabelled_total_proves_no_sum() -> None:
    """"SUB-TOTAL 45.28 / TAX 0.00" under an item of 45.28 (the column headed AMOUNT) adds
    45.28 up with itself: that says nothing of the "TOTAL 48.00" under them, and makes no
    total sure (the item's 45.28 was read as the total at 0.89)."""
    def line(y: float, *parts: tuple[str, float]) -> list[Word]:
        return [Word(text, x, y, x + 12.0 * len(text), y + 26.0, 0.97) for text, x in parts]

    words = [*line(140, ("SLF", 170), ("CASH", 220), ("&", 280), ("CARRY", 300)),
             *line(450, ("RECEIPT", 46), ("#:", 148), ("CS00241867", 187), ("DATE:", 325),
                   ("02/02/2018", 404)),
             *line(555, ("ITEM", 45), ("QTY", 272), ("U/P", 374), ("AMOUNT", 451)),
             *line(608, ("6194020100124", 49), ("4", 280), ("11.32", 374), ("45.28", 451),
                   ("S", 530)),
             *line(720, ("SUB-TOTAL", 45), ("45.28", 451)), *line(750, ("DISC", 45), ("0.00", 460)),
             *line(780, ("TAX", 45), ("0.00", 460)), *line(810, ("ROUNDING", 45), ("0.00", 460)),
             *line(840, ("TOTAL", 45), ("48.00", 451)), *line(870, ("CASH", 45), ("48.00", 451)),
             *line(900, ("CHANGE", 45), ("0.00", 460)),
             *line(990, ("SR", 45), ("45.28", 200), ("6", 300), ("2.72", 451)),
             *line(1020, ("TAX", 45), ("TOTAL:", 100), ("2.72", 451))]
    total = read_document([Page(1, 595.0, 1400.0, words)], layer="ocr").fields["total_amount"]
    assert "net + tax = total" not in total.evidence
    assert total.value == "48.00" or total.confidence < SURE


@pytest.mark.parametrize("text", [
    "Total Sales (Inclusive of GST) :", "Total Sales (lnclusive GsT) RM", "Total RM Incl. of GST",
    "Total Due (GST Inc):", "Gesamtbetrag inkl. MwSt.", "Total Sales (h.clusive cf GST)"])
def test_a_tax_word_a_total_says_it_includes_labels_the_total(text: str) -> None:
    """The tax word qualifies the total: the amount beside it is the total, never the tax."""
    layout = build_layout([page_of([(40, 30, text), (300, 30, "11.50")])])
    assert "total_amount" in layout.hits and "tax_amount" not in layout.hits
    amount = next(c for c in all_candidates(layout)["amount"] if c.value == "11.50")
    assert amount.labelled("total_amount") and not amount.labelled("tax_amount")


@pytest.mark.parametrize("text", ["Total 6% GST", "TOTAL GST", "inkl. MwSt 19%"])
def test_a_tax_word_no_inclusion_word_qualifies_stays_a_tax_label(text: str) -> None:
    assert "tax_amount" in build_layout([page_of([(40, 30, text), (300, 30, "0.42")])]).hits


# "Pay 20.00" under the sale's 19.20, over "Change 0.80": the cash handed over, by its sum.
_HANDED = [(40, 30, "KING'S CONFECTIONERY S/B"), (40, 60, "French Loaf 8 x 2.40"),
           (300, 60, "19.20"), (40, 80, "Rounding Adj"), (300, 80, "0.00"),
           (40, 100, "ang"), (300, 100, "19.20"), (40, 120, "Pay"), (300, 120, "20.00"),
           (40, 140, "Change"), (300, 140, "0.80")]


def test_money_handed_over_is_known_by_the_change_under_it() -> None:
    assert _amount_features(_HANDED, "20.00")["handed_over"] == 1.0
    assert _amount_features(_HANDED, "19.20")["handed_over"] == 0.0
    assert _amount_features(_HANDED, "19.20")["is_max_sale"] == 1.0
    assert _reading(_HANDED)["total_amount"][0] == "19.20"


def test_no_sum_without_a_sale_above_it_is_money_handed_over() -> None:
    """A total that happens to equal an amount below it plus the change is still the sale."""
    rows = [(40, 30, "SHOP"), (40, 60, "Total"), (300, 60, "20.00"), (40, 80, "Cash"),
            (300, 80, "50.00"), (40, 100, "Change"), (300, 100, "30.00")]
    assert _amount_features(rows, "20.00")["handed_over"] == 0.0


def test_cash_less_change_is_no_net_and_tax_of_a_total() -> None:
    """"CASH 52.00" is "CHONGE 40.50" (a misread change) plus the 11.50 sale: arithmetic that
    holds, but no net + tax = total: no amount is vouched for by it, and the cash is no
    total. (The two items, 6.85 + 4.65, do add up to the sale: the total is right, the
    items taken for a net and a tax stay unsure.)"""
    rows = [(40, 30, "99 SPEED MART S/B"), (40, 60, "CRISPI ROLL"), (300, 60, "6.85"),
            (40, 80, "H/COVER NOT"), (300, 80, "4.65"),
            (40, 100, "Total Sales (inclusive GsT) RM"), (300, 100, "11.50"),
            (40, 120, "CASH RM"), (300, 120, "52.00"), (40, 140, "CHONGE RM"),
            (300, 140, "40.50")]
    fields = read_document([page_of(rows)], layer="ocr").fields
    assert fields["total_amount"].value == "11.50"
    for name in ("net_amount", "tax_amount", "total_amount"):
        assert "52.00" not in fields[name].evidence and fields[name].value != "52.00"
    for name in ("net_amount", "tax_amount"):
        assert fields[name].confidence < SURE


def test_the_cash_handed_over_is_no_sum_of_the_sale_and_the_change() -> None:
    """"CASH 23.00" is the 22.90 sale plus "CHANGE 0.10": that sum is the till's, no total's
    of a net and a tax, and it makes the sale no part of any sum."""
    rows = [(40, 30, "MR. D.I.Y. (M) SDN BHD"), (40, 60, "9067903 1 X 4.80"), (300, 60, "4.80"),
            (40, 80, "9080456 1 X 18.10"), (300, 80, "18.10"),
            (40, 100, "Total Incl. GST@6%"), (300, 100, "RM 22.90"),
            (40, 120, "CASH"), (300, 120, "RM 23.00"), (40, 140, "CHANGE"),
            (300, 140, "RM 0.10")]
    assert _amount_features(rows, "23.00")["sum_of_two"] == 0.0
    assert _amount_features(rows, "22.90")["part_of_sum"] == 0.0
    assert _amount_features(rows, "22.90")["sum_of_two"] == 1.0  # 4.80 + 18.10: the sale's


def test_words_ocr_glued_in_a_letterhead_are_cut_at_trade_words() -> None:
    names = _names_of(_ocr_line(30, [(40, "SANYUSTATIONERYSHOP")])
                      + _ocr_line(60, [(40, "VIVOPACMARKETINGSDN"), (240, "BHD")]))
    assert "SANYU STATIONERY SHOP" in names
    assert "VIVOPAC MARKETING SDN BHD" in names


@pytest.mark.parametrize("word", ["BOOKSTORES", "HYPERMARKETS", "CONFECTIONERY",
                                  "AIKHUATHARDMARE"])
def test_a_long_word_no_trade_word_cuts_cleanly_stays_whole(word: str) -> None:
    assert word in _names_of(_ocr_line(30, [(40, word)]))


def test_a_text_layers_long_words_are_never_cut() -> None:
    assert "SANYUSTATIONERYSHOP" in _names_of(_ocr_line(30, [(40, "SANYUSTATIONERYSHOP")],
                                                        confidence=1.0))


def test_a_lone_letter_a_little_apart_still_joins_its_word() -> None:
    """"BA K ERIES": a single letter stands up to three tenths of the height from its word."""
    names = _names_of(_ocr_line(30, [(40, "BA"), (65, "K"), (80, "ERIES"), (140, "SDN"),
                                     (180, "BHD")]))
    assert "BAKERIES SDN BHD" in names


def test_only_the_amount_right_over_the_change_can_be_money_handed_over() -> None:
    """"SUBTOTAL 53.60 / CASH 100.00 / CHANGE 46.40": 53.60 less the change is an item's
    7.20 by chance; the cash, printed between, is what was handed over."""
    rows = [(40, 30, "LITTLE CRAVINGS SDN BHD"), (40, 60, "CHEE CHEONG FUN"),
            (300, 60, "RM7.20"), (40, 80, "SUBTOTAL"), (300, 80, "RM53.60"),
            (40, 100, "CASH"), (300, 100, "RM100.00"), (40, 120, "CHANGE"),
            (300, 120, "RM46.40")]
    assert _amount_features(rows, "53.60")["handed_over"] == 0.0


def test_a_total_chosen_that_is_money_handed_over_moves_to_the_sale() -> None:
    rows = [(40, 30, "SANJUNG REALITI SDN. BHD."), (40, 60, "Pay parking ticket"),
            (300, 60, "1.50 RM"), (40, 80, "Total amount"), (300, 80, "1.50 RM"),
            (40, 100, "Accepted total"), (300, 100, "2.00 RM"), (40, 120, "Change"),
            (300, 120, "0.50 RM")]
    assert _amount_features(rows, "2.00")["handed_over"] == 1.0
    assert _reading(rows)["total_amount"][0] == "1.50"


def test_a_legal_form_or_a_new_word_ocr_set_close_is_not_glued_on() -> None:
    """"AEON CO." and "TF Value-Mart" stay apart however narrow OCR's gap; "Jessie M Horne"
    keeps its initial apart; "GA RDENIA" is still one word."""
    words = [*_ocr_line(30, [(40, "AEON"), (82, "CO."), (120, "(M)"), (160, "BHD")]),
             *_ocr_line(60, [(40, "TF"), (62, "Value-Mart"), (170, "Sdn"), (205, "Bhd")]),
             *_ocr_line(90, [(40, "Jessie"), (102, "M"), (114, "Horne")]),
             *_ocr_line(120, _SPLIT)]
    names = _names_of(words)
    assert {"AEON CO. (M) BHD", "TF Value-Mart Sdn Bhd", "Jessie M Horne",
            "GARDENIA BAKERIES SDN BHD"} <= names
    assert not any(name.startswith(("AEONCO", "TFValue", "JessieM")) for name in names)


def test_a_trade_word_ocr_split_at_any_gap_is_put_back_together() -> None:
    """"HOL DINGS", "ENTERPR ISE", "BAKERI ES": one short piece, the two spelling a trade
    word; "BOOK STORE" (STORE is one) and "SUPER MARKET" (no short piece) stay two words."""
    words = [*_ocr_line(30, [(40, "SINNATHAMBY"), (160, "HOL"), (200, "DINGS"), (260, "SDN.")]),
             *_ocr_line(60, [(40, "SWC"), (80, "ENTERPR"), (160, "ISE"), (200, "SDN"),
                             (240, "BHD")]),
             *_ocr_line(90, [(40, "Becon"), (100, "Enterpri"), (190, "se"), (220, "Sdn"),
                             (255, "Bhd")]),
             *_ocr_line(120, [(40, "CITY"), (90, "BOOK"), (140, "STORE")]),
             *_ocr_line(150, [(40, "SUPER"), (100, "MARKET"), (170, "JAYA")])]
    names = _names_of(words)
    assert {"SINNATHAMBY HOLDINGS SDN.", "SWC ENTERPRISE SDN BHD", "Becon Enterprise Sdn Bhd",
            "CITY BOOK STORE", "SUPER MARKET JAYA"} <= names


def test_the_text_layers_words_are_never_rejoined_into_trade_words() -> None:
    words = _ocr_line(30, [(40, "HOL"), (90, "DINGS"), (150, "LTD")], confidence=1.0)
    assert "HOL DINGS LTD" in _names_of(words)


@pytest.mark.parametrize(("printed", "name"), [
    ("GARDENIA BAKERIES(KL)SDNBHD(139386X)", "GARDENIA BAKERIES(KL)SDN BHD"),
    ("MOONLIGHT CAKE HOUSE SDN BHD BOZTZ5-U", "MOONLIGHT CAKE HOUSE SDN BHD"),
    ("SASKIA SDN BHD", "SASKIA SDN BHD"),  # "SAS" leads no legal form here
    ("SARLAT BHD", "SARLAT BHD"),
    ("KING'S CONFECTIONERY S/B 273500-U", "KING'S CONFECTIONERY S/B"),
    ("ACME SDN BHD MAJU-A", "ACME SDN BHD MAJU-A"),  # no digit: a word of the name
])
def test_legal_forms_ocr_glued_and_a_misread_registration_are_put_right(printed: str,
                                                                        name: str) -> None:
    assert name in _values([(40, 30, printed)], "name")


@pytest.mark.parametrize("title", ["SIMPLIFIEDTAX INVOICE", "SIMPLIFIED TAX INVOICE",
                                   "Cash Sale", "OFFICIAL RECEIPT", "POSTED"])
def test_a_till_slips_title_or_stamp_is_no_name(title: str) -> None:
    names = _values([(40, 30, title), (40, 60, "SIN THYE & COMPANY")], "name")
    assert "SIN THYE & COMPANY" in names and normalise(title) not in {
        normalise(name) for name in names}


@pytest.mark.parametrize(("printed", "value"), [
    ("30 Dec 17 18:40:57", "2017-12-30"), ("30-Dec-17", "2017-12-30"),
    ("30 Dec 2017", "2017-12-30")])
def test_a_tills_month_name_with_a_two_digit_year_is_a_date(printed: str, value: str) -> None:
    assert value in _values([(40, 30, "KEDAI MAJU SDN BHD"), (40, 60, printed)], "date")


@pytest.mark.parametrize("printed", ["le 3 mars 12 articles", "12 March 15 items",
                                     "04-06-3 018 15:53", "Lot 12/03/2 0 1"])
def test_no_two_digit_year_nor_cut_year_is_guessed_where_none_is_printed(printed: str) -> None:
    assert not _values([(40, 30, "KEDAI MAJU SDN BHD"), (40, 60, printed)], "date")


def test_an_s_for_the_dollar_sign_is_read_where_the_page_prints_dollars() -> None:
    rows = [(40, 30, "UNIHAKKA SDN BHD"), (40, 60, "$5.50"), (200, 60, "$2.70"),
            (40, 80, "Total Amount: S8.20"), (40, 100, "CASH"), (200, 100, "$8.20")]
    total = next(c for c in all_candidates(build_layout([page_of(rows)]))["amount"]
                 if c.value == "8.20" and c.segment.line == 2)
    assert total.labelled("total_amount") and total.features["currency_mark"] == 1.0
    # Without a "$" on the page, "S8.20" is a code (a size, a shelf), no amount.
    plain = [(40, 30, "UNIHAKKA SDN BHD"), (40, 80, "Shelf S8.20"), (40, 100, "TOTAL 5.00")]
    assert "8.20" not in _values(plain, "amount")


def test_a_legal_form_glued_to_the_only_word_is_no_legal_form() -> None:
    """"KG.BATU" is a village (Kampung Batu), no limited partnership; "ACME KG" is one."""
    found = all_candidates(build_layout([page_of([(40, 30, "KG.BATU,"), (40, 60, "ACME KG"),
                                                  (40, 90, "Muster-GmbH")])]))["name"]
    forms = {c.value: c.features["has_form"] for c in found}
    assert forms["KG.BATU"] == 0.0
    assert forms["ACME KG"] == 1.0 and forms["Muster-GmbH"] == 1.0


def test_a_trade_words_piece_before_a_bracket_still_joins() -> None:
    words = _ocr_line(30, [(40, "GARDENIA"), (130, "BAKERI"), (200, "ES(KL)"), (270, "SDN"),
                           (310, "BHD")])
    assert "GARDENIA BAKERIES(KL) SDN BHD" in _names_of(words)


@pytest.mark.parametrize(("printed", "name"), [
    ("YONG CEN ENTERPRISE POSTED", "YONG CEN ENTERPRISE"), ("ACME SHOP PAID", "ACME SHOP"),
    ("PRE PAID", "PRE PAID"), ("Bill Paid Ltd", "Bill Paid Ltd")])
def test_a_stamp_read_on_the_letterheads_line_is_no_part_of_the_name(printed: str,
                                                                     name: str) -> None:
    assert name in _values([(40, 30, printed)], "name")


def test_a_sum_of_tax_summary_lines_is_never_the_largest_amount() -> None:
    """"Total 6% supplies (excl. GST) 13.68" and "(Inc. GST) 14.50" summed make 28.18, past
    the 27.10 payable: printed nowhere, it is no page's largest amount."""
    rows = [(40, 30, "GARDENIA BAKERIES (KL) SDN BHD"), (40, 60, "Total 0% supplies:"),
            (300, 60, "12.60"), (40, 80, "Total 6% supplies (excl. GST):"), (300, 80, "13.68"),
            (40, 100, "GST:"), (300, 100, "0.82"), (40, 120, "Total 6% supplies (Inc. GST):"),
            (300, 120, "14.50"), (40, 140, "Total Payable:"), (300, 140, "27.10")]
    amounts = all_candidates(build_layout([page_of(rows)]))["amount"]
    largest = {c.value for c in amounts if c.features["is_max"]}
    assert largest == {"27.10"}
    assert _amount_features(rows, "27.10")["is_max_sale"] == 1.0


def test_specks_in_lower_case_on_a_top_line_are_no_letterhead_printed_wide() -> None:
    specks = _ocr_line(30, [(40, "ele"), (300, "R")])
    shop = _ocr_line(90, [(40, "KEDAI"), (100, "PAPAN"), (160, "YEW"), (200, "CHUAN")])
    names = _names_of(specks + shop)
    assert "KEDAI PAPAN YEW CHUAN" in names and "ele R" not in names



@pytest.mark.parametrize(("rows", "expected"), [
    # A diner's slip from Texas: "$" printed apart from its amounts, the state and ZIP code.
    ([(40, 20, "Logans 354"), (40, 32, "2513 S. Stemmons Freeway"), (40, 44, "Lewisville TX"),
      (40, 56, "75067"), (40, 80, "SUB TOTAL $"), (200, 80, "43.82")], "USD"),
    # A London pub: its postcode and "20% VAT".
    ([(40, 20, "Clachan"), (40, 32, "34 Kingley Street"), (40, 44, "W1B 5QH"),
      (40, 80, "20% VAT"), (200, 80, "1.70"), (40, 92, "Total"), (200, 92, "10.20")], "GBP"),
    # A French filling station: "TVA" and a French postcode and town.
    ([(40, 20, "STATION BP"), (40, 32, "92310 SEVRES"), (40, 80, "ARTICLE"), (120, 80, "TVA"),
      (40, 92, "TOT TTC"), (200, 92, "21.74")], "EUR"),
    # A Mexican till: "IVA" and a five-digit postcode, but a "$" apart: pesos, not said.
    ([(40, 20, "OXXO"), (40, 32, "06600 Ciudad de Mexico"), (40, 80, "IVA"), (200, 80, "3.20"),
      (40, 92, "TOTAL $"), (200, 92, "23.20")], None),
    # Nouméa prints "TVA" too, in francs CFP.
    ([(40, 20, "BOULANGERIE"), (40, 32, "98800 Nouméa"), (40, 80, "TVA"), (200, 80, "30"),
      (40, 92, "TOTAL"), (200, 92, "580")], None),
    # A Malaysian slip: a five-digit postcode, GST and no mark: nothing said.
    ([(40, 20, "KEDAI RUNCIT"), (40, 32, "47301 Petaling Jaya"), (40, 80, "GST 6%"),
      (200, 80, "0.60"), (40, 92, "TOTAL"), (200, 92, "10.60")], None),
])
def test_a_page_that_marks_no_amount_may_say_its_currency_by_its_country(
        rows: list[tuple[float, float, str]], expected: str | None) -> None:
    value, confidence = _reading(rows)["currency"]
    assert value == expected
    if expected is not None:
        assert confidence < 0.55  # a hint for the reviewer, never more


def test_a_marked_amount_says_the_currency_whatever_the_address() -> None:
    value, _ = _reading([(40, 20, "Hotel du Lac"), (40, 32, "74000 Annecy"),
                         (40, 80, "TVA 10%"), (200, 80, "9,10"),
                         (40, 92, "TOTAL"), (200, 92, "100,10 CHF")])["currency"]
    assert value == "CHF"


def test_a_british_tills_vat_net_is_the_net_not_a_tax() -> None:
    """"20% VAT Net 8.50 / 20% VAT 1.70 / 20% VAT Total 10.20" (a London pub's slip): the
    net was read as a tax, so no net + tax = total held, and the total was taken as net."""
    reading = _reading([(40, 20, "Clachan"), (40, 32, "34 Kingley Street"),
                        (40, 80, "20% VAT Net"), (200, 80, "8.50"),
                        (40, 92, "20% VAT"), (200, 92, "1.70"),
                        (40, 104, "20% VAT Total"), (200, 104, "10.20"),
                        (40, 116, "Total"), (200, 116, "10.20")])
    assert (reading["net_amount"][0], reading["tax_amount"][0],
            reading["total_amount"][0]) == ("8.50", "1.70", "10.20")


def test_a_figure_glued_to_the_rands_r_is_an_amount_in_rand() -> None:
    """A Pretoria restaurant's slip: "Subtotal R1249950.00", "Total Due R1374945.00"; the
    total was missing from the candidates and the currency unread."""
    rows = [(40, 20, "012 Lifestyle Brooklyn"), (40, 40, "VAT:4820237339"),
            (40, 60, "1 Mix Masala Yummy"), (200, 60, "650.00"),
            (40, 80, "Subtotal"), (200, 80, "R650.00"),
            (40, 100, "Total Due R715.00"), (40, 120, "10% SERVICE CHARGE R65.00")]
    assert {"650.00", "715.00", "65.00"} <= _values(rows, "amount")
    assert _reading(rows)["currency"][0] == "ZAR"
    assert find_amounts("R$ 10,00")[0].currency == "BRL"
    # Not a reference, a room or a figure with no cents.
    assert not find_amounts("Ref R12") and not find_amounts("Room R101")


def test_a_ringgit_whose_m_ocr_lost_is_no_rand() -> None:
    """"CASH R 100.10" on a Malaysian slip that marks its other amounts "RM": the "R" is
    what OCR left of "RM", and the page's currency stays the ringgit, never the rand."""
    rows = [(40, 20, "MR. D.I.Y. (M) SDN BHD"), (40, 40, "TOTAL"), (200, 40, "RM68.10"),
            (40, 60, "CASH"), (200, 60, "R 100.10"), (40, 80, "CHANGE"), (200, 80, "RM32.00")]
    currency, confidence = _reading(rows)["currency"]
    assert currency == "MYR"
    rows = [(40, 20, "SHOP"), (40, 40, "TOTAL"), (200, 40, "R 68.10")]
    currency, confidence = _reading(rows)["currency"]
    assert currency == "ZAR" and confidence < SURE  # the rand's sign, or a ringgit's half
