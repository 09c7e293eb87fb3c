"""The pure side of the receipts export: names, paths, folder keys, file content, schedule.

Nothing here does I/O. Paths follow Qonto's own integration,
`/Qonto/<account name>/<YYYY-MM>/<date>_<counterparty>_<amount>.<ext>`, or, filed by
ledger account, `/Qonto/<account name>/<ledger account>/...`. Dates are read in the
export's time zone, so a card payment settled at 23:40 UTC on 31 January belongs to
February in Paris, as the user sees it in the Qonto app.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import PurePosixPath
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from liasse.domain.money import Money
from liasse.domain.transactions import BankTransaction

FilingMode = Literal["by_date", "by_account"]
FILING_MODES: tuple[str, ...] = get_args(FilingMode)

UNASSIGNED = "unassigned"
UNKNOWN_COUNTERPARTY = "unknown"
ROOT_KEY = "root"

# Dropbox refuses these in a name, and names that end with a dot or a space.
_FORBIDDEN = frozenset('\\/:?*"<>|')
_WHITESPACE = re.compile(r"\s+")
MAX_NAME_LENGTH = 255  # Dropbox's limit for one path component
MAX_COUNTERPARTY_LENGTH = 80
MAX_FOLDER_NAME_LENGTH = 120
SHORT_SUFFIX_LENGTH = 8

_EXTENSIONS_BY_TYPE = {
    "application/pdf": "pdf", "image/jpeg": "jpg", "image/jpg": "jpg", "image/png": "png",
    "image/heic": "heic", "image/gif": "gif", "image/tiff": "tiff", "image/webp": "webp",
}
_SCHEDULE_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

# PDF metadata keys that tie an exported file to its bank transaction.
PDF_TRANSACTION_KEY = "/LiasseTransactionId"
PDF_ATTACHMENT_KEY = "/LiasseAttachmentId"


# --- names -----------------------------------------------------------------------------------


def sanitise_name(raw: str, *, fallback: str, max_length: int = MAX_NAME_LENGTH) -> str:
    """A name Dropbox accepts: no forbidden or control characters, no trailing dot or space."""
    # Whitespace (tabs, newlines) first becomes one space, other refused characters a dash.
    normalised = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", raw))
    cleaned = "".join("-" if _is_refused(char) else char for char in normalised).strip()
    cleaned = cleaned[:max_length].rstrip(". ")
    if not cleaned or set(cleaned) <= {".", "-"}:
        return fallback
    return cleaned


def _is_refused(char: str) -> bool:
    return char in _FORBIDDEN or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co")


def format_amount(amount: Money) -> str:
    """`123.45EUR`: the currency's own decimals, no separator, no sign (the side is known)."""
    return f"{abs(amount).format_plain()}{amount.currency}"


def receipt_day(transaction: BankTransaction, zone: ZoneInfo) -> date:
    """The settled date as the user sees it in the export's time zone."""
    return transaction.booked_at.astimezone(zone).date()


def file_extension(file_name: str, content_type: str) -> str:
    """The extension of the attachment's own name, else one from its content type."""
    suffix = PurePosixPath(file_name).suffix.lstrip(".").lower()
    if suffix and suffix.isalnum() and len(suffix) <= 5:
        return suffix
    return _EXTENSIONS_BY_TYPE.get(content_type.split(";")[0].strip().lower(), "bin")


def receipt_file_name(transaction: BankTransaction, extension: str, zone: ZoneInfo) -> str:
    """`<date>_<counterparty>_<amount>.<ext>`, e.g. `2024-03-05_OVH SAS_23.99EUR.pdf`."""
    counterparty = sanitise_name(
        transaction.counterparty_name or transaction.label,
        fallback=UNKNOWN_COUNTERPARTY, max_length=MAX_COUNTERPARTY_LENGTH,
    )
    day = receipt_day(transaction, zone).isoformat()
    name = f"{day}_{counterparty}_{format_amount(transaction.amount)}.{extension}"
    return sanitise_name(name, fallback=f"{day}.{extension}")


def name_candidates(preferred: str, attachment_id: str) -> list[str]:
    """The preferred name, then the same with a short, then a full suffix from the attachment
    id: two receipts with the same name (two attachments of one payment) both find a place,
    and always the same one."""
    path = PurePosixPath(preferred)
    stem, suffix = path.stem, path.suffix
    safe_id = sanitise_name(attachment_id, fallback="x")
    names = [preferred]
    for tag in (safe_id[:SHORT_SUFFIX_LENGTH], safe_id):
        room = MAX_NAME_LENGTH - len(suffix) - len(tag) - 1
        candidate = f"{stem[:room].rstrip('. ')}_{tag}{suffix}"
        if candidate not in names:
            names.append(candidate)
    return names


