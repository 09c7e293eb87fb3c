"""Find the XML files attached to a PDF (Factur-X, ZUGFeRD, XRechnung, UBL), bounded and safe.

Two places hold attachments: the document's EmbeddedFiles name tree (and the PDF/A-3 `/AF`
array of the catalog), and file-attachment annotations on pages. Names vary by producer,
so a file counts as XML by its name, its declared MIME type or its first bytes. A broken
or password-protected PDF gives no files and a warning, never an exception.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pypdf
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ANNOTATED_PAGES = 50
# A name tree deeper or wider than this is malformed or hostile; real ones hold a handful.
MAX_TREE_NODES = 1_000

# The canonical names of the e-invoice standards, read first when a PDF carries several XMLs.
PREFERRED_NAMES: tuple[str, ...] = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
)

MESSAGES = {
    "not_pdf": "not a readable PDF: {detail}",
    "encrypted": "PDF is password-protected; its attachments cannot be read",
    "too_big": "attachment {name!r} is larger than {limit} bytes; ignored",
    "unreadable": "attachment {name!r} could not be read: {detail}",
}

@dataclass(frozen=True)
class AttachmentScan:
    """The XML attachments found, in reading order, and what went wrong on the way."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def embedded_xml_files(pdf: bytes) -> list[tuple[str, bytes]]:
    """Every XML attachment of `pdf` as (file name, bytes); [] for a broken or locked PDF."""
    return scan_xml_attachments(pdf).files


def scan_xml_attachments(pdf: bytes, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> AttachmentScan:
    """Like `embedded_xml_files`, with the reasons when something could not be read."""
    warnings: list[str] = []
    reader = _open_reader(pdf, warnings)
    if reader is None:
        return AttachmentScan([], warnings)
    found: list[tuple[str, bytes]] = []
    seen: set[tuple[str, bytes]] = set()
    try:
        for name, spec in _file_specs(reader):
            data = _read_if_xml(name, spec, max_bytes, warnings)
            if data is not None and (name, data) not in seen:
                seen.add((name, data))
                found.append((name, data))
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        # A damaged object graph stops the walk; what was read before it is still good.
        warnings.append(MESSAGES["not_pdf"].format(detail=_short(error)))
    return AttachmentScan(_preferred_first(found), warnings)


def _open_reader(pdf: bytes, warnings: list[str]) -> pypdf.PdfReader | None:
    try:
        reader = pypdf.PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted and not _unlocks_with_empty_password(reader):
            warnings.append(MESSAGES["encrypted"])
            return None
        _ = reader.trailer["/Root"]
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, RecursionError,
            OSError, NotImplementedError) as error:
        warnings.append(MESSAGES["not_pdf"].format(detail=_short(error)))
        return None
    return reader


def _unlocks_with_empty_password(reader: pypdf.PdfReader) -> bool:
    """Many PDFs have only an owner password: the empty user password opens them for reading."""
    try:
        return bool(reader.decrypt(""))
    except (PyPdfError, NotImplementedError, ValueError, ImportError):
        # ImportError: pypdf needs `cryptography` for AES; without it the file stays locked.
        return False


def _file_specs(reader: pypdf.PdfReader) -> Iterator[tuple[str, DictionaryObject]]:
    """(name, file specification) from the name tree, the catalog /AF and page annotations."""
    root = _resolve(reader.trailer["/Root"])
    if not isinstance(root, DictionaryObject):
        return
    names = _resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        yield from _name_tree(_resolve(names.get("/EmbeddedFiles")))
    yield from _spec_array(_resolve(root.get("/AF")))
    yield from _annotation_specs(reader)


def _name_tree(node: Any) -> Iterator[tuple[str, DictionaryObject]]:
    """Walk a name tree iteratively, guarding against cycles and absurd sizes."""
    pending, visited = [node], 0
    while pending and visited < MAX_TREE_NODES:
        current = _resolve(pending.pop())
        visited += 1
        if not isinstance(current, DictionaryObject):
            continue
        pairs = _resolve(current.get("/Names"))
        if isinstance(pairs, ArrayObject):
            for index in range(0, len(pairs) - 1, 2):
                spec = _resolve(pairs[index + 1])
                if isinstance(spec, DictionaryObject):
                    yield _spec_name(spec, fallback=str(_resolve(pairs[index]))), spec
        kids = _resolve(current.get("/Kids"))
        if isinstance(kids, ArrayObject):
            pending.extend(kids[:MAX_TREE_NODES])


