"""The JSON parser gwctl gives the ovs library: same values as json, whatever way messages are split."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gwctl.ovs_json import FastParser

TEXT = st.text(alphabet='ab"\\{}[]\n é')
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                      lambda inner: st.lists(inner) | st.dictionaries(TEXT, inner), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(TEXT, VALUES), min_size=1, max_size=3), st.integers(1, 7),
       st.sampled_from(["", " ", "\n"]))
def test_messages_split_anywhere_parse_as_json_does(messages, size, gap):
    """As ovs.jsonrpc drives it: feed what arrived, keep what was not consumed, finish when done."""
    text = "".join(json.dumps(m) + gap for m in messages)
    out, pending, pos, parser = [], "", 0, None
    while pos < len(text) or pending:
        if not pending:
            pending, pos = text[pos:pos + size], pos + size
        parser = parser or FastParser()
        pending = pending[parser.feed(pending):]
        if parser.is_done():
            out.append(parser.finish())
            parser = None
    assert out == messages


def test_errors_are_reported_as_text_like_the_ovs_parser():
    bad = FastParser()
    bad.feed('{"a": tru}')
    assert bad.is_done() and isinstance(bad.finish(), str)
    scalar = FastParser(check_trailer=True)
    scalar.feed('"x" ')   # as the ovs parser: only objects and arrays at the top
    assert scalar.is_done() and "syntax error" in scalar.finish()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(TEXT, VALUES), min_size=1, max_size=3), st.integers(8, 400),
       st.sampled_from(["", " ", "\n"]))
def test_large_chunks_take_the_fast_path_and_still_stop_exactly(messages, size, gap):
    """Chunks holding many tokens: skimmed at C speed until the one where a value ends."""
    test_messages_split_anywhere_parse_as_json_does.hypothesis.inner_test(messages, size, gap)
