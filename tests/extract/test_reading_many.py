"""`liasse extract` over many files: read side by side in the reader's children, printed in
the order given, a bad file among them still its own result; and a plain read never loads
the store (its start-up is what a user waits for on one file)."""

from __future__ import annotations

from pathlib import Path

from liasse.app.reading import read_file, read_files, reading_options
from liasse.extract.warm_up import warm_up_pdf
from liasse.samples.corpus import generate
from processes import python_lines


def test_many_files_come_back_in_order_and_match_one_by_one(tmp_path: Path) -> None:
    paths = []
    for index, document in enumerate(generate(6, 11)):
        path = tmp_path / f"{index}{document.suffix}"
        path.write_bytes(document.data)
        paths.append(path)
    paths.insert(3, tmp_path / "missing.pdf")
    options = reading_options()
    together = list(read_files(paths, options))
    alone = [read_file(path, options) for path in paths]
    assert [result.file for result in together] == [str(path) for path in paths]
    assert [r.to_json() | {"seconds": 0} for r in together] == [
        r.to_json() | {"seconds": 0} for r in alone]
    assert together[3].errors and not together[0].errors


def test_reading_without_a_workspace_imports_neither_store_nor_pdf_writer() -> None:
    probe = ("import sys, liasse.app.reading; "
             "print(sorted({m.split('.')[0] if not m.startswith('liasse.') else "
             "'.'.join(m.split('.')[:2]) for m in sys.modules}))")
    loaded = "\n".join(python_lines(probe))
    for heavy in ("liasse.store", "sqlalchemy", "pypdf", "numpy", "sklearn"):
        assert f"'{heavy}'" not in loaded


def test_the_parent_gets_fields_without_importing_the_reader(tmp_path: Path) -> None:
    # The child reads the fields; the parent only prints them. Were the child's answer the
    # reader's own types, unpickling it would import numpy, the model and every rule here.
    document = next(d for d in generate(8, 5, scans=False) if d.suffix == ".pdf")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(document.data)
    probe = ("import sys; from pathlib import Path; "
             "from liasse.app.reading import read_file, reading_options; "
             f"result = read_file(Path({str(path)!r}), reading_options(use_einvoice=False)); "
             "print(result.fields['total_amount'].value); "
             "print(sorted(m for m in sys.modules if m == 'numpy' or "
             "m.startswith(('liasse.extract.fields', 'liasse.extract.ranking'))))")
    lines = python_lines(probe)
    assert lines[0] == document.truth["total_amount"]
    assert lines[1] == "[]"


def test_a_batch_without_pdf_or_image_starts_no_reader_child(tmp_path: Path) -> None:
    paths = [tmp_path / "note.xml", tmp_path / "missing.pdf"]
    paths[0].write_bytes(b"<?xml version='1.0'?><note>not an invoice</note>")
    probe = ("import threading; from pathlib import Path; "
             "from liasse.app.reading import read_files, reading_options; "
             "from liasse.extract.worker import shared_worker; "
             f"results = list(read_files([Path(p) for p in {list(map(str, paths))!r}], "
             "reading_options())); pool = shared_worker(); "
             "print(len(results), threading.active_count(), pool._unused == pool._all)")
    # No thread starting a child, and every child of the pool still unstarted.
    assert " ".join(python_lines(probe)).split() == ["2", "1", "True"]


def test_the_reader_starts_before_the_cascade_is_imported(tmp_path: Path) -> None:
    """`start_reading` names the children's warm-up: they import the reader while this
    process has not imported the cascade yet; the batch then reads as usual."""
    paths = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for path in paths:
        path.write_bytes(warm_up_pdf())
    probe = ("import sys; from pathlib import Path; "
             "from liasse.app.reading import read_files, reading_options, start_reading; "
             f"paths = [Path(p) for p in {list(map(str, paths))!r}]; start_reading(paths); "
             "print('liasse.extract.cascade' in sys.modules); "
             "results = list(read_files(paths, reading_options(), started=True)); "
             "print([r.value('invoice_number') for r in results])")
    assert python_lines(probe) == ["False", "['FA-2026-0001', 'FA-2026-0001']"]
