"""A scripted extractor for pipeline tests: the expected fields travel inside the test file.

Tests that are about the pipeline (states, audit, outbox, idempotency) use it so that their
outcome does not depend on extraction quality, which `tests/extract` covers on its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.ports import InvoicePoster, WorkspaceContext
from liasse.sync.pipeline import Pipeline


class ScriptedExtractor:
    """Reads `{"confidence": .., "fields": {...}}` written after the %PDF header."""

    def __init__(self) -> None:
        self.calls = 0

    def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                ) -> ExtractionResult:
        self.calls += 1
        script = json.loads(data.split(b"\n", 1)[1])
        confidence = float(script["confidence"])
        return ExtractionResult(
            file=file_name, sha256="", layer="text", einvoice=None,
            document_type=script.get("type", "invoice"),
            fields={name: ExtractedField(value, confidence, "scripted")
                    for name, value in script["fields"].items()},
            confidence=confidence,
        )


def invoice_file(folder: Path, name: str, confidence: float, *,
                 type: str = "invoice", **fields: Any) -> Path:
    values = {"supplier_name": "Cowork Rivoli", "invoice_number": name, "issue_date": "2026-10-01",
              "total_amount": "120.00", "currency": "EUR", **fields}
    path = folder / name
    path.write_bytes(b"%PDF-1.4\n" + json.dumps({"confidence": confidence, "type": type,
                                                  "fields": values}).encode())
    return path




class PipelineFactory(Protocol):
    """The `inbox_pipeline` fixture (tests/conftest.py)."""

    def __call__(self, poster: InvoicePoster, *, own_names: tuple[str, ...] = (),
                 own_identifiers: tuple[str, ...] = (), **changes: Any) -> Pipeline: ...


def inbox_of(pipeline: Pipeline) -> Path:
    """The folder a one-source pipeline (the `inbox_pipeline` fixture's) reads."""
    source = next(iter(pipeline.sources.values()))
    assert isinstance(source, LocalFolderSource)
    return source.root
