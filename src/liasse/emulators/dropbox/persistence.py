"""What the Dropbox emulator keeps on disk: `state.json` (tree and tokens) plus its blobs.

Blobs are stored by Dropbox content hash, once; `liasse.emulators.persistence` does the
atomic writing.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from liasse.connectors.dropbox.content_hash import content_hash
from liasse.emulators.dropbox.tree import TreeSnapshot
from liasse.emulators.persistence import DataFolder

STATE_FILE = "state.json"
BLOB_FOLDER = "blobs"


class StateFiles:
    """Loads and saves one emulator's state under `root`."""

    def __init__(self, root: Path) -> None:
        self.folder = DataFolder(root, STATE_FILE, BLOB_FOLDER, digest=content_hash)

    def save(self, tree: TreeSnapshot, tokens: dict[str, Any], blobs: dict[str, bytes]) -> None:
        live = {node["content_hash"] for node in tree.nodes if node["content_hash"]}
        for digest in live:
            if not self.folder.files.has(digest):
                self.folder.files.put(blobs[digest])
        self.folder.save({"tree": asdict(tree), "tokens": tokens})

    def load(self) -> tuple[TreeSnapshot, dict[str, Any], dict[str, bytes]] | None:
        document = self.folder.load()
        if document is None:
            return None
        tree = TreeSnapshot(**document["tree"])
        wanted = {node["content_hash"] for node in tree.nodes if node["content_hash"]}
        blobs = {digest: self.folder.files.get(digest) for digest in wanted}
        return tree, document.get("tokens", {}), blobs
