"""The French chart of accounts (Plan comptable général): the expense and asset accounts
liasse suggests, with their French and English labels and the words that point to them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from liasse.domain.suppliers import normalise_name


@dataclass(frozen=True)
class PcgAccount:
    number: str
    label_fr: str
    label_en: str
    keywords: tuple[str, ...]


@cache
def pcg_accounts() -> dict[str, PcgAccount]:
    """The shipped chart of accounts, read once on first use (never at import)."""
    raw = json.loads(resources.files("liasse.domain").joinpath("data/pcg.json").read_text("utf-8"))
    return {item["number"]: PcgAccount(item["number"], item["fr"], item["en"],
                                       tuple(normalise_name(word) for word in item["keywords"]))
            for item in raw["accounts"]}


def label_of(account: str, language: str = "en") -> str:
    known = pcg_accounts().get(account)
    if known is None:
        return account
    return known.label_fr if language == "fr" else known.label_en
