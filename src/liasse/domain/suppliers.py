"""Suppliers as liasse knows them: the record, name normalisation, identifier checks, merges.

Pure rules only; looking a supplier up in a directory is `enrich.directory`'s job.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import fuzz

from liasse.domain import identifiers as ids

# Legal forms carry no identity: "Cowork Rivoli SARL" and "COWORK RIVOLI" are one company.
LEGAL_FORMS = frozenset({
    "SA", "SAS", "SASU", "SARL", "SARLU", "EURL", "SNC", "SCI", "SCOP", "SCP", "SCM", "SCA",
    "SELARL", "SELAS", "SEM", "EI", "EIRL", "GIE", "GMBH", "AG", "KG", "UG", "LTD", "LIMITED",
    "INC", "LLC", "LLP", "PLC", "CORP", "CORPORATION", "BV", "NV", "SRL", "SPA", "SL", "AB",
    "OY", "SE", "CO",
})
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_DOTTED_INITIALS = re.compile(r"\b(?:[A-Z]\.){2,}")
# A name this close to the workspace's own name is the workspace itself.
OWN_NAME_SIMILARITY = 92.0


# Names repeat (a directory's, a bank line's) and are worth remembering; whole page texts
# also pass through here (duplicates, account words) and would fill the cache with
# megabytes that never come back, so only name-sized strings are kept.
CACHED_NAME_CHARS = 200


def normalise_name(raw: str) -> str:
    """Accents, punctuation and legal forms stripped, upper case: "Télécom S.A." → "TELECOM"."""
    if len(raw) > CACHED_NAME_CHARS:
        return _normalise(raw)
    return _normalise_cached(raw)


@lru_cache(maxsize=100_000)
def _normalise_cached(raw: str) -> str:
    return _normalise(raw)


def _normalise(raw: str) -> str:
    decomposed = unicodedata.normalize("NFKD", raw)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).upper()
    plain = _DOTTED_INITIALS.sub(lambda match: match.group(0).replace(".", ""), plain)
    words = [word for word in _NOT_ALNUM.sub(" ", plain).split() if word not in LEGAL_FORMS]
    return " ".join(words)


# Numbers in names tell shops and branches apart: "GARAGE STUDIO 184" is not "... 4065";
# a bank label cut short ("... STUDIO 2" for "... STUDIO 286") is alike, never certain.
DIFFERENT_NUMBERS_CAP = 60.0
CUT_NUMBERS_CAP = 90.0
_NUMBER_WORD = re.compile(r"\b\d+\b")


def name_similarity(left: str, right: str) -> float:
    """0–100 similarity of two normalised names, tolerant of word order and truncation."""
    if not left or not right:
        return 0.0
    score = float(fuzz.token_set_ratio(left, right))
    left_numbers, right_numbers = _NUMBER_WORD.findall(left), _NUMBER_WORD.findall(right)
    if left_numbers and right_numbers and set(left_numbers) != set(right_numbers):
        cut = _cut_short(left_numbers, right_numbers) or _cut_short(right_numbers, left_numbers)
        return min(score, CUT_NUMBERS_CAP if cut else DIFFERENT_NUMBERS_CAP)
    return score


def _cut_short(shorter: list[str], longer: list[str]) -> bool:
    """Every number of one name is the start of a number of the other."""
    return all(any(full.startswith(part) for full in longer) for part in shorter)


@dataclass(frozen=True)
class SupplierRule:
    """What a person decided for one supplier: an account, and how sure to be before posting."""

    ledger_account: str | None = None
    always_review: bool = False
    approve_from: float | None = None
    review_from: float | None = None


@dataclass(frozen=True)
class Supplier:
    id: str
    legal_name: str
    name_variants: tuple[str, ...] = ()
    vat_ids: tuple[str, ...] = ()
    sirens: tuple[str, ...] = ()
    sirets: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    default_account: str | None = None
    rule: SupplierRule = field(default_factory=SupplierRule)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.legal_name, *self.name_variants)

    def company_keys(self) -> frozenset[str]:
        """VAT ids, SIRENs (also those inside French VAT ids and SIRETs) and SIRETs, compacted."""
        return company_keys(self.vat_ids, self.sirens, self.sirets)


def company_keys(vat_ids: Iterable[str], sirens: Iterable[str],
                 sirets: Iterable[str]) -> frozenset[str]:
    keys: set[str] = set()
    for vat in vat_ids:
        keys.add(ids.compact(vat))
        siren = ids.siren_from_vat(vat)
        if siren:
            keys.add(siren)
    keys.update(ids.compact(siren) for siren in sirens)
    for siret in sirets:
        keys.add(ids.compact(siret))
        keys.add(ids.siren_from_siret(siret))
    return frozenset(key for key in keys if key)


@dataclass(frozen=True)
class OwnCompany:
    """The workspace's own company: never to be taken as a supplier."""

    names: tuple[str, ...] = ()
    vat_ids: tuple[str, ...] = ()
    sirens: tuple[str, ...] = ()
    sirets: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()

    @classmethod
    def from_identifiers(cls, names: Iterable[str], identifiers: Iterable[str]) -> OwnCompany:
        """Sort a mixed list (as `WorkspaceContext.own_identifiers` holds) by shape."""
        vat_ids, sirens, sirets, ibans = [], [], [], []
        for raw in identifiers:
            value = ids.compact(raw)
            if ids.is_valid_iban(value):
                ibans.append(value)
            elif value[:2].isalpha():
                vat_ids.append(value)
            elif len(value) == 14:
                sirets.append(value)
            elif len(value) == 9:
                sirens.append(value)
        return cls(tuple(names), tuple(vat_ids), tuple(sirens), tuple(sirets), tuple(ibans))

    def own_company_reason(self, name: str | None, identifiers: Iterable[str | None],
                           iban: str | None = None) -> str | None:
        """Why this party is the workspace itself, or None when it is someone else."""
        mine = company_keys(self.vat_ids, self.sirens, self.sirets)
        for raw in identifiers:
            if raw and mine & company_keys(_as_vat(raw), _as_siren(raw), _as_siret(raw)):
                return f"identifier {ids.compact(raw)} is the workspace's own company"
        if iban and ids.compact(iban) in {ids.compact(own) for own in self.ibans}:
            return f"IBAN {ids.compact(iban)} is the workspace's own account"
        if name:
            for own_name in self.names:
                if name_similarity(normalise_name(name), normalise_name(own_name)) \
                        >= OWN_NAME_SIMILARITY:
                    return f"name {name!r} is the workspace's own company ({own_name})"
        return None


