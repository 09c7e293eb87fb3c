"""Secrets at rest: AES-256-GCM with one data key per workspace, wrapped by a master key.

The master key comes from `LIASSE_SECRET_KEY` (base64, 32 bytes) or from a key file that
`liasse init` creates with mode 0600. Each wrapped data key remembers the id of the master
key that wrapped it, so a rotation interrupted halfway still decrypts: the keyring holds
the current key and the previous one (`master.key.previous`), which is deleted once every
secret has been read back with the new key alone. A rotation can also replace the data
keys themselves (every secret re-encrypted), so a data key copied before it opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from liasse.store import repo as store_repo
from liasse.store.secrets_repo import SecretRepo

KEY_BYTES = 32
NONCE_BYTES = 12
PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "placeholder", "xxx", "todo"})


class SecretKeyError(RuntimeError):
    """The master key is missing, a placeholder, or unreadable: liasse refuses to start."""


class SecretDecryptionError(RuntimeError):
    """A stored secret could not be decrypted (wrong master key or tampered data)."""


@dataclass(frozen=True)
class MasterKey:
    key: bytes

    @property
    def id(self) -> str:
        return hashlib.sha256(b"liasse-master-key:" + self.key).hexdigest()[:16]

    def encoded(self) -> str:
        return base64.urlsafe_b64encode(self.key).decode("ascii")


def generate_master_key() -> MasterKey:
    return MasterKey(secrets.token_bytes(KEY_BYTES))


def parse_master_key(text: str) -> MasterKey:
    value = text.strip()
    if value.lower() in PLACEHOLDERS:
        raise SecretKeyError(
            "LIASSE_SECRET_KEY is a placeholder; generate one with "
            "`python -c \"import secrets,base64;print(base64.urlsafe_b64encode("
            "secrets.token_bytes(32)).decode())\"`"
        )
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise SecretKeyError("the master key is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise SecretKeyError(f"the master key must be {KEY_BYTES} bytes, got {len(raw)}")
    return MasterKey(raw)


@dataclass(frozen=True)
class Keyring:
    current: MasterKey
    previous: tuple[MasterKey, ...] = field(default=())

    def by_id(self, key_id: str) -> MasterKey:
        for key in (self.current, *self.previous):
            if key.id == key_id:
                return key
        raise SecretDecryptionError(
            f"no master key with id {key_id} is loaded: was the key file replaced?"
        )


def write_key_file(path: Path, key: MasterKey) -> None:
    """Write a key file readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key.encoded() + "\n")
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def load_keyring(*, env_key: str | None, key_file: Path, production: bool) -> Keyring:
    """The keyring from the environment or the key file; refuses placeholders and gaps."""
    previous_file = key_file.with_name(key_file.name + ".previous")
    previous = (
        (parse_master_key(previous_file.read_text()),) if previous_file.is_file() else ()
    )
    if env_key is not None:
        return Keyring(parse_master_key(env_key), previous)
    if key_file.is_file():
        if key_file.stat().st_mode & 0o077:
            raise SecretKeyError(f"{key_file} is readable by others: chmod 600 it")
        return Keyring(parse_master_key(key_file.read_text()), previous)
    if production:
        raise SecretKeyError(
            "no master key: set LIASSE_SECRET_KEY or run `liasse init` to create "
            f"{key_file} (production mode never invents one)"
        )
    raise SecretKeyError(f"no master key yet: run `liasse init` to create {key_file}")


def ensure_key_file(key_file: Path) -> bool:
    """Create the key file if absent (for `liasse init`); True when it was created."""
    if key_file.exists():
        return False
    write_key_file(key_file, generate_master_key())
    return True


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise SecretDecryptionError("a secret failed its integrity check") from exc


