"""The two plug points of the receipts export (`sync.receipts`): the bank's receipted
lines (`ReceiptSource`, Qonto) and the cloud folder they are filed into (`ReceiptSink`,
Dropbox). Connectors implement them; errors come out as `liasse.domain.errors`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from liasse.domain.transactions import BankTransaction


@dataclass(frozen=True)
class BankAccountInfo:
    id: str
    name: str
    iban: str
    currency: str


@dataclass(frozen=True)
class Attachment:
    file_name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class RemoteFile:
    id: str
    rev: str
    content_hash: str


@runtime_checkable
class ReceiptSource(Protocol):
    """The bank side (Qonto). Errors are raised as `liasse.domain.errors.StepFailure`s."""

    def bank_accounts(self) -> Sequence[BankAccountInfo]: ...

    def transactions_with_attachments(self, bank_account_id: str, since: datetime
                                      ) -> Iterable[BankTransaction]:
        """Transactions booked at or after `since` that have at least one attachment."""
        ...

    def download_attachment(self, attachment_id: str) -> Attachment: ...


@runtime_checkable
class ReceiptSink(Protocol):
    """The cloud folder (Dropbox). Paths compare case-insensitively, as Dropbox's do."""

    def folder_id(self, path: str) -> str | None:
        """The id of the folder at `path`, None if there is none."""
        ...

    def path_of_folder(self, folder_id: str) -> str | None:
        """Where the folder is now (it may have been renamed); None once deleted."""
        ...

    def create_folder(self, path: str) -> str:
        """Create the folder (and its parents) and return its id."""
        ...

    def file_at(self, path: str) -> RemoteFile | None: ...

    def write(self, path: str, content: bytes) -> RemoteFile:
        """Upload a new file (mode add, no autorename): a file already there is an error."""
        ...

    def content_hash(self, content: bytes) -> str:
        """The hash the folder reports for a file holding `content` (`RemoteFile`'s)."""
        ...
