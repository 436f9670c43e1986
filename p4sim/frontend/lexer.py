"""Tokens of P4_16, with locations in the files the user wrote.

The lexer follows the ``#line`` markers the preprocessor leaves, so a token's
location is its place in the original file even through ``#include``. It does
not tell type names from other identifiers: the parser does that with its
symbol table (as p4c's lexer does with its own), because only the parser
knows which declarations are in scope.

``>>`` is never one token: the parser joins two adjacent ``>`` when it parses
a shift, so that ``register<bit<32>>`` needs no special case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from p4sim.errors import P4CompileError
from p4sim.ir import SourceLoc

KEYWORDS = frozenset(
    {
        "abstract", "action", "bit", "bool", "const", "control", "default", "else", "enum", "error",
        "exit", "extern", "false", "header", "header_union", "if", "in", "inout", "int", "match_kind",
        "out", "package", "parser", "return", "select", "string", "struct", "switch", "table",
        "transition", "true", "tuple", "typedef", "varbit", "void", "value_set", "list",
    }
)

# Longest first: the regex alternation takes the first that matches.
PUNCT = [
    "&&&", "|+|", "|-|", "...",
    "..", "++", "<<", "<=", ">=", "==", "!=", "&&", "||",
    "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">", "=", "?", ":",
    ";", ",", ".", "(", ")", "{", "}", "[", "]", "@",
]

_INT = r"(?:[0-9]+[wsWS])?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[dD][0-9_]+|[0-9][0-9_]*)"

_TOKEN_RE = re.compile(
    "|".join(
        [
            r"(?P<ws>[ \t\r\f\v]+)",
            r"(?P<nl>\n)",
            r"(?P<line>^[ \t]*\#[ \t]*(?:line[ \t]+)?(?P<lineno>[0-9]+)(?:[ \t]+\"(?P<linefile>[^\"]*)\")?[^\n]*)",
            r"(?P<hashdir>^[ \t]*\#[^\n]*)",
            r"(?P<lcomment>//[^\n]*)",
            r"(?P<bcomment>/\*(?:.|\n)*?\*/)",
            r"(?P<int>" + _INT + r")(?![A-Za-z0-9_])",
            r"(?P<ident>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<string>\"(?:[^\"\\\n]|\\.)*\")",
            r"(?P<punct>" + "|".join(re.escape(p) for p in PUNCT) + ")",
        ]
    ),
    re.MULTILINE,
)


# Far beyond any real header, small enough that 2**width stays cheap.
MAX_WIDTH = 65536


@dataclass(slots=True)
class Token:
    """``kind`` is "ident", "kw", "int", "string", "punct" or "eof"; ``value``
    is the text (for "int" the parsed literal). ``glued`` is True when no
    space separates this token from the previous one (to join ``> >``)."""

    kind: str
    text: str
    loc: SourceLoc
    glued: bool = False
    value: object = None

    def is_(self, text: str) -> bool:
        return self.text == text and self.kind in ("punct", "kw", "ident")

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.loc})"


@dataclass(frozen=True, slots=True)
class IntLit:
    """A parsed integer literal: ``width`` None for an unsized ``int``."""

    value: int
    width: int | None
    signed: bool
    base: int


def parse_int(text: str, loc: SourceLoc) -> IntLit:
    width: int | None = None
    signed = False
    m = re.match(r"([0-9]+)([wsWS])", text)
    if m:
        width = int(m.group(1))
        signed = m.group(2) in "sS"
        text = text[m.end():]
        if width > MAX_WIDTH:
            raise P4CompileError(loc, f"{text}: width {width} is too large (at most {MAX_WIDTH} bits)")
        if width == 0 and not signed:
            raise P4CompileError(loc, "width of an integer literal must be positive")
        if signed and width < 2:
            raise P4CompileError(loc, "int<N> literals need a width of at least 2")
    body = text.replace("_", "")
    base = 10
    if len(body) > 1 and body[0] == "0" and body[1] in "xXbBoOdD":
        base = {"x": 16, "b": 2, "o": 8, "d": 10}[body[1].lower()]
        body = body[2:]
    try:
        value = int(body, base)
    except ValueError as exc:
        raise P4CompileError(loc, f"malformed integer literal {text}") from exc
    return IntLit(value, width, signed, base)


def tokenize(text: str, filename: str, rename: Callable[[str], str] = lambda f: f) -> list[Token]:
    """All tokens of preprocessed ``text``, ending with one "eof" token.
    ``rename`` maps the file names of ``#line`` markers to the names
    diagnostics should show."""
    tokens: list[Token] = []
    file = filename
    line = 1
    line_start = 0
    pos = 0
    glued = False
    n = len(text)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            col = pos - line_start + 1
            raise P4CompileError(SourceLoc(file, line, col), f"unexpected character {text[pos]!r}")
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            glued = False
        elif kind == "nl":
            line += 1
            line_start = end
            glued = False
        elif kind == "line":
            # The marker names the line that follows it.
            if m.group("linefile") is not None:
                file = rename(m.group("linefile"))
            line = int(m.group("lineno")) - 1
            glued = False
        elif kind == "hashdir":
            glued = False  # #pragma and friends: ignored, like p4c does for unknown pragmas
        elif kind in ("lcomment", "bcomment"):
            chunk = m.group(kind)
            nls = chunk.count("\n")
            if nls:
                line += nls
                line_start = pos + chunk.rfind("\n") + 1
            glued = False
        else:
            loc = SourceLoc(file, line, pos - line_start + 1)
            s = m.group(kind)
            if kind == "int":
                tokens.append(Token("int", s, loc, glued, parse_int(s, loc)))
            elif kind == "ident":
                tokens.append(Token("kw" if s in KEYWORDS else "ident", s, loc, glued))
            elif kind == "string":
                tokens.append(Token("string", s, loc, glued, _unescape(s[1:-1])))
            else:
                tokens.append(Token("punct", s, loc, glued))
            glued = True
        pos = end
    tokens.append(Token("eof", "<end of file>", SourceLoc(file, line, pos - line_start + 1), glued))
    return tokens


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"', "r": "\r"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)
