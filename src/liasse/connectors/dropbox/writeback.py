"""Write-back: the processed PDF filed into the connected Dropbox folder, never twice.

`processed_path` names the file from the invoice facts, sanitised for Dropbox and for the
desktop clients that sync it (Windows forbids `\\ : * ? " < > |` and trailing dots or
spaces). `stamp_pdf_metadata` appends the link to the liasse record (and the Qonto id) as
an incremental PDF update, so the original bytes stay a byte-for-byte prefix.
`DropboxWriter.write` is safe to repeat: if the same bytes are already at the path (a
retry after a crash), it returns that file instead of writing again. The source file is
never touched: the writer only ever adds new files.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader, PdfWriter

from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.content_hash import content_hash
from liasse.connectors.dropbox.errors import PathConflict, PathNotFound, WriteBackConflict
from liasse.connectors.dropbox.models import FileMetadata, Metadata

DEFAULT_PATTERN = (
    "{folder}/Processed/{yyyy}/{mm}/{date}_{supplier}_{number}_{total}{currency}.pdf"
)
FORBIDDEN_CHARACTERS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_NAME_BYTES = 255
UNKNOWN = "unknown"
RECORD_KEY = "/LiasseRecord"
QONTO_KEY = "/LiasseQontoId"
MESSAGES = {
    "unknown_placeholder": "write-back pattern uses an unknown placeholder {{{name}}}; "
                           "known: {known}",
    "taken": "{path}: a different file is already there, and at {fallback} too",
}


def sanitise_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """One path component Dropbox and every desktop client accept."""
    cleaned = FORBIDDEN_CHARACTERS.sub("-", unicodedata.normalize("NFC", name))
    cleaned = re.sub(r"\s+", " ", cleaned).strip().rstrip(". ")
    if not cleaned:
        return UNKNOWN
    return truncate_keeping_suffix(cleaned, max_bytes)


def truncate_keeping_suffix(name: str, max_bytes: int) -> str:
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, suffix = name.rpartition(".") if "." in name[1:] else (name, "", "")
    tail = dot + suffix if len(suffix) <= 10 else ""
    stem = stem if tail else name
    budget = max_bytes - len(tail.encode("utf-8"))
    shortened = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(". ")
    return shortened + tail


def placeholder_values(folder: str, facts: Mapping[str, str | None]) -> dict[str, str]:
    """Pattern values from the invoice facts: issue_date, supplier, number, total, currency."""
    issue_date = facts.get("issue_date") or ""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", issue_date)
    yyyy, mm, dd = match.groups() if match else ("undated", "undated", "undated")
    values = {
        "yyyy": yyyy, "mm": mm, "dd": dd,
        "date": issue_date if match else "undated",
        "supplier": facts.get("supplier") or UNKNOWN,
        "number": facts.get("number") or UNKNOWN,
        "total": facts.get("total") or UNKNOWN,
        "currency": facts.get("currency") or "",
    }
    # A value must stay inside its own path component: no separators, no trailing dots.
    cleaned = {key: FORBIDDEN_CHARACTERS.sub("-", value).strip() for key, value in values.items()}
    return {"folder": folder.rstrip("/"), **cleaned}


def processed_path(pattern: str, folder: str, facts: Mapping[str, str | None]) -> str:
    """Where the processed PDF goes.

    E.g. `/Inbox/Processed/2024/03/2024-03-05_Acme_F12_120.00EUR.pdf`.
    """
    values = placeholder_values(folder, facts)
    try:
        formatted = pattern.format_map(values)
    except KeyError as missing:
        raise ValueError(MESSAGES["unknown_placeholder"].format(
            name=missing.args[0], known=", ".join(sorted(values)))) from missing
    base = values["folder"]
    if formatted.startswith(base + "/"):
        relative = formatted[len(base) + 1:]
    else:
        base, relative = "", formatted.lstrip("/")
    parts = [sanitise_name(part) for part in relative.split("/") if part.strip()]
    return "/".join([base, *parts])


def stamp_pdf_metadata(pdf: bytes, record_url: str, qonto_id: str | None) -> bytes:
    """The PDF with liasse's keys in its document info, appended as an incremental update."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    entries: dict[str, Any] = {RECORD_KEY: record_url}
    if qonto_id is not None:
        entries[QONTO_KEY] = qonto_id
    writer.add_metadata(entries)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def read_stamp(pdf: bytes) -> dict[str, str]:
    """liasse's keys from a stamped PDF (empty when it was never stamped)."""
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    if metadata is None:
        return {}
    return {key: str(metadata[key]) for key in (RECORD_KEY, QONTO_KEY) if key in metadata}


@dataclass(frozen=True)
class DropboxWriter:
    client: DropboxClient

    def write(self, path: str, data: bytes, idempotency_key: str) -> FileMetadata:
        """Add `data` at `path`; repeat-safe. If another file holds the path, use a
        fallback name derived from `idempotency_key`, so a retry finds it again too."""
        digest = content_hash(data)
        written = self._write_once(path, data, digest)
        if written is not None:
            return written
        fallback = with_key_suffix(path, idempotency_key)
        written = self._write_once(fallback, data, digest)
        if written is not None:
            return written
        raise WriteBackConflict(MESSAGES["taken"].format(path=path, fallback=fallback))

    def _write_once(self, path: str, data: bytes, digest: str) -> FileMetadata | None:
        """The file now at `path` with our bytes, or None if something else is there."""
        occupant = self._occupant(path)
        if occupant is None:
            try:
                return self.client.upload(path, data, content_hash=digest, mode="add",
                                          strict_conflict=True)
            except PathConflict:
                occupant = self._occupant(path)  # someone (an earlier try?) got there first
        if isinstance(occupant, FileMetadata) and occupant.content_hash == digest:
            return occupant
        return None

    def _occupant(self, path: str) -> Metadata | None:
        try:
            return self.client.get_metadata(path)
        except PathNotFound:
            return None


def with_key_suffix(path: str, idempotency_key: str) -> str:
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".") if "." in name[1:] else (name, "", "")
    tag = re.sub(r"[^0-9A-Za-z]", "", idempotency_key)[:8] or "copy"
    return f"{folder}/{sanitise_name(f'{stem} [{tag}]{dot}{suffix}')}"
