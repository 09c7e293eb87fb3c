"""Content-addressed document storage: one object per SHA-256, written atomically, never twice.

Two backends with one interface (`BlobStorage`): `BlobStore`, files under a folder (the
embedded default), and `S3BlobStore`, objects in an S3-compatible bucket shared by every
host of an installation (`LIASSE_BLOBS__URL=s3://bucket/prefix`).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024


class BlobStoreError(OSError):
    """A blob could not be written or read; the message says what to do."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same content was already stored


# Documents are private: only liasse's own user may list or read the store.
PRIVATE_DIRECTORY = 0o700


class BlobStorage(Protocol):
    """What the pipeline and the web app need from a blob store, whatever its backend."""

    def exists(self, sha256: str) -> bool: ...

    def put_bytes(self, data: bytes) -> StoredBlob: ...

    def put_stream(self, source: BinaryIO) -> StoredBlob: ...

    def read_bytes(self, sha256: str) -> bytes: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def delete(self, sha256: str) -> bool: ...


def blob_name(sha256: str) -> str:
    """`ab/cd/<sha256>`, after checking it is a digest (never a path of the caller's)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobStore:
    """Blobs under `root/ab/cd/<sha256>`; a temp file in `root/tmp` is renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / blob_name(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_stream(io.BytesIO(data))

    def put_stream(self, source: BinaryIO) -> StoredBlob:
        """Copy `source` in, hashing as it goes; identical content is kept once."""
        tmp_dir = self.root / "tmp"
        self.root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
        tmp_dir.mkdir(exist_ok=True, mode=PRIVATE_DIRECTORY)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="incoming-")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._place(tmp_path, digest.hexdigest(), size)
        except OSError as exc:
            raise _explain(exc) from exc
        finally:
            tmp_path.unlink(missing_ok=True)

    def _place(self, tmp_path: Path, sha256: str, size: int) -> StoredBlob:
        final = self.path(sha256)
        if final.is_file():
            return StoredBlob(sha256, size, created=False)
        for directory in (final.parent.parent, final.parent):  # each level private
            directory.mkdir(exist_ok=True, mode=PRIVATE_DIRECTORY)
        tmp_path.chmod(0o600)
        tmp_path.replace(final)
        return StoredBlob(sha256, size, created=True)

    def read_bytes(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise BlobStoreError(f"blob {sha256} is missing from {self.root}") from exc

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def delete(self, sha256: str) -> bool:
        """Remove a blob (an erased workspace, an expired original); False if it was gone."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True


class S3BlobStore:
    """Blobs as objects `<prefix>ab/cd/<sha256>` in an S3-compatible bucket.

    The content is hashed while it is spooled (in memory up to 8 MiB, then on disk), then
    uploaded under its hash unless an object of that name is there already: objects are
    immutable, so a second writer of the same content changes nothing.
    """

    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None
                 ) -> S3BlobStore:
        """`s3://bucket/prefix`; credentials left out come from the usual AWS sources."""
        # Local: boto3 is needed only with an S3 bucket and costs ~0.5 s to import.
        import boto3
        from botocore.config import Config

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )
        return cls(client, parts.netloc, parts.path)

    def key(self, sha256: str) -> str:
        return self.prefix + blob_name(sha256)

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError  # local: see from_url

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise _explain_s3(exc, self.bucket) from exc
        return True

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_stream(io.BytesIO(data))

    def put_stream(self, source: BinaryIO) -> StoredBlob:
        from botocore.exceptions import BotoCoreError, ClientError  # local: see from_url

        digest = hashlib.sha256()
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            try:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    spool.write(chunk)
            except OSError as exc:
                raise _explain(exc) from exc
            sha256 = digest.hexdigest()
            if self.exists(sha256):
                return StoredBlob(sha256, size, created=False)
            spool.seek(0)
            try:
                self.client.upload_fileobj(spool, self.bucket, self.key(sha256))
            except (BotoCoreError, ClientError) as exc:
                raise _explain_s3(exc, self.bucket) from exc
        return StoredBlob(sha256, size, created=True)

    def read_bytes(self, sha256: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError  # local: see from_url

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
            return answer["Body"].read()
        except ClientError as exc:
            if _status(exc) == 404:
                raise BlobStoreError(
                    f"blob {sha256} is missing from s3://{self.bucket}/{self.prefix}") from exc
            raise _explain_s3(exc, self.bucket) from exc
        except BotoCoreError as exc:
            raise _explain_s3(exc, self.bucket) from exc

    def open(self, sha256: str) -> BinaryIO:
        return io.BytesIO(self.read_bytes(sha256))

    def delete(self, sha256: str) -> bool:
        """Remove an object (an erased workspace, an expired original); False if it was gone."""
        from botocore.exceptions import BotoCoreError, ClientError  # local: see from_url

        if not self.exists(sha256):
            return False
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        except (BotoCoreError, ClientError) as exc:
            raise _explain_s3(exc, self.bucket) from exc
        return True


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _explain_s3(exc: Exception, bucket: str) -> BlobStoreError:
    return BlobStoreError(f"the object store (bucket {bucket}) failed: {exc}")


def _explain(exc: OSError) -> BlobStoreError:
    if exc.errno == errno.ENOSPC:
        return BlobStoreError("the disk holding the blob store is full: free space and retry")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return BlobStoreError(f"no permission to write the blob store: {exc.filename}")
    return BlobStoreError(f"could not store the document: {exc}")
