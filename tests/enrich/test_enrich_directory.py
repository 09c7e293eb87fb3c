"""Supplier resolution: the order of evidence, ties, new suppliers, the own company."""

from __future__ import annotations

from liasse.domain.documents import DocumentFacts
from liasse.domain.suppliers import OwnCompany, Supplier
from liasse.enrich.directory import InMemoryDirectory, SupplierDirectory, resolve_supplier
from liasse.samples.demo import CABINET, COWORK, DEMO_COMPANY, PAPETERIE, TELECOM, DemoSupplier

OWN = OwnCompany(names=(DEMO_COMPANY.name,), vat_ids=(DEMO_COMPANY.vat_id,),
                 ibans=(DEMO_COMPANY.iban,))


def known(demo: DemoSupplier, supplier_id: str) -> Supplier:
    return Supplier(supplier_id, demo.name, vat_ids=(demo.vat_id,), ibans=(demo.iban,),
                    domains=(demo.domain,), default_account=demo.ledger_account)


DIRECTORY = InMemoryDirectory([known(COWORK, "cowork"), known(PAPETERIE, "papeterie"),
                               known(CABINET, "cabinet"), known(TELECOM, "telecom")])


def facts(**values: str | None) -> DocumentFacts:
    return DocumentFacts(id="d", sha256="", document_type="invoice", **values)  # type: ignore[arg-type]


def test_directory_conforms_to_the_protocol() -> None:
    assert isinstance(DIRECTORY, SupplierDirectory)


def test_identifier_wins_and_says_so() -> None:
    found = resolve_supplier(facts(supplier_name="Totally Different",
                                   supplier_vat_id=TELECOM.vat_id), DIRECTORY, OWN)
    assert found.outcome == "known" and found.supplier and found.supplier.id == "telecom"
    assert found.method == "identifier" and f"VAT id {TELECOM.vat_id}" in found.reasons[0]


def test_siren_alone_finds_the_supplier_through_its_vat_id() -> None:
    found = resolve_supplier(facts(supplier_siren=CABINET.siren), DIRECTORY, OWN)
    assert found.supplier and found.supplier.id == "cabinet" and "SIREN" in found.reasons[0]


def test_iban_then_domain_then_name() -> None:
    by_iban = resolve_supplier(facts(supplier_iban=COWORK.iban), DIRECTORY, OWN)
    assert (by_iban.method, by_iban.supplier and by_iban.supplier.id) == ("iban", "cowork")
    by_domain = resolve_supplier(facts(supplier_domain="https://www.durand-avocats.fr/contact"),
                                 DIRECTORY, OWN)
    assert by_domain.method == "domain" and "durand-avocats.fr" in by_domain.reasons[0]
    by_name = resolve_supplier(facts(supplier_name="PAPETERIE MARTIN S.A.R.L."), DIRECTORY, OWN)
    assert by_name.method == "name" and by_name.supplier and by_name.supplier.id == "papeterie"
    assert "similarity" in by_name.reasons[0]


def test_public_mail_domains_identify_nobody() -> None:
    found = resolve_supplier(facts(supplier_domain="gmail.com"), DIRECTORY, OWN)
    assert found.outcome == "unknown"


def test_name_ties_are_rejected() -> None:
    directory = InMemoryDirectory([Supplier("a", "Durand Conseil SARL"),
                                   Supplier("b", "Durand Conseil SAS")])
    found = resolve_supplier(facts(supplier_name="Durand Conseil"), directory, OWN)
    assert found.outcome == "ambiguous" and found.supplier is None
    assert "tie rejected" in found.reasons[0]


def test_own_company_is_never_a_supplier() -> None:
    directory = InMemoryDirectory([Supplier("me", DEMO_COMPANY.name,
                                            vat_ids=(DEMO_COMPANY.vat_id,))])
    by_vat = resolve_supplier(facts(supplier_name="X", supplier_vat_id=DEMO_COMPANY.vat_id),
                              directory, OWN)
    by_name = resolve_supplier(facts(supplier_name="Atelier Liasse"), directory, OWN)
    for found in (by_vat, by_name):
        assert found.outcome == "own_company" and found.supplier is None
        assert found.reasons[0].startswith("not a supplier")


def test_new_supplier_created_with_identifier_proposed_by_name_only() -> None:
    empty = InMemoryDirectory([])
    sure = resolve_supplier(facts(supplier_name="Fibre Ouest Télécom SA",
                                  supplier_vat_id=TELECOM.vat_id), empty, OWN)
    assert sure.outcome == "new" and sure.proposal and sure.proposal.confident
    assert sure.proposal.sirens == (TELECOM.siren,)  # derived from the VAT id
    assert TELECOM.vat_id in sure.reasons[0]
    weak = resolve_supplier(facts(supplier_name="Boulangerie du Coin"), empty, OWN)
    assert weak.outcome == "proposed" and weak.proposal and not weak.proposal.confident
    assert "proposed for review" in weak.reasons[0]


def test_invalid_identifier_is_flagged_and_not_used() -> None:
    found = resolve_supplier(facts(supplier_name="Papeterie Martin",
                                   supplier_vat_id="FR00429712417"), DIRECTORY, OWN)
    assert found.method == "name"
    assert any("invalid VAT id" in flag for flag in found.flags)
    assert found.confidence <= 0.7


def test_iban_of_another_supplier_is_a_fraud_warning() -> None:
    found = resolve_supplier(facts(supplier_vat_id=PAPETERIE.vat_id, supplier_iban=COWORK.iban),
                             DIRECTORY, OWN)
    assert found.supplier and found.supplier.id == "papeterie"
    assert any("possible fraud" in flag and COWORK.name in flag for flag in found.flags)
    assert found.confidence <= 0.5


def test_a_grown_directory_finds_what_one_built_with_the_supplier_finds() -> None:
    """`with_supplier` (a window's new supplier) answers every lookup as a directory built
    with that supplier last, and leaves the directory it grew from as it was."""
    first = [known(COWORK, "s1"), known(TELECOM, "s2")]
    # Shares the VAT id of s1, the IBAN of s2, a domain and a name of its own.
    added = Supplier("s3", "Papeterie Bis", vat_ids=(COWORK.vat_id,), ibans=(TELECOM.iban,),
                     domains=("www.papeterie-bis.fr",), name_variants=("Papeterie 2",))
    small = InMemoryDirectory(first)
    grown, built = small.with_supplier(added), InMemoryDirectory([*first, added])
    keys = {COWORK.vat_id.replace(" ", ""), *added.company_keys(), *first[1].company_keys()}
    for key in keys:
        assert grown.by_company_key(key) == built.by_company_key(key), key
    for iban in (COWORK.iban, TELECOM.iban):
        assert grown.by_iban(iban) == built.by_iban(iban)
    assert grown.by_domain("papeterie-bis.fr") == built.by_domain("papeterie-bis.fr") == [added]
    assert grown.names() == built.names()
    assert [s.id for s in grown.by_company_key(next(iter(first[0].company_keys())))] == [
        "s1", "s3"]
    assert small.names() == InMemoryDirectory(first).names()
    assert all(s.id != "s3" for key in keys for s in small.by_company_key(key))
    assert [s.id for s in small.by_iban(TELECOM.iban)] == ["s2"]
