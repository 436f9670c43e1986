"""A faster JSON parser for the `ovs` library's JSON-RPC, on Python's C `json` module.

The `ovs` Python package parses OVSDB messages with a pure-Python,
character-by-character lexer unless its C extension is built (it is not in
the pip package). At 100,000 Ucast_Macs_Remote rows the initial monitor
reply is ~10 MB and that lexer took 60% of the vtep DB sync (40 of 68 s
under a profiler). `FastParser` keeps `ovs.json.Parser`'s interface (feed
returns how many characters it consumed, is_done, finish returns the value
or an error string) but only finds where the top-level value ends: a regular
expression jumps between quotes and brackets, tracking depth and whether a
chunk ended inside a string, and `json.loads` parses the whole message once.
Like the ovs parser, it accepts only an object or array at the top.

Most of a large message is row data in the middle of the value, where the
value cannot end; such a chunk is handled without a Python step per token:
one C-level substitution removes its complete strings, a second keeps only
its brackets, and a short loop over those finds whether the depth reaches 0.
Only a chunk where it does (the value's last one) gets the token-by-token
scan, which returns exactly where the value ends.

`install()` puts it in place of `ovs.json.Parser` for the whole process
(ovs.jsonrpc looks the class up at each message).
"""

from __future__ import annotations

import json
import re
from typing import Any

import ovs.json

_TOKEN = re.compile(r'["{}\[\]]')
_STRING_REST = re.compile(r'(?:[^"\\]|\\.)*"', re.S)
_SPACE = " \t\r\n"
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = re.compile(r'[^{}\[\]"]+')


class FastParser:
    def __init__(self, check_trailer: bool = False) -> None:
        self._check_trailer = check_trailer
        self._chunks: list[str] = []
        self._depth = 0
        self._in_string = False
        self._escape = False
        self._started = False
        self._done = False
        self._error = ""

    def feed(self, s: str) -> int:
        if self._done:
            return 0
        i, n = 0, len(s)
        if not self._started:
            while i < n and s[i] in _SPACE:
                i += 1
            if i == n:
                return n
            self._started = True
            if s[i] not in "{[":   # as the ovs parser: JSON-RPC messages are objects
                self._error = "syntax error at beginning of input"
                self._done = True
                return i
        start = i
        if self._in_string:
            i = self._finish_string(s, i)
            if self._in_string:
                self._chunks.append(s[start:])
                return n
        if self._skim(s, i):
            self._chunks.append(s[start:])
            return n
        while i < n:
            if self._in_string:
                if self._escape:
                    self._escape = False
                    i += 1
                    continue
                m = _STRING_REST.match(s, i)
                if m is None:   # the string goes on in the next chunk; an odd run of backslashes escapes its 1st char
                    tail = s[i:]
                    self._escape = (len(tail) - len(tail.rstrip("\\"))) % 2 == 1
                    i = n
                    break
                i = m.end()
                self._in_string = False
                continue
            m = _TOKEN.search(s, i)
            if m is None:
                i = n
                break
            c = m.group()
            i = m.end()
            if c == '"':
                self._in_string = True
            elif c in "{[":
                self._depth += 1
            else:
                self._depth -= 1
                if self._depth == 0:
                    self._done = True
                    break
        self._chunks.append(s[start:i])
        return i

    def _finish_string(self, s: str, i: int) -> int:
        """Consume the rest of a string begun in an earlier chunk; where it ends, or len(s)."""
        if self._escape:
            self._escape = False
            i += 1
            if i >= len(s):
                return len(s)
        m = _STRING_REST.match(s, i)
        if m is None:
            tail = s[i:]
            self._escape = (len(tail) - len(tail.rstrip("\\"))) % 2 == 1
            return len(s)
        self._in_string = False
        return m.end()

    def _skim(self, s: str, i: int) -> bool:
        """Account for s[i:] at C speed when the value cannot end in it; False
        (state untouched) when it may, for the exact scan to take over."""
        rest = _STRINGS.sub("", s[i:]) if '"' in s[i:] else s[i:]
        quote = rest.find('"')   # a string that goes on in the next chunk
        counted = rest if quote < 0 else rest[:quote]
        depth = self._depth
        for c in _NOT_BRACKETS.sub("", counted):
            depth += 1 if c in "{[" else -1
            if depth <= 0:
                return False
        self._depth = depth
        if quote >= 0:
            content = rest[quote + 1:]   # nothing after the open quote was removed
            self._in_string = True
            self._escape = (len(content) - len(content.rstrip("\\"))) % 2 == 1
        return True

    def is_done(self) -> bool:
        return self._done

    def finish(self) -> Any:
        if self._error:
            return self._error
        if not self._started:
            return "empty input stream"
        if not self._done:
            return "unexpected end of input"
        text = "".join(self._chunks)
        self._chunks = []   # a 100,000-row update is 20 MB of text: not twice over while json builds its objects
        try:
            return json.loads(text)
        except ValueError as exc:
            return f"syntax error: {exc}"


def install() -> None:
    """Make the ovs library parse JSON with FastParser (idempotent)."""
    ovs.json.Parser = FastParser  # type: ignore[misc]
