"""The real, labelled corpus kept outside the repo (`../shared/corpus`), read for benches.

Each entry of its `manifest.json` names a document, the public source it came from and the
values a person (or the e-invoice's own XML) says it shows. Nothing here copies the
documents: they are read where they lie, and their words are cached by content hash
(OCR is slow) in a folder the caller chooses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from liasse.extract.cascade import ExtractOptions, read_pages
from liasse.extract.layout import Page
from liasse.extract.ocr import DEFAULT_ENGINE, LEGACY_SIGNATURE, OcrEngine, ocr_signature
from liasse.extract.text import TEXT_LAYER_VERSION
from liasse.extract.training import cached_pages

DEFAULT_CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"
RECEIPT_KINDS = frozenset({"receipt_image", "scan"})


@dataclass(frozen=True)
class RealDocument:
    id: str
    path: Path
    kind: str  # einvoice_pdf, invoice_pdf, scan, receipt_image
    source: str  # the public repository it came from: the unit of cross-validation
    sha256: str
    truth: dict[str, str | None]

    @property
    def group(self) -> str:
        """"receipt" for scans and receipts, "invoice" for text-layer invoices."""
        return "receipt" if self.kind in RECEIPT_KINDS else "invoice"


def corpus_documents(corpus: Path = DEFAULT_CORPUS) -> Iterator[RealDocument]:
    manifest = json.loads((corpus / "manifest.json").read_text("utf-8"))
    for entry in manifest:
        yield RealDocument(id=str(entry["id"]), path=corpus / str(entry["path"]),
                           kind=str(entry["kind"]), source=str(entry["source_repo"]),
                           sha256=str(entry["sha256"]), truth=dict(entry["truth"]))


def corpus_available(corpus: Path = DEFAULT_CORPUS) -> bool:
    return (corpus / "manifest.json").is_file()


def read_words(document: RealDocument, cache: Path | None,
               ocr_engine: OcrEngine = DEFAULT_ENGINE) -> tuple[list[Page], str]:
    """The document's words as the engine reads them, and the layer ("text" or "ocr").

    The cache keys a text layer by the bytes read and the text reader's version
    (`text.TEXT_LAYER_VERSION`), and OCR'd words by the bytes and the OCR engine's settings
    (`ocr_signature`): another reader, another engine, or the same one set otherwise, reads
    the page again instead of reusing another reading's words.
    """
    data = document.path.read_bytes()
    # Keyed by the bytes read, not the manifest's hash: the manifest hashes some documents
    # as published (XML still embedded), and two of its entries share one hash.
    digest = hashlib.sha256(data).hexdigest()
    layer_file = cache / f"{digest}.layer" if cache is not None else None
    known = layer_file.read_text("utf-8").strip() if layer_file and layer_file.exists() else None
    layers: list[str] = []

    def read(data: bytes) -> list[Page]:
        # The embedded XML is left out on purpose: the page is what is being measured.
        reading = read_pages(data, file=document.path.name,
                             options=ExtractOptions(use_einvoice=False, time_limit_seconds=0,
                                                    ocr_engine=ocr_engine))
        layers.append(reading.layer)
        if layer_file is not None:
            layer_file.parent.mkdir(parents=True, exist_ok=True)
            layer_file.write_text(reading.layer, "utf-8")
        return reading.pages

    text_key = text_cache_key(digest)
    key = text_key if known in (None, "text") else cache_key(digest, ocr_engine)
    pages = cached_pages(data, key, cache, read)
    if layers and layers[0] == "ocr" and key == text_key and cache is not None:
        # First reading: it turned out to need OCR, so its words go under the OCR key.
        (cache / f"{text_key}.json").rename(cache / f"{cache_key(digest, ocr_engine)}.json")
    if layers:
        return pages, layers[0]
    return pages, known or "text"


def text_cache_key(digest: str) -> str:
    """The cache entry of a text layer: the bytes' digest, then the text reader's version."""
    return f"{digest}.text{TEXT_LAYER_VERSION}"


def cache_key(digest: str, ocr_engine: OcrEngine) -> str:
    """The cache entry of OCR'd words: the bytes' digest, then the engine's settings.

    The Tesseract reading with the settings used before entries were keyed keeps its
    unsuffixed name, so caches built then are still used (and only by that reading).
    """
    signature = ocr_signature(ocr_engine)
    return digest if signature == LEGACY_SIGNATURE else f"{digest}.{signature}"
