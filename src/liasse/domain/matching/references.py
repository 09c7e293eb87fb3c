"""Payment references: RF creditor references (ISO 11649) and invoice-number keys.

Banks abbreviate: separators vanish ("F-2026-0042" becomes "F20260042"), leading zeros are
trimmed ("F2026-42"), tokens are split by spaces. Each document number is turned into a few
comparable keys, and each bank text into the keys it could contain, so that a match is a
set intersection or a dictionary look-up, never a scan.
"""

from __future__ import annotations

import re
from functools import lru_cache

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_TOKEN_SPLIT = re.compile(r"[\s/:;,()#*+°º]+")
# Words a payer glues to the number ("FACT2026-8475", "REF0042"): also tried without them.
_GLUED_WORDS = re.compile(r"^(?:FACTURE|FACT|FAC|INVOICE|INV|REF|NUM)(?=\S*[0-9])")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_RF_SHAPE = re.compile(r"RF\d{2}[0-9A-Z]{1,21}")
# Shorter keys ("311", "A12") appear by chance in bank labels far too often to count.
MIN_KEY_LENGTH = 4
# How many neighbouring tokens of a bank text may be glued back into one number.
MAX_GLUED_TOKENS = 3


def compact_number(raw: str) -> str:
    """Upper case, letters and digits only: "fa-2026/0042" → "FA20260042"."""
    return _NOT_ALNUM.sub("", raw.upper())


def _trim_group_zeros(raw: str) -> str:
    """Leading zeros dropped in each group of digits, then compacted: "F-2026-0042" → "F202642"."""
    groups = [_LEADING_ZEROS.sub("", group) for group in _NOT_ALNUM.split(raw.upper()) if group]
    return "".join(groups)


def _usable(key: str) -> bool:
    return len(key) >= MIN_KEY_LENGTH and any(char.isdigit() for char in key)


@lru_cache(maxsize=200_000)
def number_keys(raw: str) -> frozenset[str]:
    """The comparable forms of one document number or payment reference."""
    compacted = compact_number(raw)
    keys = {compacted, _trim_group_zeros(raw), _LEADING_ZEROS.sub("", compacted)}
    return frozenset(key for key in keys if _usable(key))


def same_number(left: str, right: str) -> bool:
    """Two printed numbers are the same once separators and trimmed zeros are forgiven."""
    return bool(number_keys(left) & number_keys(right))


def text_keys(*texts: str) -> frozenset[str]:
    """Every key a bank label, reference or note could be carrying."""
    keys: set[str] = set()
    for text in texts:
        tokens = [token for token in _TOKEN_SPLIT.split(text.upper()) if token]
        for start in range(len(tokens)):
            unglued = _GLUED_WORDS.sub("", tokens[start])
            for width in range(1, MAX_GLUED_TOKENS + 1):
                if start + width <= len(tokens):
                    rest = tokens[start + 1:start + width]
                    keys |= number_keys(" ".join([tokens[start], *rest]))
                    if unglued != tokens[start]:
                        keys |= number_keys(" ".join([unglued, *rest]))
    return frozenset(keys)


def _iso7064_mod97(text: str) -> int:
    """Letters become numbers (A=10 … Z=35), then the whole is taken modulo 97."""
    digits = "".join(str(int(char, 36)) for char in text)
    return int(digits) % 97


def is_valid_rf(raw: str) -> bool:
    """True for a well-formed RF creditor reference whose check digits are right."""
    value = compact_number(raw)
    if not _RF_SHAPE.fullmatch(value):
        return False
    return _iso7064_mod97(value[4:] + value[:4]) == 1


def make_rf(body: str) -> str:
    """The RF reference for a creditor's own reference ("INV2026042" → "RF..INV2026042")."""
    value = compact_number(body)
    if not 1 <= len(value) <= 21:
        raise ValueError(f"an RF reference body has 1 to 21 letters or digits, not {body!r}")
    check = 98 - _iso7064_mod97(value + "RF00")
    return f"RF{check:02d}{value}"


def find_rf_references(*texts: str) -> tuple[str, ...]:
    """The valid RF references inside free text (spaces inside the reference allowed)."""
    found: list[str] = []
    for text in texts:
        squeezed = compact_number(text)
        for start in (match.start() for match in re.finditer("RF", squeezed)):
            for end in range(len(squeezed), start + 4, -1):
                candidate = squeezed[start:end]
                if len(candidate) <= 25 and is_valid_rf(candidate):
                    found.append(candidate)
                    break
    return tuple(dict.fromkeys(found))
