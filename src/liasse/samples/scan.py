"""Make a born-digital PDF look scanned: rasterise, tilt, blur, add noise, save as an image.

The result has no text layer at all (PNG, JPEG, or a PDF holding only page images), so
only OCR can read it. Every random choice comes from the caller's seeded generator.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class ScanSettings:
    dpi: int  # 200–300, what office scanners use
    angle: float  # degrees, |angle| ≤ 2
    blur_radius: float
    noise_sigma: float  # grey levels of Gaussian sensor noise
    jpeg_quality: int

    @classmethod
    def draw(cls, rng: random.Random) -> ScanSettings:
        return cls(dpi=rng.choice((200, 250, 300)), angle=round(rng.uniform(-2.0, 2.0), 2),
                   blur_radius=round(rng.uniform(0.3, 0.9), 2),
                   noise_sigma=round(rng.uniform(3.0, 12.0), 1),
                   jpeg_quality=rng.choice((70, 80, 90)))


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page as a greyscale image at `dpi`."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                for index in range(len(document))]
    finally:
        document.close()


def degrade(page: Image.Image, settings: ScanSettings, seed: int) -> Image.Image:
    """Tilt, soften and add noise the way a flatbed scanner or a fax does."""
    tilted = page.rotate(settings.angle, resample=Image.Resampling.BILINEAR, expand=False,
                         fillcolor=255)
    softened = tilted.filter(ImageFilter.GaussianBlur(settings.blur_radius))
    pixels = np.asarray(softened, dtype=np.int16)
    noise = sensor_noise(pixels.shape, settings.noise_sigma, seed)
    # Scanned paper is never pure white: dull the contrast a little, then add sensor noise.
    noisy = (pixels * 15) // 16 + 8 + noise
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), mode="L")


def sensor_noise(shape: tuple[int, ...], sigma: float, seed: int) -> np.ndarray[Any, Any]:
    """Gaussian noise for a whole page, tiled from one random block to stay fast."""
    tile = 256
    rng = np.random.default_rng(seed)
    block = np.rint(rng.standard_normal((tile + 7, tile + 13)) * sigma).astype(np.int16)
    reps = (shape[0] // tile + 1, shape[1] // tile + 1)
    # Odd-sized blocks keep the repetition from lining up with text rows and columns.
    return np.tile(block, reps)[: shape[0], : shape[1]]


def encode_image(page: Image.Image, suffix: str, settings: ScanSettings) -> bytes:
    buffer = io.BytesIO()
    if suffix == ".png":
        page.save(buffer, format="PNG", dpi=(settings.dpi, settings.dpi), compress_level=1)
    else:
        page.save(buffer, format="JPEG", quality=settings.jpeg_quality,
                  dpi=(settings.dpi, settings.dpi))
    return buffer.getvalue()


def image_only_pdf(pages: list[Image.Image], settings: ScanSettings) -> bytes:
    """A PDF whose pages are JPEG images at the scan's resolution, with no text layer."""
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:],
                  resolution=float(settings.dpi), quality=settings.jpeg_quality,
                  creationDate=None, modDate=None)  # no clock in the bytes: reproducible
    return buffer.getvalue()


def scan_document(pdf: bytes, suffix: str, settings: ScanSettings, seed: int) -> bytes:
    """The scanned look-alike of `pdf` as `suffix` ('.png' and '.jpg' keep the first page)."""
    pages = rasterise(pdf, settings.dpi)
    if suffix in (".png", ".jpg"):
        return encode_image(degrade(pages[0], settings, seed), suffix, settings)
    degraded = [degrade(page, settings, seed + index) for index, page in enumerate(pages)]
    return image_only_pdf(degraded, settings)
