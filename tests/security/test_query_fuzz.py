"""Attack 7: `/w/<slug>/documents?page=99999999999999999999999` answered 500. Every GET
route is fuzzed here with hypothesis: any query string gets an answer, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webworld import TEST_CONFIG, World, filled_world, login

from liasse.app.settings import Settings
from liasse.web.app import create_app
from liasse.web.routes import ROUTERS, oauth

KNOWN_KEYS = ("page", "q", "supplier", "state", "min", "max", "issued_from", "issued_to",
              "ids", "sort", "dir", "msg", "width", "next", "to", "code", "error",
              "error_description", "reconnect", "lang", "days", "f_total_amount", "status")
HUGE = ("99999999999999999999999", "-99999999999999999999999", "1e999", "NaN", "-1", "0",
        "1" * 400, "9223372036854775808")
values = st.one_of(st.sampled_from(HUGE), st.text(max_size=40), st.integers().map(str),
                   st.sampled_from(("2026-02-30", "0000-00-00", "2026-13-01", "\x00", "%00")))
query = st.lists(st.tuples(st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=8)), values),
                 min_size=1, max_size=6)


ROUTE_PATHS = [route.path for router in (*ROUTERS, oauth.router) for route in router.routes
               if isinstance(route, APIRoute) and "GET" in route.methods]


@pytest.fixture(scope="module")
def owner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[str]]]:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("LIASSE_HOME", str(tmp_path_factory.mktemp("fuzz") / "home"))
    world: World = filled_world(Settings(qonto={"mode": "off"}, inbox={"settle_seconds": 0}))
    app = create_app(world.services, TEST_CONFIG)
    client = TestClient(app, raise_server_exceptions=False)
    assert login(client, "owner@example.com").status_code in (200, 303)
    document_id = world.document_id("sure.pdf")
    paths = [fill(path, document_id) for path in ROUTE_PATHS]
    yield client, paths
    world.services.close()
    monkeypatch.undo()


def fill(path: str, document_id: str) -> str:
    return (path.replace("{slug}", "default").replace("{document_id}", document_id)
            .replace("{number:int}", "1").replace("{provider}", "dropbox")
            .replace("{name}", "inbox").replace("{supplier_id}", "x")
            .replace("{match_id}", "x").replace("{transaction_id}", "x"))


def test_every_get_route_is_fuzzed(owner: tuple[TestClient, list[str]]) -> None:
    _, paths = owner
    assert len(paths) >= 20, paths
    assert not [path for path in paths if "{" in path]


def test_the_reported_page_number_is_not_a_server_error(
        owner: tuple[TestClient, list[str]]) -> None:
    client, _ = owner
    response = client.get("/w/default/documents?page=99999999999999999999999")
    assert response.status_code == 200
    # A NUL (PostgreSQL refuses it in text) or an oversized value is a 400 on every route.
    assert client.get("/w/default/documents?q=a%00b").status_code == 400
    assert client.get("/w/default/documents", params={"q": "x" * 5000}).status_code == 400


@pytest.mark.parametrize("route", range(len(ROUTE_PATHS)))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(params=query)
def test_no_query_string_makes_a_server_error(owner: tuple[TestClient, list[str]], route: int,
                                              params: list[tuple[str, str]]) -> None:
    client, paths = owner
    response = client.get(paths[route], params=params, follow_redirects=False)
    assert response.status_code < 500, (paths[route], params, response.text[:300])
