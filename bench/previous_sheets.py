"""The baseline of bench_feedback_print: the desk-sheet writer before issue 13's print work (QR from
zxing-cpp's encoder, page streams deflated with zlib, every name shaped whole), kept verbatim so the
benchmark measures the current method in the same run as the new one. Its original notes follow.

The A5 desk sheet as a PDF, written directly (no drawing library): Persian text shaped and
ordered, the QR as vector rectangles.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import IO, ClassVar

import arabic_reshaper
import zxingcpp
from bidi import get_display
from reportlab.pdfbase.ttfonts import TTFontFile

from core.dates import to_persian_digits
from core.errors import ConfigurationError
from feedback.codes.short_codes import grouped
from feedback.printing.sheets import FONT_DIR

REGULAR, BOLD = "Vazirmatn", "Vazirmatn-Bold"
PROGRAM_TITLE = "طرح نظرسنجی از عملکرد کارکنان دولت"
PROGRAM_OWNER = "سازمان اداری و استخدامی کشور"
MM = 72 / 25.4
SHEET_W, SHEET_H = 148 * MM, 210 * MM  # A5 portrait, in points
QR_SIZE = 100 * MM
QUIET_ZONE = 4
_DARK_RUN = re.compile(rb"\x00+")  # zxing-cpp's image: 0 is a dark module, 255 a light one
_FONT_FILES = {REGULAR: "Vazirmatn-Regular.ttf", BOLD: "Vazirmatn-Bold.ttf"}
_FONT_KEYS = {REGULAR: "F1", BOLD: "F2"}


@dataclasses.dataclass(frozen=True)
class Sheet:
    full_name: str
    position: str
    unit: str
    agency: str
    url: str
    short_code: str


@lru_cache(maxsize=8192)
def shaped(text: str) -> str:
    """Joined letter forms (reshaper) in visual order (bidi): what a PDF needs for Persian."""
    return get_display(arabic_reshaper.reshape(text))


class _Font:
    """One embedded TrueType font: glyph ids and advance widths (per 1000 em) by character, and
    its file deflated once for every PDF the process writes."""

    def __init__(self, name: str, path: Path) -> None:
        if not path.exists():
            raise ConfigurationError(f"missing font {path}: run `python -m portal.assets` first")
        parsed = TTFontFile(str(path))
        self.name = name
        self.base_font = parsed.name.decode() if isinstance(parsed.name, bytes) else str(parsed.name)
        self.glyph = dict(parsed.charToGlyph)
        scale = 1000 / parsed.unitsPerEm
        self.widths = [round(advance * scale) for advance, _lsb in parsed.hmetrics]
        self.last_width = self.widths[-1] if self.widths else 0
        self.ascent, self.descent = round(parsed.ascent), round(parsed.descent)
        self.bbox = [round(v) for v in parsed.bbox]
        self.cap_height, self.stem_v = round(parsed.capHeight), round(parsed.stemV)
        self.flags, self.italic_angle = parsed.flags, parsed.italicAngle
        data = path.read_bytes()
        self.file_length = len(data)
        self.file_deflated = zlib.compress(data, 9)

    def width_of(self, gid: int) -> int:
        return self.widths[gid] if gid < len(self.widths) else self.last_width

    @lru_cache(maxsize=16384)  # noqa: B019 - two fonts per process, kept for the process's life
    def encode(self, visual: str) -> tuple[str, int, tuple[tuple[int, str], ...]]:
        """The string as Identity-H hex glyph ids, its width (per 1000 em), and (glyph, char) pairs
        for the ToUnicode map."""
        gids = [self.glyph.get(ord(ch), 0) for ch in visual]
        return (
            "".join(f"{g:04X}" for g in gids),
            sum(self.width_of(g) for g in gids),
            tuple(zip(gids, visual, strict=True)),
        )


@cache
def fonts() -> dict[str, _Font]:
    """Vazirmatn, vendored by `python -m portal.assets`; parsed and deflated once per process."""
    return {name: _Font(name, FONT_DIR / filename) for name, filename in _FONT_FILES.items()}


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _fit(width_units: int, size: float, width: float, smallest: float = 8) -> float:
    while size > smallest and width_units * size / 1000 > width:
        size -= 0.5
    return size


class _Text:
    """Text ops for one PDF file, remembering which glyphs it used (widths and ToUnicode at the end)."""

    def __init__(self) -> None:
        self.fonts = fonts()
        self.used: dict[str, dict[int, str]] = {name: {} for name in self.fonts}

    @lru_cache(maxsize=8192)  # noqa: B019 - one per file, dropped with it
    def centred(self, text: str, font: str, size: float, y: float, width: float, smallest: float) -> str:
        """`text` shaped, shrunk to fit `width` (not below `smallest`), centred on the sheet."""
        face = self.fonts[font]
        hexed, units, pairs = face.encode(shaped(text))
        self.used[font].update(pairs)
        size = _fit(units, size, width, smallest)
        x = (SHEET_W - units * size / 1000) / 2
        return f"BT /{_FONT_KEYS[font]} {_num(size)} Tf {_num(x)} {_num(y)} Td <{hexed}> Tj ET"

    def digits(self, text: str, font: str, size: float, y: float) -> str:
        """Digits are left to right even in Persian: mapped unshaped so the groups keep their order."""
        face = self.fonts[font]
        hexed, units, pairs = face.encode(text)
        self.used[font].update(pairs)
        x = (SHEET_W - units * size / 1000) / 2
        return f"BT /{_FONT_KEYS[font]} {_num(size)} Tf {_num(x)} {_num(y)} Td <{hexed}> Tj ET"


def qr_ops(data: str, x: float, y: float, size: float) -> str:
    """The symbol with its quiet zone inside the square (x, y, size): one filled path of rectangles
    for the dark runs, written in module units as integers. zxing-cpp chooses the mask by the
    standard's penalty rules in compiled code (0.3 ms a code against segno's 3 ms); the print test
    decodes every printed code with a standard reader.

    Each row is read in slices of 8 modules, and the rectangles of a slice come from a table made
    once per symbol size for every (row, column, pattern): a symbol costs a few dozen lookups instead
    of formatting a few hundred rectangles. A run crossing a slice boundary is two abutting
    rectangles of the same path, which fill as one."""
    image = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False
    )
    side = image.shape[0]
    pixels = bytes(image)  # type: ignore[call-overload] # the stub omits the buffer protocol Image has
    scale = size / (side + 2 * QUIET_ZONE)
    head = f"q {scale:.5f} 0 0 {-scale:.5f} {x:.3f} {y + size:.3f} cm 0 g\n"
    return head + "".join([table[pixels[start:end]] for start, end, table in _slice_plan(side)]) + "f Q"


_SLICE = 8


@cache
def _slice_plan(side: int) -> tuple[tuple[int, int, dict[bytes, str]], ...]:
    """For a symbol of `side` modules: each slice's byte range and the rectangles of each of its
    possible patterns (0 dark, 255 light, as zxing-cpp writes them)."""
    plan = []
    for row in range(side):
        for column in range(0, side, _SLICE):
            width = min(_SLICE, side - column)
            table = {}
            for bits in range(1 << width):
                modules = bytes(0 if bits >> i & 1 else 255 for i in range(width))
                table[modules] = "".join(
                    f"{column + m.start() + QUIET_ZONE} {row + QUIET_ZONE} {m.end() - m.start()} 1 re\n"
                    for m in _DARK_RUN.finditer(modules)
                )
            plan.append((row * side + column, row * side + column + width, table))
    return tuple(plan)


def _round_rect(x: float, y: float, w: float, h: float, r: float) -> str:
    """A stroked rectangle with quarter-circle corners (Bezier control distance 0.5523 r)."""
    k = r * 0.5523
    left, right, bottom, top = x, x + w, y, y + h
    points = (
        ("m", (left + r, bottom)),
        ("l", (right - r, bottom)),
        ("c", (right - r + k, bottom, right, bottom + r - k, right, bottom + r)),
        ("l", (right, top - r)),
        ("c", (right, top - r + k, right - r + k, top, right - r, top)),
        ("l", (left + r, top)),
        ("c", (left + r - k, top, left, top - r + k, left, top - r)),
        ("l", (left, bottom + r)),
        ("c", (left, bottom + r - k, left + r - k, bottom, left + r, bottom)),
    )
    return " ".join(" ".join(_num(v) for v in values) + " " + op for op, values in points) + " h S"


def _pdf_text_string(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class SheetWriter:
    """Writes sheets into one PDF, page by page, straight to `out` (a path or a binary stream such
    as a zip entry). `per_page=2` puts two A5 sheets on an A4 page (landscape) with a dashed cut
    line between them. Memory holds only the page offsets and the glyphs used."""

    # Objects whose numbers are fixed up front; pages follow from _FIRST_PAGE_OBJECT on.
    _CATALOG, _PAGES, _INFO, _RESOURCES, _FORM = 1, 2, 3, 4, 5
    # Each font: Type0, CIDFont, descriptor, file, ToUnicode.
    _FONT_OBJECTS: ClassVar[dict[str, int]] = {REGULAR: 6, BOLD: 11}
    _FIRST_PAGE_OBJECT = 16

    def __init__(self, out: IO[bytes] | str, feedback_base_url: str, per_page: int = 1) -> None:
        if per_page not in (1, 2):
            raise ValueError("per_page is 1 or 2")
        self.per_page = per_page
        self._own = isinstance(out, str)
        self._out: IO[bytes] = open(out, "wb") if isinstance(out, str) else out  # noqa: SIM115 - closed in close()
        self._pos = 0
        self._offsets: dict[int, int] = {}
        self._next_object = self._FIRST_PAGE_OBJECT
        self._pages: list[int] = []
        self._page_ops: list[str] = []
        self._slot = 0
        self.count = 0
        self._text = _Text()
        self._media = (
            f"[0 0 {_num(SHEET_W)} {_num(SHEET_H)}]"
            if per_page == 1
            else f"[0 0 {_num(297 * MM)} {_num(SHEET_H)}]"  # A4 landscape
        )
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._write_static(feedback_base_url.rstrip("/") + "/e")

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._pos += len(data)

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._pos
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def _stream(self, number: int, content: bytes, extra: str = "", deflated: bytes | None = None) -> None:
        data = zlib.compress(content, 1) if deflated is None else deflated
        head = f"<< /Length {len(data)} /Filter /FlateDecode {extra}>>\nstream\n".encode()
        self._object(number, head + data + b"\nendstream")

    def _write_static(self, lookup_url: str) -> None:
        text = self._text
        instruction = (
            "دوربین گوشی را روی کد بگیرید؛ یا کد کوتاه را در " + lookup_url + " بنویسید و نظرتان را بگویید."
        )
        ops = [
            "q 0.75 0.78 0.82 RG 0.8 w",
            _round_rect(8 * MM, 8 * MM, SHEET_W - 16 * MM, SHEET_H - 16 * MM, 4 * MM),
            "0.04 0.36 0.67 rg",
            text.centred(PROGRAM_TITLE, BOLD, 15, SHEET_H - 22 * MM, SHEET_W, 15),
            "0.3 0.3 0.3 rg",
            text.centred(PROGRAM_OWNER, REGULAR, 10, SHEET_H - 29 * MM, SHEET_W, 10),
            text.centred("کد کوتاه، برای وقتی که اسکن ممکن نیست:", REGULAR, 9, 32 * MM, SHEET_W, 9),
            "0.1 0.1 0.1 rg",
            text.centred(instruction, REGULAR, 9, 15 * MM, SHEET_W - 24 * MM, 6),
            "Q",
        ]
        bbox = f"[0 0 {_num(SHEET_W)} {_num(SHEET_H)}]"
        self._stream(
            self._FORM,
            "\n".join(ops).encode(),
            f"/Type /XObject /Subtype /Form /BBox {bbox} /Resources {self._RESOURCES} 0 R ",
        )

    def add(self, sheet: Sheet) -> None:
        text = self._text
        x0 = 0.0 if self.per_page == 1 else (SHEET_W if self._slot == 0 else 0.0)  # first on the right
        width = SHEET_W - 24 * MM
        self._page_ops += [
            f"q 1 0 0 1 {_num(x0)} 0 cm /S Do 0.1 0.1 0.1 rg",
            text.centred(sheet.full_name, BOLD, 19, SHEET_H - 42 * MM, width, 8),
            text.centred(sheet.position, REGULAR, 13, SHEET_H - 50 * MM, width, 8),
            text.centred(sheet.unit, REGULAR, 11.5, SHEET_H - 57 * MM, width, 8),
            text.centred(sheet.agency, REGULAR, 11, SHEET_H - 64 * MM, width, 8),
            qr_ops(sheet.url, (SHEET_W - QR_SIZE) / 2, SHEET_H - 70 * MM - QR_SIZE, QR_SIZE),
            text.digits(to_persian_digits(grouped(sheet.short_code)), BOLD, 17, 24 * MM),
            "Q",
        ]
        self.count += 1
        self._slot += 1
        if self._slot == self.per_page:
            self._end_page()

    def _end_page(self) -> None:
        if self.per_page == 2:
            self._page_ops.append(
                f"q [4 3] 0 d 0.5 G 0.5 w {_num(SHEET_W)} {_num(4 * MM)} m "
                f"{_num(SHEET_W)} {_num(SHEET_H - 4 * MM)} l S Q"
            )
        page, contents = self._next_object, self._next_object + 1
        self._next_object += 2
        self._stream(contents, "\n".join(self._page_ops).encode())
        self._object(
            page,
            (
                f"<< /Type /Page /Parent {self._PAGES} 0 R /MediaBox {self._media} "
                f"/Resources {self._RESOURCES} 0 R /Contents {contents} 0 R >>"
            ).encode(),
        )
        self._pages.append(page)
        self._page_ops = []
        self._slot = 0

    def _write_font(self, font: _Font) -> None:
        type0 = self._FONT_OBJECTS[font.name]
        cid, descriptor, file, to_unicode = type0 + 1, type0 + 2, type0 + 3, type0 + 4
        used = self._text.used[font.name]
        widths = " ".join(f"{gid} [{font.width_of(gid)}]" for gid in sorted(used))
        self._object(
            type0,
            (
                f"<< /Type /Font /Subtype /Type0 /BaseFont /{font.base_font} /Encoding /Identity-H "
                f"/DescendantFonts [{cid} 0 R] /ToUnicode {to_unicode} 0 R >>"
            ).encode(),
        )
        self._object(
            cid,
            (
                f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{font.base_font} "
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                f"/FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW 0 /W [{widths}] >>"
            ).encode(),
        )
        bbox = " ".join(str(v) for v in font.bbox)
        self._object(
            descriptor,
            (
                f"<< /Type /FontDescriptor /FontName /{font.base_font} /Flags {font.flags} "
                f"/FontBBox [{bbox}] /ItalicAngle {_num(font.italic_angle)} /Ascent {font.ascent} "
                f"/Descent {font.descent} /CapHeight {font.cap_height} /StemV {font.stem_v} "
                f"/FontFile2 {file} 0 R >>"
            ).encode(),
        )
        self._stream(file, b"", f"/Length1 {font.file_length} ", deflated=font.file_deflated)
        entries = "\n".join(
            f"<{gid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for gid, ch in sorted(used.items())
        )
        cmap = (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            + "".join(
                f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n"
                for chunk in (entries.splitlines()[i : i + 100] for i in range(0, len(used), 100))
            )
            + "endcmap CMapName currentdict /CMap defineresource pop end end"
        )
        self._stream(to_unicode, cmap.encode())

    def close(self) -> None:
        if self._slot:
            self._end_page()
        if self.count == 0:
            self._page_ops = []
            self._end_page()  # an empty batch still yields a valid (blank) PDF
        for font in self._text.fonts.values():
            self._write_font(font)
        fonts_dict = " ".join(
            f"/{_FONT_KEYS[name]} {number} 0 R" for name, number in self._FONT_OBJECTS.items()
        )
        self._object(
            self._RESOURCES,
            f"<< /Font << {fonts_dict} >> /XObject << /S {self._FORM} 0 R >> >>".encode(),
        )
        kids = " ".join(f"{page} 0 R" for page in self._pages)
        self._object(self._PAGES, f"<< /Type /Pages /Kids [{kids}] /Count {len(self._pages)} >>".encode())
        self._object(self._CATALOG, f"<< /Type /Catalog /Pages {self._PAGES} 0 R >>".encode())
        self._object(
            self._INFO,
            (
                f"<< /Title {_pdf_text_string(PROGRAM_TITLE)} /Author {_pdf_text_string(PROGRAM_OWNER)} "
                "/Creator (govcloud feedback) /Producer (govcloud feedback) >>"
            ).encode(),
        )
        size = self._next_object
        xref = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        for number in range(1, size):
            offset = self._offsets.get(number)
            xref.append(b"%010d 00000 n \n" % offset if offset is not None else b"0000000000 65535 f \n")
        start = self._pos
        self._write(b"".join(xref))
        self._write(
            f"trailer\n<< /Size {size} /Root {self._CATALOG} 0 R /Info {self._INFO} 0 R >>\n"
            f"startxref\n{start}\n%%EOF\n".encode()
        )
        if self._own:
            self._out.close()


def write_sheets(
    sheets: Iterable[Sheet], out: IO[bytes] | str, feedback_base_url: str, per_page: int = 1
) -> int:
    writer = SheetWriter(out, feedback_base_url, per_page)
    for sheet in sheets:
        writer.add(sheet)
    writer.close()
    return writer.count
