"""The baseline of bench_feedback_print: the previous desk-sheet writer (reportlab canvas, segno QR),
kept verbatim so the benchmark measures the old method in the same run as the raw writer.

Its original notes: the A5 desk sheet as a PDF: Persian text shaped and ordered, the QR drawn as
vector rectangles.

Why vectors: a QR drawn as a few hundred filled rectangles prints sharp at any size, weighs a few
kilobytes per page and costs no image encoding; a PNG per page is the naive alternative the print
benchmark compares with. The parts common to every sheet (title, instructions, frame) are drawn
once as a form XObject and reused on every page.

Scanning from two meters: the QR is 100 mm wide with its 4-module quiet zone; a token URL is a
version 4-5 symbol (33-37 modules plus 8 of quiet zone), so a module is about 2.2-2.4 mm, which a
phone camera resolves at two meters. Error correction is M or better (segno boosts it when the
same version has room).
"""

from __future__ import annotations

import re
from functools import cache
from typing import BinaryIO

import segno
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from core.dates import to_persian_digits
from core.errors import ConfigurationError
from feedback.codes.short_codes import grouped
from feedback.printing.sheets import (
    FONT_DIR,
    Sheet,
    shaped,
)

REGULAR, BOLD = "Vazirmatn", "Vazirmatn-Bold"
PROGRAM_TITLE = "طرح نظرسنجی از عملکرد کارکنان دولت"
PROGRAM_OWNER = "سازمان اداری و استخدامی کشور"
QR_SIZE = 100 * mm
QUIET_ZONE = 4
QR_MASK = 2
_DARK_RUN = re.compile(rb"\x01+")
SHEET_W, SHEET_H = A5


@cache
def register_fonts() -> None:
    """Vazirmatn TTF, embedded (subset) in every PDF; vendored by `python -m portal.assets`.
    Streams are deflated without the ASCII85 layer (binary PDFs are a quarter smaller and faster)."""
    rl_config.useA85 = 0
    for name, filename in ((REGULAR, "Vazirmatn-Regular.ttf"), (BOLD, "Vazirmatn-Bold.ttf")):
        path = FONT_DIR / filename
        if not path.exists():
            raise ConfigurationError(f"missing font {path}: run `python -m portal.assets` first")
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _fit(text: str, font: str, size: float, width: float, smallest: float = 8) -> float:
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """The symbol with its quiet zone inside the square (x, y, size): one filled path, the dark runs
    of each row merged into one rectangle, written in module units as integers.

    The mask pattern is fixed (`QR_MASK`): ISO/IEC 18004 lets any of the eight be used and every
    reader handles them all; segno's search for the lowest-penalty mask is pure Python and costs
    about 9 ms a symbol, three quarters of a sheet's time, which is hours over a national print run.
    The print test decodes every printed code with a standard reader."""
    qr = segno.make(data, error="m", micro=False, mask=QR_MASK)
    matrix = qr.matrix
    modules = len(matrix) + 2 * QUIET_ZONE
    scale = size / modules
    ops = ["q", f"{scale:.5f} 0 0 {-scale:.5f} {x:.3f} {y + size:.3f} cm", "0 g"]
    for row_index, row in enumerate(matrix):
        top = row_index + QUIET_ZONE
        ops.extend(
            f"{run.start() + QUIET_ZONE} {top} {run.end() - run.start()} 1 re"
            for run in _DARK_RUN.finditer(row)
        )
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))


