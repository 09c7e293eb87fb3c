"""The receipts export's `ReceiptSource` on Qonto: accounts, receipted lines, their files.

Transactions with attachments are read from Qonto's API at export time
(`with_attachments=true`, booked since the start date), not from the store that `sync_bank`
fills. Qonto processes an uploaded receipt in the background: the line's `updated_at`
moves when the file is attached, but the attachment is listed only later, possibly after
the sync cursor has passed that moment — the store could then hold the line without its
receipt until the line changes again. The export runs once a day and asks only for lines
that have receipts (one page per hundred), so the API is both exact and cheap here.

Booked since: completed lines are filtered by `settled_at` at Qonto; pending lines (a card
receipt attached before settlement) are read too and filtered here by their emission time.
Declined lines are never exported. Qonto failures become `liasse.domain.errors` failures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from liasse.connectors.qonto.client import QontoClient
from liasse.connectors.qonto.errors import QontoError
from liasse.domain.transactions import BankTransaction
from liasse.sync.bank import to_step_failure
from liasse.sync.receipts import Attachment, BankAccountInfo

_T = TypeVar("_T")


class QontoReceiptSource:
    """`ReceiptSource` for one Qonto connection (`connection_id` tags auth failures)."""

    def __init__(self, client: QontoClient, connection_id: str | None = None) -> None:
        self._client = client
        self._connection_id = connection_id

    def bank_accounts(self) -> Sequence[BankAccountInfo]:
        organization = self._translated(self._client.organization)
        return [BankAccountInfo(id=account.id, name=account.name, iban=account.iban,
                                currency=account.balance.currency)
                for account in organization.bank_accounts]

    def transactions_with_attachments(self, bank_account_id: str, since: datetime
                                      ) -> Iterable[BankTransaction]:
        """Completed lines settled since `since`, then pending ones emitted since then."""
        def settled() -> list[BankTransaction]:
            return list(self._client.iter_transactions(
                bank_account_id, status=("completed",), settled_since=since,
                sort_by="settled_at:asc", with_attachments=True))

        def pending() -> list[BankTransaction]:
            return [line for line in self._client.iter_transactions(
                bank_account_id, status=("pending",), sort_by="emitted_at:asc",
                with_attachments=True) if line.emitted_at >= since]

        yield from self._translated(settled)
        yield from self._translated(pending)

    def download_attachment(self, attachment_id: str) -> Attachment:
        file = self._translated(lambda: self._client.download_attachment(attachment_id))
        return Attachment(file_name=file.file_name, content_type=file.content_type,
                          content=file.content)

    def _translated(self, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except QontoError as exc:
            raise to_step_failure(exc, self._connection_id) from exc
