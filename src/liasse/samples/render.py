"""Drawing blocks for generated documents (reportlab), measured from the top-left of the page.

Layouts compose these blocks; every block prints the spec's values through `formats`, so
the strings on the page are the ones the ground truth was derived from. `invariant=1`
makes reportlab's output byte-identical from one run to the next.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from liasse.samples import formats
from liasse.samples.spec import DocumentSpec, Party, Style

BOLD_FONTS = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold",
              "Courier": "Courier-Bold"}


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str  # "left" or "right"


class Sheet:
    """A reportlab canvas with top-left coordinates and the document's font."""

    def __init__(self, style: Style, pagesize: tuple[float, float] = A4) -> None:
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=pagesize, invariant=1, pageCompression=1)
        self.width, self.height = pagesize
        self.style = style
        self.page_number = 1

    def text(self, x: float, y: float, value: str, *, size: float = 9, bold: bool = False,
             align: str = "left") -> None:
        font = BOLD_FONTS[self.style.font] if bold else self.style.font
        self.canvas.setFont(font, size)
        baseline = self.height - y
        if align == "right":
            self.canvas.drawRightString(x, baseline, value)
        elif align == "center":
            self.canvas.drawCentredString(x, baseline, value)
        else:
            self.canvas.drawString(x, baseline, value)

    def lines(self, x: float, y: float, values: Sequence[str], *, size: float = 9,
              leading: float = 12, bold_first: bool = False, align: str = "left") -> float:
        """Draw lines downwards; returns the y below the last one."""
        for index, value in enumerate(values):
            self.text(x, y + index * leading, value, size=size,
                      bold=bold_first and index == 0, align=align)
        return y + len(values) * leading

    def rule(self, x0: float, y: float, x1: float, width: float = 0.5) -> None:
        self.canvas.setLineWidth(width)
        self.canvas.line(x0, self.height - y, x1, self.height - y)

    def box(self, x: float, y: float, w: float, h: float, *, fill: tuple[float, float, float]
            | None = None) -> None:
        if fill is not None:
            self.canvas.setFillColorRGB(*fill)
        self.canvas.rect(x, self.height - y - h, w, h, stroke=1, fill=int(fill is not None))
        self.canvas.setFillColorRGB(0, 0, 0)

    def new_page(self) -> None:
        self.canvas.showPage()
        self.page_number += 1

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def party_lines(party: Party, *, with_contact: bool = False) -> list[str]:
    values = [party.name, *party.address]
    if with_contact:
        values += [v for v in (party.phone, party.email, party.website) if v]
    return values


def identifier_lines(party: Party, style: Style) -> list[str]:
    """The legal mentions, one per line: SIREN, SIRET, VAT, RCS, capital, IBAN, BIC."""
    values: list[str] = []
    if party.capital:
        values.append(f"{party.name} {formats.legal(style, 'capital', capital=party.capital)}")
    if party.rcs_city and party.siren:
        values.append(formats.legal(style, "rcs", city=party.rcs_city,
                                    siren=formats.format_siren(party.siren, style)))
    elif party.siren:
        values.append(formats.legal(style, "siren", value=formats.format_siren(party.siren, style)))
    if party.siret:
        values.append(formats.legal(style, "siret", value=formats.format_siret(party.siret, style)))
    if party.vat_id:
        values.append(formats.legal(style, "vat", value=formats.format_vat(party.vat_id, style)))
    return values


def bank_lines(party: Party, style: Style) -> list[str]:
    values: list[str] = []
    if party.iban:
        values.append(formats.legal(style, "iban", value=formats.format_iban(party.iban, style)))
    if party.bic:
        values.append(formats.legal(style, "bic", value=party.bic))
    return values


def legal_footer(sheet: Sheet, spec: DocumentSpec, *, centered: bool = True) -> None:
    """Footer of legal mentions, joined two or three to a line like most French invoices."""
    style = sheet.style
    mentions = identifier_lines(spec.supplier, style) + bank_lines(spec.supplier, style)
    contact = [v for v in (spec.supplier.email, spec.supplier.website) if v]
    rows = [" - ".join(mentions[i:i + 2]) for i in range(0, len(mentions), 2)]
    if contact:
        rows.append(" - ".join(contact))
    top = sheet.height - 30 - 10 * len(rows)
    sheet.rule(40, top - 10, sheet.width - 40)
    x = sheet.width / 2 if centered else 40
    sheet.lines(x, top, rows, size=7, leading=10, align="center" if centered else "left")


