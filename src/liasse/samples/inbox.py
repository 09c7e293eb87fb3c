"""The demo inbox of `make run`: one PDF per demo invoice, drawn like a real supplier's.

The demo world lives in `samples/demo.py`; this module only turns it into documents, with
the same layouts the corpus uses, so a newcomer's first sync reads realistic invoices.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from liasse.samples.demo import (
    DEMO_COMPANY,
    DEMO_SUPPLIERS,
    DemoCompany,
    DemoInvoice,
    demo_invoices,
)
from liasse.samples.layouts import LAYOUTS, draw_receipt
from liasse.samples.spec import CENT, DocumentSpec, Line, Party, Style

DEMO_LAYOUTS = ("fr_classic_left", "fr_banner", "fr_sidebar", "fr_utility")
DEMO_STYLE = Style(language="fr", number_style="fr_space", date_style="slash",
                   currency_style="symbol_after", font="Helvetica", label_variant=0,
                   spaced_ids=False)
RECEIPT_STYLE = Style(language="fr", number_style="fr_space", date_style="slash",
                      currency_style="symbol_after", font="Courier", label_variant=0,
                      spaced_ids=False)


def demo_spec(invoice: DemoInvoice, company: DemoCompany) -> DocumentSpec:
    supplier = invoice.supplier
    return DocumentSpec(
        document_type="invoice", style=DEMO_STYLE,
        supplier=Party(name=supplier.name, address=supplier.address, country="FR",
                       siren=supplier.siren, vat_id=supplier.vat_id, iban=supplier.iban,
                       email=f"factures@{supplier.domain}", website=f"www.{supplier.domain}",
                       rcs_city=supplier.address[-1].split(" ", 1)[1],
                       capital=supplier.capital),
        customer=Party(name=company.name, address=company.address, country="FR",
                       vat_id=company.vat_id),
        number=invoice.number, issue_date=invoice.issue_date, due_date=invoice.due_date,
        due_date_printed=True, terms=None, currency=invoice.currency,
        lines=tuple(Line(line.description, Decimal(line.quantity), Decimal(line.unit_price),
                         Decimal(line.vat_rate)) for line in invoice.lines),
        payment_reference=invoice.payment_reference,
    )


def layout_for_supplier(invoice: DemoInvoice) -> Callable[[DocumentSpec], bytes]:
    """Each demo supplier keeps one layout, as a real supplier does."""
    suppliers = sorted(supplier.name for supplier in DEMO_SUPPLIERS)
    position = suppliers.index(invoice.supplier.name) if invoice.supplier.name in suppliers else 0
    name = DEMO_LAYOUTS[position % len(DEMO_LAYOUTS)]
    return next(layout.draw for layout in LAYOUTS if layout.name == name)


def render_invoice_pdf(invoice: DemoInvoice, company: DemoCompany) -> bytes:
    """The demo invoice as its supplier would send it (byte-identical from run to run)."""
    spec = demo_spec(invoice, company)
    declared = (invoice.net_amount, invoice.tax_amount, invoice.total_amount)
    computed = tuple(f"{value:.2f}" for value in (spec.net_amount, spec.tax_amount,
                                                  spec.total_amount))
    if computed != declared:
        raise ValueError(f"demo invoice {invoice.number}: lines give {computed}, "
                         f"the demo world says {declared}")
    return layout_for_supplier(invoice)(spec)


def demo_file_name(invoice: DemoInvoice) -> str:
    return f"{invoice.supplier.domain.split('.')[0]}_{invoice.number}.pdf"


def write_demo_inbox(folder: Path, day: date, company: DemoCompany = DEMO_COMPANY
                     ) -> list[Path]:
    """Write the demo invoices seeded on `day` into `folder`; returns the files written.

    Existing files are left alone, so running it again (or after the pipeline has moved
    or renamed nothing) never rewrites a document the user may already have synced.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for invoice in demo_invoices(day):
        target = folder / demo_file_name(invoice)
        if target.exists():
            continue
        # Write then rename, so a folder watcher never sees half a PDF.
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(render_invoice_pdf(invoice, company))
        partial.replace(target)
        written.append(target)
    return written


RECEIPT_VAT = Decimal(20)


def render_card_receipt(merchant: str, address: tuple[str, ...], item: str, day: date,
                        number: str, total_cents: int) -> bytes | None:
    """The till receipt of a card payment of `total_cents` (VAT at 20 % included), or None
    when no net price in cents gives exactly that total once VAT is rounded."""
    total = Decimal(total_cents) / 100
    net = (total * 100 / (100 + RECEIPT_VAT)).quantize(CENT)
    spec = DocumentSpec(
        document_type="receipt", style=RECEIPT_STYLE,
        supplier=Party(name=merchant, address=address, country="FR"),
        customer=Party(name="", address=(), country="FR"),
        number=number, issue_date=day, due_date=None, due_date_printed=False, terms=None,
        currency="EUR", lines=(Line(item, Decimal(1), net, RECEIPT_VAT),),
    )
    return draw_receipt(spec) if spec.total_amount == total else None
