"""BMv2's hash algorithms and buffer packing, on published check values."""

from __future__ import annotations

from p4sim.engine import hashes


def test_crc32_check_value() -> None:
    assert hashes.crc32(b"123456789") == 0xCBF43926


def test_crc16_is_crc16_arc() -> None:
    assert hashes.crc16(b"123456789") == 0xBB3D
    assert hashes.algorithm("crc16_custom")(b"123456789") == 0xBB3D


def test_crc_ccitt_false() -> None:
    assert hashes.crc_ccitt(b"123456789") == 0x29B1


def test_csum16_ipv4_header_example() -> None:
    hdr = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert hashes.csum16(hdr) == 0xB861
    with_ck = hdr[:10] + (0xB861).to_bytes(2, "big") + hdr[12:]
    assert hashes.csum16(with_ck) == 0


def test_csum16_odd_tail_is_padded_with_zero() -> None:
    assert hashes.csum16(b"\x01") == (~0x0100) & 0xFFFF
    assert hashes.csum16(b"\x12\x34\x56") == (~(0x1234 + 0x5600)) & 0xFFFF


def test_xor16_and_identity() -> None:
    assert hashes.xor16(bytes.fromhex("1234abcd")) == 0x1234 ^ 0xABCD
    assert hashes.xor16(bytes.fromhex("1234ab")) == 0x1234 ^ 0xAB00
    assert hashes.identity(bytes.fromhex("0102030405060708090a")) == 0x0102030405060708
    assert hashes.identity(b"\x01\x02") == 0x0102


def test_pack_bits_is_msb_first_and_padded() -> None:
    assert hashes.pack_bits([(0x4, 4), (0x5, 4), (0xAB, 8)]) == b"\x45\xab"
    assert hashes.pack_bits([(1, 1)]) == b"\x80"
    assert hashes.pack_bits([(0x1FF, 9), (0, 7)]) == b"\xff\x80"
    assert hashes.pack_bits([]) == b""


def test_unknown_algorithm_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="toeplitz2"):
        hashes.algorithm("toeplitz2")
