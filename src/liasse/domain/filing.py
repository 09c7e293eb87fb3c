"""Where a processed document is filed: its name from the invoice facts, sanitised for
cloud folders and for the desktop clients that sync them (Windows forbids
`\\ : * ? " < > |` and trailing dots or spaces)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

DEFAULT_PATTERN = (
    "{folder}/Processed/{yyyy}/{mm}/{date}_{supplier}_{number}_{total}{currency}.pdf"
)
FORBIDDEN_CHARACTERS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_NAME_BYTES = 255
UNKNOWN = "unknown"
MESSAGES = {
    "unknown_placeholder": "write-back pattern uses an unknown placeholder {{{name}}}; "
                           "known: {known}",
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