class SheetWriter:
    """Writes sheets into one PDF, page by page. `per_page=2` puts two A5 sheets on an A4 page
    (landscape) with a dashed cut line between them."""

    def __init__(self, out: BinaryIO | str, feedback_base_url: str, per_page: int = 1) -> None:
        if per_page not in (1, 2):
            raise ValueError("per_page is 1 or 2")
        register_fonts()
        self.per_page = per_page
        page_size = A5 if per_page == 1 else landscape(A4)
        self.canvas = Canvas(out, pagesize=page_size, pageCompression=1, initialFontName=REGULAR)
        self.canvas.setTitle(PROGRAM_TITLE)
        self.canvas.setAuthor(PROGRAM_OWNER)
        self.canvas.setCreator("govcloud feedback")
        self._slot = 0
        self.count = 0
        self._define_static(feedback_base_url.rstrip("/") + "/e")

    def _define_static(self, lookup_url: str) -> None:
        c = self.canvas
        c.beginForm("sheet")
        c.setStrokeColorRGB(0.75, 0.78, 0.82)
        c.setLineWidth(0.8)
        c.roundRect(8 * mm, 8 * mm, SHEET_W - 16 * mm, SHEET_H - 16 * mm, 4 * mm)
        c.setFillColorRGB(0.04, 0.36, 0.67)
        c.setFont(BOLD, 15)
        c.drawCentredString(SHEET_W / 2, SHEET_H - 22 * mm, shaped(PROGRAM_TITLE))
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.setFont(REGULAR, 10)
        c.drawCentredString(SHEET_W / 2, SHEET_H - 29 * mm, shaped(PROGRAM_OWNER))
        c.setFont(REGULAR, 9)
        c.drawCentredString(SHEET_W / 2, 32 * mm, shaped("کد کوتاه، برای وقتی که اسکن ممکن نیست:"))
        c.setFillColorRGB(0.1, 0.1, 0.1)
        instruction = (
            "دوربین گوشی را روی کد بگیرید؛ یا کد کوتاه را در " + lookup_url + " بنویسید و نظرتان را بگویید."
        )
        c.setFont(REGULAR, _fit(shaped(instruction), REGULAR, 9, SHEET_W - 24 * mm, 6))
        c.drawCentredString(SHEET_W / 2, 15 * mm, shaped(instruction))
        c.endForm()

    def add(self, sheet: Sheet) -> None:
        c = self.canvas
        x0 = 0.0 if self.per_page == 1 else (SHEET_W if self._slot == 0 else 0.0)  # first on the right
        c.saveState()
        c.translate(x0, 0)
        c.doForm("sheet")
        width = SHEET_W - 24 * mm
        lines = (
            (sheet.full_name, BOLD, 19, SHEET_H - 42 * mm),
            (sheet.position, REGULAR, 13, SHEET_H - 50 * mm),
            (sheet.unit, REGULAR, 11.5, SHEET_H - 57 * mm),
            (sheet.agency, REGULAR, 11, SHEET_H - 64 * mm),
        )
        c.setFillColorRGB(0.1, 0.1, 0.1)
        for text, font, size, y in lines:
            visual = shaped(text)
            c.setFont(font, _fit(visual, font, size, width))
            c.drawCentredString(SHEET_W / 2, y, visual)
        draw_qr(c, sheet.url, (SHEET_W - QR_SIZE) / 2, SHEET_H - 70 * mm - QR_SIZE, QR_SIZE)
        c.setFont(BOLD, 17)
        # Digits are left to right even in Persian; drawn unshaped so the groups keep their order.
        c.drawCentredString(SHEET_W / 2, 24 * mm, to_persian_digits(grouped(sheet.short_code)))
        c.restoreState()
        self.count += 1
        self._slot += 1
        if self._slot == self.per_page:
            self._end_page()

    def _end_page(self) -> None:
        if self.per_page == 2:
            c = self.canvas
            c.saveState()
            c.setDash(4, 3)
            c.setStrokeColorRGB(0.5, 0.5, 0.5)
            c.setLineWidth(0.5)
            c.line(SHEET_W, 4 * mm, SHEET_W, SHEET_H - 4 * mm)
            c.restoreState()
        self.canvas.showPage()
        self._slot = 0

    def close(self) -> None:
        if self._slot:
            self._end_page()
        if self.count == 0:
            self.canvas.showPage()  # an empty batch still yields a valid (blank) PDF
        self.canvas.save()
