"""Helpers of the document tests: poppler and Ghostscript renders, ink in a region."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter, ImageStat

from printer.documents import Mark

DPI = 100


def pdffonts(pdf: Path) -> list[dict[str, str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        # name, type (may hold spaces), encoding, emb, sub, uni, object id, generation
        m = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert m, f"unexpected pdffonts line: {line!r}"
        rows.append({"name": m[1], "type": m[2], "emb": m[4], "sub": m[5], "uni": m[6]})
    return rows


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    assert m, f"no page count in pdfinfo's output: {out!r}"
    return int(m[1])


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def all_pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def render_poppler(pdf: Path, page: int, out: Path) -> Image.Image:
    stem = out / f"poppler-{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", "-f", str(page),
         "-l", str(page), str(pdf), str(stem)],
        check=True, capture_output=True,
    )  # fmt: skip
    return Image.open(stem.with_suffix(".png")).convert("L")


def render_ghostscript(pdf: Path, page: int, out: Path) -> Image.Image:
    target = out / f"gs-{page}.png"
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray", f"-r{DPI}",
         f"-dFirstPage={page}", f"-dLastPage={page}", "-dTextAlphaBits=4",
         "-dGraphicsAlphaBits=4", f"-sOutputFile={target}", str(pdf)],
        check=True, capture_output=True,
    )  # fmt: skip
    return Image.open(target).convert("L")


def box_of(mark: Mark, page_height_pt: float, core: bool = False) -> tuple[int, int, int, int]:
    """The mark's rectangle in pixels of a DPI render (top-left origin). core=True keeps only
    the band from the baseline to 70% of the font size: the body of digits and letters, clear
    of any table rule above or below the text."""
    k = DPI / 72
    y0, y1 = mark.y0, mark.y1
    if core:
        baseline = mark.y0 + 1.5
        y0, y1 = baseline, baseline + (mark.y1 - baseline) * 0.7
    return (
        int(mark.x0 * k),
        int((page_height_pt - y1) * k),
        int(mark.x1 * k) + 1,
        int((page_height_pt - y0) * k) + 1,
    )


def ink(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Dark pixels (below mid-grey) in the box."""
    crop = img.crop(box)
    return sum(crop.histogram()[:128])


def agreement(
    a: Image.Image,
    b: Image.Image,
    box: tuple[int, int, int, int],
    box_b: tuple[int, int, int, int] | None = None,
) -> float:
    """How alike two renders are in a box (box_b: another box of b, same size): 1 - mean
    difference / mean ink, after a slight blur that forgives a pixel of anti-aliasing.
    1.0 = identical; different text scores near or below 0."""
    ca = a.crop(box).filter(ImageFilter.GaussianBlur(1))
    cb = b.crop(box_b or box).filter(ImageFilter.GaussianBlur(1))
    diff = ImageStat.Stat(ImageChops.difference(ca, cb)).mean[0]
    darkness = (255 - ImageStat.Stat(ca).mean[0] + 255 - ImageStat.Stat(cb).mean[0]) / 2
    return 1 - diff / max(darkness, 1e-6)
