"""The corpus's page layouts: each turns a `DocumentSpec` into PDF bytes its own way.

Most invoice layouts are one skeleton (`draw_standard`) with different block placements;
the German DIN letter, the utility bill, the sidebar invoice, the till receipt, the
payment confirmation, the letter and the delivery note have their own drawing. A layout
also says what kind of document it makes and which specs suit it (`Profile`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from liasse.samples import formats
from liasse.samples.render import (
    Sheet,
    bank_lines,
    draw_meta_inline,
    draw_meta_stacked,
    draw_notes,
    draw_table,
    draw_totals,
    draw_vat_recap,
    identifier_lines,
    legal_footer,
    meta_pairs,
    party_lines,
    wrap,
)
from liasse.samples.spec import CorpusDocumentType, DocumentSpec, Language

RECEIPT_PAGE = (226.0, 560.0)  # an 80 mm till roll


@dataclass(frozen=True)
class Profile:
    """What specs a layout draws: supplier kind, languages, lines, VAT rates, options."""

    languages: tuple[Language, ...] = ("fr",)
    supplier: str = "fr"  # fr, fr_small, de, gb, us
    line_count: tuple[int, int] = (1, 6)
    price_cents: tuple[int, int] = (150, 180_000)
    rates: tuple[Decimal, ...] = (Decimal(20),)
    currencies: tuple[str, ...] = ("EUR",)
    line_discounts: bool = False
    global_discount: bool = False
    negative: bool = False
    exemption: str | None = None


@dataclass(frozen=True)
class StandardOptions:
    """Block placement for the common invoice skeleton."""

    supplier_right: bool = False
    meta_stacked: bool = False
    banner: tuple[float, float, float] | None = None
    ids_in_header: bool = False
    boxed_totals: bool = False
    vat_recap: bool = False
    shaded_table: bool = False
    with_rate: bool = True
    with_discount: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    document_type: CorpusDocumentType
    draw: Callable[[DocumentSpec], bytes]
    profile: Profile = field(default_factory=Profile)
    held_out: bool = False


def title_for(spec: DocumentSpec) -> str:
    key = "credit_title" if spec.document_type == "credit_note" else "invoice_title"
    return formats.label(spec.style, key)


def draw_supplier_header(sheet: Sheet, spec: DocumentSpec, x: float, y: float,
                         options: StandardOptions) -> float:
    style = spec.style
    sheet.text(x, y, spec.supplier.name, size=14, bold=True)
    rows = party_lines(spec.supplier, with_contact=True)[1:]
    if options.ids_in_header:
        rows += identifier_lines(spec.supplier, style) + bank_lines(spec.supplier, style)
    return sheet.lines(x, y + 16, rows, size=8, leading=10)


def draw_customer(sheet: Sheet, spec: DocumentSpec, x: float, y: float) -> float:
    sheet.text(x, y, formats.label(spec.style, "customer"), size=7.5)
    return sheet.lines(x, y + 13, party_lines(spec.customer), size=9.5, leading=12,
                       bold_first=True)


def paginate(count: int, first: int, others: int, last_reserve: int) -> list[range]:
    """Split line indexes into pages, leaving room for the totals on the last page."""
    pages: list[range] = []
    start, capacity = 0, first
    while count - start > capacity - last_reserve:
        take = min(capacity, count - start)
        if take == count - start:  # everything fits but the totals would not: move one line on
            take -= 1
        pages.append(range(start, start + take))
        start, capacity = start + take, others
    pages.append(range(start, count))
    return pages


def draw_standard(spec: DocumentSpec, options: StandardOptions) -> bytes:
    sheet = Sheet(spec.style)
    top = 50.0
    if options.banner:
        sheet.box(0, 0, sheet.width, 34, fill=options.banner)
        sheet.text(40, 23, title_for(spec), size=16, bold=True)
        top = 62
    left, right = (320.0, 40.0) if options.supplier_right else (40.0, 320.0)
    header_bottom = draw_supplier_header(sheet, spec, left, top, options)
    if not options.banner:
        sheet.text(right, top, title_for(spec), size=20, bold=True)
    if options.meta_stacked:
        customer_bottom = draw_customer(sheet, spec, right, top + 30)
        meta_bottom = draw_meta_stacked(sheet, 40, max(header_bottom, customer_bottom) + 20,
                                        meta_pairs(spec))
    else:
        meta_bottom = draw_meta_inline(sheet, right, top + 28, meta_pairs(spec))
        meta_bottom = draw_customer(sheet, spec, right, meta_bottom + 12)
    y = max(header_bottom, meta_bottom) + 30
    pages = paginate(len(spec.lines), int((700 - y) // 14), 42, 12)
    for number, line_range in enumerate(pages, start=1):
        if number > 1:
            sheet.new_page()
            sheet.text(40, 40, f"{title_for(spec)} {spec.number}", size=9, bold=True)
            y = 80
        y = draw_table(sheet, spec, y, line_range, with_rate=options.with_rate,
                       with_discount=options.with_discount, shaded=options.shaded_table)
        if len(pages) > 1:
            sheet.text(sheet.width - 40, 40, f"{formats.label(spec.style, 'page')} "
                       f"{number}/{len(pages)}", size=8, align="right")
        if not options.ids_in_header:
            legal_footer(sheet, spec)
    draw_closing(sheet, spec, y, options)
    return sheet.finish()


def draw_closing(sheet: Sheet, spec: DocumentSpec, y: float, options: StandardOptions) -> None:
    """VAT recap, totals and notes after the last table row."""
    recap_bottom = draw_vat_recap(sheet, spec, y + 4) if options.vat_recap else y
    totals_bottom = draw_totals(sheet, spec, y + 4, boxed=options.boxed_totals,
                                per_rate=not options.vat_recap)
    draw_notes(sheet, spec, max(recap_bottom, totals_bottom) + 10)


def standard(options: StandardOptions) -> Callable[[DocumentSpec], bytes]:
    return lambda spec: draw_standard(spec, options)


def draw_din(spec: DocumentSpec) -> bytes:
    """A German DIN 5008 business letter invoice: sender line over the address window."""
    sheet = Sheet(spec.style)
    supplier = spec.supplier
    sheet.text(555, 50, supplier.name, size=16, bold=True, align="right")
    sheet.lines(555, 68, list(supplier.address), size=8, leading=10, align="right")
    sheet.text(57, 128, " · ".join([supplier.name, *supplier.address]), size=6.5)
    sheet.lines(57, 145, party_lines(spec.customer), size=10, leading=13)
    draw_meta_inline(sheet, 360, 145, meta_pairs(spec), label_width=95, size=8.5)
    sheet.text(57, 270, f"{title_for(spec)} {spec.number}", size=13, bold=True)
    y = draw_table(sheet, spec, 300, range(len(spec.lines)), x0=57)
    totals_bottom = draw_totals(sheet, spec, y + 4, per_rate=True)
    draw_notes(sheet, spec, totals_bottom + 10, x=57)
    columns = (
        [supplier.name, *supplier.address, *(v for v in (supplier.phone, supplier.email) if v)],
        [formats.label(spec.style, "bank"), *bank_lines(supplier, spec.style)],
        [*identifier_lines(supplier, spec.style), *(v for v in (supplier.website,) if v)],
    )
    sheet.rule(57, 760, 555)
    for index, column in enumerate(columns):
        sheet.lines(57 + index * 170, 772, column, size=6.5, leading=8.5)
    return sheet.finish()


def draw_utility(spec: DocumentSpec) -> bytes:
    """A telecom/energy bill: an amount-to-pay summary box first, the detail below."""
    sheet = Sheet(spec.style)
    style = spec.style
    sheet.text(40, 55, spec.supplier.name, size=18, bold=True)
    sheet.lines(40, 72, party_lines(spec.supplier, with_contact=True)[1:], size=8, leading=10)
    sheet.lines(330, 120, party_lines(spec.customer), size=10, leading=13, bold_first=True)
    sheet.box(40, 190, 515, 52, fill=(0.93, 0.95, 0.98))
    sheet.text(52, 208, formats.label(style, "total"), size=10)
    total = formats.format_money(spec.signed(spec.total_amount), spec.currency, style)
    sheet.text(545, 212, total, size=16, bold=True, align="right")
    if spec.due_date is not None and spec.due_date_printed:
        sheet.text(52, 230, f"{formats.label(style, 'due_date')} "
                   f"{formats.format_date(spec.due_date, style)}", size=9)
    y = draw_meta_inline(sheet, 40, 270, meta_pairs(spec), label_width=150)
    y = draw_table(sheet, spec, y + 20, range(len(spec.lines)), with_rate=False)
    totals_bottom = draw_totals(sheet, spec, y + 4, boxed=True)
    draw_notes(sheet, spec, totals_bottom + 10)
    legal_footer(sheet, spec, centered=False)
    return sheet.finish()


def draw_sidebar(spec: DocumentSpec) -> bytes:
    """Supplier identity and legal mentions in a grey left column, the invoice on the right."""
    sheet = Sheet(spec.style)
    style = spec.style
    sheet.box(0, 0, 185, sheet.height, fill=(0.92, 0.92, 0.92))
    sheet.text(20, 60, spec.supplier.name, size=11, bold=True)
    rows = [*party_lines(spec.supplier, with_contact=True)[1:], "",
            *identifier_lines(spec.supplier, style), "", *bank_lines(spec.supplier, style)]
    sheet.lines(20, 78, [part for row in rows for part in (wrap(row, 44) or [""])], size=6.3,
                leading=9)
    sheet.text(205, 60, title_for(spec), size=22, bold=True)
    y = draw_meta_inline(sheet, 205, 95, meta_pairs(spec), label_width=120)
    y = draw_customer(sheet, spec, 205, y + 15)
    y = draw_table(sheet, spec, y + 30, range(len(spec.lines)), x0=205, with_rate=False)
    totals_bottom = draw_totals(sheet, spec, y + 4, x=340)
    draw_notes(sheet, spec, totals_bottom + 10, x=205)
    return sheet.finish()


def draw_receipt(spec: DocumentSpec) -> bytes:
    """A till receipt: narrow, monospaced, VAT included in the prices."""
    sheet = Sheet(spec.style, RECEIPT_PAGE)
    style = spec.style
    middle = RECEIPT_PAGE[0] / 2
    supplier = spec.supplier
    y = sheet.lines(middle, 30, [supplier.name, *supplier.address], size=8, leading=10,
                    bold_first=True, align="center")
    y = sheet.lines(middle, y + 2, identifier_lines(supplier, style), size=6.5, leading=8.5,
                    align="center")
    sheet.text(12, y + 14, f"{formats.format_date(spec.issue_date, style)}  "
               f"{(spec.issue_date.day * 7) % 24:02d}:{spec.issue_date.month * 4:02d}", size=7.5)
    sheet.text(RECEIPT_PAGE[0] - 12, y + 14, f"Ticket {spec.number}", size=7.5, align="right")
    y += 34
    for line in spec.lines:
        gross = line.net + line.net * line.vat_rate / Decimal(100)
        sheet.text(12, y, f"{formats.format_quantity(line.quantity, style)} x "
                   f"{line.description[:22]}", size=7.5)
        sheet.text(RECEIPT_PAGE[0] - 12, y, formats.format_number(
            gross.quantize(Decimal("0.01")), style.number_style), size=7.5, align="right")
        y += 11
    sheet.rule(12, y - 4, RECEIPT_PAGE[0] - 12)
    rows = [(formats.label(style, "total"), spec.total_amount, True),
            (formats.label(style, "net"), spec.net_amount, False),
            (f"{formats.label(style, 'tax')} {formats.format_rate(spec.lines[0].vat_rate, style)}",
             spec.tax_amount, False)]
    for name, value, bold in rows:
        y += 12
        sheet.text(12, y, name, size=8.5 if bold else 7.5, bold=bold)
        sheet.text(RECEIPT_PAGE[0] - 12, y, formats.format_money(value, spec.currency, style),
                   size=8.5 if bold else 7.5, bold=bold, align="right")
    if spec.issue_date.day % 2:
        y = draw_cash_payment(sheet, spec, y)
        farewell = RECEIPT_WORDS[style.language].split(" - ", 1)[-1]
    else:
        farewell = RECEIPT_WORDS[style.language]
    sheet.text(middle, y + 30, farewell, size=7.5, align="center")
    return sheet.finish()


def draw_cash_payment(sheet: Sheet, spec: DocumentSpec, y: float) -> float:
    """Cash handed over and change given back: amounts beside the total that are not it."""
    style = spec.style
    note = next(note for note in (5, 10, 20, 50, 100, 200, 500, 10**6)
                if note > spec.total_amount)
    tendered = Decimal(note)
    given, back = CASH_WORDS[style.language]
    for name, value in ((given, tendered), (back, tendered - spec.total_amount)):
        y += 12
        sheet.text(12, y, name, size=7.5)
        sheet.text(RECEIPT_PAGE[0] - 12, y, formats.format_money(value, spec.currency, style),
                   size=7.5, align="right")
    return y


RECEIPT_WORDS: dict[Language, str] = {"fr": "CB SANS CONTACT - Merci de votre visite",
                                      "en": "CARD PAYMENT - Thank you", "de": "EC-Karte - Danke"}
CASH_WORDS: dict[Language, tuple[str, str]] = {"fr": ("Espèces", "Rendu"),
                                                "en": ("Cash", "Change"),
                                                "de": ("Bar", "Rückgeld")}
CONFIRMATION_WORDS: dict[Language, tuple[str, str]] = {
    "fr": ("Confirmation de paiement",
           "Nous confirmons la bonne réception de votre virement de {amount} reçu le {date} "
           "en règlement de la facture {number}."),
    "en": ("Payment confirmation",
           "We confirm receipt of your bank transfer of {amount} on {date} in settlement of "
           "invoice {number}."),
    "de": ("Zahlungsbestätigung",
           "Wir bestätigen den Eingang Ihrer Überweisung über {amount} am {date} für die "
           "Rechnung {number}."),
}
LETTER_WORDS: dict[Language, tuple[str, ...]] = {
    "fr": ("Objet : évolution de nos conditions générales",
           "Madame, Monsieur,",
           "Nous vous informons qu'à compter du mois prochain nos horaires d'ouverture et nos "
           "conditions générales de vente évoluent. Le détail est disponible sur demande auprès "
           "de notre service client. Aucune action n'est requise de votre part.",
           "Veuillez agréer nos salutations distinguées.", "La direction"),
    "en": ("Subject: changes to our terms of service",
           "Dear customer,",
           "We are writing to let you know that our opening hours and terms of service change "
           "from next month. Details are available from our customer service team. No action "
           "is needed on your side.", "Kind regards,", "The management"),
    "de": ("Betreff: Änderung unserer Geschäftsbedingungen",
           "Sehr geehrte Damen und Herren,",
           "hiermit informieren wir Sie, dass sich ab dem kommenden Monat unsere Öffnungszeiten "
           "und Geschäftsbedingungen ändern. Einzelheiten erhalten Sie bei unserem Kundendienst. "
           "Sie müssen nichts weiter tun.", "Mit freundlichen Grüßen", "Die Geschäftsführung"),
}
DELIVERY_WORDS: dict[Language, tuple[str, str, str, str]] = {
    "fr": ("BON DE LIVRAISON", "N° de bon", "Livré le", "Signature du client"),
    "en": ("DELIVERY NOTE", "Delivery no.", "Delivered on", "Received by"),
    "de": ("LIEFERSCHEIN", "Lieferschein Nr.", "Lieferdatum", "Empfangen von"),
}


def draw_payment_confirmation(spec: DocumentSpec) -> bytes:
    """A supplier's acknowledgement that a transfer paid one of its invoices."""
    sheet = Sheet(spec.style)
    style = spec.style
    draw_supplier_header(sheet, spec, 40, 50, StandardOptions())
    sheet.lines(330, 130, party_lines(spec.customer), size=10, leading=13, bold_first=True)
    title, body = CONFIRMATION_WORDS[style.language]
    sheet.text(40, 230, title, size=16, bold=True)
    amount = formats.format_money(spec.total_amount, spec.currency, style)
    text = body.format(amount=amount, date=formats.format_date(spec.issue_date, style),
                       number=spec.related_number or "")
    y = sheet.lines(40, 265, wrap(text, 95), size=10, leading=14)
    pairs = [(formats.label(style, "amount_paid"), amount)]
    if spec.payment_reference:
        pairs.append((formats.label(style, "payment_reference"), spec.payment_reference))
    draw_meta_inline(sheet, 40, y + 20, pairs, label_width=150)
    legal_footer(sheet, spec)
    return sheet.finish()


