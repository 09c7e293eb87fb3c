"""The Qonto Business API v2 client: one injected `httpx.Client`, one place for failures.

Every call goes through `_call`: authentication header (API key or OAuth bearer), optional
sandbox staging token, retries of transient failures under the `RetryPolicy`, and the
error taxonomy of `errors.py`. After an auth failure the client refuses every further
call for this connection without touching the network, until a new client is built.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx

from liasse.connectors.qonto import posting
from liasse.connectors.qonto.auth import (
    ApiKeyAuth,
    ApiKeyCredentials,
    Authenticator,
    CredentialStore,
)
from liasse.connectors.qonto.errors import NeedsReconnect, QontoError, Rejected, TransientFailure
from liasse.connectors.qonto.mapping import (
    Organization,
    SupplierInvoiceRecord,
    organization_from_qonto,
    supplier_invoice_from_qonto,
)
from liasse.connectors.qonto.posting import InvoiceUpload, ItemResult
from liasse.connectors.qonto.retry import RetryPolicy, parse_retry_after
from liasse.domain.transactions import BankTransaction, from_qonto

PRODUCTION_URL = "https://thirdparty.qonto.com"
SANDBOX_URL = "https://thirdparty-sandbox.staging.qonto.co"
MAX_PER_PAGE = 100
TEXT = {
    "blocked": "Qonto refused this connection's credentials earlier ({reason}); "
               "reconnect liasse to Qonto",
    "forbidden": "Qonto refused access ({reason})",
    "unauthorized": "Qonto refused the credentials ({reason})",
    "login_page": "the Qonto sandbox answered its login page: the X-Qonto-Staging-Token is "
                  "missing or wrong",
    "gave_up": "Qonto still failing after {attempts} attempts: {reason}",
    "network": "network error talking to Qonto: {reason}",
    "link_refused": "Qonto's download link for attachment {id} was refused twice "
                    "(HTTP {status})",
    "link_failed": "downloading attachment {id} from its link failed (HTTP {status})",
}


def qonto_error_text(response: httpx.Response) -> tuple[str, str]:
    """(code, message) from any Qonto error body: `detail` or `message`, or empty."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text.strip() or response.reason_phrase or str(response.status_code)
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        text = first.get("detail") or first.get("message") or first.get("details") or ""
        return str(first.get("code") or ""), str(text or first.get("code") or "")
    if isinstance(body, dict):
        return str(body.get("code") or body.get("error") or ""), str(
            body.get("message") or body.get("error_description") or body.get("detail") or "")
    return "", str(body)


class AttachmentFile(NamedTuple):
    """A receipt's file as downloaded from Qonto."""

    file_name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class TransactionPage:
    transactions: tuple[BankTransaction, ...]
    page: int
    next_page: int | None
    total_count: int


