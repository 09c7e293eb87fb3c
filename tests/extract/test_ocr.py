"""OCR layer: Tesseract words with confidences and positions, in parallel, with clear errors."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from PIL import Image

from liasse.extract.layout import Page, Word
from liasse.extract.ocr import (
    OcrEngine,
    OcrError,
    OcrUnavailableError,
    estimate_skew,
    ocr_available,
    ocr_document,
    page_has_usable_text,
    page_images,
    parse_tsv,
)
from liasse.extract.ocr_rapid import rapid_available
from liasse.samples import formats
from liasse.samples.corpus import build_document, build_spec
from liasse.samples.scan import ScanSettings, rasterise, scan_document

needs_tesseract = pytest.mark.skipif(
    not ocr_available(), reason="tesseract-ocr with fra/eng/deu data is not installed")

SCAN = ScanSettings(dpi=200, angle=1.4, blur_radius=0.6, noise_sigma=8.0, jpeg_quality=80)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


@pytest.mark.parametrize("engine", [
    pytest.param("tesseract", marks=needs_tesseract),
    pytest.param("rapidocr", marks=pytest.mark.skipif(not rapid_available(),
                                                      reason="rapidocr is not installed")),
])
def test_a_scanned_invoice_comes_back_as_positioned_scored_words(engine: OcrEngine) -> None:
    index = 0  # fr_classic_left: the invoice number sits top right, the total lower right
    spec = build_spec(index, seed=0)
    pdf = build_document(index, seed=0, scans=False).data
    png = scan_document(pdf, ".png", SCAN, seed=1)

    (page,) = ocr_document(png, suffix=".png", engine=engine)

    assert page.number == 1
    assert page.width == pytest.approx(595, abs=3) and page.height == pytest.approx(842, abs=3)
    assert len(page.words) > 100
    assert all(0.0 <= word.confidence <= 1.0 for word in page.words)
    assert any(word.confidence < 1.0 for word in page.words)
    assert all(0 <= word.x0 < word.x1 <= page.width + 1 for word in page.words)
    number = next(word for word in page.words if word.text == spec.number)
    assert number.x0 > 300 and number.y0 < 200  # points from the top-left, like a text layer
    total = formats.format_number(spec.total_amount, spec.style.number_style)
    assert flat(total) in flat(page.text)


@needs_tesseract
def test_pages_of_a_scanned_pdf_are_read_in_parallel_and_kept_in_order() -> None:
    index = 5  # fr_multipage: the totals are on the last page only
    spec = build_spec(index, seed=0)
    pdf = build_document(index, seed=0, scans=False).data
    scanned = scan_document(pdf, ".pdf", SCAN, seed=2)

    pages = ocr_document(scanned, suffix=".pdf", workers=2, engine="tesseract")

    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    assert len(pages) >= 2 and all(len(page.words) > 30 for page in pages)
    total = flat(formats.format_number(spec.total_amount, spec.style.number_style))
    assert total in flat(pages[-1].text)
    assert total not in flat(pages[0].text)
    assert [image.number for image in page_images(scanned, ".pdf", max_pages=1)] == [1]


def test_a_missing_tesseract_is_a_clear_error() -> None:
    assert not ocr_available("no-such-tesseract")
    with pytest.raises(OcrUnavailableError, match=r"install the Debian packages tesseract-ocr"):
        ocr_document(b"%PDF-1.4", suffix=".pdf", command="no-such-tesseract",
                     engine="tesseract")


def test_a_failing_tesseract_names_the_page_and_status(tmp_path: Path) -> None:
    fake = tmp_path / "broken-tesseract"
    fake.write_text('#!/bin/sh\nif [ "$1" = --list-langs ]; then echo fra; exit 0; fi\n'
                    'echo "Error: out of cheese" >&2\nexit 3\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    image = Image.new("L", (400, 500), 255)
    png = tmp_path / "page.png"
    image.save(png)
    with pytest.raises(OcrError, match=r"page 1 \(exit status 3\).*out of cheese"):
        ocr_document(png.read_bytes(), suffix=".png", command=str(fake), engine="tesseract")


def test_tesseract_reads_the_page_from_a_pgm_file_that_is_removed_after(
        tmp_path: Path) -> None:
    # Tesseract reads stdin a byte at a time: a page file costs it less for the same words.
    seen = tmp_path / "seen.txt"
    fake = tmp_path / "fake-tesseract"
    fake.write_text('#!/bin/sh\nif [ "$1" = --list-langs ]; then echo fra; exit 0; fi\n'
                    f'echo "$1" > {seen}; head -c 2 "$1" >> {seen}\n'
                    'printf "level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num'
                    '\\tleft\\ttop\\twidth\\theight\\tconf\\ttext\\n'
                    '5\\t1\\t1\\t1\\t1\\t1\\t10\\t20\\t30\\t12\\t95\\tTOTAL\\n"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    png = tmp_path / "page.png"
    Image.new("L", (400, 500), 255).save(png)

    (page,) = ocr_document(png.read_bytes(), suffix=".png", command=str(fake),
                           engine="tesseract")

    assert [word.text for word in page.words] == ["TOTAL"]
    page_file, magic = seen.read_text().splitlines()
    assert page_file != "stdin" and page_file.endswith(".pgm")
    assert magic == "P5"  # greyscale PGM: no compression to pay on either side
    assert not Path(page_file).exists()


@needs_tesseract
def test_unreadable_input_is_an_ocr_error() -> None:
    with pytest.raises(OcrError, match="image"):
        ocr_document(b"not a png", suffix=".png")
    with pytest.raises(OcrError, match="PDF"):
        ocr_document(b"%PDF-1.4 truncated", suffix=".pdf")
    with pytest.raises(OcrError, match=r"not '\.docx'"):
        ocr_document(b"data", suffix=".docx")


def test_skew_is_estimated_from_the_text_rows() -> None:
    page = rasterise(build_document(1, seed=0, scans=False).data, 120)[0]
    for angle in (1.6, -0.8, 0.0):
        tilted = page.rotate(angle, fillcolor=255)
        assert estimate_skew(tilted) == pytest.approx(angle, abs=0.15)


def test_tsv_rows_become_words_in_points_with_the_font_box_of_their_line() -> None:
    header = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth"
              "\theight\tconf\ttext\n")
    tsv = (header
           + "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
           + "4\t1\t1\t1\t1\t0\t300\t600\t400\t70\t-1\t\n"
           + "5\t1\t1\t1\t1\t1\t300\t600\t150\t70\t91.5\tTOTAL\n"
           + "5\t1\t1\t1\t1\t2\t500\t620\t200\t50\t88\tDUE\n"
           + "5\t1\t1\t1\t1\t3\t720\t600\t10\t40\t-1\t \n")
    total, due = parse_tsv(tsv, scale=72 / 300)
    assert (total.text, total.x0, total.x1, total.confidence) == ("TOTAL", 72.0, 108.0, 0.915)
    # Capitals only: the ink is the cap height (0.7 em) and sits on the baseline.
    em = 70 / 0.7 * 72 / 300
    assert total.y1 == pytest.approx(670 * 72 / 300 + 0.25 * em)
    assert total.y0 == pytest.approx(670 * 72 / 300 - 0.9 * em)
    assert (due.y0, due.y1) == (total.y0, total.y1)  # one line, one font box


def words(*texts: str, confidence: float = 1.0) -> Page:
    return Page(1, 595, 842, [Word(text, 0, 0, 10, 10, confidence) for text in texts])


def test_usable_text_needs_enough_real_words() -> None:
    sentence = ["Facture", "n°", "FA-1024", "du", "12/10/2026", "Total", "TTC", "1", "234,56",
                "€", "TVA", "20", "%", "payable", "à", "30", "jours"]
    assert page_has_usable_text(words(*sentence))
    assert not page_has_usable_text(words())
    assert not page_has_usable_text(words("Scanned", "by", "Xerox"))
    assert not page_has_usable_text(words(*["\ue001\ue002\ue003"] * 20))
    assert not page_has_usable_text(words(*sentence, confidence=0.3))
