"""Attack 8 (keys): `keys rotate` only re-wrapped the data keys and left the old master key
on disk, so a copy of either still opened every secret; `--api-key` put Qonto's key in
`ps` for every local user to read."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from test_oauth import QONTO_LOGIN, QONTO_SECRET, serving
from typer.testing import CliRunner

from liasse.app.lock import hold_service_lock
from liasse.app.runner import rotate_master_key
from liasse.app.services import open_services
from liasse.app.settings import Settings
from liasse.app.setup import initialise
from liasse.cli import app
from liasse.emulators.qonto.app import create_app as create_qonto_app
from liasse.emulators.qonto.state import empty_state
from liasse.store import repo as store_repo
from liasse.store.secrets import (
    NONCE_BYTES,
    Keyring,
    SecretStore,
    load_keyring,
    previous_key_file,
)
from liasse.store.secrets_repo import SecretRepo


def keyring(settings: Settings) -> Keyring:
    return load_keyring(env_key=None, key_file=settings.key_file, production=False)


def stolen_data_key(settings: Settings, slug: str) -> bytes:
    """What someone who copied the master key and the database would unwrap."""
    services = open_services(settings)
    try:
        with services.sessions.begin() as session:
            workspace = store_repo.find_workspace_by_slug(session, slug)
            assert workspace is not None
            stored = SecretRepo(session, workspace.id).data_key()
            assert stored is not None
            master = keyring(settings).by_id(stored.master_key_id).key
            return AESGCM(master).decrypt(stored.wrapped[:NONCE_BYTES],
                                          stored.wrapped[NONCE_BYTES:], workspace.id.encode())
    finally:
        services.close()


def with_secrets(settings: Settings) -> dict[str, str]:
    initialise(settings)
    services = open_services(settings)
    ids: dict[str, str] = {}
    try:
        with services.sessions.begin() as session:
            store_repo.create_workspace(session, "other", "Other")
            for slug in ("default", "other"):
                workspace = store_repo.find_workspace_by_slug(session, slug)
                assert workspace is not None
                ids[slug] = workspace.id
                SecretStore(SecretRepo(session, workspace.id), keyring(settings)).put(
                    "qonto.api_key", f"{slug}-secret")
    finally:
        services.close()
    return ids


def read_secret(settings: Settings, workspace_id: str) -> tuple[str | None, bytes]:
    services = open_services(settings)
    try:
        with services.sessions.begin() as session:
            repo = SecretRepo(session, workspace_id)
            return (SecretStore(repo, keyring(settings)).get("qonto.api_key"),
                    repo.secret_ciphertext("qonto.api_key") or b"")
    finally:
        services.close()


def test_rotating_data_keys_makes_a_copied_data_key_useless(settings: Settings) -> None:
    ids = with_secrets(settings)
    old_data_key = stolen_data_key(settings, "default")
    old_master = settings.key_file.read_text()
    rotation = rotate_master_key(settings, new_data_keys=True)
    assert (rotation.data_keys, rotation.replaced, rotation.previous_removed) == (2, True, True)
    assert not previous_key_file(settings.key_file).exists()
    assert settings.key_file.read_text() != old_master
    for slug, workspace_id in ids.items():
        assert read_secret(settings, workspace_id)[0] == f"{slug}-secret"
    _, ciphertext = read_secret(settings, ids["default"])
    with pytest.raises(InvalidTag):
        AESGCM(old_data_key).decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:],
                                     f"{ids['default']}/qonto.api_key".encode())


def test_new_data_keys_wait_for_the_service_to_stop(settings: Settings) -> None:
    with_secrets(settings)
    lock = hold_service_lock(settings)  # what `liasse run` holds while it serves
    try:
        result = CliRunner().invoke(app, ["keys", "rotate", "--data-keys"])
    finally:
        lock.close()
    assert result.exit_code == 1 and "stop it first" in result.output
    assert CliRunner().invoke(app, ["keys", "rotate", "--data-keys"]).exit_code == 0


def test_a_plain_rotation_also_deletes_the_old_master_key(settings: Settings) -> None:
    ids = with_secrets(settings)
    before = stolen_data_key(settings, "other")
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-wrapped" in result.output and "deleted" in result.output
    assert not previous_key_file(settings.key_file).exists()
    assert stolen_data_key(settings, "other") == before  # re-wrapped, not replaced
    assert read_secret(settings, ids["other"])[0] == "other-secret"


def test_the_qonto_key_never_travels_in_argv(settings: Settings) -> None:
    initialise(settings)
    state = empty_state()
    state.api_keys = {QONTO_LOGIN: QONTO_SECRET}
    key = f"{QONTO_LOGIN}:{QONTO_SECRET}"
    runner = CliRunner()
    refused = runner.invoke(app, ["connect", "qonto", "--api-key", key])
    assert refused.exit_code == 2  # no such option any more
    with serving(create_qonto_app(state)) as url:
        missing = runner.invoke(app, ["connect", "qonto", "--base-url", url])
        assert missing.exit_code == 2 and "--api-key-stdin" in missing.output
        piped = runner.invoke(app, ["connect", "qonto", "--api-key-stdin", "--base-url", url],
                              input=key + "\n")
        assert piped.exit_code == 0, piped.output
        from_env = runner.invoke(app, ["connect", "qonto", "--base-url", url, "--name", "q2"],
                                 env={"LIASSE_QONTO_API_KEY": key})
        assert from_env.exit_code == 0, from_env.output
