"""The extraction contract shared by the engine, the pipeline and `liasse extract --json`.

One `ExtractionResult` per input file; `to_json()` gives exactly the object the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Layer = Literal["einvoice", "text", "ocr"]
DocumentType = Literal["invoice", "credit_note", "receipt", "payment_confirmation", "other"]
EInvoiceSyntax = Literal["cii", "ubl", "zugferd1"]

FIELD_NAMES: tuple[str, ...] = (
    "supplier_name",
    "supplier_vat_id",
    "supplier_siren",
    "supplier_siret",
    "supplier_iban",
    "supplier_domain",
    "customer_name",
    "customer_vat_id",
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "net_amount",
    "tax_amount",
    "total_amount",
    "payment_reference",
)


@dataclass(frozen=True)
class ExtractedField:
    """One value with how sure the engine is and where it was read.

    `value` is None when the engine is not sure enough to state a value: never a guess
    dressed as a fact. Dates are YYYY-MM-DD, amounts "1234.56", identifiers without spaces.
    """

    value: str | None
    confidence: float
    evidence: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(self.confidence, 4),
                "evidence": self.evidence}


MISSING = ExtractedField(None, 0.0, "")


@dataclass(frozen=True)
class EInvoiceInfo:
    syntax: EInvoiceSyntax
    profile: str

    def to_json(self) -> dict[str, str]:
        return {"syntax": self.syntax, "profile": self.profile}


@dataclass
class ExtractionResult:
    file: str
    sha256: str
    layer: Layer
    einvoice: EInvoiceInfo | None
    document_type: DocumentType
    fields: dict[str, ExtractedField]
    confidence: float
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The pages' text, for search and account suggestion; not part of the JSON contract.
    text: str = ""

    def value(self, name: str) -> str | None:
        return self.fields.get(name, MISSING).value

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "layer": self.layer,
            "einvoice": self.einvoice.to_json() if self.einvoice else None,
            "document_type": self.document_type,
            "fields": {name: self.fields.get(name, MISSING).to_json() for name in FIELD_NAMES},
            "confidence": round(self.confidence, 4),
            "warnings": list(self.warnings),
            "errors": list(self.errors),
            "seconds": round(self.seconds, 4),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExtractionResult:
        einvoice = data.get("einvoice")
        return cls(
            file=str(data.get("file", "")),
            sha256=str(data.get("sha256", "")),
            layer=data.get("layer", "text"),
            einvoice=EInvoiceInfo(einvoice["syntax"], einvoice["profile"]) if einvoice else None,
            document_type=data.get("document_type", "other"),
            fields={
                name: ExtractedField(raw.get("value"), float(raw.get("confidence", 0.0)),
                                     str(raw.get("evidence", "")))
                for name, raw in (data.get("fields") or {}).items()
            },
            confidence=float(data.get("confidence", 0.0)),
            warnings=list(data.get("warnings", [])),
            errors=list(data.get("errors", [])),
            seconds=float(data.get("seconds", 0.0)),
        )
