"""The real corpus reader caches words by the bytes it reads, whatever the manifest says."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from liasse.extract.layout import Page, Word
from liasse.extract.training import pages_to_json
from liasse.samples.corpus import generate
from liasse.samples.realcorpus import corpus_documents, read_words, text_cache_key


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


def test_a_text_layer_cached_by_another_reader_version_is_read_again(tmp_path: Path) -> None:
    """A text layer cached before the reader changed (keyed by the bytes alone) would hide
    the change from the benches and the training: it is read afresh under its version."""
    (tmp_path / "docs").mkdir()
    document = next(iter(generate(1, 3, scans=False)))
    (tmp_path / "docs" / "doc.pdf").write_bytes(document.data)
    (tmp_path / "manifest.json").write_text(json.dumps([{
        "id": "doc", "path": "docs/doc.pdf", "kind": "invoice_pdf",
        "source_repo": "example/repo", "sha256": "0" * 64, "truth": {}}]), "utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()
    digest = hashlib.sha256(document.data).hexdigest()
    stale = [Page(1, 595.0, 842.0, [Word("STALE", 1.0, 1.0, 2.0, 2.0)])]
    (cache / f"{digest}.json").write_text(json.dumps(pages_to_json(stale)), "utf-8")
    (cache / f"{digest}.layer").write_text("text", "utf-8")
    real = next(iter(corpus_documents(tmp_path)))
    pages, layer = read_words(real, cache)
    texts = [word.text for page in pages for word in page.words]
    assert layer == "text" and "STALE" not in texts and len(texts) > 20
    assert (cache / f"{text_cache_key(digest)}.json").exists()