def _as_vat(raw: str) -> tuple[str, ...]:
    return (raw,) if ids.compact(raw)[:2].isalpha() else ()


def _as_siren(raw: str) -> tuple[str, ...]:
    return (raw,) if len(ids.compact(raw)) == 9 else ()


def _as_siret(raw: str) -> tuple[str, ...]:
    return (raw,) if len(ids.compact(raw)) == 14 else ()


@dataclass(frozen=True)
class IdentifierReport:
    """Identifiers that passed their checksums, and flags for those that did not."""

    vat_id: str | None
    siren: str | None
    siret: str | None
    iban: str | None
    flags: tuple[str, ...]
    notes: tuple[str, ...]


def check_identifiers(vat_id: str | None, siren: str | None, siret: str | None,
                      iban: str | None) -> IdentifierReport:
    """Validate each identifier, derive the SIREN from a French VAT id, check them both ways."""
    flags: list[str] = []
    notes: list[str] = []
    vat = _valid_or_flag(vat_id, ids.is_valid_vat, "VAT id", flags)
    siren_ok = _valid_or_flag(siren, ids.is_valid_siren, "SIREN", flags)
    siret_ok = _valid_or_flag(siret, ids.is_valid_siret, "SIRET", flags)
    iban_ok = _valid_or_flag(iban, ids.is_valid_iban, "IBAN", flags)
    from_vat = ids.siren_from_vat(vat) if vat else None
    if from_vat and siren_ok and from_vat != siren_ok:
        flags.append(f"SIREN {siren_ok} differs from the SIREN {from_vat} inside VAT id {vat}")
    if vat and siren_ok and from_vat == siren_ok and not ids.vat_matches_siren(vat, siren_ok):
        flags.append(f"VAT id {vat} does not carry the key of SIREN {siren_ok}")
    if siret_ok and siren_ok and ids.siren_from_siret(siret_ok) != siren_ok:
        flags.append(f"SIRET {siret_ok} does not belong to SIREN {siren_ok}")
    if from_vat and not siren_ok:
        siren_ok = from_vat
        notes.append(f"SIREN {from_vat} derived from VAT id {vat}")
    elif siren_ok and not vat and ids.is_valid_siren(siren_ok):
        notes.append(f"VAT id {ids.vat_from_siren(siren_ok)} derived from SIREN {siren_ok}")
    return IdentifierReport(vat, siren_ok, siret_ok, iban_ok, tuple(flags), tuple(notes))


