"""P4Runtime byte strings <-> Python ints (P4Runtime spec section 8.3).

The server accepts a value in canonical form (no leading zero bytes) or
padded to the field's full byte width, and always sends canonical form, as
the specification asks. A value whose significant bits exceed the field's
width, or a string longer than the padded width, is refused: silently
truncating it would install an entry the controller did not ask for."""

from __future__ import annotations

from p4sim.errors import InvalidArgument


def nbytes(width: int) -> int:
    """Bytes of the padded encoding of a ``width``-bit value."""
    return (width + 7) // 8


def decode(value: bytes, width: int, what: str) -> int:
    """The unsigned int in ``value``; ``what`` names the field for errors."""
    if not value:
        raise InvalidArgument(f"{what}: empty byte string (a value needs at least one byte)")
    if len(value) > nbytes(width):
        raise InvalidArgument(
            f"{what}: byte string of {len(value)} bytes is longer than the {width}-bit field "
            f"({nbytes(width)} bytes)"
        )
    n = int.from_bytes(value, "big")
    if n >> width:
        raise InvalidArgument(f"{what}: value 0x{n:x} does not fit in {width} bits")
    return n


def encode(n: int) -> bytes:
    """Canonical form: the shortest big-endian string, at least one byte."""
    if n < 0:
        raise ValueError(f"cannot encode negative value {n} as a P4Runtime byte string")
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


def encode_padded(n: int, width: int) -> bytes:
    """Full-width form, for PacketIn/out metadata and P4Data of fixed width
    when a caller wants it (the server itself sends canonical)."""
    return n.to_bytes(nbytes(width), "big")
