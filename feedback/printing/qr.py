"""QR codes for the desk sheets, encoded as sums of precomputed parts (ISO/IEC 18004, byte mode,
error correction M, versions 1 to 10).

Why not a general encoder: a national run encodes 2.5 million URLs of one shape (the same base URL,
a 32-character token), and the print budget is about 0.7 ms a sheet a core. A compiled encoder
(zxing-cpp) spends about 0.5 ms a code; a pure-Python one several milliseconds. But a QR symbol is
affine in its data bits: the Reed-Solomon check codewords are linear over GF(256), the placement
of codeword bits is a fixed permutation and the mask an XOR. So for a given data length the
unmasked symbol is the XOR of one precomputed bit pattern per (byte position, byte value), each
held as one Python integer with a bit per module: a code is a few dozen XORs of integers.

The mask is still chosen by the standard's four penalty rules (the lowest score wins, the first
mask on a tie, with modules outside the symbol counted as light, as zxing does), evaluated on all
modules at once with shifts and ANDs of the same integers, for the rows and, on a transposed copy
built the same way, the columns. The output is the same module matrix zxing-cpp writes for the same
text (tests compare them, and decode every symbol with zxing-cpp's reader and zbar).

Layout of a symbol as an integer: bit `_OFF + row * stride + column`, the stride a multiple of 8
with at least 4 padding bits after each row, so rows start on byte boundaries (the PDF writer turns
each byte of a row into its rectangles with one table lookup) and no run or finder-like pattern
crosses from one row into the next.
"""

from __future__ import annotations

import dataclasses
from functools import cache, reduce
from operator import xor

# Error correction M, versions 1-10: (EC codewords per block, [(blocks, data codewords per block)]).
_BLOCKS_M: dict[int, tuple[int, tuple[tuple[int, int], ...]]] = {
    1: (10, ((1, 16),)),
    2: (16, ((1, 28),)),
    3: (26, ((1, 44),)),
    4: (18, ((2, 32),)),
    5: (24, ((2, 43),)),
    6: (16, ((4, 27),)),
    7: (18, ((4, 31),)),
    8: (22, ((2, 38), (2, 39))),
    9: (22, ((3, 36), (2, 37))),
    10: (26, ((4, 43), (1, 44))),
}
_ALIGNMENT = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}
_REMAINDER_BITS = {1: 0, 2: 7, 3: 7, 4: 7, 5: 7, 6: 7, 7: 0, 8: 0, 9: 0, 10: 0}
_EC_M_FORMAT_BITS = 0b00
_OFF = 8  # padding before the first row: the finder-like rule looks 4 modules before a row's start
MAX_VERSION = 10


class TooLong(ValueError):
    """The text does not fit a version-10 symbol at error correction M (213 bytes)."""


# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@cache
def _generator(degree: int) -> tuple[int, ...]:
    """The Reed-Solomon generator polynomial's coefficients, highest power first (leading 1 left out)."""
    poly = [1]
    for i in range(degree):
        poly = [*poly, 0]
        for j in range(len(poly) - 1, 0, -1):
            poly[j] ^= _gf_mul(poly[j - 1], _EXP[i])
    return tuple(poly[1:])


def _ec_codewords(data: list[int], degree: int) -> list[int]:
    generator = _generator(degree)
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = [*remainder[1:], 0]
        if factor:
            for k, coefficient in enumerate(generator):
                remainder[k] ^= _gf_mul(coefficient, factor)
    return remainder


def data_capacity(version: int) -> int:
    """Bytes of text a byte-mode symbol of `version` holds at error correction M."""
    _ec, groups = _BLOCKS_M[version]
    codewords = sum(blocks * size for blocks, size in groups)
    return (codewords * 8 - 4 - 8) // 8 if version < 10 else (codewords * 8 - 4 - 16) // 8


def version_for(length: int) -> int:
    for version in range(1, MAX_VERSION + 1):
        if length <= data_capacity(version):
            return version
    raise TooLong(f"{length} bytes do not fit a version-{MAX_VERSION} QR code at error correction M")


