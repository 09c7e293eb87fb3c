"""Qonto connections: the invoice poster, the bank feed of the bank window (accounts,
lines, confirmations attached) and the receipts export's source, with one error
translation (`connectors.qonto.errors.as_step_failure`) between the connector and the
pipeline. A connection authenticates with an API key or with liasse's OAuth
registration (`qonto.oauth` in the settings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import httpx

from liasse.app.services import Services
from liasse.app.settings import Settings
from liasse.app.wiring.secrets import ReconnectFlow, SecretJsonStore, connection_secret
from liasse.connectors.qonto.auth import (
    Credentials,
    OAuthApp,
    authenticator_for,
    credentials_from_json,
    credentials_to_json,
)
from liasse.connectors.qonto.client import PRODUCTION_URL, QontoClient
from liasse.connectors.qonto.errors import QontoError, as_step_failure
from liasse.connectors.qonto.poster import QontoInvoicePoster
from liasse.connectors.qonto.receipts_source import QontoReceiptSource
from liasse.connectors.qonto.sync import TransactionSync
from liasse.domain.ports import (
    BankAccount,
    BankFeed,
    InvoicePoster,
    SyncReport,
    TransactionSink,
)
from liasse.domain.receipts import ReceiptSource
from liasse.store.tables import Connection
from liasse.store.views import ConnectionConfig

KIND = "qonto"
NO_OAUTH_APP = ("Qonto OAuth is not configured: set qonto.oauth.client_id and "
                "qonto.oauth.client_secret")
_Result = TypeVar("_Result")


class QontoCredentialStore:
    """`connectors.qonto.auth.CredentialStore` on the encrypted secret store."""

    def __init__(self, stored: SecretJsonStore) -> None:
        self._secret = stored

    def load(self) -> Credentials | None:
        data = self._secret.load_json()
        return None if data is None else credentials_from_json(str(data["credentials"]))

    def save(self, credentials: Credentials) -> None:
        self._secret.save_json({"credentials": credentials_to_json(credentials)})


def secret(services: Services, workspace_id: str, connection_id: str) -> SecretJsonStore:
    return connection_secret(services, workspace_id, KIND, connection_id)


def oauth_app(settings: Settings, redirect_uri: str) -> OAuthApp:
    """liasse's OAuth registration at Qonto, from the settings (ValueError when unset)."""
    oauth = settings.qonto.oauth
    if not oauth.client_id or oauth.client_secret is None:
        raise ValueError(NO_OAUTH_APP)
    return OAuthApp(client_id=oauth.client_id,
                    client_secret=oauth.client_secret.get_secret_value(),
                    redirect_uri=redirect_uri, authorize_url=oauth.authorize_url,
                    token_url=oauth.token_url)


def client_with(stored: SecretJsonStore, config: ConnectionConfig, settings: Settings
                ) -> QontoClient:
    """A client for one connection: its API key, or its OAuth tokens refreshed with
    liasse's OAuth registration."""
    http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
    app = None
    if config.auth == "oauth":
        app = oauth_app(settings, f"{settings.web.public_url}/oauth/qonto/callback")
    auth = authenticator_for(QontoCredentialStore(stored), http, app)
    return QontoClient(http, auth, base_url=config.base_url or PRODUCTION_URL,
                       staging_token=config.staging_token)


def client(services: Services, workspace_id: str, connection: Connection) -> QontoClient:
    return client_with(secret(services, workspace_id, connection.id), connection.read_config(),
                       services.settings)


def poster(services: Services, workspace_id: str, connection: Connection) -> InvoicePoster:
    return QontoInvoicePoster(client(services, workspace_id, connection), connection.id)


def forget(services: Services, workspace_id: str, connection_id: str) -> None:
    secret(services, workspace_id, connection_id).clear()


def is_sandbox(connection: Connection) -> bool:
    """liasse's own emulator (the built-in sandbox of `make run`), not a real bank."""
    return connection.read_config().emulator


class QontoBankFeed:
    """`BankFeed` on one Qonto connection's client."""

    def __init__(self, qonto: QontoClient, connection_id: str) -> None:
        self.client = qonto
        self.connection_id = connection_id

    def bank_accounts(self) -> Sequence[BankAccount]:
        organization = self._translated(self.client.organization)
        return [BankAccount(id=account.id, name=account.name, iban=account.iban,
                            currency=account.balance.currency, status=account.status)
                for account in organization.bank_accounts]

    def poll(self, bank_account_id: str, sink: TransactionSink, *,
             clock: Callable[[], datetime], overlap: timedelta | None = None,
             initial_since: datetime | None = None) -> SyncReport:
        extra = {} if overlap is None else {"overlap": overlap}
        sync = TransactionSync(self.client, bank_account_id, sink, clock=clock,
                               initial_since=initial_since, **extra)
        return self._translated(sync.poll)

    def attach_to_transaction(self, transaction_id: str, file_name: str, content: bytes,
                              idempotency_key: str, media_type: str) -> None:
        self._translated(lambda: self.client.attach_to_transaction(
            transaction_id, file_name, content, idempotency_key, media_type))

    def receipts(self) -> ReceiptSource:
        return QontoReceiptSource(self.client, self.connection_id)

    def _translated(self, call: Callable[[], _Result]) -> _Result:
        try:
            return call()
        except QontoError as exc:
            raise as_step_failure(exc, self.connection_id) from exc


def bank_feed(services: Services, workspace_id: str, connection: Connection) -> QontoBankFeed:
    return QontoBankFeed(client(services, workspace_id, connection), connection.id)


def bank(services: Services, workspace_id: str, connection: Connection
         ) -> tuple[BankFeed, ReceiptSource]:
    """What the bank window works with: the feed, and the receipts source on the same
    client."""
    feed = bank_feed(services, workspace_id, connection)
    return feed, feed.receipts()


def reconnect_flow(config: ConnectionConfig) -> ReconnectFlow:
    return "qonto_oauth" if config.auth == "oauth" else "qonto_api_key"
