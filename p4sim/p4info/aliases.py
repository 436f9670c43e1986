"""Shortest unique dot-suffixes, the default P4Info alias.

Uniqueness is judged against every control-plane name of every kind (p4c's
P4SymbolSuffixSet), not per kind: ``CIngress.drop`` and a table
``CEgress.drop`` both need their control prefix as alias.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Node:
    instances: int = 0
    edges: dict[str, _Node] = field(default_factory=dict)


@dataclass
class SuffixSet:
    """A tree of name components read right to left; each node counts how
    many names pass through it, so the walk can stop at the first node only
    one name reaches."""

    _root: _Node = field(default_factory=_Node)
    _names: set[str] = field(default_factory=set)

    def add(self, name: str) -> None:
        if not name:
            raise ValueError("empty control-plane name")
        if name in self._names:
            return
        self._names.add(name)
        node = self._root
        for component in reversed(name.split(".")):
            node = node.edges.setdefault(component, _Node())
            node.instances += 1

    def shortest_unique_suffix(self, name: str) -> str:
        components = name.split(".")
        needed = 0
        node = self._root
        for component in reversed(components):
            try:
                node = node.edges[component]
            except KeyError:
                raise KeyError(f"{name!r} is not in the suffix set") from None
            needed += 1
            if node.instances < 2:
                break
        return ".".join(components[len(components) - needed :])
