"""The blob store's behaviour, on both backends: files in a folder, and objects in an
S3-compatible bucket (moto's S3 server on loopback, a real HTTP S3 API)."""

from __future__ import annotations

import errno
import hashlib
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse.app.settings import load_settings
from liasse.store.blobs import BlobStorage, BlobStore, BlobStoreError, S3BlobStore

S3_KEYS = {"access_key_id": "testing", "secret_access_key": "testing", "region": "eu-west-3"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._server.server_port}"  # type: ignore[union-attr]
    finally:
        server.stop()


def new_bucket(endpoint: str) -> str:
    bucket = f"liasse-{uuid.uuid4().hex[:12]}"
    S3BlobStore.from_url(f"s3://{bucket}", endpoint_url=endpoint, **S3_KEYS).client \
        .create_bucket(Bucket=bucket,
                       CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    return bucket


@pytest.fixture(params=["files", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    if request.param == "files":
        return BlobStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3BlobStore.from_url(f"s3://{new_bucket(endpoint)}/docs/", endpoint_url=endpoint,
                                **S3_KEYS)


def stored_names(store: BlobStorage) -> list[str]:
    """Every file or object the store holds, as names relative to its root."""
    if isinstance(store, BlobStore):
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*")
                      if p.is_file())
    listing = store.client.list_objects_v2(Bucket=store.bucket)
    return sorted(str(item["Key"]) for item in listing.get("Contents", []))


def test_content_is_stored_once_under_its_hash(store: BlobStorage) -> None:
    first = store.put_bytes(b"%PDF-1.7 hello")
    second = store.put_bytes(b"%PDF-1.7 hello")
    assert first.sha256 == hashlib.sha256(b"%PDF-1.7 hello").hexdigest()
    assert (first.created, second.created) == (True, False)
    assert store.read_bytes(first.sha256) == b"%PDF-1.7 hello"
    assert store.open(first.sha256).read() == b"%PDF-1.7 hello"
    assert store.exists(first.sha256)
    name = f"{first.sha256[:2]}/{first.sha256[2:4]}/{first.sha256}"
    prefix = "docs/" if isinstance(store, S3BlobStore) else ""
    # No temp file left behind, no copy.
    assert stored_names(store) == [prefix + name]


def test_large_stream_is_hashed_incrementally(store: BlobStorage) -> None:
    data = bytes(range(256)) * 40_000  # 10 MiB: past the in-memory spool of the S3 backend
    stored = store.put_stream(io.BytesIO(data))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert store.read_bytes(stored.sha256) == data


class FullDisk(io.BytesIO):
    """A stream whose copy fails the way a full disk makes writes fail."""

    def read(self, size: int | None = -1) -> bytes:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_gives_a_clear_error_and_leaves_nothing(store: BlobStorage) -> None:
    with pytest.raises(BlobStoreError, match=r"disk .* is full"):
        store.put_stream(FullDisk())
    assert stored_names(store) == []


def test_missing_blob_and_bad_hash_are_reported(store: BlobStorage) -> None:
    with pytest.raises(BlobStoreError, match="missing"):
        store.read_bytes("0" * 64)
    assert not store.exists("0" * 64)
    with pytest.raises(ValueError, match="SHA-256"):
        store.read_bytes("../../etc/passwd")


def test_the_settings_choose_the_s3_backend(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    from liasse.app.services import open_blob_store

    bucket = new_bucket(s3_endpoint)
    for name, value in {"URL": f"s3://{bucket}/tenant-a", "ENDPOINT_URL": s3_endpoint,
                        "REGION": "eu-west-3", "ACCESS_KEY_ID": "testing",
                        "SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(f"LIASSE_BLOBS__{name}", value)
    store = open_blob_store(load_settings())
    assert isinstance(store, S3BlobStore)
    stored = store.put_bytes(b"shared by every host")
    assert store.client.get_object(Bucket=bucket, Key=f"tenant-a/{stored.sha256[:2]}/"
                                   f"{stored.sha256[2:4]}/{stored.sha256}")["Body"].read() \
        == b"shared by every host"


def test_without_a_url_the_blobs_stay_in_the_home_folder() -> None:
    from liasse.app.services import open_blob_store

    settings = load_settings()
    store = open_blob_store(settings)
    assert isinstance(store, BlobStore) and store.root == settings.blob_path
