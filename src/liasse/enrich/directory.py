"""Supplier resolution: who issued this document, looked up in the workspace's directory.

Order, each step with its reason: identifier (VAT, SIREN, SIRET) > IBAN > web domain >
normalised name (rapidfuzz; a tie between two suppliers is rejected, never guessed). The
workspace's own company is never a supplier. An unknown supplier with a valid identifier
is proposed for creation at once; one known only by name is proposed for review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from rapidfuzz import fuzz, process

from liasse.domain.documents import DocumentFacts
from liasse.domain.identifiers import compact
from liasse.domain.suppliers import (
    IdentifierReport,
    OwnCompany,
    Supplier,
    SupplierProposal,
    check_identifiers,
    normalise_name,
)

Outcome = Literal["known", "new", "proposed", "own_company", "ambiguous", "unknown"]
Method = Literal["identifier", "iban", "domain", "name", "none"]

NAME_MATCH_FROM = 90.0  # 0–100 rapidfuzz score for a name to identify a known supplier
NAME_TIE_WITHIN = 3.0  # two suppliers this close on name: a tie, rejected
# Mail providers say nothing about who the supplier is.
PUBLIC_DOMAINS = frozenset({"gmail.com", "yahoo.fr", "yahoo.com", "hotmail.com", "hotmail.fr",
                            "outlook.com", "outlook.fr", "orange.fr", "free.fr", "wanadoo.fr",
                            "icloud.com", "laposte.net", "sfr.fr", "proton.me", "protonmail.com"})
CONFIDENCE = {"identifier": 0.99, "iban": 0.95, "domain": 0.9}
NEW_WITH_IDENTIFIER = 0.9
NEW_BY_NAME_ONLY = 0.5


@runtime_checkable
class SupplierDirectory(Protocol):
    """The workspace's known suppliers, as the store (or a test) provides them."""

    def by_company_key(self, key: str) -> Sequence[Supplier]:
        """Suppliers holding this compact VAT id, SIREN or SIRET."""
        ...

    def by_iban(self, iban: str) -> Sequence[Supplier]: ...

    def by_domain(self, domain: str) -> Sequence[Supplier]: ...

    def names(self) -> Sequence[tuple[str, Supplier]]:
        """Every (normalised name, supplier) pair, legal names and variants."""
        ...


class InMemoryDirectory:
    """A `SupplierDirectory` over a list of suppliers (tests, the CLI, small workspaces)."""

    def __init__(self, suppliers: Iterable[Supplier]) -> None:
        self._by_key: dict[str, list[Supplier]] = defaultdict(list)
        self._by_iban: dict[str, list[Supplier]] = defaultdict(list)
        self._by_domain: dict[str, list[Supplier]] = defaultdict(list)
        self._names: list[tuple[str, Supplier]] = []
        for supplier in suppliers:
            self._add(supplier)

    def with_supplier(self, supplier: Supplier) -> InMemoryDirectory:
        """This directory with one supplier more, as if built with it last; this one is
        left as it was. A window creating suppliers one after the other grew its directory
        by indexing every supplier again each time (quadratic on a first sync)."""
        grown = InMemoryDirectory(())
        grown._by_key = defaultdict(list, self._by_key)
        grown._by_iban = defaultdict(list, self._by_iban)
        grown._by_domain = defaultdict(list, self._by_domain)
        grown._names = list(self._names)
        grown._add(supplier)
        return grown

    def _add(self, supplier: Supplier) -> None:
        # New lists, never appended in place: a grown directory shares the others.
        for key in supplier.company_keys():
            self._by_key[key] = [*self._by_key.get(key, ()), supplier]
        for iban in supplier.ibans:
            self._by_iban[compact(iban)] = [*self._by_iban.get(compact(iban), ()), supplier]
        for domain in supplier.domains:
            name = _domain(domain)
            self._by_domain[name] = [*self._by_domain.get(name, ()), supplier]
        self._names.extend((normalise_name(name), supplier) for name in supplier.names)

    def by_company_key(self, key: str) -> Sequence[Supplier]:
        return self._by_key.get(key, [])

    def by_iban(self, iban: str) -> Sequence[Supplier]:
        return self._by_iban.get(compact(iban), [])

    def by_domain(self, domain: str) -> Sequence[Supplier]:
        return self._by_domain.get(_domain(domain), [])

    def names(self) -> Sequence[tuple[str, Supplier]]:
        return self._names