class SecretStore:
    """Encrypted name → value storage for one workspace (OAuth tokens, API keys)."""

    def __init__(self, repo: SecretRepo, keyring: Keyring) -> None:
        self._repo = repo
        self._keyring = keyring

    def put(self, name: str, value: str) -> None:
        sealed = _seal(self._data_key(), value.encode(), self._aad(name))
        self._repo.save_secret_ciphertext(name, sealed)

    def get(self, name: str) -> str | None:
        sealed = self._repo.secret_ciphertext(name)
        if sealed is None:
            return None
        return _open(self._data_key(), sealed, self._aad(name)).decode()

    def delete(self, name: str) -> bool:
        return self._repo.delete_secret(name)

    def _aad(self, name: str) -> bytes:
        # Binding the ciphertext to its workspace and name stops a row being swapped in.
        return f"{self._repo.workspace_id}/{name}".encode()

    def _data_key(self) -> bytes:
        stored = self._repo.data_key()
        aad = self._repo.workspace_id.encode()
        if stored is None:
            data_key = secrets.token_bytes(KEY_BYTES)
            wrapped = _seal(self._keyring.current.key, data_key, aad)
            self._repo.save_data_key(self._keyring.current.id, wrapped)
            return data_key
        master = self._keyring.by_id(stored.master_key_id)
        return _open(master.key, stored.wrapped, aad)


def rewrap_data_keys(session: Session, keyring: Keyring, new_key: MasterKey) -> int:
    """Re-wrap every workspace's data key with `new_key`; the secrets themselves stay."""
    count = 0
    for stored in store_repo.all_data_keys(session):
        aad = stored.workspace_id.encode()
        data_key = _open(keyring.by_id(stored.master_key_id).key, stored.wrapped, aad)
        SecretRepo(session, stored.workspace_id).save_data_key(
            new_key.id, _seal(new_key.key, data_key, aad)
        )
        count += 1
    return count


def replace_data_keys(session: Session, keyring: Keyring, new_key: MasterKey) -> int:
    """A new data key for every workspace, every secret re-encrypted with it, the new data
    key wrapped with `new_key`: the old data keys no longer open anything."""
    count = 0
    for stored in store_repo.all_data_keys(session):
        repo = SecretRepo(session, stored.workspace_id)
        aad = stored.workspace_id.encode()
        old_data_key = _open(keyring.by_id(stored.master_key_id).key, stored.wrapped, aad)
        new_data_key = secrets.token_bytes(KEY_BYTES)
        for name in repo.secret_names():
            secret_aad = f"{stored.workspace_id}/{name}".encode()
            plaintext = _open(old_data_key, repo.secret_ciphertext(name) or b"", secret_aad)
            repo.save_secret_ciphertext(name, _seal(new_data_key, plaintext, secret_aad))
        repo.save_data_key(new_key.id, _seal(new_key.key, new_data_key, aad))
        count += 1
    return count


def previous_key_file(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".previous")


def rotate_key_file(session: Session, keyring: Keyring, key_file: Path, *,
                    new_data_keys: bool = False) -> int:
    """Rotate the file-held master key: the old key is kept as `.previous`, the data keys
    are re-wrapped (or replaced) in the caller's transaction, then the new key is written.
    Once the caller has committed, `forget_previous_key` checks and deletes `.previous`."""
    new_key = generate_master_key()
    write_key_file(previous_key_file(key_file), keyring.current)
    rotate = replace_data_keys if new_data_keys else rewrap_data_keys
    count = rotate(session, keyring, new_key)
    session.flush()
    write_key_file(key_file, new_key)
    return count


def forget_previous_key(session: Session, key_file: Path) -> bool:
    """Delete `.previous` once every data key and secret opens with the current key alone;
    False (and the file kept) when anything still needs the old one."""
    current = Keyring(parse_master_key(key_file.read_text()))
    try:
        for stored in store_repo.all_data_keys(session):
            aad = stored.workspace_id.encode()
            data_key = _open(current.by_id(stored.master_key_id).key, stored.wrapped, aad)
            repo = SecretRepo(session, stored.workspace_id)
            for name in repo.secret_names():
                _open(data_key, repo.secret_ciphertext(name) or b"",
                      f"{stored.workspace_id}/{name}".encode())
    except SecretDecryptionError:
        return False
    previous_key_file(key_file).unlink(missing_ok=True)
    return True
