"""The pipeline's `InvoicePoster` plug, backed by the Qonto client.

Translates at the boundary: outbox intents become `InvoiceUpload`s, per-item refusals
become `PostResult.error`, and the connector's exceptions become the pipeline's
`StepFailure`s (transient → retry then park, auth → stop the connection).
"""

from __future__ import annotations

from liasse.connectors.qonto import errors
from liasse.connectors.qonto.client import QontoClient
from liasse.connectors.qonto.mapping import facts_from_strings
from liasse.connectors.qonto.posting import InvoiceUpload
from liasse.domain import errors as step_errors
from liasse.domain.ports import InvoiceToPost, PostResult


def media_type_of(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "application/pdf"


class QontoInvoicePoster:
    def __init__(self, client: QontoClient, connection_id: str | None = None) -> None:
        self._client = client
        self._connection_id = connection_id

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        uploads = [InvoiceUpload(
            record_id=invoice.document_id, idempotency_key=invoice.idempotency_key,
            file_name=invoice.file_name, content=invoice.content,
            content_type=media_type_of(invoice.content), facts=facts_from_strings(invoice.facts),
        ) for invoice in invoices]
        try:
            results = self._client.post_supplier_invoices(uploads)
        except errors.NeedsReconnect as exc:
            raise step_errors.NeedsReconnect(str(exc), self._connection_id) from exc
        except errors.TransientFailure as exc:
            raise step_errors.TransientFailure(str(exc)) from exc
        except errors.Rejected as exc:
            raise step_errors.RejectedData(str(exc)) from exc
        return [PostResult(document_id=result.record_id, remote_id=result.supplier_invoice_id,
                           error=None if result.ok else f"{result.error_code}: "
                           f"{result.error_detail}")
                for result in results]
