"""Typed Dropbox metadata as the connector hands it out, parsed from the wire JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class FileMetadata:
    id: str
    name: str
    path_lower: str
    path_display: str
    rev: str
    size: int
    server_modified: datetime
    client_modified: datetime
    content_hash: str | None


@dataclass(frozen=True)
class FolderMetadata:
    id: str
    name: str
    path_lower: str
    path_display: str


@dataclass(frozen=True)
class DeletedMetadata:
    name: str
    path_lower: str
    path_display: str


Metadata = FileMetadata | FolderMetadata | DeletedMetadata


@dataclass(frozen=True)
class ListFolderResult:
    entries: tuple[Metadata, ...]
    cursor: str
    has_more: bool


@dataclass(frozen=True)
class LongpollResult:
    changes: bool
    backoff: int | None


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def parse_metadata(data: dict[str, Any]) -> Metadata:
    tag = data.get(".tag")
    path_display = data.get("path_display") or data.get("path_lower") or ""
    path_lower = data.get("path_lower") or path_display.lower()
    if tag == "file":
        return FileMetadata(
            id=data["id"], name=data["name"], path_lower=path_lower, path_display=path_display,
            rev=data["rev"], size=int(data["size"]),
            server_modified=parse_timestamp(data["server_modified"]),
            client_modified=parse_timestamp(data["client_modified"]),
            content_hash=data.get("content_hash"),
        )
    if tag == "folder":
        return FolderMetadata(id=data["id"], name=data["name"], path_lower=path_lower,
                              path_display=path_display)
    return DeletedMetadata(name=data["name"], path_lower=path_lower, path_display=path_display)


def parse_file(data: dict[str, Any]) -> FileMetadata:
    metadata = parse_metadata({".tag": "file", **data})
    assert isinstance(metadata, FileMetadata)
    return metadata


def parse_list(data: dict[str, Any]) -> ListFolderResult:
    return ListFolderResult(
        entries=tuple(parse_metadata(entry) for entry in data.get("entries", [])),
        cursor=data["cursor"],
        has_more=bool(data.get("has_more")),
    )
