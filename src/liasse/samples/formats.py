"""Every string a generated document prints: labels in three languages, numbers, dates, ids.

Label synonyms are the variety the extraction engine must cope with; keeping them in one
place lets the corpus grow a new synonym without touching a layout.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from liasse.samples.spec import Language, Style

MONTHS: dict[Language, tuple[str, ...]] = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}

# Thousands separator, decimal separator.
NUMBER_STYLES: dict[str, tuple[str, str]] = {
    "fr_space": (" ", ","),
    "fr_nbsp": ("\u00a0", ","),
    "fr_plain": ("", ","),
    "de_dot": (".", ","),
    "en_comma": (",", "."),
    "plain_dot": ("", "."),
}
NUMBER_STYLES_BY_LANGUAGE: dict[Language, tuple[str, ...]] = {
    "fr": ("fr_space", "fr_nbsp", "fr_plain", "de_dot"),
    "en": ("en_comma", "plain_dot"),
    "de": ("de_dot", "fr_plain"),
}

DATE_STYLES: tuple[str, ...] = ("slash", "dot", "long", "iso", "us_long")
DATE_STYLES_BY_LANGUAGE: dict[Language, tuple[str, ...]] = {
    "fr": ("slash", "long", "dot"),
    "en": ("long", "us_long", "iso", "slash"),
    "de": ("dot", "long"),
}

CURRENCY_STYLES: tuple[str, ...] = ("symbol_after", "code_after", "symbol_before", "code_before")
CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}

LABELS: dict[str, dict[Language, tuple[str, ...]]] = {
    "invoice_title": {"fr": ("FACTURE", "Facture"), "en": ("INVOICE", "Invoice", "Tax invoice"),
                      "de": ("RECHNUNG", "Rechnung")},
    "credit_title": {"fr": ("AVOIR", "Facture d'avoir"), "en": ("CREDIT NOTE", "Credit note"),
                     "de": ("GUTSCHRIFT", "Rechnungskorrektur")},
    "number": {"fr": ("Facture n°", "N° de facture", "Numéro de facture", "Réf. facture"),
               "en": ("Invoice no.", "Invoice number", "Invoice #", "Invoice No:"),
               "de": ("Rechnungsnr.", "Rechnungsnummer", "Rechnung Nr.")},
    "credit_number": {"fr": ("Avoir n°", "N° d'avoir"), "en": ("Credit note no.", "Credit note #"),
                      "de": ("Gutschrift Nr.", "Gutschriftsnummer")},
    "issue_date": {"fr": ("Date", "Date de facture", "Date d'émission", "Émise le"),
                   "en": ("Date", "Invoice date", "Issue date", "Date of issue"),
                   "de": ("Datum", "Rechnungsdatum", "Ausstellungsdatum")},
    "due_date": {"fr": ("Échéance", "Date d'échéance", "À régler avant le",
                        "Date limite de paiement"),
                 "en": ("Due date", "Payment due", "Due by"),
                 "de": ("Fällig am", "Zahlbar bis", "Fälligkeitsdatum")},
    "net": {"fr": ("Total HT", "Montant HT", "Sous-total HT", "Total hors taxes"),
            "en": ("Subtotal", "Net amount", "Total excl. VAT", "Subtotal (net)"),
            "de": ("Nettobetrag", "Zwischensumme", "Summe netto", "Gesamt netto")},
    "tax": {"fr": ("TVA", "Montant TVA", "Total TVA"),
            "en": ("VAT", "Tax", "VAT amount", "Total VAT"),
            "de": ("MwSt.", "USt.", "Umsatzsteuer", "zzgl. MwSt.")},
    "total": {"fr": ("Total TTC", "Net à payer", "Montant TTC", "Total à payer"),
              "en": ("Total", "Total due", "Amount due", "Total (incl. VAT)"),
              "de": ("Gesamtbetrag", "Rechnungsbetrag", "Summe brutto", "Endbetrag")},
    "amount_paid": {"fr": ("Montant reçu", "Montant réglé"),
                    "en": ("Amount paid", "Amount received"),
                    "de": ("Gezahlter Betrag", "Zahlungsbetrag")},
    "before_discount": {"fr": ("avant remise",), "en": ("before discount",),
                        "de": ("vor Rabatt",)},
    "discount": {"fr": ("Remise", "Remise commerciale"), "en": ("Discount",),
                 "de": ("Rabatt", "Nachlass")},
    "customer": {"fr": ("Facturé à", "Client", "Adressé à", "Destinataire"),
                 "en": ("Bill to", "Billed to", "Customer", "Invoice to"),
                 "de": ("Rechnungsempfänger", "Kunde", "An")},
    "payment_reference": {"fr": ("Référence de paiement", "Référence à rappeler", "Réf. virement"),
                          "en": ("Payment reference", "Reference", "Please quote"),
                          "de": ("Verwendungszweck", "Zahlungsreferenz")},
    "customer_vat": {"fr": ("N° TVA client", "TVA client"), "en": ("Customer VAT no.",),
                     "de": ("USt-IdNr. Kunde",)},
    "description": {"fr": ("Désignation", "Description", "Libellé"),
                    "en": ("Description", "Item", "Service"),
                    "de": ("Bezeichnung", "Beschreibung", "Leistung")},
    "quantity": {"fr": ("Qté", "Quantité"), "en": ("Qty", "Quantity"), "de": ("Menge", "Anz.")},
    "unit_price": {"fr": ("P.U. HT", "Prix unitaire"), "en": ("Unit price", "Rate"),
                   "de": ("Einzelpreis", "E-Preis")},
    "vat_rate": {"fr": ("TVA", "Taux"), "en": ("VAT", "VAT %"), "de": ("MwSt.", "USt.")},
    "line_total": {"fr": ("Montant HT", "Total HT"), "en": ("Amount", "Total"),
                   "de": ("Gesamt", "Betrag")},
    "vat_base": {"fr": ("Base HT",), "en": ("Net",), "de": ("Netto",)},
    "page": {"fr": ("Page",), "en": ("Page",), "de": ("Seite",)},
    "carried": {"fr": ("Report",), "en": ("Carried forward",), "de": ("Übertrag",)},
    "related": {"fr": ("Facture d'origine", "Réf. facture initiale"),
                "en": ("Original invoice",), "de": ("Bezug auf Rechnung",)},
    "bank": {"fr": ("Coordonnées bancaires", "Règlement par virement"),
             "en": ("Bank details", "Payment by bank transfer"),
             "de": ("Bankverbindung",)},
}

TERMS: dict[str, dict[Language, str]] = {
    "net30": {"fr": "Paiement à 30 jours", "en": "Payment terms: net 30",
              "de": "Zahlbar innerhalb von 30 Tagen netto"},
    "net45": {"fr": "Paiement à 45 jours", "en": "Payment terms: net 45",
              "de": "Zahlbar innerhalb von 45 Tagen netto"},
    "eom30": {"fr": "Paiement à 30 jours fin de mois", "en": "Payment: 30 days end of month",
              "de": "Zahlbar 30 Tage nach Monatsende"},
}

EXEMPTIONS: dict[str, dict[Language, str]] = {
    "franchise": {"fr": "TVA non applicable, art. 293 B du CGI",
                  "en": "VAT not applicable, art. 293 B CGI",
                  "de": "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet"},
    "reverse_charge": {"fr": "Autoliquidation - art. 283-2 du CGI",
                       "en": "Reverse charge: VAT to be accounted for by the recipient",
                       "de": "Steuerschuldnerschaft des Leistungsempfängers"},
}

LEGAL: dict[str, dict[Language, str]] = {
    "capital": {"fr": "au capital de {capital}", "en": "share capital {capital}",
                "de": "Stammkapital {capital}"},
    "rcs": {"fr": "RCS {city} {siren}", "en": "RCS {city} {siren}", "de": "RCS {city} {siren}"},
    "siren": {"fr": "SIREN {value}", "en": "SIREN {value}", "de": "SIREN {value}"},
    "siret": {"fr": "SIRET {value}", "en": "SIRET {value}", "de": "SIRET {value}"},
    "vat": {"fr": "TVA intracommunautaire {value}", "en": "VAT no. {value}",
            "de": "USt-IdNr. {value}"},
    "iban": {"fr": "IBAN {value}", "en": "IBAN {value}", "de": "IBAN {value}"},
    "bic": {"fr": "BIC {value}", "en": "BIC {value}", "de": "BIC {value}"},
    # The law's own date ("loi du 4 août 2008") sits in the boilerplate, never a due date.
    "penalties": {"fr": ("En cas de retard de paiement, pénalités au taux de 3 fois le taux "
                         "d'intérêt légal et indemnité forfaitaire de 40 € pour frais de "
                         "recouvrement (art. L441-10 du Code de commerce, loi n° 2008-776 "
                         "du 4 août 2008)."),
                  "en": "Late payments incur interest at the statutory rate.",
                  "de": "Bei Zahlungsverzug berechnen wir Verzugszinsen."},
    "thanks": {"fr": "Merci de votre confiance.", "en": "Thank you for your business.",
               "de": "Vielen Dank für Ihren Auftrag."},
}


def label(style: Style, key: str) -> str:
    """The synonym of a label this document uses (stable for one document)."""
    synonyms = LABELS[key][style.language]
    return synonyms[style.label_variant % len(synonyms)]


def legal(style: Style, key: str, **values: str) -> str:
    return LEGAL[key][style.language].format(**values)


def format_number(value: Decimal, number_style: str, decimals: int = 2) -> str:
    """Format with the style's separators: 1 234,56 / 1.234,56 / 1,234.56 / 1234.56."""
    thousands, decimal_mark = NUMBER_STYLES[number_style]
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.{decimals}f}"  # Decimal formats exactly: no float involved
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", thousands)
    return f"{sign}{whole}{decimal_mark}{fraction}" if decimals else f"{sign}{whole}"