def _domain(raw: str) -> str:
    value = raw.strip().lower().removeprefix("http://").removeprefix("https://")
    value = value.split("/", 1)[0].split("@")[-1]
    return value.removeprefix("www.")


@dataclass(frozen=True)
class SupplierResolution:
    outcome: Outcome
    method: Method
    confidence: float
    reasons: tuple[str, ...]
    supplier: Supplier | None = None
    proposal: SupplierProposal | None = None
    flags: tuple[str, ...] = ()  # invalid identifiers, an IBAN not the supplier's...
    candidates: tuple[Supplier, ...] = field(default=())


def resolve_supplier(facts: DocumentFacts, directory: SupplierDirectory,
                     own: OwnCompany) -> SupplierResolution:
    """Who issued this document, how sure, and why."""
    report = check_identifiers(facts.supplier_vat_id, facts.supplier_siren,
                               facts.supplier_siret, facts.supplier_iban)
    own_reason = own.own_company_reason(facts.supplier_name,
                                        (report.vat_id, report.siren, report.siret),
                                        report.iban)
    if own_reason:
        return SupplierResolution("own_company", "none", 0.0,
                                  (f"not a supplier: {own_reason}",), flags=report.flags)
    for attempt in (_by_identifier, _by_iban, _by_domain, _by_name):
        found = attempt(facts, report, directory)
        if found is not None:
            return _with_checks(found, report, directory)
    return _propose(facts, report)


def _by_identifier(facts: DocumentFacts, report: IdentifierReport,
                   directory: SupplierDirectory) -> SupplierResolution | None:
    for label, value in (("VAT id", report.vat_id), ("SIRET", report.siret),
                         ("SIREN", report.siren)):
        if value:
            found = _distinct(directory.by_company_key(value))
            if found:
                return _one_or_ambiguous(found, "identifier", f"{label} {value}")
    return None


def _by_iban(facts: DocumentFacts, report: IdentifierReport,
             directory: SupplierDirectory) -> SupplierResolution | None:
    if not report.iban:
        return None
    found = _distinct(directory.by_iban(report.iban))
    return _one_or_ambiguous(found, "iban", f"IBAN {report.iban}") if found else None


def _by_domain(facts: DocumentFacts, report: IdentifierReport,
               directory: SupplierDirectory) -> SupplierResolution | None:
    domain = _domain(facts.supplier_domain) if facts.supplier_domain else ""
    if not domain or domain in PUBLIC_DOMAINS:
        return None
    found = _distinct(directory.by_domain(domain))
    return _one_or_ambiguous(found, "domain", f"web domain {domain}") if found else None


def _by_name(facts: DocumentFacts, report: IdentifierReport,
             directory: SupplierDirectory) -> SupplierResolution | None:
    wanted = normalise_name(facts.supplier_name or "")
    if not wanted:
        return None
    pairs = directory.names()
    ranked = process.extract(wanted, [name for name, _ in pairs], scorer=fuzz.token_sort_ratio,
                             limit=10, score_cutoff=NAME_MATCH_FROM)
    best_by_supplier: dict[str, tuple[float, Supplier]] = {}
    for _name, score, position in ranked:
        supplier = pairs[position][1]
        if supplier.id not in best_by_supplier or best_by_supplier[supplier.id][0] < score:
            best_by_supplier[supplier.id] = (float(score), supplier)
    if not best_by_supplier:
        return None
    ordered = sorted(best_by_supplier.values(), key=lambda item: -item[0])
    best_score, best = ordered[0]
    if len(ordered) > 1 and best_score - ordered[1][0] < NAME_TIE_WITHIN:
        rival_score, rival = ordered[1]
        return SupplierResolution(
            "ambiguous", "name", 0.0,
            (f"name {facts.supplier_name!r} fits {best.legal_name} ({best_score:.0f}) and "
             f"{rival.legal_name} ({rival_score:.0f}) alike: tie rejected",),
            candidates=tuple(supplier for _, supplier in ordered))
    return SupplierResolution(
        "known", "name", round(0.9 * best_score / 100, 4),
        (f"name {facts.supplier_name!r} matches {best.legal_name} "
         f"(similarity {best_score:.0f}, legal forms and accents ignored)",), best)


