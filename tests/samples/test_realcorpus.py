"""The real corpus reader caches words by the bytes it reads, whatever the manifest says."""

from __future__ import annotations

import json
from pathlib import Path

from liasse.samples.corpus import generate
from liasse.samples.realcorpus import corpus_documents, read_words


def test_two_entries_sharing_a_manifest_hash_keep_their_own_words(tmp_path: Path) -> None:
    """Manifests hash some documents as published: two entries may carry one hash."""
    (tmp_path / "docs").mkdir()
    entries = []
    for number, document in enumerate(generate(2, 3, scans=False)):
        path = tmp_path / "docs" / f"doc-{number}.pdf"
        path.write_bytes(document.data)
        entries.append({"id": f"doc-{number}", "path": f"docs/{path.name}",
                        "kind": "invoice_pdf", "source_repo": "example/repo",
                        "sha256": "0" * 64, "truth": {}})
    (tmp_path / "manifest.json").write_text(json.dumps(entries), "utf-8")
    cache = tmp_path / "cache"
    first, second = (read_words(document, cache) for document in corpus_documents(tmp_path))
    words = [" ".join(word.text for page in pages for word in page.words)
             for pages, _ in (first, second)]
    assert words[0] != words[1]
    again = [read_words(document, cache) for document in corpus_documents(tmp_path)]
    assert [" ".join(w.text for p in pages for w in p.words) for pages, _ in again] == words
