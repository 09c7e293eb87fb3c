"""`liasse match` on files: the JSON line shape, the config file, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from liasse.cli.match import register
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.samples.demo import DEMO_COMPANY, DEMO_INVOICES, DemoInvoice

RUNNER = CliRunner()


def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def _root() -> None:  # a callback keeps `match` a sub-command, as in the real app
        pass

    return application


def document_line(invoice: DemoInvoice, document_id: str) -> dict[str, Any]:
    values = {"supplier_name": invoice.supplier.name, "supplier_vat_id": invoice.supplier.vat_id,
              "supplier_iban": invoice.supplier.iban, "invoice_number": invoice.number,
              "issue_date": invoice.issue_date.isoformat(),
              "due_date": invoice.due_date.isoformat(), "currency": invoice.currency,
              "net_amount": invoice.net_amount, "tax_amount": invoice.tax_amount,
              "total_amount": invoice.total_amount}
    result = ExtractionResult(f"Inbox/{invoice.number}.pdf", document_id, "einvoice", None,
                              "invoice", {k: ExtractedField(v, 0.99, "xml") for k, v in
                                          values.items()}, 0.99)
    return {**result.to_json(), "id": document_id}


def qonto_line(invoice: DemoInvoice, tx_id: str) -> dict[str, Any]:
    cents = int(invoice.total_amount.replace(".", ""))
    return {"id": tx_id, "transaction_id": f"slug-{tx_id}", "amount": float(invoice.total_amount),
            "amount_cents": cents, "local_amount_cents": cents, "currency": "EUR",
            "local_currency": "EUR", "side": "debit", "operation_type": "transfer",
            "status": "completed", "label": invoice.supplier.name.upper(),
            "clean_counterparty_name": invoice.supplier.name,
            "reference": invoice.payment_reference,
            "settled_at": f"{invoice.paid_on.isoformat()}T10:00:00.000Z",
            "emitted_at": f"{invoice.paid_on.isoformat()}T09:00:00.000Z",
            "updated_at": f"{invoice.paid_on.isoformat()}T10:00:00.000Z",
            "transfer": {"counterparty_account_number": invoice.supplier.iban,
                         "counterparty_bank_identifier": "BNPAFRPP"}}


def write_inputs(tmp_path: Path) -> tuple[Path, Path]:
    documents = tmp_path / "docs.jsonl"
    documents.write_text("\n".join(json.dumps(document_line(inv, f"doc-{i}"))
                                   for i, inv in enumerate(DEMO_INVOICES)) + "\n\n", "utf-8")
    transactions = tmp_path / "tx.json"
    transactions.write_text(json.dumps({"transactions": [qonto_line(inv, f"tx-{i}") for i, inv
                                                         in enumerate(DEMO_INVOICES)],
                                        "meta": {"current_page": 1}}), "utf-8")
    return documents, transactions


def test_demo_ledger_matches_one_line_per_decision(tmp_path: Path) -> None:
    documents, transactions = write_inputs(tmp_path)
    result = RUNNER.invoke(app(), ["match", "--documents", str(documents),
                                   "--transactions", str(transactions), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(DEMO_INVOICES)
    for line in lines:
        assert set(line) == {"transaction_id", "document_ids", "kind", "score", "band",
                             "reasons"}
        assert line["kind"] == "payment" and line["band"] == "auto"
        assert line["transaction_id"].replace("tx", "doc") == line["document_ids"][0]
        assert 0 <= line["score"] <= 1 and line["reasons"]


def test_workspace_config_and_settled_documents(tmp_path: Path) -> None:
    documents, transactions = write_inputs(tmp_path)
    rows = [json.loads(row) for row in documents.read_text("utf-8").splitlines() if row]
    rows[0]["settled_by"] = ["tx-0"]
    documents.write_text("\n".join(json.dumps(row) for row in rows), "utf-8")
    config = tmp_path / "conf.toml"
    config.write_text(f"""
account_currency = "EUR"
[own_company]
names = ["{DEMO_COMPANY.name}"]
vat_ids = ["{DEMO_COMPANY.vat_id}"]
[matching]
fee_cap = "2.00"
double_charge_days = 3
[fx_rates]
USD = "0.92"
[sales]
folders = ["Sales documents"]
""", "utf-8")
    result = RUNNER.invoke(app(), ["match", "--documents", str(documents), "--transactions",
                                   str(transactions), "--workspace-config", str(config),
                                   "--json"])
    assert result.exit_code == 0, result.output
    ids = {json.loads(line)["transaction_id"] for line in result.stdout.splitlines()}
    assert ids == {"tx-1", "tx-2", "tx-3"}  # tx-0 already settles doc-0: no decision


def test_readable_table_without_json(tmp_path: Path) -> None:
    documents, transactions = write_inputs(tmp_path)
    result = RUNNER.invoke(app(), ["match", "--documents", str(documents),
                                   "--transactions", str(transactions)])
    assert result.exit_code == 0 and "4 decision(s): 4 automatic" in result.stdout


def test_bad_inputs_stop_with_a_message(tmp_path: Path) -> None:
    documents, transactions = write_inputs(tmp_path)
    no_id = tmp_path / "no_id.jsonl"
    no_id.write_text(json.dumps({"file": "a.pdf"}) + "\n", "utf-8")
    result = RUNNER.invoke(app(), ["match", "--documents", str(no_id),
                                   "--transactions", str(transactions)])
    assert result.exit_code == 2 and "line 1" in result.output and "\"id\"" in result.output
    wrong_shape = tmp_path / "list.json"
    wrong_shape.write_text("[]", "utf-8")
    result = RUNNER.invoke(app(), ["match", "--documents", str(documents),
                                   "--transactions", str(wrong_shape)])
    assert result.exit_code == 2 and "transactions" in result.output
    config = tmp_path / "bad.toml"
    config.write_text("[matching]\nfee_kap = 3\n", "utf-8")
    result = RUNNER.invoke(app(), ["match", "--documents", str(documents), "--transactions",
                                   str(transactions), "--workspace-config", str(config)])
    assert result.exit_code == 2 and "fee_kap" in result.output
