"""The review viewer's page images: `liasse.web.render` directly, then the route and the pages."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from webworld import ScriptedExtractor, World

from liasse.app.services import build_pipeline
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.ports import WorkspaceContext
from liasse.enrich.baseline import ConfidenceEnricher
from liasse.sync.window import run_window
from liasse.web import render

EXIF_ORIENTATION = 0x0112
ROTATED_90_CLOCKWISE = 6


def pdf_bytes(pages: int) -> bytes:
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=A4)
    for number in range(1, pages + 1):
        drawing.setFont("Helvetica-Bold", 48)
        drawing.drawString(72, 700, f"Facture page {number}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def jpeg_bytes(width: int, height: int, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((200, 30, 30), (0, 0, width // 2, height // 4))  # a red corner
    exif = Image.Exif()
    if orientation is not None:
        exif[EXIF_ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        return image.size


# --- render ----------------------------------------------------------------------------------


def test_a_pdf_page_renders_at_the_asked_width_with_a_4_by_3_ratio_of_a4() -> None:
    png = render.render_page(pdf_bytes(2), render.PDF, 2, 640)
    width, height = png_size(png)
    assert width == 640
    assert height == pytest.approx(640 * 842 / 595, abs=2)
    with Image.open(io.BytesIO(png)) as image:
        # The title is drawn in black near the top: the page is not blank.
        darkest, _ = image.convert("L").crop((0, 0, width, height // 3)).getextrema()
        assert isinstance(darkest, int) and darkest < 60


def test_widths_are_clamped_and_pages_bounded() -> None:
    data = pdf_bytes(1)
    assert png_size(render.render_page(data, render.PDF, 1, 10))[0] == render.MIN_WIDTH
    assert png_size(render.render_page(data, render.PDF, 1, 99_999))[0] == render.MAX_WIDTH
    assert render.page_count(data, render.PDF) == 1
    for number in (0, 2):
        with pytest.raises(render.PageOutOfRange):
            render.render_page(data, render.PDF, number, 800)


def test_at_most_fifty_pages_are_shown() -> None:
    data = pdf_bytes(render.MAX_PAGES + 2)
    assert render.page_count(data, render.PDF) == render.MAX_PAGES
    with pytest.raises(render.PageOutOfRange):
        render.render_page(data, render.PDF, render.MAX_PAGES + 1, 400)


def test_a_scan_is_scaled_and_turned_upright_by_its_exif_orientation() -> None:
    png = render.render_page(jpeg_bytes(1200, 600, ROTATED_90_CLOCKWISE), "image/jpeg", 1, 500)
    assert png_size(png) == (500, 1000)
    with Image.open(io.BytesIO(png)) as image:
        # Turned a quarter clockwise, the red top-left corner is now at the top right.
        red, green, _ = image.convert("RGB").getpixel((480, 20))  # type: ignore[misc]
        assert red > 150 and green < 100
    assert render.page_count(jpeg_bytes(50, 50), "image/png") == 1
    with pytest.raises(render.PageOutOfRange):
        render.render_page(jpeg_bytes(50, 50), "image/jpeg", 2, 500)


def test_broken_files_and_xml_raise_a_render_error() -> None:
    for data, media_type in ((b"%PDF-1.4\nnot really", render.PDF),
                             (b"\xff\xd8\xffgarbage", "image/jpeg"),
                             (b"<Invoice/>", "application/xml")):
        with pytest.raises(render.RenderError) as raised:
            render.render_page(data, media_type, 1, 800)
        assert not isinstance(raised.value, render.PageOutOfRange)
        with pytest.raises(render.RenderError):
            render.page_count(data, media_type)


# --- the route and the pages -----------------------------------------------------------------


class FilesToReview(ScriptedExtractor):
    """The scripted files as scripted; a real PDF or scan goes to review with fixed fields."""

    def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                ) -> ExtractionResult:
        if data.startswith(b"%PDF-1.4\n{"):
            return super().extract(data, file_name=file_name, context=context)
        fields = {"supplier_name": ExtractedField("Imprimerie Vidal", 0.7, "page 1"),
                  "total_amount": ExtractedField("60.00", 0.7, "page 1")}
        return ExtractionResult(file=file_name, sha256="", layer="text", einvoice=None,
                                document_type="invoice", fields=fields, confidence=0.7)


def add_to_review(world: World, files: dict[str, bytes]) -> dict[str, str]:
    """Drop `files` in the inbox, run a window, and give each one's document id."""
    for name, data in files.items():
        (Path(world.inbox) / name).write_bytes(data)
    pipeline = replace(build_pipeline(world.services), extractor=FilesToReview(),
                       enricher=ConfidenceEnricher())
    run_window(pipeline)
    ids = {name: world.document_id(name) for name in files}
    assert all(world.state_of(name) == "in_review" for name in files)
    return ids


@pytest.fixture
def scanned(world: World) -> dict[str, str]:
    return add_to_review(world, {"invoice.pdf": pdf_bytes(1),
                                 "scan.jpg": jpeg_bytes(2480, 3508)})


def test_page_one_of_a_pdf_is_a_cacheable_png_of_the_asked_width(
        scanned: dict[str, str], owner: TestClient) -> None:
    response = owner.get(f"/w/default/documents/{scanned['invoice.pdf']}/pages/1.png?width=700")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "private, max-age=3600"
    assert png_size(response.content)[0] == 700
    missing = owner.get(f"/w/default/documents/{scanned['invoice.pdf']}/pages/2.png")
    assert missing.status_code == 404


def test_a_jpeg_scan_is_scaled_down(scanned: dict[str, str], owner: TestClient) -> None:
    response = owner.get(f"/w/default/documents/{scanned['scan.jpg']}/pages/1.png?width=600")
    assert response.status_code == 200
    assert png_size(response.content) == (600, round(3508 * 600 / 2480))


def test_another_workspaces_document_is_not_found(
        world: World, scanned: dict[str, str], owner: TestClient) -> None:
    world.add_workspace("other")
    world.add_user("owner@example.com", "owner", workspace="other")
    document_id = scanned["invoice.pdf"]
    assert owner.get(f"/w/other/documents/{document_id}/pages/1.png").status_code == 404
    assert owner.get(f"/w/nope/documents/{document_id}/pages/1.png").status_code == 404


def test_a_broken_pdf_is_a_422_with_a_short_text(world: World, owner: TestClient) -> None:
    # The test world's scripted files start like a PDF and are not one.
    document_id = world.document_id("unsure.pdf")
    response = owner.get(f"/w/default/documents/{document_id}/pages/1.png")
    assert response.status_code == 422
    assert response.text == render.MESSAGES["unreadable_pdf"]
    review = owner.get(f"/w/default/review/{document_id}").text
    assert 'id="pages-note"' in review and "<img" not in review
    assert f'href="/w/default/documents/{document_id}/file"' in review


def test_the_review_and_record_pages_show_lazy_page_images(
        scanned: dict[str, str], owner: TestClient) -> None:
    document_id = scanned["invoice.pdf"]
    page_src = f'src="/w/default/documents/{document_id}/pages/1.png?width='
    for url in (f"/w/default/review/{document_id}", f"/w/default/documents/{document_id}"):
        html = owner.get(url).text
        assert page_src in html, url
        assert html.count("<img") == 1 and 'loading="lazy"' in html, url
        assert f'href="/w/default/documents/{document_id}/file"' in html, url
        assert "Open the original file" in html and "<iframe" not in html, url