def draw_letter(spec: DocumentSpec) -> bytes:
    """A plain business letter: a supplier's header and legal footer, no amounts."""
    sheet = Sheet(spec.style)
    draw_supplier_header(sheet, spec, 40, 50, StandardOptions())
    sheet.lines(330, 140, party_lines(spec.customer), size=10, leading=13, bold_first=True)
    sheet.text(330, 210, formats.format_date(spec.issue_date, spec.style), size=10)
    subject, greeting, body, closing, signature = LETTER_WORDS[spec.style.language]
    sheet.text(40, 260, subject, size=10.5, bold=True)
    y = sheet.lines(40, 295, [greeting, "", *wrap(body, 95), "", closing], size=10, leading=14)
    sheet.text(330, y + 30, signature, size=10)
    legal_footer(sheet, spec)
    return sheet.finish()


def draw_delivery_note(spec: DocumentSpec) -> bytes:
    """A delivery note: items and quantities, no prices."""
    sheet = Sheet(spec.style)
    draw_supplier_header(sheet, spec, 40, 50, StandardOptions())
    title, number_label, date_label, signature = DELIVERY_WORDS[spec.style.language]
    sheet.text(320, 50, title, size=18, bold=True)
    draw_meta_inline(sheet, 320, 80, [(number_label, spec.number),
                                      (date_label, formats.format_date(spec.issue_date,
                                                                       spec.style))])
    draw_customer(sheet, spec, 320, 130)
    y = 240.0
    sheet.text(40, y, formats.label(spec.style, "description"), size=8.5, bold=True)
    sheet.text(555, y, formats.label(spec.style, "quantity"), size=8.5, bold=True, align="right")
    sheet.rule(40, y + 5, 555)
    for line in spec.lines:
        y += 15
        sheet.text(40, y, line.description, size=9)
        sheet.text(555, y, formats.format_quantity(line.quantity, spec.style), size=9,
                   align="right")
    sheet.text(330, y + 60, signature, size=9)
    sheet.box(330, y + 68, 225, 60)
    legal_footer(sheet, spec)
    return sheet.finish()


