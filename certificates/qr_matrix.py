"""QR code module matrices for short ASCII text, built from per-version templates (ISO/IEC 18004).

Why not segno alone (which :mod:`certificates.qr` still uses for anything else): segno places every bit and
applies the mask module by module in pure Python, which costs ~1.3 ms per code — a quarter of a whole
certificate. The verification URL always has the same few shapes (byte mode, level M, mask 4, version 6
for the default URL), so everything that does not depend on the data is computed once per version here:
the function patterns, the format and version information, the order in which data modules are filled and
the mask over them. A code then costs its Reed–Solomon remainders (as big-integer arithmetic, one step per
data byte) and one pass writing its bits. The tests check every result against segno's matrix.

Covered: versions 1-10 (up to 213 bytes at level M), byte mode, no ECI, error correction level M, mask
pattern 4 — exactly what ``segno.make(data, error="m", mode="byte", mask=4, boost_error=False)`` produces.

Facts relied on (ISO/IEC 18004:2015): §7.3.1 a version-V symbol is 17 + 4V modules square; §7.3.2-§7.3.5
finder patterns with separators, timing patterns in row and column 6, alignment patterns centred on every
pair of the version's centre coordinates except where a finder pattern is (Annex E); §7.4.2/§7.4.5 byte
mode: mode indicator 0100 and an 8-bit count (16 bits from version 10); §7.4.9 terminator of up to four zero
bits, zero bits to a byte boundary (see :func:`_codewords` for one byte more), then pad codewords 0xEC and
0x11 alternately; §7.5 Reed-Solomon over
GF(256) with the polynomial x^8+x^4+x^3+x^2+1, generator (x-α^0)…(x-α^(n-1)), and Table 9's blocks per
version at level M; §7.6 data codewords interleaved block by block, then the error correction codewords;
§7.7.3 placement in two-module columns from the bottom-right corner, alternately upwards and downwards,
skipping column 6 and every function module, remainder bits zero; §7.8.2 mask pattern 100:
(⌊row/2⌋ + ⌊column/3⌋) mod 2 = 0; §7.9 format information: level M is 00, BCH(15,5) with generator
10100110111, XOR 101010000010010, placed around the top-left finder and split between the other two, and the
dark module at (4V+9, 8); §7.10 version information from version 7: BCH(18,6) with generator
1111100100101, in the 6x3 blocks next to the top-right and bottom-left finders.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

__all__ = ["MAX_BYTES", "encode_matrix"]

# level M: (error correction codewords per block, number of blocks) for versions 1-10 (Table 9)
_BLOCKS_M = {
    1: (10, 1),
    2: (16, 1),
    3: (26, 1),
    4: (18, 2),
    5: (24, 2),
    6: (16, 4),
    7: (18, 4),
    8: (22, 4),
    9: (22, 5),
    10: (26, 5),
}
# alignment pattern centre coordinates (Annex E)
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
_LEVEL_M = 0b00
_MASK = 4
_MODE_BYTE = 0b0100

# GF(256) with the primitive polynomial 0x11D
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


@functools.cache
def _remainder_rows(ec: int) -> tuple[int, ...]:
    """For each value of the leading byte, the generator's lower coefficients times it, as one integer."""
    generator = [1]  # coefficients, highest power first
    for i in range(ec):
        root = _EXP[i]
        product = [*generator, 0]
        for k, coefficient in enumerate(generator):
            product[k + 1] ^= _gf_mul(coefficient, root)
        generator = product
    lower = generator[1:]
    return tuple(int.from_bytes(bytes(_gf_mul(f, c) for c in lower), "big") for f in range(256))


def _ec_codewords(data: bytes, ec: int) -> bytes:
    """The Reed-Solomon remainder of ``data`` · x^ec divided by the generator: polynomial long division
    with the remainder kept as one ``ec``-byte integer."""
    rows = _remainder_rows(ec)
    shift = 8 * (ec - 1)
    keep = (1 << shift) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder & keep) << 8) ^ rows[byte ^ (remainder >> shift)]
    return remainder.to_bytes(ec, "big")


def _bch(value: int, generator: int, bits: int) -> int:
    remainder = value << bits
    for shift in range(remainder.bit_length() - 1, bits - 1, -1):
        if remainder >> shift & 1:
            remainder ^= generator << (shift - bits)
    return value << bits | remainder


@dataclass(frozen=True)
class _Version:
    size: int
    base: bytes
    """Function patterns, format and version information, everything else light; row-major."""
    positions: tuple[int, ...]
    """Indices of the data modules in the order codeword bits fill them."""
    mask: int
    """The mask over the data modules, first position as the most significant of ``len(positions)`` bits."""
    data_codewords: int
    ec: int
    blocks: int


