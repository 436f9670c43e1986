"""Hash and checksum algorithms exactly as BMv2 computes them.

BMv2 (``src/bm_sim/calculations.cpp``) first serializes the inputs into a byte
buffer (fields packed MSB first, back to back, the last byte zero-padded; a
field of an invalid header contributes nothing), then runs the algorithm over
the bytes. Both halves live here so that ``hash()``, the checksum externs and
action selectors agree bit for bit with the reference target.
"""

from __future__ import annotations

import random as _random
import zlib
from collections.abc import Callable, Iterable

__all__ = [
    "ALGORITHMS",
    "pack_bits",
    "crc16",
    "crc32",
    "crc_ccitt",
    "csum16",
    "xor16",
    "identity",
    "algorithm",
]


def pack_bits(parts: Iterable[tuple[int, int]]) -> bytes:
    """Concatenate (value, width) pairs MSB first into bytes, zero-padding
    the tail to a byte boundary as BMv2's BufBuilder does."""
    acc = 0
    nbits = 0
    for value, width in parts:
        acc = (acc << width) | (value & ((1 << width) - 1))
        nbits += width
    pad = (-nbits) % 8
    return (acc << pad).to_bytes((nbits + pad) // 8, "big")


def _reflected_table(poly_reflected: int) -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly_reflected if crc & 1 else crc >> 1
        table.append(crc)
    return table


def _forward_table16(poly: int) -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        table.append(crc)
    return table


_CRC16_TABLE = _reflected_table(0xA001)  # 0x8005 reflected
_CCITT_TABLE = _forward_table16(0x1021)


def crc16(data: bytes) -> int:
    """BMv2 ``crc16``: poly 0x8005, reflected in and out, init 0, xorout 0
    (CRC-16/ARC; check value 0xBB3D)."""
    crc = 0
    table = _CRC16_TABLE
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


def crc32(data: bytes) -> int:
    """BMv2 ``crc32``: the IEEE 802.3 CRC (check value 0xCBF43926), which is
    exactly zlib's."""
    return zlib.crc32(data) & 0xFFFFFFFF


def crc_ccitt(data: bytes) -> int:
    """BMv2 ``crcCCITT``: poly 0x1021, init 0xFFFF, not reflected (CRC-16/
    CCITT-FALSE; check value 0x29B1)."""
    crc = 0xFFFF
    table = _CCITT_TABLE
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ b) & 0xFF]
    return crc


def csum16(data: bytes) -> int:
    """Internet checksum (RFC 1071): ones' complement of the ones' complement
    sum of 16-bit big-endian words, an odd tail byte padded with zero."""
    if len(data) & 1:
        data = data + b"\x00"
    mv = memoryview(data)
    total = 0
    for i in range(0, len(data), 2):
        total += (mv[i] << 8) | mv[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def xor16(data: bytes) -> int:
    """BMv2 ``xor16``: XOR of 16-bit big-endian words, the tail padded with
    zeros on the right."""
    if len(data) & 1:
        data = data + b"\x00"
    acc = 0
    for i in range(0, len(data), 2):
        acc ^= (data[i] << 8) | data[i + 1]
    return acc


def identity(data: bytes) -> int:
    """BMv2 ``identity``: the first (at most) eight bytes as a big-endian
    integer, not padded."""
    return int.from_bytes(data[:8], "big")


def _random_hash(data: bytes) -> int:
    return _random.getrandbits(32)


ALGORITHMS: dict[str, Callable[[bytes], int]] = {
    "crc16": crc16,
    "crc16_custom": crc16,  # BMv2's default custom config equals crc16
    "crc32": crc32,
    "crc32_custom": crc32,  # likewise for crc32
    "crcCCITT": crc_ccitt,
    "csum16": csum16,
    "xor16": xor16,
    "identity": identity,
    "random": _random_hash,
}


def algorithm(name: str) -> Callable[[bytes], int]:
    """The function for a v1model ``HashAlgorithm`` member name."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ValueError(f"hash algorithm {name!r} is not supported by BMv2 v1model") from None
