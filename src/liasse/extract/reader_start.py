"""What starting the reader takes, and nothing more: what a file is by its first bytes, and
the reader's children started for a batch.

Apart from `extract.cascade` so that a program about to read files (`liasse extract`)
starts the children before it imports the cascade and the rest of itself: the children
are named their warm-up (`prepare_reader`) rather than sent it, so they import the reader
on the other cores while the parent is still importing (`extract.zygote.ByName`).
"""

from __future__ import annotations

from typing import Literal

from liasse.extract.worker import shared_worker
from liasse.extract.zygote import ByName

Kind = Literal["pdf", "xml", "image", "empty", "unknown"]

# `extract.cascade.prepare_reader` and `import_reader`, named: importing the cascade here
# is what is avoided.
READER_START_UP = ByName("liasse.extract.cascade", "prepare_reader")
READER_IMPORTS = ByName("liasse.extract.cascade", "import_reader")


def sniff(data: bytes) -> Kind:
    """What the bytes are, by their first bytes (a PDF may carry junk before `%PDF`)."""
    head = data[:1024]
    if not data.strip():
        return "empty"
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        return "image"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "xml"
    return "unknown"


def start_reader(documents: int | None = None) -> None:
    """Start the reader's child processes now, for a batch of `documents` (None: as many
    as the pool holds), each importing all that reading a PDF needs. A child for a single
    document skips the warm-up read, which that document's own reading would repeat."""
    start_up = READER_IMPORTS if documents == 1 else READER_START_UP
    shared_worker().warm(start_up, count=documents)


__all__ = ["READER_IMPORTS", "READER_START_UP", "Kind", "sniff", "start_reader"]