def format_money(value: Decimal, currency: str, style: Style) -> str:
    amount = format_number(value, style.number_style)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if style.currency_style == "symbol_after":
        return f"{amount} {symbol}"
    if style.currency_style == "code_after":
        return f"{amount} {currency}"
    if style.currency_style == "symbol_before" and symbol != currency:
        return f"{symbol}{amount}"
    return f"{currency} {amount}"


def format_rate(rate: Decimal, style: Style) -> str:
    decimals = 0 if rate == rate.to_integral_value() else 1
    text = format_number(rate, style.number_style, decimals)
    return f"{text} %" if style.language == "fr" else f"{text}%"


def format_date(value: date, style: Style) -> str:
    months = MONTHS[style.language]
    if style.date_style == "slash":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if style.date_style == "dot":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    if style.date_style == "iso":
        return value.isoformat()
    if style.date_style == "us_long":
        return f"{months[value.month - 1]} {value.day}, {value.year}"
    day = f"{value.day}." if style.language == "de" else str(value.day)
    if style.language == "fr" and value.day == 1:
        day = "1er"
    return f"{day} {months[value.month - 1]} {value.year}"


def format_quantity(value: Decimal, style: Style) -> str:
    decimals = 0 if value == value.to_integral_value() else 2
    return format_number(value, style.number_style, decimals)


def format_siren(siren: str, style: Style) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}" if style.spaced_ids else siren


def format_siret(siret: str, style: Style) -> str:
    if not style.spaced_ids:
        return siret
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


def format_iban(iban: str, style: Style) -> str:
    del style  # an IBAN is printed in groups of four almost everywhere
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def format_vat(vat_id: str, style: Style) -> str:
    if style.spaced_ids and vat_id.startswith("FR"):
        return f"{vat_id[:2]} {vat_id[2:4]} {vat_id[4:7]} {vat_id[7:10]} {vat_id[10:]}"
    return vat_id
