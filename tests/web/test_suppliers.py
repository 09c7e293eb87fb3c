"""The supplier directory: list, rules (roles, CSRF, checks), rename, merge; a document's
supplier and ledger account chosen in the review queue; everything audited and escaped."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webworld import World, csrf_of, login

from liasse.domain.suppliers import Supplier, SupplierRule
from liasse.store.documents_repo import DocumentRepo
from liasse.store.suppliers_repo import SupplierRepo
from liasse.store.tables import SupplierRow


def add_supplier(world: World, name: str, *files: str, **identifiers: tuple[str, ...]) -> str:
    """A directory supplier, with the named documents attributed to it."""
    ids = [world.document_id(f) for f in files]
    with world.services.repo(DocumentRepo) as repo:
        supplier = SupplierRepo(repo.session, repo.workspace_id).add(
            Supplier("", name, **identifiers))  # type: ignore[arg-type]
        for document_id in ids:
            document = repo.get_document(document_id)
            document.supplier_id, document.supplier_name = supplier.id, name
        return supplier.id


def supplier(world: World, supplier_id: str) -> Supplier:
    with world.services.repo(SupplierRepo) as repo:
        return repo.get(supplier_id)


def test_the_directory_shows_identifiers_account_rules_and_this_years_spend(
        world: World, owner: TestClient) -> None:
    orange = add_supplier(world, "Orange Business", "sure.pdf", vat_ids=("FR23380129866",))
    with world.services.repo(SupplierRepo) as repo:
        repo.update_rule(
            orange, SupplierRule("626", always_review=True, approve_from=0.9))
    page = owner.get("/w/default/suppliers").text
    row = page[page.index(f'data-supplier="{orange}"'):]
    row = row[:row.index("</tr>")]
    assert "FR23380129866" in row and "626" in row and "Postage and telecommunications" in row
    assert "Always review" in row and "90%" in row
    assert "120.00 EUR" in row  # sure.pdf is posted and issued this year
    # names read on documents without a directory supplier are still listed
    unattributed = page[page.index('id="unattributed"'):]
    assert "Boulangerie Lemoine" in unattributed and "Orange Business" not in unattributed


def test_an_accountant_saves_a_rule_from_the_pcg_list_and_it_is_audited(
        world: World, owner: TestClient) -> None:
    orange = add_supplier(world, "Orange Business", "sure.pdf")
    page = owner.get(f"/w/default/suppliers/{orange}").text
    assert '6064 — Office supplies</option>' in page
    french = owner.get(f"/w/default/suppliers/{orange}", headers={"accept-language": "fr"}).text
    assert "6064 — Fournitures administratives" in french
    saved = owner.post(f"/w/default/suppliers/{orange}/rule", data={
        "csrf": csrf_of(page), "ledger_account": "626", "always_review": "1",
        "approve_from": "92,5", "review_from": "60"})
    assert saved.status_code == 200 and "Rule saved." in saved.text
    assert supplier(world, orange).rule == SupplierRule("626", True, 0.925, 0.6)
    assert supplier(world, orange).default_account == "626"
    assert 'value="92.5"' in saved.text and "user:owner@example.com" in saved.text
    assert "supplier rule changed" in saved.text
    # clearing the form clears the rule
    owner.post(f"/w/default/suppliers/{orange}/rule", data={"csrf": csrf_of(page)})
    assert supplier(world, orange).rule == SupplierRule()
    assert supplier(world, orange).default_account is None


def test_a_rule_is_checked_and_needs_the_accountant_role_and_csrf(
        world: World, client: TestClient) -> None:
    orange = add_supplier(world, "Orange Business", "sure.pdf")
    world.add_user("reviewer@example.com", "reviewer")
    login(client, "reviewer@example.com")
    page = client.get(f"/w/default/suppliers/{orange}").text
    assert 'id="rule-form"' not in page  # a reviewer sees the supplier, not the forms
    denied = client.post(f"/w/default/suppliers/{orange}/rule",
                         data={"csrf": csrf_of(page), "ledger_account": "626"})
    assert denied.status_code == 403
    client.post("/logout", data={"csrf": csrf_of(page)})
    world.add_user("acc@example.com", "accountant")
    login(client, "acc@example.com")
    page = client.get(f"/w/default/suppliers/{orange}").text
    assert client.post(f"/w/default/suppliers/{orange}/rule",
                       data={"ledger_account": "626"}).status_code == 403  # no CSRF token
    bad = [({"ledger_account": "9999"}, "not an account of the chart"),
           ({"approve_from": "150"}, "between 0 and 100"),
           ({"approve_from": "abc"}, "not a percentage"),
           ({"approve_from": "70", "review_from": "80"}, "cannot be above")]
    for form, message in bad:
        refused = client.post(f"/w/default/suppliers/{orange}/rule",
                              data={"csrf": csrf_of(page), **form})
        assert refused.status_code == 400 and message in refused.text
    assert supplier(world, orange).rule == SupplierRule()


def test_merge_moves_documents_and_identifiers_and_keeps_the_absorbed_row(
        world: World, owner: TestClient) -> None:
    keep = add_supplier(world, "Cowork Rivoli", "unsure.pdf",
                        ibans=("FR7630006000011234567890189",))
    absorbed = add_supplier(world, "COWORK RIVOLI PARIS", "second.pdf",
                            vat_ids=("FR40303265045",))
    page = owner.get(f"/w/default/suppliers/{keep}").text
    merged = owner.post(f"/w/default/suppliers/{keep}/merge",
                        data={"csrf": csrf_of(page), "absorbed": absorbed})
    assert merged.status_code == 200 and "Suppliers merged." in merged.text
    kept = supplier(world, keep)
    assert kept.vat_ids == ("FR40303265045",) and "COWORK RIVOLI PARIS" in kept.name_variants
    with world.services.repo(DocumentRepo) as repo:
        assert repo.session.get(SupplierRow, absorbed).merged_into == keep  # type: ignore[union-attr]
        second = repo.get_document(world.document_id("second.pdf"))
        assert (second.supplier_id, second.supplier_name) == (keep, "Cowork Rivoli")
    directory = owner.get("/w/default/suppliers").text
    assert f'data-supplier="{absorbed}"' not in directory
    # the absorbed supplier's old address leads to the kept one
    assert str(owner.get(f"/w/default/suppliers/{absorbed}").url).endswith(keep)
    record = owner.get(f"/w/default/documents/{world.document_id('second.pdf')}").text
    assert "merged into Cowork Rivoli" in record and "user:owner@example.com" in record
    again = owner.post(f"/w/default/suppliers/{keep}/merge",
                       data={"csrf": csrf_of(page), "absorbed": absorbed})
    assert again.status_code == 400 and "no such supplier" in again.text


def test_rename_keeps_the_old_name_as_a_variant(world: World, owner: TestClient) -> None:
    orange = add_supplier(world, "Orange Business", "sure.pdf")
    page = owner.get(f"/w/default/suppliers/{orange}").text
    owner.post(f"/w/default/suppliers/{orange}/rename",
               data={"csrf": csrf_of(page), "legal_name": "Orange SA"})
    renamed = supplier(world, orange)
    assert renamed.legal_name == "Orange SA" and renamed.name_variants == ("Orange Business",)
    with world.services.repo(DocumentRepo) as repo:
        assert repo.get_document(world.document_id("sure.pdf")).supplier_name == "Orange SA"


def test_the_review_queue_picks_the_supplier_and_the_account(world: World, owner: TestClient
                                                             ) -> None:
    rivoli = add_supplier(world, "Cowork Rivoli SAS")
    document_id = world.document_id("second.pdf")  # read as "Boulangerie Lemoine"
    page = owner.get(f"/w/default/review/{document_id}").text
    assert 'id="pick-supplier"' in page and '6132 — Property rent</option>' in page
    back = f"/w/default/review/{document_id}"
    chosen = owner.post(f"/w/default/documents/{document_id}/supplier",
                        data={"csrf": csrf_of(page), "supplier_id": rivoli, "back": back})
    assert "Supplier set." in chosen.text
    owner.post(f"/w/default/documents/{document_id}/account",
               data={"csrf": csrf_of(page), "ledger_account": "6132", "back": back})
    with world.services.repo(DocumentRepo) as repo:
        document = repo.get_document(document_id)
        assert (document.supplier_id, document.supplier_name, document.ledger_account) == (
            rivoli, "Cowork Rivoli SAS", "6132")
    # the name the document wrote is learnt, so the next one resolves by itself
    assert "Boulangerie Lemoine" in supplier(world, rivoli).name_variants
    record = owner.get(f"/w/default/documents/{document_id}").text
    assert "supplier chosen by a person" in record and "ledger_account: ∅ → 6132" in record
    refused = owner.post(f"/w/default/documents/{document_id}/account",
                         data={"csrf": csrf_of(page), "ledger_account": "12345"})
    assert refused.status_code == 400
    posted = world.document_id("sure.pdf")
    refused = owner.post(f"/w/default/documents/{posted}/supplier",
                         data={"csrf": csrf_of(page), "supplier_id": rivoli})
    assert refused.status_code == 400 and "can no longer be edited" in refused.text


def test_supplier_names_are_untrusted_text(world: World, owner: TestClient) -> None:
    evil = add_supplier(world, "<script>alert(1)</script>", "second.pdf")
    for url in ("/w/default/suppliers", f"/w/default/suppliers/{evil}",
                f"/w/default/review/{world.document_id('second.pdf')}"):
        page = owner.get(url).text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_approving_a_corrected_document_teaches_and_forget_forgets(
        world: World, owner: TestClient) -> None:
    from liasse.store.memory_repo import MemoryRepo

    document_id = world.document_id("unsure.pdf")
    review = owner.get(f"/w/default/review/{document_id}").text
    saved = owner.post(f"/w/default/documents/{document_id}/fields",
                       data={"csrf": csrf_of(review), "f_supplier_name": "Cowork Rivoli",
                             "f_invoice_number": "CR-2026-11"})
    assert saved.status_code == 200
    approved = owner.post(f"/w/default/documents/{document_id}/approve",
                          data={"csrf": csrf_of(review)})
    assert approved.status_code == 200
    with world.services.repo(DocumentRepo) as repo:
        memories = MemoryRepo(repo.session, repo.workspace_id).memories()
        assert [m.supplier_name for m in memories] == ["Cowork Rivoli"]
        assert memories[0].hints["invoice_number"].value == "CR-2026-11"
        supplier_id = memories[0].supplier_id
        assert repo.get_document(document_id).supplier_id == supplier_id
    page = owner.get(f"/w/default/suppliers/{supplier_id}").text
    assert 'id="learned"' in page and "CR-2026-11" in page
    refused = owner.post(f"/w/default/suppliers/{supplier_id}/forget", data={"csrf": "x"})
    assert refused.status_code in (400, 403)
    forgot = owner.post(f"/w/default/suppliers/{supplier_id}/forget",
                        data={"csrf": csrf_of(page)})
    assert forgot.status_code == 200 and 'id="learned-nothing"' in forgot.text
    with world.services.repo(MemoryRepo) as repo:
        assert repo.memories() == []
