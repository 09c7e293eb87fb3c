"""A workspace's wrapped data key and encrypted secrets (`store.secrets` seals and opens them)."""

from __future__ import annotations

from sqlalchemy import select

from liasse.store.repo import BoundRepo
from liasse.store.tables import DataKey, Secret, utcnow


class SecretRepo(BoundRepo):
    """One workspace's data key and secret ciphertexts; never a plaintext."""

    def data_key(self) -> DataKey | None:
        return self.session.get(DataKey, self.workspace_id)

    def save_data_key(self, master_key_id: str, wrapped: bytes) -> DataKey:
        key = self.data_key()
        if key is None:
            key = DataKey(workspace_id=self.workspace_id, master_key_id=master_key_id,
                          wrapped=wrapped)
            self.session.add(key)
        else:
            key.master_key_id = master_key_id
            key.wrapped = wrapped
            key.rotated_at = utcnow()
        self.session.flush()
        return key

    def secret_ciphertext(self, name: str) -> bytes | None:
        secret = self._secret(name)
        return None if secret is None else secret.ciphertext

    def save_secret_ciphertext(self, name: str, ciphertext: bytes) -> None:
        secret = self._secret(name)
        if secret is None:
            self.session.add(
                Secret(workspace_id=self.workspace_id, name=name, ciphertext=ciphertext)
            )
        else:
            secret.ciphertext = ciphertext
            secret.updated_at = utcnow()
        self.session.flush()

    def secret_names(self) -> list[str]:
        return list(self.session.scalars(
            select(Secret.name).where(Secret.workspace_id == self.workspace_id)
            .order_by(Secret.name)))

    def delete_secret(self, name: str) -> bool:
        secret = self._secret(name)
        if secret is None:
            return False
        self.session.delete(secret)
        self.session.flush()
        return True

    def _secret(self, name: str) -> Secret | None:
        return self.session.scalars(
            select(Secret).where(Secret.workspace_id == self.workspace_id, Secret.name == name)
        ).first()