def meta_pairs(spec: DocumentSpec) -> list[tuple[str, str]]:
    """Number, dates and references as (label, value), in the order invoices print them."""
    style = spec.style
    number_key = "credit_number" if spec.document_type == "credit_note" else "number"
    pairs = [(formats.label(style, number_key), spec.number),
             (formats.label(style, "issue_date"), formats.format_date(spec.issue_date, style))]
    if spec.due_date is not None and spec.due_date_printed:
        pairs.append((formats.label(style, "due_date"), formats.format_date(spec.due_date, style)))
    if spec.related_number:
        pairs.append((formats.label(style, "related"), spec.related_number))
    if spec.payment_reference:
        pairs.append((formats.label(style, "payment_reference"), spec.payment_reference))
    if spec.customer.vat_id:
        pairs.append((formats.label(style, "customer_vat"),
                      formats.format_vat(spec.customer.vat_id, style)))
    return pairs


def draw_meta_inline(sheet: Sheet, x: float, y: float, pairs: Sequence[tuple[str, str]],
                     *, label_width: float = 110, size: float = 9) -> float:
    """`Label : value` with the value in a column to the right of its label."""
    colon = " :" if sheet.style.language == "fr" else ":"
    for index, (name, value) in enumerate(pairs):
        sheet.text(x, y + index * 13, f"{name}{colon}", size=size)
        sheet.text(x + label_width, y + index * 13, value, size=size, bold=index == 0)
    return y + len(pairs) * 13