def _spec_array(array: Any) -> Iterator[tuple[str, DictionaryObject]]:
    if isinstance(array, ArrayObject):
        for item in array[:MAX_TREE_NODES]:
            spec = _resolve(item)
            if isinstance(spec, DictionaryObject):
                yield _spec_name(spec, fallback="attachment"), spec


def _annotation_specs(reader: pypdf.PdfReader) -> Iterator[tuple[str, DictionaryObject]]:
    for page_number, page in enumerate(reader.pages):
        if page_number >= MAX_ANNOTATED_PAGES:
            return
        annotations = _resolve(page.get("/Annots"))
        if not isinstance(annotations, ArrayObject):
            continue
        for item in annotations[:MAX_TREE_NODES]:
            annotation = _resolve(item)
            if isinstance(annotation, DictionaryObject) and \
                    annotation.get("/Subtype") == "/FileAttachment":
                spec = _resolve(annotation.get("/FS"))
                if isinstance(spec, DictionaryObject):
                    yield _spec_name(spec, fallback="attachment"), spec


def _spec_name(spec: DictionaryObject, *, fallback: str) -> str:
    for key in ("/UF", "/F"):
        value = _resolve(spec.get(key))
        if isinstance(value, str) and value:
            return value
    return fallback


def _read_if_xml(name: str, spec: DictionaryObject, max_bytes: int,
                 warnings: list[str]) -> bytes | None:
    stream = _embedded_stream(spec)
    if stream is None or not _may_be_xml(name, stream):
        return None
    declared = _declared_size(stream)
    if declared is not None and declared > max_bytes:
        warnings.append(MESSAGES["too_big"].format(name=name, limit=max_bytes))
        return None
    data = _bounded_data(name, stream, max_bytes, warnings)
    if data is None or not _looks_like_xml(data):
        return None
    return data


def _embedded_stream(spec: DictionaryObject) -> StreamObject | None:
    embedded = _resolve(spec.get("/EF"))
    if not isinstance(embedded, DictionaryObject):
        return None
    for key in ("/UF", "/F"):
        stream = _resolve(embedded.get(key))
        if isinstance(stream, StreamObject):
            return stream
    return None


def _may_be_xml(name: str, stream: StreamObject) -> bool:
    """Cheap pre-filter so that images and spreadsheets are never decompressed."""
    subtype = str(_resolve(stream.get("/Subtype")) or "").lower()
    if name.lower().endswith(".xml") or "xml" in subtype:
        return True
    # Unknown name and type: only a first-bytes sniff can tell, done after a bounded read.
    return not subtype and "." not in name.rsplit("/", 1)[-1]


def _declared_size(stream: StreamObject) -> int | None:
    params = _resolve(stream.get("/Params"))
    size = _resolve(params.get("/Size")) if isinstance(params, DictionaryObject) else None
    return int(size) if isinstance(size, int) else None


def _bounded_data(name: str, stream: StreamObject, max_bytes: int,
                  warnings: list[str]) -> bytes | None:
    """Decode with pypdf's decompression limits lowered to our cap, so a bomb stops early."""
    limit = max_bytes + 1
    try:
        with pypdf.apply_configuration(
            zlib_maximum_output_length=limit,
            lzw_maximum_output_length=limit,
            run_length_maximum_output_length=limit,
            brotli_maximum_output_length=limit,
            array_based_stream_maximum_output_length=limit,
        ):
            data = stream.get_data()
    except (PyPdfError, ValueError, TypeError, KeyError, NotImplementedError) as error:
        warnings.append(MESSAGES["unreadable"].format(name=name, detail=_short(error)))
        return None
    if len(data) > max_bytes:
        warnings.append(MESSAGES["too_big"].format(name=name, limit=max_bytes))
        return None
    return bytes(data)


def _looks_like_xml(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or data[:2] in (b"\xff\xfe", b"\xfe\xff")


def _preferred_first(found: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Canonical e-invoice names first; otherwise the PDF's own order (stable sort)."""
    preferred = {name.lower() for name in PREFERRED_NAMES}
    return sorted(found, key=lambda item: item[0].lower() not in preferred)


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "AttachmentScan",
    "embedded_xml_files",
    "scan_xml_attachments",
]