# --- folders ---------------------------------------------------------------------------------


def account_folder_names(accounts: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """Folder names by bank account id, from `(id, name, iban)`. Two accounts with the same
    name are told apart by the end of their IBAN, so their receipts never mix."""
    names = {account_id: sanitise_name(name, fallback=sanitise_name(account_id, fallback="x"),
                                       max_length=MAX_FOLDER_NAME_LENGTH)
             for account_id, name, _ in accounts}
    seen = Counter(name.casefold() for name in names.values())
    for account_id, _, iban in accounts:
        if seen[names[account_id].casefold()] > 1:
            tail = sanitise_name(iban.replace(" ", "")[-4:] or account_id[-6:], fallback="x")
            names[account_id] = f"{names[account_id]} {tail}"
    return names


def group_folder_name(transaction: BankTransaction, mode: str, zone: ZoneInfo,
                      ledger_account: str | None) -> str:
    """The folder under the bank account: the month, or the ledger account in `by_account`."""
    if mode == "by_account":
        return sanitise_name(ledger_account or "", fallback=UNASSIGNED,
                             max_length=MAX_FOLDER_NAME_LENGTH)
    return receipt_day(transaction, zone).strftime("%Y-%m")


def account_key(bank_account_id: str) -> str:
    return f"account:{bank_account_id}"


def group_key(bank_account_id: str, group_name: str) -> str:
    return f"group:{bank_account_id}:{group_name.casefold()}"


def join_path(folder: str, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}"


def normalise_root_path(root_path: str) -> str:
    """`/Qonto`-like: absolute, each part sanitised, no trailing slash."""
    parts = [sanitise_name(part, fallback="Qonto") for part in root_path.split("/") if part]
    return "/" + "/".join(parts or ["Qonto"])


# --- identity and content --------------------------------------------------------------------


def receipt_key(workspace_id: str, connection_id: str, attachment_id: str,
                generation: int) -> str:
    """The idempotency key of one export of one attachment: a retry reuses it, a reset not.
    The connection is part of it so two exports of one workspace never share a key."""
    raw = "\x00".join((workspace_id, connection_id, attachment_id, str(generation)))
    digest = hashlib.sha256(raw.encode())
    return f"receipt-{digest.hexdigest()[:40]}"


def link_to_transaction(content: bytes, content_type: str, transaction_id: str,
                        attachment_id: str) -> bytes:
    """A PDF gets the transaction and attachment ids in its metadata; other files, and PDFs
    pypdf cannot rewrite (encrypted, damaged), are kept byte for byte: the link is in the
    database row anyway. The output is deterministic, so a retry hashes the same."""
    if not (content.startswith(b"%PDF") or content_type.lower() == "application/pdf"):
        return content
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return content
        writer = PdfWriter(clone_from=reader)
        writer.add_metadata({PDF_TRANSACTION_KEY: transaction_id,
                             PDF_ATTACHMENT_KEY: attachment_id})
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return content
    return out.getvalue()


# --- schedule --------------------------------------------------------------------------------


def parse_schedule_time(value: str) -> time:
    """`HH:MM` on a 24-hour clock; anything else is refused."""
    match = _SCHEDULE_TIME.match(value.strip())
    if match is None:
        raise ValueError(f"not a time of day as HH:MM: {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def next_run_after(now: datetime, schedule_time: str = "23:30",
                   timezone: str = "Europe/Paris") -> datetime:
    """The first daily run strictly after `now`, in UTC. The wall-clock time is kept across
    DST changes; a time that does not exist that day (spring forward) runs as many minutes
    after the jump as it was meant to be after its start, a repeated one (fall back) runs
    the first time."""
    if now.tzinfo is None:
        raise ValueError("next_run_after needs an aware datetime")
    at, zone = parse_schedule_time(schedule_time), parse_timezone(timezone)
    today = now.astimezone(zone).date()
    for offset in range(3):
        candidate = datetime.combine(today + timedelta(days=offset), at, tzinfo=zone)
        if candidate.astimezone(UTC) > now:
            return candidate.astimezone(UTC)
    raise AssertionError("unreachable: tomorrow's run is always after now")  # pragma: no cover