def draw_meta_stacked(sheet: Sheet, x: float, y: float, pairs: Sequence[tuple[str, str]],
                      *, column_width: float = 105) -> float:
    """Labels in a row of small caps with each value below its label (a grid of cells)."""
    for index, (name, value) in enumerate(pairs):
        column_x = x + (index % 4) * column_width
        row_y = y + (index // 4) * 30
        sheet.text(column_x, row_y, name, size=7)
        sheet.text(column_x, row_y + 12, value, size=9, bold=True)
    return y + ((len(pairs) + 3) // 4) * 30


def table_columns(spec: DocumentSpec, width: float, *, with_rate: bool,
                  with_discount: bool) -> list[Column]:
    """Columns of the line table; the description takes whatever width the numbers leave."""
    style = spec.style
    numbers = [Column(formats.label(style, "quantity"), 40, "right"),
               Column(formats.label(style, "unit_price"), 70, "right")]
    if with_discount:
        numbers.append(Column(formats.label(style, "discount"), 45, "right"))
    if with_rate:
        numbers.append(Column(formats.label(style, "vat_rate"), 45, "right"))
    numbers.append(Column(formats.label(style, "line_total"), 75, "right"))
    description_width = width - sum(column.width for column in numbers)
    return [Column(formats.label(style, "description"), description_width, "left"), *numbers]


def draw_table(sheet: Sheet, spec: DocumentSpec, y: float, line_range: range, *,
               with_rate: bool = True, with_discount: bool = False, shaded: bool = False,
               x0: float = 40, x1: float | None = None) -> float:
    """The line items in `line_range`, between x0 and x1; returns the y below the table."""
    style = sheet.style
    right = sheet.width - 40 if x1 is None else x1
    columns = table_columns(spec, right - x0, with_rate=with_rate, with_discount=with_discount)
    max_chars = int(columns[0].width / 4.6)
    if shaded:
        sheet.box(x0 - 2, y - 11, right - x0 + 4, 16, fill=(0.88, 0.9, 0.93))
    _draw_row(sheet, x0, y, columns, [column.title for column in columns], size=8, bold=True)
    sheet.rule(x0, y + 5, right)
    row_y = y + 18
    for index in line_range:
        line = spec.lines[index]
        cells = [line.description[:max_chars], formats.format_quantity(line.quantity, style),
                 formats.format_number(line.unit_price, style.number_style)]
        if with_discount:
            cells.append(formats.format_rate(line.discount_percent, style)
                         if line.discount_percent else "")
        if with_rate:
            cells.append(formats.format_rate(line.vat_rate, style))
        cells.append(formats.format_number(spec.signed(line.net), style.number_style))
        _draw_row(sheet, x0, row_y, columns, cells, size=8.5)
        row_y += 14
    sheet.rule(x0, row_y - 6, right)
    return row_y + 8


def _draw_row(sheet: Sheet, x0: float, y: float, columns: Sequence[Column], cells: Sequence[str],
              *, size: float, bold: bool = False) -> None:
    x = x0
    for column, cell in zip(columns, cells, strict=True):
        anchor = x if column.align == "left" else x + column.width - 4
        sheet.text(anchor, y, cell, size=size, bold=bold, align=column.align)
        x += column.width


def totals_rows(spec: DocumentSpec, *, per_rate: bool) -> list[tuple[str, str, bool]]:
    """(label, amount, bold) rows of the totals: discount, net, VAT (per rate), total."""
    style = spec.style
    rows: list[tuple[str, str, bool]] = []

    def money(value: Decimal) -> str:
        return formats.format_money(spec.signed(value), spec.currency, style)

    if spec.discount_amount:
        rows.append((f"{formats.label(style, 'net')} {formats.label(style, 'before_discount')}",
                     money(spec.lines_net), False))
        rows.append((f"{formats.label(style, 'discount')} "
                     f"{formats.format_rate(spec.global_discount_percent, style)}",
                     money(-spec.discount_amount), False))
    rows.append((formats.label(style, "net"), money(spec.net_amount), False))
    if per_rate and len(spec.tax_by_rate) > 1:
        for rate, (_, tax) in spec.tax_by_rate.items():
            rows.append((f"{formats.label(style, 'tax')} {formats.format_rate(rate, style)}",
                         money(tax), False))
    else:
        rate = next(iter(spec.tax_by_rate))
        rows.append((f"{formats.label(style, 'tax')} {formats.format_rate(rate, style)}",
                     money(spec.tax_amount), False))
    rows.append((formats.label(style, "total"), money(spec.total_amount), True))
    return rows


def draw_totals(sheet: Sheet, spec: DocumentSpec, y: float, *, boxed: bool = False,
                per_rate: bool = True, x: float = 330) -> float:
    rows = totals_rows(spec, per_rate=per_rate)
    right = sheet.width - 44
    if boxed:
        sheet.box(x - 8, y - 12, right - x + 12, len(rows) * 15 + 8)
    for index, (name, amount, bold) in enumerate(rows):
        row_y = y + index * 15
        sheet.text(x, row_y, name, size=9.5 if bold else 9, bold=bold)
        sheet.text(right, row_y, amount, size=9.5 if bold else 9, bold=bold, align="right")
    return y + len(rows) * 15 + 10


def draw_vat_recap(sheet: Sheet, spec: DocumentSpec, y: float, x: float = 40) -> float:
    """The per-rate VAT table (base, rate, tax) French invoices print under the lines."""
    style = sheet.style
    headers = (formats.label(style, "vat_base"), formats.label(style, "vat_rate"),
               formats.label(style, "tax"))
    for index, header in enumerate(headers):
        sheet.text(x + 75 + index * 70, y, header, size=8, bold=True, align="right")
    for row, (rate, (base, tax)) in enumerate(spec.tax_by_rate.items(), start=1):
        cells = (formats.format_number(spec.signed(base), style.number_style),
                 formats.format_rate(rate, style),
                 formats.format_number(spec.signed(tax), style.number_style))
        for index, cell in enumerate(cells):
            sheet.text(x + 75 + index * 70, y + row * 12, cell, size=8, align="right")
    return y + (len(spec.tax_by_rate) + 1) * 12 + 8


def draw_notes(sheet: Sheet, spec: DocumentSpec, y: float, *, x: float = 40) -> float:
    """Payment terms, VAT exemption and late-payment mentions."""
    style = sheet.style
    notes: list[str] = []
    if spec.terms:
        notes.append(formats.TERMS[spec.terms][style.language])
    if spec.vat_exemption:
        notes.append(formats.EXEMPTIONS[spec.vat_exemption][style.language])
    if style.language == "fr":
        notes.append(formats.legal(style, "penalties"))
    notes.append(formats.legal(style, "thanks"))
    return sheet.lines(x, y, [part for note in notes for part in wrap(note, 105)],
                       size=7.5, leading=10)


def wrap(text: str, width: int) -> list[str]:
    """Split a sentence into lines of at most `width` characters at word boundaries.

    A space inside a spaced number or identifier ("100 000", "FR76 3000 4000") never
    breaks: a wrapped identifier would no longer be the identifier.
    """
    glued = KEEP_TOGETHER.sub("\u0000", text)
    rows: list[str] = []
    current = ""
    for word in glued.split(" "):
        if current and len(current) + 1 + len(word) > width:
            rows.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    rows = [*rows, current] if current else rows
    return [row.replace("\u0000", " ") for row in rows]


KEEP_TOGETHER = re.compile(r"(?<=[0-9A-Z]) (?=[0-9])")
