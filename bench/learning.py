"""Learning from corrections on the real corpus: a supplier taught once, read again.

    OMP_NUM_THREADS=1 uv run python bench/learning.py [--corpus ../shared/corpus]
        [--cache DIR] [--cached-only]

Suppliers with at least two documents (invoices and receipts, grouped by the supplier
name of their labels): the first document of each is taught as `liasse learn` would
(its labels as `--set` values, through `learning.learn_pages` into a real SQLite store),
the others are read in the same workspace with its memories. Prints the labelled fields'
accuracy untaught and taught, the wrong values stated at confidence >= 0.85, and the
share of the taught suppliers' next documents in the auto band (document confidence
>= 0.85) with no wrong key field. Figures only: nothing here passes or fails.
`--cached-only` reads only the documents whose words the cache already holds (a shared
cache still being built): a subset's figures, for paired comparisons on that subset.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from collections import defaultdict
from pathlib import Path

from liasse.extract.confidence import document_confidence
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import normalise
from liasse.extract.training import same_value

SURE = 0.85
KEY_FIELDS = ("supplier_name", "invoice_number", "issue_date", "total_amount")
REAL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REAL_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "extract-pages"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REAL_CORPUS)
    parser.add_argument("--cache", type=Path, default=REAL_CACHE)
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
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return (cache / f"{digest}.json").exists() and (cache / f"{digest}.layer").exists()


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
