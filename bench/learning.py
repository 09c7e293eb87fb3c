"""Learning from corrections on the real corpus: a supplier taught once, read again.

    OMP_NUM_THREADS=1 uv run python bench/learning.py [--corpus ../shared/corpus]
        [--cache DIR] [--cached-only] [--misses]

Suppliers with at least two documents (invoices and receipts, grouped by the supplier
name of their labels): the first document of each is taught as `liasse learn` would
(its labels as `--set` values, through `learning.learn_pages` into a real SQLite store),
the others are read in the same workspace with its memories. Prints the labelled fields'
accuracy untaught and taught, the wrong values stated at confidence >= 0.85, and the
share of the taught suppliers' next documents in the auto band (document confidence
>= 0.85) with no wrong key field. Figures only: nothing here passes or fails.
`--cached-only` reads only the documents whose words the cache already holds (a shared
cache still being built): a subset's figures, for paired comparisons on that subset.
`--misses` prints, for each next document, whose memory read it and why, then each
labelled field read wrong with memory and each right key field under 0.85 (the reading
without memory beside it): where the taught accuracy and the auto band are lost.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from liasse.domain.extraction import ExtractedField
from liasse.extract.confidence import document_confidence
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout, normalise
from liasse.extract.layout import Page
from liasse.extract.memory import SupplierMemory, recognise
from liasse.extract.ocr import DEFAULT_ENGINE
from liasse.extract.training import same_value
from liasse.samples.realcorpus import RealDocument, cache_key

SURE = 0.85
KEY_FIELDS = ("supplier_name", "invoice_number", "issue_date", "total_amount")
REAL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REAL_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "extract-pages"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REAL_CORPUS)
    parser.add_argument("--cache", type=Path, default=REAL_CACHE)
    parser.add_argument("--misses", action="store_true",
                        help="print each taught field read wrong, and each next document "
                             "kept out of the auto band, with why")
    parser.add_argument("--cached-only", action="store_true",
                        help="leave out the documents whose words the cache does not hold "
                             "yet (a shared cache still being built): a subset's figures")
    args = parser.parse_args()
    from liasse.samples.realcorpus import corpus_documents, read_words

    groups = defaultdict(list)
    for document in corpus_documents(args.corpus):
        if args.cached_only and not _cached(document.path, args.cache):
            continue
        name = document.truth.get("supplier_name")
        if name:
            groups[normalise(name)].append(document)
    groups = {k: v for k, v in groups.items() if len(v) >= 2}
    from sqlalchemy import create_engine

    from liasse.app import learning
    from liasse.store import migrate
    from liasse.store import repo as store_repo
    from liasse.store.db import make_session_factory
    from liasse.store.memory_repo import MemoryRepo
    from liasse.store.suppliers_repo import SupplierRepo

    folder = tempfile.mkdtemp(prefix="liasse-learning-")
    engine = create_engine(f"sqlite:///{folder}/bench.db")
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "bench", "Bench").id
    tally = {"untaught": [0, 0, 0], "taught": [0, 0, 0]}  # right, judged, wrong >= 0.85
    auto = [0, 0]  # next documents in the auto band with no wrong key field, all
    auto_labelled = [0, 0]  # same, the key fields being those the labels have
    for documents in groups.values():
        first, *rest = documents
        pages, layer = read_words(first, args.cache)
        fields = read_document(pages, layer=layer).fields
        sets = {k: v for k, v in first.truth.items() if v is not None}
        with sessions.begin() as session:
            learning.learn_pages(SupplierRepo(session, workspace_id),
                                 MemoryRepo(session, workspace_id), pages, fields, sets)
        with sessions.begin() as session:
            memories = tuple(MemoryRepo(session, workspace_id).memories())
        for document in rest:
            pages, layer = read_words(document, args.cache)
            plain = read_document(pages, layer=layer)
            taught = read_document(pages, layer=layer, memories=memories)
            for name, reading in (("untaught", plain), ("taught", taught)):
                _score(tally[name], reading.fields, document.truth)
            if args.misses:
                _print_recognition(document, first, pages, plain.fields, memories)
                _print_misses(document, first, plain.fields, taught.fields)
            wrong_key = any(not _right(taught.fields, n, document.truth[n])
                            for n in KEY_FIELDS if document.truth.get(n) is not None)
            confidence = document_confidence(taught.fields, taught.document_type)
            auto[0] += confidence >= SURE and not wrong_key
            auto[1] += 1
            keys = [n for n in KEY_FIELDS if document.truth.get(n) is not None]
            labelled = min((taught.fields[n].confidence if taught.fields[n].value else 0.0)
                           for n in keys) if keys else 0.0
            auto_labelled[0] += labelled >= SURE and not wrong_key
            auto_labelled[1] += 1
    print(f"suppliers with >= 2 documents: {len(groups)}; next documents read: {auto[1]}")
    for name, (right, judged, wrong) in tally.items():
        print(f"{name:9} fields right {right}/{judged} = {right / max(judged, 1):.1%}; "
              f"wrong at >= 0.85: {wrong}")
    print(f"auto band (engine's document confidence, all four key fields) with no wrong key "
          f"field: {auto[0]}/{auto[1]} = {auto[0] / max(auto[1], 1):.1%}")
    print(f"auto band (key fields the labels have) with no wrong key field: "
          f"{auto_labelled[0]}/{auto_labelled[1]} = "
          f"{auto_labelled[0] / max(auto_labelled[1], 1):.1%}")


def _cached(path: Path, cache: Path) -> bool:
    """The document's words are in the cache: its text layer, or its OCR'd words under
    the key of the engine the bench reads with."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    layer = cache / f"{digest}.layer"
    if not layer.exists():
        return False
    key = digest if layer.read_text("utf-8").strip() == "text" else cache_key(
        digest, DEFAULT_ENGINE)
    return (cache / f"{key}.json").exists()