RATES_MIXED = (Decimal(20), Decimal(10), Decimal("5.5"))
BLUE, GREEN, SAND = (0.8, 0.87, 0.95), (0.82, 0.92, 0.85), (0.95, 0.9, 0.8)

LAYOUTS: tuple[Layout, ...] = (
    Layout("fr_classic_left", "invoice", standard(StandardOptions(boxed_totals=True))),
    Layout("fr_classic_right", "invoice", standard(StandardOptions(supplier_right=True)),
           Profile(line_count=(1, 4))),
    Layout("fr_banner", "invoice",
           standard(StandardOptions(banner=BLUE, meta_stacked=True, ids_in_header=True,
                                    boxed_totals=True, shaded_table=True))),
    Layout("fr_multi_vat", "invoice", standard(StandardOptions(vat_recap=True)),
           Profile(line_count=(3, 8), rates=RATES_MIXED)),
    Layout("fr_discount", "invoice",
           standard(StandardOptions(with_discount=True, boxed_totals=True)),
           Profile(line_count=(2, 6), line_discounts=True, global_discount=True)),
    Layout("fr_multipage", "invoice", standard(StandardOptions(shaded_table=True)),
           Profile(line_count=(40, 95))),
    Layout("fr_credit_note", "credit_note", standard(StandardOptions(boxed_totals=True)),
           Profile(line_count=(1, 3), negative=True)),
    Layout("fr_freelance", "invoice",
           standard(StandardOptions(meta_stacked=True, ids_in_header=True, with_rate=False)),
           Profile(supplier="fr_small", line_count=(1, 3), rates=(Decimal(0),),
                   exemption="franchise")),
    Layout("fr_utility", "invoice", draw_utility, Profile(line_count=(2, 5)), held_out=True),
    Layout("en_simple", "invoice", standard(StandardOptions(meta_stacked=True)),
           Profile(languages=("en",), supplier="gb", currencies=("GBP", "EUR", "CHF"))),
    Layout("en_us_usd", "invoice",
           standard(StandardOptions(supplier_right=True, banner=GREEN, with_rate=False)),
           Profile(languages=("en",), supplier="us", currencies=("USD",), rates=(Decimal(0),),
                   exemption="reverse_charge")),
    Layout("en_uk_vat", "invoice", draw_sidebar,
           Profile(languages=("en",), supplier="gb", currencies=("GBP",)), held_out=True),
    Layout("de_din", "invoice", draw_din,
           Profile(languages=("de",), supplier="de", rates=(Decimal(19), Decimal(7)))),
    Layout("de_gutschrift", "credit_note", standard(StandardOptions(supplier_right=True)),
           Profile(languages=("de",), supplier="de", rates=(Decimal(19),), line_count=(1, 3))),
    Layout("de_modern", "invoice",
           standard(StandardOptions(banner=SAND, ids_in_header=True, boxed_totals=True,
                                    supplier_right=True)),
           Profile(languages=("de",), supplier="de", rates=(Decimal(19),)), held_out=True),
    Layout("fr_sidebar", "invoice", draw_sidebar,
           Profile(line_count=(1, 5), rates=(Decimal(20), Decimal(10))), held_out=True),
    Layout("receipt_ticket", "receipt", draw_receipt,
           Profile(supplier="fr_small", line_count=(1, 6), rates=(Decimal(10),),
                   price_cents=(150, 4_000))),
    Layout("payment_confirmation", "payment_confirmation", draw_payment_confirmation,
           Profile(languages=("fr", "en"))),
    Layout("letter", "other", draw_letter, Profile(languages=("fr", "en", "de"))),
    Layout("delivery_note", "other", draw_delivery_note, Profile(languages=("fr", "de"))),
)
