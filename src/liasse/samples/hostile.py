"""Documents built to hurt the reader (for the security tests and `bench/hostile.py`): a
tiny PDF whose pages are 5 metres wide, and a big photo claiming a coarse resolution."""

from __future__ import annotations

import io

from PIL import Image

MAX_PDF_POINTS = 14400  # the largest page PDF allows: 200 inches


def huge_page_pdf(pages: int = 1, side: int = MAX_PDF_POINTS) -> bytes:
    """A valid PDF of `pages` empty pages of `side` × `side` points (a few hundred bytes)."""
    kids = " ".join(f"{3 + index} 0 R" for index in range(pages))
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>"]
    objects += [f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {side} {side}] >>"] * pages
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    start = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n"
              "%%EOF\n".encode())
    return out.getvalue()


def big_jpeg(side: int = 9400, dpi: int = 100) -> bytes:
    """A blank `side`² JPEG that states `dpi` (9400 px at 100 dpi: a 2.4-metre page)."""
    out = io.BytesIO()
    Image.new("L", (side, side), 255).save(out, format="JPEG", dpi=(dpi, dpi), quality=50)
    return out.getvalue()