@functools.cache
def _version(version: int) -> _Version:
    n = 17 + 4 * version
    modules = bytearray(n * n)
    reserved = bytearray(n * n)

    def put(row: int, column: int, dark: bool) -> None:
        modules[row * n + column] = dark
        reserved[row * n + column] = 1

    for top, left in ((0, 0), (0, n - 7), (n - 7, 0)):
        for dr in range(-1, 8):
            for dc in range(-1, 8):
                if 0 <= top + dr < n and 0 <= left + dc < n:
                    ring = max(abs(dr - 3), abs(dc - 3))
                    put(top + dr, left + dc, ring != 2 and ring != 4)
    for i in range(8, n - 8):
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    centres = _ALIGNMENT[version]
    finders = {(6, 6), (6, n - 7), (n - 7, 6)}
    for row in centres:
        for column in centres:
            if (row, column) not in finders:
                for dr in range(-2, 3):
                    for dc in range(-2, 3):
                        put(row + dr, column + dc, max(abs(dr), abs(dc)) != 1)

    ec, _blocks = _BLOCKS_M[version]
    fmt = _bch(_LEVEL_M << 3 | _MASK, 0b10100110111, 10) ^ 0b101010000010010
    for i in range(15):
        dark = bool(fmt >> i & 1)
        # first copy: down column 8 then left along row 8, around the top-left finder, skipping the timing
        if i < 6:
            put(i, 8, dark)
        elif i < 8:
            put(i + 1, 8, dark)
        elif i == 8:
            put(8, 7, dark)
        else:
            put(8, 14 - i, dark)
        # second copy: along row 8 under the top-right finder, then up column 8 beside the bottom-left one
        if i < 8:
            put(8, n - 1 - i, dark)
        else:
            put(n - 15 + i, 8, dark)
    put(n - 8, 8, True)  # the dark module
    if version >= 7:
        info = _bch(version, 0b1111100100101, 12)
        for i in range(18):
            dark = bool(info >> i & 1)
            put(i // 3, n - 11 + i % 3, dark)
            put(n - 11 + i % 3, i // 3, dark)

    positions = []
    right = n - 1
    while right > 0:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for step in range(n):
            row = n - 1 - step if upward else step
            for column in (right, right - 1):
                if not reserved[row * n + column]:
                    positions.append(row * n + column)
        right -= 2
    mask = 0
    for index in positions:
        row, column = divmod(index, n)
        mask = mask << 1 | ((row // 2 + column // 3) % 2 == 0)
    return _Version(
        n, bytes(modules), tuple(positions), mask, len(positions) // 8 - ec * _blocks, ec, _blocks
    )


MAX_BYTES = (_version(10).data_codewords * 8 - 4 - 16) // 8
"""The longest text (in bytes) :func:`encode_matrix` takes: 213, the capacity of version 10 at level M."""


def _fits(version: int, length: int) -> bool:
    count_bits = 8 if version < 10 else 16
    return 4 + count_bits + 8 * length <= 8 * _version(version).data_codewords


def _codewords(data: bytes, v: _Version, version: int) -> bytes:
    capacity = 8 * v.data_codewords
    count_bits = 8 if version < 10 else 16
    bits = ((_MODE_BYTE << count_bits | len(data)) << 8 * len(data)) | int.from_bytes(data, "big")
    used = 4 + count_bits + 8 * len(data)
    terminator = min(4, capacity - used)
    used += terminator
    # a whole zero byte when the bits already end on a codeword boundary: what segno writes (decoders stop
    # at the terminator, so it is as valid as writing none) and what keeps the matrices identical
    padding = min(8 - used % 8, capacity - used)
    bits <<= terminator + padding
    message = bits.to_bytes((used + padding) // 8, "big")
    pad = (b"\xec\x11" * v.data_codewords)[: v.data_codewords - len(message)]
    message += pad
    # blocks: the later ones hold one data codeword more when the count does not divide evenly
    short, longer = divmod(v.data_codewords, v.blocks)
    blocks, at = [], 0
    for b in range(v.blocks):
        length = short + (b >= v.blocks - longer)
        blocks.append(message[at : at + length])
        at += length
    out = bytearray()
    for i in range(short + (longer > 0)):
        out += bytes(block[i] for block in blocks if i < len(block))
    ecs = [_ec_codewords(block, v.ec) for block in blocks]
    for i in range(v.ec):
        out += bytes(ec[i] for ec in ecs)
    return bytes(out)


def encode_matrix(text: str) -> list[bytes] | None:
    """The QR code of ``text`` as rows of modules (1 dark, 0 light), or ``None`` when it is not covered.

    ``None`` for text that is not ASCII or longer than :data:`MAX_BYTES`; the caller uses segno then.
    """
    if not text.isascii():
        return None
    data = text.encode("ascii")
    version = next((version for version in _BLOCKS_M if _fits(version, len(data))), None)
    if version is None:
        return None
    v = _version(version)
    codewords = _codewords(data, v, version)
    count = len(v.positions)
    bits = (int.from_bytes(codewords, "big") << (count - 8 * len(codewords))) ^ v.mask
    modules = bytearray(v.base)
    for index, bit in zip(v.positions, format(bits, f"0{count}b").encode(), strict=True):
        modules[index] = bit - 48
    n = v.size
    return [bytes(modules[row * n : row * n + n]) for row in range(n)]
