"""`liasse extract FILE…`: read files into invoice fields, as the pipeline would, with a
workspace's knowledge when one is named. A file that cannot be read is a result with
`errors`, never an exception."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from liasse.domain.extraction import ExtractionResult
from liasse.extract.reader_start import sniff, start_reader

if TYPE_CHECKING:
    from liasse.app.settings import Settings
    from liasse.extract.cascade import ExtractOptions

OcrMode = Literal["auto", "always", "never"]
MESSAGES = {
    "missing": "file not found: {path}",
    "unreadable": "cannot read the file: {detail}",
}


def reading_options(*, use_einvoice: bool = True, ocr: OcrMode = "auto",
                    settings: Settings | None = None, workspace: str | None = None
                    ) -> ExtractOptions:
    """How `liasse extract` reads: the engine's defaults, or with the workspace's own
    company and supplier memories when `workspace` is named (`settings` locate it)."""
    # Deferred (here and in `read_file`): the cascade is imported after `start_reading`
    # has started the reader's children, so that they warm up while this process imports.
    from liasse.extract.cascade import ExtractOptions

    options = ExtractOptions(use_einvoice=use_einvoice, ocr=ocr)
    if workspace is None:
        return options
    # Deferred: reading without a workspace must not pay for the store's imports (a second
    # of start-up for `liasse extract`, more than reading dozens of PDFs).
    from liasse.app.learning import reading_context
    from liasse.app.services import opened_services

    with opened_services(settings) as services:
        return replace(options, **reading_context(services, workspace or None))


def start_reading(paths: Iterable[Path]) -> None:
    """Start the reader's children that reading `paths` will use, now: called first by a
    command that reads files, they warm up while it imports the rest of itself (and opens
    its workspace). Cheap: only the files' first bytes are read."""
    start_reader(sum(_read_in_a_child(path) for path in paths))


def read_files(paths: Iterable[Path], options: ExtractOptions, *, started: bool = False
               ) -> Iterator[ExtractionResult]:
    """`read_file` over many files, in their order, several at a time: each document is
    read in one of the reader's child processes, so threads here only wait on them and
    the cores all read. At most twice as many files as threads are in flight, which
    bounds the memory a long list of large files can hold. `started`: the caller already
    ran `start_reading(paths)`."""
    threads = max(2, os.cpu_count() or 1)
    paths = list(paths)
    if not started:
        start_reading(paths)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="liasse-read") as pool:
        pending = []
        for path in paths:
            pending.append(pool.submit(read_file, path, options))
            if len(pending) >= 2 * threads:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _read_in_a_child(path: Path) -> bool:
    """Whether the reader's children parse this file (a PDF or an image), by its first
    bytes: a batch of e-invoice XML files, or of missing ones, starts no child at all."""
    try:
        with path.open("rb") as file:
            head = file.read(1024)  # what `sniff` looks at to tell a PDF or an image
    except OSError:
        return False
    return sniff(head) in ("pdf", "image")


def read_file(path: Path, options: ExtractOptions) -> ExtractionResult:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _failed(str(path), MESSAGES["missing"].format(path=path))
    except OSError as exc:
        return _failed(str(path), MESSAGES["unreadable"].format(detail=exc))
    from liasse.extract.cascade import extract_document  # deferred: see reading_options

    return extract_document(data, file=str(path), options=options)


def _failed(file: str, error: str) -> ExtractionResult:
    return ExtractionResult(file=file, sha256="", layer="text", einvoice=None,
                            document_type="other", fields={}, confidence=0.0, errors=[error])
