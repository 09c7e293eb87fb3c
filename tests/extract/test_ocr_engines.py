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