def _print_recognition(document: RealDocument, first: RealDocument, pages: list[Page],
                       fields: Mapping[str, ExtractedField],
                       memories: tuple[SupplierMemory, ...]) -> None:
    """Whose memory the reading used, and why (or that none was recognised)."""
    found = recognise(build_layout(pages), fields, memories)
    teacher = normalise(first.truth.get("supplier_name") or "")
    right = found is not None and normalise(found.memory.supplier_name) == teacher
    print(f"RECOGNISED {document.id} taught-by={first.id} "
          f"{'none' if found is None else found.how if right else 'WRONG ' + found.how} "
          f"| {found.evidence if found else ''}")


def _print_misses(document: RealDocument, first: RealDocument,
                  plain: Mapping[str, ExtractedField],
                  taught: Mapping[str, ExtractedField]) -> None:
    """Each labelled field read wrong with memory, and the key fields under 0.85."""
    for name, value in document.truth.items():
        if value is None:
            continue
        got = taught.get(name)
        right = got is not None and same_value(name, got.value, value)
        weak = name in KEY_FIELDS and right and got is not None and got.confidence < SURE
        if right and not weak:
            continue
        was = plain.get(name)
        print(f"{'WEAK' if right else 'MISS'} {document.kind:14} {document.id:28} "
              f"taught-by={first.id} {name}: truth={value!r} "
              f"got={got.value if got else None!r}@{got.confidence if got else 0:.2f} "
              f"untaught={was.value if was else None!r}@{was.confidence if was else 0:.2f} "
              f"taught-value={first.truth.get(name)!r} "
              f"| {(got.evidence if got else '')[:160]}")


def _right(fields: dict, name: str, truth: str | None) -> bool:  # type: ignore[type-arg]
    got = fields.get(name)
    return got is not None and same_value(name, got.value, truth)


def _score(tally: list[int], fields: dict, truth: dict) -> None:  # type: ignore[type-arg]
    for name, value in truth.items():
        if value is None:
            continue
        got = fields.get(name)
        right = got is not None and same_value(name, got.value, value)
        tally[0] += right
        tally[1] += 1
        tally[2] += got is not None and got.value is not None and not right \
            and got.confidence >= SURE


if __name__ == "__main__":
    main()
