"""Train the candidate ranker shipped in `src/liasse/extract/data/ranker.json`.

    .venv/bin/python scripts/train_extractor.py [--corpus ../shared/corpus] [--generated 120]
                                                [--ocr-engine rapidocr|tesseract]

Fits one logistic regression per field on every candidate of the real corpus (read from
where it lies, never copied) and of a slice of the generated corpus, then calibrates each
field's confidence on out-of-fold scores grouped by source (see `extract.training`).
Reproducible: the same corpus and the same arguments give the same file. The words of
each document are cached by content hash in `.cache/extract-pages` (OCR is slow). Scans
and receipts are read with the default OCR engine (`ocr.DEFAULT_ENGINE`), the one whose
words the shipped model will be given: its calibration is a fact about those words.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from liasse.extract.ocr import DEFAULT_ENGINE, OCR_ENGINES, OcrEngine
from liasse.extract.training import Example, example_from_pages, fit_ranker, prepare
from liasse.samples.realcorpus import DEFAULT_CORPUS, corpus_documents, read_words

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "src" / "liasse" / "extract" / "data" / "ranker.json"
CACHE = ROOT / ".cache" / "extract-pages"


def real_examples(corpus: Path, cache: Path,
                  engine: OcrEngine = DEFAULT_ENGINE) -> list[Example]:
    examples = []
    for document in corpus_documents(corpus):
        pages, layer = read_words(document, cache, engine)
        examples.append(example_from_pages(document.id, document.source, document.group, layer,
                                           document.truth, pages))
    return examples


def generated_examples(count: int, seed: int) -> list[Example]:
    """Born-digital documents of the generated corpus: more layouts, never the measure."""
    from liasse.extract.cascade import ExtractOptions, read_pages
    from liasse.samples.corpus import generate

    examples = []
    options = ExtractOptions(use_einvoice=False, time_limit_seconds=0)
    for document in generate(count, seed, scans=False):
        read = read_pages(document.data, file=document.name, options=options)
        examples.append(example_from_pages(document.name, "generated", "generated", read.layer,
                                           document.truth, read.pages))
    return examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--generated", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=MODEL)
    parser.add_argument("--ocr-engine", choices=OCR_ENGINES, default=DEFAULT_ENGINE,
                        help="the OCR engine whose words the scans are read with")
    args = parser.parse_args()
    started = time.perf_counter()
    examples = real_examples(args.corpus, CACHE, args.ocr_engine) \
        + generated_examples(args.generated, args.seed)
    features = prepare(examples)
    model = fit_ranker(examples, features)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_json(), indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"trained on {len(examples)} documents ({len(model.trained_on['sources'])} sources), "
          f"{len(features)} features, in {time.perf_counter() - started:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
