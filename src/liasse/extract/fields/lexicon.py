"""The labels the engine looks for, in French, English, German, Dutch, Italian and Spanish.

Labels are written normalised (lower case, no accents, punctuation dropped: see
`geometry.normalise`). A *strong* label names one field unambiguously ("total ttc"); a *weak*
one often does but also appears elsewhere ("total", "date"). When two labels overlap in a
line the longer one wins, so "total tva" is a tax label and not a "total".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Strength = Literal["strong", "weak"]


@dataclass(frozen=True)
class Label:
    role: str  # a field name, or a block marker such as "customer_block"
    tokens: tuple[str, ...]
    strength: Strength


def _labels(role: str, strength: Strength, *phrases: str) -> list[Label]:
    return [Label(role, tuple(phrase.split()), strength) for phrase in phrases]


_TOTAL_STRONG = _labels(
    "total_amount", "strong",
    "total ttc", "montant ttc", "net a payer", "total a payer", "montant a payer", "reste a payer",
    "montant total ttc", "total toutes taxes comprises", "somme a payer", "total facture ttc",
    "amount due", "total due", "balance due", "grand total", "total amount due", "amount payable",
    "total incl vat", "total including vat", "invoice total", "total to pay", "total payable",
    "gesamtbetrag", "rechnungsbetrag", "bruttosumme", "gesamt eur", "zu zahlen", "zahlbetrag",
    "endbetrag", "bruttobetrag",
    "gesamt brutto", "summe brutto", "gesamtsumme", "zu zahlender betrag", "total brutto",
    "rechnungssumme brutto", "gesamtbetrag brutto",
)
_TOTAL_WEAK = _labels("total_amount", "weak", "total", "montant", "summe", "gesamt", "betrag",
                      "amount", "montant total", "total amount")
_NET = _labels(
    "net_amount", "strong",
    "total ht", "montant ht", "sous total ht", "total hors taxes", "montant hors taxes", "net ht",
    "base ht", "total net ht", "subtotal", "sub total", "net amount", "total net", "net total",
    "total excl vat", "total excluding vat", "amount excl vat", "total before tax", "nettobetrag",
    "summe netto", "gesamt netto", "nettosumme", "total netto", "netto", "zwischensumme",
    "rechnungssumme netto", "gesamtbetrag netto",
    "sous total", "total hors taxe", "total excl gst", "total excluding gst",
    "total sales excluding gst", "total sales excl gst", "total sales ex gst",
    # A sum "without" its tax is the net, whatever tax word ends the label: longest match
    # makes "Rechnungssumme ohne USt." a net and not a tax.
    "ohne ust", "ohne mwst", "summe ohne ust", "summe ohne mwst", "rechnungssumme ohne ust",
    "rechnungssumme ohne mwst", "exkl ust", "exkl mwst", "hors tva", "total hors tva",
    "montant hors tva", "sans tva", "excl vat", "excluding vat", "without vat", "excl btw",
    "exclusief btw", "sin iva", "senza iva",
    # A British till's rate summary: "20% VAT Net 8.50 / 20% VAT 1.70" (the net, not a tax).
    "vat net", "net of vat", "ex vat",
)
_TAX = _labels(
    "tax_amount", "strong",
    "tva", "total tva", "montant tva", "montant de la tva", "total vat", "vat", "vat amount",
    "tax", "total tax", "sales tax", "mwst", "ust", "umsatzsteuer", "mehrwertsteuer",
    "zzgl mwst", "zzgl ust", "summe mwst", "summe ust", "gesamt mwst", "tax amount",
    # "Gesamtbetrag Steuer:" is the tax, not a total: longest match beats "gesamtbetrag".
    "gesamtbetrag steuer", "summe steuer", "steuerbetrag", "gesamtsteuer", "steuer gesamt",
)
_NUMBER = _labels(
    "invoice_number", "strong",
    "ticket", "ref facture", "facture n", "facture no", "facture numero", "n de facture",
    "no de facture",
    "numero de facture", "facture", "avoir n", "avoir no", "n d avoir", "numero d avoir",
    "invoice no", "invoice number", "invoice", "invoice nr", "invoice ref", "credit note no",
    "credit note number", "credit note", "receipt no", "receipt number", "ticket n", "ticket no",
    "recu n", "recu no", "rechnungsnr", "rechnungsnummer", "rechnung nr", "rechnung",
    "gutschrift nr", "gutschriftsnummer", "beleg nr", "belegnummer", "quittung nr",
)
_NUMBER_WEAK = _labels("invoice_number", "weak", "numero", "n", "no", "nr", "number", "ref",
                       "document no", "doc no")
_ISSUE_DATE = _labels(
    "issue_date", "strong",
    "date de facture", "date de facturation", "date d emission", "date facture",
    "facture du", "date de l avoir", "invoice date", "date of issue", "issue date",
    "issued on", "date issued", "rechnungsdatum", "belegdatum", "ausstellungsdatum",
    "datum der rechnung",
)
_ISSUE_DATE_WEAK = _labels("issue_date", "weak", "date", "datum", "le", "fait le", "dated")
_DUE_DATE = _labels(
    "due_date", "strong",
    "echeance", "date d echeance", "date limite de paiement", "a payer avant le",
    "payable avant le", "a regler avant le", "a regler le", "a payer le", "payable le",
    "date de reglement", "date de paiement", "due date", "payment due", "payable on", "payable by",
    "due on", "payment due date", "pay by", "due by", "date due", "faellig", "fallig",
    "faelligkeit",
    "fallig am", "faellig am", "falligkeitsdatum", "falligkeit", "zahlbar bis", "zahlbar am",
    "zahlungsziel",
    # Without accents "Facture à régler le" starts like "Facturé à" (the customer block).
    "facture a regler le", "facture a regler avant le", "facture a payer le",
    "facture a payer avant le", "facture payable le",
)
_REFERENCE = _labels(
    "payment_reference", "strong",
    "reference de paiement", "reference a rappeler", "reference du virement",
    "reference virement", "communication", "libelle du virement", "motif du virement",
    "payment reference", "payment ref", "remittance reference", "reference for payment",
    "please quote", "verwendungszweck", "zahlungsreferenz", "referenz", "ref virement",
    "reference",
    # The remittance information of EN 16931 (BT-83) as French e-invoices print it.
    "reference avis de paiement", "reference de l avis de paiement", "avis de paiement",
    "remittance information",
)
_CUSTOMER_BLOCK = _labels(
    "customer_block", "strong",
    "facture a", "facturer a", "adresse de facturation", "client", "destinataire",
    "livre a", "bill to", "billed to", "invoice to", "sold to", "customer", "ship to",
    "rechnungsempfanger", "rechnungsempfaenger", "rechnungsadresse", "kunde", "kundenname",
    "lieferadresse",
    "adresse a", "adressee a", "an", "auftraggeber", "kaufer", "kaeufer", "leistungsempfanger",
    "leistungsempfaenger", "acheteur", "buyer", "klant", "afnemer", "cliente", "destinatario",
    "informationen zum kaufer", "angaben zum kaufer", "daten des kaufers",
    "informations sur l acheteur", "buyer information", "customer details",
    "informacion de cliente", "informacion del cliente", "datos del cliente",
    "direccion de facturacion", "nombre cliente", "nombre del cliente", "customer name",
    "client name", "nom du client", "nom client", "dati cliente", "intestatario",
    "indirizzo di fatturazione", "factuuradres", "kundenname firma", "kunde firma", "pour",
    "cobrar a", "facturar a", "enviar a", "envie a", "fatturare a",
)
# Labels of the *other* invoice a credit note or a payment refers to: longest-match makes
# them win over "rechnung" / "invoice", so that number is never taken for this document's.
_RELATED = _labels(
    "related_invoice", "strong",
    "facture d origine", "ref facture initiale", "facture initiale", "original invoice",
    "bezug auf rechnung", "en reglement de la facture", "in settlement of invoice",
    "fur die rechnung", "related invoice", "referenced invoice",
    # The preceding invoice an e-invoice refers to (EN 16931 BT-25, printed by the French
    # 2026 reform's examples as "N° de facture associée"): another invoice's number.
    "facture associee", "n de facture associee", "numero de facture associee",
    "facture anterieure", "n de facture anterieure", "reference facture anterieure",
    "facture precedente", "facture rectifiee", "preceding invoice",
    "preceding invoice reference", "previous invoice", "corrected invoice",
    "vorausgegangene rechnung", "vorherige rechnung", "ursprungliche rechnung",
    "ursprungsrechnung", "korrigierte rechnung", "factura original", "factura rectificada",
    "fattura originale", "fattura di riferimento", "oorspronkelijke factuur",
)
_CUSTOMER_VAT = _labels(
    "customer_vat_id", "strong",
    "tva client", "n tva client", "tva intracommunautaire client", "votre n tva",
    "customer vat", "your vat", "client vat", "customer vat number", "ust idnr kunde",
    "ihre ust idnr", "kunden ust idnr",
)

# Dutch, Italian and Spanish: the same roles, so that a layout in those languages gives the
# candidate ranker the same label features as a French or German one.
_SOUTH_NORTH = (
    _labels("total_amount", "strong",
            "totaal", "te betalen", "totaal incl btw", "totaal te betalen", "totaalbedrag",
            "totale", "totale fattura", "importo totale", "totale documento", "netto a pagare",
            "totale da pagare", "importe total", "total factura", "total a pagar",
            "importe a pagar", "saldo adeudado", "importe adeudado", "saldo a pagar")
    + _labels("net_amount", "strong",
              "totaal excl btw", "subtotaal", "netto bedrag", "imponibile", "totale imponibile",
              "base imponible", "importe neto", "subtotal sin iva", "total parcial",
              "total without taxes", "total without tax", "untaxed amount",
              "total excluding tax", "total excl tax")
    + _labels("tax_amount", "strong",
              "btw", "btw bedrag", "totaal btw", "iva", "imposta", "totale iva", "cuota iva",
              "importe iva", "impuestos", "total impuestos", "taxes", "total taxes",
              "gst", "sst", "service tax", "total gst", "gst amount",
              "tax included", "total tax included")
    + _labels("invoice_number", "strong",
              "factuurnummer", "factuur nr", "factuurnr", "factuur", "fattura n", "fattura",
              "numero fattura", "factura n", "factura", "numero de factura", "num factura",
              "bill no", "receipt", "invoice id", "document number", "tax invoice no")
    + _labels("issue_date", "strong",
              "factuurdatum", "datum factuur", "data fattura", "data documento",
              "fecha de factura", "fecha factura", "fecha de emision", "fecha",
              "invoice date time")
    + _labels("due_date", "strong",
              "vervaldatum", "uiterste betaaldatum", "te betalen voor", "scadenza",
              "data scadenza", "fecha de vencimiento", "vencimiento", "due")
)
# Receipt words that also sit beside an amount: the ranker needs to tell the paid total
# from the cash handed over, the change given back and the rounding line.
_RECEIPT = (
    _labels("total_amount", "strong", "total rm", "total sales", "nett total", "net total rm",
            "total incl gst", "total inclusive gst", "total amt", "rounded total",
            "total rounded", "total after rounding", "total after adj", "rounded amount",
            "nett total rounded", "total arrondi", "montant arrondi",
            "total payable rm", "grand total rm", "total ttc eur", "a payer", "montant du",
            "total sales inclusive of gst", "total inclusive of gst", "total incl of gst")
    # Money handed over and given back, never the amount of the sale itself.
    + _labels("payment_line", "strong", "cash", "change", "tendered", "cash tendered",
              "change due", "especes", "rendu", "monnaie", "bar", "ruckgeld", "gegeben",
              "cash received", "amount tendered", "paid amount",
              # "Total Paid RM50.00 / Change RM34.60": the money handed over, not the sale.
              "total paid")
    + _labels("rounding", "strong", "rounding", "round adj", "rounding adj", "adjustment",
              "rounding adjustment", "round off", "arrondi", "rundung")
    + _labels("line_item", "strong", "qty", "quantity", "quantite", "qte", "menge", "anzahl",
              "unit price", "prix unitaire", "pu ht", "einzelpreis", "price", "prix", "preis",
              "aantal", "prijs", "quantita", "prezzo", "cantidad", "precio", "description",
              "designation", "beschreibung", "omschrijving", "u price", "disc", "discount",
              "remise", "rabatt",
              # Counts and discounts that start with "total" (longest match beats it).
              "total qty", "total quantity", "total items", "total item", "total articles",
              "nombre d articles", "anzahl artikel", "total discount", "total remise",
              # What the customer saved: a negative "total" that is no total of the sale.
              "total savings", "total saving", "you saved", "you save", "vous economisez",
              "ihre ersparnis")
    # A tax summary's share of the sale at one rate ("Total 0% supplies: 9.36"), printed
    # beside the word "total" but no total of the sale; the shares add up to it, which
    # item prices do not (`memory.checks.totals_add_up`), hence a role of their own.
    + _labels("rate_share", "strong", "supplies", "taxable supplies", "exempt supplies",
              "zero rated supplies")
)
# Numbers and dates of *other* things (the customer, the order, the delivery): their
# labels must count against a value, not for it.
_OTHER = (
    _labels("other_number", "strong", "numero client", "n client", "code client", "client n",
            "customer no", "customer number", "customer id", "account number", "account no",
            "kundennummer", "kunden nr", "kundennr", "order no", "order number", "po number",
            "purchase order", "commande n", "n de commande", "numero de commande",
            "bestellnummer", "bestell nr", "auftragsnummer", "auftrag nr", "lieferschein nr",
            # "P.O./S.O. Number: AD29094" reads "p o s o number": an order's, not the invoice's.
            "p o number", "p o no", "p o s o number", "s o number", "po no", "p o box",
            "bestellung nr", "bestellung", "bestellnr", "auftrag", "lieferschein",
            "vertragsnr", "vertragsnummer",
            "bon de livraison", "delivery note", "klantnummer", "ordernummer", "tel", "phone",
            "telephone", "fax", "mobile", "telefon", "page", "seite", "cashier", "table",
            "counter", "pos", "terminal", "member", "gst reg no", "gst id", "company reg no")
    + _labels("other_date", "strong", "date de livraison", "livraison", "delivery date",
              "date of supply", "lieferdatum", "leistungsdatum", "order date", "date de commande",
              "bestelldatum", "periode", "period", "leistungszeitraum", "date d execution",
              "valid until", "valable jusqu au", "gultig bis", "leverdatum", "printed",
              "date d expiration", "expiration", "expiry date", "expiry", "exp date",
              "valid thru", "date de naissance", "ablaufdatum",
              # "Rechnung gemäß Bestellung vom 01.11.2024": the order's date, not the invoice's.
              "bestellung vom", "auftrag vom", "lieferschein vom", "commande du",
              "order of", "bon de commande du",
              # The preceding invoice's date (BT-26) and the invoiced period's ends (BT-73,
              # BT-74): "Date de facture associée", "Date de fin de prestation".
              "date de facture associee", "date de facture anterieure",
              "date de la facture d origine", "date facture d origine", "original invoice date",
              "preceding invoice date", "previous invoice date", "date de debut de prestation",
              "date de fin de prestation", "debut de prestation", "fin de prestation",
              "periode de facturation", "debut de periode", "fin de periode",
              "billing period", "service period", "period start", "period end",
              "abrechnungszeitraum", "berechnungszeitraum", "leistungszeitraum",
              "abrechnungsperiode", "leistungsbeginn", "leistungsende",
              "factuurperiode", "periodo de facturacion", "periodo di fatturazione")
)
# Labels that head the seller's block ("Vendeur :", "Lieferant", "From").
_SELLER_BLOCK = _labels(
    "seller_block", "strong",
    "vendeur", "fournisseur", "emetteur", "prestataire", "from", "seller", "supplier",
    "bill from", "issued by", "sold by", "verkaufer", "verkaeufer", "lieferant",
    "rechnungssteller", "leistungserbringer", "absender", "leverancier", "fornitore",
    "cedente", "emisor", "proveedor", "vendedor",
    # The headings of e-invoice viewers ("Informationen zum Verkäufer").
    "informationen zum verkaufer", "angaben zum verkaufer", "daten des verkaufers",
    "informations sur le vendeur", "seller information", "supplier details",
    # French "De : | Gandi SAS" over "Pour : | Squilik": heading its block alone only.
    "de",
)
# Marks that only the seller prints: a name on or near such a line is the supplier's.
SELLER_MARKS: tuple[str, ...] = (
    "capital", "rcs", "siret", "siren", "ape", "naf", "tva intracommunautaire", "n tva",
    "ust idnr", "ust id", "steuernummer", "st nr", "handelsregister", "amtsgericht", "hrb",
    "geschaftsfuhrer", "iban", "bic", "swift", "kvk", "btw nr", "p iva", "partita iva",
    "cif", "nif", "vat reg", "vat no", "vat number", "company no", "registered in",
    "gst reg", "gst id", "sdn bhd", "bhd", "co reg", "www", "tel", "fax", "email", "e mail",
)

LABELS: tuple[Label, ...] = tuple(
    _TOTAL_STRONG + _TOTAL_WEAK + _NET + _TAX + _NUMBER + _NUMBER_WEAK + _ISSUE_DATE
    + _ISSUE_DATE_WEAK + _DUE_DATE + _REFERENCE + _CUSTOMER_BLOCK + _CUSTOMER_VAT + _RELATED
    + _SOUTH_NORTH + _RECEIPT + _OTHER + _SELLER_BLOCK
)

# Words that show a document's nature, searched in its whole text (normalised).
DOCUMENT_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "credit_note": ("avoir", "facture d avoir", "note de credit", "credit note", "credit memo",
                    "gutschrift", "rechnungskorrektur", "stornorechnung", "creditnota",
                    "nota di credito", "factura rectificativa"),
    "payment_confirmation": ("avis de virement", "confirmation de virement",
                             "confirmation de paiement", "ordre de virement execute",
                             "remittance advice", "payment confirmation", "transfer confirmation",
                             "payment advice", "zahlungsbestatigung", "zahlungsavis",
                             "uberweisungsbestatigung", "zahlungsbestaetigung"),
    "receipt": ("ticket", "ticket de caisse", "recu", "receipt", "sales receipt", "quittung",
                "kassenbon", "kassenbeleg", "paye par carte", "paid by card", "carte bancaire",
                "bezahlt mit karte", "kartenzahlung"),
    "invoice": ("facture", "invoice", "rechnung", "tax invoice", "note d honoraires",
                "factuur", "fattura", "factura", "simplified tax invoice"),
}

# Free webmail: an address there says nothing about whose domain it is.
WEBMAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "hotmail.com", "hotmail.fr",
    "outlook.com", "outlook.fr", "live.com", "live.fr", "msn.com", "icloud.com", "me.com",
    "aol.com", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net",
    "bbox.fr", "numericable.fr", "gmx.de", "gmx.net", "gmx.fr", "web.de", "t-online.de",
    "freenet.de", "proton.me", "protonmail.com", "mail.com", "yandex.com", "zoho.com",
})

# Legal forms that end (or start) a company name.
LEGAL_FORMS: tuple[str, ...] = (
    "SAS", "SASU", "SARL", "EURL", "SA", "SNC", "SCI", "SCOP", "SELARL", "SELAS", "SCP",
    "EI", "EIRL", "GmbH", "AG", "KG", "UG", "OHG", "GbR", "e.K.", "Ltd", "Ltd.", "Limited",
    "LLC", "Inc", "Inc.", "PLC", "plc", "LLP", "BV", "B.V.", "NV", "SRL", "S.r.l.", "SL",
    "S.L.", "SpA", "S.p.A.", "Sp. z o.o.", "AB", "ApS", "Oy", "Sdn Bhd", "Sdn", "Bhd", "S/B",
    "Pte", "Pte Ltd", "SAU", "S.A.S.", "S.A.", "GmbH & Co. KG", "Co", "Co.",
)

# Words shop and company names are made of, in capitals (English, Malay, French, German):
# OCR glues a letterhead's words together ("SANYUSTATIONERYSHOP", "VIVOPACMARKETINGSDN"),
# and these are where it is cut again (`candidates.name_text._split_glued`).
TRADE_WORDS: tuple[str, ...] = (
    "SHOP", "STORE", "STORES", "STATIONERY", "STATIONERS", "MARKETING", "TRADING", "TRADERS",
    "ENTERPRISE", "ENTERPRISES", "HOLDINGS", "INDUSTRIES", "INTERNATIONAL", "RESTAURANT",
    "BAKERY", "BAKERIES", "CAFE", "HARDWARE", "ELECTRICAL", "ELECTRONICS", "SUPPLIES",
    "SUPPLY", "SERVICES", "SERVICE", "CENTRE", "CENTER", "SUPERMARKET", "HYPERMARKET",
    "MINIMARKET", "PHARMACY", "KITCHEN", "FOODS", "BOOKSTORE", "BOOKS", "MOTORS", "PETROL",
    "STATION", "GROUP", "COMPANY", "CORPORATION", "RETAIL", "MART", "HOUSE", "NOODLE",
    "SEAFOOD", "CONFECTIONERY", "AGENCY", "HOTEL", "PARKING", "BEAUTY", "HEALTH",
    "FURNITURE", "TEXTILE", "FASHION", "GIFTS", "COMPUTER", "PRINTING", "OPTICAL", "CLINIC",
    "MEDICAL", "EXPRESS", "PERNIAGAAN", "SYARIKAT", "KEDAI", "RESTORAN", "SDN", "BHD",
    "LIMITED", "BOULANGERIE", "PATISSERIE", "PHARMACIE", "LIBRAIRIE", "EPICERIE", "BUCHHANDLUNG",
    "BAECKEREI", "APOTHEKE", "HANDEL",
)

# Words of the labels of a date that is not the document's own: a card's or a voucher's
# expiry, an offer's validity, a food's best-before ("Date d'expiration", "valable
# jusqu'au", "gültig bis", "Ablaufdatum", "best before"). OCR garbles them past the exact
# labels above ("Date d'exflratigı"), so `dates.names_validity` reads them tolerantly.
VALIDITY_WORDS: tuple[str, ...] = (
    "expiration", "expiry", "expires", "expire", "expiring", "validite", "validity",
    "valable", "gultig", "gueltig", "gultigkeit", "ablauf", "ablaufdatum", "verfall",
    "verfallsdatum", "haltbar", "geldig", "geldigheid", "caducidad",
)
# Whole tokens or phrases that only such labels use, matched exactly (too short to fuzz).
VALIDITY_PHRASES: tuple[str, ...] = ("exp", "expir", "valid", "best before", "use by", "mhd",
                                     "bbe", "dluo", "dlc", "valido", "valida", "valid thru",
                                     "a consommer")
# Words of the labels of the dates a receipt or a card slip is about (the sale, the
# payment): a garbled word nearer one of these than a validity word is not a validity label.
SALE_DATE_WORDS: tuple[str, ...] = (
    "operation", "transaction", "emission", "impression", "edition", "paiement", "payment",
    "purchase", "achat", "vente", "facture", "facturation", "invoice", "ticket", "commande",
    "livraison", "delivery", "issued", "rechnung", "rechnungsdatum", "belegdatum", "kauf",
    "verkauf", "datum", "fecha", "factuurdatum", "printed", "heure", "validation", "validated",
    "validacion",
)


_LABEL_VOCABULARY = frozenset(token for label in LABELS for token in label.tokens)
# OCR's digits for look-alike letters inside a word ("Tota1", "INV0ICE", "5ales").
_LOOK_ALIKES = (str.maketrans("015", "ols"), str.maketrans("015", "ois"))


@lru_cache(maxsize=1 << 15)
def as_label_word(token: str) -> str:
    """A normalised token, or the label word it spells with a digit OCR read for a letter.

    Only ever a word of the lexicon: "tota1" becomes "total", while "a1" or "4711" stay.
    Cached: the same tokens come back on every page.
    """
    if token.isalpha() or token.isdigit():
        return token
    digits = sum(char.isdigit() for char in token)
    if not digits or digits >= sum(char.isalpha() for char in token) or len(token) < 3:
        return token
    for table in _LOOK_ALIKES:
        fixed = token.translate(table)
        if fixed in _LABEL_VOCABULARY:
            return fixed
    return token