class QontoClient:
    def __init__(self, http: httpx.Client, auth: Authenticator, *,
                 base_url: str = PRODUCTION_URL, staging_token: str | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self._http = http
        self._auth = auth
        self._base_url = base_url.rstrip("/")
        self._staging_token = staging_token
        self._retry = retry or RetryPolicy()
        self._blocked: NeedsReconnect | None = None
        self.requests_sent = 0

    # --- reading ------------------------------------------------------------------------

    def organization(self) -> Organization:
        return organization_from_qonto(self._call("GET", "/v2/organization").json())

    def transaction_pages(self, bank_account_id: str, *,
                          updated_since: datetime | None = None,
                          updated_until: datetime | None = None,
                          status: Sequence[str] = ("completed",), side: str | None = None,
                          settled_since: datetime | None = None,
                          sort_by: str = "updated_at:asc",
                          per_page: int = MAX_PER_PAGE,
                          with_attachments: bool | None = None) -> Iterator[TransactionPage]:
        params: list[tuple[str, str]] = [("bank_account_id", bank_account_id),
                                         ("sort_by", sort_by), ("per_page", str(per_page))]
        params += [("status[]", value) for value in status]
        params += [(name, _iso(moment)) for name, moment in (
            ("updated_at_from", updated_since), ("updated_at_to", updated_until),
            ("settled_at_from", settled_since)) if moment is not None]
        if side is not None:
            params.append(("side", side))
        if with_attachments is not None:
            params.append(("with_attachments", "true" if with_attachments else "false"))
        page: int | None = 1
        while page is not None:
            body = self._call("GET", "/v2/transactions",
                              params=[*params, ("page", str(page))]).json()
            meta = body.get("meta") or {}
            yield TransactionPage(
                tuple(from_qonto(raw, bank_account_id) for raw in body.get("transactions", [])),
                page, meta.get("next_page"), int(meta.get("total_count") or 0))
            page = meta.get("next_page")

    def iter_transactions(self, bank_account_id: str, *,
                          updated_since: datetime | None = None,
                          updated_until: datetime | None = None,
                          status: Sequence[str] = ("completed",), side: str | None = None,
                          settled_since: datetime | None = None,
                          sort_by: str = "updated_at:asc",
                          with_attachments: bool | None = None) -> Iterator[BankTransaction]:
        """Every matching transaction, page after page (Qonto's default: completed only)."""
        for page in self.transaction_pages(
                bank_account_id, updated_since=updated_since, updated_until=updated_until,
                status=status, side=side, settled_since=settled_since, sort_by=sort_by,
                with_attachments=with_attachments):
            yield from page.transactions

    def get_transaction(self, transaction_id: str) -> BankTransaction:
        body = self._call("GET", f"/v2/transactions/{transaction_id}").json()
        return from_qonto(body["transaction"])

    def get_supplier_invoice(self, invoice_id: str) -> SupplierInvoiceRecord:
        body = self._call("GET", f"/v2/supplier_invoices/{invoice_id}").json()
        return supplier_invoice_from_qonto(body["supplier_invoice"])

    def list_supplier_invoices(self, *, status: str | None = None,
                               created_since: datetime | None = None,
                               per_page: int = MAX_PER_PAGE
                               ) -> Iterator[SupplierInvoiceRecord]:
        # per_page always sent: Qonto's documented default is one invoice per page.
        params: list[tuple[str, str]] = [("per_page", str(per_page))]
        if status is not None:
            params.append(("filter[status]", status))
        if created_since is not None:
            params.append(("filter[created_at_from]", _iso(created_since)))
        page: int | None = 1
        while page is not None:
            body = self._call("GET", "/v2/supplier_invoices",
                              params=[*params, ("page", str(page))]).json()
            yield from (supplier_invoice_from_qonto(raw) for raw in body["supplier_invoices"])
            page = (body.get("meta") or {}).get("next_page")

    def download_attachment(self, attachment_id: str) -> AttachmentFile:
        """A receipt's name, type and bytes: `GET /v2/attachments/{id}` gives a signed,
        expiring `url`, fetched through the same injected client but *without* our
        credentials (the link is self-authorising and may point at another host). A link
        that expired between the two calls is asked for again, once."""
        for last_chance in (False, True):
            attachment = self._call("GET", f"/v2/attachments/{attachment_id}").json()
            details: dict[str, Any] = attachment["attachment"]
            response = self._fetch_link(str(details["url"]))
            if response.status_code < 300:
                content_type = str(details.get("file_content_type")
                                   or response.headers.get("content-type", "")).split(";")[0]
                return AttachmentFile(str(details.get("file_name") or attachment_id),
                                      content_type or "application/octet-stream",
                                      response.content)
            if response.status_code not in (401, 403) or last_chance:
                break
        key = "link_refused" if response.status_code in (401, 403) else "link_failed"
        raise Rejected(TEXT[key].format(id=attachment_id, status=response.status_code),
                       status=response.status_code)

    def _fetch_link(self, url: str) -> httpx.Response:
        """GET a signed link, retrying network errors, 429 and 5xx like any other call."""
        attempt = 0
        while True:
            self.requests_sent += 1
            try:
                response = self._http.get(url, headers={"Accept": "*/*"})
            except httpx.TransportError as exc:
                self._wait_or_give_up(attempt, TEXT["network"].format(reason=exc), None)
                attempt += 1
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
            self._wait_or_give_up(attempt, f"HTTP {response.status_code}", response)
            attempt += 1

    # --- writing ------------------------------------------------------------------------

    def post_supplier_invoices(self, items: Sequence[InvoiceUpload]) -> list[ItemResult]:
        """One result per item, in order; see `posting.py` for batching and isolation."""
        return posting.post_in_batches(self._bulk_create, items)

    def _bulk_create(self, batch: Sequence[InvoiceUpload],
                     meta: dict[str, Any]) -> dict[str, Any]:
        files: list[tuple[str, tuple[str | None, bytes, str | None]]] = []
        for item in batch:  # pairs in order: Qonto matches the i-th key to the i-th file
            files.append(("supplier_invoices[][file]",
                          (item.file_name, item.content, item.content_type)))
            files.append(("supplier_invoices[][idempotency_key]",
                          (None, item.idempotency_key.encode(), None)))
        files.append(("meta", (None, _json_bytes(meta), None)))
        body: dict[str, Any] = self._call("POST", "/v2/supplier_invoices/bulk",
                                          files=files).json()
        return body

    def attach_to_transaction(self, transaction_id: str, file_name: str, content: bytes,
                              idempotency_key: str, content_type: str = "application/pdf"
                              ) -> None:
        """Attach a payment confirmation; the same key within 30 minutes does nothing more."""
        self._call("POST", f"/v2/transactions/{transaction_id}/attachments",
                   files={"file": (file_name, content, content_type)},
                   headers={"X-Qonto-Idempotency-Key": idempotency_key})

    # --- the one door to the network ----------------------------------------------------

    def _call(self, method: str, path: str, *, params: Any = None, files: Any = None,
              headers: dict[str, str] | None = None) -> httpx.Response:
        if self._blocked is not None:
            raise NeedsReconnect(TEXT["blocked"].format(reason=self._blocked),
                                 status=self._blocked.status)
        renewed = False
        attempt = 0
        while True:
            authorization = self._auth.header()
            try:
                response = self._send(method, path, params, files, headers, authorization)
            except httpx.TransportError as exc:  # timeouts included
                self._wait_or_give_up(attempt, TEXT["network"].format(reason=exc), None)
                attempt += 1
                continue
            if response.status_code == 401 and not renewed and self._renew(authorization):
                renewed = True
                continue
            failure = self._failure_of(response)
            if failure is None:
                return response
            if not isinstance(failure, TransientFailure):
                raise failure
            self._wait_or_give_up(attempt, str(failure), response)
            attempt += 1

    def _send(self, method: str, path: str, params: Any, files: Any,
              headers: dict[str, str] | None, authorization: str) -> httpx.Response:
        all_headers = {"Authorization": authorization, "Accept": "application/json",
                       **(headers or {})}
        if self._staging_token:
            all_headers["X-Qonto-Staging-Token"] = self._staging_token
        self.requests_sent += 1
        return self._http.request(method, f"{self._base_url}{path}", params=params,
                                  files=files, headers=all_headers)

    def _renew(self, authorization: str) -> bool:
        try:
            return self._auth.renew_after_401(authorization)
        except NeedsReconnect as refusal:
            self._blocked = refusal
            raise

    def _failure_of(self, response: httpx.Response) -> QontoError | None:
        status = response.status_code
        if status < 300:
            if response.headers.get("content-type", "").startswith("text/html"):
                return self._block(NeedsReconnect(TEXT["login_page"], status=status))
            return None
        code, text = qonto_error_text(response)
        if status in (401, 403):
            template = TEXT["unauthorized"] if status == 401 else TEXT["forbidden"]
            return self._block(NeedsReconnect(template.format(reason=text), status=status))
        if status == 429 or status >= 500:
            return TransientFailure(f"HTTP {status}: {text}", status=status)
        return Rejected(text or f"HTTP {status}", status=status, code=code)

    def _block(self, refusal: NeedsReconnect) -> NeedsReconnect:
        self._blocked = refusal  # never hammer Qonto with refused credentials
        return refusal

    def _wait_or_give_up(self, attempt: int, reason: str,
                         response: httpx.Response | None) -> None:
        if attempt + 1 >= self._retry.max_attempts:
            raise TransientFailure(TEXT["gave_up"].format(attempts=attempt + 1, reason=reason),
                                   status=response.status_code if response else None)
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if response else None
        self._retry.sleep(self._retry.delay(attempt, retry_after))


def connect_api_key(http: httpx.Client, credentials: ApiKeyCredentials,
                    store: CredentialStore, *, base_url: str = PRODUCTION_URL,
                    staging_token: str | None = None) -> Organization:
    """`liasse connect qonto` with a key: check it against Qonto, then keep it."""
    client = QontoClient(http, ApiKeyAuth(credentials), base_url=base_url,
                         staging_token=staging_token)
    organization = client.organization()  # raises NeedsReconnect on a refused key
    store.save(credentials)
    return organization


def _iso(moment: datetime) -> str:
    """UTC, milliseconds, `Z`: the form Qonto documents for its time filters."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
