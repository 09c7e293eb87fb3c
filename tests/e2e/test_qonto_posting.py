"""The pipeline posting to the Qonto emulator: exactly one supplier invoice per document,
through faults, crashes between the call and its bookkeeping, and re-runs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from liasse.connectors.qonto.auth import ApiKeyAuth, ApiKeyCredentials
from liasse.connectors.qonto.client import QontoClient
from liasse.connectors.qonto.poster import QontoInvoicePoster
from liasse.domain.ports import InvoiceToPost, PostResult
from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.faults import FaultPlan, FaultRule
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.seed import demo_state
from liasse.emulators.qonto.state import QontoState
from liasse.store.documents_repo import DocumentRepo
from liasse.sync.pipeline import Pipeline, RetryPolicy
from liasse.sync.window import run_window
from scripted import PipelineFactory, inbox_of, invoice_file

BULK = "POST /v2/supplier_invoices/bulk"


class CrashAfterCall:
    """Posts for real, then dies before liasse can record the answer (a SIGKILL's effect)."""

    def __init__(self, inner: QontoInvoicePoster) -> None:
        self.inner = inner
        self.armed = True

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        results = self.inner.post(invoices)
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt("killed after Qonto answered")
        return results


@pytest.fixture
def bank() -> Iterator[tuple[QontoState, FaultPlan, QontoInvoicePoster]]:
    state, faults = demo_state(), FaultPlan()
    login, secret = "atelier-liasse", "sandbox-secret"
    state.api_keys = {login: secret}
    app = create_app(state, faults=faults)
    http = httpx.Client(transport=sync_transport(app), base_url="http://qonto.test")
    client = QontoClient(http, ApiKeyAuth(ApiKeyCredentials(login, secret)),
                         base_url="http://qonto.test")
    yield state, faults, QontoInvoicePoster(client, "qonto")
    http.close()


@pytest.fixture
def pipeline(inbox_pipeline: PipelineFactory, bank: Any) -> Pipeline:
    return inbox_pipeline(bank[2], retry=RetryPolicy(max_attempts=5, first_delay_seconds=0))


def qonto_invoice_names(state: QontoState) -> list[str]:
    return sorted(invoice.file_name for invoice in state.supplier_invoices.values())


def test_approved_invoices_arrive_once_in_qonto(pipeline: Pipeline, bank: Any) -> None:
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        invoice_file(inbox_of(pipeline), name, 0.95)
    invoice_file(inbox_of(pipeline), "unsure.pdf", 0.7)
    assert run_window(pipeline).posted == 3
    assert run_window(pipeline).posted == 0
    assert qonto_invoice_names(bank[0]) == ["a.pdf", "b.pdf", "c.pdf"]


def test_server_errors_are_retried_without_duplicates(pipeline: Pipeline, bank: Any) -> None:
    bank[1].add(FaultRule(route=BULK, kind="server_error", times=8))
    invoice_file(inbox_of(pipeline), "a.pdf", 0.95)
    for _ in range(4):
        run_window(pipeline)
    assert qonto_invoice_names(bank[0]) == ["a.pdf"]
    with pipeline.sessions.begin() as session:
        document = DocumentRepo(session, pipeline.workspace_id).list_documents()[0]
        assert document.state == "posted"
        assert document.qonto_invoice_id in bank[0].supplier_invoices


def test_a_crash_between_call_and_bookkeeping_replays_the_same_key(
        pipeline: Pipeline, bank: Any) -> None:
    from dataclasses import replace

    crashing = replace(pipeline, poster=CrashAfterCall(bank[2]))
    invoice_file(inbox_of(pipeline), "a.pdf", 0.95)
    with pytest.raises(KeyboardInterrupt):
        run_window(crashing)
    assert len(bank[0].supplier_invoices) == 1
    assert run_window(pipeline).posted == 1  # the restarted process re-sends the same key
    assert qonto_invoice_names(bank[0]) == ["a.pdf"]


def test_a_rejected_file_is_parked_with_qontos_message(pipeline: Pipeline, bank: Any) -> None:
    bank[1].rejected_file_names.add("bad.pdf")
    invoice_file(inbox_of(pipeline), "bad.pdf", 0.95)
    invoice_file(inbox_of(pipeline), "good.pdf", 0.95)
    counts = run_window(pipeline)
    assert (counts.posted, counts.parked) == (1, 1)
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        parked = repo.list_documents(state="parked")
        assert [d.file_name for d in parked] == ["bad.pdf"]
        assert parked[0].last_error


def test_a_foreign_currency_invoice_keeps_both_amounts(pipeline: Pipeline, bank: Any) -> None:
    from dataclasses import replace

    usd = replace(pipeline, context=replace(pipeline.context,
                                            fx_rates=(("USD", Decimal("0.92")),)))
    invoice_file(inbox_of(pipeline), "saas.pdf", 0.95, currency="USD", total_amount="100.00")
    assert run_window(usd).posted == 1
    with pipeline.sessions.begin() as session:
        document = DocumentRepo(session, pipeline.workspace_id).list_documents()[0]
        assert (document.total_minor, document.currency) == (10000, "USD")
        assert (document.converted_minor, document.converted_currency,
                document.converted_source) == (9200, "EUR", "rate")
    posted = next(iter(bank[0].supplier_invoices.values()))
    items = posted.meta["liasse"]["items"]
    assert next(iter(items.values()))["converted_total"] == {"value": "92.00", "currency": "EUR"}
