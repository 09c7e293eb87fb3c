"""The supplier directory follows people's corrections: when a person sets a document's
supplier, the identifiers printed on it move to that supplier, and a supplier created by
mistake (a legal form for a name, the customer's block) is folded in once nothing
references it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from liasse.domain.suppliers import LEGAL_FORMS, Supplier, normalise_name
from liasse.extract.memory import IDENTIFIER_FIELDS
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import Identifiers, SupplierRepo
from liasse.store.tables import Document


def follow_supplier_choice(suppliers: SupplierRepo, document: Document,
                           previous: str | None) -> list[str]:
    """A person set the document's supplier: the identifiers printed on it move to that
    supplier, and the one created by mistake is folded in when nothing references it."""
    if document.supplier_id is None:
        return []
    extraction = document.read_extraction()
    fields = extraction.fields if extraction is not None else {}
    confirmed = {name: str(found.value) for name, found in fields.items()
                 if found.value and name in IDENTIFIER_FIELDS}
    took = suppliers.take_identifiers(document.supplier_id, identifiers_of(confirmed))
    memories = MemoryRepo(suppliers.session, suppliers.workspace_id)
    return absorb_mistakes(suppliers, memories, document.supplier_id,
                            [*took, *([previous] if previous else [])])


def identifiers_of(confirmed: Mapping[str, str]) -> Identifiers:
    def one(name: str) -> tuple[str, ...]:
        value = confirmed.get(name)
        return (value,) if value else ()

    return Identifiers(one("supplier_vat_id"), one("supplier_siren"), one("supplier_siret"),
                       one("supplier_iban"), one("supplier_domain"))


def looks_mistaken(supplier: Supplier) -> bool:
    """A name that is only legal forms ("Sarl"), or a supplier left with no identifier."""
    words = [w for w in supplier.legal_name.upper().replace(".", " ").split() if w]
    junk = not normalise_name(supplier.legal_name) or all(w in LEGAL_FORMS for w in words)
    bare = not (supplier.vat_ids or supplier.sirens or supplier.sirets or supplier.ibans)
    return junk or bare


def absorb_mistakes(suppliers: SupplierRepo, memories: MemoryRepo, target_id: str,
                     suspects: Sequence[str]) -> list[str]:
    """Suppliers that lost their identifiers or the document to the right one, and that
    nothing references any more, are folded into it."""
    counts = suppliers.document_counts()
    absorbed: list[str] = []
    for supplier_id in dict.fromkeys(suspects):
        if supplier_id == target_id or counts.get(supplier_id, 0) > 0:
            continue
        try:
            supplier = suppliers.get(supplier_id)
        except LookupError:
            continue
        if suppliers.resolve_id(supplier_id) != supplier_id or not looks_mistaken(supplier):
            continue
        suppliers.absorb_mistake(target_id, supplier_id)
        memories.move(supplier_id, target_id)
        absorbed.append(supplier_id)
    return absorbed
