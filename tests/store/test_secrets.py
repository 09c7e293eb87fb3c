from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine

from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.secrets import (
    SecretDecryptionError,
    SecretKeyError,
    SecretStore,
    ensure_key_file,
    generate_master_key,
    load_keyring,
    rotate_key_file,
)
from liasse.store.secrets_repo import SecretRepo


def test_key_file_is_private_and_created_once(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    assert ensure_key_file(key_file) is True
    assert ensure_key_file(key_file) is False
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_placeholder_or_missing_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match="placeholder"):
        load_keyring(env_key="changeme", key_file=tmp_path / "k", production=True)
    with pytest.raises(SecretKeyError, match="production"):
        load_keyring(env_key=None, key_file=tmp_path / "k", production=True)
    with pytest.raises(SecretKeyError, match="32 bytes"):
        load_keyring(env_key="c2hvcnQ", key_file=tmp_path / "k", production=False)


def test_world_readable_key_file_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    ensure_key_file(key_file)
    key_file.chmod(0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        load_keyring(env_key=None, key_file=key_file, production=False)


def test_secrets_round_trip_encrypted_and_survive_rotation(engine: Engine, tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    ensure_key_file(key_file)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace = store_repo.create_workspace(session, "acme", "Acme")
        repo = SecretRepo(session, workspace.id)
        store = SecretStore(repo, load_keyring(env_key=None, key_file=key_file, production=False))
        store.put("dropbox.refresh_token", "sl.very-secret")
        raw = repo.secret_ciphertext("dropbox.refresh_token")
        assert raw is not None and b"very-secret" not in raw
    old_keyring = load_keyring(env_key=None, key_file=key_file, production=False)
    with sessions.begin() as session:
        assert rotate_key_file(session, old_keyring, key_file) == 1
    new_keyring = load_keyring(env_key=None, key_file=key_file, production=False)
    assert new_keyring.current.id != old_keyring.current.id
    with sessions.begin() as session:
        repo = SecretRepo(session, workspace.id)
        assert repo.data_key() is not None
        assert repo.data_key().master_key_id == new_keyring.current.id  # type: ignore[union-attr]
        assert SecretStore(repo, new_keyring).get("dropbox.refresh_token") == "sl.very-secret"


def test_a_secret_moved_to_another_workspace_does_not_decrypt(engine: Engine) -> None:
    from liasse.store.secrets import Keyring

    keyring = Keyring(generate_master_key())
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        a = SecretRepo(session, store_repo.create_workspace(session, "a", "A").id)
        b = SecretRepo(session, store_repo.create_workspace(session, "b", "B").id)
        SecretStore(a, keyring).put("token", "alpha")
        SecretStore(b, keyring).put("token", "beta")
        b.save_secret_ciphertext("token", a.secret_ciphertext("token") or b"")
        with pytest.raises(SecretDecryptionError):
            SecretStore(b, keyring).get("token")
