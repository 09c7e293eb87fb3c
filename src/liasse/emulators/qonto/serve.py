"""`liasse emulate qonto`: serve the emulator on loopback with uvicorn (blocking).

State is loaded from `--data DIR` when it holds one, else built from the seed; without an
`--api-key` a key is generated and printed, with the local OAuth client's secret.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from pathlib import Path

import uvicorn

from liasse.emulators.persistence import FileStore
from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.persistence import StateStore
from liasse.emulators.qonto.seed import attach_demo_receipts, demo_state
from liasse.emulators.qonto.state import EmulatorConfig, OAuthClient, QontoState, empty_state

SEEDS = ("demo", "empty")
LOCAL_CLIENT_ID = "liasse-local"
LOOPBACK_REDIRECTS = ["http://127.0.0.1*", "http://localhost*"]
TEXT = {
    "unknown_seed": "unknown seed {seed!r}; expected one of: {choices}",
    "banner": "Qonto emulator on http://{host}:{port}\n"
              "  API key:   {key}\n"
              "  OAuth:     client_id={client_id} client_secret={client_secret}\n"
              "  state:     {data}",
}


class SeedError(ValueError):
    """An unknown `--seed` name."""


def initial_state(seed: str | None, files: FileStore, day: date, now: datetime) -> QontoState:
    """A new state from the seed; the demo's bank year ends on `day` (the demo's day), no
    line later than `now`."""
    if seed in (None, "empty"):
        return empty_state()
    if seed == "demo":
        state = demo_state(anchor=day, not_after=now)
        attach_demo_receipts(state, files)
        return state
    raise SeedError(TEXT["unknown_seed"].format(seed=seed, choices=", ".join(SEEDS)))


def prepare_state(store: StateStore, seed: str | None, api_key: str | None,
                  day: date | None = None) -> tuple[QontoState, str]:
    """The state to serve (a saved one wins over the seed) and the accepted API key; a new
    demo state is seeded as of `day` (today when not given)."""
    state = store.load() or initial_state(seed, store.files, day or date.today(),
                                          datetime.now(UTC))
    if api_key is None:
        existing = next(iter(state.api_keys.items()), None)
        api_key = f"{existing[0]}:{existing[1]}" if existing else (
            f"{state.organization.slug}:{secrets.token_hex(16)}")
    login, _, secret = api_key.partition(":")
    state.api_keys = {login: secret}
    if LOCAL_CLIENT_ID not in state.oauth_clients:
        state.oauth_clients[LOCAL_CLIENT_ID] = OAuthClient(
            LOCAL_CLIENT_ID, secrets.token_urlsafe(24), list(LOOPBACK_REDIRECTS))
    store.save(state)
    return state, api_key


def serve_qonto_emulator(host: str, port: int, data: Path | None, seed: str | None,
                         api_key: str | None) -> None:
    store = StateStore(data)
    state, key = prepare_state(store, seed, api_key)
    if api_key is not None:  # the caller knows it; do not echo a secret to the terminal
        key = key.partition(":")[0] + ":(as given)"
    client = state.oauth_clients[LOCAL_CLIENT_ID]
    print(TEXT["banner"].format(host=host, port=port, key=key, client_id=client.client_id,
                                client_secret=client.client_secret,
                                data=data or "in memory"), flush=True)
    app = create_app(state, config=EmulatorConfig(), store=store)
    uvicorn.run(app, host=host, port=port, log_level="warning")