def _valid_or_flag(raw: str | None, is_valid: Callable[[str], bool], label: str,
                   flags: list[str]) -> str | None:
    if not raw:
        return None
    value = ids.compact(raw)
    if is_valid(value):
        return value
    flags.append(f"invalid {label} {value} (checksum or format)")
    return None


@dataclass(frozen=True)
class SupplierProposal:
    """A supplier liasse has not seen: created at once when `confident`, else proposed."""

    legal_name: str
    vat_ids: tuple[str, ...]
    sirens: tuple[str, ...]
    sirets: tuple[str, ...]
    ibans: tuple[str, ...]
    domains: tuple[str, ...]
    confident: bool

    def to_supplier(self, supplier_id: str) -> Supplier:
        return Supplier(supplier_id, self.legal_name, (), self.vat_ids, self.sirens,
                        self.sirets, self.ibans, self.domains)


@dataclass(frozen=True)
class SupplierMerge:
    """The merged record and how the absorbed ids map onto the kept one."""

    supplier: Supplier
    id_mapping: dict[str, str]
    reasons: tuple[str, ...]


def _union(*groups: Iterable[str], key: Callable[[str], str] = ids.compact) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for group in groups:
        for value in group:
            seen.setdefault(key(value), value)
    return tuple(seen.values())


def merge_suppliers(keep: Supplier, absorbed: Supplier) -> SupplierMerge:
    """One supplier out of two: `keep`'s name and rule win; identifiers and names are pooled."""
    if keep.id == absorbed.id:
        raise ValueError("a supplier cannot be merged into itself")
    variants = tuple(name for name in _union(keep.name_variants, absorbed.names,
                                             key=normalise_name)
                     if normalise_name(name) != normalise_name(keep.legal_name))
    merged = replace(
        keep,
        name_variants=variants,
        vat_ids=_union(keep.vat_ids, absorbed.vat_ids),
        sirens=_union(keep.sirens, absorbed.sirens),
        sirets=_union(keep.sirets, absorbed.sirets),
        ibans=_union(keep.ibans, absorbed.ibans),
        domains=_union(keep.domains, absorbed.domains, key=str.lower),
        default_account=keep.default_account or absorbed.default_account,
        rule=keep.rule if keep.rule != SupplierRule() else absorbed.rule,
    )
    reasons = (f"{absorbed.legal_name} ({absorbed.id}) merged into "
               f"{keep.legal_name} ({keep.id})",)
    return SupplierMerge(merged, {absorbed.id: keep.id}, reasons)


@dataclass(frozen=True)
class Posting:
    """One past decision: this document (its text and supplier) went to this account."""

    supplier_id: str | None
    text: str
    account: str
