"""Which connector serves which port: one wiring module per connection kind, behind this
registry.

Everything that depends on a connection's kind (is it a folder of documents, a bank, can
it be watched by longpoll, backfilled, written back to, how long between its windows, what
a disconnect forgets) is asked here; nothing else compares kinds. Adding a connector
(Google Drive, an e-mail inbox) means adding one module and one line in `REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from liasse.app.services import Services
from liasse.app.wiring import dropbox, localfolder, qonto
from liasse.app.wiring.secrets import ReconnectFlow
from liasse.domain.ports import BankFeed, DocumentSource, DocumentWriter, InvoicePoster
from liasse.domain.receipts import ReceiptSink, ReceiptSource
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.tables import Connection
from liasse.store.views import ConnectionConfig
from liasse.sync.instant import LongpollSource


class UnknownKind(LookupError):
    """A connection of a kind this liasse does not know (a newer version made it)."""


@dataclass(frozen=True)
class Wiring:
    """What one kind of connection can do, and how each of its parts is built. Each
    factory takes the services, the workspace id and the connection row."""

    kind: str
    forget: Callable[[Services, str, str], None]  # after a disconnect: its secrets
    remote: bool = True  # an outside API: at most four windows an hour
    source: Callable[[Services, str, Connection], DocumentSource | None] | None = None
    writer: Callable[[Services, str, Connection], DocumentWriter | None] | None = None
    poster: Callable[[Services, str, Connection], InvoicePoster] | None = None
    bank: Callable[[Services, str, Connection], tuple[BankFeed, ReceiptSource]] | None = None
    receipt_sink: Callable[[Services, str, Connection], ReceiptSink] | None = None
    longpoll: Callable[[Services, str, Connection],
                       tuple[LongpollSource, Callable[[str | None], str | None]]] | None = None
    latest_cursor: Callable[[Services, str, Connection], Callable[[], str]] | None = None
    is_sandbox: Callable[[Connection], bool] = lambda connection: False
    reconnect_flow: Callable[[ConnectionConfig], ReconnectFlow] | None = None
    firm_folders: bool = False  # an accounting firm's client folders live there

    @property
    def is_bank(self) -> bool:
        return self.bank is not None


REGISTRY: dict[str, Wiring] = {wiring.kind: wiring for wiring in (
    Wiring(localfolder.KIND, forget=localfolder.forget, remote=False,
           source=localfolder.source),
    Wiring(dropbox.KIND, forget=dropbox.forget, source=dropbox.source, writer=dropbox.writer,
           receipt_sink=dropbox.receipt_sink, longpoll=dropbox.longpoll,
           latest_cursor=dropbox.latest_cursor, firm_folders=True,
           reconnect_flow=dropbox.reconnect_flow),
    Wiring(qonto.KIND, forget=qonto.forget, poster=qonto.poster, bank=qonto.bank,
           is_sandbox=qonto.is_sandbox, reconnect_flow=qonto.reconnect_flow),
)}
KINDS = tuple(REGISTRY)


def wiring_for(kind: str) -> Wiring:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise UnknownKind(f"unknown connection kind {kind!r}") from None


def document_sources(services: Services, repo: ConnectionRepo) -> dict[str, DocumentSource]:
    """A source per active connection that brings documents in, by connection id. A
    connection that needs reconnecting is skipped, not hammered."""
    return _built(services, repo, lambda wiring: wiring.source)


def document_writers(services: Services, repo: ConnectionRepo) -> dict[str, DocumentWriter]:
    """A writer per active connection that writes processed PDFs back."""
    return _built(services, repo, lambda wiring: wiring.writer)


_Part = TypeVar("_Part")


def _built(services: Services, repo: ConnectionRepo,
           factory_of: Callable[[Wiring], Callable[[Services, str, Connection],
                                                   _Part | None] | None]
           ) -> dict[str, _Part]:
    """The part `factory_of` names, built for each active connection whose kind has it."""
    parts = {}
    for connection in repo.list_connections():
        factory = factory_of(wiring_for(connection.kind))
        if connection.status == "active" and factory is not None:
            part = factory(services, repo.workspace_id, connection)
            if part is not None:
                parts[connection.id] = part
    return parts


def invoice_poster(services: Services, repo: ConnectionRepo) -> InvoicePoster | None:
    """The poster of the workspace's active bank; None leaves approvals waiting."""
    for connection in repo.list_connections():
        factory = wiring_for(connection.kind).poster
        if connection.status == "active" and factory is not None:
            return factory(services, repo.workspace_id, connection)
    return None


def is_sandbox_bank(connection: Connection) -> bool:
    """A bank connection to liasse's own emulator (the demo's sandbox): its lines are
    made-up demo history, never the user's own bank."""
    wiring = wiring_for(connection.kind)
    return wiring.is_bank and wiring.is_sandbox(connection)


def posts_invoices(connection: Connection) -> bool:
    """An active connection approved invoices are posted through."""
    return connection.status == "active" and wiring_for(connection.kind).poster is not None
