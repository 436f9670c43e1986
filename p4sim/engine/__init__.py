"""p4sim's execution engine: a v1model target that behaves as BMv2
simple_switch. ``Switch`` is the API (docs/p4sim-api.md)."""

from p4sim.engine.switch import Stats, Switch

__all__ = ["Switch", "Stats"]
