"""The sheets' QR encoder (feedback.printing.qr) against two others and a reader: every mask of every
version it writes is segno's symbol module for module, the mask it picks is zxing-cpp's, and what
it writes reads back."""

from __future__ import annotations

import random
import secrets

import pytest
import segno
import zxingcpp
from PIL import Image

from feedback.printing import qr

BASE = "https://feedback.example.ir/e/"


def _text(length: int, rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/.:"
    return "".join(rng.choice(alphabet) for _ in range(length))


def _lengths() -> list[int]:
    """The shortest and the longest text of each version, and one between."""
    lengths = []
    for version in range(1, qr.MAX_VERSION + 1):
        low = qr.data_capacity(version - 1) + 1 if version > 1 else 1
        high = qr.data_capacity(version)
        lengths += [low, (low + high) // 2, high]
    return lengths


def _image(symbol: qr.Symbol, scale: int = 4) -> Image.Image:
    quiet = 4
    side = (symbol.side + 2 * quiet) * scale
    image = Image.new("L", (side, side), 255)
    for y, row in enumerate(symbol.rows()):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + quiet) * scale, (y + quiet) * scale
                image.paste(0, (left, top, left + scale, top + scale))
    return image


@pytest.mark.parametrize("version", range(1, qr.MAX_VERSION + 1))
def test_every_mask_of_every_version_is_segnos_symbol(version):
    """At full capacity (segno pads a shorter text with a zero byte before the pad codewords, where
    zxing-cpp and this encoder do not: both are valid, the next test holds those to zxing-cpp)."""
    text = _text(qr.data_capacity(version), random.Random(version))
    for mask in range(8):
        ours = qr.encode(text, mask=mask)
        theirs = segno.make(text, error="m", mask=mask, mode="byte", micro=False, boost_error=False)
        assert ours.side == 17 + 4 * theirs.version
        assert [[int(m) for m in row] for row in ours.rows()] == [list(row) for row in theirs.matrix]


def test_the_symbol_is_zxing_cpps():
    """zxing-cpp picks its mask by the standard's penalty rules, as this encoder does. It sometimes
    writes a text in mixed modes (digits as a numeric segment), a different symbol for the same
    text; otherwise (most texts) its symbol is one of ours, and must be the one whose mask we pick."""
    compared = 0
    for n in range(150):
        text = (
            BASE + secrets.token_urlsafe(24)
            if n % 3
            else _text(1 + n % qr.data_capacity(10), random.Random(n))
        )
        theirs = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
        image = bytes(theirs.to_image(scale=1, add_quiet_zones=False))  # type: ignore[call-overload]
        candidates = {
            bytes(0 if m else 255 for row in qr.encode(text, mask=mask).rows() for m in row): mask
            for mask in range(8)
        }
        if image in candidates:
            compared += 1
            assert qr.encode(text).rows() == qr.encode(text, mask=candidates[image]).rows(), text
    assert compared >= 120


def test_symbols_read_back():
    rng = random.Random(7)
    texts = [BASE + secrets.token_urlsafe(24) for _ in range(40)] + [_text(n, rng) for n in _lengths()]
    for text in texts:
        found = zxingcpp.read_barcode(_image(qr.encode(text)), formats=zxingcpp.BarcodeFormat.QRCode)
        assert found is not None and found.text == text


def test_a_text_longer_than_version_10_holds_is_refused():
    assert qr.version_for(qr.data_capacity(10)) == 10
    with pytest.raises(qr.TooLong, match="do not fit"):
        qr.encode("x" * (qr.data_capacity(10) + 1))
    with pytest.raises(ValueError, match="mask"):
        qr.encode("x", mask=8)


def test_names_shaped_word_by_word_are_shaped_as_a_whole():
    """The sheets shape a plain Persian line word by word (each word remembered): the same glyphs
    in the same order as shaping the whole line, for names with ZWNJ, Arabic letter forms and
    ligatures; lines with digits, Latin or marks take the whole-line path."""
    import arabic_reshaper
    from bidi import get_display

    from feedback.printing.sheets import shaped

    rng = random.Random(13)
    words = [
        "علی",
        "رضایی",
        "محمدی‌نیا",
        "عبدالله",
        "لاله",
        "ۀ",
        "مؤمنی",
        "آقایی",
        "ئیلخانی",
        "ـ",
        "طاهره",
        "سادات",
    ]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randrange(1, 5))) for _ in range(200)]
    lines += ["علی  رضایی", " علی", "علی ", "واحد 3", "Ali رضایی", "اداره (مرکزی)", "مُحمّد", "کد ۱۲۳"]
    for line in lines:
        assert shaped(line) == get_display(arabic_reshaper.reshape(line)), line
