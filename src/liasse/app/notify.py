"""Tell a workspace's owners what needs them: a connection to reconnect, records parked.

`notify_attention` looks at the workspace, records each new notice once in the app (the
notifications table, keyed so a notice never repeats) and hands the new ones to the
outside channels: any `Notifier`, such as `SmtpNotifier` when SMTP is configured.
Call it after each sync window.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session, sessionmaker

from liasse.domain.states import State
from liasse.store.web_repo import WebRepo

TEXTS = {
    "reconnect_subject": "liasse: the connection “{name}” needs reconnecting",
    "reconnect_body": "liasse could not use “{name}” ({kind}): {error}\n"
                      "Nothing is lost: documents wait until you reconnect it.\n{link}",
    "failing_subject": "liasse: the connection “{name}” is failing",
    "failing_body": "liasse's last sync of “{name}” ({kind}) failed: {error}\n"
                    "It retries at the next window; retry now from the status page.\n{link}",
    "parked_subject": "liasse: “{file}” is parked with an error",
    "parked_body": "“{file}” stopped at a step that failed: {error}\n"
                   "Fix the cause, then retry it from the status page.\n{link}",
}


@dataclass(frozen=True)
class Notice:
    key: str  # the same situation always gives the same key: it is notified once
    kind: str
    subject: str
    body: str
    link: str


@runtime_checkable
class Notifier(Protocol):
    """An outside channel for notices (e-mail, chat...). It must not raise on delivery."""

    def deliver(self, notice: Notice, recipients: Sequence[str]) -> bool:
        """Send `notice` to `recipients`; True when it went out."""
        ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "liasse@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_seconds: float = 10.0


class SmtpNotifier:
    """E-mail through an SMTP server; a failed delivery is reported, never raised."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.last_error: str | None = None

    def deliver(self, notice: Notice, recipients: Sequence[str]) -> bool:
        if not recipients:
            return False
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = notice.subject
        message.set_content(notice.body)
        try:
            self._send(message)
        except (OSError, smtplib.SMTPException) as exc:
            self.last_error = str(exc)
            return False
        return True

    def _send(self, message: EmailMessage) -> None:
        config = self.config
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username and config.password:
                smtp.login(config.username, config.password)
            smtp.send_message(message)


def attention_notices(repo: WebRepo, base_url: str) -> list[Notice]:
    """What the owners should hear about now, each with a stable key."""
    notices: list[Notice] = []
    for health in repo.connection_health():
        connection = health.connection
        values = {"name": connection.name, "kind": connection.kind,
                  "error": connection.last_error or "authorisation refused",
                  "link": f"{base_url}/status"}
        if connection.status == "active" and connection.last_error:
            notices.append(_failing(connection.id, values))
        if connection.status != "needs_reconnect":
            continue
        notices.append(Notice(
            key=f"reconnect:{connection.id}:{connection.last_error or ''}"[:200],
            kind="reconnect", subject=TEXTS["reconnect_subject"].format(**values),
            body=TEXTS["reconnect_body"].format(**values), link=values["link"],
        ))
    for document in repo.documents_in([State.PARKED]):
        values = {"file": document.file_name, "error": document.last_error or "?",
                  "link": f"{base_url}/documents/{document.id}"}
        notices.append(Notice(
            key=f"parked:{document.id}:{document.attempts}", kind="parked",
            subject=TEXTS["parked_subject"].format(**values),
            body=TEXTS["parked_body"].format(**values), link=values["link"],
        ))
    return notices


def _failing(connection_id: str, values: dict[str, str]) -> Notice:
    """A connector error on an active connection (network, server): once per error text."""
    return Notice(key=f"failing:{connection_id}:{values['error']}"[:200], kind="failing",
                  subject=TEXTS["failing_subject"].format(**values),
                  body=TEXTS["failing_body"].format(**values), link=values["link"])


def notify_attention(sessions: sessionmaker[Session], workspace_id: str, *,
                     base_url: str, notifiers: Sequence[Notifier] = ()) -> list[Notice]:
    """Record new notices in the app, then send them out; returns the new notices."""
    with sessions.begin() as session:
        repo = WebRepo(session, workspace_id)
        fresh: list[tuple[str, Notice]] = []
        for notice in attention_notices(repo, base_url):
            row = repo.add_notification_once(notice.key, kind=notice.kind,
                                             subject=notice.subject, body=notice.body,
                                             link=notice.link)
            if row is not None:
                fresh.append((row.id, notice))
        recipients = repo.owner_emails()
    sent = [row_id for row_id, notice in fresh if _deliver_everywhere(notifiers, notice,
                                                                      recipients)]
    if sent:
        with sessions.begin() as session:
            WebRepo(session, workspace_id).mark_emailed(sent)
    return [notice for _, notice in fresh]


def _deliver_everywhere(notifiers: Sequence[Notifier], notice: Notice,
                        recipients: Sequence[str]) -> bool:
    """Every channel gets its chance (no short-circuit); True if at least one delivered."""
    delivered = [notifier.deliver(notice, recipients) for notifier in notifiers]
    return any(delivered)
