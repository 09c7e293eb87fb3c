"""OCR engines: RapidOCR's glued words split again, photos scaled by their text, caches keyed."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from liasse.extract.ocr import (
    LEGACY_SIGNATURE,
    line_height,
    ocr_signature,
    photo_page_image,
    text_scale,
)
from liasse.extract.ocr_rapid import (
    Glyph,
    blank_gaps,
    line_words,
    otsu_threshold,
    rapid_available,
    split_words,
)
from liasse.samples.realcorpus import cache_key

needs_rapidocr = pytest.mark.skipif(not rapid_available(),
                                    reason="rapidocr-onnxruntime is not installed")


def glyphs(text: str, start: float = 0.0, pitch: float = 10.0) -> list[Glyph]:
    """One glyph per character, 8 px wide on a 10 px pitch (a monospaced till font)."""
    return [Glyph(char, start + index * pitch, start + index * pitch + 8, 0.9)
            for index, char in enumerate(text)]


def texts(groups: list[list[Glyph]]) -> list[str]:
    return ["".join(glyph.char for glyph in group) for group in groups]


def test_the_recognisers_spaces_split_words() -> None:
    assert texts(split_words(glyphs("SDN BHD"))) == ["SDN", "BHD"]


def test_a_blank_gap_in_the_pixels_splits_a_glued_word() -> None:
    # "KEDAIPAPAN" decoded without its space: the pixels show a gap between I and P.
    assert texts(split_words(glyphs("KEDAIPAPAN"), [(46.0, 0.6)])) == ["KEDAI", "PAPAN"]


def test_a_number_is_split_only_at_a_wider_gap_than_words() -> None:
    # A monospaced "1" leaves most of its cell blank: 174.90 keeps together at 0.5...
    assert texts(split_words(glyphs("174.90"), [(6.0, 0.5)])) == ["174.90"]
    # ...while the same gap between letters is a space, and a date and a time stay apart.
    assert texts(split_words(glyphs("ABCD"), [(16.0, 0.5)])) == ["AB", "CD"]
    assert texts(split_words(glyphs("23-06-201820:52"), [(96.0, 0.9)])) == [
        "23-06-2018", "20:52"]


def test_line_words_are_in_points_with_the_line_height() -> None:
    box = [[100, 50], [300, 50], [300, 86], [100, 86]]
    chars = list("TOTAL 9.90")
    boxes = [[[100 + 20 * i, 50], [116 + 20 * i, 50], [116 + 20 * i, 86], [100 + 20 * i, 86]]
             for i in range(len(chars))]
    line = [box, "TOTAL 9.90", 0.95, boxes, chars, [0.9] * len(chars)]

    words = line_words(line, scale=0.5)

    assert [word.text for word in words] == ["TOTAL", "9.90"]
    assert words[0].x0 == 50 and words[0].y0 == 25 and words[0].y1 == 43
    assert words[1].x0 == 110 and words[1].confidence == pytest.approx(0.9)


def drawn_line(text: str) -> Image.Image:
    image = Image.new("L", (600, 60), 255)
    ImageDraw.Draw(image).text((10, 10), text, fill=0, font=ImageFont.load_default(size=32))
    return image


def test_blank_gaps_find_the_space_between_two_words_not_between_letters() -> None:
    image = drawn_line("TOTAL  CASH")
    box = [[0, 0], [600, 0], [600, 60], [0, 60]]

    gaps = blank_gaps(image_array(image), box)

    assert len(gaps) == 1
    assert 100 < gaps[0][0] < 160


def image_array(image: Image.Image):  # type: ignore[no-untyped-def]
    import numpy as np  # only these tests look at raw pixels

    return np.asarray(image)


def test_otsu_separates_ink_from_paper() -> None:
    import numpy as np  # only these tests look at raw pixels

    pixels = np.array([[20] * 10 + [230] * 30], dtype=np.uint8)
    assert 20 <= otsu_threshold(pixels) < 230


def receipt_photo(lines: int, size: int) -> Image.Image:
    image = Image.new("L", (900, 60 + lines * size * 2), 255)  # a till roll, 900 px wide
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size)
    for row in range(lines):
        draw.text((40, 30 + row * size * 2), f"ITEM {row} 12.50", fill=0, font=font)
    return image


def test_a_photo_with_small_text_is_enlarged_and_one_with_large_text_is_not() -> None:
    small, large = receipt_photo(12, 12), receipt_photo(12, 64)

    assert line_height(small) is not None and line_height(large) is not None
    assert line_height(small) < line_height(large)  # type: ignore[operator]
    assert text_scale(small) > 1.5
    assert text_scale(large) == 1.0


def test_a_receipt_photo_without_resolution_is_no_longer_read_as_an_a4_page() -> None:
    import io

    photo = receipt_photo(20, 64)
    data = io.BytesIO()
    photo.save(data, format="PNG")

    page = photo_page_image(data.getvalue())

    # An A4 guess at 300 dpi would enlarge this 900-pixel-wide photo 2.76 times.
    assert page.image.width < 1.2 * photo.width


def test_word_caches_key_on_the_ocr_engine_and_its_settings() -> None:
    digest = "ab" * 32
    assert ocr_signature("rapidocr") != ocr_signature("tesseract")
    assert cache_key(digest, "rapidocr") != cache_key(digest, "tesseract")
    assert cache_key(digest, "rapidocr").startswith(digest)
    assert ocr_signature("tesseract") != LEGACY_SIGNATURE  # photos are read otherwise now


@needs_rapidocr
def test_rapidocr_reads_a_drawn_receipt_into_separate_positioned_words() -> None:
    import io

    from liasse.extract.ocr import ocr_document

    photo = receipt_photo(6, 36)
    data = io.BytesIO()
    photo.save(data, format="PNG")

    (page,) = ocr_document(data.getvalue(), suffix=".png", engine="rapidocr")

    texts_read = [word.text for word in page.words]
    assert "ITEM" in texts_read and "12.50" in texts_read
    item = next(word for word in page.words if word.text == "ITEM")
    amount = next(word for word in page.words if word.text == "12.50")
    assert item.x1 < amount.x0 and abs(item.y0 - amount.y0) < 5  # one line, left to right
    assert 0 < item.confidence <= 1


def test_rapidocr_gets_at_most_its_pixel_budget_at_the_same_page_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.extract import ocr
    from liasse.extract.layout import Page

    seen: list[tuple[int, int, float]] = []

    def fake(number: int, image: Image.Image, dpi: float) -> Page:
        seen.append((image.width, image.height, dpi))
        return Page(number, image.width * 72 / dpi, image.height * 72 / dpi)

    monkeypatch.setattr(ocr, "recognise_page_rapid", fake)
    page = ocr._recognise_rapid(ocr.PageImage(1, Image.new("L", (3000, 4000), 255), 300.0))

    ((width, height, _),) = seen
    assert width * height <= ocr.RAPID_PIXEL_BUDGET
    assert page.width == pytest.approx(3000 * 72 / 300, rel=0.01)  # still a 10-inch page


def test_the_rapidocr_signature_follows_the_detector_budget_and_the_line_batches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.extract import ocr

    before = ocr_signature("rapidocr")
    monkeypatch.setattr(ocr, "DETECT_PIXELS", ocr.DETECT_PIXELS * 2)
    assert ocr_signature("rapidocr") != before  # another detector budget: caches re-read
    monkeypatch.setattr(ocr, "REC_BATCH", 6)
    assert len({before, ocr_signature("rapidocr")}) == 2
    batches = ocr_signature("rapidocr")
    monkeypatch.setattr(ocr, "REC_MIN_RATIO", 320 / 48)
    assert ocr_signature("rapidocr") not in (before, batches)  # lines padded otherwise


@needs_rapidocr
def test_a_short_line_is_padded_to_the_chosen_minimum_width_and_no_more(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np  # only these tests look at raw pixels

    from liasse.extract import ocr_rapid

    recogniser = ocr_rapid._engine().text_rec
    session = recogniser.session
    widths: list[int] = []

    def recording(line):  # type: ignore[no-untyped-def]
        widths.append(line.shape[3])  # the real recogniser, noting the width it is given
        return session(line)

    monkeypatch.setattr(recogniser, "session", recording)
    image = Image.new("L", (120, 48), 255)
    ImageDraw.Draw(image).text((8, 4), "9.90", fill=0, font=ImageFont.load_default(size=36))
    readings = []
    for minimum in (0.0, 320 / 48):
        monkeypatch.setattr(ocr_rapid, "REC_MIN_RATIO", minimum)
        readings.append(ocr_rapid.recognise_line(recogniser, np.asarray(image))[0])

    # 120 x 48 px is 120 px at the recogniser's 48-px height: read at its own width, or
    # padded to the recogniser's 320 px, never to the widest of other lines.
    assert widths == [120, 320]
    assert readings == ["9.90", "9.90"]


@needs_rapidocr
def test_the_detector_sees_a_small_copy_and_its_lines_land_on_the_full_page(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.extract import ocr_rapid

    engine = ocr_rapid._engine()
    detector = engine.text_det
    seen: list[tuple[int, ...]] = []

    def recording(pixels):  # type: ignore[no-untyped-def]
        seen.append(pixels.shape[:2])  # the real detector, noting the size it is given
        return detector(pixels)

    monkeypatch.setattr(engine, "text_det", recording)
    photo = receipt_photo(24, 48)  # 900 x 2364 px: 2.1 Mpx, over the detector's budget
    page = ocr_rapid.recognise_page_rapid(1, photo, 72.0)  # 72 dpi: points are pixels

    ((height, width),) = seen
    assert width * height <= 1.01 * ocr_rapid.DETECT_PIXELS  # its budget, to the rounding
    assert width * height < 0.5 * photo.width * photo.height
    amounts = sorted((word for word in page.words if word.text == "12.50"),
                     key=lambda word: word.y0)
    assert len(amounts) == 24  # every line found on the small copy...
    for row, amount in enumerate(amounts):  # ...and read where it is on the page
        ink_top = 30 + row * 96
        assert ink_top - 24 < amount.y0 < ink_top + 24 < amount.y1 < ink_top + 96


@needs_rapidocr
def test_a_short_line_read_alone_has_its_characters_in_place() -> None:
    import numpy as np  # only these tests look at raw pixels

    from liasse.extract import ocr_rapid

    image = Image.new("L", (600, 90), 255)
    ImageDraw.Draw(image).text((40, 20), "9.90", fill=0, font=ImageFont.load_default(size=40))
    ink = np.nonzero(np.asarray(image).min(axis=0) < 128)[0]

    lines = ocr_rapid.read_lines(ocr_rapid._engine(), image, np.asarray(image))

    ((_, text, _, char_boxes, chars, _),) = lines
    assert text == "9.90" and "".join(chars) == "9.90"
    lefts = [min(point[0] for point in quad) for quad in char_boxes]
    rights = [max(point[0] for point in quad) for quad in char_boxes]
    # Read alone, at its own width, the recogniser's columns still map onto the ink: first
    # character at its left edge, last at its right, in order (padding mis-scaled would
    # stretch them).
    assert lefts == sorted(lefts)
    assert abs(lefts[0] - ink[0]) < 12 and abs(rights[-1] - ink[-1]) < 12


@needs_rapidocr
def test_a_reader_child_is_kept_after_reading_a_receipt_with_rapidocr() -> None:
    import io

    from liasse.extract.ocr import OcrRequest, run_ocr
    from liasse.extract.worker import IsolatedWorker

    data = io.BytesIO()
    receipt_photo(30, 40).save(data, format="PNG")
    request = OcrRequest(data.getvalue(), ".png", engine="rapidocr")
    pid = "__import__('os').getpid()"
    worker = IsolatedWorker()
    try:
        first = worker.run(eval, pid, seconds=60)
        for _ in range(2):
            assert worker.run(run_ocr, request, seconds=120)[0].words
        # Its peak stays under RECYCLE_AFTER_BYTES: the models are not loaded again for
        # every scan (RapidOCR used to peak past it and cost a new child each time).
        assert worker.run(eval, pid, seconds=60) == first
    finally:
        worker.close()
