"""Supplier rules: names, identifier checks both ways, the own company, merges."""

from __future__ import annotations

import pytest

from liasse.domain.suppliers import (
    OwnCompany,
    Supplier,
    SupplierRule,
    check_identifiers,
    merge_suppliers,
    name_similarity,
    normalise_name,
)
from liasse.samples.demo import DEMO_COMPANY, PAPETERIE, TELECOM


@pytest.mark.parametrize(("raw", "expected"), [
    ("Fibre Ouest Télécom SA", "FIBRE OUEST TELECOM"), ("S.A.S. Cowork Rivoli", "COWORK RIVOLI"),
    ("Müller GmbH", "MULLER"), ("ACME Ltd.", "ACME"),
    ("Papeterie  Martin, SARL", "PAPETERIE MARTIN")])
def test_legal_forms_accents_and_punctuation_are_stripped(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_different_numbers_in_names_are_different_companies() -> None:
    assert name_similarity("GARAGE STUDIO 184", "GARAGE STUDIO 4065") <= 60
    assert name_similarity("FIBRE OUEST", "FIBRE OUEST TELECOM") == 100


def test_valid_identifiers_and_derived_siren() -> None:
    report = check_identifiers(TELECOM.vat_id, None, None, TELECOM.iban)
    assert report.flags == ()
    assert report.siren == TELECOM.siren
    assert f"SIREN {TELECOM.siren} derived from VAT id {TELECOM.vat_id}" in report.notes


def test_invalid_and_inconsistent_identifiers_are_flagged() -> None:
    bad_vat = check_identifiers("FR00392593240", None, None, None)
    assert any("invalid VAT id FR00392593240" in flag for flag in bad_vat.flags)
    mismatch = check_identifiers(TELECOM.vat_id, PAPETERIE.siren, None, None)
    assert any(f"SIREN {PAPETERIE.siren} differs" in flag for flag in mismatch.flags)
    bad_iban = check_identifiers(None, None, None, "FR7630004000000000000000000")
    assert any("invalid IBAN" in flag for flag in bad_iban.flags)
    siret_elsewhere = check_identifiers(None, TELECOM.siren, PAPETERIE.siren + "00012", None)
    assert any("does not belong to SIREN" in flag or "invalid SIRET" in flag
               for flag in siret_elsewhere.flags)


def test_own_company_is_recognised_by_identifier_name_or_iban() -> None:
    own = OwnCompany(names=(DEMO_COMPANY.name,), vat_ids=(DEMO_COMPANY.vat_id,),
                     ibans=(DEMO_COMPANY.iban,))
    assert own.own_company_reason(None, (DEMO_COMPANY.siren,)) is not None  # SIREN in the VAT
    assert own.own_company_reason("ATELIER LIASSE", ()) is not None
    assert own.own_company_reason(None, (), DEMO_COMPANY.iban) is not None
    assert own.own_company_reason(PAPETERIE.name, (PAPETERIE.vat_id,), PAPETERIE.iban) is None


def test_merge_pools_identifiers_and_maps_ids() -> None:
    keep = Supplier("s1", "Fibre Ouest Télécom SA", vat_ids=(TELECOM.vat_id,),
                    ibans=(TELECOM.iban,), rule=SupplierRule(always_review=True))
    absorbed = Supplier("s2", "FIBRE OUEST", ("Fibre Ouest Telecom",), sirens=(TELECOM.siren,),
                        ibans=(TELECOM.iban,), domains=("fibre-ouest.fr",),
                        default_account="626")
    merged = merge_suppliers(keep, absorbed)
    assert merged.id_mapping == {"s2": "s1"}
    assert merged.supplier.id == "s1" and merged.supplier.rule.always_review
    assert merged.supplier.ibans == (TELECOM.iban,)
    assert merged.supplier.sirens == (TELECOM.siren,)
    assert merged.supplier.default_account == "626"
    # the absorbed legal name becomes a variant; a variant equal to the kept name does not
    assert merged.supplier.name_variants == ("FIBRE OUEST",)
    assert "merged into" in merged.reasons[0]
    with pytest.raises(ValueError, match="itself"):
        merge_suppliers(keep, keep)


def test_own_company_from_a_mixed_identifier_list() -> None:
    own = OwnCompany.from_identifiers([DEMO_COMPANY.name], [
        DEMO_COMPANY.vat_id, DEMO_COMPANY.siren, DEMO_COMPANY.iban, DEMO_COMPANY.siren + "00015"])
    assert own.vat_ids == (DEMO_COMPANY.vat_id,) and own.sirens == (DEMO_COMPANY.siren,)
    assert own.ibans == (DEMO_COMPANY.iban,) and own.sirets == (DEMO_COMPANY.siren + "00015",)


def test_a_number_cut_short_by_the_bank_is_alike_but_never_certain() -> None:
    similarity = name_similarity("COMPAGNIE STUDIO 2", "COMPAGNIE STUDIO 286")
    assert 85 <= similarity <= 90


def test_page_texts_are_normalised_but_not_kept_in_the_name_cache() -> None:
    from liasse.domain import suppliers

    page = "Facture n° 12 — Télécom S.A. " * 40  # a page text, far longer than any name
    before = suppliers._normalise_cached.cache_info().currsize
    assert normalise_name(page).startswith("FACTURE N 12 TELECOM")
    assert suppliers._normalise_cached.cache_info().currsize == before
    assert normalise_name("Télécom S.A.") == "TELECOM"
    assert suppliers._normalise_cached.cache_info().currsize <= before + 1