@dataclasses.dataclass(frozen=True)
class Symbol:
    """One encoded symbol: `side` modules square, `bits` in the layout above (1 is dark)."""

    side: int
    stride: int
    bits: int

    def rows(self) -> list[list[bool]]:
        """The module matrix, top row first (for tests and readers)."""
        return [
            [bool(self.bits >> (_OFF + y * self.stride + x) & 1) for x in range(self.side)]
            for y in range(self.side)
        ]

    def row_bytes(self) -> bytes:
        """The rows as bytes, `stride // 8` a row, the first column in the low bit of a row's first byte."""
        length = (_OFF + self.side * self.stride) // 8
        return self.bits.to_bytes(length, "little")[_OFF // 8 :]


class _Layout:
    """The function patterns and the order codeword bits are placed in, for one version."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.side = side = 17 + 4 * version
        self.stride = -(-(side + 4) // 8) * 8
        self.function = [[False] * side for _ in range(side)]
        self.dark = [[False] * side for _ in range(side)]
        for i in range(side):
            self._set(6, i, i % 2 == 0)
            self._set(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (side - 4, 3), (3, side - 4)):
            self._finder(cx, cy)
        self._alignment()
        self._format(0)  # reserves the format modules; each mask writes its own bits
        if version >= 7:
            self._version_bits()
        self.order = self._placement()

    def _alignment(self) -> None:
        positions = _ALIGNMENT[self.version]
        last = len(positions) - 1
        for a, x in enumerate(positions):
            for b, y in enumerate(positions):
                if (a, b) in ((0, 0), (0, last), (last, 0)):
                    continue
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        self._set(x + dx, y + dy, max(abs(dx), abs(dy)) != 1)

    def _version_bits(self) -> None:
        remainder = self.version
        for _ in range(12):
            remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25)
        bits = self.version << 12 | remainder
        for i in range(18):
            bit = bool(bits >> i & 1)
            a, b = self.side - 11 + i % 3, i // 3
            self._set(a, b, bit)
            self._set(b, a, bit)

    def _set(self, x: int, y: int, dark: bool) -> None:
        self.dark[y][x] = dark
        self.function[y][x] = True

    def _finder(self, cx: int, cy: int) -> None:
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                x, y = cx + dx, cy + dy
                if 0 <= x < self.side and 0 <= y < self.side:
                    self._set(x, y, max(abs(dx), abs(dy)) not in (2, 4))

    def _format(self, mask: int) -> None:
        data = _EC_M_FORMAT_BITS << 3 | mask
        remainder = data
        for _ in range(10):
            remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537)
        bits = (data << 10 | remainder) ^ 0x5412
        side = self.side
        for i in range(6):
            self._set(8, i, bool(bits >> i & 1))
        self._set(8, 7, bool(bits >> 6 & 1))
        self._set(8, 8, bool(bits >> 7 & 1))
        self._set(7, 8, bool(bits >> 8 & 1))
        for i in range(9, 15):
            self._set(14 - i, 8, bool(bits >> i & 1))
        for i in range(8):
            self._set(side - 1 - i, 8, bool(bits >> i & 1))
        for i in range(8, 15):
            self._set(8, side - 15 + i, bool(bits >> i & 1))
        self._set(8, side - 8, True)

    def _placement(self) -> list[tuple[int, int]]:
        """(x, y) of each codeword bit in order: two-column zigzag from the bottom right."""
        order = []
        side = self.side
        for right in range(side - 1, 0, -2):
            column = right - 1 if right <= 6 else right
            upward = ((column + 1) & 2) == 0
            for vertical in range(side):
                y = side - 1 - vertical if upward else vertical
                for j in range(2):
                    x = column - j
                    if not self.function[y][x]:
                        order.append((x, y))
        return order

    def mask_constant(self, mask: int) -> list[list[bool]]:
        """The function patterns with this mask's format bits, and the mask over the data modules."""
        self._format(mask)
        test = _MASKS[mask]
        return [
            [self.dark[y][x] if self.function[y][x] else test(x, y) for x in range(self.side)]
            for y in range(self.side)
        ]


_MASKS = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (x // 3 + y // 2) % 2 == 0,
    lambda x, y: x * y % 2 + x * y % 3 == 0,
    lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
)


class _Encoder:
    """Everything precomputed for texts of one length: the constant part of each mask, and a
    pattern per (byte position, byte value), made from one per (byte position, bit). Each
    pattern is one integer holding the rows, and above them (from bit `_half`) the columns: the
    transposed copy the penalty rules read the columns from, with the same shifts."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.version = version = version_for(length)
        layout = _Layout(version)
        self.side = side = layout.side
        self.stride = stride = layout.stride
        self._half = _OFF + (side + 1) * stride  # a padding row after the last row of each half
        ec, groups = _BLOCKS_M[version]
        self._ec = ec
        self._groups = groups
        self._modules = [self._module(x, y) for x, y in layout.order]
        self._data_codewords = sum(blocks * size for blocks, size in groups)
        count_bits = 8 if version < 10 else 16
        self._text_bit = 4 + count_bits
        # The stream with every text byte zero: mode, count, terminator, padding.
        stream = [0] * self._data_codewords
        self._put(stream, 0, 0b0100, 4)
        self._put(stream, 4, length, count_bits)
        spare = self._data_codewords * 8 - self._text_bit - 8 * length
        end = -(-(self._text_bit + 8 * length + min(4, spare)) // 8)
        for k, index in enumerate(range(end, self._data_codewords)):
            stream[index] = 0xEC if k % 2 == 0 else 0x11
        base = self._pattern(stream)
        self._masks = [self._grid(layout.mask_constant(mask)) ^ base for mask in range(8)]
        units_by_position: list[list[int]] = []
        for position in range(length):
            units = []
            for bit in range(8):
                unit = [0] * self._data_codewords
                self._put(unit, self._text_bit + 8 * position + (7 - bit), 1, 1)
                units.append(self._pattern(unit))
            units_by_position.append(units)
        self._tables = [
            [reduce(xor, (units[bit] for bit in range(8) if value >> bit & 1), 0) for value in range(256)]
            for units in units_by_position
        ]
        self._prefixes: dict[bytes, int] = {}
        rows = reduce(xor, (((1 << side) - 1) << (_OFF + y * stride) for y in range(side)))
        self._valid = rows | rows << self._half
        self._full = (1 << (2 * self._half)) - 1
        self._rows = (1 << self._half) - 1
        self._total = side * side

    @staticmethod
    def _put(stream: list[int], bit: int, value: int, width: int) -> None:
        for k in range(width):
            if value >> (width - 1 - k) & 1:
                position = bit + k
                stream[position >> 3] |= 0x80 >> (position & 7)

    def _module(self, x: int, y: int) -> int:
        return 1 << (_OFF + y * self.stride + x) | 1 << (self._half + _OFF + x * self.stride + y)

    def _pattern(self, data: list[int]) -> int:
        """The unmasked symbol's data modules for these data codewords."""
        blocks, start = [], 0
        for count, size in self._groups:
            for _ in range(count):
                blocks.append(data[start : start + size])
                start += size
        checks = [_ec_codewords(block, self._ec) for block in blocks]
        codewords = [block[i] for i in range(max(map(len, blocks))) for block in blocks if i < len(block)]
        codewords += [check[i] for i in range(self._ec) for check in checks]
        bits = 0
        modules = self._modules
        for index, codeword in enumerate(codewords):
            if codeword:
                for k in range(8):
                    if codeword >> (7 - k) & 1:
                        bits |= modules[8 * index + k]
        return bits

    def _grid(self, matrix: list[list[bool]]) -> int:
        bits = 0
        for y, line in enumerate(matrix):
            for x, dark in enumerate(line):
                if dark:
                    bits |= self._module(x, y)
        return bits

    def _span(self, data: bytes, start: int) -> int:
        return reduce(xor, map(list.__getitem__, self._tables[start : len(data)], data[start:]), 0)

    def unmasked(self, data: bytes) -> int:
        """The data modules for `data`: the part up to the last '/' (the base URL, the same for a
        whole run) is remembered, so a code costs only its token's bytes."""
        cut = data.rfind(b"/") + 1
        prefix = self._prefixes.get(data[:cut])
        if prefix is None:
            prefix = self._span(data[:cut], 0)
            if len(self._prefixes) < 64:
                self._prefixes[data[:cut]] = prefix
        return prefix ^ self._span(data, cut)

    def encode(self, data: bytes, mask: int | None = None) -> Symbol:
        bits = self.unmasked(data)
        if mask is None:
            scores = [self._penalty(bits ^ candidate) for candidate in self._masks]
            mask = scores.index(min(scores))  # the first of the lowest
        return Symbol(self.side, self.stride, (bits ^ self._masks[mask]) & self._rows)

    def _penalty(self, grid: int) -> int:
        """Twice the standard's penalty score (rows and columns are counted in one pass, so each
        2x2 block is seen twice)."""
        stride = self.stride
        light_grid = self._valid ^ grid
        pairs, light_pairs = grid & grid >> 1, light_grid & light_grid >> 1
        shifted = grid >> 4
        fives = pairs & pairs >> 2 & shifted | light_pairs & light_pairs >> 2 & light_grid >> 4
        # rule 1: a run of n >= 5 modules of one colour scores n - 2 (n - 4 windows of 5, plus 2 a run)
        runs = fives.bit_count() + 2 * (fives & ~(fives << 1)).bit_count()
        blocks = (pairs & pairs >> stride | light_pairs & light_pairs >> stride).bit_count()  # rule 2
        light = self._full ^ grid  # rule 3: 1:1:3:1:1 with 4 light modules before or after
        found = grid & pairs >> 2 & shifted & grid >> 6 & light >> 1 & light >> 5
        finders = 0
        if found:
            lights = light & light << 1
            lights &= lights << 2
            finders = (found & (lights << 1 | lights >> 10)).bit_count()
        total = self._total
        balance = abs(grid.bit_count() - total) * 10 // total * 10  # rule 4 (grid counts each module twice)
        return 2 * runs + 3 * blocks + 80 * finders + 2 * balance


@cache
def _encoder(length: int) -> _Encoder:
    return _Encoder(length)


def encode(text: str, mask: int | None = None) -> Symbol:
    """`text` (ASCII, as URLs are; other text as UTF-8 bytes) as a QR symbol at error correction M,
    with the mask the penalty rules choose (or `mask`, 0-7, for tests)."""
    data = text.encode()
    if mask is not None and mask not in range(8):
        raise ValueError("a QR mask is 0 to 7")
    return _encoder(len(data)).encode(data, mask)
