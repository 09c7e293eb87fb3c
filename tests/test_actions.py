"""The operations behind the buttons, on a real database through the real pipeline."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "web"))

from webworld import World, filled_world, invoice_file

from liasse.app import actions
from liasse.app.pipelines import build_pipeline
from liasse.app.settings import Settings
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo

ACTOR = actions.user_actor("ann@example.com")


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    world = filled_world(settings)
    yield world
    world.services.close()


def trail(world: World, name: str) -> list[tuple[str, str | None, str | None, str]]:
    def read(repo: DocumentRepo) -> list[tuple[str, str | None, str | None, str]]:
        return [(e.actor, e.before, e.after, e.reason)
                for e in repo.audit_trail(world.document_id(name))]
    result: list[tuple[str, str | None, str | None, str]] = world.repo_call(read)
    return result


def test_edit_field_updates_the_extraction_and_columns_and_audits(world: World) -> None:
    document_id = world.document_id("unsure.pdf")
    changed = world.repo_call(lambda repo: actions.edit_field(
        repo, document_id, "total_amount", "99.9", actor=ACTOR))
    assert changed is True
    same = world.repo_call(lambda repo: actions.edit_field(
        repo, document_id, "total_amount", "99.90", actor=ACTOR))
    assert same is False  # nothing changed: no audit event
    document = world.repo_call(lambda repo: repo.get_document(document_id))
    assert document.total_minor == 9990
    assert document.extraction["fields"]["total_amount"] == {
        "value": "99.90", "confidence": 1.0, "evidence": f"corrected by {ACTOR}"}
    assert trail(world, "unsure.pdf")[-1] == (ACTOR, None, None, "total_amount corrected")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("issue_date", "2026-13-01", "YYYY-MM-DD"),
    ("total_amount", "lots", "an amount"),
    ("currency", "euro", "three-letter"),
    ("colour", "red", "unknown field"),
])
def test_invalid_edits_are_refused(world: World, name: str, value: str, message: str) -> None:
    document_id = world.document_id("unsure.pdf")
    with pytest.raises(actions.ActionRefused, match=message):
        world.repo_call(lambda repo: actions.edit_field(repo, document_id, name, value,
                                                        actor=ACTOR))


def test_a_posted_document_can_no_longer_be_edited(world: World) -> None:
    document_id = world.document_id("sure.pdf")
    with pytest.raises(actions.ActionRefused, match="no longer be edited"):
        world.repo_call(lambda repo: actions.edit_field(repo, document_id, "currency", "USD",
                                                        actor=ACTOR))


def test_approve_reject_send_back_and_override_follow_the_lifecycle(world: World) -> None:
    unsure = world.document_id("unsure.pdf")
    world.repo_call(lambda repo: actions.approve(repo, unsure, actor=ACTOR))
    world.repo_call(lambda repo: actions.send_back_to_review(repo, unsure, actor=ACTOR))
    with pytest.raises(actions.ActionRefused, match="needs a reason"):
        world.repo_call(lambda repo: actions.reject(repo, unsure, actor=ACTOR, reason=" "))
    world.repo_call(lambda repo: actions.reject(repo, unsure, actor=ACTOR, reason="duplicate"))
    bad = world.document_id("bad.pdf")
    world.repo_call(lambda repo: actions.override_route(repo, bad, "approved", actor=ACTOR,
                                                        reason="known supplier"))
    assert world.state_of("unsure.pdf") == "refused" and world.state_of("bad.pdf") == "approved"
    assert trail(world, "unsure.pdf")[-3:] == [
        (ACTOR, "in_review", "approved", "approved by a person"),
        (ACTOR, "approved", "in_review", "sent back to review"),
        (ACTOR, "in_review", "refused", "duplicate"),
    ]
    assert trail(world, "bad.pdf")[-1][3] == "routing overridden: known supplier"
    with pytest.raises(actions.ActionRefused, match="cannot go from posted"):
        world.repo_call(lambda repo: actions.approve(repo, world.document_id("sure.pdf"),
                                                     actor=ACTOR))


def test_an_approval_is_posted_like_an_automatic_one_and_only_once(world: World) -> None:
    unsure = world.document_id("unsure.pdf")
    world.repo_call(lambda repo: actions.approve(repo, unsure, actor=ACTOR))
    pipeline = build_pipeline(world.services, connection_ids=set())
    assert actions.post_now(pipeline).posted == 1
    assert actions.post_now(pipeline).posted == 0
    world.run_window()
    assert world.bank.posted_files.count("unsure.pdf") == 1
    assert world.state_of("unsure.pdf") == "posted"


def test_retry_resumes_the_failed_step_and_releases_the_parked_post(world: World) -> None:
    world.bank.reject = {"iban.pdf"}
    invoice_file(world.inbox, "iban.pdf", 0.97)
    world.run_window()
    document_id = world.document_id("iban.pdf")
    assert world.state_of("iban.pdf") == "parked"
    with pytest.raises(actions.ActionRefused, match="nothing to retry"):
        world.repo_call(lambda repo: actions.retry_document(
            repo, world.document_id("sure.pdf"), actor=ACTOR))
    world.bank.reject = set()
    state = world.repo_call(lambda repo: actions.retry_document(repo, document_id, actor=ACTOR))
    assert state.value == "approved"
    assert world.repo_call(lambda repo: repo.list_outbox(status="parked"), OutboxRepo) == []
    world.run_window()
    assert world.state_of("iban.pdf") == "posted"
    assert trail(world, "iban.pdf")[-2][0:3] == (ACTOR, "parked", "approved")


def test_retry_of_a_parked_outbox_item(world: World) -> None:
    world.bank.reject = {"iban.pdf"}
    invoice_file(world.inbox, "iban.pdf", 0.97)
    world.run_window()
    item_id = world.repo_call(lambda repo: repo.list_outbox(status="parked")[0].id,
                              OutboxRepo)
    world.repo_call(lambda repo: actions.retry_outbox_item(repo, item_id, actor=ACTOR))
    with pytest.raises(actions.ActionRefused, match="not parked"):
        world.repo_call(lambda repo: actions.retry_outbox_item(repo, item_id, actor=ACTOR))
    assert world.state_of("iban.pdf") == "approved"


def test_bulk_approve_reports_each_refusal(world: World) -> None:
    ids = [world.document_id(name) for name in ("unsure.pdf", "second.pdf", "sure.pdf")]
    result = world.repo_call(lambda repo: actions.bulk_approve(repo, [*ids, "nope"],
                                                               actor=ACTOR))
    assert result.done == (ids[0], ids[1])
    assert set(result.refused) == {ids[2], "nope"}
