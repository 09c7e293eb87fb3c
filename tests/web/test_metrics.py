"""`/metrics`: off (404) by default; on, Prometheus's own parser reads the expected families
with the installation's figures, totals only (no workspace, supplier or file name); a
bearer token, when set, closes it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from webworld import TEST_CONFIG, World, defer_read_jobs, run_sql

from liasse.app.settings import WebConfig, load_settings
from liasse.store.documents_repo import DocumentRepo
from liasse.web.app import create_app

QUEUE_FAMILIES = {"liasse_jobs_waiting", "liasse_jobs_running", "liasse_jobs_failed",
                  "liasse_jobs_oldest_waiting_age_seconds", "liasse_workers_live"}


def _client(world: World, **config: object) -> TestClient:
    return TestClient(create_app(world.services, WebConfig.model_validate(
        {**TEST_CONFIG.model_dump(), **config})))


def _families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {family.name: [(sample.labels, sample.value) for sample in family.samples]
            for family in text_string_to_metric_families(text)}


def _documents_by_state(world: World) -> dict[str, int]:
    with world.services.repo(DocumentRepo) as repo:
        return repo.count_documents_by_state()


def test_off_by_default_is_a_404(world: World, client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404


def test_on_sqlite_documents_and_outbox_totals_and_no_queue(world: World) -> None:
    response = _client(world, metrics=True).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = _families(response.text)
    assert families["liasse_job_queue_enabled"] == [({}, 0.0)]
    assert not QUEUE_FAMILIES & set(families)
    documents = {labels["state"]: value for labels, value in families["liasse_documents"]}
    assert documents == _documents_by_state(world) and sum(documents.values()) == 4
    assert families["liasse_outbox_items"] == [({"status": "done"}, 1.0)]  # sure.pdf, posted


def test_totals_only_no_workspace_or_document_names(world: World) -> None:
    world.add_workspace("acme-secret-client")
    text = _client(world, metrics=True).get("/metrics").text
    for private in ("acme-secret-client", "Default", "sure.pdf", "Orange", "Cowork"):
        assert private not in text, private
    labels = {name for samples in _families(text).values() for found, _ in samples
              for name in found}
    assert labels == {"state", "status"}


def test_a_token_closes_the_endpoint(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Through the settings as `docs/deploy.md` names them, the way `liasse run` builds the app.
    monkeypatch.setenv("LIASSE_WEB__METRICS", "true")
    monkeypatch.setenv("LIASSE_WEB__METRICS_TOKEN", "scrape-me-0123456789")
    client = TestClient(create_app(world.services, load_settings().web))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["www-authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert right.status_code == 200 and "liasse_documents" in right.text


def test_on_postgresql_the_queue_families(pg_world: World) -> None:
    defer_read_jobs(pg_world, 3)
    run_sql(pg_world, "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = "
                      "(SELECT max(id) FROM procrastinate_jobs)")
    run_sql(pg_world, "UPDATE procrastinate_events SET at = now() - interval '90 seconds'")
    run_sql(pg_world, "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
    families = _families(_client(pg_world, metrics=True).get("/metrics").text)
    assert families["liasse_job_queue_enabled"] == [({}, 1.0)]
    assert set(families) >= QUEUE_FAMILIES
    assert sum(value for _, value in families["liasse_jobs_waiting"]) == 2
    assert all(set(labels) == {"queue"} for labels, _ in families["liasse_jobs_waiting"])
    assert families["liasse_jobs_failed"] == [({}, 1.0)]
    assert families["liasse_jobs_running"] == [({}, 0.0)]
    assert families["liasse_workers_live"] == [({}, 1.0)]
    (_, age), = families["liasse_jobs_oldest_waiting_age_seconds"]
    assert 85 <= age < 600
    documents = {labels["state"]: value for labels, value in families["liasse_documents"]}
    assert documents == _documents_by_state(pg_world)