def _distinct(suppliers: Sequence[Supplier]) -> list[Supplier]:
    return list({supplier.id: supplier for supplier in suppliers}.values())


def _one_or_ambiguous(found: list[Supplier], method: Method, evidence: str) -> SupplierResolution:
    if len(found) == 1:
        return SupplierResolution("known", method, CONFIDENCE[method],
                                  (f"{evidence} belongs to {found[0].legal_name}",), found[0])
    names = ", ".join(supplier.legal_name for supplier in found)
    return SupplierResolution("ambiguous", method, 0.0,
                              (f"{evidence} is shared by {names}: merge them or choose",),
                              candidates=tuple(found))


def _with_checks(found: SupplierResolution, report: IdentifierReport,
                 directory: SupplierDirectory) -> SupplierResolution:
    """Add identifier flags, and warn when the document's IBAN is not the supplier's."""
    flags = list(report.flags)
    reasons = list(found.reasons) + list(report.notes)
    confidence = found.confidence
    supplier = found.supplier
    known_ibans = {compact(iban) for iban in supplier.ibans} if supplier else set()
    if supplier and report.iban and report.iban not in known_ibans:
        owners = [other.legal_name for other in directory.by_iban(report.iban)
                  if other.id != supplier.id]
        if owners:
            flags.append(f"IBAN {report.iban} belongs to {', '.join(owners)}, "
                         f"not {supplier.legal_name}: possible fraud")
            confidence = min(confidence, 0.5)
        else:
            flags.append(f"IBAN {report.iban} is new for {supplier.legal_name}: "
                         "confirm the change of bank details")
            confidence = min(confidence, 0.8)
    if report.flags:
        confidence = min(confidence, 0.7)
    return SupplierResolution(found.outcome, found.method, confidence, tuple(reasons),
                              supplier, None, tuple(flags), found.candidates)


def _propose(facts: DocumentFacts, report: IdentifierReport) -> SupplierResolution:
    name = (facts.supplier_name or "").strip()
    if not name:
        return SupplierResolution("unknown", "none", 0.0, ("no supplier name or identifier "
                                                           "found on the document",),
                                  flags=report.flags)
    domain = _domain(facts.supplier_domain) if facts.supplier_domain else ""
    confident = bool(report.vat_id or report.siren or report.siret)
    proposal = SupplierProposal(
        legal_name=name, vat_ids=(report.vat_id,) if report.vat_id else (),
        sirens=(report.siren,) if report.siren else (),
        sirets=(report.siret,) if report.siret else (),
        ibans=(report.iban,) if report.iban else (),
        domains=(domain,) if domain and domain not in PUBLIC_DOMAINS else (),
        confident=confident)
    if confident:
        ids = ", ".join(value for value in (report.vat_id, report.siren, report.siret) if value)
        reason = f"new supplier {name!r} with valid identifier(s) {ids}: created"
        return SupplierResolution("new", "identifier", NEW_WITH_IDENTIFIER,
                                  (reason, *report.notes), proposal=proposal, flags=report.flags)
    return SupplierResolution("proposed", "name", NEW_BY_NAME_ONLY,
                              (f"new supplier {name!r} known by name only: proposed for review",),
                              proposal=proposal, flags=report.flags)
