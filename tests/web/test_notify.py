"""Owners hear about connections to reconnect and parked records: in the app and by e-mail."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from webworld import World, invoice_file

from liasse.app.notify import Notice, Notifier, SmtpConfig, SmtpNotifier, notify_attention
from liasse.store.connections_repo import ConnectionRepo


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_parked_records_and_broken_connections_are_notified_once(
        world: World, owner: TestClient, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    world.bank.reject = {"iban.pdf"}
    invoice_file(world.inbox, "iban.pdf", 0.97)
    world.run_window()

    def break_connection(repo: Any) -> None:
        connection = repo.list_connections()[0]
        repo.set_connection_status(connection.id, "needs_reconnect", "token revoked")

    world.repo_call(break_connection, ConnectionRepo)
    workspace_id = world.repo_call(lambda repo: repo.workspace_id)
    mailer = SmtpNotifier(SmtpConfig(host="127.0.0.1", port=port, sender="liasse@example.com"))
    sent = notify_attention(world.services.sessions, workspace_id, base_url="http://x/w/default",
                            notifiers=[mailer])
    assert sorted(notice.kind for notice in sent) == ["parked", "reconnect"]
    assert notify_attention(world.services.sessions, workspace_id, base_url="http://x/w/default",
                            notifiers=[mailer]) == []  # nothing new: nothing repeated
    subjects = sorted(str(message["Subject"]) for message in inbox.messages)
    assert subjects == ["liasse: the connection “inbox” needs reconnecting",
                        "liasse: “iban.pdf” is parked with an error"]
    assert all(message["To"] == "owner@example.com" for message in inbox.messages)
    body = next(m for m in inbox.messages if "parked" in str(m["Subject"])).get_payload(
        decode=True)
    assert b"supplier IBAN is invalid" in body

    page = owner.get("/w/default/dashboard").text
    assert '<span class="badge">2</span>' in page
    listed = owner.get("/w/default/notifications").text
    assert "token revoked" in listed and "needs reconnecting" in listed


def test_a_failed_delivery_is_reported_not_raised() -> None:
    mailer = SmtpNotifier(SmtpConfig(host="127.0.0.1", port=free_port(), timeout_seconds=1))
    notice = Notice("k", "parked", "subject", "body", "")
    assert mailer.deliver(notice, ["a@example.com"]) is False
    assert mailer.last_error


def test_the_smtp_notifier_conforms_to_the_protocol() -> None:
    assert isinstance(SmtpNotifier(SmtpConfig(host="localhost")), Notifier)


def test_a_connector_error_is_notified_in_the_app_and_by_e_mail(
        world: World, owner: TestClient, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp

    def fail_connection(repo: Any) -> None:
        connection = repo.list_connections()[0]
        repo.set_connection_status(connection.id, "active", "network error: timed out")

    world.repo_call(fail_connection, ConnectionRepo)
    workspace_id = world.repo_call(lambda repo: repo.workspace_id)
    mailer = SmtpNotifier(SmtpConfig(host="127.0.0.1", port=port, sender="liasse@example.com"))
    sent = notify_attention(world.services.sessions, workspace_id, base_url="http://x/w/default",
                            notifiers=[mailer])
    assert [notice.kind for notice in sent] == ["failing"]
    assert [str(message["Subject"]) for message in inbox.messages] == [
        "liasse: the connection “inbox” is failing"]
    assert "network error: timed out" in owner.get("/w/default/notifications").text
