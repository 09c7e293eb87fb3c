"""The emulated Dropbox namespace: files, folders, revs, ids and the change journal.

Paths are compared by their NFC-normalised lower-case form (`path_lower`), displayed with
the casing they were created with. Ids survive renames and moves; every write gets a new
rev. Each change appends the touched `path_lower`s to a journal with a sequence number;
cursors point into that journal, and `compact_journal` makes older cursors answer `reset`
the way a real cursor that is too old does. No I/O here: persistence is a separate module.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from liasse.connectors.dropbox.content_hash import content_hash
from liasse.emulators.dropbox.wire import (
    BadInput,
    JsonObject,
    RouteError,
    lookup_error,
    tagged,
    timestamp,
    upload_failed,
    write_conflict,
)

MAX_UPLOAD_BYTES = 150 * 1024 * 1024
DEFAULT_LIST_LIMIT = 2000


def normalise(path: str) -> str:
    """NFC, no trailing slash; the root is the empty string."""
    return unicodedata.normalize("NFC", path).rstrip("/")


def lower(path: str) -> str:
    return normalise(path).lower()


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0]


def name_of(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def is_within(path_lower: str, root_lower: str, recursive: bool) -> bool:
    """Whether a path is reported by a listing of `root_lower` (the root itself excluded)."""
    if not path_lower.startswith(root_lower + "/"):
        return False
    return recursive or "/" not in path_lower[len(root_lower) + 1:]


@dataclass
class Node:
    id: str
    path_display: str
    is_folder: bool
    rev: str = ""
    size: int = 0
    content_hash: str = ""
    client_modified: float = 0.0
    server_modified: float = 0.0

    def metadata(self) -> JsonObject:
        common = {
            "name": name_of(self.path_display),
            "id": self.id,
            "path_lower": lower(self.path_display),
            "path_display": self.path_display,
        }
        if self.is_folder:
            return tagged("folder", **common)
        return tagged(
            "file",
            **common,
            client_modified=timestamp(self.client_modified),
            server_modified=timestamp(self.server_modified),
            rev=self.rev,
            size=self.size,
            is_downloadable=True,
            content_hash=self.content_hash,
        )


def deleted_metadata(path_display: str) -> JsonObject:
    return tagged(
        "deleted",
        name=name_of(path_display),
        path_lower=lower(path_display),
        path_display=path_display,
    )


@dataclass(frozen=True)
class Cursor:
    """Where a listing stands: `after` is set while the first full listing is paged."""

    epoch: str
    root: str
    recursive: bool
    include_deleted: bool
    seq: int
    limit: int
    after: str | None = None

    def encode(self) -> str:
        raw = json.dumps(
            [self.epoch, self.root, self.recursive, self.include_deleted, self.seq,
             self.limit, self.after],
            separators=(",", ":"),
        )
        return "AAE" + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            padded = text[3:] + "=" * (-len(text[3:]) % 4)
            epoch, root, recursive, deleted, seq, limit, after = json.loads(
                base64.urlsafe_b64decode(padded)
            )
            return cls(epoch, root, bool(recursive), bool(deleted), int(seq), int(limit), after)
        except (ValueError, TypeError, binascii.Error) as exc:
            raise BadInput("Invalid \"cursor\" parameter: not a cursor from this server") from exc


@dataclass(frozen=True)
class ListPage:
    entries: list[JsonObject]
    cursor: str
    has_more: bool


@dataclass
class WriteMode:
    kind: str  # "add" | "overwrite" | "update"
    rev: str | None = None


@dataclass
class TreeSnapshot:
    """Everything the tree needs to come back after a restart (blobs kept apart)."""

    epoch: str
    seq: int
    floor: int
    rev_counter: int
    nodes: list[dict[str, Any]]
    tombstones: dict[str, str]
    journal: list[tuple[int, str]]


@dataclass
class FileTree:
    """The namespace and its journal; every public method is atomic under `lock`."""

    clock: Callable[[], float] = time.time
    on_change: Callable[[], None] = lambda: None
    epoch: str = field(default_factory=lambda: secrets.token_hex(4))
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)
        self.nodes: dict[str, Node] = {}
        self.blobs: dict[str, bytes] = {}
        self.tombstones: dict[str, str] = {}
        self.journal: list[tuple[int, str]] = []
        self.seq = 0
        self.floor = 0
        self.rev_counter = 0

    # --- lookups ---------------------------------------------------------------------

    def resolve(self, path_or_id: str, field_name: str = "path") -> Node:
        node = self.find(path_or_id)
        if node is None:
            raise lookup_error(field_name, "not_found")
        return node

    def find(self, path_or_id: str) -> Node | None:
        if path_or_id.startswith("id:"):
            return next((n for n in self.nodes.values() if n.id == path_or_id), None)
        return self.nodes.get(lower(check_path(path_or_id)))

    def get_metadata(self, path: str, include_deleted: bool) -> JsonObject:
        if path == "":
            raise BadInput("Error in call to API function \"files/get_metadata\": "
                           "request body: path: The root folder is unsupported.")
        with self.lock:
            node = self.find(path)
            if node is not None:
                return node.metadata()
            tombstone = self.tombstones.get(lower(path))
            if include_deleted and tombstone is not None:
                return deleted_metadata(tombstone)
            raise lookup_error("path", "not_found")

    def download(self, path: str) -> tuple[JsonObject, bytes]:
        with self.lock:
            node = self.resolve(path)
            if node.is_folder:
                raise lookup_error("path", "not_file")
            return node.metadata(), self.blobs[node.content_hash]

    # --- listing ---------------------------------------------------------------------

    def list_folder(self, path: str, recursive: bool, include_deleted: bool,
                    limit: int = DEFAULT_LIST_LIMIT) -> ListPage:
        with self.lock:
            root = self._listing_root(path)
            cursor = Cursor(self.epoch, root, recursive, include_deleted, self.seq, limit, "")
            return self._snapshot_page(cursor)

    def latest_cursor(self, path: str, recursive: bool, include_deleted: bool) -> str:
        with self.lock:
            root = self._listing_root(path)
            return Cursor(self.epoch, root, recursive, include_deleted, self.seq,
                          DEFAULT_LIST_LIMIT).encode()

    def list_continue(self, cursor_text: str) -> ListPage:
        with self.lock:
            cursor = self._live_cursor(cursor_text)
            if cursor.after is not None:
                return self._snapshot_page(cursor)
            return self._journal_page(cursor)

    def wait_for_change(self, cursor_text: str, timeout: float) -> bool:
        """Block until the cursor has something new, or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        with self.changed:
            cursor = self._live_cursor(cursor_text)
            while not self._has_changes(cursor):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
                cursor = self._live_cursor(cursor_text)
            return True

    def compact_journal(self) -> None:
        """Forget the journal: every cursor issued so far becomes too old (`reset`)."""
        with self.lock:
            self.journal.clear()
            self.seq += 1  # cursors issued from now on start past the floor
            self.floor = self.seq
            self._changed()

    def _listing_root(self, path: str) -> str:
        if path == "/":
            raise BadInput("Error in call to API function \"files/list_folder\": request body: "
                           "path: Specify the root folder as an empty string rather than as \"/\".")
        if path == "":
            return ""
        node = self.resolve(path)
        if not node.is_folder:
            raise lookup_error("path", "not_folder")
        return lower(node.path_display)

    def _live_cursor(self, text: str) -> Cursor:
        cursor = Cursor.decode(text)
        if cursor.epoch != self.epoch or cursor.seq < self.floor:
            raise RouteError(tagged("reset"))
        return cursor

    def _has_changes(self, cursor: Cursor) -> bool:
        if cursor.after is not None:
            return True
        return any(self._matches(cursor, path) for _, path in self._journal_after(cursor.seq))

    def _matches(self, cursor: Cursor, path_lower: str) -> bool:
        return is_within(path_lower, cursor.root, cursor.recursive)

    def _snapshot_page(self, cursor: Cursor) -> ListPage:
        after = cursor.after or ""
        candidates = sorted(
            path for path in self._listed_paths(cursor) if path > after
        )
        page, rest = candidates[: cursor.limit], candidates[cursor.limit:]
        entries = [self._current_entry(path) for path in page]
        # Once paged through, the journal from the listing's start covers what changed
        # meanwhile: a change may be reported twice, never missed.
        next_cursor = replace(cursor, after=page[-1] if rest else None)
        return ListPage(entries, next_cursor.encode(), bool(rest))

    def _listed_paths(self, cursor: Cursor) -> Iterator[str]:
        yield from (p for p in self.nodes if self._matches(cursor, p))
        if cursor.include_deleted:
            yield from (p for p in self.tombstones if self._matches(cursor, p))

    def _journal_page(self, cursor: Cursor) -> ListPage:
        seen: dict[str, None] = {}  # ordered set: each path once, in journal order
        last_seq = cursor.seq
        for seq, path in self._journal_after(cursor.seq):
            if self._matches(cursor, path) and path not in seen:
                if len(seen) == cursor.limit:
                    return ListPage([self._current_entry(p) for p in seen],
                                    replace(cursor, seq=last_seq).encode(), True)
                seen[path] = None
            last_seq = seq
        entries = [self._current_entry(p) for p in seen]
        return ListPage(entries, replace(cursor, seq=self.seq).encode(), False)

    def _journal_after(self, seq: int) -> Iterator[tuple[int, str]]:
        # The journal is ordered by seq; scan from the end for the usual short tail.
        start = len(self.journal)
        while start > 0 and self.journal[start - 1][0] > seq:
            start -= 1
        yield from self.journal[start:]

    def _current_entry(self, path_lower: str) -> JsonObject:
        node = self.nodes.get(path_lower)
        if node is not None:
            return node.metadata()
        return deleted_metadata(self.tombstones.get(path_lower, path_lower))

    # --- writes ----------------------------------------------------------------------

    def upload(self, path: str, data: bytes, mode: WriteMode, *, autorename: bool = False,
               strict_conflict: bool = False, client_modified: float | None = None,
               expected_hash: str | None = None) -> JsonObject:
        if len(data) > MAX_UPLOAD_BYTES:
            raise RouteError(tagged("payload_too_large"))
        digest = content_hash(data)
        if expected_hash is not None and expected_hash != digest:
            raise RouteError(tagged("content_hash_mismatch"))
        with self.lock:
            target = self._upload_target(normalise(check_path(path)), digest, mode,
                                         autorename, strict_conflict)
            if isinstance(target, Node):
                return target.metadata()  # identical content already there: nothing written
            return self._write_file(target, data, digest, client_modified).metadata()

    def create_folder(self, path: str, autorename: bool = False) -> JsonObject:
        with self.lock:
            display = normalise(check_path(path))
            if display == "":
                raise write_conflict("path", "folder")
            existing = self.nodes.get(lower(display))
            if existing is not None:
                if not autorename:
                    raise write_conflict("path", "folder" if existing.is_folder else "file")
                display = self._free_name(display, numbered)
            self._ensure_parents(display, "path")
            node = Node(id=self._new_id(), path_display=display, is_folder=True)
            self._place(node)
            self._changed()
            return node.metadata()

    def move(self, from_path: str, to_path: str, autorename: bool = False) -> JsonObject:
        with self.lock:
            node = self.resolve(from_path, "from_lookup")
            old = node.path_display
            new = normalise(check_path(to_path))
            if lower(new) == lower(old) and new == old:
                raise RouteError(tagged("duplicated_or_nested_paths"))
            if lower(new).startswith(lower(old) + "/"):
                raise RouteError(tagged("cant_move_folder_into_itself"))
            if lower(new) != lower(old) and lower(new) in self.nodes:
                if not autorename:
                    raise write_conflict("to", "folder" if self.nodes[lower(new)].is_folder
                                         else "file")
                new = self._free_name(new, numbered)
            self._ensure_parents(new, "to")
            for moved in self._subtree(lower(old)):
                self._unplace(moved)
                moved.path_display = new + moved.path_display[len(old):]
                self._place(moved)
            self._changed()
            return node.metadata()

    def delete(self, path: str) -> JsonObject:
        with self.lock:
            node = self.resolve(path, "path_lookup")
            for gone in sorted(self._subtree(lower(node.path_display)),
                               key=lambda n: n.path_display, reverse=True):
                self._unplace(gone)
            self._changed()
            return node.metadata()

    def _upload_target(self, display: str, digest: str, mode: WriteMode, autorename: bool,
                       strict: bool) -> str | Node:
        """The path to write, or the existing node when nothing needs writing."""
        existing = self.nodes.get(lower(display))
        conflict: str | None = None
        if existing is not None and existing.is_folder:
            conflict = "folder"
        elif mode.kind == "update":
            current_rev = existing.rev if existing else None
            if (existing is not None and current_rev != mode.rev) or (existing is None and strict):
                conflict = "file"
        elif existing is not None and mode.kind == "add":
            if existing.content_hash == digest and not strict:
                return existing
            conflict = "file"
        elif existing is not None and existing.content_hash == digest and not strict:
            return existing
        if conflict is None:
            return display
        if not autorename:
            raise upload_failed(tagged("conflict", conflict=tagged(conflict)))
        return self._free_name(display, conflicted_copy if mode.kind == "update" else numbered)

    def _write_file(self, display: str, data: bytes, digest: str,
                    client_modified: float | None) -> Node:
        self._ensure_parents(display, "path", upload=True)
        now = self.clock()
        existing = self.nodes.get(lower(display))
        self.rev_counter += 1
        node = Node(
            id=existing.id if existing else self._new_id(),
            path_display=existing.path_display if existing else display,
            is_folder=False,
            rev=f"{self.rev_counter:x}".rjust(9, "0") + self.epoch,
            size=len(data),
            content_hash=digest,
            client_modified=client_modified if client_modified is not None else now,
            server_modified=now,
        )
        self.blobs[digest] = data
        self._place(node)
        self._changed()
        return node

    def _ensure_parents(self, display: str, field_name: str, upload: bool = False) -> None:
        """Create missing ancestors, refusing when a file sits where a folder should be."""
        parts = display.split("/")[1:-1]
        current = ""
        for part in parts:
            current = f"{current}/{part}"
            existing = self.nodes.get(lower(current))
            if existing is None:
                self._place(Node(id=self._new_id(), path_display=current, is_folder=True))
            elif not existing.is_folder:
                if upload:
                    raise upload_failed(tagged("conflict", conflict=tagged("file_ancestor")))
                raise write_conflict(field_name, "file_ancestor")

    def _free_name(self, display: str, label: Callable[[str, int], str]) -> str:
        """`name (1).pdf`, `name (2).pdf`, ... the first that is free."""
        folder, name = parent_of(display), name_of(display)
        stem, dot, ext = name.rpartition(".") if "." in name[1:] else (name, "", "")
        for number in range(1, 10_000):
            candidate = f"{folder}/{label(stem, number)}{dot}{ext}"
            if lower(candidate) not in self.nodes:
                return candidate
        raise RouteError(tagged("path", path=tagged("conflict", conflict=tagged("file"))))

    def _subtree(self, root_lower: str) -> list[Node]:
        prefix = root_lower + "/"
        return [n for p, n in self.nodes.items() if p == root_lower or p.startswith(prefix)]

    def _place(self, node: Node) -> None:
        key = lower(node.path_display)
        self.nodes[key] = node
        self.tombstones.pop(key, None)
        self._journal(key)

    def _unplace(self, node: Node) -> None:
        key = lower(node.path_display)
        self.nodes.pop(key, None)
        self.tombstones[key] = node.path_display
        self._journal(key)

    def _journal(self, path_lower: str) -> None:
        self.seq += 1
        self.journal.append((self.seq, path_lower))

    def _changed(self) -> None:
        self.changed.notify_all()
        self.on_change()

    def _new_id(self) -> str:
        return "id:" + secrets.token_urlsafe(16)[:22]

    # --- persistence -----------------------------------------------------------------

    def snapshot(self) -> TreeSnapshot:
        with self.lock:
            return TreeSnapshot(
                epoch=self.epoch, seq=self.seq, floor=self.floor, rev_counter=self.rev_counter,
                nodes=[vars(node).copy() for node in self.nodes.values()],
                tombstones=dict(self.tombstones), journal=list(self.journal),
            )

    def restore(self, snapshot: TreeSnapshot, blobs: dict[str, bytes]) -> None:
        with self.lock:
            self.epoch, self.seq, self.floor = snapshot.epoch, snapshot.seq, snapshot.floor
            self.rev_counter = snapshot.rev_counter
            self.nodes = {lower(n["path_display"]): Node(**n) for n in snapshot.nodes}
            self.tombstones = dict(snapshot.tombstones)
            self.journal = [(int(s), str(p)) for s, p in snapshot.journal]
            self.blobs = blobs


def numbered(stem: str, number: int) -> str:
    return f"{stem} ({number})"


def conflicted_copy(stem: str, number: int) -> str:
    return f"{stem} (conflicted copy)" if number == 1 else f"{stem} (conflicted copy {number})"


def check_path(path: str) -> str:
    """Reject what Dropbox rejects before touching the tree (400, plain text)."""
    if path and not path.startswith("/"):
        raise BadInput(f"Error in call to API function: path: '{path}' did not match pattern "
                       "'(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)|(id:.*)'")
    if any(part in (".", "..") for part in path.split("/")):
        raise lookup_error("path", "malformed_path")
    return path
