"""Byte strings (P4Runtime 8.3): padded and canonical accepted, wider refused,
canonical sent."""

from __future__ import annotations

import pytest

from p4sim.errors import InvalidArgument
from p4sim.runtime import codec


def test_padded_and_canonical_decode_to_the_same_value():
    assert codec.decode(b"\x01\x00", 9, "port") == 256
    assert codec.decode(b"\x00\x05", 9, "port") == codec.decode(b"\x05", 9, "port") == 5


@pytest.mark.parametrize(
    "value, width, message",
    [
        (b"\x02\x00", 9, "does not fit in 9 bits"),
        (b"\x00\x00\x01", 9, "longer than the 9-bit field"),
        (b"", 8, "empty byte string"),
    ],
)
def test_values_that_do_not_fit_are_refused_naming_the_field(value, width, message):
    with pytest.raises(InvalidArgument, match=message) as exc:
        codec.decode(value, width, "table 't' field 'f'")
    assert "table 't' field 'f'" in str(exc.value)


def test_encoding_is_canonical():
    assert codec.encode(0) == b"\x00"
    assert codec.encode(5) == b"\x05"
    assert codec.encode(0x1FF) == b"\x01\xff"
    assert codec.encode_padded(5, 48) == b"\x00" * 5 + b"\x05"
