"""Entries as an operator reads them: P4Info names, MACs and IPv4 addresses in their usual notation.

Entries compare as integers (see `reconcile.Entry`); printed that way a
destination MAC is 2199023255552. The P4Info gives each match field and
action parameter its width, which is enough to print what the number is:
48 bits is a MAC address (the only 48-bit quantity in these pipelines), 32
bits on a field whose name says `ip` is an IPv4 address. Everything else is
decimal. JSON output keeps the integers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from gwctl.reconcile import Entry, Kind

Widths = Mapping[tuple[str, str], tuple[int, str]]
"""(table, match field) -> (bits, match kind: exact/lpm/ternary/range/optional);
(action, parameter) -> (bits, ""). From the P4Info."""


def widths_of(schema: Any) -> dict[tuple[str, str], tuple[int, str]]:
    """Widths and match kinds from finsy's P4Schema (read only; p4rt stays the one finsy user that acts)."""
    out: dict[tuple[str, str], tuple[int, str]] = {}
    for table in schema.tables:
        for mf in table.match_fields:
            out[(table.name, mf.name)] = (mf.bitwidth, str(getattr(mf.match_type, "name", "")).lower())
    for action in schema.actions:
        for param in action.params:
            out[(action.name, param.name)] = (param.bitwidth, "")
    return out


def value_text(name: str, value: Any, width: int | None, kind: str = "") -> str:
    """One value: MAC, IPv4, prefix (value/len), ternary (value&&&mask, as p4runtime-shell), range (lo..hi)."""
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if kind == "lpm":
            return f"{value_text(name, first, width)}/{second}"
        if kind == "range":
            return f"{value_text(name, first, width)}..{value_text(name, second, width)}"
        return f"{value_text(name, first, width)}&&&{value_text(name, second, width)}"
    if not isinstance(value, int):
        return str(value)
    if width == 48:
        raw = f"{value:012x}"
        return ":".join(raw[i:i + 2] for i in range(0, 12, 2))
    if width == 32 and "ip" in name.lower().split(".")[-1]:
        return str(ipaddress.IPv4Address(value))
    return str(value)


def _value(owner: str, name: str, value: Any, widths: Widths) -> str:
    width, kind = widths.get((owner, name), (None, ""))
    return value_text(name, value, width, kind)


def _pairs(owner: str, pairs: tuple[Any, ...], widths: Widths) -> str:
    return " ".join(f"{n}={_value(owner, n, v, widths)}" for n, v in pairs)


def _action(entry: Entry, widths: Widths) -> str:
    args = ", ".join(f"{n}={_value(entry.action, n, v, widths)}" for n, v in entry.params)
    return f"{entry.action}({args})"


def render(entry: Entry, widths: Widths) -> str:
    """One line per entry, by kind."""
    match entry.kind:
        case Kind.TABLE:
            prio = f" priority={entry.priority}" if entry.priority else ""
            if entry.params and entry.params[0][0] in ("$member", "$group"):
                ref, ident = entry.params[0]
                action = f"{ref[1:]} {ident}"
            else:
                action = _action(entry, widths)
            key = _pairs(entry.table, entry.key, widths) or "(empty key)"
            return f"{entry.table} {key}{prio} -> {action}"
        case Kind.DEFAULT:
            return f"{entry.table} default -> {_action(entry, widths)}"
        case Kind.MCAST_GROUP:
            replicas = " ".join(f"{port}/{instance}" for port, instance in entry.params)
            return f"multicast group {entry.key[0]} -> port/instance {replicas or '(none)'}"
        case Kind.CLONE_SESSION:
            params = dict(entry.params)
            replicas = " ".join(f"{port}/{instance}" for port, instance in params.get("replicas", ()))
            return (f"clone session {entry.key[0]} -> port/instance {replicas or '(none)'} "
                    f"class_of_service={params.get('class_of_service', 0)} "
                    f"packet_length_bytes={params.get('packet_length_bytes', 0)}")
        case Kind.PROFILE_MEMBER:
            return f"{entry.table} member {entry.key[0]} -> {_action(entry, widths)}"
        case Kind.PROFILE_GROUP:
            members = " ".join(f"{m}(weight {w})" for m, w in entry.params)
            return f"{entry.table} group {entry.key[0]} -> members {members or '(none)'}"
    return str(entry)
