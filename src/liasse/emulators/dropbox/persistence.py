"""The emulator's state on disk: `state.json` plus content-addressed blobs, written atomically.

A write goes to a temporary file in the same folder, is flushed to disk, then renamed over
the old one, so a crash leaves either the previous state or the new one, never half of it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from liasse.emulators.dropbox.tree import TreeSnapshot

STATE_FILE = "state.json"
BLOB_FOLDER = "blobs"


def write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class StateFiles:
    """Loads and saves one emulator's state under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blob_dir = root / BLOB_FOLDER

    def save(self, tree: TreeSnapshot, tokens: dict[str, Any], blobs: dict[str, bytes]) -> None:
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        live = {node["content_hash"] for node in tree.nodes if node["content_hash"]}
        for digest in live:
            blob_path = self.blob_dir / digest
            if not blob_path.exists():
                write_atomically(blob_path, blobs[digest])
        document = {"tree": asdict(tree), "tokens": tokens}
        write_atomically(self.root / STATE_FILE, json.dumps(document).encode("utf-8"))

    def load(self) -> tuple[TreeSnapshot, dict[str, Any], dict[str, bytes]] | None:
        state_path = self.root / STATE_FILE
        if not state_path.exists():
            return None
        document = json.loads(state_path.read_text("utf-8"))
        tree = TreeSnapshot(**document["tree"])
        wanted = {node["content_hash"] for node in tree.nodes if node["content_hash"]}
        blobs = {digest: (self.blob_dir / digest).read_bytes() for digest in wanted}
        return tree, document.get("tokens", {}), blobs
